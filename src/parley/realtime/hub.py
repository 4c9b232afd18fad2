"""The hub: one channel-layer subscription per process, not per socket.

The tutorial chat joins every socket to its room's group, so each message
crosses the channel layer once per socket and is dispatched once per socket
(and, since Channels 4.2, hops to a thread once per socket). Parley's hub
holds one layer channel per process instead: it joins a room's group once,
when the first local socket follows the room, receives each event once, and
hands the already encoded frame to every local socket of that room, which
queues it for writing (``FrameConsumer.queue``). A slow socket only grows its
own queue, up to ``PARLEY_OUTBOX_MAX_FRAMES``; it never holds up the others.

Everything a socket does besides receiving room and user events (its frames,
its replies) stays in its Channels consumer.

The hub also keeps the periodic repair that makes delivery at-least-once
with nothing lost: every ``PARLEY_SUBSCRIPTION_CHECK_SECS`` it re-joins its
groups (a restarted Redis forgets them; channels_redis expires them after a
day) and compares each followed room's newest ``seq`` in the store, in one
query for all of them, with what each socket was sent. And it runs presence
(``parley.realtime.presence``) and the session watch, which closes sockets
whose sign-in ended (``parley.realtime.sessions``).

A hub belongs to one event loop, held by its ``parley.realtime.runtime.Runtime``.
"""

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from channels.layers import get_channel_layer

from parley.conf import parley_settings
from parley.db import database_sync_to_async
from parley.ops import metrics
from parley.realtime import periodic
from parley.realtime.interfaces import Socket
from parley.realtime.presence import Presence
from parley.realtime.sessions import SessionWatch
from parley.services import history, reactions
from parley.services.policy import policy
from parley.wire import events, shapes
from parley.wire.events import presence_group, room_group, user_group
from parley.wire.frames import ServerFrameType, encode_frame

logger = logging.getLogger(__name__)

# Longest pause between attempts to read a failing channel layer, seconds.
MAX_RETRY_SECS = 5.0


def frames_between(*, room_id: int, after: int, before: int) -> list[tuple[int, str]]:
    """Encoded ``message`` frames with ``after < seq < before``, ascending.

    One encoding for every socket of the room, so each message's
    reactions say ``me: false`` (``reactions.attach``); a page's reload or
    the next ``reaction`` event tells each reader.

    Returns:
        ``[(seq, frame JSON text), ...]``.
    """
    missed = history.messages_between(room_id=room_id, after=after, before=before)
    reactions.attach(missed, viewer_id=None)
    return [
        (
            message.seq,
            encode_frame(
                ServerFrameType.MESSAGE,
                **shapes.message(message, display=policy().display),
            ),
        )
        for message in missed
    ]


class Hub:
    """The process's subscriptions to the channel layer, shared by its sockets.

    Attributes:
        rooms: room id -> the local sockets following that room.
        users: user id -> the local sockets of that user.
        slugs: room id -> slug, for frames the hub writes itself (presence).
        presence: who is online in which room, across processes.
        sockets: every open socket of this process (both consumers).
        user_sockets: user id -> that user's open sockets here, to bound
            them (``PARLEY_MAX_SOCKETS_PER_USER``).
        sessions: what each attached socket signed in with.
    """

    def __init__(self) -> None:
        self.layer = get_channel_layer()
        self.channel: str | None = None
        self.rooms: dict[int, set[Socket]] = {}
        self.users: dict[int, set[Socket]] = {}
        self.slugs: dict[int, str] = {}
        self.presence = Presence(self)
        self.sessions = SessionWatch(self)
        self.sockets: set[Any] = set()
        self.user_sockets: dict[int, set[Any]] = {}
        self._start: asyncio.Task | None = None
        self._joins: dict[str, asyncio.Task] = {}
        self._fetches: dict[tuple[int, int, int], asyncio.Task] = {}
        self._tasks: set[asyncio.Task] = set()

    # Life cycle ---------------------------------------------------------

    async def start(self) -> None:
        """Open the hub's channel and start its tasks, once; later calls wait.

        Raises:
            Exception: whatever the channel layer raises (it is down); the
                next call tries again.
        """
        if self._start is None or (
            self._start.done()
            and (self._start.cancelled() or self._start.exception() is not None)
        ):
            self._start = asyncio.ensure_future(self._open())
        await asyncio.shield(self._start)

    async def _open(self) -> None:
        channel = await self.layer.new_channel(prefix="parley-hub")
        await self.layer.group_add(presence_group(), channel)
        self.channel = channel
        for loop in (
            self.read,
            self.check_periodically,
            self.presence.beat_periodically,
            self.sessions.check_periodically,
        ):
            self.spawn(loop())
        self.spawn(self.presence.hello())

    def spawn(self, coroutine: Awaitable[Any]) -> asyncio.Task:
        """Run ``coroutine`` as a task the hub keeps until it ends."""
        task = asyncio.ensure_future(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def close(self) -> None:
        """Stop the hub's tasks (tests; a process that exits needs none)."""
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    # Open sockets ---------------------------------------------------------

    def add_socket(self, socket: Socket) -> None:
        """Count ``socket`` as open (for shutdown and per-user bounds)."""
        self.sockets.add(socket)
        self.user_sockets.setdefault(socket.user_id, set()).add(socket)

    def discard_socket(self, socket: Socket) -> None:
        """Stop counting ``socket`` (idempotent)."""
        self.sockets.discard(socket)
        mine = self.user_sockets.get(socket.user_id)
        if mine is not None:
            mine.discard(socket)
            if not mine:
                del self.user_sockets[socket.user_id]

    def socket_count(self, user_id: int) -> int:
        """How many sockets ``user_id`` has open in this process."""
        return len(self.user_sockets.get(user_id, ()))

    # Following rooms and users -------------------------------------------

    async def follow(self, room_id: int, slug: str, socket: Socket) -> None:
        """Deliver the room's events to ``socket`` from now on.

        Returns once the hub is in the room's group, so a socket that reads
        the store after this call misses no event published later. Also
        counts the socket's user as present in the room.

        Raises:
            Exception: the channel layer failed; ``socket`` follows nothing.
        """
        await self.start()
        self.slugs[room_id] = slug
        if room_id not in self.rooms:
            await self._join(room_group(room_id))
        self.rooms.setdefault(room_id, set()).add(socket)
        self.presence.add(room_id, socket.user_id, socket.username)

    def unfollow(self, room_id: int, socket: Socket) -> None:
        """Stop delivering the room's events to ``socket``.

        The hub leaves the group lazily, at its next check, if no socket
        follows the room by then: sockets that hop between rooms cause no
        churn, and a leave can never overtake a later join.
        """
        sockets = self.rooms.get(room_id)
        if sockets is None or socket not in sockets:
            return
        sockets.discard(socket)
        self.presence.remove(room_id, socket.user_id)

    async def attach(self, socket: Socket) -> None:
        """Deliver the events of ``socket.user_id`` (all tabs) to ``socket``,
        and close it when its sign-in ends.

        Raises:
            Exception: the channel layer failed.
        """
        await self.start()
        if socket.user_id not in self.users:
            await self._join(user_group(socket.user_id))
        self.users.setdefault(socket.user_id, set()).add(socket)
        self.sessions.add(socket)

    def detach(self, socket: Socket) -> None:
        """Stop delivering user events to ``socket``; left lazily, as rooms."""
        sockets = self.users.get(socket.user_id)
        if sockets is not None:
            sockets.discard(socket)
        self.sessions.discard(socket)

    async def _join(self, group: str) -> None:
        """``group_add`` the hub's channel, once for concurrent callers."""
        join = self._joins.get(group)
        if join is None:
            join = asyncio.ensure_future(self.layer.group_add(group, self.channel))
            self._joins[group] = join
            join.add_done_callback(lambda _: self._joins.pop(group, None))
        await asyncio.shield(join)

    # Receiving ---------------------------------------------------------

    async def read(self) -> None:
        """Receive the hub's events and dispatch them, for ever.

        A failing layer (Redis restarting) is retried with a growing pause;
        once it answers again the hub re-joins its groups and catches every
        socket up from the store, so what was sent meanwhile is delivered.
        An outage is logged twice, whatever its length: a warning with the
        first error (one line, no traceback), and on recovery how many
        receives failed over how long.
        """
        pause = 0.1
        failures = 0
        failed_since = 0.0
        while True:
            try:
                event = await self.layer.receive(self.channel)
            except asyncio.CancelledError:
                raise
            except Exception as error:
                if not failures:
                    failed_since = time.monotonic()
                    logger.warning(
                        "hub: channel layer receive failed (%s: %s); retrying",
                        type(error).__name__,
                        error,
                    )
                failures += 1
                await asyncio.sleep(pause)
                pause = min(pause * 2, MAX_RETRY_SECS)
                continue
            if failures:
                logger.warning(
                    "hub: channel layer is back after %d failed receives in "
                    "%.1f s; re-joining and catching up",
                    failures,
                    time.monotonic() - failed_since,
                )
                failures, pause = 0, 0.1
                self.spawn(self.check())
            try:
                self.dispatch(event)
            except Exception:
                logger.exception("hub: an event of type %r failed", event.get("type"))

    def dispatch(self, event: dict[str, Any]) -> None:
        """Hand one event to the local sockets it is for."""
        kind = event.get("type")
        if kind == events.ROOM_EVENT:
            started = time.perf_counter()
            for socket in tuple(self.rooms.get(event["room_id"], ())):
                socket.room_event(event)
            metrics.fanout_observed(time.perf_counter() - started)
        elif kind == events.USER_EVENT:
            for socket in tuple(self.users.get(event["user_id"], ())):
                socket.user_event(event)
        elif kind == events.SESSION_EVENT:
            self.sessions.receive(event)
        else:
            self.presence.receive(event)

    def deliver_presence(self, room_id: int, frame: str) -> None:
        """Give a ``presence`` frame to this process's sockets of one room.

        The event is marked ``presence`` so that a socket still subscribing
        can drop it: its ``subscribed.online`` is read later, so it already
        says as much.
        """
        event = events.room_event(room_id, frame)
        event["presence"] = True
        for socket in tuple(self.rooms.get(room_id, ())):
            socket.room_event(event)

    # Reading the store once for many sockets ------------------------------

    async def fetch(
        self, room_id: int, after: int, before: int
    ) -> list[tuple[int, str]]:
        """Encoded messages with ``after < seq < before``: see ``frames_between``.

        Sockets of one room that missed the same events ask for the same
        range at once; they share one database read and one encoding.
        """
        key = (room_id, after, before)
        task = self._fetches.get(key)
        if task is None:
            task = asyncio.ensure_future(
                database_sync_to_async(frames_between)(
                    room_id=room_id, after=after, before=before
                )
            )
            self._fetches[key] = task
            task.add_done_callback(lambda _: self._fetches.pop(key, None))
        return await asyncio.shield(task)

    # The periodic check ----------------------------------------------------

    async def check_periodically(self) -> None:
        """Run ``check`` every ``PARLEY_SUBSCRIPTION_CHECK_SECS`` (±20%)."""
        await periodic.every(
            lambda: parley_settings.SUBSCRIPTION_CHECK_SECS,
            self.check,
            "hub: subscription check",
        )

    async def check(self) -> None:
        """Re-join every group, leave unused ones, catch sockets up.

        One query reads the newest ``seq`` of every room a local socket
        follows; each socket that was sent less starts its own repair
        (``Socket.catch_up``).
        """
        await self._refresh(self.rooms, room_group)
        await self._refresh(self.users, user_group)
        for room_id in self.slugs.keys() - self.rooms.keys():
            del self.slugs[room_id]
        await self.layer.group_add(presence_group(), self.channel)
        if not self.rooms:
            return
        heads = await database_sync_to_async(history.last_seqs)(
            room_ids=list(self.rooms)
        )
        for room_id, last_seq in heads.items():
            for socket in tuple(self.rooms.get(room_id, ())):
                socket.catch_up(room_id, last_seq)

    async def _refresh(
        self, followed: dict[int, set[Socket]], group: Callable[[int], str]
    ) -> None:
        for key, sockets in list(followed.items()):
            if sockets:
                await self.layer.group_add(group(key), self.channel)
            else:
                del followed[key]
                await self.layer.group_discard(group(key), self.channel)
                if key in followed:  # followed again while leaving
                    await self.layer.group_add(group(key), self.channel)

    # Shutting down -------------------------------------------------------

    async def drain(self, code: int, within: float) -> None:
        """Close every local socket with ``code`` once its frame in hand is done.

        For a graceful shutdown: each socket finishes the frame it is
        handling (a send is stored and acknowledged), writes what it has
        queued, and is closed, so its client resumes on another process.
        Other processes are told at once that this one's users left.
        Sockets not closed ``within`` seconds are left to the server.
        """
        # Bounded like every publish: a layer that is down (a broker
        # restarting) cannot hold the shutdown; the others then find these
        # users gone by their TTL.
        await self.presence.leave_cluster()
        sockets = list(self.sockets)
        if sockets:
            await asyncio.wait(
                [asyncio.ensure_future(s.drain(code)) for s in sockets],
                timeout=within,
            )
