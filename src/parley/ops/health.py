"""``/healthz``: can this process reach its database and its channel layer?

A load balancer or an orchestrator polls it to take a process out of
rotation (503) and back in (200). It needs no sign-in and touches no
session. Each check is bounded by ``PARLEY_HEALTH_TIMEOUT_SECS``, and both
run at once, so the answer comes within that time even when a part hangs.

Answers::

    200 {"status": "ok", "database": "ok", "channel_layer": "ok"}
    503 {"status": "error", "database": "ok", "channel_layer": "timeout"}

A failing part reads ``"timeout"`` or ``"error"``; the reason is logged,
not sent (the endpoint is public).
"""

import asyncio
import concurrent.futures
import logging
import threading
import uuid
import weakref
from collections.abc import Awaitable
from dataclasses import dataclass, field
from enum import StrEnum

from channels.layers import get_channel_layer
from django.db import connection
from django.http import HttpRequest, JsonResponse

from parley.conf import parley_settings

logger = logging.getLogger(__name__)

HEALTH_EVENT_TYPE = "parley.ops.health"


class Status(StrEnum):
    """The state of one part, as ``/healthz`` reports it."""

    OK = "ok"
    TIMEOUT = "timeout"
    ERROR = "error"


# One thread probes the database, and at most one probe runs at a time:
# checks that arrive while a probe hangs wait on that same probe, so a hung
# database never piles up threads or connections.
_database_executor = concurrent.futures.ThreadPoolExecutor(
    max_workers=1, thread_name_prefix="parley-health"
)
_database_probe: concurrent.futures.Future | None = None
_database_probe_lock = threading.Lock()


def _query_database() -> None:
    """Run ``SELECT 1`` on a fresh connection, then close it.

    A fresh connection each time: a kept one would hide a database that
    stopped accepting connections, and would break after its restart.
    """
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    finally:
        connection.close()


async def check_database(within_secs: float) -> Status:
    """Whether the default database answers a query within ``within_secs``."""
    global _database_probe
    with _database_probe_lock:
        if _database_probe is None or _database_probe.done():
            _database_probe = _database_executor.submit(_query_database)
        probe = _database_probe
    # Shielded: a check that times out leaves the probe to the others.
    return await _bounded(
        "database", asyncio.shield(asyncio.wrap_future(probe)), within_secs
    )


@dataclass
class _LayerProbe:
    """One event loop's probe channel, made once and reused: the pub/sub
    layer keeps a channel subscribed until a receive on it is cancelled, so
    a new channel per check would leak one subscription per check."""

    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    channel: str | None = None


_layer_probes: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


async def _layer_round_trip() -> None:
    """Send an event to this process' probe channel and receive it back.

    Raises:
        RuntimeError: no channel layer is configured.
        Exception: whatever the layer raises.
    """
    layer = get_channel_layer()
    if layer is None:
        raise RuntimeError("CHANNEL_LAYERS has no default layer")
    loop = asyncio.get_running_loop()
    if (probe := _layer_probes.get(loop)) is None:
        probe = _layer_probes[loop] = _LayerProbe()
    async with probe.lock:
        if probe.channel is None:
            probe.channel = await layer.new_channel()
        token = uuid.uuid4().hex
        await layer.send(probe.channel, {"type": HEALTH_EVENT_TYPE, "token": token})
        # A reply to an earlier check that timed out may come first: skip it.
        while (await layer.receive(probe.channel)).get("token") != token:
            pass


async def check_channel_layer(within_secs: float) -> Status:
    """Whether an event makes a round trip through the channel layer
    (to this process and back) within ``within_secs`` seconds."""
    return await _bounded("channel layer", _layer_round_trip(), within_secs)


async def _bounded(part: str, check: Awaitable, within_secs: float) -> Status:
    try:
        async with asyncio.timeout(within_secs):
            await check
    except TimeoutError:
        logger.warning("health check: %s did not answer in %s s", part, within_secs)
        return Status.TIMEOUT
    except Exception:
        logger.warning("health check: %s failed", part, exc_info=True)
        return Status.ERROR
    return Status.OK


async def healthz(request: HttpRequest) -> JsonResponse:
    """``GET /healthz``: 200 when every part is ok, else 503 (see above)."""
    within_secs = parley_settings.HEALTH_TIMEOUT_SECS
    database, channel_layer = await asyncio.gather(
        check_database(within_secs), check_channel_layer(within_secs)
    )
    healthy = database == channel_layer == Status.OK
    return JsonResponse(
        {
            "status": Status.OK if healthy else Status.ERROR,
            "database": database,
            "channel_layer": channel_layer,
        },
        status=200 if healthy else 503,
        headers={"Cache-Control": "no-store"},
    )
