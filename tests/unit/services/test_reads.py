"""Read positions and unread counts."""

import pytest

from parley.models import Membership
from parley.services import edits, messages, reads, rooms
from tests.unit.services.frames import Listener

pytestmark = pytest.mark.django_db


@pytest.fixture
def lobby(alice):
    return rooms.join_or_create(user=alice, name="lobby")


def post(room, author, *texts):
    return [messages.store(room=room, author=author, text=t).message for t in texts]


def test_unread_counts_others_messages_after_the_read_position(alice, bob, lobby):
    post(lobby, alice, "a1")
    post(lobby, bob, "b1", "b2", "b3")
    assert reads.read_state(user=bob, room=lobby) == reads.ReadState("lobby", 0, 1)
    assert reads.read_state(user=alice, room=lobby).unread == 3


def test_deleted_messages_are_not_unread(alice, bob, lobby):
    first, _second = post(lobby, bob, "b1", "b2")
    edits.delete_message(user=bob, message_id=first.id)
    assert reads.read_state(user=alice, room=lobby).unread == 1


def test_mark_read_moves_forward_only_and_stops_at_the_end(
    alice, bob, lobby, django_capture_on_commit_callbacks
):
    post(lobby, bob, "b1", "b2", "b3")
    with django_capture_on_commit_callbacks(execute=True):
        assert reads.mark_read(user=alice, room=lobby, seq=2).seq == 2
        assert reads.mark_read(user=alice, room=lobby, seq=1).seq == 2
        assert reads.mark_read(user=alice, room=lobby, seq=99) == reads.ReadState(
            "lobby", 3, 0
        )
        assert reads.mark_read(user=alice, room=lobby, seq=-5).seq == 3


def test_reading_a_public_room_makes_the_reader_a_member(alice, bob, lobby):
    post(lobby, alice, "hello")
    assert not Membership.objects.filter(room=lobby, user=bob).exists()
    reads.mark_read(user=bob, room=lobby, seq=1)
    membership = Membership.objects.get(room=lobby, user=bob)
    assert (membership.role, membership.last_read_seq) == ("member", 1)


def test_every_tab_hears_the_read_position(
    alice, bob, lobby, django_capture_on_commit_callbacks
):
    post(lobby, bob, "b1", "b2")
    tabs = Listener.user(alice), Listener.user(alice)
    with django_capture_on_commit_callbacks(execute=True):
        reads.mark_read(user=alice, room=lobby, seq=1)
    for tab in tabs:
        assert tab.frames() == [
            {"type": "read", "room": "lobby", "seq": 1, "unread": 1}
        ]


def test_unread_counts_cover_many_rooms_in_two_queries(
    alice, bob, django_assert_num_queries
):
    many = [rooms.join_or_create(user=alice, name=f"room{i}") for i in range(6)]
    for i, room in enumerate(many):
        post(room, bob, *[f"m{j}" for j in range(i)])
    reads.mark_read(user=alice, room=many[5], seq=3)
    reads.mark_read(user=alice, room=many[4], seq=4)
    for room in many:
        room.refresh_from_db()
    with django_assert_num_queries(2):
        counts = reads.unread_counts(user=alice, rooms=many)
    assert [counts[room.pk] for room in many] == [0, 1, 2, 3, 0, 2]


def test_unread_counts_default_to_every_readable_room(alice, bob, lobby, make_user):
    secret = rooms.create_room(user=bob, title="secret", kind="private")
    post(lobby, bob, "x")
    post(secret, bob, "y")
    assert reads.unread_counts(user=alice) == {lobby.pk: 1}
