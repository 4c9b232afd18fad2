"""Token buckets with plain values: no clock but the one passed in."""

import math
import threading

import pytest
from hypothesis import given
from hypothesis import strategies as st

from parley import ratelimit
from parley.ratelimit import RateLimited, RateLimiter, TokenBucket
from parley.wire.errors import ErrorCode


def test_a_full_bucket_lets_its_capacity_through_then_refuses():
    """Capacity N: N takes pass at once, the N+1st is told how long to wait."""
    bucket = TokenBucket(capacity=3, rate=0.5, now=100.0)
    assert [bucket.take(100.0) for _ in range(3)] == [None, None, None]
    assert bucket.take(100.0) == pytest.approx(2.0)  # one token at 0.5/s
    assert bucket.remaining(100.0) == 0


def test_a_refused_take_takes_nothing_and_the_wait_is_exact():
    bucket = TokenBucket(capacity=1, rate=2.0, now=0.0)
    assert bucket.take(0.0) is None
    assert bucket.take(0.2) == pytest.approx(0.3)
    assert bucket.take(0.49) == pytest.approx(0.01)
    assert bucket.take(0.5) is None  # exactly when it said


def test_refill_stops_at_capacity():
    bucket = TokenBucket(capacity=2, rate=1.0, now=0.0)
    bucket.take(0.0)
    bucket.take(0.0)
    assert bucket.remaining(1000.0) == 2
    assert bucket.full_in(1000.0) == 0.0


def test_a_clock_that_goes_back_refills_nothing():
    bucket = TokenBucket(capacity=1, rate=1.0, now=10.0)
    assert bucket.take(10.0) is None
    assert bucket.take(5.0) == pytest.approx(1.0)


def test_no_refill_or_a_cost_over_capacity_never_passes():
    assert TokenBucket(capacity=1, rate=0.0, now=0.0).wait(0.0, cost=1) == 0.0
    empty = TokenBucket(capacity=1, rate=0.0, now=0.0)
    empty.take(0.0)
    assert empty.wait(1e9) == math.inf
    assert TokenBucket(capacity=2, rate=1.0, now=0.0).wait(0.0, cost=3) == math.inf


@given(
    capacity=st.integers(1, 50),
    rate=st.floats(0.01, 100),
    gaps=st.lists(st.floats(0, 5), min_size=1, max_size=200),
)
def test_never_more_than_capacity_plus_rate_times_elapsed(capacity, rate, gaps):
    """Whatever the timing, the takes allowed by time t are at most
    capacity + rate x t: the bucket's whole promise."""
    bucket = TokenBucket(capacity, rate, now=0.0)
    now, allowed = 0.0, 0
    for gap in gaps:
        now += gap
        if bucket.take(now) is None:
            allowed += 1
        assert allowed <= capacity + rate * now + 1e-6


@pytest.fixture
def tiny(settings):
    settings.PARLEY_USER_MESSAGE_BURST = 2
    settings.PARLEY_USER_MESSAGES_PER_MIN = 60.0  # one a second
    settings.PARLEY_ROOM_MESSAGE_BURST = 1
    settings.PARLEY_ROOM_MESSAGES_PER_MIN = 6.0  # one in ten seconds


def test_a_limiter_keeps_one_bucket_per_key(tiny):
    limiter = ratelimit.USER_MESSAGES
    assert [limiter.take("ann", now=0.0) for _ in range(2)] == [None, None]
    assert limiter.take("ann", now=0.0) == pytest.approx(1.0)
    assert limiter.take("bob", now=0.0) is None


def test_a_limiter_follows_changed_settings_without_granting_tokens(settings, tiny):
    limiter = ratelimit.USER_MESSAGES
    limiter.take("ann", now=0.0)
    settings.PARLEY_USER_MESSAGE_BURST = 10
    assert limiter.quota("ann", now=0.0).remaining == 1  # not 10
    settings.PARLEY_USER_MESSAGE_BURST = 1
    assert limiter.quota("ann", now=0.0).remaining == 1


def test_a_message_refused_by_the_room_budget_costs_nothing_from_the_users(tiny):
    """spend_message takes from both buckets or from neither."""
    ratelimit.spend_message(user_id=1, room="a")
    with pytest.raises(RateLimited) as refused:
        ratelimit.spend_message(user_id=1, room="a")
    assert refused.value.code == ErrorCode.RATE_LIMITED
    assert refused.value.status == 429
    assert 9 < refused.value.retry_after <= 10
    # The user's second token is still there, for another room.
    ratelimit.spend_message(user_id=1, room="b")
    with pytest.raises(RateLimited):
        ratelimit.spend_message(user_id=1, room="c")


def test_rate_limits_off_allow_everything(settings, tiny):
    settings.PARLEY_RATE_LIMITS = False
    for _ in range(100):
        ratelimit.spend_message(user_id=1, room="a")


def test_quota_tells_the_headers_of_the_draft(tiny):
    limiter = ratelimit.USER_MESSAGES
    assert limiter.take("ann", now=0.0) is None
    quota = limiter.quota("ann", now=0.25)
    assert quota.headers() == {
        "RateLimit-Limit": "2",
        "RateLimit-Remaining": "1",
        "RateLimit-Reset": "1",  # 0.75 s, rounded up
        "RateLimit-Policy": "2;w=2",
    }


def test_retry_after_is_rounded_up_and_whole_seconds_in_the_header():
    assert RateLimited(0.0001).retry_after == 0.001
    assert RateLimited(math.inf).retry_after == ratelimit.MAX_WAIT_SECS
    assert ratelimit.retry_after_header(0.2) == "1"
    assert ratelimit.retry_after_header(2.01) == "3"


def test_a_limiter_forgets_full_buckets_first_past_its_key_bound(monkeypatch, tiny):
    monkeypatch.setattr(ratelimit, "MAX_KEYS", 10)
    limiter = RateLimiter("USER_MESSAGE_BURST", "USER_MESSAGES_PER_MIN")
    limiter.take("busy", now=0.0)  # not full: kept
    for key in range(10):
        limiter.quota(key, now=0.0)  # full buckets
    assert len(limiter.buckets) <= 9
    assert limiter.quota("busy", now=0.0).remaining == 1


def test_a_limiter_shared_by_threads_never_overspends(tiny, settings):
    settings.PARLEY_USER_MESSAGE_BURST = 100
    settings.PARLEY_USER_MESSAGES_PER_MIN = 0.0
    allowed = []

    def spend():
        for _ in range(50):
            if ratelimit.USER_MESSAGES.take("ann") is None:
                allowed.append(1)

    threads = [threading.Thread(target=spend) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(allowed) == 100
