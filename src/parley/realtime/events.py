"""Channel-layer events: the one format services publish and hubs deliver.

An event carries its frame already encoded, so fan-out to N sockets costs one
encoding (DESIGN.md). Two kinds exist:

- a **room event** goes to ``room_group(room_id)``: ``{"type": "room.event",
  "room_id": int, "frame": str, "seq": int?, "tutorial": str?}``. ``seq`` is
  set for ``message`` frames only, which are ordered, de-duplicated and
  gap-filled per socket; other room frames (``edited``, ``deleted``,
  ``typing``) are forwarded as they come. ``tutorial`` is the tutorial
  socket's form of a message; sockets of that kind skip events without it.
- a **user event** goes to ``user_group(user_id)``, every open tab of one
  user: ``{"type": "user.event", "user_id": int, "frame": str}``
  (``notification``, ``read``, ``joined``).
- a **session event** goes to ``user_group(user_id)`` too, but carries no
  frame: it tells each process which of that user's sockets to close
  because the sign-in they were opened with ended
  (``parley.realtime.sessions``): ``{"type": "session.event", "user_id":
  int, "sessions": [digest], "tokens": [int], "rekey": {digest: key},
  "check": bool}``.

Publishing is best effort: a stored change is never undone because the layer
failed. Room messages are repaired from the store (see ``docs/protocol.md``);
the rest is re-read by clients on their next page load or resume. Failures
are logged.

The ``*_sync`` functions publish from sync code in any thread of any process
(a view, ``parley.notify`` in a script, a Celery task), any number of times,
on every layer: see ``parley.realtime.layers``.
"""

import asyncio
import logging
import weakref
from collections.abc import Callable, Coroutine, Iterable
from typing import Any

from django.db import transaction

from parley.conf import parley_settings
from parley.realtime import protocol
from parley.realtime.groups import room_group, user_group
from parley.realtime.layers import get_layer, layer_sync
from parley.realtime.protocol import ServerFrameType

logger = logging.getLogger(__name__)

ROOM_EVENT = "room.event"
USER_EVENT = "user.event"
SESSION_EVENT = "session.event"

# Most ``group_send`` calls one event loop has in flight; more wait their
# turn. channels_redis takes a pooled connection per call and fails past 100
# (``MaxConnectionsError``), and many concurrent calls cost it several times
# the CPU of the same calls in turn; a few dozen keep Redis busy enough.
MAX_PUBLISHES_IN_FLIGHT = 32
_in_flight: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore]"
_in_flight = weakref.WeakKeyDictionary()


def room_event(
    room_id: int, frame: str, *, seq: int | None = None, tutorial: str | None = None
) -> dict[str, Any]:
    """A room event; see the module docstring for its shape."""
    event: dict[str, Any] = {"type": ROOM_EVENT, "room_id": room_id, "frame": frame}
    if seq is not None:
        event["seq"] = seq
    if tutorial is not None:
        event["tutorial"] = tutorial
    return event


def user_event(user_id: int, frame: str) -> dict[str, Any]:
    """A user event; see the module docstring for its shape."""
    return {"type": USER_EVENT, "user_id": user_id, "frame": frame}


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
        sessions: digests (``parley.realtime.sessions.key_digest``) of
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


async def send_event(group: str, event: dict[str, Any]) -> bool:
    """``group_send`` ``event``; log and return False if the layer fails.

    At most ``MAX_PUBLISHES_IN_FLIGHT`` run at once per event loop, and each
    waits at most ``PARLEY_PUBLISH_TIMEOUT_SECS``, its turn included: a
    broker that is down (RabbitMQ reconnecting) must not hold the socket or
    the view that sent.
    """
    loop = asyncio.get_running_loop()
    limit = _in_flight.get(loop)
    if limit is None:
        limit = _in_flight[loop] = asyncio.Semaphore(MAX_PUBLISHES_IN_FLIGHT)
    timeout = parley_settings.PUBLISH_TIMEOUT_SECS
    try:
        async with asyncio.timeout(timeout), limit:
            await get_layer().group_send(group, event)
    except TimeoutError:
        logger.warning(
            "publish to %s: the channel layer did not take the event within %s s",
            group,
            timeout,
        )
        return False
    except Exception:
        logger.warning("publish to %s failed", group, exc_info=True)
        return False
    return True


async def publish_room(
    room_id: int, frame_type: ServerFrameType, **fields: Any
) -> bool:
    """Encode a frame once and send it to every socket following the room.

    Args:
        room_id: the room's database id.
        frame_type: the frame's ``type``; ``fields`` are its other keys
            (None values are left out, as in ``protocol.encode_frame``).

    Returns:
        True if the channel layer took the event.
    """
    frame = protocol.encode_frame(frame_type, **fields)
    return await send_event(room_group(room_id), room_event(room_id, frame))


async def publish_user(
    user_id: int, frame_type: ServerFrameType, **fields: Any
) -> bool:
    """Encode a frame once and send it to every open socket of one user.

    Returns:
        True if the channel layer took the event.
    """
    frame = protocol.encode_frame(frame_type, **fields)
    return await send_event(user_group(user_id), user_event(user_id, frame))


def _publish_sync(
    publish: Callable[..., Coroutine[Any, Any, bool]], *args: Any, **kwargs: Any
) -> bool:
    """Run a publishing coroutine function from sync code; ``send_event``
    bounds it by ``PARLEY_PUBLISH_TIMEOUT_SECS``, so a broker that is down
    never holds a view or a ``post_save`` receiver longer."""
    return layer_sync(publish)(*args, **kwargs)


def send_event_sync(group: str, event: dict[str, Any]) -> bool:
    """``send_event`` for sync code (see the module docstring)."""
    return _publish_sync(send_event, group, event)


def publish_room_sync(room_id: int, frame_type: ServerFrameType, **fields: Any) -> bool:
    """``publish_room`` for sync code (see the module docstring)."""
    return _publish_sync(publish_room, room_id, frame_type, **fields)


def publish_user_sync(user_id: int, frame_type: ServerFrameType, **fields: Any) -> bool:
    """``publish_user`` for sync code (see the module docstring)."""
    return _publish_sync(publish_user, user_id, frame_type, **fields)


def publish_room_on_commit(
    room_id: int, frame_type: ServerFrameType, **fields: Any
) -> None:
    """Publish a room frame once the current transaction commits (now if none).

    For sync code that changed the store: a rolled-back change announces
    nothing, and a committed one is readable by the time clients hear of it.
    """
    transaction.on_commit(lambda: publish_room_sync(room_id, frame_type, **fields))


def publish_user_on_commit(
    user_id: int, frame_type: ServerFrameType, **fields: Any
) -> None:
    """Publish a user frame once the current transaction commits (now if none)."""
    transaction.on_commit(lambda: publish_user_sync(user_id, frame_type, **fields))
