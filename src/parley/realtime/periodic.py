"""Checks a process runs in the background for ever, spread in time."""

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable

logger = logging.getLogger(__name__)

# Each pause is drawn from ±JITTER of the interval, so that processes started
# together (a deploy) spread their queries instead of running them at once.
JITTER = 0.2


async def every(
    interval_secs: Callable[[], float],
    check: Callable[[], Awaitable[None]],
    what: str,
) -> None:
    """Await ``check()`` every ``interval_secs()`` seconds (±20 %), for ever.

    Args:
        interval_secs: the pause, read before each one (a setting may
            change under tests).
        check: the coroutine function to run.
        what: names the check in the warning logged when it raises; it is
            retried at the next turn.
    """
    while True:
        interval = interval_secs()
        await asyncio.sleep(interval * random.uniform(1 - JITTER, 1 + JITTER))
        try:
            await check()
        except Exception:
            logger.warning("%s failed; retried at the next turn", what, exc_info=True)
