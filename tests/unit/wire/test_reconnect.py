"""When a client reconnects (``parley.wire.reconnect``), with a fake random
number: the close-code rules every client shares."""

import pytest

from parley.wire.frames import CloseCode
from parley.wire.reconnect import (
    BACKOFF_BASE_SECS,
    BACKOFF_MAX_SECS,
    PROMPT_JITTER_SECS,
    reconnect_delay,
)


def highest(random_value: float = 1.0):
    """A fake ``random.random`` returning ``random_value`` (1.0 shows the
    ceiling of the wait; the real one stays below it)."""
    return lambda: random_value


@pytest.mark.parametrize("attempt", [0, 1, 5, 100])
def test_a_sign_in_that_ended_stops_reconnecting(attempt):
    """4001: the same credentials would be refused; None means stop."""
    assert reconnect_delay(CloseCode.SESSION_ENDED, attempt, highest()) is None


@pytest.mark.parametrize(
    ("code", "ceiling"),
    [(CloseCode.RESUME, 0.25), (CloseCode.GOING_AWAY, 1.0)],
)
def test_resume_and_going_away_reconnect_promptly_within_their_jitter(code, ceiling):
    """4000 and 1001 at the first attempt: a random wait below their small
    ceiling, so clients of one server spread their return."""
    assert PROMPT_JITTER_SECS[code] == ceiling
    assert reconnect_delay(code, 0, highest()) == ceiling
    assert reconnect_delay(code, 0, highest(0.5)) == ceiling / 2
    assert reconnect_delay(code, 0, highest(0.0)) == 0.0


@pytest.mark.parametrize(
    ("attempt", "ceiling"),
    [(0, 0.5), (1, 1.0), (2, 2.0), (3, 4.0), (5, 16.0), (6, 30.0), (20, 30.0)],
)
@pytest.mark.parametrize(
    "code", [None, CloseCode.POLICY_VIOLATION, CloseCode.TRY_AGAIN_LATER, 4429, 1006]
)
def test_other_closes_back_off_doubling_from_half_a_second_to_thirty(
    code, attempt, ceiling
):
    """Full jitter: a random wait between 0 and a ceiling that doubles from
    0.5 s with each failed attempt and stops at 30 s."""
    assert reconnect_delay(code, attempt, highest()) == ceiling
    assert reconnect_delay(code, attempt, highest(0.25)) == ceiling / 4


@pytest.mark.parametrize("code", [CloseCode.RESUME, CloseCode.GOING_AWAY])
def test_a_prompt_reconnect_that_fails_backs_off_like_any_other(code):
    """Only the first attempt after 4000 or 1001 is prompt."""
    assert reconnect_delay(code, 1, highest()) == 2 * BACKOFF_BASE_SECS
    assert reconnect_delay(code, 30, highest()) == BACKOFF_MAX_SECS
