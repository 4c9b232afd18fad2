"""``parley serve`` under each ASGI server: Uvicorn, Daphne, Gunicorn.

Each is started for real on a loopback port and smoke-tested with a real
WebSocket client; Gunicorn runs two Uvicorn workers on a Redis layer.
"""

import asyncio

import pytest
import websockets
from django.core.management import call_command
from django.core.management.base import CommandError

from tests.support.servers import (
    ParleyServer,
    User,
    collect,
    recv,
    recv_type,
    send,
    subscribe,
)

# A frame limit above the protocol's own (PARLEY_MAX_FRAME_BYTES, 64 KiB),
# so that a frame of exactly this size reaches Parley and is refused by it.
WS_MAX_FRAME_BYTES = 100_000


@pytest.fixture(params=["uvicorn", "daphne", "gunicorn"])
def any_server(request: pytest.FixtureRequest, tmp_path):
    env = {"PARLEY_WS_MAX_FRAME_BYTES": str(WS_MAX_FRAME_BYTES)}
    if request.param == "gunicorn":
        redis = request.getfixturevalue("redis_server")
        env |= {"WEB_CONCURRENCY": "2", "CHANNEL_LAYER_URL": redis.url}
    server = ParleyServer(tmp_path, env, server=request.param).start()
    yield server
    server.stop()


async def test_each_server_serves_the_protocol(any_server: ParleyServer):
    """A socket subscribes, sends, and gets its ack and its message."""
    user = User.sign_up(any_server, "smoke")
    async with await user.connect() as ws:
        await subscribe(ws, "smoke")
        await send(ws, type="send", room="smoke", text="hello", client_id="s1")
        ack = await recv_type(ws, "ack")
        message = await recv_type(ws, "message")
    assert ack["client_id"] == "s1" and ack["seq"] == 1
    assert (message["text"], message["seq"], message["author"]) == ("hello", 1, "smoke")


@pytest.mark.parametrize(
    ("server", "workers"),
    [("uvicorn", "1"), ("uvicorn", "2"), ("gunicorn", "2"), ("daphne", "1")],
)
async def test_every_server_path_keeps_compression_off_and_the_frame_limit(
    tmp_path, request, server, workers
):
    """The client offers per-message deflate and is refused; a frame of
    PARLEY_WS_MAX_FRAME_BYTES reaches Parley, one byte more closes 1009
    (Daphne, with Autobahn's failByDrop, drops the connection instead)."""
    env = {"PARLEY_WS_MAX_FRAME_BYTES": str(WS_MAX_FRAME_BYTES)}
    if workers != "1":
        env["CHANNEL_LAYER_URL"] = request.getfixturevalue("redis_server").url
        env["WEB_CONCURRENCY"] = workers
    parley = ParleyServer(tmp_path, env, server=server).start()
    try:
        user = User.sign_up(parley, "limits")
        async with await user.connect() as ws:
            offered = ws.request.headers["Sec-WebSocket-Extensions"]
            assert "permessage-deflate" in offered
            assert "Sec-WebSocket-Extensions" not in ws.response.headers
            await ws.send("x" * WS_MAX_FRAME_BYTES)
            assert (await recv(ws))["code"] == "frame_too_large"
            await ws.send("x" * (WS_MAX_FRAME_BYTES + 1))
            with pytest.raises(websockets.ConnectionClosed) as closed:
                await recv(ws)
            received = closed.value.rcvd
            assert (received.code if received else None) == (
                None if server == "daphne" else 1009
            )
    finally:
        parley.stop()


async def test_gunicorn_workers_share_rooms_through_the_layer(tmp_path, redis_server):
    """Sockets spread over two workers all see every message."""
    env = {"CHANNEL_LAYER_URL": redis_server.url, "WEB_CONCURRENCY": "2"}
    parley = ParleyServer(tmp_path, env, server="gunicorn").start()
    try:
        users = [User.sign_up(parley, f"worker{i}") for i in range(4)]
        sockets = [await user.connect() for user in users]
        try:
            for ws in sockets:
                await subscribe(ws, "shared")
            for i, ws in enumerate(sockets):
                await send(ws, type="send", room="shared", text=str(i), client_id="c")
            for ws in sockets:
                texts = {m["text"] for m in await collect(ws, "message", 4)}
                assert texts == {"0", "1", "2", "3"}
        finally:
            for ws in sockets:
                await ws.close()
    finally:
        parley.stop()


@pytest.mark.parametrize(
    ("server", "workers", "refusal"),
    [
        ("gunicorn", "2", "in-memory channel layer would split every room"),
        ("uvicorn", "3", "in-memory channel layer would split every room"),
        ("daphne", "2", "Daphne runs one process"),
        ("gunicorn", "0", "at least 1"),
    ],
)
def test_worker_counts_that_cannot_work_are_refused_at_start(server, workers, refusal):
    """Several workers on the in-memory layer (the test settings' layer)
    would split rooms: refused before anything is served."""
    with pytest.raises(CommandError, match=refusal):
        call_command("serve", "--server", server, "--workers", workers)


# Connections that trickle their handshake, and the bound given to
# `parley serve --handshake-timeout`, in seconds: 3, not 1, because a busy
# CI machine stalled Daphne's loop long enough for its 1 s timer to fire
# before it read the patient client's complete head (the 12 s trickle still
# ends long after 3 s).
SLOW_CONNECTIONS = 50
HANDSHAKE_TIMEOUT_SECS = 3
SLOW_HANDSHAKE = b"GET /ws/ HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"


async def trickle(port: int) -> bool:
    """Send a handshake a byte every 0.2 s; True once the server closes."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        for byte in SLOW_HANDSHAKE:
            writer.write(bytes([byte]))
            try:
                await writer.drain()
                if await asyncio.wait_for(reader.read(1024), 0.2) == b"":
                    return True
            except TimeoutError:
                continue
            except ConnectionError:
                return True
        return False  # the whole head went in 12 s without a close
    finally:
        writer.close()


@pytest.mark.parametrize(
    ("server", "workers"),
    [("uvicorn", "1"), ("uvicorn", "2"), ("gunicorn", "2"), ("daphne", "1")],
)
async def test_every_server_closes_a_handshake_that_trickles(
    tmp_path, request, server, workers
):
    """50 connections that send their handshake a byte every 0.2 s are each
    closed by the server (``--handshake-timeout 3``) before their request
    head is complete; a client that handshakes at once stays connected past
    the timeout and is served."""
    env: dict[str, str] = {}
    if workers != "1":
        env["CHANNEL_LAYER_URL"] = request.getfixturevalue("redis_server").url
        env["WEB_CONCURRENCY"] = workers
    parley = ParleyServer(
        tmp_path,
        env,
        server=server,
        args=["--handshake-timeout", str(HANDSHAKE_TIMEOUT_SECS)],
    ).start()
    try:
        user = User.sign_up(parley, "patient")
        async with await user.connect() as ws:
            closed = await asyncio.gather(
                *(trickle(parley.port) for _ in range(SLOW_CONNECTIONS))
            )
            assert all(closed), f"{closed.count(False)} slow handshakes held"
            await send(ws, type="ping", ref="still")
            assert await recv_type(ws, "pong") == {"type": "pong", "ref": "still"}
    finally:
        parley.stop()
