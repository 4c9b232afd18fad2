"""Private rooms' members and direct rooms, without sockets."""

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from parley.models import Room
from parley.services import rooms
from parley.wire.errors import ErrorCode, Forbidden, NotFound, ParleyError
from tests.unit.services.frames import Listener

pytestmark = pytest.mark.django_db


@pytest.fixture
def secret(alice):
    return rooms.create_room(user=alice, title="Secret", kind="private")


def test_only_members_read_a_private_room(alice, bob, secret):
    assert rooms.get_readable(user=alice, slug="secret") == secret
    with pytest.raises(NotFound) as error:
        rooms.get_readable(user=bob, slug="secret")
    assert error.value.code == ErrorCode.ROOM_NOT_FOUND
    assert list(rooms.readable_rooms(bob)) == []


def test_the_owner_invites_and_the_invited_hears_of_it(
    alice, bob, secret, django_capture_on_commit_callbacks
):
    tab = Listener.user(bob)
    with django_capture_on_commit_callbacks(execute=True):
        membership, created = rooms.add_member(user=alice, room=secret, username="bob")
        again, created_again = rooms.add_member(user=alice, room=secret, username="bob")
    assert created and not created_again and again == membership
    assert tab.frames() == [
        {"type": "joined", "room": "secret", "title": "Secret", "kind": "private"}
    ]
    assert rooms.get_readable(user=bob, slug="secret") == secret
    assert [(m.user.username, m.role) for m in rooms.members(room=secret)] == [
        ("alice", "owner"),
        ("bob", "member"),
    ]


def test_only_the_owner_invites(alice, bob, carol, secret):
    rooms.add_member(user=alice, room=secret, username="bob")
    with pytest.raises(Forbidden) as error:
        rooms.add_member(user=bob, room=secret, username="carol")
    assert (error.value.code, error.value.status) == (ErrorCode.FORBIDDEN, 403)


@pytest.mark.parametrize(
    ("username", "error", "code"),
    [
        ("nobody", NotFound, ErrorCode.NOT_FOUND),
        ("Bob", NotFound, ErrorCode.NOT_FOUND),  # usernames are case-sensitive
    ],
)
def test_inviting_unknown_users_is_not_found(alice, bob, secret, username, error, code):
    with pytest.raises(error) as raised:
        rooms.add_member(user=alice, room=secret, username=username)
    assert raised.value.code == code


def test_public_rooms_have_no_invitations(alice, bob):
    lobby = rooms.join_or_create(user=alice, name="lobby")
    with pytest.raises(ParleyError) as error:
        rooms.add_member(user=alice, room=lobby, username="bob")
    assert error.value.code == ErrorCode.INVALID_REQUEST


def test_a_direct_room_is_opened_once_and_both_hear_of_it(
    alice, bob, django_capture_on_commit_callbacks
):
    tabs = {"alice": Listener.user(alice), "bob": Listener.user(bob)}
    with django_capture_on_commit_callbacks(execute=True):
        room, created = rooms.open_direct(user=alice, username="bob")
        same, created_again = rooms.open_direct(user=bob, username="alice")
    assert created and not created_again and same == room
    assert room.kind == Room.Kind.DIRECT
    assert room.slug == rooms.direct_slug(bob.pk, alice.pk)
    assert tabs["bob"].frames() == [
        {"type": "joined", "room": room.slug, "title": "alice", "kind": "direct"}
    ]
    assert tabs["alice"].frames()[0]["title"] == "bob"
    assert rooms.title_for(room, user=alice) == "bob"
    assert rooms.title_for(room, user=bob) == "alice"
    assert rooms.direct_peers(user=alice, room_ids=[room.pk]) == {room.pk: "bob"}


def test_a_third_user_cannot_read_a_direct_room(alice, bob, carol):
    room, _ = rooms.open_direct(user=alice, username="bob")
    assert not rooms.can_read(carol, room)
    with pytest.raises(NotFound):
        rooms.get_readable(user=carol, slug=room.slug)
    with pytest.raises(NotFound):
        rooms.join_or_create(user=carol, name=room.slug)


def test_no_direct_room_with_oneself_or_nobody(alice):
    with pytest.raises(ParleyError) as error:
        rooms.open_direct(user=alice, username="alice")
    assert (error.value.code, error.value.status) == (ErrorCode.INVALID_REQUEST, 400)
    with pytest.raises(NotFound):
        rooms.open_direct(user=alice, username="nobody")


@pytest.mark.parametrize("title", ["dm-1-2", "DM 12 345"])
def test_direct_slugs_are_reserved(alice, title):
    with pytest.raises(ParleyError) as error:
        rooms.create_room(user=alice, title=title)
    assert error.value.code == ErrorCode.INVALID_ROOM


@pytest.mark.django_db(transaction=True)
def test_opening_a_direct_room_at_once_from_both_sides_makes_one(alice, bob):
    def open_as(user, peer):
        try:
            return rooms.open_direct(user=user, username=peer)
        finally:
            connection.close()

    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(open_as, [alice, bob] * 4, ["bob", "alice"] * 4))
    assert len({room.pk for room, _ in results}) == 1
    assert sum(created for _, created in results) == 1
    assert Room.objects.filter(kind=Room.Kind.DIRECT).count() == 1
