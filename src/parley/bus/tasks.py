"""Deferrable work: run inline, or in a worker process when configured.

With ``PARLEY_DEFER_TASKS`` off (the default) a task runs right away in the
calling process, in a thread. With it on, the task becomes a message on the
channel layer's named channel ``parley-tasks``, and one of the workers,
``parley worker`` (``parley.bus.worker``), runs it. That needs a layer the
processes share: ``redis://`` (a Redis list) or ``amqp://`` (a durable
RabbitMQ queue, see ``parley.bus.rabbitmq``). A task waits there for a
worker up to the layer's expiry (60 s). If the layer refuses the message,
or does not take it within ``PARLEY_PUBLISH_TIMEOUT_SECS``, the task runs
inline instead: deferring must not lose it.

Delivery to a worker is at most once on Redis (a worker killed mid-task
loses it) and at least once on RabbitMQ (a task is acknowledged once done;
a worker killed mid-task leaves it to another). Tasks are written to be safe
to run twice (mention notifications carry an idempotency key; push and
e-mail deliveries have their own record, ``parley.services.delivery``).

Task names map to dotted paths of sync functions taking keyword arguments
of JSON types; see ``TASKS``.
"""

import asyncio
import logging
from typing import Any

from django.utils.module_loading import import_string

from parley.bus.layers import get_layer, layer_sync
from parley.conf import parley_settings
from parley.db import database_sync_to_async

logger = logging.getLogger(__name__)

TASKS_CHANNEL = "parley-tasks"
# The event type on TASKS_CHANNEL: ``{"type": TASK_EVENT, "task": name,
# "kwargs": {...}}``; ``parley.bus.worker.run_task_event`` runs it.
TASK_EVENT = "parley.task"
TASKS = {
    "mentions.notify": "parley.services.mentions.notify_mentions",
    "delivery.direct": "parley.services.delivery.plan_direct",
    "delivery.notification": "parley.services.delivery.plan_notification",
    "commands.run": "parley.services.bots.run_command",
}


class UnknownTask(LookupError):
    """A task name not in ``TASKS``."""


def run_task(name: str, kwargs: dict[str, Any]) -> Any:
    """Run the task ``name`` now, in this thread.

    Returns:
        What the task's function returns.

    Raises:
        UnknownTask: for a name not in ``TASKS``; and whatever the task
        raises.
    """
    if name not in TASKS:
        raise UnknownTask(name)
    return import_string(TASKS[name])(**kwargs)


async def _deferred(name: str, kwargs: dict[str, Any]) -> bool:
    """Send the task to the workers if ``PARLEY_DEFER_TASKS``; True if the
    layer took it within ``PARLEY_PUBLISH_TIMEOUT_SECS``."""
    if name not in TASKS:
        raise UnknownTask(name)
    if not parley_settings.DEFER_TASKS:
        return False
    event = {"type": TASK_EVENT, "task": name, "kwargs": kwargs}
    try:
        async with asyncio.timeout(parley_settings.PUBLISH_TIMEOUT_SECS):
            await get_layer().send(TASKS_CHANNEL, event)
    except Exception:
        logger.warning(
            "could not defer task %s; running it inline", name, exc_info=True
        )
        return False
    return True


async def submit(name: str, **kwargs: Any) -> None:
    """Run task ``name`` in the worker (``PARLEY_DEFER_TASKS``) or inline.

    Args:
        name: a key of ``TASKS``.
        kwargs: the task's arguments, JSON types only (they cross the
            channel layer).

    Raises:
        UnknownTask: for a name not in ``TASKS``; inline, whatever the task
        raises.
    """
    if not await _deferred(name, kwargs):
        await database_sync_to_async(run_task)(name, kwargs)


def submit_sync(name: str, **kwargs: Any) -> None:
    """``submit`` for sync code (a view, a script), from any thread of any
    process (``parley.bus.layers``): inline, the task runs in this
    thread, on this thread's database connection and transaction."""
    if not (parley_settings.DEFER_TASKS and layer_sync(_deferred)(name, kwargs)):
        run_task(name, kwargs)
