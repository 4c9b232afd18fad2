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
    # Longest formatted HTML of a message (parley.wire.formatting), in
    # characters: four times MAX_MESSAGE_CHARS holds any bold, italic, code,
    # list or quote; a message denser in links or mentions than that shows
    # as plain text (its html is ""), so a history page stays small.
    "MESSAGE_HTML_MAX_CHARS": 16_000,
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
    # Search (parley.services.search). Longest query, in characters: a
    # sentence with filters fits, and the database never parses a page of
    # words. Default and largest page of results; the longest snippet, in
    # characters (ellipses aside).
    "SEARCH_QUERY_MAX_CHARS": 200,
    "SEARCH_PAGE_DEFAULT": 20,
    "SEARCH_PAGE_MAX": 50,
    "SEARCH_SNIPPET_CHARS": 160,
    # Matches ranked per search: the newest this many (older ones are not
    # found). Ranking costs per match; 1,000 keeps a word found in every
    # message of a 1,000,000-message room under 100 ms (bench `search`).
    "SEARCH_RANK_WINDOW": 1000,
    # Distinct emoji one message may carry (parley.services.reactions): a
    # row of chips that fits under a message, and a bound on its shape.
    "MAX_REACTIONS_PER_MESSAGE": 20,
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
    # Rooms one user may create (public, private, direct) in any 24 hours,
    # counted in the database, so across processes and restarts; the next
    # gets `rate_limited` with `retry_after` (when the oldest of them leaves
    # the window). Subscribing to a new name creates a room: without a
    # budget 20 accounts made 4,000 rooms in 36 s. Staff are exempt; 0 turns
    # the budget off.
    "ROOMS_PER_USER_PER_DAY": 50,
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
    # Profiles (parley.services.profiles). Longest display name, in
    # characters; the model's column holds 64.
    "DISPLAY_NAME_MAX_CHARS": 64,
    # Largest avatar upload, in bytes: a phone photo fits, re-encoded to
    # AVATAR_SIZE_PX it is a few KiB.
    "AVATAR_MAX_BYTES": 2 * 1024 * 1024,
    # Most pixels (width x height) an upload may declare, checked before
    # decoding: a small file that decodes to gigabytes (a decompression
    # bomb) is refused. 40 megapixels covers any phone camera.
    "AVATAR_MAX_PIXELS": 40_000_000,
    # Image formats accepted (Pillow's format names); each is re-encoded as
    # PNG, so the stored avatar is never the uploaded file.
    "AVATAR_FORMATS": ("PNG", "JPEG", "GIF", "WEBP"),
    # Side of the stored square avatar, in pixels (shown at 36 px and less;
    # 128 stays sharp on 3x screens).
    "AVATAR_SIZE_PX": 128,
    # Attachments (parley.services.attachments). Largest upload, in bytes.
    "ATTACHMENT_MAX_BYTES": 10 * 1024 * 1024,
    # Types accepted, comma-separated; the type is sniffed from the file's
    # first bytes (WHATWG MIME Sniffing signatures), never taken from the
    # client. Anything else (SVG and HTML included) is refused.
    "ATTACHMENT_TYPES": (
        "image/png,image/jpeg,image/gif,image/webp,application/pdf,"
        "application/zip,text/plain"
    ),
    # Most pixels (width x height) an image may declare, checked before
    # decoding: a decompression bomb is refused (Pillow's MAX_IMAGE_PIXELS).
    "ATTACHMENT_MAX_PIXELS": 40_000_000,
    # Longest side of an image's thumbnail, in pixels.
    "ATTACHMENT_THUMB_PX": 320,
    # Most attachments one message carries; one more: too_many_attachments.
    "ATTACHMENTS_PER_MESSAGE": 10,
    # Uploads of one user not sent with a message yet; one more is refused
    # (too_many_attachments), so unsent files cannot fill the storage.
    "ATTACHMENTS_UNSENT_MAX": 50,
    # Uploads of one user per minute, and at once (a token bucket, like
    # RATE_LIMITS' others): over it `rate_limited`, nothing stored.
    "USER_UPLOADS_PER_MIN": 30.0,
    "USER_UPLOAD_BURST": 20,
    # The alias in Django's STORAGES the files go to: the local file system
    # (MEDIA_ROOT) by default, any django-storages backend (S3 ...) by
    # configuring that alias.
    "ATTACHMENT_STORAGE": "default",
    # A dotted path to a callable(name, data, content_type) run on every
    # upload before it is stored (a virus scanner); it refuses a file by
    # raising ValueError (its text is shown) or returning False. "": none.
    "ATTACHMENT_SCANNER": "",
    # Behind nginx: a prefix of an `internal` location that serves the
    # storage's files; downloads are then answered with X-Accel-Redirect
    # to prefix + the stored name, nginx sending the bytes. "": Parley
    # streams the file itself.
    "ATTACHMENT_ACCEL_PREFIX": "",
    # Members of a room listed on its page (the members panel); the count in
    # the header is exact whatever this is.
    "ROOM_PAGE_MEMBERS_MAX": 200,
    # Longest room topic, in characters (a line or two under the title).
    "ROOM_TOPIC_MAX_CHARS": 250,
    # Most messages pinned in one room at once: the pinned list stays a
    # short list, read in one page.
    "MAX_PINS_PER_ROOM": 50,
    # Moderation (parley.services.moderation): the longest mute, in
    # seconds (30 days); a longer one is refused (`invalid_request`): a
    # ban or a removal says "for good".
    "MAX_MUTE_SECS": 30 * 24 * 3600,
    # Default and largest page of a room's member list (the members API).
    "MEMBERS_PAGE_DEFAULT": 100,
    "MEMBERS_PAGE_MAX": 500,
    # Lists of rooms and notifications a page at a time
    # (parley.services.listing): default and largest page of GET /api/rooms
    # and of the sidebar's and room list's "Show more" (4,215 rooms at once
    # were 856 KB and 1.4 s); the bell's first page of notifications.
    "ROOMS_PAGE_DEFAULT": 50,
    "ROOMS_PAGE_MAX": 200,
    "NOTIFICATIONS_PAGE_DEFAULT": 20,
    # Serve /metrics to any client, not only to the loopback interface. Turn
    # on only where the network keeps the scrape port private.
    "METRICS_PUBLIC": False,
    # Web Push (RFC 8030/8291/8292, parley.services.push). The VAPID key
    # pair, base64url: the private key's 32 raw bytes and the public key's
    # uncompressed point (65 bytes); the standalone server generates them
    # once into PARLEY_DATA_DIR when unset. Empty: push is off.
    "VAPID_PRIVATE_KEY": "",
    "VAPID_PUBLIC_KEY": "",
    # The VAPID `sub` claim: how a push service reaches the operator, a
    # mailto: or https: URL (RFC 8292, section 2.1).
    "VAPID_SUBJECT": "mailto:webmaster@localhost",
    # Hosts a push subscription's endpoint may name, comma-separated; an
    # entry starting with "." matches any subdomain. Nothing else is ever
    # requested from a subscription URL (no server-side request forgery).
    # Default: the push services of Chrome/Edge (FCM, WNS), Firefox, Safari.
    "PUSH_ALLOWED_HOSTS": (
        "fcm.googleapis.com,android.googleapis.com,"
        "updates.push.services.mozilla.com,.notify.windows.com,"
        ".push.apple.com"
    ),
    # Accept http:// endpoints (still only on allowed hosts): for a loopback
    # push service in tests, never in production.
    "PUSH_ALLOW_INSECURE_ENDPOINTS": False,
    # Push subscriptions one user may hold (one per browser and device);
    # one more is refused with `too_many_subscriptions`.
    "PUSH_SUBSCRIPTIONS_PER_USER": 10,
    # Longest wait for a push service's answer, in seconds; then the push
    # is retried like a 5xx.
    "PUSH_TIMEOUT_SECS": 10.0,
    # How long a push service keeps a push for an offline browser (the
    # TTL header, RFC 8030 section 5.2), in seconds.
    "PUSH_TTL_SECS": 86400,
    # A user who sent a frame on any socket within this many seconds is
    # "active": they get no push (they see the tab). Each socket records
    # its activity in the database at most every third of this time.
    "ACTIVE_SECS": 60.0,
    # A direct message or mention still unread after this many seconds is
    # e-mailed; those that come due together go out as one digest.
    "EMAIL_DELAY_SECS": 300.0,
    # Most items one e-mail digest lists; the rest go in the next one.
    "EMAIL_DIGEST_MAX": 20,
    # Absolute base of the links in e-mails (no request to take it from in
    # a worker): the conversation and the one-click unsubscribe URL.
    "SITE_URL": "http://localhost:8000",
    # Deliveries (push, e-mail; parley.services.delivery): attempts before
    # one counts as failed; the wait before attempt n+1 is
    # DELIVERY_RETRY_SECS * 2**(n-1) (exponential backoff); one not sent
    # within DELIVERY_EXPIRY_SECS of its creation is dropped as expired.
    "DELIVERY_MAX_ATTEMPTS": 5,
    "DELIVERY_RETRY_SECS": 10.0,
    "DELIVERY_EXPIRY_SECS": 86400.0,
    # How often each server process (tasks inline) or `parley worker`
    # (tasks deferred) sends the deliveries that came due, in seconds: a
    # push waits up to this long. A sweep with nothing due is one indexed
    # query.
    "DELIVERY_SWEEP_SECS": 1.0,
    # Who may do what (issue 15, the policy hook): the dotted path of a
    # subclass of parley.services.policy.Policy; Parley's own rules by
    # default. See README, "Who may do what: the policy hook".
    "POLICY": "parley.services.policy.Policy",
    # Retention (parley.services.retention). Days a message is kept, per
    # room kind; None keeps it for ever (the default, for every kind). A
    # purge deletes the older messages of each room from its start, with
    # their reactions, pins, attachments and search index rows; `seq` keeps
    # its meaning and clients are told the room's `first_seq`.
    "RETENTION": {"public": None, "private": None, "direct": None},
    # Most messages one purge deletes (bounded work per turn: one turn never
    # holds a table for long); the rest goes at the next turn.
    "RETENTION_BATCH": 1000,
    # How often each sweeper thread (`parley worker`, or each server process
    # when tasks run inline) purges, in seconds. Nothing to purge is one
    # indexed query per kind with a limit.
    "RETENTION_SWEEP_SECS": 600.0,
    # Bots (parley.services.webhooks, parley.commands). Webhooks one room
    # may have; one more is refused with `too_many_webhooks`.
    "WEBHOOKS_PER_ROOM": 5,
    # Webhook targets: https only unless WEBHOOK_ALLOW_HTTP (a loopback
    # receiver in tests or development); a host resolving to a loopback,
    # private, link-local, reserved or multicast address is refused unless
    # WEBHOOK_ALLOW_PRIVATE_ADDRESSES (a receiver on the same network).
    "WEBHOOK_ALLOW_HTTP": False,
    "WEBHOOK_ALLOW_PRIVATE_ADDRESSES": False,
    # Certificate authorities trusted for webhook targets: a PEM file, or
    # "" for certifi's bundle (httpx's default).
    "WEBHOOK_CA_FILE": "",
    # Longest wait for a webhook's answer, in seconds (connect and each
    # read); then the delivery is retried like a 5xx.
    "WEBHOOK_TIMEOUT_SECS": 5.0,
    # Most bytes of a webhook's answer read (its {"text": ...} reply);
    # a longer answer counts as delivered, with no reply.
    "WEBHOOK_RESPONSE_MAX_BYTES": 64 * 1024,
    # Attempts per delivery; the wait before attempt n+1 is
    # WEBHOOK_RETRY_SECS * 2**(n-1) (exponential backoff). Sent by the
    # sweeper of each server process (tasks inline) or `parley worker`.
    "WEBHOOK_MAX_ATTEMPTS": 5,
    "WEBHOOK_RETRY_SECS": 10.0,
    # Slash commands besides those registered with parley.commands.register:
    # a mapping of name to the dotted path of a function, or the same as
    # text "name=path,name=path" (from the environment).
    "COMMANDS": "",
    # The user that posts what a slash command answers, made on first use;
    # "#" keeps it apart from any account (Django's username validator
    # refuses it).
    "COMMAND_BOT_USERNAME": "commands#bot",
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
