"""Parley's RabbitMQ layer (``parley.bus.rabbitmq``) on a real broker:
cancelled calls, named channels and their at-least-once receivers.

One RabbitMQ node for the module (it takes seconds to start); each test
uses channel and group names of its own.
"""

import asyncio

import pytest
from channels.exceptions import ChannelFull

from parley.bus.rabbitmq import NamedChannelReceiver, RabbitmqChannelLayer
from tests.support.engines import RabbitMQServer
from tests.support.relay import TcpRelay
from tests.support.servers import unique

# Bound on every wait for the broker; generous, as the machine is shared.
WAIT_SECS = 10


@pytest.fixture
async def make_layer(rabbitmq: RabbitMQServer):
    """Makes layers on this test's loop (on the broker unless ``host`` is
    given); closes them after the test."""
    made: list[RabbitmqChannelLayer] = []

    def make(host: str | None = None, **config) -> RabbitmqChannelLayer:
        layer = RabbitmqChannelLayer(host=host or rabbitmq.url, **config)
        made.append(layer)
        return layer

    yield make
    for layer in made:
        await layer.close()


@pytest.fixture
async def receivers():
    """Makes named-channel receivers; closes them after the test."""
    made: list[NamedChannelReceiver] = []

    def make(layer: RabbitmqChannelLayer, channel: str) -> NamedChannelReceiver:
        made.append(NamedChannelReceiver(layer, channel))
        return made[-1]

    yield make
    for receiver in made:
        await receiver.close()


async def test_a_call_cancelled_while_the_layer_connects_leaves_it_working(
    rabbitmq, make_layer
):
    """A publish given up while the broker is down (a health check's
    timeout) does not break the layer: once the broker is back, it
    publishes (channels_rabbitmq's own layer stayed broken for good)."""
    relay = TcpRelay(rabbitmq.port)  # not started: the broker is down
    sender = make_layer(relay.amqp_url)
    with pytest.raises(TimeoutError):
        async with asyncio.timeout(0.3):
            await sender.group_send("news", {"type": "lost"})
    listener = make_layer()
    channel = await listener.new_channel()
    group = unique("news")
    await listener.group_add(group, channel)
    with relay:
        async with asyncio.timeout(WAIT_SECS):
            await sender.group_send(group, {"type": "back"})
            assert await listener.receive(channel) == {"type": "back"}
        await sender.close()


async def test_a_named_channel_keeps_messages_until_a_receiver_comes(
    make_layer, receivers
):
    channel = unique("tasks")
    await make_layer().send(channel, {"type": "job", "n": 1})
    receiver = receivers(make_layer(), channel)
    async with asyncio.timeout(WAIT_SECS):
        message, ack = await receiver.receive()
    ack()
    assert message == {"type": "job", "n": 1}


async def test_each_message_of_a_named_channel_goes_to_one_receiver(
    make_layer, receivers
):
    """Two receivers (two workers), two messages: one each, no copies."""
    channel = unique("tasks")
    sender = make_layer()
    first, second = receivers(make_layer(), channel), receivers(make_layer(), channel)
    for n in (1, 2):
        await sender.send(channel, {"type": "job", "n": n})
    async with asyncio.timeout(WAIT_SECS):
        (one, _ack), (other, _ack) = await asyncio.gather(
            first.receive(), second.receive()
        )
    assert {one["n"], other["n"]} == {1, 2}


async def test_a_message_not_acknowledged_goes_to_the_next_receiver(
    make_layer, receivers
):
    """At least once: a worker that stops before it acknowledges (its
    process died) leaves the message to another."""
    channel = unique("tasks")
    await make_layer().send(channel, {"type": "job", "n": 1})
    quitter = receivers(make_layer(), channel)
    async with asyncio.timeout(WAIT_SECS):
        taken, _never_acked = await quitter.receive()
        await quitter.close()
        again, ack = await receivers(make_layer(), channel).receive()
    ack()
    assert taken == again == {"type": "job", "n": 1}


async def test_a_named_channel_holds_remote_capacity_messages(make_layer):
    """Like a process' queue, a named channel's refuses messages beyond the
    layer's remote_capacity (PARLEY_CHANNEL_CAPACITY): the sender hears
    ChannelFull, and runs the task inline."""
    channel = unique("tasks")
    sender = make_layer(remote_capacity=2)
    for n in (1, 2):
        await sender.send(channel, {"type": "job", "n": n})
    with pytest.raises(ChannelFull):
        await sender.send(channel, {"type": "job", "n": 3})


async def test_a_receiver_consumes_again_after_its_connection_is_lost(
    rabbitmq, make_layer, receivers
):
    """A worker's connection drops (a broker restart, a network cut): once
    its layer has reconnected, it receives the channel's next message. The
    first may come again first: its ack can be lost with the connection, and
    delivery is at least once."""
    channel = unique("tasks")
    sender = make_layer()
    relay = TcpRelay(rabbitmq.port).start()
    worker_layer = make_layer(relay.amqp_url)
    receiver = receivers(worker_layer, channel)
    received = []
    try:
        await sender.send(channel, {"type": "job", "n": 1})
        async with asyncio.timeout(WAIT_SECS):
            (before, ack) = await receiver.receive()
        ack()
        relay.stop()  # the connection is cut...
        relay = TcpRelay(rabbitmq.port, port=relay.port).start()  # ...and back
        await sender.send(channel, {"type": "job", "n": 2})
        async with asyncio.timeout(WAIT_SECS):
            while not received or received[-1] != 2:
                (after, ack) = await receiver.receive()
                ack()
                received.append(after["n"])
        await receiver.close()
        await worker_layer.close()
    finally:
        relay.stop()
    assert before["n"] == 1
    assert received in ([2], [1, 2])
