"""Hostile input against a real server: each probe gets the answer
``docs/security.md`` ("Hostile input: the answers") promises.

The session's Uvicorn (memory layer, SQLite) unless a test needs its own.
"""

import asyncio

import pytest
from websockets.exceptions import ConnectionClosed

from tests.support.servers import (
    ParleyServer,
    User,
    recv,
    recv_type,
    send,
    subscribe,
    unique,
)


@pytest.mark.parametrize("path", ["/ws/", "/ws/chat/{room}/"])
async def test_a_binary_frame_closes_the_socket_with_1003(alice: User, path: str):
    """Frames are JSON text: a binary one, even of valid JSON, is refused
    with close 1003 (unsupported data), not parsed."""
    ws = await alice.connect(path.format(room=unique("binary")))
    await ws.send(b'{"type": "ping", "ref": "p"}')
    with pytest.raises(ConnectionClosed) as closed:
        await asyncio.wait_for(ws.recv(), 10)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1003


async def test_a_client_id_reused_with_another_text_is_a_conflict(alice: User):
    """The same text again returns the first ack; another text under the
    same ``client_id`` is refused with ``client_id_conflict`` and stored
    nowhere."""
    room = unique("idem")
    async with await alice.connect() as ws:
        await subscribe(ws, room)
        await send(ws, type="send", room=room, text="first", client_id="k1")
        first = await recv_type(ws, "ack")
        await send(ws, type="send", room=room, text="first", client_id="k1")
        assert (await recv_type(ws, "ack"))["id"] == first["id"]
        await send(ws, type="send", room=room, text="second", client_id="k1", ref="r")
        error = await recv_type(ws, "error")
        assert (error["code"], error["ref"]) == ("client_id_conflict", "r")
    with alice.http() as http:
        history = http.get(f"/api/rooms/{room}/messages").json()
    assert [m["text"] for m in history["messages"]] == ["first"]


async def test_a_direct_slug_answers_alike_with_or_without_a_conversation(
    alice: User, bob: User, server: ParleyServer
):
    """A third person asking for ``dm-<a>-<b>`` gets ``room_not_found``
    whether or not a and b have a conversation, on the socket and over
    HTTP."""
    with alice.http() as http:
        slug = http.post(f"/api/direct/{bob.username}").json()["slug"]
    low, high = (int(part) for part in slug.split("-")[1:])
    absent = f"dm-{low}-{high + 1000}"
    carol = User.sign_up(server, unique("carol"))
    answers = []
    async with await carol.connect() as ws:
        for room in (slug, absent):
            await send(ws, type="subscribe", room=room)
            frame = await recv(ws)
            answers.append((frame["type"], frame.get("code"), frame.get("message")))
    assert answers[0] == answers[1]
    assert answers[0][:2] == ("error", "room_not_found")
    with carol.http() as http:
        bodies = [http.get(f"/api/rooms/{room}").json() for room in (slug, absent)]
    assert bodies[0] == bodies[1]
    assert bodies[0]["code"] == "room_not_found"


async def test_a_subscribe_flood_sends_the_room_no_presence(alice: User, bob: User):
    """Alice alternates subscribe and unsubscribe 200 times: Bob, in the
    room, gets no ``presence`` frame for it; when she then stays, one."""
    room = unique("flicker")
    async with await bob.connect() as watcher, await alice.connect() as flooder:
        await subscribe(watcher, room)
        for _ in range(200):
            await send(flooder, type="subscribe", room=room)
            await send(flooder, type="unsubscribe", room=room, ref="u")
        while (await recv(flooder)).get("ref") != "u":
            pass
        # The last unsubscribed came back: every flip has happened. Wait out
        # the coalescing window (1 s) twice over, reading what Bob gets.
        heard = []
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(2.5):
                while True:
                    heard.append(await recv(watcher, timeout=5))
        about_alice = [
            f for f in heard if f["type"] == "presence" and f["user"] == alice.username
        ]
        assert about_alice == []
        await subscribe(flooder, room)
        while (arrived := await recv_type(watcher, "presence"))[
            "user"
        ] != alice.username:
            pass
        assert arrived["online"] is True
