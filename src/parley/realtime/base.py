"""``FrameConsumer``: a signed-in socket of JSON frames, whatever its protocol.

It owns a socket's life (open, counted in the hub, drained, closed), maps
every failure of a handler to a frame, and spends the socket's frame budget;
its outgoing frames go through an ``Outbox`` (``parley.realtime.outbox``).
What the frames mean is the subclasses' business: ``ChatConsumer``
(``parley.realtime.consumers``, the protocol socket ``/ws/``) and
``TutorialChatConsumer`` (``parley.realtime.tutorial``).

A consumer has no channel-layer channel at all: room and user events reach
it from its process's hub, which it finds in its ``Runtime``
(``parley.realtime.runtime``), from its scope.
"""

import abc
import asyncio
import logging
import math
import time
from typing import Any

from channels.consumer import get_handler_name
from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncWebsocketConsumer
from django.utils.translation import gettext as _

from parley import ratelimit
from parley.conf import parley_settings
from parley.db import database_sync_to_async
from parley.ops import metrics
from parley.ratelimit import RateLimited, TokenBucket
from parley.realtime.hub import Hub
from parley.realtime.outbox import Outbox
from parley.realtime.runtime import Runtime
from parley.services import delivery
from parley.wire.errors import ErrorCode, ParleyError
from parley.wire.frames import CloseCode, Limits, ServerFrameType, encode_frame
from parley.wire.frames import error_frame as encode_error

logger = logging.getLogger(__name__)

# How long a socket being closed gets to take its close frame, which waits
# behind everything already buffered for a slow reader, in seconds.
CLOSE_WAIT_SECS = 30.0


def current_limits() -> Limits:
    """The frame limits from the ``PARLEY_*`` settings."""
    return Limits(
        max_frame_bytes=parley_settings.MAX_FRAME_BYTES,
        max_room_chars=parley_settings.SLUG_MAX_CHARS,
        max_client_id_chars=parley_settings.CLIENT_ID_MAX_CHARS,
    )


class LayerFailed(Exception):
    """The channel layer failed while a socket joined a group."""


class FrameConsumer(AsyncWebsocketConsumer, abc.ABC):
    """A signed-in socket of JSON frames that answers every failure in kind.

    Subclasses implement ``receive_frame`` (and ``unfollow_rooms`` if they
    follow rooms). A ``ParleyError`` ``receive_frame`` raises is sent as
    that error's frame; any other exception is logged and sent as
    ``internal_error``, with no detail. The socket stays open either way.
    ``self.ref`` is the current frame's ``ref``, which its error echoes.

    Outgoing frames go through ``self.outbox``; a client too slow for it is
    closed with 4000 (resume). A channel layer that fails under a handler
    closes the socket with 1013 (``docs/protocol.md``).

    A binary frame closes the socket with 1003 (unsupported data): frames
    are JSON text.

    Every frame spends a token of the socket's frame budget first
    (``PARLEY_SOCKET_FRAMES_PER_SEC``, burst ``PARLEY_SOCKET_FRAME_BURST``);
    a frame over it is answered ``rate_limited`` and not handled. Once the
    user's sockets have been refused ``PARLEY_SOCKET_FLOOD_REFUSALS_PER_MIN``
    frames, the socket that sends one more is closed with 1008.
    """

    ref: str | None = None
    ending = False
    handling = False
    idle_waiter: asyncio.Future | None = None
    tasks: set[asyncio.Task] | None = None
    hub: Hub | None = None
    frame_budget: TokenBucket | None = None
    # When this socket last recorded its user as active (time.monotonic()).
    active_noted = -math.inf
    user_id: int
    username: str

    async def __call__(self, scope, receive, send) -> None:
        """Serve one socket: Channels' ``AsyncConsumer.__call__`` without a
        channel of its own, since the hub delivers this consumer's events.

        With no layer channel to wait on beside the client, the ASGI
        messages are read in a plain loop: Channels' ``await_many_dispatch``
        would keep a receive task per socket and run ``asyncio.wait`` per
        frame, which cost memory per idle socket and CPU per frame.
        """
        # Kept small: an idle socket should cost little memory.
        self.scope = scope
        self.channel_layer = None
        self.base_send = send
        self.outbox = Outbox(
            send,
            max_frames=parley_settings.OUTBOX_MAX_FRAMES,
            send_timeout_secs=parley_settings.SEND_TIMEOUT_SECS,
            owner=self,
        )
        try:
            while True:
                await self.dispatch(await receive())
        except StopConsumer:
            pass
        except Exception:
            logger.warning("socket closed: its channel layer failed", exc_info=True)
            await self.end(CloseCode.TRY_AGAIN_LATER)
        finally:
            self.leave()

    async def dispatch(self, message: dict[str, Any]) -> None:
        """Run the handler of an ASGI message.

        Channels 4.2+ first closes stale database connections in a thread,
        once per message; every database call here already runs through
        ``database_sync_to_async``, which does that, so the extra thread hop
        per frame is skipped.
        """
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    @property
    def runtime(self) -> Runtime:
        """This socket's ``Runtime``: its scope's, else its loop's (looked up
        when needed, not kept: an idle socket should cost little memory)."""
        return Runtime.of(self.scope)

    # Writing ---------------------------------------------------------------

    def queue(self, frame: str) -> None:
        """Queue one frame (JSON text) to be written; never waits."""
        self.outbox.put(frame)

    def send_frame(self, frame_type: ServerFrameType, **fields: Any) -> None:
        """Queue ``{"type": frame_type, **fields}`` (None values left out)."""
        self.outbox.put(encode_frame(frame_type, **fields))

    async def send(
        self,
        text_data: str | None = None,
        bytes_data: bytes | None = None,
        close: bool | int = False,
    ) -> None:
        """Queue a text frame (Channels' API; Parley sends no binary frames)."""
        if text_data is not None:
            self.outbox.put(text_data)

    def stuck(self) -> None:
        """The outbox's client is too slow: close with 4000 (resume)."""
        self.spawn(self.end(CloseCode.RESUME))

    def spawn(self, coroutine) -> None:
        """Run a coroutine beside the handlers, until the socket ends."""
        task = asyncio.ensure_future(coroutine)
        if self.tasks is None:
            self.tasks = set()
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    # Ending ------------------------------------------------------------------

    def leave(self) -> None:
        """Stop every delivery to this socket and stop counting it in the
        hub (idempotent; nothing for a socket that never opened)."""
        if self.hub is None:
            return
        hub, self.hub = self.hub, None
        self.unfollow_rooms(hub)
        hub.detach(self)
        hub.discard_socket(self)
        metrics.socket_closed()

    def unfollow_rooms(self, hub: Hub) -> None:
        """Stop the deliveries of the rooms this socket follows (``leave``);
        a socket that follows rooms says which."""

    async def end(self, code: CloseCode | None, *, flush: bool = False) -> None:
        """Leave the hub, then close with ``code``, each within a bound.

        Leaving first stops new events at once. With ``flush`` the frames
        already queued are written first (a graceful shutdown); otherwise
        they are dropped, since the client resumes. ``None``: the socket is
        closed already.
        """
        if self.ending:
            return
        self.leave()
        if flush and not await self.outbox.flush(CLOSE_WAIT_SECS):
            logger.info("%s: queued frames not written before closing", self)
        self.ending = True
        self.outbox.close()
        if code is None:
            return
        try:
            async with asyncio.timeout(CLOSE_WAIT_SECS):
                await self.base_send({"type": "websocket.close", "code": int(code)})
        except Exception:
            logger.info("close frame %d not delivered in %s s", code, CLOSE_WAIT_SECS)

    async def drain(self, code: int) -> None:
        """Finish the frame in hand, write what is queued, close (shutdown)."""
        if self.handling:
            self.idle_waiter = asyncio.get_running_loop().create_future()
            await self.idle_waiter
        await self.end(CloseCode(code), flush=True)

    async def websocket_disconnect(self, message: dict[str, Any]) -> None:
        self.leave()
        self.ending = True
        for task in self.tasks or ():
            task.cancel()
        self.outbox.close()
        await super().websocket_disconnect(message)

    # Opening -----------------------------------------------------------------

    async def open_socket(self) -> bool:
        """Accept the handshake and count the socket in its process's hub.

        A user who has ``PARLEY_MAX_SOCKETS_PER_USER`` sockets open in this
        process already is told ``error {code: "too_many_sockets"}`` and the
        socket is closed with 4429: accepting first lets a client see why,
        which a refused handshake (HTTP 403) would not say.

        Returns:
            True if the socket is open and counted (``self.hub`` is set).
        """
        await self.accept()
        hub = self.runtime.hub
        limit = parley_settings.MAX_SOCKETS_PER_USER
        # No await between counting and adding: concurrent handshakes of
        # one user cannot both take the last place.
        if hub.socket_count(self.user_id) >= limit:
            logger.info("socket of %s refused: %d open already", self, limit)
            error = ParleyError(
                ErrorCode.TOO_MANY_SOCKETS,
                _("You have %(limit)d connections open already; close one.")
                % {"limit": limit},
            )
            self.queue(encode_error(error))
            await self.end(CloseCode.TOO_MANY_SOCKETS, flush=True)
            return False
        metrics.socket_opened()
        self.hub = hub
        hub.add_socket(self)
        return True

    # Reading -----------------------------------------------------------------

    async def receive(
        self, text_data: str | None = None, bytes_data: bytes | None = None
    ) -> None:
        if self.ending:
            return  # a frame that crossed our close
        if text_data is None:
            await self.receive_binary(bytes_data or b"")
            return
        self.ref = None
        self.handling = True
        raw = text_data
        try:
            if await self.spend_frame(raw):
                self.note_activity()
                await self.receive_frame(raw)
        except (StopConsumer, LayerFailed):
            raise
        except ParleyError as error:
            error.ref = error.ref or self.ref
            self.queue(encode_error(error))
        except Exception:
            logger.exception("%s: a frame failed", type(self).__name__)
            error = ParleyError(
                ErrorCode.INTERNAL_ERROR, _("Internal error; try again."), ref=self.ref
            )
            self.queue(encode_error(error))
        finally:
            self.handling = False
            if self.idle_waiter is not None and not self.idle_waiter.done():
                self.idle_waiter.set_result(None)

    async def receive_binary(self, data: bytes) -> None:
        """A binary frame: Parley's frames are JSON text, so the socket is
        closed with 1003 (unsupported data, RFC 6455 section 7.4.1) rather
        than the bytes parsed. A socket of another protocol may override."""
        logger.info("%s: binary frame refused (close 1003)", self)
        await self.end(CloseCode.UNSUPPORTED_DATA)

    async def spend_frame(self, raw: str) -> bool:
        """Spend one token of this socket's frame budget on ``raw``.

        Returns:
            True if the frame may be handled; False if the socket is being
            closed with 1008 for flooding.

        Raises:
            RateLimited: over the budget; the frame is not handled.
        """
        if not parley_settings.RATE_LIMITS:
            return True
        now = ratelimit.clock()
        if self.frame_budget is None:
            self.frame_budget = TokenBucket(
                parley_settings.SOCKET_FRAME_BURST,
                parley_settings.SOCKET_FRAMES_PER_SEC,
                now,
            )
        wait = self.frame_budget.take(now)
        if wait is None:
            return True
        if ratelimit.FLOOD_REFUSALS.take(self.user_id, now) is not None:
            logger.warning("socket %s closed: it went on flooding", self)
            # Replies already queued (acks of stored sends among them) go
            # out before the close frame.
            await self.end(CloseCode.POLICY_VIOLATION, flush=True)
            return False
        raise RateLimited(wait, ref=self.ref_of(raw))

    def note_activity(self) -> None:
        """Record the user as active (no push while they are: see
        ``parley.services.delivery``), at most every third of
        ``PARLEY_ACTIVE_SECS`` per socket, beside the frame."""
        now = time.monotonic()
        if now - self.active_noted >= parley_settings.ACTIVE_SECS / 3:
            self.active_noted = now
            self.spawn(self._touch())

    async def _touch(self) -> None:
        try:
            await database_sync_to_async(delivery.touch)(self.user_id)
        except Exception:
            logger.warning("recording %s as active failed", self, exc_info=True)

    def ref_of(self, raw: str) -> str | None:
        """The ``ref`` of a frame that is not handled, if it has one."""
        return None

    @abc.abstractmethod
    async def receive_frame(self, raw: str) -> None:
        """Handle one text frame's payload (a binary frame closes the socket
        with 1003 before it gets here)."""

    def signed_in(self) -> bool:
        """Take the scope's user; False for an anonymous one."""
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            return False
        self.user = user
        self.user_id = user.pk
        self.username = user.get_username()
        return True

    def __str__(self) -> str:
        client = self.scope.get("client") or ("?", 0)
        return f"{getattr(self, 'username', '?')}@{client[0]}:{client[1]}"

    # Hub callbacks a subclass may need -----------------------------------

    def room_event(self, event: dict[str, Any]) -> None:
        """A room event from the hub (``parley.bus.publish``)."""

    def user_event(self, event: dict[str, Any]) -> None:
        """A user event from the hub: forwarded as it is."""
        self.queue(event["frame"])

    def catch_up(self, room_id: int, last_seq: int) -> None:
        """The store's newest ``seq`` of a followed room (hub's check)."""
