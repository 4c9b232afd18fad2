"""The rooms one socket follows, each delivered in ``seq`` order, once.

``FollowingRooms`` is the part of ``ChatConsumer`` (``parley.realtime.
consumers``) that subscribes, unsubscribes, and turns the hub's room events
into frames: each followed room is a ``RoomStream`` (``parley.wire.stream``)
that decides what to forward, what to hold while the store is read, and
which gap to repair from it.

A subscribe follows the room through the hub *before* reading the store:
events published meanwhile are held by the room's stream and merged by
``seq`` afterwards (older ones dropped as already replayed), leaving neither
gap nor duplicate. A gap in live events is filled from the store the same
way. Handlers that move a subscription hold ``self.lock``.
"""

import asyncio
import logging
from typing import Any

from django.utils.translation import gettext as _

from parley.conf import parley_settings
from parley.db import database_sync_to_async
from parley.models import Room
from parley.ops import metrics
from parley.realtime.base import FrameConsumer, LayerFailed
from parley.realtime.hub import Hub
from parley.services import direct_rooms, history, reactions, reads, rooms
from parley.services.policy import policy
from parley.wire import frames, shapes
from parley.wire.errors import ErrorCode, ParleyError
from parley.wire.frames import ServerFrameType
from parley.wire.stream import Gap, RoomStream, Step

logger = logging.getLogger(__name__)

Event = dict[str, Any]


class Subscription(RoomStream[Event]):
    """One room a socket follows: the room's ``RoomStream`` (it holds room
    events while the socket reads the store: a subscribe's replay, a gap's
    repair) and the throttles of its ``typing`` and ``read`` frames. One
    object per followed room, not two: an idle socket should cost little.

    Attributes:
        room: the room, as read when subscribing.
        typing_at: ``ratelimit.clock()`` of the last ``typing`` passed on.
        read_at: ``ratelimit.clock()`` of the last ``read`` stored.
        read_held: the newest ``read`` seq waiting for the end of the
            throttle period to be stored; None when none waits.
    """

    __slots__ = ("read_at", "read_held", "room", "typing_at")

    def __init__(self, room: Room) -> None:
        super().__init__(holding=True)
        self.room = room
        self.typing_at = float("-inf")
        self.read_at = float("-inf")
        self.read_held: int | None = None


def snapshot(*, user: Any, room: Room, after: int | None) -> tuple:
    """What ``subscribed`` reports, in one trip to the database thread.

    Returns:
        ``(replay, read_state, title)``: the replay after ``after``
        (``history.Replay``, with the reactions ``user`` sees on each
        message, ``reactions.attach``), the user's ``reads.ReadState``, and the
        room's title as ``user`` sees it (a direct room is titled by the
        peer).
    """
    replay = history.replay(room_id=room.id, after=after)
    reactions.attach(replay.messages, viewer_id=user.pk)
    return (
        replay,
        reads.read_state(user=user, room=room, last_seq=replay.last_seq),
        direct_rooms.title_for(room, user=user),
    )


class FollowingRooms(FrameConsumer):
    """A socket that follows rooms; see the module docstring.

    Attributes:
        subscriptions: room id -> the socket's ``Subscription``.
        by_slug: room slug -> room id, for the frames that name a room.
        cut: slugs of rooms the user was removed or banned from while this
            socket was open: a ``send`` there is refused (``not_subscribed``)
            until a ``subscribe`` (which checks the ban) lets them back.
        lock: held by the handlers that move a subscription.
    """

    subscriptions: dict[int, Subscription]
    by_slug: dict[str, int]
    cut: set[str]
    lock: asyncio.Lock

    def start_following(self) -> None:
        """Follow nothing yet (call in ``connect``)."""
        self.subscriptions = {}
        self.by_slug = {}
        self.cut = set()
        self.lock = asyncio.Lock()

    def unfollow_rooms(self, hub: Hub) -> None:
        for room_id in self.subscriptions:
            hub.unfollow(room_id, self)
        self.subscriptions, self.by_slug = {}, {}

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

    async def subscribe(self, frame: frames.Subscribe) -> None:
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
        room = await database_sync_to_async(rooms.join_or_create)(
            user=self.user, name=slug
        )
        async with self.lock:
            await self.follow(room, frame)
            self.cut.discard(room.slug)

    async def snapshot(self, room: Room, after: int | None) -> tuple:
        """``snapshot`` on the database thread."""
        return await database_sync_to_async(snapshot)(
            user=self.user, room=room, after=after
        )

    async def follow(self, room: Room, frame: frames.Subscribe) -> None:
        subscription = self.subscriptions.get(room.id)
        joined = subscription is None
        if subscription is None:
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
        else:
            subscription.hold()
        try:
            replay, read, title = await self.snapshot(room, frame.after)
        except BaseException:
            if joined:
                self.forget(room.id)
                self.hub.unfollow(room.id, self)
            else:
                self.apply(subscription, subscription.replayed(subscription.last_seq))
            raise
        if replay.resync:
            metrics.resync_sent()
        self.send_frame(
            ServerFrameType.SUBSCRIBED,
            room=room.slug,
            title=title,
            kind=room.kind,
            topic=room.topic,
            archived=room.archived_at is not None or None,
            last_seq=replay.last_seq,
            first_seq=replay.first_seq,
            online=self.hub.presence.online(room.id),
            read_seq=read.seq,
            unread=read.unread,
            resync=replay.resync or None,
            ref=frame.ref,
        )
        for message in replay.messages:
            self.send_frame(
                ServerFrameType.MESSAGE,
                **shapes.message(message, display=policy().display),
            )
        # `online` above is newer than the presence events held meanwhile.
        subscription.discard_held(lambda event: "presence" in event)
        self.apply(subscription, subscription.replayed(replay.last_seq))

    def forget(self, room_id: int) -> None:
        subscription = self.subscriptions.pop(room_id, None)
        if subscription is not None:
            self.by_slug.pop(subscription.room.slug, None)

    async def unsubscribe(self, frame: frames.Unsubscribe) -> None:
        async with self.lock:
            room_id = self.by_slug.get(frame.room)
            if room_id is not None:
                self.forget(room_id)
                self.hub.unfollow(room_id, self)
        self.send_frame(ServerFrameType.UNSUBSCRIBED, room=frame.room, ref=frame.ref)

    # Events from the hub ---------------------------------------------------

    def user_event(self, event: Event) -> None:
        """Forward a user event; one that says the user left a room or was
        removed from it (``events.left_room``) first stops this socket
        following it."""
        room_id = event.get("unfollow")
        if room_id is None:
            self.queue(event["frame"])
        else:
            if "cut" in event:
                # At once, before any later frame of the socket is handled.
                self.cut.add(event["cut"])
            self.spawn(self.stop_following(room_id, event["frame"]))

    async def stop_following(self, room_id: int, frame: str) -> None:
        """Stop following a room the user left or was removed from, then
        send ``frame`` (``unsubscribed {room, reason}``)."""
        async with self.lock:
            subscription = self.subscriptions.get(room_id)
            if subscription is not None:
                subscription.read_held = None  # not stored: they left
                self.forget(room_id)
                if self.hub is not None:
                    self.hub.unfollow(room_id, self)
        self.queue(frame)

    def room_event(self, event: Event) -> None:
        """Forward a room event; ``message`` frames in ``seq`` order, once."""
        subscription = self.subscriptions.get(event["room_id"])
        if subscription is not None:
            self.apply(subscription, subscription.receive(event.get("seq"), event))

    def catch_up(self, room_id: int, last_seq: int) -> None:
        subscription = self.subscriptions.get(room_id)
        if subscription is None:
            return
        step = subscription.head(last_seq)
        if step.repair is not None:
            metrics.layer_dropped(step.repair.size)
            logger.warning(
                "resync: room %d, %d messages had no live event for %s",
                room_id,
                step.repair.size,
                self,
            )
            self.spawn(self.repair(subscription, step.repair))

    def apply(self, subscription: Subscription, step: Step[Event]) -> None:
        """Queue the events a stream let through; start the repair it asks."""
        for event in step.forward:
            self.queue(event["frame"])
        if step.repair is not None:
            metrics.layer_dropped(step.repair.size)
            logger.info(
                "gap: room %d, %d messages filled from the store for %s",
                subscription.room.id,
                step.repair.size,
                self,
            )
            self.spawn(self.repair(subscription, step.repair))

    async def repair(self, subscription: Subscription, gap: Gap) -> None:
        """Send the stored messages of ``gap``, then what was held meanwhile.

        A gap means an event was lost (a full channel, a layer restart) or
        overtaken by a later one from another process; the store has both.
        A gap wider than ``PARLEY_REPLAY_LIMIT`` is left to the client:
        ``subscribed {resync: true}`` tells it to page history over HTTP.
        """
        room = subscription.room
        async with self.lock:
            if self.subscriptions.get(room.id) is not subscription:
                return
                # From what was sent by now: a subscribe that ran meanwhile may
            # have sent part of the gap already.
            remaining = Gap(subscription.last_seq, gap.before)
            upto = subscription.last_seq
            try:
                if remaining.size > parley_settings.REPLAY_LIMIT:
                    metrics.resync_sent()
                    self.send_frame(
                        ServerFrameType.SUBSCRIBED,
                        room=room.slug,
                        last_seq=gap.before - 1,
                        resync=True,
                    )
                elif remaining.size > 0:
                    for _seq, frame in await self.hub.fetch(
                        room.id, remaining.after, remaining.before
                    ):
                        self.queue(frame)
                upto = max(upto, gap.before - 1)
            except Exception:
                logger.warning("gap repair failed for %s; the check retries", self)
            self.apply(subscription, subscription.replayed(upto))
