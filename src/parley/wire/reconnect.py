"""When a client reconnects after its socket closed: the close-code rules.

Every client follows the same rules (``docs/protocol.md``, "Close codes"):
``parley.client`` through this module, the page through ``clients/js``
(``close.ts``), which holds the same numbers.

- 4001 (the sign-in ended): stop; the same credentials would be refused.
- 4000 (resume: the socket fell behind) and 1001 (going away: the server
  restarts): reconnect soon, after a short random wait (``PROMPT_JITTER_SECS``)
  so that the clients of one server do not all come back in one instant.
- anything else (1008 flooding, 1013 try again later, 4429 too many sockets,
  a dropped connection): exponential backoff, 0.5 s doubling to 30 s, with
  "full jitter" (AWS Architecture Blog, "Exponential Backoff And Jitter",
  2015): a random wait between 0 and the ceiling.
"""

from collections.abc import Callable, Mapping
from typing import Final, cast

from parley.wire.frames import CloseCode

BACKOFF_BASE_SECS: Final = 0.5
BACKOFF_MAX_SECS: Final = 30.0
# Close code -> the ceiling of the random wait before reconnecting at once,
# in seconds. A server going away has all its clients to take back.
PROMPT_JITTER_SECS: Final[Mapping[int | None, float]] = {
    CloseCode.RESUME: 0.25,
    CloseCode.GOING_AWAY: 1.0,
}
# A socket that stayed open this long was healthy: its loss starts the
# backoff afresh, in seconds. (Resetting on a mere open would let a server
# that accepts and then closes at once be hammered.)
STABLE_SECS: Final = 10.0


def reconnect_delay(
    code: int | None, attempt: int, random: Callable[[], float]
) -> float | None:
    """How long to wait before reconnecting, or None to stop for good.

    Args:
        code: the close code of the socket that ended; None if the
            connection dropped without one (or an attempt to open failed).
        attempt: failed attempts since the last healthy socket (0 for the
            first reconnect).
        random: a uniform random number in [0, 1) (``random.random``).

    Returns:
        Seconds to wait; None for ``CloseCode.SESSION_ENDED``.
    """
    if code == CloseCode.SESSION_ENDED:
        return None
    if attempt == 0 and code in PROMPT_JITTER_SECS:
        return random() * PROMPT_JITTER_SECS[code]
    # typeshed types int ** int as Any (a negative power is a float);
    # attempt is never negative.
    return random() * min(BACKOFF_MAX_SECS, BACKOFF_BASE_SECS * cast(int, 2**attempt))
