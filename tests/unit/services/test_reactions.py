"""Reactions: toggles, their event, the cap, the emoji check, the counts a
message's shape carries."""

import pytest
from django.test import override_settings

from parley.services import edits, history, messages, reactions, rooms
from parley.wire import shapes
from parley.wire.errors import Conflict, ErrorCode, NotFound, ParleyError
from tests.unit.services.frames import Listener

pytestmark = pytest.mark.django_db


@pytest.fixture
def lobby(alice):
    return rooms.join_or_create(user=alice, name="lobby")


@pytest.fixture
def said(lobby, alice):
    return messages.store(room=lobby, author=alice, text="hello").message


def test_toggles_count_once_per_user_and_announce_changes_only(
    lobby, said, alice, bob, django_capture_on_commit_callbacks
):
    listener = Listener.room(lobby)
    with django_capture_on_commit_callbacks(execute=True):
        first = reactions.toggle(user=bob, message_id=said.id, emoji="👍", on=True)
        again = reactions.toggle(user=bob, message_id=said.id, emoji="👍", on=True)
        reactions.toggle(user=alice, message_id=said.id, emoji="👍", on=True)
        reactions.toggle(user=alice, message_id=said.id, emoji="🎉", on=True)
    assert (first.count, first.changed) == (1, True)
    assert (again.count, again.changed) == (1, False)
    frames = listener.frames()
    assert frames[0] == {
        "type": "reaction",
        "id": said.id,
        "seq": 1,
        "room": "lobby",
        "emoji": "👍",
        "user": "bob",
        "count": 1,
        "on": True,
    }
    assert [(f["user"], f["emoji"], f["count"]) for f in frames] == [
        ("bob", "👍", 1),
        ("alice", "👍", 2),
        ("alice", "🎉", 1),
    ]
    [shown] = history.history(room=lobby)
    reactions.attach([shown], viewer_id=bob.pk)
    assert shapes.message(shown)["reactions"] == [
        {"emoji": "👍", "count": 2, "me": True},
        {"emoji": "🎉", "count": 1, "me": False},
    ]
    with django_capture_on_commit_callbacks(execute=True):
        off = reactions.toggle(user=bob, message_id=said.id, emoji="👍", on=False)
        off_again = reactions.toggle(user=bob, message_id=said.id, emoji="👍", on=False)
    assert (off.count, off.on, off.changed) == (1, False, True)
    assert off_again.changed is False
    assert [f["on"] for f in listener.frames()] == [False]


@pytest.mark.parametrize(
    "bad", ["a", "👍👍", "👍 ", ":thumbsup:", "👍" + "\u200d" * 40]
)
def test_only_one_emoji_is_a_reaction(said, bob, bad):
    with pytest.raises(ParleyError) as error:
        reactions.toggle(user=bob, message_id=said.id, emoji=bad, on=True)
    assert error.value.code == ErrorCode.INVALID_EMOJI


def test_skin_tones_and_zwj_sequences_are_one_emoji(said, bob):
    for emoji in ("👍🏽", "👨‍👩‍👧", "🇫🇷"):
        assert reactions.toggle(user=bob, message_id=said.id, emoji=emoji, on=True).on


@override_settings(PARLEY_MAX_REACTIONS_PER_MESSAGE=2)
def test_distinct_reactions_per_message_are_capped(said, alice, bob):
    reactions.toggle(user=alice, message_id=said.id, emoji="👍", on=True)
    reactions.toggle(user=alice, message_id=said.id, emoji="🎉", on=True)  # 2: passes
    with pytest.raises(Conflict) as error:
        reactions.toggle(user=bob, message_id=said.id, emoji="😀", on=True)  # 3rd
    assert error.value.code == ErrorCode.TOO_MANY_REACTIONS
    # One already there may still be added to.
    assert (
        reactions.toggle(user=bob, message_id=said.id, emoji="🎉", on=True).count == 2
    )


def test_unreadable_and_deleted_messages(said, alice, make_user):
    eve = make_user("eve")
    secret = rooms.create_room(user=alice, title="secret", kind="private")
    hidden = messages.store(room=secret, author=alice, text="psst").message
    with pytest.raises(NotFound):
        reactions.toggle(user=eve, message_id=hidden.id, emoji="👍", on=True)
    edits.delete_message(user=alice, message_id=said.id)
    with pytest.raises(Conflict) as error:
        reactions.toggle(user=alice, message_id=said.id, emoji="👍", on=True)
    assert error.value.code == ErrorCode.MESSAGE_DELETED
