"""``parley worker``: run deferred tasks (``PARLEY_DEFER_TASKS``) until
SIGTERM or SIGINT; see ``parley.bus.worker``. Beside them, a sweeper thread
sends the pushes and e-mails that came due (``parley.management.sweeper``).

Refused, with the reason, on a channel layer that cannot carry tasks from
the servers to workers: ``memory://`` (each process has its own) and
``redis+pubsub://`` (a task would reach every worker subscribed at that
moment, or none). Runs on ``redis://`` and ``amqp://``.
"""

import asyncio
import logging
import signal
from typing import Any

from channels import DEFAULT_CHANNEL_LAYER
from channels.layers import channel_layers, get_channel_layer
from django.core.management.base import BaseCommand, CommandError

from parley.bus.tasks import TASKS_CHANNEL
from parley.bus.worker import work
from parley.conf import parley_settings
from parley.db import close_connections
from parley.management import sweeper

logger = logging.getLogger("parley.bus.worker")

# Backends a worker cannot take tasks from, and why.
REFUSED_BACKENDS = {
    "channels.layers.InMemoryChannelLayer": (
        "the in-memory channel layer lives in one process: tasks never leave the server"
    ),
    "channels_redis.pubsub.RedisPubSubChannelLayer": (
        "redis+pubsub:// sends a task to every worker subscribed at that "
        "moment (it would run once per worker) or to none"
    ),
    "channels_rabbitmq.core.RabbitmqChannelLayer": (
        "channels_rabbitmq's own layer has no named channels: configure "
        "CHANNEL_LAYERS with parley.bus.config.channel_layers_from_url('amqp://...')"
    ),
}


class Command(BaseCommand):
    help = (
        "Run Parley's deferred tasks (PARLEY_DEFER_TASKS) from the channel "
        "layer until SIGTERM or Ctrl-C; run one or more beside the servers."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        config = channel_layers.configs.get(DEFAULT_CHANNEL_LAYER)
        if not config:
            raise CommandError("parley worker: CHANNEL_LAYERS has no default layer")
        backend = config.get("BACKEND", "")
        if reason := REFUSED_BACKENDS.get(backend):
            raise CommandError(
                f"parley worker needs CHANNEL_LAYER_URL=redis://... or amqp://...: "
                f"{reason}."
            )
        if not parley_settings.DEFER_TASKS:
            self.stderr.write(
                "PARLEY_DEFER_TASKS is off: the servers run tasks inline and send "
                "none to workers."
            )
        # Push retries and e-mails that came due (parley.management.sweeper).
        deliveries = sweeper.start()
        try:
            ran = asyncio.run(self._work())
        finally:
            deliveries.stop()
            # The tasks' connection lives on the database thread; close it
            # rather than leave it to the interpreter's exit.
            close_connections()
        logger.info("parley worker stopped after %d task(s)", ran)

    async def _work(self) -> int:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        layer = get_channel_layer()
        logger.info("parley worker: running tasks from %s", TASKS_CHANNEL)
        return await work(layer, stop)
