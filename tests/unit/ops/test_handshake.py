"""The handshake timeout's rule (``parley.ops.handshake``), on a fake
transport; ``tests/live/test_servers.py`` trickles real handshakes at
every server ``parley serve`` runs."""

from parley.ops import handshake


class FakeTransport:
    def __init__(self) -> None:
        self.protocol = None
        self.closed = False

    def get_protocol(self):
        return self.protocol

    def is_closing(self) -> bool:
        return self.closed

    def get_extra_info(self, name: str):
        return ("127.0.0.1", 1234)

    def close(self) -> None:
        self.closed = True


class Connection(handshake.HandshakeTimeout):
    """The mixin alone, on a transport that is its own."""

    def __init__(self) -> None:
        self.transport = FakeTransport()
        self.transport.protocol = self
        self.cycle = None


def test_a_connection_without_a_request_is_closed():
    connection = Connection()
    connection.handshake_expired()
    assert connection.transport.closed


def test_a_connection_whose_request_arrived_is_left_alone():
    connection = Connection()
    connection.cycle = object()
    connection.handshake_expired()
    assert not connection.transport.closed


def test_a_connection_upgraded_to_a_websocket_is_left_alone():
    connection = Connection()
    connection.transport.protocol = object()  # the WebSocket protocol now
    connection.handshake_expired()
    assert not connection.transport.closed


def test_zero_means_no_bound(settings):
    settings.PARLEY_HANDSHAKE_TIMEOUT_SECS = 0
    assert handshake.timeout_secs() is None
    settings.PARLEY_HANDSHAKE_TIMEOUT_SECS = 2.5
    assert handshake.timeout_secs() == 2.5


def test_uvicorn_imports_the_protocol_by_its_path():
    from uvicorn.config import Config

    config = Config("parley.site.asgi:application", http=handshake.uvicorn_protocol())
    config.load()
    assert config.http_protocol_class is handshake.HttpToolsProtocol
