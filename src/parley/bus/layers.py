"""The channel layer from sync code, in any thread of any process.

Channels' way for sync code to use the layer is ``async_to_sync``. In an
ASGI server or a worker, sync code runs in a thread that ``sync_to_async``
started, and ``async_to_sync`` hands the coroutine back to that process'
event loop, where its layer lives. Elsewhere (a management command,
``parley shell``, a WSGI or Celery process, a thread of one's own) there is
no such loop, and ``async_to_sync`` runs each call in a new event loop,
closed after it. channels_redis and the in-memory layer cope with that
(channels_redis keeps connections per loop). channels_rabbitmq does not: a
layer connects in the first loop that uses it and refuses every other, so a
script's second ``parley.notify`` failed ("a different event loop").

``layer_sync(func)`` is ``async_to_sync(func)`` for coroutine functions that
use the layer through ``get_layer()``. For a layer bound to one loop
(``LOOP_BOUND_BACKENDS``) it hands the call to the loop that holds the
process' layer when there is one (the server's or the worker's), exactly as
``async_to_sync`` would; otherwise to the process' **layer loop**: one daemon
thread, started on first use, whose event loop keeps its own instance of
the layer, and so one connection, for the life of the process. That is the
long-lived loop channels_rabbitmq asks its sync callers to run in (its
error message: call ``async_to_sync`` inside ``sync_to_async``), supplied
where nothing else does; Channels itself keeps one layer instance per alias
and has no per-loop handling to lean on. A new layer per call would work
too, but would connect, sign in and declare an exclusive queue every time:
measured on loopback RabbitMQ, a median of 5.9 ms per publish against
0.14 ms through the layer loop (a thread hop and one round trip), and more
over a network or TLS. At exit (``atexit``) the layer loop closes its
layers, stops and is joined; a forked child (Celery's or Gunicorn's
workers) starts its own on first use.

Callers bound their calls (``parley.bus.publish`` and
``parley.bus.tasks`` by ``PARLEY_PUBLISH_TIMEOUT_SECS``), so that a
broker that is down never holds sync code (a ``post_save`` receiver, a view)
for long. Parley's RabbitMQ layer survives such a cancelled call
(``parley.bus.rabbitmq``).
"""

import asyncio
import atexit
import functools
import logging
import os
import threading
from collections.abc import Callable, Coroutine
from typing import Any, ParamSpec, TypeVar

from asgiref.sync import SyncToAsync, async_to_sync
from channels import DEFAULT_CHANNEL_LAYER
from channels.layers import BaseChannelLayer, channel_layers, get_channel_layer

from parley.conf import parley_settings

logger = logging.getLogger(__name__)

P = ParamSpec("P")
R = TypeVar("R")

# Backends whose instances work in one event loop only. Parley's RabbitMQ
# layer also records that loop (``loop``), so that sync code in a server
# process reaches the server's own instance; channels_rabbitmq's own layer
# always gets the layer loop's.
LOOP_BOUND_BACKENDS = frozenset(
    {
        "parley.bus.rabbitmq.RabbitmqChannelLayer",
        "channels_rabbitmq.core.RabbitmqChannelLayer",
    }
)


class LayerLoop:
    """An event loop in a daemon thread with this process' own instance of
    each loop-bound layer it is asked for (see the module docstring).

    ``layer_loop()`` makes the process' one instance; ``close()`` runs at
    exit.
    """

    def __init__(self) -> None:
        self.pid = os.getpid()
        self.loop = asyncio.new_event_loop()
        self._layers: dict[str, BaseChannelLayer] = {}
        self._thread = threading.Thread(
            target=self.loop.run_forever, name="parley-layer-loop", daemon=True
        )
        self._thread.start()

    def is_current(self) -> bool:
        """Whether the caller runs on this loop."""
        return threading.current_thread() is self._thread

    def layer(self, alias: str) -> BaseChannelLayer:
        """This loop's instance of layer ``alias``; call it on the loop."""
        if alias not in self._layers:
            self._layers[alias] = channel_layers.make_backend(alias)
        return self._layers[alias]

    def call(self, coroutine: Coroutine[Any, Any, R]) -> R:
        """Run ``coroutine`` on the loop; wait for and return its result.

        Raises:
            RuntimeError: the loop is closed (the process is exiting).
            What the coroutine raises.
        """
        if self.loop.is_closed():
            coroutine.close()
            raise RuntimeError("Parley's layer loop is closed: the process is exiting")
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result()

    def close(self, timeout_secs: float) -> None:
        """Close the layers (each within ``timeout_secs``), cancel what is
        left, stop the loop and join its thread. In a forked child, whose
        copy has no thread, do nothing."""
        if self.pid != os.getpid() or self.loop.is_closed():
            return
        try:
            self.call(self._shut_down(timeout_secs))
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self._thread.join()
            self.loop.close()

    async def _shut_down(self, timeout_secs: float) -> None:
        for alias, layer in self._layers.items():
            close = getattr(layer, "close", None)
            if close is None:
                continue
            try:
                async with asyncio.timeout(timeout_secs):
                    await close()
            except Exception:
                logger.warning("closing channel layer %s failed", alias, exc_info=True)
        # What closing left behind, say a connection attempt to a broker
        # that is down: cancel it and let it finish, as asyncio.run does.
        current = asyncio.current_task()
        left = [task for task in asyncio.all_tasks() if task is not current]
        for task in left:
            task.cancel()
        await asyncio.gather(*left, return_exceptions=True)
        await self.loop.shutdown_asyncgens()
        await self.loop.shutdown_default_executor()


_layer_loop: LayerLoop | None = None
_layer_loop_lock = threading.Lock()


def layer_loop() -> LayerLoop:
    """This process' layer loop, started on first use (thread-safe)."""
    global _layer_loop
    with _layer_loop_lock:
        if _layer_loop is None:
            _layer_loop = LayerLoop()
            atexit.register(_close_layer_loop, _layer_loop)
        return _layer_loop


def _close_layer_loop(loop: LayerLoop) -> None:
    loop.close(parley_settings.PUBLISH_TIMEOUT_SECS)


def _forget_layer_loop() -> None:
    """In a forked child: the parent's layer loop has no thread here."""
    global _layer_loop, _layer_loop_lock
    _layer_loop = None
    _layer_loop_lock = threading.Lock()


os.register_at_fork(after_in_child=_forget_layer_loop)


def get_layer(alias: str = DEFAULT_CHANNEL_LAYER) -> BaseChannelLayer:
    """The channel layer ``alias`` for the running code: the layer loop's
    own instance on the layer loop, else Channels' ``get_channel_layer``.

    Raises:
        channels.exceptions.InvalidChannelLayerError: ``alias`` is
        misconfigured.
    """
    current = _layer_loop
    if current is not None and current.is_current():
        return current.layer(alias)
    return get_channel_layer(alias)


def _server_loop() -> asyncio.AbstractEventLoop | None:
    """The running event loop that ``async_to_sync`` would hand a coroutine
    to from this thread (the ASGI server's or the worker's, whose
    ``sync_to_async`` started the thread), or None.

    Read where ``async_to_sync`` reads it, asgiref's record of the thread's
    parent loop. Were asgiref to move it, this returns None and calls take
    the layer loop, which works as well (on a connection of its own).
    """
    threadlocal = SyncToAsync.threadlocal
    if getattr(threadlocal, "main_event_loop_pid", None) != os.getpid():
        return None
    loop = getattr(threadlocal, "main_event_loop", None)
    return loop if loop is not None and loop.is_running() else None


def _takes_layer_loop(alias: str) -> bool:
    """Whether a sync call on layer ``alias`` must run on the layer loop: the
    layer is loop-bound, and this thread's server loop (if any) does not
    hold the process' instance (yet)."""
    backend = channel_layers.configs.get(alias, {}).get("BACKEND", "")
    if backend not in LOOP_BOUND_BACKENDS:
        return False
    server_loop = _server_loop()
    if server_loop is None:
        return True
    process_layer = channel_layers.backends.get(alias)
    return getattr(process_layer, "loop", None) is not server_loop


def _require_no_running_loop() -> None:
    """Refuse a sync call from async code, as ``async_to_sync`` does: it
    would block the caller's loop (or deadlock on the layer loop)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return
    raise RuntimeError(
        "layer_sync() cannot be called from async code: await the coroutine"
    )


def layer_sync(
    func: Callable[P, Coroutine[Any, Any, R]], alias: str = DEFAULT_CHANNEL_LAYER
) -> Callable[P, R]:
    """``async_to_sync(func)`` that works any number of times, from any
    thread of any process, on every layer (see the module docstring).

    Args:
        func: a coroutine function that reaches the layer through
            ``get_layer(alias)``.
        alias: the layer's name in ``CHANNEL_LAYERS``.

    Returns:
        A sync function with ``func``'s arguments, returning its result and
        raising what it raises. Call it from sync code only
        (``async_to_sync``'s rule: it raises RuntimeError in async code).
    """

    @functools.wraps(func)
    def call(*args: P.args, **kwargs: P.kwargs) -> R:
        if _takes_layer_loop(alias):
            _require_no_running_loop()
            return layer_loop().call(func(*args, **kwargs))
        return async_to_sync(func)(*args, **kwargs)

    return call
