"""WebSocket consumers: parse a frame, call a service, reply. Nothing more.

``ChatConsumer`` serves the multiplexed protocol socket at ``/ws/``;
``TutorialChatConsumer`` serves the Channels tutorial's ``/ws/chat/<room>/``.
Both refuse anonymous sockets at the handshake (HTTP 403), as the origin
validator refuses foreign origins before them.
"""

import abc
import asyncio
import logging
import random
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncWebsocketConsumer
from django.utils.translation import gettext as _

from parley.conf import parley_settings
from parley.errors import ErrorCode, ParleyError
from parley.models import Message, Room
from parley.realtime import protocol
from parley.realtime.groups import room_group
from parley.realtime.protocol import CloseCode, ServerFrameType
from parley.services import messages, rooms

logger = logging.getLogger(__name__)

# How long a socket being closed gets to take its close frame, which waits
# behind everything already buffered for a slow reader, in seconds.
CLOSE_WAIT_SECS = 30.0


class SlowConsumer(Exception):
    """A frame waited longer than ``PARLEY_SEND_TIMEOUT_SECS`` to be sent."""


class ClientGone(Exception):
    """The socket closed under a send (ASGI: the server raised ``OSError``)."""


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
        slug: the room's slug, as frames name it.
        last_seq: the highest ``seq`` this socket has been sent (or had
            already when it subscribed). A live event at or below it is a
            duplicate; one above ``last_seq + 1`` reveals a gap.
    """

    slug: str
    last_seq: int


class FrameConsumer(AsyncWebsocketConsumer, abc.ABC):
    """A signed-in socket of JSON frames that answers every failure in kind.

    Subclasses implement ``receive_frame``. A ``ParleyError`` it raises is
    sent as that error's frame; any other exception is logged and sent as
    ``internal_error``, with no detail. The socket stays open either way.
    ``self.ref`` is the current frame's ``ref``, which its error echoes.

    Two failures end the socket with a close code that tells the client to
    reconnect and resume (``docs/protocol.md``): a client that does not read
    its socket (``SlowConsumer``: 4000), and a channel layer that fails under
    the consumer (Redis restarting: 1013).
    """

    ref: str | None = None

    async def __call__(self, scope, receive, send) -> None:
        try:
            await super().__call__(scope, receive, send)
        except ClientGone:
            logger.debug("client left mid-send: %s", getattr(self, "channel_name", "?"))
            await self.end(None)
        except SlowConsumer:
            logger.warning(
                "slow consumer %s closed: a frame waited over %s s",
                getattr(self, "channel_name", "?"),
                parley_settings.SEND_TIMEOUT_SECS,
            )
            await self.end(CloseCode.RESUME)
        except Exception:
            logger.exception("socket closed: its channel layer failed")
            await self.end(CloseCode.TRY_AGAIN_LATER)

    async def end(self, code: CloseCode | None) -> None:
        """Leave every group, then close with ``code``, each within a bound.

        Leaving first stops new events at once; the close frame then waits
        behind what is buffered, for a reader that may come back. ``None``:
        the socket is closed already.
        """
        try:
            async with asyncio.timeout(CLOSE_WAIT_SECS):
                await self.disconnect(int(code or CloseCode.GOING_AWAY))
        except Exception:
            logger.info("leaving groups failed", exc_info=True)
        if code is None:
            return
        try:
            async with asyncio.timeout(CLOSE_WAIT_SECS):
                await self.base_send({"type": "websocket.close", "code": int(code)})
        except Exception:
            logger.info("close frame %d not delivered in %s s", code, CLOSE_WAIT_SECS)

    async def send(
        self,
        text_data: str | None = None,
        bytes_data: bytes | None = None,
        close: bool | int = False,
    ) -> None:
        """Send a frame; raise ``SlowConsumer`` if it waits too long.

        Uvicorn's send waits while the socket's send buffers are full, that
        is while the client does not read; this bounds that wait to
        ``PARLEY_SEND_TIMEOUT_SECS``.

        Raises:
            SlowConsumer: the wait ran out.
            ClientGone: the socket is closed (the server raised ``OSError``).
        """
        try:
            async with asyncio.timeout(parley_settings.SEND_TIMEOUT_SECS):
                await super().send(
                    text_data=text_data, bytes_data=bytes_data, close=close
                )
        except TimeoutError:
            raise SlowConsumer from None
        except OSError:
            raise ClientGone from None

    async def receive(
        self, text_data: str | None = None, bytes_data: bytes | None = None
    ) -> None:
        self.ref = None
        try:
            await self.receive_frame(text_data if text_data is not None else bytes_data)
        except (SlowConsumer, ClientGone, StopConsumer):
            raise
        except ParleyError as error:
            error.ref = error.ref or self.ref
            await self.send(text_data=protocol.error_frame(error))
        except Exception:
            logger.exception("%s: a frame failed", type(self).__name__)
            error = ParleyError(
                ErrorCode.INTERNAL_ERROR, _("Internal error; try again."), ref=self.ref
            )
            await self.send(text_data=protocol.error_frame(error))

    @abc.abstractmethod
    async def receive_frame(self, raw: str | bytes) -> None:
        """Handle one frame's payload (text, or bytes for a binary frame)."""

    async def send_frame(self, frame_type: ServerFrameType, **fields: Any) -> None:
        await self.send(text_data=protocol.encode_frame(frame_type, **fields))

    async def send_messages(self, stored: Iterable[Message]) -> None:
        for message in stored:
            await self.send_frame(
                ServerFrameType.MESSAGE, **messages.message_data(message)
            )


class ChatConsumer(FrameConsumer):
    """The protocol socket: subscribe, unsubscribe, send, ping (see
    ``docs/protocol.md``).

    Channels runs one consumer's handlers one at a time, socket frames and
    channel-layer events alike. ``subscribe`` relies on it: it joins the
    room's group *before* reading the store, so events published meanwhile
    wait in the channel and are merged by ``seq`` afterwards (older ones
    dropped as already replayed), leaving neither gap nor duplicate. The
    periodic ``check_subscriptions`` runs beside the handlers, so everything
    that reads or moves a subscription holds ``self.lock``.
    """

    checker: asyncio.Task | None = None

    async def connect(self) -> None:
        self.subscriptions: dict[int, Subscription] = {}
        self.lock = asyncio.Lock()
        self.user = self.scope.get("user")
        if self.user is None or not self.user.is_authenticated:
            await self.close()  # before accept(): the handshake gets HTTP 403
            return
        self.limits = current_limits()
        await self.accept()
        self.checker = asyncio.create_task(self.check_periodically())

    async def disconnect(self, code: int) -> None:
        if self.checker is not None:
            self.checker.cancel()
        subscribed, self.subscriptions = self.subscriptions, {}
        for room_id in subscribed:
            await self.channel_layer.group_discard(
                room_group(room_id), self.channel_name
            )

    async def receive_frame(self, raw: str | bytes) -> None:
        frame = protocol.parse_frame(raw, self.limits)
        self.ref = frame.ref
        match frame:
            case protocol.Subscribe():
                await self.subscribe(frame)
            case protocol.Unsubscribe():
                await self.unsubscribe(frame)
            case protocol.Send():
                await self.send_message(frame)
            case protocol.Ping():
                await self.send_frame(ServerFrameType.PONG, ref=frame.ref)

    async def subscribe(self, frame: protocol.Subscribe) -> None:
        room = await rooms.ajoin_or_create(
            user=self.user, name=rooms.check_slug(frame.room)
        )
        async with self.lock:
            await self.follow(room, frame)

    async def follow(self, room: Room, frame: protocol.Subscribe) -> None:
        group = room_group(room.id)
        joined = room.id not in self.subscriptions
        if joined:
            # A failing layer raises out of the handler and ends the socket
            # with 1013 (see __call__): a subscription that cannot receive
            # live events must not look healthy.
            await self.channel_layer.group_add(group, self.channel_name)
        try:
            replay = await messages.areplay(room_id=room.id, after=frame.after)
        except BaseException:
            if joined:
                await self.channel_layer.group_discard(group, self.channel_name)
            raise
        self.subscriptions[room.id] = Subscription(
            slug=room.slug, last_seq=replay.last_seq
        )
        await self.send_frame(
            ServerFrameType.SUBSCRIBED,
            room=room.slug,
            title=room.title,
            kind=room.kind,
            last_seq=replay.last_seq,
            resync=replay.resync or None,
            ref=frame.ref,
        )
        await self.send_messages(replay.messages)

    async def unsubscribe(self, frame: protocol.Unsubscribe) -> None:
        async with self.lock:
            for room_id, subscription in list(self.subscriptions.items()):
                if subscription.slug == frame.room:
                    del self.subscriptions[room_id]
                    await self.channel_layer.group_discard(
                        room_group(room_id), self.channel_name
                    )
        await self.send_frame(
            ServerFrameType.UNSUBSCRIBED, room=frame.room, ref=frame.ref
        )

    async def send_message(self, frame: protocol.Send) -> None:
        room = await rooms.aget_readable(
            user=self.user, slug=rooms.check_slug(frame.room)
        )
        posted = await messages.apost_message(
            room=room, author=self.user, text=frame.text, client_id=frame.client_id
        )
        message = posted.message
        # Store, then acknowledge, then broadcast: see services.messages.
        await self.send_frame(
            ServerFrameType.ACK,
            client_id=frame.client_id,
            id=message.id,
            seq=message.seq,
            room=room.slug,
            ts=messages.timestamp(message.created_at),
            ref=frame.ref if frame.ref != frame.client_id else None,
        )
        if posted.created:
            await messages.publish(message)

    async def room_event(self, event: dict[str, Any]) -> None:
        """Forward a room's ``message`` frame, in ``seq`` order, once."""
        async with self.lock:
            subscription = self.subscriptions.get(event["room_id"])
            seq = event["seq"]
            if subscription is None or seq <= subscription.last_seq:
                return
            if seq > subscription.last_seq + 1:
                logger.info(
                    "gap: room %d, %d messages filled from the store for %s",
                    event["room_id"],
                    seq - subscription.last_seq - 1,
                    self.channel_name,
                )
                await self.fill_gap(event["room_id"], subscription, seq)
            await self.send(text_data=event["frame"])
            subscription.last_seq = seq

    async def fill_gap(
        self, room_id: int, subscription: Subscription, seq: int
    ) -> None:
        """Send the stored messages between the last one sent and ``seq``.

        A gap means an event was lost (a full channel, a layer restart) or
        overtaken by a later one from another process; the store has both.
        A gap wider than ``PARLEY_REPLAY_LIMIT`` is left to the client:
        ``subscribed {resync: true}`` tells it to page history over HTTP.
        """
        if seq - subscription.last_seq - 1 > parley_settings.REPLAY_LIMIT:
            await self.send_frame(
                ServerFrameType.SUBSCRIBED,
                room=subscription.slug,
                last_seq=seq - 1,
                resync=True,
            )
            return
        await self.send_messages(
            await messages.amessages_between(
                room_id=room_id, after=subscription.last_seq, before=seq
            )
        )

    async def check_periodically(self) -> None:
        """Run ``check_subscriptions`` every ``PARLEY_SUBSCRIPTION_CHECK_SECS``.

        Each wait is jittered by ±20% so that sockets opened together do not
        check together. A failed check is logged and tried again next time.
        """
        interval = parley_settings.SUBSCRIPTION_CHECK_SECS
        while True:
            await asyncio.sleep(interval * random.uniform(0.8, 1.2))
            try:
                async with self.lock:
                    await self.check_subscriptions()
            except (SlowConsumer, ClientGone):
                # The socket's own next send fails as well and ends it.
                logger.info("subscription check: %s is slow or gone", self.channel_name)
            except Exception:
                logger.warning("subscription check failed", exc_info=True)

    async def check_subscriptions(self) -> None:
        """Re-join each room's group and send what the live path missed.

        A restarted channel layer forgets group membership, channels_redis
        expires it after a day, and a full channel drops events silently;
        the store knows each room's newest ``seq``. Messages delivered this
        way are logged as a resync, with their count.
        """
        if not self.subscriptions:
            return
        for room_id in self.subscriptions:
            await self.channel_layer.group_add(room_group(room_id), self.channel_name)
        heads = await messages.alast_seqs(room_ids=list(self.subscriptions))
        for room_id, last_seq in heads.items():
            subscription = self.subscriptions.get(room_id)
            if subscription is None or last_seq <= subscription.last_seq:
                continue
            logger.warning(
                "resync: room %d, %d messages had no live event for %s",
                room_id,
                last_seq - subscription.last_seq,
                self.channel_name,
            )
            await self.fill_gap(room_id, subscription, last_seq + 1)
            subscription.last_seq = last_seq


class TutorialChatConsumer(FrameConsumer):
    """The Channels tutorial's socket, ``/ws/chat/<room_name>/``.

    Receives ``{"message": text}`` and sends every room message as
    ``{"message": text, "author", "seq", "id", "room", "ts"}``, so the
    tutorial's page works unchanged (signed in). Messages are stored like
    any other; the room is found or created by name in any script.
    """

    async def connect(self) -> None:
        self.room = None
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close()
            return
        try:
            self.room = await rooms.ajoin_or_create(
                user=user, name=self.scope["url_route"]["kwargs"]["room_name"]
            )
        except ParleyError:
            await self.close()
            return
        self.user = user
        self.limits = current_limits()
        await self.channel_layer.group_add(room_group(self.room.id), self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        if self.room is not None:
            await self.channel_layer.group_discard(
                room_group(self.room.id), self.channel_name
            )

    async def receive_frame(self, raw: str | bytes) -> None:
        text = protocol.parse_tutorial_frame(raw, self.limits)
        posted = await messages.apost_message(
            room=self.room, author=self.user, text=text
        )
        await messages.publish(posted.message)

    async def room_event(self, event: dict[str, Any]) -> None:
        await self.send(text_data=event["tutorial"])
