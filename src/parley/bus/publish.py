"""Publishing events to the channel layer: one API for every caller.

Events are built by ``parley.wire.events`` (a room event, a user event, a
session event), each with its frame encoded once; the group an event goes
to follows from the event itself (``events.group_of``). Three forms:

- ``await publish(event)`` from async code (a socket, the hub);
- ``publish_sync(event)`` from sync code in any thread of any process (a
  view, ``parley.notify`` in a script, a Celery task), any number of times,
  on every layer (``parley.bus.layers``);
- ``publish_on_commit(event)`` from sync code that changed the store: sent
  once the current transaction commits (at once outside one), so a
  rolled-back change announces nothing and a committed one is readable by
  the time clients hear of it.

Publishing is best effort: a stored change is never undone because the layer
failed. Room messages are repaired from the store (``docs/protocol.md``);
the rest is re-read by clients on their next page load or resume. Failures
are logged, and every call is bounded by ``PARLEY_PUBLISH_TIMEOUT_SECS``.
"""

import asyncio
import logging
import weakref
from typing import Any

from django.db import transaction

from parley.bus.layers import get_layer, layer_sync
from parley.conf import parley_settings
from parley.wire.events import group_of

logger = logging.getLogger(__name__)

# Most ``group_send`` calls one event loop has in flight; more wait their
# turn. channels_redis takes a pooled connection per call and fails past 100
# (``MaxConnectionsError``), and many concurrent calls cost it several times
# the CPU of the same calls in turn; a few dozen keep Redis busy enough.
MAX_PUBLISHES_IN_FLIGHT = 32

# One semaphore per event loop, made on first use: asyncio primitives belong
# to one loop, and a process has one server loop plus, for sync callers of a
# loop-bound layer, the layer loop. Kept with the loop (weakly), as
# channels_redis keeps its connection pools per loop.
_gates: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore]"
_gates = weakref.WeakKeyDictionary()


async def send_to_group(group: str, event: dict[str, Any]) -> bool:
    """``group_send`` ``event`` to ``group``; log and return False on failure.

    At most ``MAX_PUBLISHES_IN_FLIGHT`` run at once per event loop, and each
    waits at most ``PARLEY_PUBLISH_TIMEOUT_SECS`` (seconds), its turn
    included: a broker that is down (RabbitMQ reconnecting) must not hold
    the socket or the view that sent.

    Args:
        group: a group name (``parley.wire.events``).
        event: a dict of JSON types with a ``type``.

    Returns:
        True if the channel layer took the event.
    """
    loop = asyncio.get_running_loop()
    gate = _gates.get(loop)
    if gate is None:
        gate = _gates[loop] = asyncio.Semaphore(MAX_PUBLISHES_IN_FLIGHT)
    timeout = parley_settings.PUBLISH_TIMEOUT_SECS
    try:
        async with asyncio.timeout(timeout), gate:
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


async def publish(event: dict[str, Any]) -> bool:
    """Send a room, user or session event to its group (``events.group_of``).

    Returns:
        True if the channel layer took the event (see ``send_to_group``).
    """
    return await send_to_group(group_of(event), event)


def publish_sync(event: dict[str, Any]) -> bool:
    """``publish`` for sync code, in any thread of any process; bounded by
    ``PARLEY_PUBLISH_TIMEOUT_SECS``, so a broker that is down never holds a
    view or a ``post_save`` receiver longer.

    Raises:
        RuntimeError: called from async code (await ``publish`` there).
    """
    return layer_sync(publish)(event)


def publish_on_commit(event: dict[str, Any]) -> None:
    """``publish_sync(event)`` once the current transaction commits (now if
    none); nothing if it rolls back."""
    transaction.on_commit(lambda: publish_sync(event))
