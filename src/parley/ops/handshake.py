"""A bound on how long a connection may take to send its request head.

A client that opens a connection and sends its HTTP request (a WebSocket
handshake, say) one byte a second holds a connection, a file descriptor and
some memory for as long as it likes: Uvicorn times out idle keep-alive
connections, but not a first request that is still arriving (slowloris).
Parley closes a connection whose first request head is not complete within
``PARLEY_HANDSHAKE_TIMEOUT_SECS`` (``parley serve --handshake-timeout``).

For Uvicorn (one process, ``--workers`` and Gunicorn's Uvicorn workers),
``HttpToolsProtocol`` and ``H11Protocol`` are Uvicorn's HTTP protocols with
that timer (``uvicorn_protocol`` names the one to use: its ``http``
option). For Daphne, ``parley.ops.daphne_handshake`` arms the same timer
on Twisted's HTTP channel (a module of its own: it loads Twisted).
"""

import logging
from typing import Any

from uvicorn.protocols.http.h11_impl import H11Protocol as UvicornH11Protocol
from uvicorn.protocols.http.httptools_impl import (
    HttpToolsProtocol as UvicornHttpToolsProtocol,
)

from parley.conf import parley_settings

logger = logging.getLogger(__name__)


def timeout_secs() -> float | None:
    """``PARLEY_HANDSHAKE_TIMEOUT_SECS``; None (no bound) for 0 or less."""
    secs = float(parley_settings.HANDSHAKE_TIMEOUT_SECS)
    return secs if secs > 0 else None


class HandshakeTimeout:
    """Mixed into a Uvicorn HTTP protocol: close the connection if its first
    request head has not arrived within the timeout. A connection upgraded
    to a WebSocket, or whose first request arrived, is left alone."""

    loop: Any
    transport: Any
    cycle: Any
    handshake_timer: Any = None

    def connection_made(self, transport: Any) -> None:
        super().connection_made(transport)  # type: ignore[misc]
        secs = timeout_secs()
        if secs is not None:
            self.handshake_timer = self.loop.call_later(secs, self.handshake_expired)

    def connection_lost(self, exc: Exception | None) -> None:
        if self.handshake_timer is not None:
            self.handshake_timer.cancel()
        super().connection_lost(exc)  # type: ignore[misc]

    def handshake_expired(self) -> None:
        """The timer's end: close the connection if it is still waiting for
        its first request head (never one that was upgraded)."""
        transport = self.transport
        if self.cycle is not None or transport is None or transport.is_closing():
            return
        if transport.get_protocol() is not self:
            return  # upgraded to a WebSocket: its own protocol owns it now
        logger.info(
            "connection from %s closed: no request within %s s",
            transport.get_extra_info("peername"),
            timeout_secs(),
        )
        transport.close()


class H11Protocol(HandshakeTimeout, UvicornH11Protocol):
    """Uvicorn's h11 protocol with the handshake timeout."""


class HttpToolsProtocol(HandshakeTimeout, UvicornHttpToolsProtocol):
    """Uvicorn's httptools protocol (its choice when httptools is installed,
    as ``uvicorn[standard]`` has it) with the handshake timeout."""


def uvicorn_protocol() -> str:
    """The import path of the protocol class for Uvicorn's ``http`` option
    (a path, not the class: ``--workers`` processes import it themselves)."""
    return f"{__name__}:HttpToolsProtocol"
