"""The handshake timeout of ``parley.ops.handshake``, for Daphne.

A module of its own, imported by ``parley serve --server daphne`` only:
importing ``daphne.server`` first installs Twisted's asyncio reactor, which
must happen before anything imports ``twisted.internet.reactor``.
"""

import logging
from typing import Any

import daphne.server  # first: it installs the asyncio reactor
from daphne.http_protocol import HTTPFactory as DaphneBaseHTTPFactory
from twisted.internet import reactor

from parley.ops.handshake import timeout_secs

logger = logging.getLogger(__name__)


class DaphneHTTPFactory(DaphneBaseHTTPFactory):
    """Daphne's HTTP factory with the handshake timeout: each connection's
    Twisted ``HTTPChannel`` is closed unless its first request's headers
    are all in within the timeout (``allHeadersReceived`` disarms the
    timer). ``parley serve --server daphne`` puts it in
    ``daphne.server.HTTPFactory`` (``install``), the name Daphne's server
    builds its factory from."""

    def buildProtocol(self, addr: Any) -> Any:
        protocol = super().buildProtocol(addr)
        secs = timeout_secs()
        if secs is None:
            return protocol
        # Twisted wraps the HTTP/1.1 channel for ALPN (HTTP/2) in
        # _GenericHTTPChannelProtocol; the channel parses the request head.
        channel = protocol._channel
        timer = reactor.callLater(secs, _expire, channel, secs)
        headers_received = channel.allHeadersReceived

        def all_headers_received() -> None:
            if timer.active():
                timer.cancel()
            headers_received()

        channel.allHeadersReceived = all_headers_received
        return protocol


def _expire(channel: Any, secs: float) -> None:
    transport = channel.transport
    if transport is not None and transport.connected:
        logger.info(
            "connection from %s closed: no request within %s s",
            transport.getPeer(),
            secs,
        )
        transport.abortConnection()


def install() -> None:
    """Make Daphne's server build ``DaphneHTTPFactory`` (call before it
    runs, in the ``parley serve`` process only)."""
    daphne.server.HTTPFactory = DaphneHTTPFactory
