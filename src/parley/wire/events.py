"""Channel-layer events and group names: the one format services publish and
hubs deliver. No I/O.

An event carries its frame already encoded, so fan-out to N sockets costs one
encoding (``docs/architecture.md``). Three kinds reach sockets:

- a **room event** goes to ``room_group(room_id)``: ``{"type": "room.event",
  "room_id": int, "frame": str, "seq": int?, "tutorial": str?}``. ``seq`` is
  set for ``message`` frames only, which are ordered, de-duplicated and
  gap-filled per socket (``parley.wire.stream``); other room frames
  (``edited``, ``deleted``, ``typing``, ``presence``) are forwarded as they
  come. ``tutorial`` is the tutorial socket's form of a message; sockets of
  that kind skip events without it.
- a **user event** goes to ``user_group(user_id)``, every open tab of one
  user: ``{"type": "user.event", "user_id": int, "frame": str}``
  (``notification``, ``read``, ``joined``); one that says the user left a
  room (or was removed from it) also carries ``"unfollow": room_id``, and
  a removal ``"cut": slug`` (``left_room``).
- a **session event** goes to ``user_group(user_id)`` too, but carries no
  frame: it tells each process which of that user's sockets to close
  because the sign-in they were opened with ended
  (``parley.realtime.sessions``): ``{"type": "session.event", "user_id":
  int, "sessions": [digest], "tokens": [int], "rekey": {digest: key},
  "check": bool}``.

Group names are built from database ids only, never from user text: Channels
accepts only ASCII letters, digits, ``-``, ``_`` and ``.`` below 100
characters, so a room called ``лобби`` would break a name built from its
title.
"""

from collections.abc import Iterable
from typing import Any

from parley.wire.frames import ServerFrameType, encode, encode_frame

ROOM_EVENT = "room.event"
USER_EVENT = "user.event"
SESSION_EVENT = "session.event"


def room_group(room_id: int) -> str:
    """Group of every socket subscribed to the room with this id."""
    return f"room.{room_id}"


def user_group(user_id: int) -> str:
    """Group of every socket of the user with this id (all their tabs)."""
    return f"user.{user_id}"


def presence_group() -> str:
    """Group of every process's hub, for presence heartbeats."""
    return "parley.presence"


def group_of(event: dict[str, Any]) -> str:
    """The group an event built here is sent to.

    Raises:
        ValueError: the event is not a room, user or session event.
    """
    kind = event.get("type")
    if kind == ROOM_EVENT:
        return room_group(event["room_id"])
    if kind in (USER_EVENT, SESSION_EVENT):
        return user_group(event["user_id"])
    raise ValueError(f"not a room, user or session event: {kind!r}")


def room_event(
    room_id: int, frame: str, *, seq: int | None = None, tutorial: str | None = None
) -> dict[str, Any]:
    """A room event around an encoded frame; see the module docstring."""
    event: dict[str, Any] = {"type": ROOM_EVENT, "room_id": room_id, "frame": frame}
    if seq is not None:
        event["seq"] = seq
    if tutorial is not None:
        event["tutorial"] = tutorial
    return event


def room_frame(
    room_id: int, frame_type: ServerFrameType, **fields: Any
) -> dict[str, Any]:
    """A room event carrying ``{"type": frame_type, **fields}``, encoded once
    (None values are left out, as in ``frames.encode_frame``)."""
    return room_event(room_id, encode_frame(frame_type, **fields))


def user_frame(
    user_id: int, frame_type: ServerFrameType, **fields: Any
) -> dict[str, Any]:
    """A user event carrying ``{"type": frame_type, **fields}``, encoded once."""
    return {
        "type": USER_EVENT,
        "user_id": user_id,
        "frame": encode_frame(frame_type, **fields),
    }


def left_room(
    user_id: int, room_id: int, slug: str, reason: str = "left"
) -> dict[str, Any]:
    """The user event telling each socket of a user that they left a room,
    or were removed (``reason``: ``"left"``, ``"removed"``, ``"banned"``).

    It carries ``unsubscribed {room, reason}`` and ``unfollow`` (the room's
    id): a socket following the room stops, then sends the frame; the
    others send it too, so that every tab's sidebar forgets it. A removal
    also carries ``cut`` (the slug): the socket then refuses what the user
    sends to that room until they subscribe to it again.
    """
    event = user_frame(user_id, ServerFrameType.UNSUBSCRIBED, room=slug, reason=reason)
    event["unfollow"] = room_id
    if reason != "left":
        event["cut"] = slug
    return event


def message_event(room_id: int, message: dict[str, Any]) -> dict[str, Any]:
    """The room event announcing a stored message.

    Both frames are encoded here, once per message, and forwarded verbatim
    to every socket: fan-out to N sockets costs one encoding, not N.

    Args:
        room_id: the message's room id.
        message: the message's public shape (``parley.wire.shapes.message``).

    Returns:
        A room event with ``seq``, ``frame`` (the protocol's ``message``
        frame) and ``tutorial`` (the tutorial socket's ``{"message": text,
        ...}``), both JSON text.
    """
    tutorial = {"message": message["text"]}
    tutorial.update((k, v) for k, v in message.items() if k != "text")
    return room_event(
        room_id,
        encode_frame(ServerFrameType.MESSAGE, **message),
        seq=message["seq"],
        tutorial=encode(tutorial),
    )


def session_event(
    user_id: int,
    *,
    sessions: Iterable[str] = (),
    tokens: Iterable[int] = (),
    rekey: dict[str, str] | None = None,
    check: bool = False,
) -> dict[str, Any]:
    """A session event: close or re-check some of a user's sockets.

    Args:
        user_id: whose sockets.
        sessions: digests (``parley.services.sessions.key_digest``) of
            sessions that ended: their sockets close.
        tokens: ids of API tokens revoked: their sockets close.
        rekey: digest of a session key -> the key that replaced it (Django
            cycled the key of a session that stays signed in, e.g. on a
            password change): its sockets now belong to the new key.
        check: re-validate every socket of the user against the store (a
            password change, a deactivation) after the rekey.
    """
    return {
        "type": SESSION_EVENT,
        "user_id": user_id,
        "sessions": list(sessions),
        "tokens": list(tokens),
        "rekey": dict(rekey or {}),
        "check": check,
    }
