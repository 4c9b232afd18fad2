"""``parley.post`` / ``apost``, ``parley.add_member`` / ``aadd_member`` and
``parley.remove_member`` / ``aremove_member``: what host code calls instead of
touching Parley's models."""

import pytest
from asgiref.sync import sync_to_async
from django.db import transaction

import parley
from parley.models import Membership, Message, Room
from parley.services import direct_rooms, rooms
from parley.wire.errors import NotFound, ParleyError
from tests.unit.services.frames import Listener

pytestmark = pytest.mark.django_db


@pytest.fixture
def plans(alice):
    return rooms.create_room(user=alice, title="Plans", kind=Room.Kind.PRIVATE)


def test_post_stores_and_announces_after_commit(
    alice, plans, django_capture_on_commit_callbacks
):
    room = Listener.room(plans)
    with django_capture_on_commit_callbacks(execute=True):
        said = parley.post(plans, alice, "  Order #42 shipped  ")
        assert room.pending() == 0  # nothing before the commit
    assert (said.seq, said.text) == (1, "Order #42 shipped")
    frame = room.next_frame()
    assert (frame["type"], frame["text"], frame["author"]) == (
        "message",
        "Order #42 shipped",
        alice.username,
    )


def test_post_is_idempotent_by_client_id_and_by_slug(
    alice, plans, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = parley.post("plans", alice, "once", client_id="order-42")
        again = parley.post("plans", alice, "once", client_id="order-42")
    assert first == again and Message.objects.count() == 1


def test_a_rolled_back_post_is_neither_stored_nor_heard(alice, plans):
    room = Listener.room(plans)
    with pytest.raises(RuntimeError), transaction.atomic():
        parley.post(plans, alice, "never")
        raise RuntimeError
    assert not Message.objects.exists() and room.pending() == 0


def test_posting_where_one_cannot_read_is_refused(bob, plans):
    with pytest.raises(NotFound):
        parley.post(plans, bob, "let me in")


def test_add_member_lets_them_read_and_post(
    bob, plans, django_capture_on_commit_callbacks
):
    inbox = Listener.user(bob)
    with django_capture_on_commit_callbacks(execute=True):
        membership = parley.add_member("plans", bob)
        assert parley.add_member(plans, bob) == membership
    assert membership.role == Membership.Role.MEMBER
    assert inbox.frames() == [
        {"type": "joined", "room": "plans", "title": "Plans", "kind": "private"}
    ]
    assert parley.post(plans, bob, "thanks").author == bob


def test_a_direct_room_takes_no_third_member(alice, bob, carol):
    direct, _ = direct_rooms.open_direct(user=alice, username=bob.username)
    with pytest.raises(ParleyError) as error:
        parley.add_member(direct, carol)
    assert error.value.code == "invalid_request"
    with pytest.raises(Room.DoesNotExist):
        parley.add_member("no-such-room", carol)


def test_remove_member_cuts_their_sockets_and_a_ban_keeps_them_out(
    alice, bob, django_capture_on_commit_callbacks
):
    lobby = rooms.create_room(user=alice, title="Lobby")
    parley.add_member(lobby, bob)
    inbox = Listener.user(bob)
    with django_capture_on_commit_callbacks(execute=True):
        assert parley.remove_member("lobby", bob, ban=True)
    assert inbox.frames() == [
        {"type": "unsubscribed", "room": "lobby", "reason": "banned"}
    ]
    with pytest.raises(NotFound):
        parley.post(lobby, bob, "let me back")


@pytest.mark.django_db(transaction=True)
async def test_the_async_twins(make_user):
    owner = await sync_to_async(make_user)("owner")
    guest = await sync_to_async(make_user)("guest")
    plans = await sync_to_async(rooms.create_room)(
        user=owner, title="Plans", kind=Room.Kind.PRIVATE
    )
    await parley.aadd_member(plans, guest)
    said = await parley.apost("plans", guest, "hello")
    assert said.seq == 1 and said.author_id == guest.pk
    assert await parley.aremove_member("plans", guest)
    with pytest.raises(NotFound):
        await parley.apost("plans", guest, "still here?")
