"""``CHANNEL_LAYERS`` from one URL (``parley.bus.config``): the scheme picks
the backend, and the backend accepts the config built for it."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from parley.bus.config import (
    REDIS_SOCKET_TIMEOUT_SECS,
    channel_layers_from_url,
)


def redis_host(url: str) -> dict:
    return {"address": url, "socket_timeout": 15, "socket_connect_timeout": 5}


@pytest.mark.parametrize(
    ("url", "backend", "address"),
    [
        ("memory://", "channels.layers.InMemoryChannelLayer", None),
        (
            "redis://:pw@127.0.0.1:6380/2",
            "channels_redis.core.RedisChannelLayer",
            ("hosts", [redis_host("redis://:pw@127.0.0.1:6380/2")]),
        ),
        (
            "rediss://cache:6380/0",
            "channels_redis.core.RedisChannelLayer",
            ("hosts", [redis_host("rediss://cache:6380/0")]),
        ),
        (
            "redis+pubsub://:pw@127.0.0.1:6380/2",
            "channels_redis.pubsub.RedisPubSubChannelLayer",
            ("hosts", ["redis://:pw@127.0.0.1:6380/2"]),
        ),
        (
            "rediss+pubsub://cache:6380/0",
            "channels_redis.pubsub.RedisPubSubChannelLayer",
            ("hosts", ["rediss://cache:6380/0"]),
        ),
        (
            "amqp://guest:guest@rabbit:5672/%2F",
            "parley.bus.rabbitmq.RabbitmqChannelLayer",
            ("host", "amqp://guest:guest@rabbit:5672/%2F"),
        ),
        (
            "amqps://u:p@rabbit/parley",
            "parley.bus.rabbitmq.RabbitmqChannelLayer",
            ("host", "amqps://u:p@rabbit/parley"),
        ),
    ],
)
async def test_each_channel_layer_url_builds_its_layer(url, backend, address):
    """The URL picks the backend, and the backend accepts the config."""
    layer = channel_layers_from_url(url, capacity=7)["default"]
    assert layer["BACKEND"] == backend
    if address:
        assert layer["CONFIG"][address[0]] == address[1]
    instance = import_string(backend)(**layer["CONFIG"])
    capacities = {
        getattr(instance, name)
        for name in ("capacity", "local_capacity", "remote_capacity")
        if hasattr(instance, name)
    }
    # The pub/sub layer queues nothing in Redis and has no bound.
    assert capacities == (set() if "pubsub" in url else {7})


@pytest.mark.parametrize(
    "url", ["kafka://somewhere", "127.0.0.1:6379", "", "redis+stream://h/0"]
)
def test_other_channel_layer_urls_are_refused_with_the_choices(url):
    with pytest.raises(ImproperlyConfigured, match="expected memory://, redis://"):
        channel_layers_from_url(url)


async def test_a_redis_read_outlasts_channels_redis_blocking_receive():
    """channels_redis blocks in BZPOPMIN for ``brpop_timeout`` seconds on an
    empty channel: a socket timeout no longer than that (redis-py 8's
    default is 5 s, as long) times the read out on an idle, healthy Redis."""
    layer = channel_layers_from_url("redis://127.0.0.1:6379/0")["default"]
    instance = import_string(layer["BACKEND"])(**layer["CONFIG"])
    assert instance.brpop_timeout + 5 < REDIS_SOCKET_TIMEOUT_SECS
    pool = instance.connection(0).connection_pool
    assert pool.connection_kwargs["socket_timeout"] == REDIS_SOCKET_TIMEOUT_SECS
