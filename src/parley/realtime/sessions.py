"""Sockets outlive no sign-in: the session watch of each process.

A socket is signed in once, at its handshake (``parley.realtime.auth``), with
a session or an API token: its ``Credential``. When that sign-in ends, the
socket is closed with 4001 (``CloseCode.SESSION_ENDED``), on every server
process, in two ways:

1. **At once, by event.** ``parley.services.sessions`` publishes a session
   event (``parley.wire.events.session_event``) to the user's group when
   the user signs out (the sockets of that session close: every tab of that
   browser), when a token is revoked (its sockets close), and, after a
   password change, a deactivation or a deletion of the user, a re-check of
   all that user's sockets against the store. A password change keeps the
   changer signed in under a new session key: the event first moves the
   changer's sockets to the new key, so only the other sessions' sockets
   close.
2. **By the periodic check, the safety net.** Every
   ``PARLEY_SESSION_CHECK_SECS`` each process re-validates every socket's
   credential against the store and closes those that still fail
   ``CONFIRM_SECS`` later (see there why). It catches what
   no event announces: sessions that expired, were removed by
   ``clearsessions`` or by hand, users or tokens changed with ``update()``,
   events the channel layer lost.

A credential is valid while, as Django's ``get_user`` judges a request:
the session exists and has not expired, names the socket's user, names an
authentication backend still in ``AUTHENTICATION_BACKENDS``, and carries
that user's current session auth hash (or one made with a
``SECRET_KEY_FALLBACKS`` key); or the token exists, is not revoked and is the
user's; and the user exists and is active.

Events name sessions by ``key_digest``, never by key, except the new key of
a rekey, which the process needs to look the session up.
"""

import asyncio
import logging
from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from parley.conf import parley_settings
from parley.db import database_sync_to_async
from parley.realtime import periodic
from parley.realtime.interfaces import HubView, Socket
from parley.services.sessions import Credential, ended, key_digest
from parley.wire.frames import CloseCode

logger = logging.getLogger(__name__)

# The scope key holding the id of the API token a socket signed in with (set
# by parley.realtime.auth.TokenAuthMiddleware).
TOKEN_ID_SCOPE_KEY = "parley.token_id"
# A socket the periodic check finds signed out is judged again this much
# later before it is closed, in seconds. A password change ends the old
# session key (and the old auth hash) a moment before the request's rekey
# event moves the changer's sockets to the new key; a check that falls in
# between must not close them. Checks asked for by events come after the
# rekey and close at once.
CONFIRM_SECS = 2.0


def credential_of(scope: dict[str, Any]) -> Credential:
    """The credential of the signed-in socket whose ASGI scope is ``scope``.

    Reads ``scope["user"]`` and either ``scope[TOKEN_ID_SCOPE_KEY]`` (set by
    ``TokenAuthMiddleware``) or the key of ``scope["session"]`` (Channels'
    ``SessionMiddleware``), without touching the session store.
    """
    user_id = scope["user"].pk
    token_id = scope.get(TOKEN_ID_SCOPE_KEY)
    if token_id is not None:
        return Credential(user_id, token_id=token_id)
    session = scope.get("session")
    key = session.session_key if session is not None else None
    return Credential(user_id, session_key=key)


# The watch (async: it runs in the hub's event loop) -----------------------


class SessionWatch:
    """The credentials of one process's sockets, and their closing.

    The hub (``parley.realtime.hub``) adds every socket it attaches, hands
    over session events and runs ``check_periodically``.

    Attributes:
        credentials: each attached socket -> what it signed in with.
    """

    def __init__(self, hub: HubView) -> None:
        self.hub = hub
        self.credentials: dict[Socket, Credential] = {}

    def add(self, socket: Socket) -> None:
        """Watch ``socket``'s credential, read from its scope."""
        self.credentials[socket] = credential_of(socket.scope)

    def discard(self, socket: Socket) -> None:
        """Stop watching ``socket`` (idempotent)."""
        self.credentials.pop(socket, None)

    def receive(self, event: dict[str, Any]) -> None:
        """Apply a session event to this process's sockets of its user.

        In order: rekeyed sessions move their sockets to the new key; the
        sockets of ended sessions and revoked tokens close; then, if asked,
        the user's remaining sockets are checked against the store.
        """
        sockets = [
            socket
            for socket in tuple(self.hub.users.get(event["user_id"], ()))
            if socket in self.credentials
        ]
        rekey = event.get("rekey") or {}
        ended_sessions = set(event.get("sessions") or ())
        revoked = set(event.get("tokens") or ())
        for socket in sockets:
            credential = self.credentials[socket]
            digest = credential.session_key and key_digest(credential.session_key)
            if digest in rekey:
                self.credentials[socket] = replace(
                    credential, session_key=rekey[digest]
                )
            elif digest in ended_sessions:
                self.end(socket, "signed out")
            elif credential.token_id in revoked:
                self.end(socket, "token revoked")
        if event.get("check"):
            self.hub.spawn(self.check([s for s in sockets if s in self.credentials]))

    async def failing(self, sockets: Iterable[Socket] | None = None) -> list[Socket]:
        """The sockets (all if None) whose credential no longer signs in.

        A socket rekeyed or closed while the store was read is left out: its
        newer credential is judged next time.

        Raises:
            Exception: the database failed.
        """
        watched = [
            (socket, self.credentials[socket])
            for socket in (self.credentials if sockets is None else sockets)
            if socket in self.credentials
        ]
        if not watched:
            return []
        failed = await database_sync_to_async(ended)(
            credential for _, credential in watched
        )
        return [
            socket
            for socket, credential in watched
            if credential in failed and self.credentials.get(socket) == credential
        ]

    async def check(self, sockets: Iterable[Socket] | None = None) -> int:
        """Close the sockets (all if None) whose credential no longer signs in.

        Returns:
            how many sockets were closed.

        Raises:
            Exception: the database failed; nothing was closed.
        """
        closing = await self.failing(sockets)
        for socket in closing:
            self.end(socket, "sign-in no longer valid")
        return len(closing)

    async def sweep(self) -> int:
        """One round of the periodic check: find the failing sockets, and
        close those still failing ``CONFIRM_SECS`` later.

        Returns:
            how many sockets were closed.
        """
        suspects = await self.failing()
        if not suspects:
            return 0
        await asyncio.sleep(CONFIRM_SECS)
        return await self.check(suspects)

    async def check_periodically(self) -> None:
        """Run ``sweep`` every ``PARLEY_SESSION_CHECK_SECS`` (±20%)."""
        await periodic.every(
            lambda: parley_settings.SESSION_CHECK_SECS, self.sweep, "session check"
        )

    def end(self, socket: Socket, reason: str) -> None:
        """Close ``socket`` with 4001 (session ended), beside the caller."""
        self.discard(socket)
        logger.info("session ended: socket %s closed (%s)", socket, reason)
        self.hub.spawn(socket.end(CloseCode.SESSION_ENDED))
