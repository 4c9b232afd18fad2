"""WebSocket consumers: parse a frame, call a service, reply. Nothing more.

``ChatConsumer`` serves the multiplexed protocol socket at ``/ws/``;
``TutorialChatConsumer`` serves the Channels tutorial's ``/ws/chat/<room>/``.
Both refuse anonymous sockets at the handshake (HTTP 403), as the origin
validator refuses foreign origins before them.

Room and user events reach a consumer from its process's hub
(``parley.realtime.hub``), not from a channel of its own: a consumer has no
channel-layer channel at all. Every frame a consumer sends, replies and
events alike, goes through one queue (``FrameConsumer.queue``) written by one
task, so frames leave in the order they were queued and a socket that does
not read holds up nobody else.

Limits (``docs/protocol.md``, "Limits"): each socket has a token bucket of
frames (``PARLEY_SOCKET_FRAMES_PER_SEC``); sends and edits spend from the
user's message budgets (``parley.ratelimit``); a socket follows at most
``PARLEY_MAX_ROOMS_PER_SOCKET`` rooms, a user holds at most
``PARLEY_MAX_SOCKETS_PER_USER`` sockets per process, and ``read`` and
``typing`` frames are throttled per room.
"""

import abc
import asyncio
import logging
from collections.abc import Coroutine
from dataclasses import dataclass, field
from typing import Any

from channels.consumer import get_handler_name
from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncWebsocketConsumer
from django.utils.translation import gettext as _

from parley import metrics, ratelimit
from parley.conf import parley_settings
from parley.db import database_sync_to_async
from parley.models import Room
from parley.ratelimit import RateLimited, TokenBucket
from parley.realtime import events, protocol
from parley.realtime.hub import Hub, get_hub
from parley.services import messages, reads, rooms
from parley.wire.errors import ErrorCode, ParleyError
from parley.wire.frames import CloseCode, ServerFrameType

logger = logging.getLogger(__name__)

# Tasks that must outlive the socket that started them (a held `read`
# position is stored even after its socket closed); kept here so that they
# are not garbage-collected while they run.
_detached: set[asyncio.Task] = set()


def detach(coroutine: Coroutine[Any, Any, Any]) -> None:
    """Run ``coroutine`` to its end, whatever becomes of the socket."""
    task = asyncio.ensure_future(coroutine)
    _detached.add(task)
    task.add_done_callback(_detached.discard)


# How long a socket being closed gets to take its close frame, which waits
# behind everything already buffered for a slow reader, in seconds.
CLOSE_WAIT_SECS = 30.0


def current_limits() -> protocol.Limits:
    """The frame limits from the ``PARLEY_*`` settings."""
    return protocol.Limits(
        max_frame_bytes=parley_settings.MAX_FRAME_BYTES,
        max_room_chars=parley_settings.SLUG_MAX_CHARS,
        max_client_id_chars=parley_settings.CLIENT_ID_MAX_CHARS,
    )


@dataclass(slots=True)
class Subscription:
    """One room a socket follows.

    Attributes:
        room: the room, as read when subscribing.
        last_seq: the highest ``seq`` this socket has been sent (or had
            already when it subscribed). A live event at or below it is a
            duplicate; one above ``last_seq + 1`` reveals a gap.
        pending: room events held back while the socket reads the store (a
            subscribe's replay, a gap's repair), in arrival order; None
            when events flow straight through.
        typing_at: ``ratelimit.clock()`` of the last ``typing`` passed on.
        read_at: ``ratelimit.clock()`` of the last ``read`` stored.
        read_held: the newest ``read`` seq waiting for the end of the
            throttle period to be stored; None when none waits.
    """

    room: Room
    last_seq: int = 0
    pending: list[dict[str, Any]] | None = field(default_factory=list)
    typing_at: float = float("-inf")
    read_at: float = float("-inf")
    read_held: int | None = None


class LayerFailed(Exception):
    """The channel layer failed while a socket joined a group."""


class FrameConsumer(AsyncWebsocketConsumer, abc.ABC):
    """A signed-in socket of JSON frames that answers every failure in kind.

    Subclasses implement ``receive_frame``. A ``ParleyError`` it raises is
    sent as that error's frame; any other exception is logged and sent as
    ``internal_error``, with no detail. The socket stays open either way.
    ``self.ref`` is the current frame's ``ref``, which its error echoes.

    Outgoing frames are queued (``queue``) and written by one task. A socket
    whose queue passes ``PARLEY_OUTBOX_MAX_FRAMES``, or whose frame waits
    ``PARLEY_SEND_TIMEOUT_SECS`` for the client to read, is closed with 4000
    (resume); a channel layer that fails under a handler closes it with 1013
    (``docs/protocol.md``).

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
    writer: asyncio.Task | None = None
    hub: Hub | None = None
    frame_budget: TokenBucket | None = None
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
        self.outbox: list[str] = []
        self.unwritten = 0
        self.outbox_max = parley_settings.OUTBOX_MAX_FRAMES
        self.send_timeout = parley_settings.SEND_TIMEOUT_SECS
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

    # Writing ---------------------------------------------------------------

    def queue(self, frame: str) -> None:
        """Queue one frame (JSON text) to be written; never waits.

        A socket that already has ``PARLEY_OUTBOX_MAX_FRAMES`` unwritten is
        too slow: it is closed with 4000 and its client resumes.
        """
        if self.ending:
            return
        if self.unwritten >= self.outbox_max:
            logger.warning(
                "slow consumer %s closed: %d frames unwritten", self, self.unwritten
            )
            metrics.slow_consumer_closed()
            self.spawn(self.end(CloseCode.RESUME))
            return
        self.outbox.append(frame)
        self.unwritten += 1
        if self.writer is None:
            self.writer = asyncio.ensure_future(self.write())

    async def write(self) -> None:
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
                while self.outbox:
                    batch, self.outbox = self.outbox, []
                    for frame in batch:
                        await self.base_send({"type": "websocket.send", "text": frame})
                        written += 1
                        self.unwritten -= 1
                        now = loop.time()
                        if deadline.when() - now < limit:
                            deadline.reschedule(now + 2 * limit)
        except TimeoutError:
            self.writer = None
            logger.warning(
                "slow consumer %s closed: a frame waited over %s s",
                self,
                self.send_timeout,
            )
            metrics.slow_consumer_closed()
            await self.end(CloseCode.RESUME)
        except (OSError, RuntimeError):
            # The socket is gone: the client left mid-send (OSError), or the
            # server failed it on a client's protocol error the consumer has
            # not heard of yet (Uvicorn then raises RuntimeError, "after
            # sending 'websocket.close'"). Its disconnect ends the consumer.
            self.drop_queue()
        finally:
            self.writer = None
            metrics.frames_sent(written)

    async def send(
        self,
        text_data: str | None = None,
        bytes_data: bytes | None = None,
        close: bool | int = False,
    ) -> None:
        """Queue a text frame (Channels' API; Parley sends no binary frames)."""
        if text_data is not None:
            self.queue(text_data)

    def send_frame(self, frame_type: ServerFrameType, **fields: Any) -> None:
        self.queue(protocol.encode_frame(frame_type, **fields))

    def drop_queue(self) -> None:
        self.outbox = []
        self.unwritten = 0

    def spawn(self, coroutine) -> None:
        """Run a coroutine beside the handlers, until the socket ends."""
        task = asyncio.ensure_future(coroutine)
        if self.tasks is None:
            self.tasks = set()
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    # Ending ------------------------------------------------------------------

    @abc.abstractmethod
    def leave(self) -> None:
        """Stop every delivery to this socket (idempotent)."""

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
        if flush and self.writer is not None:
            try:
                async with asyncio.timeout(CLOSE_WAIT_SECS):
                    await asyncio.shield(self.writer)
            except Exception:
                logger.info("%s: queued frames not written before closing", self)
        self.ending = True
        if self.writer is not None and self.writer is not asyncio.current_task():
            self.writer.cancel()
        self.drop_queue()
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
        if self.writer is not None:
            self.writer.cancel()
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
        hub = get_hub()
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
            self.queue(protocol.error_frame(error))
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
        self.ref = None
        self.handling = True
        raw = text_data if text_data is not None else bytes_data
        try:
            if await self.spend_frame(raw):
                await self.receive_frame(raw)
        except (StopConsumer, LayerFailed):
            raise
        except ParleyError as error:
            error.ref = error.ref or self.ref
            self.queue(protocol.error_frame(error))
        except Exception:
            logger.exception("%s: a frame failed", type(self).__name__)
            error = ParleyError(
                ErrorCode.INTERNAL_ERROR, _("Internal error; try again."), ref=self.ref
            )
            self.queue(protocol.error_frame(error))
        finally:
            self.handling = False
            if self.idle_waiter is not None and not self.idle_waiter.done():
                self.idle_waiter.set_result(None)

    async def spend_frame(self, raw: str | bytes) -> bool:
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

    def ref_of(self, raw: str | bytes) -> str | None:
        """The ``ref`` of a frame that is not handled, if it has one."""
        return None

    @abc.abstractmethod
    async def receive_frame(self, raw: str | bytes) -> None:
        """Handle one frame's payload (text, or bytes for a binary frame)."""

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


def snapshot(
    *, user, room: Room, after: int | None
) -> tuple[messages.Replay, reads.ReadState, str]:
    """What ``subscribed`` reports, in one trip to the database thread.

    Returns:
        the replay after ``after``, the user's read state, and the room's
        title as ``user`` sees it (a direct room is titled by the peer).
    """
    replay = messages.replay(room_id=room.id, after=after)
    return (
        replay,
        reads.read_state(user=user, room=room, last_seq=replay.last_seq),
        rooms.title_for(room, user=user),
    )


asnapshot = database_sync_to_async(snapshot)


class ChatConsumer(FrameConsumer):
    """The protocol socket (see ``docs/protocol.md``).

    ``subscribe`` follows the room through the hub *before* reading the
    store: events published meanwhile are held in the subscription's
    ``pending`` list and merged by ``seq`` afterwards (older ones dropped as
    already replayed), leaving neither gap nor duplicate. A gap in live
    events is filled from the store the same way. Handlers that move a
    subscription hold ``self.lock``.
    """

    async def connect(self) -> None:
        self.subscriptions: dict[int, Subscription] = {}
        self.by_slug: dict[str, int] = {}
        self.lock = asyncio.Lock()
        self.hub = None
        if not self.signed_in():
            await self.close()  # before accept(): the handshake gets HTTP 403
            return
        self.limits = current_limits()
        if await self.open_socket():
            await self.hub.attach(self)

    def leave(self) -> None:
        if self.hub is None:
            return
        hub, self.hub = self.hub, None
        for room_id in self.subscriptions:
            hub.unfollow(room_id, self)
        self.subscriptions, self.by_slug = {}, {}
        hub.detach(self)
        hub.discard_socket(self)
        metrics.socket_closed()

    async def receive_frame(self, raw: str | bytes) -> None:
        try:
            frame = protocol.parse_frame(raw, self.limits)
        except protocol.ProtocolError:
            metrics.frame_received(None)
            raise
        metrics.frame_received(frame.TYPE)
        self.ref = frame.ref
        match frame:
            case protocol.Subscribe():
                await self.subscribe(frame)
            case protocol.Unsubscribe():
                await self.unsubscribe(frame)
            case protocol.Send():
                await self.send_message(frame)
            case protocol.Edit():
                ratelimit.spend_message(user_id=self.user_id)
                message = await messages.aedit_message(
                    user=self.user, message_id=frame.id, text=frame.text
                )
                self.send_frame(
                    ServerFrameType.EDITED,
                    **messages.edited_data(message),
                    ref=frame.ref,
                )
            case protocol.Delete():
                message = await messages.adelete_message(
                    user=self.user, message_id=frame.id
                )
                self.send_frame(
                    ServerFrameType.DELETED,
                    **messages.deleted_data(message),
                    ref=frame.ref,
                )
            case protocol.Typing():
                await self.typing(frame)
            case protocol.Read():
                await self.mark_read(frame)
            case protocol.Ping():
                self.send_frame(ServerFrameType.PONG, ref=frame.ref)

    def ref_of(self, raw: str | bytes) -> str | None:
        try:
            return protocol.parse_frame(raw, self.limits).ref
        except protocol.ProtocolError as error:
            return error.ref

    def followed(self, slug: str) -> Subscription:
        """This socket's subscription to a room.

        Raises:
            ParleyError: ``not_subscribed``.
        """
        room_id = self.by_slug.get(slug)
        if room_id is None:
            raise ParleyError(
                ErrorCode.NOT_SUBSCRIBED,
                _("Subscribe to %(room)s first.") % {"room": slug[:64]},
            )
        return self.subscriptions[room_id]

    async def subscribe(self, frame: protocol.Subscribe) -> None:
        """Follow a room (see ``follow``), within ``MAX_ROOMS_PER_SOCKET``.

        Raises:
            ParleyError: ``too_many_rooms`` for a room not followed yet when
                the socket follows the most it may; ``invalid_room``; what
                ``rooms.join_or_create`` raises.
        """
        slug = rooms.check_slug(frame.room)
        limit = parley_settings.MAX_ROOMS_PER_SOCKET
        if slug not in self.by_slug and len(self.subscriptions) >= limit:
            raise ParleyError(
                ErrorCode.TOO_MANY_ROOMS,
                _(
                    "This connection follows %(limit)d rooms already; unsubscribe "
                    "from one first."
                )
                % {"limit": limit},
            )
        room = await rooms.ajoin_or_create(user=self.user, name=slug)
        async with self.lock:
            await self.follow(room, frame)

    async def follow(self, room: Room, frame: protocol.Subscribe) -> None:
        subscription = self.subscriptions.get(room.id)
        joined = subscription is None
        if joined:
            subscription = Subscription(room=room)
            self.subscriptions[room.id] = subscription
            self.by_slug[room.slug] = room.id
            try:
                await self.hub.follow(room.id, room.slug, self)
            except BaseException as error:
                self.forget(room.id)
                # Ends the socket with 1013 (see __call__): a subscription
                # that cannot receive live events must not look healthy.
                raise LayerFailed from error
        elif subscription.pending is None:
            subscription.pending = []
        try:
            replay, read, title = await asnapshot(
                user=self.user, room=room, after=frame.after
            )
        except BaseException:
            if joined:
                self.forget(room.id)
                self.hub.unfollow(room.id, self)
            else:
                self.flush(subscription)
            raise
        if replay.resync:
            metrics.resync_sent()
        self.send_frame(
            ServerFrameType.SUBSCRIBED,
            room=room.slug,
            title=title,
            kind=room.kind,
            last_seq=replay.last_seq,
            online=self.hub.presence.online(room.id),
            read_seq=read.seq,
            unread=read.unread,
            resync=replay.resync or None,
            ref=frame.ref,
        )
        for message in replay.messages:
            self.send_frame(ServerFrameType.MESSAGE, **messages.message_data(message))
        subscription.last_seq = replay.last_seq
        if subscription.pending:  # `online` above is newer than these
            subscription.pending = [
                e for e in subscription.pending if "presence" not in e
            ]
        self.flush(subscription)

    def forget(self, room_id: int) -> None:
        subscription = self.subscriptions.pop(room_id, None)
        if subscription is not None:
            self.by_slug.pop(subscription.room.slug, None)

    async def unsubscribe(self, frame: protocol.Unsubscribe) -> None:
        async with self.lock:
            room_id = self.by_slug.get(frame.room)
            if room_id is not None:
                self.forget(room_id)
                self.hub.unfollow(room_id, self)
        self.send_frame(ServerFrameType.UNSUBSCRIBED, room=frame.room, ref=frame.ref)

    async def send_message(self, frame: protocol.Send) -> None:
        slug = rooms.check_slug(frame.room)
        # Before the store: a refused send stores nothing and leaves its
        # client_id free for the retry.
        ratelimit.spend_message(user_id=self.user_id, room=slug)
        room_id = self.by_slug.get(slug)
        if room_id is not None:
            # Subscribing checked that this user may read (so post in) it.
            posted = await messages.apost_message(
                room=self.subscriptions[room_id].room,
                author=self.user,
                text=frame.text,
                client_id=frame.client_id,
            )
        else:
            posted = await messages.apost_to_room(
                author=self.user,
                slug=slug,
                text=frame.text,
                client_id=frame.client_id,
            )
        message = posted.message
        # Store, then acknowledge, then broadcast: see services.messages.
        self.send_frame(
            ServerFrameType.ACK,
            client_id=frame.client_id,
            id=message.id,
            seq=message.seq,
            room=message.room.slug,
            ts=messages.timestamp(message.created_at),
            ref=frame.ref if frame.ref != frame.client_id else None,
        )
        if posted.created:
            await messages.publish(message)

    async def typing(self, frame: protocol.Typing) -> None:
        """Pass ``typing`` on to the room, at most once per throttle period."""
        subscription = self.followed(frame.room)
        now = ratelimit.clock()
        if now - subscription.typing_at < parley_settings.TYPING_THROTTLE_SECS:
            return
        subscription.typing_at = now
        await events.publish_room(
            subscription.room.id,
            ServerFrameType.TYPING,
            room=subscription.room.slug,
            user=self.username,
            expires_in=parley_settings.TYPING_TTL_SECS,
        )

    async def mark_read(self, frame: protocol.Read) -> None:
        """Store the read position, at most once per ``READ_THROTTLE_SECS``.

        The page reports a position for each message it shows, which in a
        busy room would be a database write per message. A ``read`` within
        the period after the last one stored is held instead (the newest
        ``seq`` wins, and positions never move back anyway) and stored at the
        period's end by a task that outlives the socket: nothing is lost,
        it is only late, and every tab's ``read`` frame comes then.
        """
        subscription = self.followed(frame.room)
        if subscription.read_held is not None:
            subscription.read_held = max(subscription.read_held, frame.seq)
            return
        now = ratelimit.clock()
        wait = subscription.read_at + parley_settings.READ_THROTTLE_SECS - now
        if wait <= 0:
            subscription.read_at = now
            await reads.amark_read(
                user=self.user, room=subscription.room, seq=frame.seq
            )
            return
        subscription.read_held = frame.seq
        detach(self.store_held_read(subscription, wait))

    async def store_held_read(self, subscription: Subscription, wait: float) -> None:
        """After ``wait`` seconds, store the position ``mark_read`` held."""
        await asyncio.sleep(wait)
        seq, subscription.read_held = subscription.read_held, None
        subscription.read_at = ratelimit.clock()
        try:
            await reads.amark_read(user=self.user, room=subscription.room, seq=seq)
        except Exception:
            # The room may be gone, or no longer the user's: nothing to do.
            logger.warning(
                "held read position of %s in room %d not stored",
                self,
                subscription.room.id,
                exc_info=True,
            )

    # Events from the hub ---------------------------------------------------

    def room_event(self, event: dict[str, Any]) -> None:
        """Forward a room event; ``message`` frames in ``seq`` order, once."""
        room_id = event["room_id"]
        subscription = self.subscriptions.get(room_id)
        if subscription is None:
            return
        if subscription.pending is not None:
            subscription.pending.append(event)
            return
        seq = event.get("seq")
        if seq is None:
            self.queue(event["frame"])
        elif seq == subscription.last_seq + 1:
            subscription.last_seq = seq
            self.queue(event["frame"])
        elif seq > subscription.last_seq:
            metrics.layer_dropped(seq - subscription.last_seq - 1)
            logger.info(
                "gap: room %d, %d messages filled from the store for %s",
                room_id,
                seq - subscription.last_seq - 1,
                self,
            )
            subscription.pending = [event]
            self.spawn(self.repair(room_id, subscription, seq))

    def catch_up(self, room_id: int, last_seq: int) -> None:
        subscription = self.subscriptions.get(room_id)
        if (
            subscription is None
            or subscription.pending is not None
            or last_seq <= subscription.last_seq
        ):
            return
        metrics.layer_dropped(last_seq - subscription.last_seq)
        logger.warning(
            "resync: room %d, %d messages had no live event for %s",
            room_id,
            last_seq - subscription.last_seq,
            self,
        )
        subscription.pending = []
        self.spawn(self.repair(room_id, subscription, last_seq + 1))

    async def repair(self, room_id: int, subscription: Subscription, seq: int) -> None:
        """Send the stored messages between the last one sent and ``seq``.

        A gap means an event was lost (a full channel, a layer restart) or
        overtaken by a later one from another process; the store has both.
        A gap wider than ``PARLEY_REPLAY_LIMIT`` is left to the client:
        ``subscribed {resync: true}`` tells it to page history over HTTP.
        Then the events held meanwhile are forwarded.
        """
        async with self.lock:
            if self.subscriptions.get(room_id) is not subscription:
                return
            try:
                if seq - subscription.last_seq - 1 > parley_settings.REPLAY_LIMIT:
                    metrics.resync_sent()
                    self.send_frame(
                        ServerFrameType.SUBSCRIBED,
                        room=subscription.room.slug,
                        last_seq=seq - 1,
                        resync=True,
                    )
                else:
                    for _seq, frame in await self.hub.fetch(
                        room_id, subscription.last_seq, seq
                    ):
                        self.queue(frame)
                subscription.last_seq = max(subscription.last_seq, seq - 1)
            except Exception:
                logger.warning("gap repair failed for %s; the check retries", self)
            self.flush(subscription)

    def flush(self, subscription: Subscription) -> None:
        """Forward the events held in ``pending``, in order, and stop holding."""
        held, subscription.pending = subscription.pending or [], None
        for index, event in enumerate(held):
            self.room_event(event)
            if subscription.pending is not None:  # another gap: hold the rest
                subscription.pending.extend(held[index + 1 :])
                return


class TutorialChatConsumer(FrameConsumer):
    """The Channels tutorial's socket, ``/ws/chat/<room_name>/``.

    Receives ``{"message": text}`` and sends every room message as
    ``{"message": text, "author", "seq", "id", "room", "ts"}``, so the
    tutorial's page works unchanged (signed in). Messages are stored like
    any other; the room is found or created by name in any script.
    """

    async def connect(self) -> None:
        self.room = None
        self.hub = None
        if not self.signed_in():
            await self.close()
            return
        try:
            self.room = await rooms.ajoin_or_create(
                user=self.user, name=self.scope["url_route"]["kwargs"]["room_name"]
            )
        except ParleyError:
            await self.close()
            return
        self.limits = current_limits()
        if await self.open_socket():
            # Attached, as every socket, so that it closes when its sign-in
            # ends.
            await self.hub.attach(self)
            await self.hub.follow(self.room.id, self.room.slug, self)

    def leave(self) -> None:
        if self.hub is None:
            return
        hub, self.hub = self.hub, None
        hub.unfollow(self.room.id, self)
        hub.detach(self)
        hub.discard_socket(self)
        metrics.socket_closed()

    def user_event(self, event: dict[str, Any]) -> None:
        """The tutorial's socket has no user frames (notifications...)."""

    async def receive_frame(self, raw: str | bytes) -> None:
        text = protocol.parse_tutorial_frame(raw, self.limits)
        ratelimit.spend_message(user_id=self.user_id, room=self.room.slug)
        posted = await messages.apost_message(
            room=self.room, author=self.user, text=text
        )
        await messages.publish(posted.message)

    def room_event(self, event: dict[str, Any]) -> None:
        frame = event.get("tutorial")
        if frame is not None:
            self.queue(frame)
