"""Listen to the frames services publish, on the test settings' in-memory
channel layer, without a socket."""

import orjson
from asgiref.sync import async_to_sync
from channels.layers import InMemoryChannelLayer, get_channel_layer

from parley.wire.events import room_group, user_group


class Listener:
    """A channel in a group of the in-memory layer, as a socket's would be.

    ``next_frame`` reads what was published already (services publish
    synchronously once the transaction commits), so it never waits; an
    empty channel is an error, not a timeout.
    """

    def __init__(self, group: str):
        self.layer = get_channel_layer()
        self.channel = async_to_sync(self.layer.new_channel)()
        async_to_sync(self.layer.group_add)(group, self.channel)

    @classmethod
    def user(cls, user) -> "Listener":
        return cls(user_group(user.pk))

    @classmethod
    def room(cls, room) -> "Listener":
        return cls(room_group(room.pk))

    def pending(self) -> int:
        queue = self.layer.channels.get(self.channel)
        return queue.qsize() if queue is not None else 0

    def next_frame(self) -> dict:
        assert self.pending(), "nothing was published"
        event = async_to_sync(self.layer.receive)(self.channel)
        return orjson.loads(event["frame"])

    def frames(self) -> list[dict]:
        return [self.next_frame() for _ in range(self.pending())]


class Broken(InMemoryChannelLayer):
    """A channel layer that is down: every send and group_send fails."""

    async def send(self, channel, message):
        raise ConnectionError("the channel layer is down")

    async def group_send(self, group, message):
        raise ConnectionError("the channel layer is down")
