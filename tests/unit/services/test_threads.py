"""Replies: the parent's checks, the quote, the count and its event, the
replies page."""

import pytest
from django.test import override_settings

from parley.services import edits, history, messages, rooms, threads
from parley.wire import shapes
from parley.wire.errors import Conflict, ErrorCode, NotFound, ParleyError
from tests.unit.services.frames import Listener

pytestmark = pytest.mark.django_db


@pytest.fixture
def lobby(alice):
    return rooms.join_or_create(user=alice, name="lobby")


@pytest.fixture
def parent(lobby, alice):
    return messages.store(room=lobby, author=alice, text="x" * 120).message


def test_a_reply_quotes_its_parent_and_the_room_hears_the_count(lobby, parent, bob):
    listener = Listener.room(lobby)
    posted = messages.send(
        author=bob, slug="lobby", text="answer", client_id="c1", reply_to=parent.id
    )
    message, count = listener.frames()
    assert message["type"] == "message" and message["reply_to"] == {
        "id": parent.id,
        "seq": 1,
        "author": "alice",
        "author_name": "alice",
        "excerpt": "x" * shapes.QUOTE_CHARS + "…",
        "deleted": False,
    }
    assert count == {
        "type": "replies",
        "id": parent.id,
        "seq": 1,
        "room": "lobby",
        "reply_count": 1,
    }
    # A repeat of the send counts nothing again.
    again = messages.send(
        author=bob, slug="lobby", text="answer", client_id="c1", reply_to=parent.id
    )
    assert not again.created and again.message.id == posted.message.id
    [reply, first] = history.history(room=lobby)
    assert shapes.message(first)["reply_count"] == 1
    assert shapes.message(reply)["reply_to"]["id"] == parent.id


def test_a_deleted_parent_is_quoted_as_deleted(lobby, parent, alice, bob):
    reply = messages.send(
        author=bob, slug="lobby", text="answer", reply_to=parent.id
    ).message
    edits.delete_message(user=alice, message_id=parent.id)
    [shown] = [m for m in history.history(room=lobby) if m.id == reply.id]
    quote = shapes.message(shown)["reply_to"]
    assert quote["deleted"] is True and quote["excerpt"] == ""


def test_replies_to_what_cannot_be_answered_are_refused(
    lobby, parent, alice, bob, make_user
):
    messages.send(author=alice, slug="lobby", text="x", reply_to=parent.id)
    other = rooms.join_or_create(user=bob, name="other")
    there = messages.store(room=other, author=bob, text="there").message
    secret = rooms.create_room(user=bob, title="secret", kind="private")
    hidden = messages.store(room=secret, author=bob, text="psst").message
    with pytest.raises(ParleyError) as error:
        messages.send(author=alice, slug="lobby", text="x", reply_to=there.id)
    assert error.value.code == ErrorCode.REPLY_WRONG_ROOM
    # A message alice may not read is as unknown as one that never was.
    for missing in (hidden.id, 10**9):
        with pytest.raises(NotFound) as error:
            messages.send(author=alice, slug="lobby", text="x", reply_to=missing)
        assert error.value.code == ErrorCode.NOT_FOUND
    edits.delete_message(user=alice, message_id=parent.id)
    with pytest.raises(Conflict) as error:
        messages.send(author=alice, slug="lobby", text="x", reply_to=parent.id)
    assert error.value.code == ErrorCode.MESSAGE_DELETED
    assert lobby.messages.get(pk=parent.id).reply_count == 1


@override_settings(PARLEY_HISTORY_PAGE_MAX=2)
def test_replies_are_paged_newest_first_by_seq(lobby, parent, alice, make_user):
    for n in range(3):
        messages.send(author=alice, slug="lobby", text=f"r{n}", reply_to=parent.id)
    messages.send(author=alice, slug="lobby", text="not a reply")
    page = threads.replies(user=alice, message_id=parent.id, limit=5)
    assert [m.text for m in page.replies] == ["r2", "r1"]
    assert page.parent.reply_count == 3 and page.next_before == 3
    rest = threads.replies(user=alice, message_id=parent.id, before=page.next_before)
    assert [m.text for m in rest.replies] == ["r0"] and rest.next_before is None
    secret = rooms.create_room(user=alice, title="secret", kind="private")
    hidden = messages.store(room=secret, author=alice, text="psst").message
    with pytest.raises(NotFound):
        threads.replies(user=make_user("eve"), message_id=hidden.id)
