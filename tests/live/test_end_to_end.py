"""End to end against a real Uvicorn process with real WebSocket clients."""

import asyncio

import pytest
import websockets

from tests.support.servers import (
    ParleyServer,
    User,
    collect,
    recv,
    recv_type,
    send,
    subscribe,
    unique,
)


async def test_two_users_each_receive_each_message_once(alice: User, bob: User):
    room = unique("lobby")
    async with await alice.connect() as a, await bob.connect() as b:
        await subscribe(a, room)
        await subscribe(b, room)
        await send(a, type="send", room=room, text="hi bob", client_id="a1")
        await send(b, type="send", room=room, text="hi alice", client_id="b1")
        ack = await recv_type(a, "ack")
        assert ack["client_id"] == "a1" and ack["seq"] in (1, 2)
        for ws in (a, b):
            got = await collect(ws, "message", 2)
            assert sorted(m["text"] for m in got) == ["hi alice", "hi bob"]
            assert [m["seq"] for m in got] == [1, 2]
        await send(a, type="ping")
        assert (await recv(a))[
            "type"
        ] == "pong"  # nothing else, no duplicate, was queued
        await send(b, type="ping")
        assert (await recv(b))["type"] == "pong"


async def test_history_survives_a_server_restart(tmp_path):
    server = ParleyServer(tmp_path).start()
    try:
        user = User.sign_up(server, "restarter")
        async with await user.connect() as ws:
            await subscribe(ws, "durable")
            for i in range(3):
                await send(
                    ws, type="send", room="durable", text=f"m{i}", client_id=f"c{i}"
                )
                await recv_type(ws, "ack")
        server.restart()
        with user.http() as http:
            page = http.get("/api/rooms/durable/messages").json()
        assert [m["text"] for m in page["messages"]] == ["m2", "m1", "m0"]
        async with await user.connect() as ws:
            subscribed = await subscribe(ws, "durable", after=1)
            assert subscribed["last_seq"] == 3
            assert [(await recv(ws))["text"] for _ in range(2)] == ["m1", "m2"]
    finally:
        server.stop()


@pytest.mark.parametrize("name", ["лобби", "会议", "café-crème"])
async def test_unicode_room_names_work(alice: User, bob: User, name: str):
    async with (
        await alice.connect() as a,
        await bob.connect(f"/ws/chat/{name}/") as tutorial,
    ):
        assert (await subscribe(a, name))["room"] == name
        await send(a, type="send", room=name, text="привет 你好", client_id=unique("u"))
        assert (await recv_type(a, "message"))["text"] == "привет 你好"
        assert (await recv(tutorial))["message"] == "привет 你好"
    with alice.http() as http:
        assert http.get(f"/api/rooms/{name}").json()["slug"] == name


BAD_FRAMES = [
    ("not json", "invalid_json"),
    ("[1, 2]", "invalid_json"),
    ('{"type": "dance"}', "unknown_type"),
    ('{"no": "type"}', "unknown_type"),
    ('{"type": "subscribe"}', "invalid_frame"),
    ('{"type": "subscribe", "room": "x", "after": -1}', "invalid_frame"),
    ('{"type": "send", "room": "x", "text": "hi"}', "invalid_frame"),
    ('{"type": "send", "room": "x", "text": 5, "client_id": "c"}', "invalid_frame"),
    ('{"type": "subscribe", "room": "Not A Slug"}', "invalid_room"),
    (
        '{"type": "send", "room": "no-such-room-here", "text": "hi", "client_id": "c"}',
        "room_not_found",
    ),
]


async def test_bad_input_gets_an_error_and_the_socket_stays_usable(alice: User):
    room = unique("robust")
    async with await alice.connect() as ws:
        await subscribe(ws, room)
        await send(ws, type="send", room=room, text="kept", client_id="first")
        await recv_type(ws, "ack")
        await recv_type(ws, "message")
        for raw, code in BAD_FRAMES:
            await ws.send(raw)
            frame = await recv(ws)
            assert (frame["type"], frame["code"]) == ("error", code), raw
            assert frame["message"]
        await send(ws, type="send", room=room, text="x" * 4001, client_id="long")
        assert (await recv(ws))["code"] == "text_too_long"
        await send(ws, type="send", room=room, text="   ", client_id="blank")
        assert (await recv(ws)) | {"message": ""} == {
            "type": "error",
            "code": "invalid_text",
            "message": "",
            "ref": "blank",
        }
        await ws.send("{" + " " * 70_000 + "}")
        assert (await recv(ws))["code"] == "frame_too_large"
        await send(ws, type="ping", ref="still-there")
        assert await recv(ws) == {"type": "pong", "ref": "still-there"}
    with alice.http() as http:
        page = http.get(f"/api/rooms/{room}/messages").json()
    assert [m["text"] for m in page["messages"]] == ["kept"]


async def test_frames_over_the_server_limit_close_the_socket_with_1009(alice: User):
    async with await alice.connect() as ws:
        await ws.send("x" * (256 * 1024 + 1))
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await recv(ws)
    assert closed.value.rcvd.code == 1009


async def test_anonymous_and_foreign_origin_sockets_are_refused(
    server: ParleyServer, alice: User
):
    with pytest.raises(websockets.InvalidStatus) as anonymous:
        await websockets.connect(
            server.ws_url + "/ws/", additional_headers={"Origin": server.base_url}
        )
    assert anonymous.value.response.status_code == 403
    for origin in ("http://evil.example", "http://127.0.0.1.evil.example", "null"):
        with pytest.raises(websockets.InvalidStatus) as foreign:
            await alice.connect(origin=origin)
        assert foreign.value.response.status_code == 403
    with pytest.raises(websockets.InvalidStatus):
        await websockets.connect(server.ws_url + "/ws/chat/lobby/")


async def test_tutorial_socket_and_protocol_socket_see_each_other(
    alice: User, bob: User
):
    room = unique("tutorial")
    async with (
        await alice.connect(f"/ws/chat/{room}/") as tutorial,
        await bob.connect() as ws,
    ):
        await subscribe(ws, room)
        await tutorial.send('{"message": "from the tutorial page"}')
        got = await recv_type(ws, "message")
        assert (got["text"], got["author"], got["seq"]) == (
            "from the tutorial page",
            alice.username,
            1,
        )
        echo = await recv(tutorial)
        assert (
            echo["message"] == "from the tutorial page"
            and echo["author"] == alice.username
        )
        await send(ws, type="send", room=room, text="from /ws/", client_id="b")
        assert (await recv(tutorial))["message"] == "from /ws/"
        await tutorial.send("not json")
        assert (await recv(tutorial))["code"] == "invalid_json"


async def test_a_repeated_send_returns_the_first_ack_and_stores_once(
    alice: User, bob: User
):
    room = unique("idem")
    async with await alice.connect() as a, await bob.connect() as b:
        await subscribe(a, room)
        await subscribe(b, room)
        await asyncio.gather(
            *(
                send(a, type="send", room=room, text="once", client_id="same")
                for _ in range(3)
            )
        )
        acks = await collect(a, "ack", 3)
        assert len({(ack["id"], ack["seq"]) for ack in acks}) == 1
        assert (await recv_type(b, "message"))["text"] == "once"
        await send(b, type="ping")
        assert (await recv(b))["type"] == "pong"
    with alice.http() as http:
        assert len(http.get(f"/api/rooms/{room}/messages").json()["messages"]) == 1


async def test_daphne_serves_the_same_protocol(tmp_path):
    server = ParleyServer(tmp_path, server="daphne").start()
    try:
        user = User.sign_up(server, "daphne_user")
        async with await user.connect() as ws:
            await subscribe(ws, "under-daphne")
            await send(ws, type="send", room="under-daphne", text="hi", client_id="d")
            assert (await recv_type(ws, "message"))["text"] == "hi"
    finally:
        server.stop()
