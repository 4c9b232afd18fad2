"""The Autobahn harness's echo server (``make compliance``, ``compliance/``)
boots under ``parley serve`` and echoes, so that the harness does not rot
between runs of the slow suite itself."""

import pytest
from compliance import run
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect


@pytest.fixture
def echo_server(tmp_path):
    env = run.parley_env(tmp_path / "data")
    token = run.create_user_and_token(env)
    server = run.Server("parley-echo", "compliance.settings", "/echo/", env, tmp_path)
    server.start()
    yield server, token
    server.stop()


def test_the_echo_socket_sends_back_text_and_binary_in_order(echo_server):
    """A signed-in client gets each message back, of its kind and in order;
    an anonymous one is refused at the handshake, as on Parley's sockets."""
    server, token = echo_server
    with connect(
        server.ws_url,
        additional_headers={"Authorization": f"Bearer {token}"},
        open_timeout=10,
    ) as ws:
        for message in ["привет", b"\x00\xff", "", b"", "x" * 70_000]:
            ws.send(message)
        assert [ws.recv(timeout=10) for _ in range(5)] == [
            "привет",
            b"\x00\xff",
            "",
            b"",
            "x" * 70_000,
        ]
    with pytest.raises(InvalidStatus) as refused:
        connect(server.ws_url, open_timeout=10)
    assert refused.value.response.status_code == 403
