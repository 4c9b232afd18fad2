"""Deferred tasks (``parley.bus.tasks``) when the layer lets them down.

The worker end to end, on Redis and RabbitMQ, is in
``tests/live/test_notifications.py``.
"""

import asyncio

import pytest
from channels.layers import InMemoryChannelLayer

from parley.bus import tasks
from parley.db import database_sync_to_async
from parley.models import Notification
from parley.services import messages, rooms

HUNG = "tests.unit.bus.test_tasks.HungSendLayer"


class HungSendLayer(InMemoryChannelLayer):
    """Never takes a message for a channel, as a layer waiting for a broker
    that is down; groups work."""

    async def send(self, channel: str, message: dict) -> None:
        await asyncio.Event().wait()


@pytest.fixture
def hung_layer(settings):
    settings.PARLEY_DEFER_TASKS = True
    settings.PARLEY_PUBLISH_TIMEOUT_SECS = 0.1
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": HUNG}}


def test_a_task_the_layer_does_not_take_in_time_runs_inline(
    hung_layer, alice, bob, caplog
):
    """A mention posted over HTTP (sync code) is notified all the same,
    after PARLEY_PUBLISH_TIMEOUT_SECS, with a warning."""
    lobby = rooms.create_room(user=alice, title="Lobby")
    messages.send(room=lobby, author=alice, text="@bob hi")
    assert Notification.objects.get().user == bob
    assert "could not defer task mentions.notify" in caplog.text


@pytest.mark.django_db(transaction=True)
async def test_an_async_submit_the_layer_does_not_take_in_time_runs_inline(
    hung_layer, alice, bob
):
    """The same from the socket path (async), where the mention runs on the
    database thread."""
    lobby = await database_sync_to_async(rooms.create_room)(user=alice, title="Lobby")
    posted = await database_sync_to_async(messages.store)(
        room=lobby, author=alice, text="@bob hi"
    )
    await tasks.submit("mentions.notify", message_id=posted.message.id)
    assert await Notification.objects.filter(user=bob).aexists()
