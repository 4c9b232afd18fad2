"""``TutorialChatConsumer``: the Channels tutorial's socket, kept working.

``/ws/chat/<room_name>/`` receives ``{"message": text}`` and sends every
room message as ``{"message": text, "author", "seq", "id", "room", "ts"}``
(the room event's ``tutorial`` form, ``parley.wire.events``), so the
tutorial's page works unchanged, signed in. Messages are sent through the
same operation as any other (``messages.asend``) and stored; the room is
found or created by name in any script.
"""

from typing import Any

from parley.db import database_sync_to_async
from parley.realtime.base import FrameConsumer, current_limits
from parley.realtime.hub import Hub
from parley.services import messages, rooms
from parley.wire import frames
from parley.wire.errors import ParleyError


class TutorialChatConsumer(FrameConsumer):
    """The Channels tutorial's socket; see the module docstring."""

    async def connect(self) -> None:
        self.room = None
        self.hub = None
        if not self.signed_in():
            await self.close()
            return
        try:
            self.room = await database_sync_to_async(rooms.join_or_create)(
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

    def unfollow_rooms(self, hub: Hub) -> None:
        hub.unfollow(self.room.id, self)

    def user_event(self, event: dict[str, Any]) -> None:
        """The tutorial's socket has no user frames (notifications...); it
        closes when its user is removed from its room (``events.left_room``
        with ``cut``)."""
        if "cut" in event and event.get("unfollow") == self.room.id:
            self.spawn(self.close())

    async def receive_frame(self, raw: str) -> None:
        text = frames.parse_tutorial_frame(raw, self.limits)
        await messages.asend(author=self.user, room=self.room, text=text)

    def room_event(self, event: dict[str, Any]) -> None:
        frame = event.get("tutorial")
        if frame is not None:
            self.queue(frame)
