"""Channel-layer events and group names (``parley.wire.events``), with plain
values: the shapes a hub dispatches on, each frame encoded once."""

import orjson
import pytest

from parley.wire import events
from parley.wire.events import (
    ROOM_EVENT,
    SESSION_EVENT,
    USER_EVENT,
    group_of,
    message_event,
    presence_group,
    room_event,
    room_frame,
    room_group,
    session_event,
    user_frame,
    user_group,
)
from parley.wire.frames import ServerFrameType

MESSAGE = {
    "id": 7,
    "seq": 3,
    "room": "лобби",
    "author": "ann",
    "text": "привет",
    "ts": "2026-11-21T07:35:46.123Z",
}

# Channels accepts group names of ASCII letters, digits, "-", "_" and "."
# only, shorter than 100 characters.
GROUP_CHARS = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.")


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        (room_group(42), "room.42"),
        (user_group(42), "user.42"),
        (presence_group(), "parley.presence"),
    ],
)
def test_group_names_are_built_from_ids_in_channels_alphabet(name, expected):
    """A group name is made of the id only, in the characters Channels
    accepts, and rooms and users never share a name."""
    assert name == expected
    assert set(name) <= GROUP_CHARS and len(name) < 100


@pytest.mark.parametrize(
    ("event", "group"),
    [
        (room_event(5, "{}"), "room.5"),
        (user_frame(9, ServerFrameType.READ, room="a", seq=1), "user.9"),
        (session_event(9, sessions=["d"]), "user.9"),
    ],
)
def test_an_event_goes_to_the_group_it_names(event, group):
    """Room events go to the room's group; user and session events to the
    user's group."""
    assert group_of(event) == group


@pytest.mark.parametrize(
    "event", [{}, {"type": "parley.presence"}, {"type": "websocket.send"}]
)
def test_an_event_of_another_kind_has_no_group(event):
    """``group_of`` refuses an event it did not build, with ValueError."""
    with pytest.raises(ValueError, match="not a room, user or session event"):
        group_of(event)


def test_a_message_event_carries_both_frames_encoded_once(monkeypatch):
    """The protocol's ``message`` frame and the tutorial's form are each
    encoded once, whatever the number of receivers; ``seq`` rides along
    for the socket's stream."""
    calls = []
    encode_frame, encode = events.encode_frame, events.encode
    monkeypatch.setattr(
        events,
        "encode_frame",
        lambda *a, **k: calls.append("frame") or encode_frame(*a, **k),
    )
    monkeypatch.setattr(
        events, "encode", lambda *a, **k: calls.append("tutorial") or encode(*a, **k)
    )
    event = message_event(11, MESSAGE)
    assert sorted(calls) == ["frame", "tutorial"]
    assert (event["type"], event["room_id"], event["seq"]) == (ROOM_EVENT, 11, 3)
    assert orjson.loads(event["frame"]) == {"type": "message", **MESSAGE}
    tutorial = orjson.loads(event["tutorial"])
    assert tutorial == {
        "message": "привет",
        **{k: v for k, v in MESSAGE.items() if k != "text"},
    }
    assert isinstance(event["frame"], str) and isinstance(event["tutorial"], str)


def test_a_room_frame_leaves_out_none_and_has_no_seq():
    """Frames other than messages carry no ``seq``: they are forwarded as
    they come, not ordered."""
    event = room_frame(4, ServerFrameType.TYPING, room="a", user="ann", extra=None)
    assert event == {
        "type": ROOM_EVENT,
        "room_id": 4,
        "frame": '{"type":"typing","room":"a","user":"ann"}',
    }


def test_a_room_event_keeps_seq_and_tutorial_only_when_given():
    assert room_event(1, "{}") == {"type": ROOM_EVENT, "room_id": 1, "frame": "{}"}
    assert room_event(1, "{}", seq=2, tutorial="t") == {
        "type": ROOM_EVENT,
        "room_id": 1,
        "frame": "{}",
        "seq": 2,
        "tutorial": "t",
    }


def test_a_user_frame_is_for_every_tab_of_one_user():
    event = user_frame(3, ServerFrameType.NOTIFICATION, notification={"id": 1})
    assert (event["type"], event["user_id"]) == (USER_EVENT, 3)
    assert orjson.loads(event["frame"]) == {
        "type": "notification",
        "notification": {"id": 1},
    }


def test_a_session_event_lists_what_ended_and_defaults_to_nothing():
    """A session event carries no frame; its fields are plain lists and a
    dict (JSON for any layer), empty when not given."""
    assert session_event(2) == {
        "type": SESSION_EVENT,
        "user_id": 2,
        "sessions": [],
        "tokens": [],
        "rekey": {},
        "check": False,
    }
    event = session_event(
        2, sessions=iter(["d1"]), tokens=(5,), rekey={"d0": "k"}, check=True
    )
    assert (event["sessions"], event["tokens"], event["rekey"], event["check"]) == (
        ["d1"],
        [5],
        {"d0": "k"},
        True,
    )
    assert "frame" not in event


def test_a_removal_cuts_the_room_and_leaving_does_not():
    """``left_room``: every form unfollows; a removal or a ban also names
    the slug the socket refuses sends to (``cut``)."""
    left = events.left_room(3, 9, "лобби")
    assert (left["unfollow"], "cut" in left) == (9, False)
    banned = events.left_room(3, 9, "лобби", "banned")
    assert (banned["unfollow"], banned["cut"]) == (9, "лобби")
    assert orjson.loads(banned["frame"]) == {
        "type": "unsubscribed",
        "room": "лобби",
        "reason": "banned",
    }
