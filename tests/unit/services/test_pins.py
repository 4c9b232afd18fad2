"""Pinning and unpinning messages, the cap and the list, without sockets."""

import pytest
from django.test import override_settings

from parley.services import edits, history, messages, pins, rooms
from parley.wire import shapes
from parley.wire.errors import Conflict, ErrorCode, Forbidden, NotFound
from tests.unit.services.frames import Listener

pytestmark = pytest.mark.django_db


@pytest.fixture
def lobby(alice):
    return rooms.create_room(user=alice, title="Lobby")


def post(room, user, text):
    return messages.store(room=room, author=user, text=text).message


def test_the_owner_pins_and_everyone_sees_it(
    alice, bob, lobby, django_capture_on_commit_callbacks
):
    message = post(lobby, bob, "remember this")
    room = Listener.room(lobby)
    with django_capture_on_commit_callbacks(execute=True):
        pinned = pins.set_pinned(user=alice, message_id=message.id, on=True)
        pins.set_pinned(user=alice, message_id=message.id, on=True)  # no change
    assert shapes.message(pinned)["pinned"] is True
    assert room.frames() == [
        {
            "type": "pin",
            "room": "lobby",
            "id": message.id,
            "seq": 1,
            "on": True,
            "by": "alice",
        }
    ]
    [listed] = pins.pins(room=lobby)
    assert (listed.message.text, listed.by) == ("remember this", "alice")
    assert shapes.message(history.history(room=lobby)[0])["pinned"] is True
    with django_capture_on_commit_callbacks(execute=True):
        unpinned = pins.set_pinned(user=alice, message_id=message.id, on=False)
    assert "pinned" not in shapes.message(unpinned)
    assert room.frames()[0]["on"] is False
    assert pins.pins(room=lobby) == []


def test_only_the_owner_pins_and_only_what_they_read(alice, bob, carol, lobby):
    message = post(lobby, alice, "hi")
    with pytest.raises(Forbidden):
        pins.set_pinned(user=bob, message_id=message.id, on=True)
    secret = rooms.create_room(user=carol, title="Secret", kind="private")
    hidden = post(secret, carol, "hidden")
    with pytest.raises(NotFound) as error:
        pins.set_pinned(user=alice, message_id=hidden.id, on=True)
    assert error.value.code == ErrorCode.NOT_FOUND


@override_settings(PARLEY_MAX_PINS_PER_ROOM=2)
def test_a_room_holds_at_most_the_cap_of_pins(alice, lobby):
    first, second, third = (post(lobby, alice, str(n)) for n in range(3))
    pins.set_pinned(user=alice, message_id=first.id, on=True)
    pins.set_pinned(user=alice, message_id=second.id, on=True)
    with pytest.raises(Conflict) as error:
        pins.set_pinned(user=alice, message_id=third.id, on=True)
    assert (error.value.code, error.value.status) == (ErrorCode.TOO_MANY_PINS, 409)


def test_a_deleted_message_cannot_be_pinned(alice, lobby):
    message = post(lobby, alice, "gone")
    edits.delete_message(user=alice, message_id=message.id)
    with pytest.raises(Conflict) as error:
        pins.set_pinned(user=alice, message_id=message.id, on=True)
    assert error.value.code == ErrorCode.MESSAGE_DELETED
