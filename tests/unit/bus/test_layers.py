"""Sync code reaches the channel layer from any thread and any event loop
(``parley.bus.layers``).

``OneLoopLayer`` stands in for channels_rabbitmq's layer, listed as bound to
one loop for these tests: like it, an instance works only in the event loop
it was made in, and (like Parley's RabbitMQ layer) records that loop.
``tests/live/test_notifications.py`` runs the real thing against RabbitMQ.
"""

import asyncio
import os
import threading

import pytest
from asgiref.sync import sync_to_async
from channels.layers import InMemoryChannelLayer, get_channel_layer

from parley.bus import layers
from parley.bus.publish import publish_sync

ONE_LOOP = "tests.unit.bus.test_layers.OneLoopLayer"
SLOW = "tests.unit.bus.test_layers.SlowLayer"
HUNG = "tests.unit.bus.test_layers.HungLayer"


class OneLoopLayer(InMemoryChannelLayer):
    """Refuses every event loop but the one it was made in; keeps what it
    was sent (``sent``) and whether it was closed."""

    def __init__(self, **config):
        super().__init__(**config)
        self.loop = asyncio.get_running_loop()
        self.sent: list[tuple[str, dict]] = []
        self.closed = False

    async def group_send(self, group: str, message: dict) -> None:
        if asyncio.get_running_loop() is not self.loop:
            raise RuntimeError("used on a different event loop")
        self.sent.append((group, message))

    async def close(self) -> None:
        self.closed = True


class SlowLayer(OneLoopLayer):
    """Takes a moment (well within the tests' timeout) to take an event."""

    async def group_send(self, group: str, message: dict) -> None:
        await asyncio.sleep(0.05)
        await super().group_send(group, message)


class HungLayer(OneLoopLayer):
    """Never takes an event, as a layer waiting for a broker that is down."""

    async def group_send(self, group: str, message: dict) -> None:
        await asyncio.Event().wait()


@pytest.fixture
def one_loop_layer(settings, monkeypatch):
    """``OneLoopLayer`` as the default layer; no layer loop yet, and the
    one a test starts is closed after it."""
    monkeypatch.setattr(layers, "LOOP_BOUND_BACKENDS", {ONE_LOOP, SLOW, HUNG})
    monkeypatch.setattr(layers, "_layer_loop", None)
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": ONE_LOOP}}
    yield
    if layers._layer_loop is not None:
        layers._layer_loop.close(timeout_secs=1)


def event(n: int) -> dict:
    return {"type": "user.event", "user_id": 1, "n": n}


def sent_numbers(layer: OneLoopLayer) -> list[int]:
    return [message["n"] for _group, message in layer.sent]


def test_sync_calls_from_plain_threads_share_one_layer_on_the_layer_loop(
    one_loop_layer,
):
    """Three publishes in a row and one from another thread all reach the
    layer: the layer loop's own instance, made once."""
    results = [publish_sync(event(n)) for n in range(3)]
    thread = threading.Thread(target=lambda: results.append(publish_sync(event(3))))
    thread.start()
    thread.join()
    assert results == [True, True, True, True]
    layer = layers.layer_loop().layer("default")
    assert sent_numbers(layer) == [0, 1, 2, 3]
    assert layer.loop is layers.layer_loop().loop


async def test_sync_code_in_a_servers_thread_publishes_on_the_servers_layer(
    one_loop_layer,
):
    """In a thread that sync_to_async started (a view, the database thread)
    the publish runs on the server's loop, through the server's layer."""
    layer = get_channel_layer()  # made on this loop, as a server's hub makes it
    assert await sync_to_async(publish_sync)(event(1))
    assert sent_numbers(layer) == [1]
    assert layers._layer_loop is None


async def test_sync_code_under_a_loop_without_the_layer_takes_the_layer_loop(
    one_loop_layer,
):
    """Under an event loop that holds no layer (a script's asyncio.run
    calling anotify, the second time) the publish goes to the layer loop."""
    assert await sync_to_async(publish_sync)(event(1))
    assert sent_numbers(layers.layer_loop().layer("default")) == [1]


async def test_a_sync_publish_from_async_code_is_refused(one_loop_layer):
    """As with async_to_sync: it would block the caller's event loop."""
    with pytest.raises(RuntimeError, match="from async code"):
        publish_sync(event(1))


def test_a_layer_that_takes_the_event_within_the_timeout_has_published(
    one_loop_layer, settings
):
    settings.PARLEY_PUBLISH_TIMEOUT_SECS = 1.0
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": SLOW}}
    assert publish_sync(event(1))
    assert sent_numbers(layers.layer_loop().layer("default")) == [1]


def test_a_layer_that_does_not_take_the_event_in_time_is_given_up(
    one_loop_layer, settings, caplog
):
    """After PARLEY_PUBLISH_TIMEOUT_SECS the publish is dropped with a
    warning: the caller (a view, a post_save receiver) goes on."""
    settings.PARLEY_PUBLISH_TIMEOUT_SECS = 0.1
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": HUNG}}
    assert publish_sync(event(1)) is False
    assert "did not take the event within 0.1 s" in caplog.text


def test_closing_the_layer_loop_closes_its_layer_and_its_thread(one_loop_layer):
    assert publish_sync(event(1))
    loop = layers.layer_loop()
    layer = loop.layer("default")
    loop.close(timeout_secs=1)
    assert layer.closed
    assert loop.loop.is_closed()
    assert "parley-layer-loop" not in {t.name for t in threading.enumerate()}
    with pytest.raises(RuntimeError, match="exiting"):
        publish_sync(event(2))


def test_a_forked_child_starts_a_layer_loop_of_its_own(one_loop_layer):
    """The parent's layer loop has no thread in a child (a Celery or
    Gunicorn worker forked from it): the child publishes through its own."""
    assert publish_sync(event(1))
    parent_loop = layers._layer_loop
    pid = os.fork()
    if pid == 0:  # the child: report by exit code, never return into pytest
        code = 1
        try:
            forgotten = layers._layer_loop is None
            sent = publish_sync(event(2))
            own = layers._layer_loop is not parent_loop
            code = 0 if forgotten and sent and own else 2
        finally:
            os._exit(code)
    _pid, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert sent_numbers(parent_loop.layer("default")) == [1]
