"""Editing and deleting messages."""

import pytest

from parley.services import edits, history, messages, rooms
from parley.wire import shapes
from parley.wire.errors import Conflict, ErrorCode, Forbidden, NotFound, ParleyError
from tests.unit.services.frames import Listener

pytestmark = pytest.mark.django_db


@pytest.fixture
def lobby(alice):
    return rooms.join_or_create(user=alice, name="lobby")  # alice owns it


@pytest.fixture
def said(lobby, bob):
    return messages.store(room=lobby, author=bob, text="helo").message


def test_the_author_edits_and_subscribers_hear_it(
    bob, lobby, said, django_capture_on_commit_callbacks
):
    room = Listener.room(lobby)
    with django_capture_on_commit_callbacks(execute=True):
        edited = edits.edit_message(user=bob, message_id=said.id, text=" hello ")
    assert edited.text == "hello" and edited.edited_at is not None
    frame = room.next_frame()
    assert frame == {
        "type": "edited",
        "id": said.id,
        "seq": 1,
        "room": "lobby",
        "text": "hello",
        "html": "<p>hello</p>",
        "edited_ts": shapes.timestamp(edited.edited_at),
    }
    assert frame | {"type": None} == {"type": None, **shapes.edited(edited)}
    [shown] = history.history(room=lobby)
    assert shapes.message(shown)["text"] == "hello"
    assert shapes.message(shown)["edited_ts"] == frame["edited_ts"]


def test_only_the_author_edits(alice, said):
    with pytest.raises(Forbidden) as error:
        edits.edit_message(user=alice, message_id=said.id, text="mine now")
    assert (error.value.code, error.value.status) == (ErrorCode.FORBIDDEN, 403)


def test_edit_text_is_checked_like_a_send(bob, said):
    with pytest.raises(ParleyError) as error:
        edits.edit_message(user=bob, message_id=said.id, text="   ")
    assert error.value.code == ErrorCode.INVALID_TEXT


def test_a_message_outside_ones_rooms_is_not_found(make_user, alice):
    secret = rooms.create_room(user=alice, title="secret", kind="private")
    hidden = messages.store(room=secret, author=alice, text="psst").message
    stranger = make_user("stranger")
    for attempt in (
        lambda: edits.edit_message(user=stranger, message_id=hidden.id, text="x"),
        lambda: edits.delete_message(user=stranger, message_id=hidden.id),
        lambda: edits.delete_message(user=stranger, message_id=10**9),
    ):
        with pytest.raises(NotFound) as error:
            attempt()
        assert error.value.code == ErrorCode.NOT_FOUND


def test_the_author_deletes_and_the_seq_stays(
    bob, lobby, said, django_capture_on_commit_callbacks
):
    later = messages.store(room=lobby, author=bob, text="later").message
    room = Listener.room(lobby)
    with django_capture_on_commit_callbacks(execute=True):
        edits.delete_message(user=bob, message_id=said.id)
        again = edits.delete_message(user=bob, message_id=said.id)
    assert room.frames() == [
        {"type": "deleted", "id": said.id, "seq": 1, "room": "lobby"}
    ]
    assert shapes.deleted(again) == {"id": said.id, "seq": 1, "room": "lobby"}
    page = [shapes.message(m) for m in history.history(room=lobby)]
    assert [(m["seq"], m["text"], m.get("deleted")) for m in page] == [
        (2, "later", None),
        (1, "", True),
    ]
    assert later.seq == 2
    replayed = history.replay(room_id=lobby.pk, after=0).messages
    assert [m.seq for m in replayed] == [1, 2]


def test_the_rooms_owner_deletes_others_messages(alice, said):
    assert edits.delete_message(user=alice, message_id=said.id).deleted_at


def test_others_do_not_delete(make_user, said):
    with pytest.raises(Forbidden):
        edits.delete_message(user=make_user("carol"), message_id=said.id)


def test_a_deleted_message_is_not_edited(bob, said):
    edits.delete_message(user=bob, message_id=said.id)
    with pytest.raises(Conflict) as error:
        edits.edit_message(user=bob, message_id=said.id, text="back")
    assert error.value.code == ErrorCode.MESSAGE_DELETED


def test_staff_deletes_in_any_room_and_others_may_not(
    make_user, lobby, said, django_capture_on_commit_callbacks
):
    staff = make_user("staff")
    staff.is_staff = True
    with pytest.raises(Forbidden):
        edits.delete_messages_as_staff(staff=make_user("nobody"), message_ids=[said.id])
    room = Listener.room(lobby)
    with django_capture_on_commit_callbacks(execute=True):
        assert (
            edits.delete_messages_as_staff(staff=staff, message_ids=[said.id, 10**9])
            == 1
        )
        assert edits.delete_messages_as_staff(staff=staff, message_ids=[said.id]) == 0
    assert [frame["type"] for frame in room.frames()] == ["deleted"]
