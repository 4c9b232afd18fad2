"""Roles and moderation without sockets: who moderates whom, removal and
bans (and what the user's sockets and the room hear), mutes, archives."""

import pytest
from django.test import override_settings

from parley import signals
from parley.models import Membership
from parley.services import direct_rooms, edits, messages, moderation, reactions, rooms
from parley.wire.errors import ErrorCode, Forbidden, NotFound, ParleyError
from tests.unit.services.frames import Listener

pytestmark = pytest.mark.django_db


@pytest.fixture
def lobby(alice, bob, carol):
    """A public room alice owns; bob and carol are members."""
    room = rooms.create_room(user=alice, title="Lobby")
    for member in (bob, carol):
        rooms.admit(room=room, user=member)
    return room


def role(room, user) -> str:
    return Membership.objects.get(room=room, user=user).role


def test_owners_moderators_and_staff_moderate_members_do_not(alice, bob, carol, lobby):
    assert moderation.can_moderate(alice, lobby)
    assert not moderation.can_moderate(bob, lobby)
    moderation.set_role(by=alice, room=lobby, username="bob", role="moderator")
    assert role(lobby, bob) == "moderator"
    assert moderation.can_moderate(bob, lobby)
    carol.is_staff = True
    assert moderation.can_moderate(carol, lobby)


def test_only_the_owner_sets_roles_and_nobody_outranks_themselves(
    alice, bob, carol, lobby
):
    moderation.set_role(by=alice, room=lobby, username="bob", role="moderator")
    with pytest.raises(Forbidden):
        moderation.set_role(by=bob, room=lobby, username="carol", role="moderator")
    with pytest.raises(Forbidden):
        moderation.remove_member(by=bob, room=lobby, username="alice")
    with pytest.raises(ParleyError) as error:
        moderation.remove_member(by=alice, room=lobby, username="alice")
    assert error.value.code == ErrorCode.INVALID_REQUEST
    with pytest.raises(ParleyError) as error:
        moderation.set_role(by=alice, room=lobby, username="bob", role="owner")
    assert error.value.code == ErrorCode.INVALID_REQUEST
    moderation.set_role(by=alice, room=lobby, username="bob", role="member")
    assert role(lobby, bob) == "member"


def test_a_removal_cuts_the_users_sockets_and_tells_the_room(
    alice, bob, lobby, django_capture_on_commit_callbacks
):
    mine, room = Listener.user(bob), Listener.room(lobby)
    left = []
    signals.member_left.connect(lambda **kw: left.append(kw["reason"]), weak=False)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            assert moderation.remove_member(by=alice, room=lobby, username="bob")
    finally:
        signals.member_left.receivers.clear()
    assert mine.frames() == [
        {"type": "unsubscribed", "room": "lobby", "reason": "removed"}
    ]
    assert room.frames() == [
        {
            "type": "member",
            "room": "lobby",
            "user": "bob",
            "left": True,
            "reason": "removed",
        }
    ]
    assert left == ["removed"]
    assert not Membership.objects.filter(room=lobby, user=bob).exists()
    # A public room: a removed user may come back.
    assert rooms.can_read(bob, lobby)


def test_a_banned_user_cannot_read_or_post_a_public_room(
    alice, bob, lobby, django_capture_on_commit_callbacks
):
    mine = Listener.user(bob)
    with django_capture_on_commit_callbacks(execute=True):
        moderation.ban(by=alice, room=lobby, username="bob")
    assert mine.frames()[0]["reason"] == "banned"
    assert not rooms.can_read(bob, lobby)
    assert lobby not in rooms.readable_rooms(bob)
    with pytest.raises(NotFound):
        rooms.join_or_create(user=bob, name="lobby")
    # A socket that still holds the room (its subscription) is refused too.
    with pytest.raises(NotFound) as error:
        messages.send(author=bob, room=lobby, text="still here?")
    assert error.value.code == ErrorCode.ROOM_NOT_FOUND
    assert moderation.unban(by=alice, room=lobby, username="bob")
    assert rooms.can_read(bob, lobby)


def test_a_removed_member_of_a_private_room_cannot_post_through_an_old_subscription(
    alice, bob
):
    secret = rooms.create_room(user=alice, title="Secret", kind="private")
    rooms.add_member(user=alice, room=secret, username="bob")
    moderation.remove_member(by=alice, room=secret, username="bob")
    with pytest.raises(NotFound):
        messages.send(author=bob, room=secret, text="after removal")


def test_a_muted_member_reads_but_is_refused_with_retry_after(alice, bob, lobby):
    posted = messages.send(author=alice, room=lobby, text="hello").message
    mine = messages.send(author=bob, room=lobby, text="mine").message
    until = moderation.mute(by=alice, room=lobby, username="bob", seconds=60)
    assert moderation.muted_until(bob, lobby) == until
    for attempt in (
        lambda: messages.send(author=bob, room=lobby, text="let me"),
        lambda: edits.edit_message(user=bob, message_id=mine.id, text="changed"),
        lambda: reactions.toggle(user=bob, message_id=posted.id, emoji="👍", on=True),
    ):
        with pytest.raises(moderation.Muted) as error:
            attempt()
        assert error.value.code == ErrorCode.MUTED
        assert 59 <= error.value.retry_after <= 60
    assert rooms.can_read(bob, lobby)
    moderation.mute(by=alice, room=lobby, username="bob", seconds=None)
    assert moderation.muted_until(bob, lobby) is None
    messages.send(author=bob, room=lobby, text="free again")


@override_settings(PARLEY_MAX_MUTE_SECS=100)
def test_a_mute_lasts_at_most_the_limit(alice, bob, lobby):
    assert moderation.mute(by=alice, room=lobby, username="bob", seconds=100)
    for seconds in (101, 0):
        with pytest.raises(ParleyError) as error:
            moderation.mute(by=alice, room=lobby, username="bob", seconds=seconds)
        assert error.value.code == ErrorCode.INVALID_REQUEST


def test_an_archived_room_is_read_only_for_everyone(
    alice, bob, lobby, django_capture_on_commit_callbacks
):
    posted = messages.send(author=bob, room=lobby, text="before").message
    with pytest.raises(Forbidden):
        moderation.archive(by=bob, room=lobby)
    room = Listener.room(lobby)
    with django_capture_on_commit_callbacks(execute=True):
        moderation.archive(by=alice, room=lobby)
    assert room.frames() == [
        {"type": "archived", "room": "lobby", "on": True, "by": "alice"}
    ]
    assert moderation.is_archived(lobby)
    for attempt in (
        lambda: messages.send(author=alice, room=lobby, text="after"),
        lambda: edits.edit_message(user=bob, message_id=posted.id, text="x"),
        lambda: edits.delete_message(user=alice, message_id=posted.id),
        lambda: reactions.toggle(user=alice, message_id=posted.id, emoji="👍", on=True),
    ):
        with pytest.raises(Forbidden) as error:
            attempt()
        assert error.value.code == ErrorCode.ROOM_ARCHIVED
    assert rooms.can_read(bob, lobby)
    moderation.archive(by=alice, room=lobby, on=False)
    messages.send(author=alice, room=lobby, text="back")


def test_a_moderator_deletes_others_messages(alice, bob, carol, lobby):
    posted = messages.send(author=carol, room=lobby, text="spam").message
    with pytest.raises(Forbidden):
        edits.delete_message(user=bob, message_id=posted.id)
    moderation.set_role(by=alice, room=lobby, username="bob", role="moderator")
    assert edits.delete_message(user=bob, message_id=posted.id).deleted_at


def test_a_direct_room_has_no_moderation(alice, bob):
    direct, _created = direct_rooms.open_direct(user=alice, username="bob")
    with pytest.raises(Forbidden):
        moderation.remove_member(by=alice, room=direct, username="bob")
    with pytest.raises(ParleyError) as error:
        moderation.expel(room=direct, user=bob)
    assert error.value.code == ErrorCode.INVALID_REQUEST
