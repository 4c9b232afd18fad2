"""A minimal, cheap WebSocket client for the load generator (RFC 6455).

The ``websockets`` client spends tens of microseconds of Python per received
frame (futures, an assembler, UTF-8 checks); a generator receiving 100,000
frames per second would then measure itself, not the server. This client is an
``asyncio.Protocol`` that parses server frames straight out of the receive
buffer and hands each message's payload (``bytes``, not decoded) to a
callback, answers pings and closes, and masks what it sends as the RFC
requires (section 5.3). It offers no extension, so no compression is ever
negotiated. It does only what the benchmark needs: no fragmentation on send,
no UTF-8 validation.
"""

import asyncio
import base64
import hashlib
import os
import struct
from collections.abc import Callable

# RFC 6455, section 1.3: the GUID appended to the key for Sec-WebSocket-Accept.
ACCEPT_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
OP_CONTINUATION, OP_TEXT, OP_BINARY = 0x0, 0x1, 0x2
OP_CLOSE, OP_PING, OP_PONG = 0x8, 0x9, 0xA
# A handshake response bigger than this is not a WebSocket server's.
MAX_HANDSHAKE_BYTES = 64 * 1024


class HandshakeRefused(Exception):
    """The server answered the upgrade with something other than 101.

    ``status`` is the HTTP status code (an ``int``, 0 if unreadable).
    """

    def __init__(self, status: int, head: bytes):
        super().__init__(f"handshake refused: HTTP {status}: {head[:200]!r}")
        self.status = status


def _mask(payload: bytes, key: bytes) -> bytes:
    """XOR ``payload`` with the 4-byte ``key`` repeated (RFC 6455, 5.3)."""
    length = len(payload)
    if not length:
        return payload
    repeated = (key * (length // 4 + 1))[:length]
    value = int.from_bytes(payload, "big") ^ int.from_bytes(repeated, "big")
    return value.to_bytes(length, "big")


class WebSocketClient(asyncio.Protocol):
    """One client socket. Build it with ``connect``.

    Args:
        on_message: called with each complete text or binary message's
            payload (``bytes``), in order, from the event loop.
        on_close: called once when the connection is lost (no argument).
    """

    def __init__(
        self,
        request: bytes,
        key: bytes,
        on_message: Callable[[bytes], None],
        on_close: Callable[[], None] | None = None,
    ):
        self.request = request
        self.expected_accept = base64.b64encode(
            hashlib.sha1(key + ACCEPT_GUID).digest()
        )
        self.on_message = on_message
        self.on_close = on_close
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.fragments: list[bytes] = []
        self.handshaken = False
        self.opened: asyncio.Future = asyncio.get_running_loop().create_future()
        self.closed = False
        self.mask_key = os.urandom(4)

    def connection_made(self, transport: asyncio.Transport) -> None:
        self.transport = transport
        transport.write(self.request)

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if not self.opened.done():
            self.opened.set_exception(
                exc or ConnectionError("closed during the handshake")
            )
        if self.on_close is not None:
            self.on_close()

    def data_received(self, data: bytes) -> None:
        buffer = self.buffer
        buffer += data
        if not self.handshaken:
            end = buffer.find(b"\r\n\r\n")
            if end < 0:
                if len(buffer) > MAX_HANDSHAKE_BYTES:
                    self._fail(HandshakeRefused(0, bytes(buffer)))
                return
            head = bytes(buffer[:end])
            del buffer[: end + 4]
            status_line, _, headers = head.partition(b"\r\n")
            try:
                status = int(status_line.split()[1])
            except (IndexError, ValueError):
                status = 0
            if status != 101 or self.expected_accept not in headers:
                self._fail(HandshakeRefused(status, head))
                return
            self.handshaken = True
            self.opened.set_result(None)
        self._parse()

    def _parse(self) -> None:
        buffer = self.buffer
        size = len(buffer)
        pos = 0
        on_message = self.on_message
        while size - pos >= 2:
            first, second = buffer[pos], buffer[pos + 1]
            length = second & 0x7F
            start = pos + 2
            if length == 126:
                if size - pos < 4:
                    break
                length = (buffer[pos + 2] << 8) | buffer[pos + 3]
                start = pos + 4
            elif length == 127:
                if size - pos < 10:
                    break
                (length,) = struct.unpack_from("!Q", buffer, pos + 2)
                start = pos + 10
            end = start + length
            if end > size:
                break
            opcode = first & 0x0F
            payload = bytes(buffer[start:end])
            pos = end
            if first & 0x80:  # FIN
                if opcode in (OP_TEXT, OP_BINARY):
                    on_message(payload)
                elif opcode == OP_CONTINUATION:
                    self.fragments.append(payload)
                    on_message(b"".join(self.fragments))
                    self.fragments.clear()
                elif opcode == OP_PING:
                    self._write_frame(OP_PONG, payload)
                elif opcode == OP_CLOSE:
                    self._write_frame(OP_CLOSE, payload[:2])
                    self.transport.close()
                    break
            else:
                self.fragments.append(payload)
        if pos:
            del buffer[:pos]

    def _write_frame(self, opcode: int, payload: bytes) -> None:
        if self.closed or self.transport.is_closing():
            return
        length = len(payload)
        if length < 126:
            header = struct.pack("!BB", 0x80 | opcode, 0x80 | length)
        elif length < 65536:
            header = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, length)
        else:
            header = struct.pack("!BBQ", 0x80 | opcode, 0x80 | 127, length)
        self.transport.write(header + self.mask_key + _mask(payload, self.mask_key))

    def _fail(self, error: Exception) -> None:
        if not self.opened.done():
            self.opened.set_exception(error)
        self.transport.close()

    def send_text(self, text: str | bytes) -> None:
        """Queue one text message (``str``, or UTF-8 ``bytes``) for sending."""
        self._write_frame(OP_TEXT, text.encode() if isinstance(text, str) else text)

    def close(self) -> None:
        """Send a normal close (1000) and drop the connection."""
        if not self.closed and self.transport is not None:
            self._write_frame(OP_CLOSE, struct.pack("!H", 1000))
            self.transport.close()


async def connect(
    host: str,
    port: int,
    path: str,
    on_message: Callable[[bytes], None],
    headers: dict[str, str] | None = None,
    on_close: Callable[[], None] | None = None,
    open_timeout: float = 30.0,
) -> WebSocketClient:
    """Open a WebSocket to ``ws://host:port/path`` and finish its handshake.

    Args:
        headers: extra handshake headers (``Authorization``, ``Origin``).
        open_timeout: seconds for the TCP connect and the handshake together.

    Returns:
        the open client.

    Raises:
        HandshakeRefused: the server did not answer 101 Switching Protocols.
        OSError, TimeoutError: the connection failed or took too long.
    """
    key = base64.b64encode(os.urandom(16))
    lines = [
        f"GET {path} HTTP/1.1",
        f"Host: {host}:{port}",
        "Upgrade: websocket",
        "Connection: Upgrade",
        f"Sec-WebSocket-Key: {key.decode()}",
        "Sec-WebSocket-Version: 13",
        *(f"{name}: {value}" for name, value in (headers or {}).items()),
    ]
    request = ("\r\n".join(lines) + "\r\n\r\n").encode()
    loop = asyncio.get_running_loop()
    async with asyncio.timeout(open_timeout):
        _, client = await loop.create_connection(
            lambda: WebSocketClient(request, key, on_message, on_close), host, port
        )
        await client.opened
    return client
