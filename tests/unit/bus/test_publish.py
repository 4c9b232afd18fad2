"""Publishing events (``parley.bus.publish``) on the in-memory layer and on
fake layers that hang, fail or hold every event: best effort, bounded in
time and in calls at once, and never before the change commits."""

import asyncio
import logging

import pytest
from asgiref.sync import async_to_sync
from channels.layers import InMemoryChannelLayer, get_channel_layer
from django.db import transaction

from parley.bus import publish as publishing
from parley.bus.publish import (
    MAX_PUBLISHES_IN_FLIGHT,
    publish,
    publish_on_commit,
    publish_sync,
)
from parley.wire.events import room_event, room_group, session_event, user_group
from tests.unit.services.frames import Listener

HUNG = "tests.unit.bus.test_publish.HungLayer"
BROKEN = "tests.unit.services.frames.Broken"
HELD = "tests.unit.bus.test_publish.HeldLayer"


class HungLayer(InMemoryChannelLayer):
    """Never takes an event, as a layer waiting for a broker that is down."""

    async def group_send(self, group, message):
        await asyncio.Event().wait()


class HeldLayer(InMemoryChannelLayer):
    """Holds every ``group_send`` until ``release`` is set, counting how
    many wait at once."""

    def __init__(self, **config):
        super().__init__(**config)
        self.release = asyncio.Event()
        self.in_flight = 0
        self.most_in_flight = 0

    async def group_send(self, group, message):
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            await self.release.wait()
        finally:
            self.in_flight -= 1


@pytest.fixture(autouse=True)
def empty_channel_layer():
    """Each test leaves the default in-memory layer empty."""
    yield
    async_to_sync(get_channel_layer().flush)()


@pytest.mark.parametrize(
    ("event", "group"),
    [
        (room_event(5, '{"type":"typing"}'), room_group(5)),
        (session_event(8, tokens=[1]), user_group(8)),
    ],
)
async def test_an_event_reaches_the_group_it_names(event, group):
    """``publish`` sends to the group derived from the event and says the
    layer took it."""
    layer = get_channel_layer()
    channel = await layer.new_channel()
    await layer.group_add(group, channel)
    assert await publish(event) is True
    assert await layer.receive(channel) == event


async def test_an_event_of_no_known_kind_is_a_caller_error():
    """Only events built by ``parley.wire.events`` have a group."""
    with pytest.raises(ValueError):
        await publish({"type": "chat.message"})


@pytest.mark.parametrize("backend", [HUNG, BROKEN])
async def test_a_layer_that_hangs_or_fails_is_reported_not_raised(
    backend, settings, caplog
):
    """After at most PARLEY_PUBLISH_TIMEOUT_SECS the call returns False with
    a warning: a broker that is down never holds or fails the sender."""
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": backend}}
    settings.PARLEY_PUBLISH_TIMEOUT_SECS = 0.05
    with caplog.at_level(logging.WARNING, logger="parley.bus.publish"):
        assert await publish(room_event(1, "{}")) is False
    assert [r.levelno for r in caplog.records] == [logging.WARNING]
    assert "room.1" in caplog.records[0].getMessage()


async def test_at_most_a_bounded_number_of_publishes_wait_on_the_layer(settings):
    """Past MAX_PUBLISHES_IN_FLIGHT, publishes wait their turn; all go out
    once the layer answers."""
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": HELD}}
    settings.PARLEY_PUBLISH_TIMEOUT_SECS = 60
    layer = get_channel_layer()
    calls = [
        asyncio.ensure_future(publish(room_event(n, "{}")))
        for n in range(MAX_PUBLISHES_IN_FLIGHT + 8)
    ]
    for _ in range(MAX_PUBLISHES_IN_FLIGHT * 4):
        await asyncio.sleep(0)
    assert layer.in_flight == MAX_PUBLISHES_IN_FLIGHT
    layer.release.set()
    assert await asyncio.gather(*calls) == [True] * len(calls)
    assert layer.most_in_flight == MAX_PUBLISHES_IN_FLIGHT


async def test_each_event_loop_has_a_gate_of_its_own():
    """The gate is made in the loop that publishes (asyncio primitives
    belong to one loop)."""
    await publish(room_event(1, "{}"))
    loop = asyncio.get_running_loop()
    assert publishing._gates[loop]._value == MAX_PUBLISHES_IN_FLIGHT


def test_publish_sync_sends_from_sync_code():
    listener = Listener(room_group(3))
    assert publish_sync(room_event(3, '{"type":"typing"}')) is True
    assert listener.pending() == 1


async def test_publish_sync_refuses_async_code():
    """From async code it would block the loop: await ``publish`` there."""
    with pytest.raises(RuntimeError):
        publish_sync(room_event(3, "{}"))


@pytest.mark.django_db(transaction=True)
def test_a_change_is_announced_once_it_commits():
    listener = Listener(room_group(4))
    with transaction.atomic():
        publish_on_commit(room_event(4, '{"type":"edited"}'))
        assert listener.pending() == 0
    assert listener.frames() == [{"type": "edited"}]


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_change_announces_nothing():
    listener = Listener(room_group(4))
    with pytest.raises(ZeroDivisionError), transaction.atomic():
        publish_on_commit(room_event(4, '{"type":"edited"}'))
        1 / 0  # noqa: B018
    assert listener.pending() == 0


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_the_event_goes_at_once():
    listener = Listener(room_group(4))
    publish_on_commit(room_event(4, '{"type":"deleted"}'))
    assert listener.frames() == [{"type": "deleted"}]
