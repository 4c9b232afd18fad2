"""Presence: who is online in which room, right across processes.

A user is online in a room while any of their sockets, in any process,
follows it (two tabs, one closed: still online). Each process knows its own
sockets exactly and learns the others' from the channel layer, so presence
works the same on every layer (memory, Redis, RabbitMQ) with no store of its
own and no round trip when a socket subscribes:

- a change in this process (a user's first socket in a room opens, or their
  last one closes) is settled after ``PARLEY_PRESENCE_COALESCE_SECS``: only
  if the user's state then differs from the one last told is it announced
  to this process's sockets and sent to every hub as ``presence.delta``. A
  change and its reversal within the window (a page reload, or a client
  flooding ``subscribe``/``unsubscribe``) send nothing, and a room hears
  of one user at most once per window;
- every ``PARLEY_PRESENCE_TTL_SECS / 3`` each hub sends its whole state as
  ``presence.beat``; a beat replaces what the others knew of that process, so
  a lost delta is corrected by the next beat;
- a process whose beats stop (it crashed: SIGKILL, power loss) is dropped
  after two missed beats, checked every half beat, so its users go offline
  within ``5/6 * PARLEY_PRESENCE_TTL_SECS``: no ghosts;
- a process shutting down says ``presence.bye``; one starting says
  ``presence.hello`` and the others answer with a beat at once.

Each hub turns changes in what it knows into ``presence {room, user,
online}`` frames for its own sockets of that room: frames are computed where
they are delivered, never broadcast per socket. This is the heartbeat scheme
of gossip-style membership (van Renesse, Minsky, Hayden: "A Gossip-Style
Failure Detection Service", Middleware 1998), with every process hearing
every other directly through the layer's group.
"""

import asyncio
import logging
import os
import socket
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from parley.bus.publish import send_to_group
from parley.conf import parley_settings
from parley.realtime.interfaces import HubView
from parley.wire.events import presence_group
from parley.wire.frames import ServerFrameType, encode_frame

logger = logging.getLogger(__name__)

# A room and a user in it: (room id, user id).
Pair = tuple[int, int]


@dataclass(slots=True)
class Peer:
    """What this process knows of another process's sockets.

    Attributes:
        expires_at: ``time.monotonic()`` after which the peer counts as dead.
        rooms: room id -> ids of the peer's users following that room.
    """

    expires_at: float
    rooms: dict[int, set[int]] = field(default_factory=dict)

    def pairs(self) -> set[Pair]:
        return {(room, user) for room, users in self.rooms.items() for user in users}


class Presence:
    """This process's view of who is online where; see the module docstring.

    Attributes:
        process: this process's id in the cluster (host, pid and a nonce).
        local: room id -> user id -> how many local sockets of that user
            follow the room.
        peers: process id -> ``Peer``.
        names: user id -> username, for frames.
        settling: (room id, user id) -> (online, here): the pair's state as
            last announced and as last sent to the other hubs, for the pairs
            whose local change waits out the coalescing window.
    """

    def __init__(self, hub: HubView) -> None:
        self.hub = hub
        self.process = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.local: dict[int, dict[int, int]] = {}
        self.peers: dict[str, Peer] = {}
        self.names: dict[int, str] = {}
        self.settling: dict[Pair, tuple[bool, bool]] = {}

    @property
    def beat_secs(self) -> float:
        return parley_settings.PRESENCE_TTL_SECS / 3

    # Reading -------------------------------------------------------------

    def is_online(self, room_id: int, user_id: int) -> bool:
        if self.local.get(room_id, {}).get(user_id):
            return True
        return any(
            user_id in peer.rooms.get(room_id, ()) for peer in self.peers.values()
        )

    def online(self, room_id: int) -> list[str]:
        """Usernames online in the room, here or in any live process, sorted."""
        users = set(self.local.get(room_id, ()))
        for peer in self.peers.values():
            users.update(peer.rooms.get(room_id, ()))
        return sorted(self.names.get(user, "") for user in users)

    # Local changes ---------------------------------------------------------

    def add(self, room_id: int, user_id: int, username: str) -> None:
        """One more local socket of ``user_id`` follows ``room_id``."""
        self.names[user_id] = username
        users = self.local.setdefault(room_id, {})
        count = users.get(user_id, 0)
        if count == 0:
            self._changing(room_id, user_id)
        users[user_id] = count + 1

    def remove(self, room_id: int, user_id: int) -> None:
        """One local socket of ``user_id`` no longer follows ``room_id``."""
        users = self.local.get(room_id)
        if not users or user_id not in users:
            return
        if users[user_id] == 1:
            self._changing(room_id, user_id)
        users[user_id] -= 1
        if users[user_id]:
            return
        del users[user_id]
        if not users:
            del self.local[room_id]

    def _here(self, room_id: int, user_id: int) -> bool:
        return bool(self.local.get(room_id, {}).get(user_id))

    def _changing(self, room_id: int, user_id: int) -> None:
        """A local change of the pair is about to happen: keep its state as
        told so far and settle it after the coalescing window (once for any
        number of changes within it)."""
        pair = (room_id, user_id)
        if pair in self.settling:
            return
        self.settling[pair] = (
            self.is_online(room_id, user_id),
            self._here(room_id, user_id),
        )
        self.hub.spawn(self._settle(pair))

    async def _settle(self, pair: Pair) -> None:
        """Announce and send what changed of ``pair`` over the window."""
        try:
            await asyncio.sleep(parley_settings.PRESENCE_COALESCE_SECS)
        finally:
            was_online, was_here = self.settling.pop(pair)
        room_id, user_id = pair
        if self.is_online(room_id, user_id) != was_online:
            self.announce(room_id, user_id, not was_online)
        here = self._here(room_id, user_id)
        if here != was_here:
            await self.send_delta(room_id, user_id, here)

    def _remote_change(self, room_id: int, user_id: int, online: bool) -> None:
        """Another process changed the pair's state: announce it, unless a
        local change of the pair is settling (it will announce the end)."""
        if (room_id, user_id) in self.settling:
            return
        self.announce(room_id, user_id, online)

    def announce(self, room_id: int, user_id: int, online: bool) -> None:
        """Tell this process's sockets of the room that a user came or went."""
        slug = self.hub.slugs.get(room_id)
        if slug is None or not self.hub.rooms.get(room_id):
            return
        self.hub.deliver_presence(
            room_id,
            encode_frame(
                ServerFrameType.PRESENCE,
                room=slug,
                user=self.names.get(user_id, ""),
                online=online,
            ),
        )

    # Talking to the other processes --------------------------------------

    async def _send(self, kind: str, **fields: Any) -> None:
        """Publish to every hub (bounded and logged as ``send_to_group``);
        a message lost is repaired by the next beat."""
        await send_to_group(
            presence_group(), {"type": kind, "process": self.process, **fields}
        )

    async def send_delta(self, room_id: int, user_id: int, online: bool) -> None:
        await self._send(
            "presence.delta",
            room_id=room_id,
            user_id=user_id,
            username=self.names.get(user_id, ""),
            online=online,
        )

    async def beat(self) -> None:
        """Send this process's whole state to every hub."""
        await self._send(
            "presence.beat",
            ttl=2 * self.beat_secs,
            entries=[
                [room_id, user_id, self.names.get(user_id, "")]
                for room_id, users in self.local.items()
                for user_id in users
            ],
        )

    async def hello(self) -> None:
        """Ask the other hubs for their state (a process starting)."""
        await self._send("presence.hello")

    async def leave_cluster(self) -> None:
        """Tell the other hubs this process's users are gone (shutting down)."""
        await self._send("presence.bye")

    async def beat_periodically(self) -> None:
        """Beat every third of the TTL; drop silent peers every half beat."""
        next_beat = 0.0
        while True:
            now = time.monotonic()
            if now >= next_beat:
                await self.beat()
                next_beat = now + self.beat_secs
            self.expire(now)
            await asyncio.sleep(self.beat_secs / 2)

    def expire(self, now: float) -> None:
        """Forget peers whose beats stopped; their users go offline."""
        for process, peer in list(self.peers.items()):
            if peer.expires_at < now:
                logger.warning(
                    "presence: process %s stopped beating; its users went offline",
                    process,
                )
                self._replace(process, None)

    def receive(self, event: dict[str, Any]) -> None:
        """Apply another hub's ``presence.*`` event."""
        process = event.get("process")
        if process == self.process or not isinstance(process, str):
            return
        kind = event["type"]
        if kind == "presence.hello":
            self.hub.spawn(self.beat())
        elif kind == "presence.bye":
            self._replace(process, None)
        elif kind == "presence.beat":
            rooms: dict[int, set[int]] = {}
            for room_id, user_id, username in event["entries"]:
                rooms.setdefault(room_id, set()).add(user_id)
                self.names.setdefault(user_id, username)
            ttl = float(event.get("ttl") or 2 * self.beat_secs)
            self._replace(process, Peer(time.monotonic() + ttl, rooms))
        elif kind == "presence.delta":
            self._apply_delta(process, event)
        else:
            logger.warning("hub: unknown event type %r", kind)

    def _apply_delta(self, process: str, event: dict[str, Any]) -> None:
        room_id, user_id = event["room_id"], event["user_id"]
        self.names.setdefault(user_id, event["username"])
        peer = self.peers.get(process)
        if peer is None:
            peer = self.peers[process] = Peer(time.monotonic() + 2 * self.beat_secs)
        was_online = self.is_online(room_id, user_id)
        users = peer.rooms.setdefault(room_id, set())
        if event["online"]:
            users.add(user_id)
        else:
            users.discard(user_id)
            if not users:
                del peer.rooms[room_id]
        if self.is_online(room_id, user_id) != was_online:
            self._remote_change(room_id, user_id, not was_online)

    def _replace(self, process: str, peer: Peer | None) -> None:
        """Set (or, with None, drop) a peer's state; announce what changed."""
        old = self.peers.get(process)
        changed = (old.pairs() if old else set()) ^ (peer.pairs() if peer else set())
        before = {pair: self.is_online(*pair) for pair in changed}
        if peer is None:
            self.peers.pop(process, None)
        else:
            self.peers[process] = peer
        for (room_id, user_id), was_online in before.items():
            if self.is_online(room_id, user_id) != was_online:
                self._remote_change(room_id, user_id, not was_online)
