"""A TCP relay for tests: a broker that is down, then back.

``TcpRelay(target_port)`` reserves a free loopback port. Until ``start()``
nothing listens there, so a client given that port finds its broker down
(connection refused); after ``start()`` every connection is passed on to
``target_port``. Threads do the copying, so the relay works beside any
event loop, in the test process or in a ``parley shell`` script.
"""

import contextlib
import socket
import threading

from tests.support.servers import free_port

# Bytes copied per read; AMQP frames are small.
CHUNK_BYTES = 65536


class TcpRelay:
    """Relays ``127.0.0.1:<port>`` to ``127.0.0.1:<target_port>`` once
    started; ``accepted`` is set at its first connection. ``port`` is a free
    one unless given."""

    def __init__(self, target_port: int, port: int | None = None):
        self.target_port = target_port
        self.port = port or free_port()
        self.accepted = threading.Event()
        self._listener: socket.socket | None = None
        self._sockets: list[socket.socket] = []

    @property
    def amqp_url(self) -> str:
        """RabbitMQ's default user and vhost, through the relay."""
        return f"amqp://guest:guest@127.0.0.1:{self.port}/%2F"

    def start(self) -> "TcpRelay":
        self._listener = socket.create_server(("127.0.0.1", self.port))
        threading.Thread(target=self._accept, daemon=True).start()
        return self

    def _accept(self) -> None:
        assert self._listener is not None
        while True:
            try:
                client, _address = self._listener.accept()
            except OSError:  # closed by stop()
                return
            target = socket.create_connection(("127.0.0.1", self.target_port))
            self._sockets += [client, target]
            for source, sink in ((client, target), (target, client)):
                threading.Thread(target=_copy, args=(source, sink), daemon=True).start()
            self.accepted.set()

    def stop(self) -> None:
        """Close the listener and every relayed connection (shut down first:
        on Linux a mere close does not wake a thread blocked on it)."""
        for sock in [self._listener, *self._sockets]:
            if sock is not None:
                _shut(sock)
                sock.close()

    def __enter__(self) -> "TcpRelay":
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def _copy(source: socket.socket, sink: socket.socket) -> None:
    try:
        while data := source.recv(CHUNK_BYTES):
            sink.sendall(data)
    except OSError:  # the other side or stop() closed it
        pass
    finally:
        _shut(source)
        _shut(sink)


def _shut(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
