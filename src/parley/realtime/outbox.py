"""A socket's outgoing frames: a bounded queue written by one task.

Every frame a socket sends, replies and events alike, goes through its
``Outbox``: frames leave in the order they were put, the hub hands an event
to a thousand sockets without waiting for any of them, and a client that
does not read holds up nobody but itself. Such a client is dropped to bound
the server's memory: past ``max_frames`` unwritten frames, or once a frame
waits ``send_timeout_secs`` for it, its owner's ``stuck()`` is called (the
consumer closes with 4000, and the client resumes: nothing is lost).
"""

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from parley.ops import metrics

logger = logging.getLogger(__name__)


class Owner(Protocol):
    """The socket an ``Outbox`` writes for."""

    def stuck(self) -> None:
        """The client is too slow: close the socket (it resumes)."""


class Outbox:
    """The queue and writer of one socket; see the module docstring.

    Args:
        send: the ASGI ``send`` callable of the socket.
        max_frames: most frames queued and not yet written
            (``PARLEY_OUTBOX_MAX_FRAMES``).
        send_timeout_secs: how long one frame may wait for the client, in
            seconds (``PARLEY_SEND_TIMEOUT_SECS``).
        owner: the socket: ``owner.stuck()`` is called once when its
            client is too slow (it must not block), and log lines name it by
            ``str(owner)``. An object rather than a callback: a bound method
            per socket would cost every idle socket its size.
    """

    __slots__ = (
        "closed",
        "frames",
        "max_frames",
        "owner",
        "send",
        "send_timeout",
        "unwritten",
        "writer",
    )

    def __init__(
        self,
        send: Callable[[dict[str, Any]], Awaitable[None]],
        *,
        max_frames: int,
        send_timeout_secs: float,
        owner: Owner,
    ) -> None:
        self.send = send
        self.max_frames = max_frames
        self.send_timeout = send_timeout_secs
        self.owner = owner
        # None while nothing waits: most sockets are idle most of the time.
        self.frames: list[str] | None = None
        self.unwritten = 0
        self.writer: asyncio.Task | None = None
        self.closed = False

    def put(self, frame: str) -> None:
        """Queue one frame (JSON text) to be written; never waits.

        A frame put after ``close`` is dropped. Past ``max_frames`` unwritten
        the client is too slow: ``owner.stuck()`` is called and the frame dropped.
        """
        if self.closed:
            return
        if self.unwritten >= self.max_frames:
            logger.warning(
                "slow consumer %s closed: %d frames unwritten",
                self.owner,
                self.unwritten,
            )
            metrics.slow_consumer_closed()
            self.closed = True
            self.owner.stuck()
            return
        if self.frames is None:
            self.frames = [frame]
        else:
            self.frames.append(frame)
        self.unwritten += 1
        if self.writer is None:
            self.writer = asyncio.ensure_future(self._write())

    async def _write(self) -> None:
        """Write queued frames in order until none is left.

        A frame that waits ``send_timeout`` to ``2 * send_timeout`` seconds
        for the client (the server's buffer is full) ends the socket. One
        deadline covers the whole run and is pushed back only once half its
        slack is used: a timer per frame cost a tenth of the fan-out's CPU.
        """
        loop = asyncio.get_running_loop()
        limit = self.send_timeout
        written = 0
        try:
            async with asyncio.timeout_at(loop.time() + 2 * limit) as deadline:
                while self.frames:
                    batch, self.frames = self.frames, None
                    for frame in batch:
                        await self.send({"type": "websocket.send", "text": frame})
                        written += 1
                        self.unwritten -= 1
                        now = loop.time()
                        if deadline.when() - now < limit:
                            deadline.reschedule(now + 2 * limit)
        except TimeoutError:
            logger.warning(
                "slow consumer %s closed: a frame waited over %s s",
                self.owner,
                self.send_timeout,
            )
            metrics.slow_consumer_closed()
            self.writer = None
            self.closed = True
            self.owner.stuck()
        except (OSError, RuntimeError):
            # The socket is gone: the client left mid-send (OSError), or the
            # server failed it on a client's protocol error the consumer has
            # not heard of yet (Uvicorn then raises RuntimeError, "after
            # sending 'websocket.close'"). Its disconnect ends the consumer.
            self.drop()
        finally:
            self.writer = None
            metrics.frames_sent(written)

    async def flush(self, within_secs: float) -> bool:
        """Wait until what is queued is written, at most ``within_secs``.

        Returns:
            True if nothing is left to write.
        """
        writer = self.writer
        if writer is None:
            return True
        try:
            async with asyncio.timeout(within_secs):
                await asyncio.shield(writer)
        except Exception:
            return False
        return True

    def drop(self) -> None:
        """Forget the frames not yet written."""
        self.frames = None
        self.unwritten = 0

    def close(self) -> None:
        """Stop writing: drop what is queued and refuse further frames."""
        self.closed = True
        writer, self.writer = self.writer, None
        if writer is not None and writer is not asyncio.current_task():
            writer.cancel()
        self.drop()
