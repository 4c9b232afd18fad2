"""What the hub, presence and the session watch need of each other.

The hub (``parley.realtime.hub``) owns presence and the session watch and
delivers to sockets; they only need a narrow view of it, and it only a
narrow view of a socket. Naming those views here keeps the imports one way:
``hub`` imports ``presence`` and ``sessions``, and none of them imports the
hub.
"""

from collections.abc import Awaitable
from typing import Any, Protocol


class Socket(Protocol):
    """What the hub needs of a local socket (``FrameConsumer`` provides it)."""

    user_id: int
    username: str
    scope: dict[str, Any]

    def room_event(self, event: dict[str, Any]) -> None:
        """Take a room event; must not block (queue, do not write)."""

    def user_event(self, event: dict[str, Any]) -> None:
        """Take a user event; must not block."""

    def catch_up(self, room_id: int, last_seq: int) -> None:
        """The store's newest ``seq`` of a followed room, from the check."""

    async def end(self, code: int | None) -> None:
        """Leave the hub and close the socket with ``code``."""

    async def drain(self, code: int) -> None:
        """Finish the frame in hand, write what is queued, close (shutdown)."""


class HubView(Protocol):
    """What presence and the session watch need of their hub.

    Attributes:
        rooms: room id -> the local sockets following that room.
        users: user id -> the local sockets of that user.
        slugs: room id -> slug, for frames the hub writes itself.
    """

    rooms: dict[int, set[Socket]]
    users: dict[int, set[Socket]]
    slugs: dict[int, str]

    def spawn(self, coroutine: Awaitable[Any]) -> Any:
        """Run ``coroutine`` as a task the hub keeps until it ends."""

    def deliver_presence(self, room_id: int, frame: str) -> None:
        """Give a ``presence`` frame to this process's sockets of one room."""
