"""``Runtime``: what one event loop of a server process holds.

A server process serves its sockets from one event loop, and what those
sockets share lives in that loop's ``Runtime`` (as Starlette keeps an
application's shared objects in ``app.state``): the hub (one channel-layer
subscription for the process, with presence and the session watch, see
``parley.realtime.hub``) and the tasks that must outlive the socket that
started them. Consumers reach it from their scope (``RUNTIME_SCOPE_KEY``,
set by ``RuntimeMiddleware``, the innermost layer of
``parley.realtime.auth.websocket_application``), so a test builds a consumer
with a runtime of its own by putting one in the scope.

What a process holds whatever its loops is kept where it is used, and says
so: the database thread (``parley.db``: Django's connections are per
thread), the rate limiters' buckets (``parley.ratelimit``: budgets are per
process, spent by the event loop and by the threads of sync views alike),
and the layer loop for sync callers of a loop-bound layer
(``parley.bus.layers``).
"""

import asyncio
import logging
import weakref
from collections.abc import Awaitable, Coroutine
from typing import Any

from parley.conf import parley_settings
from parley.realtime.hub import Hub
from parley.wire.frames import CloseCode

logger = logging.getLogger(__name__)

# The scope key under which a socket finds its runtime.
RUNTIME_SCOPE_KEY = "parley.runtime"


class Runtime:
    """The shared state of one event loop's sockets; see the module docstring.

    Build one per loop with ``Runtime.current()``; tests may build their own
    (``Runtime()``, or with a fake ``hub``) and put it in a scope.

    Attributes:
        hub: the loop's hub, made on first use (it needs the channel layer).
        detached: tasks that must run to their end whatever becomes of the
            socket that started them (a held ``read`` position).
    """

    _by_loop: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Runtime]" = (
        weakref.WeakKeyDictionary()
    )

    def __init__(self, hub: Hub | None = None) -> None:
        self._hub = hub
        self.detached: set[asyncio.Task] = set()

    @classmethod
    def current(cls) -> "Runtime":
        """The running event loop's runtime, made on first use.

        Raises:
            RuntimeError: no event loop is running.
        """
        loop = asyncio.get_running_loop()
        runtime = cls._by_loop.get(loop)
        if runtime is None:
            runtime = cls._by_loop[loop] = cls()
        return runtime

    @classmethod
    def of(cls, scope: dict[str, Any]) -> "Runtime":
        """The runtime a socket with ``scope`` uses: the scope's, else the
        running loop's (a consumer mounted without ``RuntimeMiddleware``)."""
        runtime = scope.get(RUNTIME_SCOPE_KEY)
        return runtime if runtime is not None else cls.current()

    @property
    def hub(self) -> Hub:
        if self._hub is None:
            self._hub = Hub()
        return self._hub

    def detach(self, coroutine: Coroutine[Any, Any, Any]) -> asyncio.Task:
        """Run ``coroutine`` to its end, whatever becomes of the socket that
        started it; kept here so it is not garbage-collected meanwhile."""
        task = asyncio.ensure_future(coroutine)
        self.detached.add(task)
        task.add_done_callback(self.detached.discard)
        return task

    async def drain(self) -> None:
        """Close this loop's sockets for a graceful shutdown (``Hub.drain``).

        Each gets ``PARLEY_SHUTDOWN_GRACE_SECS`` (seconds) to finish its frame
        in hand and write its queue, then is closed with 1001 (going away):
        its client resumes on another process. Does nothing if no socket was
        ever opened.
        """
        if self._hub is not None:
            await self._hub.drain(
                CloseCode.GOING_AWAY, parley_settings.SHUTDOWN_GRACE_SECS
            )

    async def close(self) -> None:
        """Stop the hub's tasks (tests; a process that exits needs none)."""
        if self._hub is not None:
            await self._hub.close()


class RuntimeMiddleware:
    """ASGI middleware that puts the running loop's ``Runtime`` in the scope
    (``RUNTIME_SCOPE_KEY``) of every WebSocket connection, unless one is
    there already.

    It sets the key on the scope it is given instead of passing a copy on:
    inside ``websocket_application`` it runs innermost, where the scope is
    the private copy the sign-in layer above made for this connection, and
    an idle socket would otherwise keep one more copy of its scope (about
    half a kilobyte, ``python -m bench heap``). For the same reason it
    returns the inner application's coroutine rather than awaiting it: no
    frame of its own stays alive for the socket's life.

    Args:
        inner: the ASGI application to call.
    """

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    def __call__(
        self, scope: dict[str, Any], receive: Any, send: Any
    ) -> Awaitable[Any]:
        if RUNTIME_SCOPE_KEY not in scope:
            scope[RUNTIME_SCOPE_KEY] = Runtime.current()
        return self.inner(scope, receive, send)
