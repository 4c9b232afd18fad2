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
    # Largest frame (and message) the ASGI server accepts at all, in bytes;
    # above it Uvicorn closes the socket with 1009 and Daphne drops it.
    # `parley serve` passes it to each server; well under Daphne's own
    # 1 MiB default.
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
    # socket is closed with 4000 (resume), in seconds; the close comes between
    # this and twice this (one timer per burst of frames, not per frame). The
    # wait starts once the kernel's and the server's send buffers are full, so
    # memory per slow socket is bounded by those buffers plus its outbox.
    "SEND_TIMEOUT_SECS": 10.0,
    # Events one process's channel (its hub's, parley.realtime.hub) holds
    # while the process is busy; more are dropped by the layer and repaired
    # from the store (see protocol.md).
    "CHANNEL_CAPACITY": 1000,
    # Frames one socket may have queued for writing (fan-out, replies and
    # replays alike); a socket that falls further behind is closed with 4000
    # (resume), so a slow reader never holds up the others.
    "OUTBOX_MAX_FRAMES": 2000,
    # A user is online while any of their sockets is open. Each process
    # renews its sockets' presence every third of this time; a process that
    # stops renewing (crashed) has its users go offline after it, in seconds.
    "PRESENCE_TTL_SECS": 30.0,
    # A user's arrival in or departure from a room is told after this long,
    # and only if it still holds: a reload, or a client alternating
    # subscribe and unsubscribe, sends the room nothing, and a room hears of
    # one user at most once per window, in seconds.
    "PRESENCE_COALESCE_SECS": 1.0,
    # How long a new connection may take to send its first request head (a
    # WebSocket handshake), in seconds; a slower one is closed, so clients
    # trickling bytes (slowloris) cannot hold connections. 0: no bound.
    # `parley serve --handshake-timeout` sets it for every server it runs.
    "HANDSHAKE_TIMEOUT_SECS": 10.0,
    # A socket's `typing {room}` frames are passed on at most once per
    # TYPING_THROTTLE_SECS per room; clients show the indicator for
    # TYPING_TTL_SECS after the last one (the frame's `expires_in`), seconds.
    "TYPING_THROTTLE_SECS": 2.0,
    "TYPING_TTL_SECS": 6.0,
    # A socket's `read {room, seq}` frames are stored at most once per
    # READ_THROTTLE_SECS per room, in seconds; the newest seq of those in
    # between is stored at the end of the period (nothing is lost, the `read`
    # frame comes then). The page sends one per message seen.
    "READ_THROTTLE_SECS": 2.0,
    # Rooms one socket may follow at once; one more answers `too_many_rooms`
    # (the socket stays). The pages follow every room of the user for its
    # unread badge: 200 covers the people of a busy workspace.
    "MAX_ROOMS_PER_SOCKET": 200,
    # Open sockets (both /ws/ and the tutorial's) of one user in one server
    # process; one more is accepted, told `too_many_sockets` and closed with
    # 4429. One per tab: 20 tabs. Counted per process, as the hub knows only
    # its own sockets: with N processes a user may hold up to N x this.
    "MAX_SOCKETS_PER_USER": 20,
    # Token buckets (parley.ratelimit). All of them are kept per process: a
    # client spread over N processes gets up to N x each budget. False turns
    # every budget below off (the size limits above stay): for benchmarks
    # and test servers that measure something else.
    "RATE_LIMITS": True,
    # Messages (socket `send`, the tutorial socket, POST .../messages) and
    # edits of one user, across rooms: tokens per minute, and the burst
    # allowed at once. Over it: `rate_limited` with `retry_after`, nothing
    # stored, the client_id still free. A person types far slower; a bot
    # that needs more gets its own setting in its own deployment.
    "USER_MESSAGES_PER_MIN": 60.0,
    "USER_MESSAGE_BURST": 30,
    # Messages of one user in one room (edits excepted), per minute and at
    # once: one client cannot fill a room's history and everyone's screen.
    "ROOM_MESSAGES_PER_MIN": 30.0,
    "ROOM_MESSAGE_BURST": 15,
    # Frames of any type one socket may send per second, and at once. The
    # burst must cover a page opening: one subscribe per room of the user
    # (MAX_ROOMS_PER_SOCKET) plus its unsent messages. Over it:
    # `rate_limited`, the frame not handled.
    "SOCKET_FRAMES_PER_SEC": 20.0,
    "SOCKET_FRAME_BURST": 300,
    # Frames of one user refused by the frame budget above, per minute (and
    # at once), before the socket that sends one more is closed with 1008
    # (policy violation). Kept per user, so reconnecting does not reset it.
    "SOCKET_FLOOD_REFUSALS_PER_MIN": 100,
    # Requests to /api/ of one signed-in user (session or token), and of one
    # client address otherwise, per minute and at once; over it HTTP 429.
    "API_REQUESTS_PER_MIN": 300.0,
    "API_REQUEST_BURST": 100,
    "API_ANON_REQUESTS_PER_MIN": 60.0,
    "API_ANON_REQUEST_BURST": 30,
    # Sign-in attempts (POST /accounts/login/) per client address and
    # username, per minute and at once; over it HTTP 429. Against password
    # guessing: 10 at once, then one a minute, 1,440 a day at most.
    "LOGIN_ATTEMPTS_PER_MIN": 1.0,
    "LOGIN_ATTEMPT_BURST": 10,
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
    # Longest wait for the channel layer to take one event or deferred task,
    # in seconds, from sync code (parley.notify, a view, a script) and from
    # the server's sockets alike; then the event is dropped and logged
    # (clients catch up from the store) or the task runs inline. A broker
    # that is down never holds a request or a socket longer.
    "PUBLISH_TIMEOUT_SECS": 2.0,
    # Longest wait of /healthz for each part it checks (the database, the
    # channel layer), in seconds; both run at once. Under the usual probe
    # timeouts of load balancers and orchestrators (5 s and more).
    "HEALTH_TIMEOUT_SECS": 2.0,
    # How often each process re-validates the sign-in of every open socket
    # (session still there, unexpired and not invalidated by a password
    # change; token not revoked; user active) and closes those that fail
    # with 4001, in seconds. Sign-out, password changes, deactivation and
    # token revocation close sockets at once by event; this check catches
    # what no event tells (expiry, clearsessions, edits by hand, a lost
    # event). A minute costs a few queries per process per minute.
    "SESSION_CHECK_SECS": 60.0,
    # The Content-Security-Policy header of every HTML response
    # (parley.web.middleware.ContentSecurityPolicyMiddleware); empty: none.
    # Scripts, styles and connections from the page's own origin only (CSP
    # Level 3: 'self' covers the page's ws:/wss:), no inline script or
    # style, no plugins, no <base>, no framing, forms post to this site.
    # data: images serve the API docs page (/api/docs) its icons.
    "CONTENT_SECURITY_POLICY": (
        "default-src 'self'; script-src 'self'; style-src 'self'; "
        "img-src 'self' data:; connect-src 'self'; object-src 'none'; "
        "base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
    ),
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
