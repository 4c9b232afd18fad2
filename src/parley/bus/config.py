"""The channel layer's configuration: Django's ``CHANNEL_LAYERS`` from a URL.

The standalone site reads ``CHANNEL_LAYER_URL`` through it
(``parley.site.settings``), and a host project may call it in its own
settings::

    from parley.bus.config import channel_layers_from_url

    CHANNEL_LAYERS = channel_layers_from_url("redis://127.0.0.1:6379/0")

It reads no setting and imports nothing of Django's that needs them, so it
is safe in a settings module.
"""

from typing import Any

from django.core.exceptions import ImproperlyConfigured

from parley.conf import DEFAULTS

# How long a read from Redis may take, in seconds. channels_redis' receive
# is a BZPOPMIN that Redis holds for up to its `brpop_timeout` (5 s) when
# the channel is empty. redis-py 8 gives every connection a 5 s socket
# timeout by default (`redis._defaults.DEFAULT_SOCKET_TIMEOUT`; it was None
# before), so on an idle, healthy Redis the client gave up at the moment
# Redis answered: a TimeoutError, a logged traceback and a re-join of every
# group each time the race was lost (about every 10 s). The read must
# outlast the blocking command, with room for a busy Redis; a dead
# connection is still noticed within this bound.
REDIS_SOCKET_TIMEOUT_SECS = 15
# Connecting keeps redis-py's 5 s: a Redis that does not accept is down.
REDIS_CONNECT_TIMEOUT_SECS = 5


def channel_layers_from_url(url: str, capacity: int | None = None) -> dict[str, Any]:
    """Build Django's ``CHANNEL_LAYERS`` setting from one URL.

    Args:
        url: one of

            - ``memory://``: Channels' in-process layer. One server process
              only: sockets of other processes never see its events.
            - ``redis://[:password@]host:port/db`` (``rediss://`` for TLS):
              channels_redis' core layer, each channel a Redis list, with
              a socket timeout longer than its blocking receive
              (``REDIS_SOCKET_TIMEOUT_SECS``).
            - ``redis+pubsub://…`` (``rediss+pubsub://…``): channels_redis'
              pub/sub layer; the same Redis address after the ``+pubsub``.
              Events are not queued in Redis: a process that is not
              subscribed at the moment of publishing misses them.
            - ``amqp://user:password@host:port/vhost`` (``amqps://`` for
              TLS): channels_rabbitmq's layer as Parley extends it
              (``parley.bus.rabbitmq``): one exclusive queue per
              process, and a durable queue per named channel (the tasks of
              ``parley worker``).

        capacity: events one channel holds (default: Parley's
            ``CHANNEL_CAPACITY``); for RabbitMQ, both the process' queue
            length in the broker and its local buffer, and the length of a named
            channel's queue (``parley-tasks``). Channels' own default, 100,
            drops live events while a socket replays history; Parley
            repairs such drops, but need not cause them. The pub/sub layer
            has no bound.

    Returns:
        ``{"default": {"BACKEND": ..., "CONFIG": ...}}``.

    Raises:
        django.core.exceptions.ImproperlyConfigured: for any other scheme.
    """
    capacity = capacity or DEFAULTS["CHANNEL_CAPACITY"]
    # Seconds an event waits in a channel before the layer discards it; a
    # socket that has not read it by then resumes from the store anyway.
    expiry_secs = 60
    scheme, separator, rest = url.partition("://")
    scheme = scheme.lower() if separator else ""
    if scheme == "memory":
        backend = "channels.layers.InMemoryChannelLayer"
        config: dict[str, Any] = {"capacity": capacity, "expiry": expiry_secs}
    elif scheme in ("redis", "rediss"):
        backend = "channels_redis.core.RedisChannelLayer"
        host = {
            "address": url,
            "socket_timeout": REDIS_SOCKET_TIMEOUT_SECS,
            "socket_connect_timeout": REDIS_CONNECT_TIMEOUT_SECS,
        }
        config = {"hosts": [host], "capacity": capacity, "expiry": expiry_secs}
    elif scheme in ("redis+pubsub", "rediss+pubsub"):
        backend = "channels_redis.pubsub.RedisPubSubChannelLayer"
        config = {"hosts": [f"{scheme.removesuffix('+pubsub')}://{rest}"]}
    elif scheme in ("amqp", "amqps"):
        backend = "parley.bus.rabbitmq.RabbitmqChannelLayer"
        config = {
            "host": url,
            "local_capacity": capacity,
            "remote_capacity": capacity,
            "expiry": expiry_secs,
        }
    else:
        raise ImproperlyConfigured(
            f"CHANNEL_LAYER_URL {url!r}: expected memory://, redis://host:port/db, "
            "redis+pubsub://host:port/db or amqp://user:password@host:port/vhost"
        )
    return {"default": {"BACKEND": backend, "CONFIG": config}}
