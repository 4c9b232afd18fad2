"""Token buckets: how often a user, a socket or an address may do something.

``TokenBucket`` is the algorithm, pure and clocked by its caller: a bucket
holds at most ``capacity`` tokens, gains ``rate`` tokens per second, and each
action takes one; an action that finds no token is refused with the time
until one is there. It is the token bucket of RFC 2697, section 3 (its
committed bucket alone: CBS = capacity, CIR = rate); a full bucket lets a
burst of ``capacity`` through at once, then ``rate`` per second.

``RateLimiter`` keeps one bucket per key (a user id, an address...) with its
sizes read from ``PARLEY_*`` settings on each use. Its buckets live in this
process: with N server processes behind a balancer, a client that spreads
its requests over all of them gets up to N times the budget. Parley's
limiters are the module constants below; ``PARLEY_RATE_LIMITS = False``
turns them all off (benchmarks, test servers).

Times are seconds of ``clock()`` (``time.monotonic``; a test may replace
it), never wall-clock time, which can jump.
"""

import math
import threading
import time
from collections import OrderedDict
from collections.abc import Hashable, Iterable
from dataclasses import dataclass

from django.utils.translation import gettext as _

from parley.conf import parley_settings
from parley.wire.errors import ErrorCode, ParleyError

# Keys one limiter remembers. A bucket with its key costs about 400 bytes
# (measured, an address-and-name key), so 100,000 keys (more users or
# addresses than one process serves in a few minutes) bound a limiter near
# 40 MB. Past it, full buckets go first (a full bucket is the same as none),
# then the least recently used, which then starts full again: under an
# attack from more keys than this, the oldest keys get a fresh budget.
MAX_KEYS = 100_000
# The longest wait told to a client, in seconds: a budget that never refills
# (a rate of 0) is reported as this.
MAX_WAIT_SECS = 86400.0


def clock() -> float:
    """Seconds from a monotonic clock: the time every bucket here is kept in."""
    return time.monotonic()


class TokenBucket:
    """A token bucket: ``capacity`` tokens at most, ``rate`` more per second.

    It starts full. Every method takes ``now`` (seconds of one monotonic
    clock) and refills the bucket up to it first; a ``now`` earlier than the
    last one is treated as the last one.

    Args:
        capacity: most tokens held, the burst allowed at once (> 0).
        rate: tokens gained per second (>= 0; 0 never refills).
        now: the time the bucket is made at.
    """

    __slots__ = ("capacity", "rate", "tokens", "updated")

    def __init__(self, capacity: float, rate: float, now: float):
        self.capacity = float(capacity)
        self.rate = float(rate)
        self.tokens = self.capacity
        self.updated = now

    def refill(self, now: float) -> None:
        """Add the tokens gained since the last call, up to ``capacity``."""
        if now > self.updated:
            gained = (now - self.updated) * self.rate
            self.tokens = min(self.capacity, self.tokens + gained)
            self.updated = now

    def wait(self, now: float, cost: float = 1.0) -> float:
        """Seconds until ``cost`` tokens are there (0.0: they are now).

        ``math.inf`` when they never will be: ``cost`` over ``capacity``, or
        no refill. Takes nothing.
        """
        self.refill(now)
        if self.tokens >= cost:
            return 0.0
        if cost > self.capacity or self.rate <= 0:
            return math.inf
        return (cost - self.tokens) / self.rate

    def take(self, now: float, cost: float = 1.0) -> float | None:
        """Take ``cost`` tokens if they are there.

        Returns:
            None when taken; otherwise the seconds to wait before they are
            there (``retry_after``), and nothing is taken.
        """
        wait = self.wait(now, cost)
        if wait > 0:
            return wait
        self.tokens -= cost
        return None

    def remaining(self, now: float) -> int:
        """Whole tokens left now: actions allowed at once."""
        self.refill(now)
        return math.floor(self.tokens)

    def full_in(self, now: float) -> float:
        """Seconds until the bucket is full again (0.0 if it is)."""
        self.refill(now)
        if self.tokens >= self.capacity:
            return 0.0
        return math.inf if self.rate <= 0 else (self.capacity - self.tokens) / self.rate


@dataclass(frozen=True, slots=True)
class Quota:
    """Where one key stands, told in ``RateLimit-*`` response headers.

    Attributes:
        limit: the bucket's capacity (the burst), in actions.
        remaining: whole tokens left: actions allowed at once.
        reset_secs: seconds until the bucket is full again, rounded up.
        window_secs: seconds an empty bucket takes to fill, rounded up.
    """

    limit: int
    remaining: int
    reset_secs: int
    window_secs: int

    def headers(self) -> dict[str, str]:
        """The fields of draft-ietf-httpapi-ratelimit-headers-06, sections
        3 to 6: ``RateLimit-Limit``, ``-Remaining``, ``-Reset`` (delta
        seconds) and ``RateLimit-Policy`` (``limit;w=window``: a token
        bucket lets ``limit`` through in ``window`` seconds from empty)."""
        return {
            "RateLimit-Limit": str(self.limit),
            "RateLimit-Remaining": str(self.remaining),
            "RateLimit-Reset": str(self.reset_secs),
            "RateLimit-Policy": f"{self.limit};w={self.window_secs}",
        }


class RateLimiter:
    """Token buckets by key, sized by two ``PARLEY_*`` settings.

    Thread-safe: the same limiter serves sockets (on the event loop) and
    sync views (in threads); each call holds a lock for microseconds.

    Args:
        burst_setting: name of the setting with the bucket's capacity.
        per_min_setting: name of the setting with the tokens gained per
            minute.
    """

    def __init__(self, burst_setting: str, per_min_setting: str):
        self.burst_setting = burst_setting
        self.per_min_setting = per_min_setting
        self.buckets: OrderedDict[Hashable, TokenBucket] = OrderedDict()
        self.lock = threading.Lock()

    def sizes(self) -> tuple[float, float]:
        """``(capacity, tokens per second)`` from the settings, read now."""
        capacity = getattr(parley_settings, self.burst_setting)
        per_min = getattr(parley_settings, self.per_min_setting)
        return float(capacity), float(per_min) / 60

    def bucket(self, key: Hashable, now: float) -> TokenBucket:
        """The bucket of ``key``, made full if new; call with the lock held."""
        capacity, rate = self.sizes()
        bucket = self.buckets.get(key)
        if bucket is None:
            bucket = self.buckets[key] = TokenBucket(capacity, rate, now)
            if len(self.buckets) > MAX_KEYS:
                self.evict(now)
        else:
            self.buckets.move_to_end(key)
            bucket.refill(now)
            # Settings may change (tests, a reload): keep the tokens, but
            # never more than the new capacity.
            bucket.capacity, bucket.rate = capacity, rate
            bucket.tokens = min(bucket.tokens, capacity)
        return bucket

    def evict(self, now: float) -> None:
        """Forget full buckets, then the least recently used, to 90%."""
        for key in [k for k, b in self.buckets.items() if b.full_in(now) == 0]:
            del self.buckets[key]
        while len(self.buckets) > MAX_KEYS * 9 // 10:
            self.buckets.popitem(last=False)

    def take(self, key: Hashable, now: float | None = None) -> float | None:
        """One action of ``key``: ``TokenBucket.take`` on its bucket.

        Returns:
            None if allowed (always, with ``PARLEY_RATE_LIMITS`` off),
            else the seconds until it would be.
        """
        return take_together([(self, key)], now)

    def quota(self, key: Hashable, now: float | None = None) -> Quota:
        """Where ``key`` stands now (a full bucket for a new key)."""
        now = clock() if now is None else now
        with self.lock:
            bucket = self.bucket(key, now)
            window = bucket.capacity / bucket.rate if bucket.rate else math.inf
            return Quota(
                limit=math.floor(bucket.capacity),
                remaining=bucket.remaining(now),
                reset_secs=math.ceil(min(bucket.full_in(now), MAX_WAIT_SECS)),
                window_secs=math.ceil(min(window, MAX_WAIT_SECS)),
            )

    def clear(self) -> None:
        """Forget every bucket (tests)."""
        with self.lock:
            self.buckets.clear()


def take_together(
    spends: Iterable[tuple[RateLimiter, Hashable]], now: float | None = None
) -> float | None:
    """Take one token from each ``(limiter, key)`` bucket, or from none.

    An action that counts against several budgets (a message: the user's
    and the user's in that room) spends from all or, refused, from none, so
    a refusal by one budget costs nothing from the others.

    Returns:
        None if every bucket had a token (or ``PARLEY_RATE_LIMITS`` is
        off); else the longest wait among them, in seconds.
    """
    if not parley_settings.RATE_LIMITS:
        return None
    now = clock() if now is None else now
    spends = list(spends)
    # One lock at a time, in a fixed order (by id), so two callers taking
    # from the same limiters cannot deadlock.
    locks = sorted({id(limiter): limiter.lock for limiter, _ in spends}.items())
    for _id, lock in locks:
        lock.acquire()
    try:
        buckets = [limiter.bucket(key, now) for limiter, key in spends]
        wait = max(bucket.wait(now) for bucket in buckets)
        if wait > 0:
            return wait
        for bucket in buckets:
            bucket.take(now)
        return None
    finally:
        for _id, lock in reversed(locks):
            lock.release()


class RateLimited(ParleyError):
    """Refused for now: over a budget. ``retry_after`` says when to retry.

    Sent as ``error {code: "rate_limited", message, retry_after, ref?}`` on
    a socket, and as HTTP 429 with ``Retry-After`` by the API.

    Args:
        retry_after: seconds until the action would be allowed (rounded up
            to the millisecond).
    """

    status = 429

    def __init__(self, retry_after: float, *, ref: str | None = None):
        self.retry_after = round_up(retry_after)
        super().__init__(
            ErrorCode.RATE_LIMITED,
            _("Too many requests; try again in %(seconds)s s.")
            % {"seconds": f"{self.retry_after:.1f}"},
            ref=ref,
        )


def round_up(seconds: float) -> float:
    """``seconds`` rounded up to the millisecond (a retry never comes early).

    A wait with no end (a budget set to never refill) is told as a day.
    """
    # Rounded to a nanosecond first: float noise (0.1000000002) is no
    # reason to add a millisecond.
    return math.ceil(round(min(seconds, MAX_WAIT_SECS) * 1000, 6)) / 1000


def retry_after_header(seconds: float) -> str:
    """The ``Retry-After`` value for a wait: whole seconds, rounded up, as
    RFC 9110, section 10.2.3 requires (``delay-seconds``)."""
    return str(max(1, math.ceil(seconds)))


# Parley's budgets (conf.py gives their defaults and reasons).
USER_MESSAGES = RateLimiter("USER_MESSAGE_BURST", "USER_MESSAGES_PER_MIN")
ROOM_MESSAGES = RateLimiter("ROOM_MESSAGE_BURST", "ROOM_MESSAGES_PER_MIN")
FLOOD_REFUSALS = RateLimiter(
    "SOCKET_FLOOD_REFUSALS_PER_MIN", "SOCKET_FLOOD_REFUSALS_PER_MIN"
)
API_REQUESTS = RateLimiter("API_REQUEST_BURST", "API_REQUESTS_PER_MIN")
API_ANON_REQUESTS = RateLimiter("API_ANON_REQUEST_BURST", "API_ANON_REQUESTS_PER_MIN")
LOGIN_ATTEMPTS = RateLimiter("LOGIN_ATTEMPT_BURST", "LOGIN_ATTEMPTS_PER_MIN")
USER_UPLOADS = RateLimiter("USER_UPLOAD_BURST", "USER_UPLOADS_PER_MIN")
LIMITERS = (
    USER_MESSAGES,
    ROOM_MESSAGES,
    FLOOD_REFUSALS,
    API_REQUESTS,
    API_ANON_REQUESTS,
    LOGIN_ATTEMPTS,
    USER_UPLOADS,
)


def spend_message(*, user_id: int, room: str | None = None) -> None:
    """Count one message (a send, an edit) of a user, in ``room`` if given.

    Args:
        user_id: the author.
        room: the room's slug: the message also counts against the user's
            budget in that room. None for an edit (the user's budget only).

    Raises:
        RateLimited: over ``PARLEY_USER_MESSAGES_PER_MIN`` (burst
            ``USER_MESSAGE_BURST``) or, in ``room``,
            ``PARLEY_ROOM_MESSAGES_PER_MIN`` (burst ``ROOM_MESSAGE_BURST``);
            nothing is spent then.
    """
    spends = [(USER_MESSAGES, user_id)]
    if room is not None:
        spends.append((ROOM_MESSAGES, (user_id, room)))
    wait = take_together(spends)
    if wait is not None:
        raise RateLimited(wait)


def clear_all() -> None:
    """Forget every bucket of every limiter (tests)."""
    for limiter in LIMITERS:
        limiter.clear()
