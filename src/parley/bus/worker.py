"""The workers that run Parley's deferred tasks: ``parley worker``.

With ``PARLEY_DEFER_TASKS`` the servers send mention notifications
(``parley.bus.tasks``) to the channel layer's named channel
``parley-tasks``; each ``parley worker`` process takes them one at a time
and runs them. Run one or more beside the servers, with their settings
(database, ``CHANNEL_LAYER_URL``). Each task goes to one worker:

- on ``redis://`` the worker receives from the channel (a Redis list): at
  most once, a worker killed mid-task loses the task;
- on ``amqp://`` it consumes the channel's durable queue
  (``parley.bus.rabbitmq.NamedChannelReceiver``) and acknowledges a task
  once it ran: at least once, a worker killed mid-task leaves the task to
  another.

On SIGTERM or SIGINT a worker finishes the task in hand, then exits.

Channels' own worker, ``parley runworker parley-tasks``, still runs the
tasks on Redis: the standalone server routes the channel to
``TaskConsumer``, and an embedding project may add the same to its
``ProtocolTypeRouter``::

    "channel": ChannelNameRouter({"parley-tasks": TaskConsumer.as_asgi()}),

channels_rabbitmq's layer cannot be used by ``runworker``: it must be made
inside a running event loop.
"""

import asyncio
import logging
from collections.abc import Callable
from typing import Any, Protocol

from channels.consumer import SyncConsumer
from channels.layers import BaseChannelLayer

from parley.bus import tasks
from parley.bus.rabbitmq import NamedChannelReceiver, RabbitmqChannelLayer
from parley.db import database_sync_to_async

logger = logging.getLogger(__name__)


def run_task_event(event: dict[str, Any]) -> None:
    """Run one task event (``{"task": name, "kwargs": {...}}``, see
    ``parley.bus.tasks``) now, in this thread. A failing or unknown
    task is logged with its traceback; nothing is raised."""
    name = event.get("task", "")
    try:
        tasks.run_task(name, event.get("kwargs") or {})
    except Exception:
        logger.exception("task %s failed", name)


class TaskConsumer(SyncConsumer):
    """Channels' consumer of ``parley-tasks`` for ``runworker``: runs each
    ``parley.task`` event; a failing task is logged and the next one runs."""

    def parley_task(self, event: dict[str, Any]) -> None:
        run_task_event(event)


class TaskReceiver(Protocol):
    """Where a worker takes its tasks from."""

    async def receive(self) -> tuple[dict[str, Any], Callable[[], None]]:
        """The next task event and the function that acknowledges it."""

    async def close(self) -> None:
        """Stop receiving."""


def _no_ack() -> None:
    """Acknowledging a message that was acknowledged on receipt."""


class ChannelReceiver:
    """A named channel read with the layer's ``receive()``, as Channels'
    worker reads it; a message is acknowledged on receipt."""

    def __init__(self, layer: BaseChannelLayer, channel: str):
        self.layer = layer
        self.channel = channel

    async def receive(self) -> tuple[dict[str, Any], Callable[[], None]]:
        return await self.layer.receive(self.channel), _no_ack

    async def close(self) -> None:
        return None


def task_receiver(layer: BaseChannelLayer) -> TaskReceiver:
    """The receiver of ``parley-tasks`` on ``layer``: at least once on
    Parley's RabbitMQ layer, through ``receive()`` on the others."""
    if isinstance(layer, RabbitmqChannelLayer):
        return NamedChannelReceiver(layer, tasks.TASKS_CHANNEL)
    return ChannelReceiver(layer, tasks.TASKS_CHANNEL)


async def work(layer: BaseChannelLayer, stop: asyncio.Event) -> int:
    """Run the tasks of ``parley-tasks``, one at a time, until ``stop`` is
    set; a task in hand is finished and acknowledged first. Then close the
    layer (it belongs to this loop).

    Args:
        layer: the process' channel layer, made in this event loop.
        stop: set it (from a signal handler) to stop.

    Returns:
        How many tasks ran.

    Raises:
        What the layer raises when it cannot be used (RabbitMQ refusing the
        queue, say); a failing task is logged, not raised.
    """
    receiver = task_receiver(layer)
    ran = 0
    try:
        while not stop.is_set():
            receiving = asyncio.ensure_future(receiver.receive())
            stopping = asyncio.ensure_future(stop.wait())
            await asyncio.wait(
                {receiving, stopping}, return_when=asyncio.FIRST_COMPLETED
            )
            stopping.cancel()
            if not receiving.done():
                receiving.cancel()
                await asyncio.wait({receiving})
                break
            event, ack = receiving.result()
            await database_sync_to_async(run_task_event)(event)
            ack()
            ran += 1
    finally:
        await receiver.close()
        close = getattr(layer, "close", None)
        if close is not None:
            await close()
    return ran
