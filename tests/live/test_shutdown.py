"""SIGTERM: sockets finish what they hold, close with 1001, users leave at once."""

import asyncio
import signal

import websockets

from tests.support.servers import (
    ParleyServer,
    User,
    collect,
    recv,
    recv_type,
    send,
    subscribe,
    two_servers,
)


async def closed_with(ws) -> tuple[int | None, list[dict]]:
    """Read until the socket closes: (its close code, the frames read)."""
    frames = []
    try:
        async with asyncio.timeout(20):
            while True:
                frames.append(await recv(ws))
    except websockets.ConnectionClosed as closed:
        return (closed.rcvd.code if closed.rcvd else None), frames


# Sends acknowledged before the signal, and sends still in flight when it
# comes: the first prove the acks are checked, the second test the drain.
SENT_BEFORE_SIGNAL = 10
SENT_INTO_THE_DRAIN = 10


async def test_sigterm_closes_with_going_away_after_acking_what_it_stored(tmp_path):
    """Every send acknowledged before the signal, and any the drain
    acknowledged, is stored once; the socket then closes with 1001."""
    server = ParleyServer(tmp_path).start()
    try:
        user = User.sign_up(server, "leaver")
        async with await user.connect() as ws:
            await subscribe(ws, "exit")
            for i in range(SENT_BEFORE_SIGNAL):
                await send(
                    ws, type="send", room="exit", text=f"m{i}", client_id=f"c{i}"
                )
            acks_before = await collect(ws, "ack", SENT_BEFORE_SIGNAL)
            for i in range(
                SENT_BEFORE_SIGNAL, SENT_BEFORE_SIGNAL + SENT_INTO_THE_DRAIN
            ):
                await send(
                    ws, type="send", room="exit", text=f"m{i}", client_id=f"c{i}"
                )
            server.process.send_signal(signal.SIGTERM)
            code, frames = await closed_with(ws)
        assert code == 1001
        assert [a["client_id"] for a in acks_before] == [
            f"c{i}" for i in range(SENT_BEFORE_SIGNAL)
        ], "a send made before the signal was not acknowledged"
        acks = acks_before + [f for f in frames if f["type"] == "ack"]
        acked = {a["seq"]: a["client_id"] for a in acks}
        assert len(acked) == len(acks), "a seq was acknowledged twice"
        await asyncio.to_thread(server.stop)
        server.start()
        history = user.http().get("/api/rooms/exit/messages?limit=50").json()
        stored = {m["seq"]: m["text"] for m in history["messages"]}
        assert set(acked) <= set(stored), "an acknowledged message was lost"
        for seq, client_id in acked.items():
            assert stored[seq] == "m" + client_id.removeprefix("c")
    finally:
        server.stop()


async def presence_of(ws, user: str, timeout: float = 10) -> dict:
    """The next ``presence`` frame about ``user``. Others' are skipped: a
    socket also hears its own user come online, up to
    ``PARLEY_PRESENCE_COALESCE_SECS`` after it subscribed."""
    async with asyncio.timeout(timeout):
        while (frame := await recv_type(ws, "presence"))["user"] != user:
            pass
    return frame


async def test_a_process_shutting_down_takes_its_users_offline_at_once(
    tmp_path, redis_server
):
    # The presence TTL stays at its 30 s default: only the process's
    # goodbye can take its users offline within the wait below.
    env = {"CHANNEL_LAYER_URL": redis_server.url}
    with two_servers(tmp_path, env) as (leaving, staying):
        gone, stays = User.sign_up(leaving, "bye"), User.sign_up(staying, "hi")
        async with await gone.connect() as g, await stays.connect() as s:
            await subscribe(g, "lounge")
            if "bye" not in (await subscribe(s, "lounge"))["online"]:
                assert (await presence_of(s, "bye"))["online"] is True
            leaving.process.send_signal(signal.SIGTERM)
            assert (await presence_of(s, "bye"))["online"] is False
            assert (await closed_with(g))[0] == 1001
