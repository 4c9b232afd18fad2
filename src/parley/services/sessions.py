"""Telling every server process that a sign-in ended, so its sockets close.

The processes' session watches (``parley.realtime.sessions``) close the
sockets; this module publishes what they act on, as session events to the
user's group (``parley.wire.events.session_event``):

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
that ran before would close the changer's own sockets. And Django sends
``user_logged_out`` before it flushes the session: a tab whose socket
closed at once could load its next page while the session still signed it
in. So inside a request that passes through
``parley.web.middleware.SessionSocketsMiddleware`` the re-checks and the
sign-outs wait until the response is done, and go out with the rekey
(``request_finished``). Elsewhere (a shell, a task, a project without the
middleware) re-checks go out once the transaction commits, sign-outs at
once.
"""

import hashlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from importlib import import_module
from typing import Any

from django.conf import settings
from django.contrib.auth import (
    BACKEND_SESSION_KEY,
    HASH_SESSION_KEY,
    SESSION_KEY,
    get_user_model,
)
from django.contrib.auth.models import AbstractBaseUser
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare

from parley.bus.publish import publish_sync
from parley.models import ApiToken
from parley.wire import events

# Fields of a user whose change can end sign-ins: the password (through the
# session auth hash) and is_active.
SIGN_IN_FIELDS = frozenset({"password", "is_active"})


@dataclass(slots=True)
class Deferred:
    """What the current request asked to publish once its response is done.

    Attributes:
        checks: ids of users whose sockets are to be re-checked.
        signed_out: user id -> digests (``key_digest``) of that user's
            sessions that signed out.
    """

    checks: set[int] = field(default_factory=set)
    signed_out: dict[int, set[str]] = field(default_factory=dict)


# What to publish once the current request is done, or None outside a
# request with SessionSocketsMiddleware.
_deferred: ContextVar[Deferred | None] = ContextVar(
    "parley_deferred_session_events", default=None
)


def publish(user_id: int, **fields: Any) -> bool:
    """Send a session event (``events.session_event(user_id, **fields)``) to
    every process with a socket of the user; from sync code.

    Returns:
        True if the channel layer took it; a failure is logged, and the
        periodic check closes the sockets later.
    """
    return publish_sync(events.session_event(user_id, **fields))


def check_user(user_id: int) -> None:
    """Have every socket of ``user_id`` re-checked against the store: at the
    end of the current request (see the module), else once the current
    transaction commits (now if none)."""
    deferred = _deferred.get()
    if deferred is not None:
        deferred.checks.add(user_id)
    else:
        transaction.on_commit(lambda: publish(user_id, check=True))


@contextmanager
def request_finished() -> Iterator[Deferred]:
    """Collect the re-checks and sign-outs asked for inside the block
    instead of sending them; the caller sends them (``publish(user_id,
    check=..., sessions=...)``) when the response is done.

    Yields:
        a ``Deferred``, filled as the block runs.
    """
    deferred = Deferred()
    reset = _deferred.set(deferred)
    try:
        yield deferred
    finally:
        _deferred.reset(reset)


def token_revoked(*, user_id: int, token_id: int) -> None:
    """Close the sockets of a revoked token once the revocation commits."""
    transaction.on_commit(lambda: publish(user_id, tokens=[token_id]))


# Ids or keys per query of the check: far below every database's limit on
# bound parameters (SQLite's is 32,766; PostgreSQL's 65,535).
QUERY_CHUNK = 500


@dataclass(frozen=True, slots=True)
class Credential:
    """What a socket signed in with.

    Attributes:
        user_id: the socket's user.
        session_key: the session's key, for a socket signed in by cookie.
        token_id: the API token's id, for a socket signed in by token.

    A socket with neither (a project's own authentication middleware) is
    valid while its user is active.
    """

    user_id: int
    session_key: str | None = None
    token_id: int | None = None


def key_digest(session_key: str) -> str:
    """The SHA-256 (hex) of a session key: how events name a session.

    A session key is 32 random characters (about 165 bits), so an unsalted
    hash is safe, as for API tokens; the channel layer never sees a live key
    it has no need of.
    """
    return hashlib.sha256(session_key.encode()).hexdigest()


# Which sign-ins ended (read by the sockets' session watch) ---------------


def _chunks(values: Iterable[Any]) -> Iterable[list[Any]]:
    ordered = sorted(values)
    for start in range(0, len(ordered), QUERY_CHUNK):
        yield ordered[start : start + QUERY_CHUNK]


def session_data(keys: Iterable[str]) -> dict[str, dict[str, Any]]:
    """The data of each live session among ``keys``; missing and expired
    ones are left out.

    With a session engine that keeps sessions in the database (``db``,
    ``cached_db``), one query per ``QUERY_CHUNK`` keys; with any other
    (``cache``, ``file``, ``signed_cookies``), one ``load()`` per key.
    """
    store_class = import_module(settings.SESSION_ENGINE).SessionStore
    if not issubclass(store_class, DatabaseSessionStore):
        loaded = {key: store_class(session_key=key).load() for key in keys}
        return {key: data for key, data in loaded.items() if data}
    model = store_class.get_model_class()
    now = timezone.now()
    decoder = store_class()
    found = {}
    for chunk in _chunks(keys):
        rows = model.objects.filter(
            session_key__in=chunk, expire_date__gt=now
        ).values_list("session_key", "session_data")
        for key, data in rows:
            found[key] = decoder.decode(data)
    return found


def signs_in(data: dict[str, Any], user: AbstractBaseUser) -> bool:
    """Whether session ``data`` still signs ``user`` in.

    Django's rules (``django.contrib.auth.get_user``): the session names the
    user and a configured backend, and its auth hash is the user's current
    one, or one made with a ``SECRET_KEY_FALLBACKS`` key (which Django
    upgrades on the session's next request). The hash changes with the
    password, so a password change ends every session but those Django
    updated (``update_session_auth_hash``).
    """
    if data.get(SESSION_KEY) != user._meta.pk.value_to_string(user):
        return False
    if data.get(BACKEND_SESSION_KEY) not in settings.AUTHENTICATION_BACKENDS:
        return False
    if not hasattr(user, "get_session_auth_hash"):
        return True
    session_hash = data.get(HASH_SESSION_KEY)
    if not session_hash:
        return False
    if constant_time_compare(session_hash, user.get_session_auth_hash()):
        return True
    return any(
        constant_time_compare(session_hash, fallback)
        for fallback in user.get_session_auth_fallback_hash()
    )


def ended(credentials: Iterable[Credential]) -> set[Credential]:
    """The credentials among ``credentials`` that no longer sign in.

    One query each (per ``QUERY_CHUNK``) for the users, the sessions (with a
    database session engine) and the tokens, whatever the number of sockets.
    """
    credentials = set(credentials)
    users: dict[int, AbstractBaseUser] = {}
    for chunk in _chunks({c.user_id for c in credentials}):
        users.update(
            (user.pk, user)
            for user in get_user_model()._default_manager.filter(pk__in=chunk)
        )
    sessions = session_data({c.session_key for c in credentials if c.session_key})
    owners: dict[int, int] = {}
    for chunk in _chunks({c.token_id for c in credentials if c.token_id is not None}):
        owners.update(
            ApiToken.objects.filter(pk__in=chunk, revoked_at__isnull=True).values_list(
                "pk", "user_id"
            )
        )

    def valid(credential: Credential) -> bool:
        user = users.get(credential.user_id)
        # As Django's ModelBackend: a user model without is_active is active.
        if user is None or not getattr(user, "is_active", True):
            return False
        if credential.token_id is not None:
            return owners.get(credential.token_id) == credential.user_id
        if credential.session_key is None:
            return True
        data = sessions.get(credential.session_key)
        return data is not None and signs_in(data, user)

    return {credential for credential in credentials if not valid(credential)}


# Signal receivers, connected in parley.apps ------------------------------


def signed_out(
    sender: Any, request: Any = None, user: Any = None, **kwargs: Any
) -> None:
    """``user_logged_out``: close the sockets of the session signing out,
    once the response is done inside a request (see the module), else now.

    Django sends the signal before it flushes the session, so its key is
    still there to name.
    """
    session = getattr(request, "session", None)
    if user is None or session is None or not session.session_key:
        return
    digest = key_digest(session.session_key)
    deferred = _deferred.get()
    if deferred is not None:
        deferred.signed_out.setdefault(user.pk, set()).add(digest)
    else:
        publish(user.pk, sessions=[digest])


def user_saved(
    sender: Any,
    instance: Any,
    created: bool = False,
    update_fields: frozenset[str] | None = None,
    **kwargs: Any,
) -> None:
    """``post_save`` of the user model: re-check the user's sockets, unless
    the save could not have touched the password or ``is_active`` (a new
    user; ``update_fields`` without them, as Django's ``last_login``)."""
    if created or (update_fields is not None and not SIGN_IN_FIELDS & update_fields):
        return
    check_user(instance.pk)


def user_deleted(sender: Any, instance: Any, **kwargs: Any) -> None:
    """``post_delete`` of the user model: close the user's sockets."""
    check_user(instance.pk)
