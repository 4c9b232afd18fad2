"""Parley's RabbitMQ channel layer: channels_rabbitmq's, safe to cancel,
aware of its event loop, and with named channels.

``channel_layers_from_url("amqp://…")`` configures it. It changes three
things in channels_rabbitmq's ``RabbitmqChannelLayer`` (4.0, last released
in 2022):

- **A cancelled call leaves the layer working.** The parent gives every
  caller the one future of its connection to await. A caller cancelled
  while the layer connects or reconnects (a health check that times out, a
  socket that closes, a bounded publish) cancelled that shared future; the
  layer's reconnect task then died setting its result (``InvalidStateError``)
  and every later call raised ``CancelledError`` until the process
  restarted. Here each caller awaits a shield of the future.
- **It records its event loop** (``loop``): the loop it was made in, the only
  one it works in. ``parley.bus.layers`` hands calls from anywhere else
  to the loop that holds a layer.
- **Named channels**, which the parent refuses (names without ``!``, such as
  ``parley-tasks``), are durable RabbitMQ queues of that name, shared by
  every process and declared by whoever uses them first. ``send()``
  publishes to one (a full queue raises ``ChannelFull``); a
  ``NamedChannelReceiver`` consumes one and acknowledges each message once
  its handler is done, so a message whose receiver dies first goes to
  another receiver: delivery is at least once. ``receive()`` of a named
  channel is refused as before (it could only acknowledge on receipt).
"""

import asyncio
import contextlib
import logging
import weakref
from collections.abc import Callable
from functools import partial
from typing import Any

import carehare
from channels.exceptions import ChannelFull
from channels_rabbitmq.core import RabbitmqChannelLayer as BaseRabbitmqChannelLayer
from channels_rabbitmq.util import (
    ChannelRecipient,
    deserialize_message,
    serialize_message,
)

logger = logging.getLogger(__name__)

# Seconds between attempts to consume a named channel after the connection
# closed: the layer reconnects on its own, at channels_rabbitmq's pace (1 s).
RECONSUME_DELAY_SECS = 1.0


class RabbitmqChannelLayer(BaseRabbitmqChannelLayer):
    """channels_rabbitmq's layer with the changes of the module docstring.

    Arguments are the parent's (``host``, ``local_capacity``,
    ``remote_capacity``, ``expiry`` ...). A named channel's queue holds at
    most ``remote_capacity`` messages, each for at most ``expiry`` seconds,
    as the parent's process queues do.

    Raises:
        RuntimeError: made outside a running event loop (as the parent).
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.loop = asyncio.get_running_loop()
        # Named channels declared on each connection; a new connection
        # (after a reconnect) declares again, in case the broker lost them.
        self._declared: weakref.WeakKeyDictionary[carehare.Connection, set[str]] = (
            weakref.WeakKeyDictionary()
        )

    @property
    def carehare_connection(self) -> "asyncio.Future[carehare.Connection]":
        """The parent's connection future, shielded: see the module."""
        return asyncio.shield(super().carehare_connection)

    def named_channel_arguments(self) -> dict[str, Any]:
        """The RabbitMQ arguments of a named channel's queue: its length
        bound (a full queue refuses publishes) and message lifetime."""
        arguments: dict[str, Any] = {}
        if self.remote_capacity is not None:
            arguments["x-max-length"] = self.remote_capacity
            arguments["x-overflow"] = "reject-publish"
        if self.expiry is not None:
            arguments["x-message-ttl"] = int(self.expiry * 1000)
        return arguments

    async def declare_named_channel(self, channel: str) -> carehare.Connection:
        """Declare named channel ``channel``'s queue on the current connection
        (once per connection) and return the connection.

        Raises:
            carehare.ChannelClosedByServer: RabbitMQ refused the declaration,
                for instance 406 when the queue exists with other arguments
                (``PARLEY_CHANNEL_CAPACITY`` or the expiry changed: delete
                the queue, ``rabbitmqctl delete_queue <channel>``).
            carehare.ConnectionClosed: the connection closed meanwhile.
        """
        connection = await self.carehare_connection
        if connection.closed.done():
            # Closed, and the layer has not replaced it yet: RabbitMQ would
            # never answer a declaration sent on it.
            raise carehare.ConnectionClosed(f"declaring {channel}")
        declared = self._declared.setdefault(connection, set())
        if channel not in declared:
            await connection.queue_declare(
                channel, durable=True, arguments=self.named_channel_arguments()
            )
            declared.add(channel)
        return connection

    async def send(self, channel: str, message: dict[str, Any]) -> None:
        """Send ``message`` to ``channel``: a process's channel (with ``!``)
        as the parent does, or a named channel's queue.

        Raises:
            ChannelFull: the named channel's queue is full.
            carehare.ConnectionClosed: the connection closed before RabbitMQ
                took a message for a named channel (the parent drops
                messages for process channels then, with a warning).
        """
        if "!" in channel:
            await super().send(channel, message)
            return
        self.require_valid_channel_name(channel)
        connection = await self.declare_named_channel(channel)
        body = serialize_message(ChannelRecipient(channel), message)
        try:
            await connection.publish(body, exchange_name="", routing_key=channel)
        except carehare.ServerSentNack:
            raise ChannelFull(channel) from None


class NamedChannelReceiver:
    """Receives the messages of one named channel, at least once.

    Use it on the layer's event loop::

        receiver = NamedChannelReceiver(layer, "parley-tasks")
        try:
            while True:
                message, ack = await receiver.receive()
                ...  # handle it
                ack()
        finally:
            await receiver.close()

    The receiver holds one unacknowledged message at a time (prefetch 1),
    so messages spread over all receivers of the channel, one each. A
    message not acknowledged when the receiver's connection closes (its
    process died, or it was closed) goes back to the queue for another.
    After a lost connection the receiver consumes again on the layer's next
    one.
    """

    def __init__(self, layer: RabbitmqChannelLayer, channel: str):
        self.layer = layer
        self.channel = channel
        self._consumer: Any = None

    async def receive(self) -> tuple[dict[str, Any], Callable[[], None]]:
        """Wait for the next message.

        Returns:
            ``(message, ack)``: call ``ack()`` once the message is handled.

        Raises:
            carehare.ChannelClosedByServer: RabbitMQ refused the queue
                (see ``declare_named_channel``).
            channels.exceptions.StopConsumer: the layer was closed.
        """
        while True:
            try:
                if self._consumer is None:
                    connection = await self.layer.declare_named_channel(self.channel)
                    self._consumer = connection.acking_consumer(
                        self.channel, prefetch_count=1
                    )
                body, delivery_tag = await self._consumer.next_delivery()
            except carehare.ConnectionClosed:
                self._consumer = None
                logger.warning(
                    "lost RabbitMQ while consuming %s; consuming again", self.channel
                )
                await asyncio.sleep(RECONSUME_DELAY_SECS)
                continue
            _recipient, message = deserialize_message(body)
            return message, partial(self._ack, self._consumer, delivery_tag)

    @staticmethod
    def _ack(consumer: Any, delivery_tag: int) -> None:
        # OSError: the connection is gone, and RabbitMQ hands the message out
        # again.
        with contextlib.suppress(OSError):
            consumer.ack(delivery_tag)

    async def close(self) -> None:
        """Stop consuming; an unacknowledged message goes back to the queue."""
        consumer, self._consumer = self._consumer, None
        if consumer is None:
            return
        consumer.close()
        with contextlib.suppress(
            carehare.ConnectionClosed, carehare.ChannelClosedByServer
        ):
            await consumer.closed
