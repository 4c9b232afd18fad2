"""The delivery sweeper: a thread that sends the push retries, e-mails and
webhook deliveries that came due (``parley.services.delivery.sweep``,
``parley.services.bots.sweep``) every ``PARLEY_DELIVERY_SWEEP_SECS``, and
purges the messages past their retention (``parley.services.retention.purge``,
a bounded batch) every ``PARLEY_RETENTION_SWEEP_SECS``.

``parley serve`` runs one per server process when tasks run inline, and
``parley worker`` one per worker: several sweepers are safe together, as
each delivery is claimed in a transaction before it is sent. A thread, not
a task of the event loop: a sweep waits on SMTP servers and push services
(seconds, on a bad day), which must hold up neither the sockets nor the
database thread they share (``parley.db``).
"""

import logging
import threading
import time

from django.db import connections

from parley.conf import parley_settings
from parley.services import bots, delivery, retention

logger = logging.getLogger(__name__)


class Sweeper(threading.Thread):
    """Sweep every ``PARLEY_DELIVERY_SWEEP_SECS`` until ``stop()``; a sweep
    that fails is logged and the next one runs. A daemon: a process that
    exits does not wait for it."""

    def __init__(self) -> None:
        super().__init__(name="parley-deliveries", daemon=True)
        self.stopping = threading.Event()

    def run(self) -> None:
        purge_at = time.monotonic() + parley_settings.RETENTION_SWEEP_SECS
        try:
            while not self.stopping.wait(parley_settings.DELIVERY_SWEEP_SECS):
                for sweep in (delivery.sweep, bots.sweep):
                    try:
                        sweep()
                    except Exception:
                        logger.warning(
                            "delivery sweep failed; retried at the next turn",
                            exc_info=True,
                        )
                if time.monotonic() >= purge_at:
                    purge_at = time.monotonic() + parley_settings.RETENTION_SWEEP_SECS
                    try:
                        retention.purge()
                    except Exception:
                        logger.warning(
                            "retention purge failed; retried at the next turn",
                            exc_info=True,
                        )
        finally:
            connections.close_all()

    def stop(self) -> None:
        """Stop after the sweep in hand (if any)."""
        self.stopping.set()


def start() -> Sweeper:
    """Start a sweeper in this process and return it."""
    sweeper = Sweeper()
    sweeper.start()
    return sweeper
