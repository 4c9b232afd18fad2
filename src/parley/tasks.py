"""Channels' worker for Parley's deferred tasks: ``parley runworker
parley-tasks``.

The standalone server routes the channel ``parley-tasks`` here
(``parley.site.asgi``). An embedding project adds the same to its
``ProtocolTypeRouter``::

    "channel": ChannelNameRouter({"parley-tasks": TaskConsumer.as_asgi()}),

and sets ``PARLEY_DEFER_TASKS = True`` with a shared channel layer.
"""

import logging
from typing import Any

from channels.consumer import SyncConsumer

from parley.services import tasks

logger = logging.getLogger(__name__)


class TaskConsumer(SyncConsumer):
    """Runs each ``parley.task`` event (``{"task": name, "kwargs": {...}}``).

    A failing task is logged with its traceback and the worker goes on with
    the next one.
    """

    def parley_task(self, event: dict[str, Any]) -> None:
        name = event.get("task", "")
        try:
            tasks.run_task(name, event.get("kwargs") or {})
        except Exception:
            logger.exception("task %s failed", name)
