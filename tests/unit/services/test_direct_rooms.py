"""Direct rooms (``parley.services.direct_rooms``), without sockets."""

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from parley.models import Room
from parley.services import direct_rooms, rooms
from parley.wire.errors import ErrorCode, NotFound, ParleyError
from tests.unit.services.frames import Listener

pytestmark = pytest.mark.django_db


def test_a_direct_room_is_opened_once_and_both_hear_of_it(
    alice, bob, django_capture_on_commit_callbacks
):
    tabs = {"alice": Listener.user(alice), "bob": Listener.user(bob)}
    with django_capture_on_commit_callbacks(execute=True):
        room, created = direct_rooms.open_direct(user=alice, username="bob")
        same, created_again = direct_rooms.open_direct(user=bob, username="alice")
    assert created and not created_again and same == room
    assert room.kind == Room.Kind.DIRECT
    assert room.slug == rooms.direct_slug(bob.pk, alice.pk)
    assert tabs["bob"].frames() == [
        {"type": "joined", "room": room.slug, "title": "alice", "kind": "direct"}
    ]
    assert tabs["alice"].frames()[0]["title"] == "bob"
    assert direct_rooms.title_for(room, user=alice) == "bob"
    assert direct_rooms.title_for(room, user=bob) == "alice"
    assert direct_rooms.direct_peers(user=alice, room_ids=[room.pk]) == {room.pk: "bob"}


def test_a_third_user_cannot_read_a_direct_room(alice, bob, carol):
    room, _ = direct_rooms.open_direct(user=alice, username="bob")
    assert not rooms.can_read(carol, room)
    with pytest.raises(NotFound):
        rooms.get_readable(user=carol, slug=room.slug)
    with pytest.raises(NotFound):
        rooms.join_or_create(user=carol, name=room.slug)


def test_no_direct_room_with_oneself_or_nobody(alice):
    with pytest.raises(ParleyError) as error:
        direct_rooms.open_direct(user=alice, username="alice")
    assert (error.value.code, error.value.status) == (ErrorCode.INVALID_REQUEST, 400)
    with pytest.raises(NotFound):
        direct_rooms.open_direct(user=alice, username="nobody")


@pytest.mark.django_db(transaction=True)
def test_opening_a_direct_room_at_once_from_both_sides_makes_one(alice, bob):
    def open_as(user, peer):
        try:
            return direct_rooms.open_direct(user=user, username=peer)
        finally:
            connection.close()

    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(open_as, [alice, bob] * 4, ["bob", "alice"] * 4))
    assert len({room.pk for room, _ in results}) == 1
    assert sum(created for _, created in results) == 1
    assert Room.objects.filter(kind=Room.Kind.DIRECT).count() == 1
