"""Telling every server process that a sign-in ended, so its sockets close.

The processes' session watches (``parley.realtime.sessions``) close the
sockets; this module publishes what they act on, as session events to the
user's group (``parley.realtime.events.session_event``):

- ``user_logged_out`` (``signed_out``): the sockets of that session close,
  which are every tab of that browser. The user's other sessions (another
  browser, another device) and API tokens stay signed in, as they do for
  HTTP: signing out ends one session, not every sign-in of the person.
- the user saved with a new password or ``is_active`` (``user_saved``), or
  deleted (``user_deleted``): all that user's sockets are re-checked, so a
  deactivated or deleted user's sockets close, and after a password change
  those of every session Django no longer accepts (all but the changer's).
- a token revoked (``token_revoked``, from ``parley.services.tokens``): its
  sockets close.

A password change keeps the changer signed in by giving their session a new
key (``update_session_auth_hash``), at the end of the request; a re-check
that ran before would close the changer's own sockets. So inside a request
that passes through ``parley.web.middleware.SessionSocketsMiddleware`` the
re-checks wait until the response is done, and go out with the rekey
(``request_finished``). Elsewhere (a shell, a task, a project without the
middleware) they go out once the transaction commits.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.db import transaction

from parley.realtime import events
from parley.realtime.groups import user_group
from parley.realtime.sessions import key_digest

# Fields of a user whose change can end sign-ins: the password (through the
# session auth hash) and is_active.
SIGN_IN_FIELDS = frozenset({"password", "is_active"})

# The ids of users to re-check once the current request is done, or None
# outside a request with SessionSocketsMiddleware.
_deferred: ContextVar[set[int] | None] = ContextVar(
    "parley_deferred_session_checks", default=None
)


def publish(user_id: int, **fields: Any) -> bool:
    """Send a session event (``events.session_event(user_id, **fields)``) to
    every process with a socket of the user; from sync code.

    Returns:
        True if the channel layer took it; a failure is logged, and the
        periodic check closes the sockets later.
    """
    event = events.session_event(user_id, **fields)
    return events.send_event_sync(user_group(user_id), event)


def check_user(user_id: int) -> None:
    """Have every socket of ``user_id`` re-checked against the store: at the
    end of the current request (see the module), else once the current
    transaction commits (now if none)."""
    deferred = _deferred.get()
    if deferred is not None:
        deferred.add(user_id)
    else:
        transaction.on_commit(lambda: publish(user_id, check=True))


@contextmanager
def request_finished() -> Iterator[set[int]]:
    """Collect the re-checks asked for inside the block instead of sending
    them; the caller sends them (``publish(user_id, check=True)``) when the
    response is done.

    Yields:
        the set of user ids to re-check, filled as the block runs.
    """
    deferred: set[int] = set()
    reset = _deferred.set(deferred)
    try:
        yield deferred
    finally:
        _deferred.reset(reset)


def token_revoked(*, user_id: int, token_id: int) -> None:
    """Close the sockets of a revoked token once the revocation commits."""
    transaction.on_commit(lambda: publish(user_id, tokens=[token_id]))


# Signal receivers, connected in parley.apps ------------------------------


def signed_out(sender: Any, request: Any = None, user: Any = None, **kwargs) -> None:
    """``user_logged_out``: close the sockets of the session signing out.

    Django sends the signal before it flushes the session, so its key is
    still there to name.
    """
    session = getattr(request, "session", None)
    if user is None or session is None or not session.session_key:
        return
    publish(user.pk, sessions=[key_digest(session.session_key)])


def user_saved(
    sender: Any,
    instance: Any,
    created: bool = False,
    update_fields: frozenset[str] | None = None,
    **kwargs,
) -> None:
    """``post_save`` of the user model: re-check the user's sockets, unless
    the save could not have touched the password or ``is_active`` (a new
    user; ``update_fields`` without them, as Django's ``last_login``)."""
    if created or (update_fields is not None and not SIGN_IN_FIELDS & update_fields):
        return
    check_user(instance.pk)


def user_deleted(sender: Any, instance: Any, **kwargs) -> None:
    """``post_delete`` of the user model: close the user's sockets."""
    check_user(instance.pk)
