"""A room's topic, its members page and leaving it, without sockets."""

import pytest
from django.test import override_settings

from parley.models import Membership
from parley.services import details, direct_rooms, reads, rooms
from parley.wire.errors import Conflict, ErrorCode, Forbidden, NotFound, ParleyError
from tests.unit.services.frames import Listener

pytestmark = pytest.mark.django_db


@pytest.fixture
def secret(alice, bob):
    room = rooms.create_room(user=alice, title="Secret", kind="private")
    rooms.add_member(user=alice, room=room, username="bob")
    return room


def test_the_owner_sets_the_topic_and_subscribers_hear_it(
    alice, secret, django_capture_on_commit_callbacks
):
    room = Listener.room(secret)
    with django_capture_on_commit_callbacks(execute=True):
        details.set_topic(user=alice, room=secret, topic="  Plans\n for   <b>May</b> ")
        details.set_topic(user=alice, room=secret, topic="Plans for <b>May</b>")
    assert room.frames() == [
        {
            "type": "topic",
            "room": "secret",
            "topic": "Plans for <b>May</b>",
            "by": "alice",
        }
    ]
    secret.refresh_from_db()
    assert secret.topic == "Plans for <b>May</b>"


def test_only_the_owner_sets_the_topic(bob, secret):
    with pytest.raises(Forbidden) as error:
        details.set_topic(user=bob, room=secret, topic="mine")
    assert error.value.code == ErrorCode.FORBIDDEN


@override_settings(PARLEY_ROOM_TOPIC_MAX_CHARS=5)
def test_a_topic_has_at_most_the_limit_of_characters(alice, secret):
    assert details.set_topic(user=alice, room=secret, topic="12345").topic == "12345"
    with pytest.raises(ParleyError) as error:
        details.set_topic(user=alice, room=secret, topic="123456")
    assert error.value.code == ErrorCode.TEXT_TOO_LONG
    with pytest.raises(ParleyError) as error:
        details.set_topic(user=alice, room=secret, topic="a\x00b")
    assert error.value.code == ErrorCode.INVALID_TEXT


def test_members_come_a_page_at_a_time_owners_first(alice, bob, carol, secret):
    rooms.add_member(user=alice, room=secret, username="carol")
    first = details.members_page(room=secret, limit=2)
    assert [(m.user.username, m.role) for m in first.members] == [
        ("alice", "owner"),
        ("bob", "member"),
    ]
    rest = details.members_page(room=secret, after=first.next_after, limit=2)
    assert [m.user.username for m in rest.members] == ["carol"]
    assert rest.next_after is None
    for cursor in ("nonsense", "²:bob", "99999999999999999999999:bob", "1:"):
        with pytest.raises(ParleyError) as error:
            details.members_page(room=secret, after=cursor)
        assert error.value.code == ErrorCode.INVALID_REQUEST


def test_a_member_leaves_and_no_longer_reads_a_private_room(
    bob, secret, django_capture_on_commit_callbacks
):
    tabs, room = Listener.user(bob), Listener.room(secret)
    with django_capture_on_commit_callbacks(execute=True):
        assert details.leave_room(user=bob, room=secret)
    assert tabs.frames() == [
        {"type": "unsubscribed", "room": "secret", "reason": "left"}
    ]
    assert room.frames() == [
        {
            "type": "member",
            "room": "secret",
            "user": "bob",
            "left": True,
            "reason": "left",
        }
    ]
    with pytest.raises(NotFound):
        rooms.get_readable(user=bob, slug="secret")


def test_the_last_owner_cannot_leave_and_a_direct_room_cannot_be_left(
    alice, bob, secret
):
    with pytest.raises(Conflict) as error:
        details.leave_room(user=alice, room=secret)
    assert (error.value.code, error.value.status) == (ErrorCode.LAST_OWNER, 409)
    Membership.objects.filter(room=secret, user=bob).update(role="owner")
    assert details.leave_room(user=alice, room=secret)
    direct, _created = direct_rooms.open_direct(user=alice, username="bob")
    with pytest.raises(ParleyError) as error:
        details.leave_room(user=alice, room=direct)
    assert error.value.code == ErrorCode.INVALID_REQUEST


def test_leaving_a_public_room_one_is_no_member_of_changes_nothing(alice, bob):
    lobby = rooms.create_room(user=alice, title="Lobby")
    assert not details.leave_room(user=bob, room=lobby)
    assert rooms.get_readable(user=bob, slug="lobby") == lobby


def test_a_read_stored_late_does_not_make_a_leaver_a_member_again(bob, secret):
    details.leave_room(user=bob, room=secret)
    with pytest.raises(NotFound):
        reads.mark_read(user=bob, room=secret, seq=0)
    assert not Membership.objects.filter(room=secret, user=bob).exists()
