"""``ChatConsumer``: the protocol socket at ``/ws/`` (``docs/protocol.md``).

It parses a frame (``parley.wire.frames``), calls a service, and replies;
the transport, the socket's life and the mapping of failures to frames are
``FrameConsumer``'s (``parley.realtime.base``). Each followed room's
``message`` frames go out in ``seq`` order, once, by its ``RoomStream``
(``parley.wire.stream``).

Limits (``docs/protocol.md``, "Limits"): a socket follows at most
``PARLEY_MAX_ROOMS_PER_SOCKET`` rooms; ``read`` and ``typing`` frames are
throttled per room; sends and edits spend from the user's message budgets
inside their services.
"""

import asyncio
import logging
from typing import Any

from django.utils.translation import gettext as _

from parley import ratelimit
from parley.bus.publish import publish
from parley.conf import parley_settings
from parley.db import database_sync_to_async
from parley.models import Room
from parley.ops import metrics
from parley.realtime.base import current_limits
from parley.realtime.following import FollowingRooms, Subscription
from parley.services import details, edits, messages, pins, reactions, reads, rooms
from parley.wire import events, frames, shapes
from parley.wire.errors import ErrorCode, ParleyError
from parley.wire.frames import ServerFrameType

logger = logging.getLogger(__name__)


def set_topic(*, user: Any, slug: str, topic: str) -> Room:
    """``details.set_topic`` of the room ``slug``, if ``user`` may read it.

    Raises:
        ParleyError: ``invalid_room``, ``room_not_found`` (``rooms.
            get_readable``), or what ``details.set_topic`` raises.
    """
    room = rooms.get_readable(user=user, slug=rooms.check_slug(slug))
    return details.set_topic(user=user, room=room, topic=topic)


class ChatConsumer(FollowingRooms):
    """The protocol socket (see ``docs/protocol.md``).

    Following rooms (``subscribe``, ``unsubscribe`` and the room events) is
    ``FollowingRooms``'s (``parley.realtime.following``).
    """

    async def connect(self) -> None:
        self.start_following()
        self.hub = None
        if not self.signed_in():
            await self.close()  # before accept(): the handshake gets HTTP 403
            return
        self.limits = current_limits()
        if await self.open_socket():
            await self.hub.attach(self)

    async def receive_frame(self, raw: str) -> None:
        try:
            frame = frames.parse_frame(raw, self.limits)
        except frames.ProtocolError:
            metrics.frame_received(None)
            raise
        metrics.frame_received(frame.TYPE)
        self.ref = frame.ref
        match frame:
            case frames.Subscribe():
                await self.subscribe(frame)
            case frames.Unsubscribe():
                await self.unsubscribe(frame)
            case frames.Send():
                await self.send_message(frame)
            case frames.Edit():
                message = await database_sync_to_async(edits.edit_message)(
                    user=self.user, message_id=frame.id, text=frame.text
                )
                self.send_frame(
                    ServerFrameType.EDITED, **shapes.edited(message), ref=frame.ref
                )
            case frames.Delete():
                message = await database_sync_to_async(edits.delete_message)(
                    user=self.user, message_id=frame.id
                )
                self.send_frame(
                    ServerFrameType.DELETED, **shapes.deleted(message), ref=frame.ref
                )
            case frames.React():
                toggled = await database_sync_to_async(reactions.toggle)(
                    user=self.user, message_id=frame.id, emoji=frame.emoji, on=frame.on
                )
                self.send_frame(
                    ServerFrameType.REACTION,
                    **toggled.fields(self.username),
                    ref=frame.ref,
                )
            case frames.Typing():
                await self.typing(frame)
            case frames.Read():
                await self.mark_read(frame)
            case frames.Ping():
                self.send_frame(ServerFrameType.PONG, ref=frame.ref)
            case frames.Topic():
                room = await database_sync_to_async(set_topic)(
                    user=self.user, slug=frame.room, topic=frame.topic
                )
                self.send_frame(
                    ServerFrameType.TOPIC,
                    room=room.slug,
                    topic=room.topic,
                    by=self.username,
                    ref=frame.ref,
                )
            case frames.Pin():
                message = await database_sync_to_async(pins.set_pinned)(
                    user=self.user, message_id=frame.id, on=frame.on
                )
                self.send_frame(
                    ServerFrameType.PIN,
                    room=message.room.slug,
                    id=message.id,
                    seq=message.seq,
                    on=frame.on,
                    by=self.username,
                    ref=frame.ref,
                )

    def ref_of(self, raw: str) -> str | None:
        try:
            return frames.parse_frame(raw, self.limits).ref
        except frames.ProtocolError as error:
            return error.ref

    async def send_message(self, frame: frames.Send) -> None:
        """Send (``messages.asend``): acknowledged to this socket once stored,
        then broadcast."""
        slug = rooms.check_slug(frame.room)
        if slug in self.cut:
            raise ParleyError(
                ErrorCode.NOT_SUBSCRIBED,
                _("You were removed from %(room)s.") % {"room": slug},
            )
        room_id = self.by_slug.get(slug)

        def acknowledge(posted: messages.Posted) -> None:
            ack = shapes.ack(posted.message, client_id=frame.client_id, ref=frame.ref)
            self.send_frame(ServerFrameType.ACK, **ack)

        await messages.asend(
            author=self.user,
            # Subscribing checked that this user may read (so post in) it.
            room=self.subscriptions[room_id].room if room_id is not None else None,
            slug=slug,
            text=frame.text,
            client_id=frame.client_id,
            reply_to=frame.reply_to,
            acknowledge=acknowledge,
            attachments=frame.attachments,
        )

    async def typing(self, frame: frames.Typing) -> None:
        """Pass ``typing`` on to the room, at most once per throttle period."""
        subscription = self.followed(frame.room)
        now = ratelimit.clock()
        if now - subscription.typing_at < parley_settings.TYPING_THROTTLE_SECS:
            return
        subscription.typing_at = now
        room = subscription.room
        await publish(
            events.room_frame(
                room.id,
                ServerFrameType.TYPING,
                room=room.slug,
                user=self.username,
                expires_in=parley_settings.TYPING_TTL_SECS,
            )
        )

    async def mark_read(self, frame: frames.Read) -> None:
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
            await database_sync_to_async(reads.mark_read)(
                user=self.user, room=subscription.room, seq=frame.seq
            )
            return
        subscription.read_held = frame.seq
        self.runtime.detach(self.store_held_read(subscription, wait))

    async def store_held_read(self, subscription: Subscription, wait: float) -> None:
        """After ``wait`` seconds, store the position ``mark_read`` held."""
        await asyncio.sleep(wait)
        seq, subscription.read_held = subscription.read_held, None
        if seq is None:
            return  # the user left the room meanwhile (stop_following)
        subscription.read_at = ratelimit.clock()
        try:
            await database_sync_to_async(reads.mark_read)(
                user=self.user, room=subscription.room, seq=seq
            )
        except Exception:
            # The room may be gone, or no longer the user's: nothing to do.
            logger.warning(
                "held read position of %s in room %d not stored",
                self,
                subscription.room.id,
                exc_info=True,
            )
