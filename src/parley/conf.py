"""Parley's own settings, read lazily from Django settings.

Every limit Parley enforces is a setting named ``PARLEY_<NAME>`` with the
default below. Values are looked up on each access, never at import time, so
``override_settings`` in tests and late configuration in embedding projects
both work::

    from parley.conf import parley_settings
    parley_settings.MAX_MESSAGE_CHARS  # -> 4000 unless PARLEY_MAX_MESSAGE_CHARS
"""

from typing import Any

from django.conf import settings

DEFAULTS: dict[str, Any] = {
    # Longest message text, in characters (not bytes). 4,000 fits a long
    # paragraph and keeps one history page (50 messages) well under 1 MiB.
    "MAX_MESSAGE_CHARS": 4000,
    # Largest client frame the protocol parses, in bytes of UTF-8. A send of
    # MAX_MESSAGE_CHARS four-byte characters plus its envelope fits.
    "MAX_FRAME_BYTES": 64 * 1024,
    # Largest frame the ASGI server accepts at all, in bytes; above it the
    # server closes the socket with 1009. Well under Daphne's 1 MiB default.
    "WS_MAX_FRAME_BYTES": 256 * 1024,
    # Most messages one `subscribe {after}` replays; a longer gap answers
    # `resync` and the client pages the rest over HTTP.
    "REPLAY_LIMIT": 1000,
    # Default and largest page of the history API, in messages.
    "HISTORY_PAGE_DEFAULT": 50,
    "HISTORY_PAGE_MAX": 200,
    # Longest room title, in characters; slugs are cut to SLUG_MAX_CHARS.
    "ROOM_TITLE_MAX_CHARS": 100,
    "SLUG_MAX_CHARS": 64,
    # Longest client_id (the sender's idempotency key) and frame `ref`.
    "CLIENT_ID_MAX_CHARS": 64,
    # How often each socket re-joins its rooms' groups (a restarted channel
    # layer forgets them; channels_redis expires them after a day) and checks
    # the store for messages whose live event the layer lost, in seconds.
    "SUBSCRIPTION_CHECK_SECS": 15.0,
    # How long one frame may wait for a socket that does not read before the
    # socket is closed with 4000 (resume), in seconds. The wait starts once
    # the kernel's and the server's send buffers are full, so memory per slow
    # socket is bounded by those buffers plus the channel's capacity.
    "SEND_TIMEOUT_SECS": 10.0,
    # Events one socket's channel holds while its consumer is busy; more are
    # dropped by the layer and repaired from the store (see protocol.md).
    "CHANNEL_CAPACITY": 1000,
    # Frames one socket may have queued for writing (fan-out, replies and
    # replays alike); a socket that falls further behind is closed with 4000
    # (resume), so a slow reader never holds up the others.
    "OUTBOX_MAX_FRAMES": 2000,
    # A user is online while any of their sockets is open. Each process
    # renews its sockets' presence every third of this time; a process that
    # stops renewing (crashed) has its users go offline after it, in seconds.
    "PRESENCE_TTL_SECS": 30.0,
    # A socket's `typing {room}` frames are passed on at most once per
    # TYPING_THROTTLE_SECS per room; clients show the indicator for
    # TYPING_TTL_SECS after the last one (the frame's `expires_in`), seconds.
    "TYPING_THROTTLE_SECS": 2.0,
    "TYPING_TTL_SECS": 6.0,
    # Most distinct @names of one message that are looked up and notified;
    # more are ignored, so one message cannot page a whole server.
    "MAX_MENTIONS_PER_MESSAGE": 20,
    # On SIGTERM, how long open sockets get to finish the frame in hand and
    # write what is queued before they are closed with 1001 (going away),
    # in seconds.
    "SHUTDOWN_GRACE_SECS": 10.0,
    # Largest page of the notifications API, in notifications.
    "NOTIFICATIONS_PAGE_MAX": 100,
    # Anonymous visitors may read and post in public rooms under a guest name.
    "GUEST_ACCESS": False,
    # Run deferrable work (mention notifications) in `parley worker`
    # processes instead of inline after the send. Needs a channel layer
    # shared between processes (redis:// or amqp://).
    "DEFER_TASKS": False,
    # Longest wait of sync code (parley.notify, a view, a script) for the
    # channel layer to take one event or deferred task, in seconds; then the
    # event is dropped and logged (clients catch up from the store) or the
    # task runs inline. A broker that is down never holds a request longer.
    "PUBLISH_TIMEOUT_SECS": 2.0,
    # Longest wait of /healthz for each part it checks (the database, the
    # channel layer), in seconds; both run at once. Under the usual probe
    # timeouts of load balancers and orchestrators (5 s and more).
    "HEALTH_TIMEOUT_SECS": 2.0,
    # Serve /metrics to any client, not only to the loopback interface. Turn
    # on only where the network keeps the scrape port private.
    "METRICS_PUBLIC": False,
}


class ParleySettings:
    """Attribute access to ``PARLEY_*`` settings with Parley's defaults.

    ``parley_settings.NAME`` returns ``settings.PARLEY_NAME`` if the project
    defines it, else ``DEFAULTS["NAME"]``. Unknown names raise
    ``AttributeError``.
    """

    def __getattr__(self, name: str) -> Any:
        if name not in DEFAULTS:
            raise AttributeError(f"Unknown Parley setting: {name}")
        return getattr(settings, f"PARLEY_{name}", DEFAULTS[name])


parley_settings = ParleySettings()


def channel_layers_from_url(url: str, capacity: int | None = None) -> dict[str, Any]:
    """Build Django's ``CHANNEL_LAYERS`` setting from one URL.

    Args:
        url: one of

            - ``memory://``: Channels' in-process layer. One server process
              only: sockets of other processes never see its events.
            - ``redis://[:password@]host:port/db`` (``rediss://`` for TLS):
              channels_redis' core layer, each channel a Redis list.
            - ``redis+pubsub://…`` (``rediss+pubsub://…``): channels_redis'
              pub/sub layer; the same Redis address after the ``+pubsub``.
              Events are not queued in Redis: a process that is not
              subscribed at the moment of publishing misses them.
            - ``amqp://user:password@host:port/vhost`` (``amqps://`` for
              TLS): channels_rabbitmq's layer as Parley extends it
              (``parley.realtime.rabbitmq``): one exclusive queue per
              process, and a durable queue per named channel (the tasks of
              ``parley worker``).

        capacity: events one channel holds (default ``CHANNEL_CAPACITY``
            above); for RabbitMQ, both the process' queue length in the
            broker and its local buffer, and the length of a named
            channel's queue (``parley-tasks``). Channels' own default, 100,
            drops live events while a socket replays history; Parley
            repairs such drops, but need not cause them. The pub/sub layer
            has no bound.

    Returns:
        ``{"default": {"BACKEND": ..., "CONFIG": ...}}``.

    Raises:
        django.core.exceptions.ImproperlyConfigured: for any other scheme.
    """
    from django.core.exceptions import ImproperlyConfigured

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
        config = {"hosts": [url], "capacity": capacity, "expiry": expiry_secs}
    elif scheme in ("redis+pubsub", "rediss+pubsub"):
        backend = "channels_redis.pubsub.RedisPubSubChannelLayer"
        config = {"hosts": [f"{scheme.removesuffix('+pubsub')}://{rest}"]}
    elif scheme in ("amqp", "amqps"):
        backend = "parley.realtime.rabbitmq.RabbitmqChannelLayer"
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
