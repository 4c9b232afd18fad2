"""Presence, typing, read state, edit and delete over real sockets.

One Uvicorn process for most tests (the session's ``server``); presence
across processes runs two on a real Redis, one of which is SIGKILLed.
"""

import asyncio
import signal

import pytest

from tests.support.servers import (
    ParleyServer,
    User,
    recv,
    recv_type,
    send,
    subscribe,
    two_servers,
    unique,
)


async def reply_to(ws, frame_type: str, ref: str) -> dict:
    """The ``frame_type`` frame answering ``ref`` (its broadcast may come first)."""
    while True:
        frame = await recv_type(ws, frame_type)
        if frame.get("ref") == ref:
            return frame


async def next_presence(ws, user: str, timeout: float = 10) -> bool:
    """Whether the next ``presence`` frame about ``user`` says online."""
    while True:
        frame = await recv_type(ws, "presence", timeout)
        if frame["user"] == user:
            return frame["online"]


async def test_presence_follows_a_user_across_tabs(alice: User, bob: User):
    room = unique("hall")
    async with await alice.connect() as a:
        assert (await subscribe(a, room))["online"] == [alice.username]
        async with await bob.connect() as b1, await bob.connect() as b2:
            assert (await subscribe(b1, room))["online"] == sorted(
                [alice.username, bob.username]
            )
            assert await next_presence(a, bob.username) is True
            await subscribe(b2, room)
            await b1.close()  # one of two tabs: bob is still here
            await send(a, type="ping")
            assert (await recv(a))["type"] == "pong"
        assert await next_presence(a, bob.username) is False


async def test_unsubscribing_leaves_the_room_for_presence(alice: User, bob: User):
    room = unique("porch")
    async with await alice.connect() as a, await bob.connect() as b:
        await subscribe(a, room)
        await subscribe(b, room)
        assert await next_presence(a, bob.username) is True
        await send(b, type="unsubscribe", room=room)
        assert await next_presence(a, bob.username) is False


async def test_typing_reaches_the_room_throttled_and_needs_a_subscription(
    alice: User, bob: User
):
    room = unique("desk")
    async with await alice.connect() as a, await bob.connect() as b:
        await subscribe(a, room)
        await send(b, type="typing", room=room, ref="t0")
        refused = await recv(b)
        assert (refused["code"], refused["ref"]) == ("not_subscribed", "t0")
        await subscribe(b, room)
        for _ in range(3):  # one passes; the rest fall in the throttle period
            await send(b, type="typing", room=room)
        typing = await recv_type(a, "typing")
        assert (typing["room"], typing["user"], typing["expires_in"]) == (
            room,
            bob.username,
            6.0,
        )
        await send(b, type="send", room=room, text="done typing", client_id="d")
        assert (await recv_type(a, "message"))["text"] == "done typing"
        await send(a, type="ping")
        frame = await recv(a)
        while frame["type"] == "presence":
            frame = await recv(a)
        assert frame["type"] == "pong", "throttled typing frames were passed on"


async def test_read_position_reaches_every_tab_and_sets_unread(alice: User, bob: User):
    room = unique("news")
    async with await alice.connect() as a:
        await subscribe(a, room)
        for i in range(3):
            await send(a, type="send", room=room, text=f"n{i}", client_id=f"n{i}")
            await recv_type(a, "ack")
    async with await bob.connect() as tab1, await bob.connect() as tab2:
        first = await subscribe(tab1, room)
        assert (first["last_seq"], first["read_seq"], first["unread"]) == (3, 0, 3)
        await subscribe(tab2, room)
        await send(tab1, type="read", room=room, seq=2)
        for tab in (tab1, tab2):
            read = await recv_type(tab, "read")
            assert (read["room"], read["seq"], read["unread"]) == (room, 2, 1)
        await send(tab1, type="read", room=room, seq=1)  # never moves back
        assert (await recv_type(tab2, "read"))["seq"] == 2
    async with await bob.connect() as again:
        assert (await subscribe(again, room))["unread"] == 1


async def test_edit_and_delete_are_live_and_guarded(alice: User, bob: User):
    room = unique("forum")
    async with await alice.connect() as a, await bob.connect() as b:
        await subscribe(a, room)  # alice creates the room: she owns it
        await subscribe(b, room)
        await send(b, type="send", room=room, text="tpyo", client_id="e1")
        message_id = (await recv_type(b, "ack"))["id"]
        await recv_type(a, "message")

        await send(a, type="edit", id=message_id, text="hijack", ref="x")
        refused = await recv_type(a, "error")
        assert (refused["code"], refused["ref"]) == ("forbidden", "x")

        await send(b, type="edit", id=message_id, text="typo", ref="e")
        reply = await reply_to(b, "edited", "e")
        assert (reply["id"], reply["text"]) == (message_id, "typo")
        seen = await recv_type(a, "edited")
        assert (seen["id"], seen["seq"], seen["text"]) == (message_id, 1, "typo")
        assert "edited_ts" in seen

        await send(a, type="delete", id=message_id, ref="d")  # the room's owner
        assert (await reply_to(a, "deleted", "d"))["id"] == message_id
        gone = await recv_type(b, "deleted")
        assert (gone["id"], gone["seq"], gone["room"]) == (message_id, 1, room)

        await send(b, type="edit", id=message_id, text="back")
        assert (await recv_type(b, "error"))["code"] == "message_deleted"
        await send(b, type="edit", id=10**12, text="nowhere")
        assert (await recv_type(b, "error"))["code"] == "not_found"

    async with await bob.connect() as later:
        await subscribe(later, room, after=0)
        replayed = await recv_type(later, "message")
        assert (replayed["seq"], replayed["text"], replayed["deleted"]) == (1, "", True)


async def test_a_third_user_reaches_nothing_of_a_private_room(
    server: ParleyServer, alice: User, bob: User
):
    eve = User.sign_up(server, unique("eve"))
    created = alice.http().post(
        "/api/rooms",
        json={"title": unique("Secret"), "kind": "private"},
        headers={"X-CSRFToken": alice.cookies["csrftoken"]},
    )
    assert created.status_code == 201, created.text
    room = created.json()["slug"]
    async with await alice.connect() as a, await eve.connect() as e:
        await subscribe(a, room)
        await send(a, type="send", room=room, text="for us", client_id="p1")
        message_id = (await recv_type(a, "ack"))["id"]
        for frame in (
            {"type": "subscribe", "room": room},
            {"type": "send", "room": room, "text": "hi", "client_id": "e1"},
            {"type": "typing", "room": room},
            {"type": "read", "room": room, "seq": 1},
            {"type": "edit", "id": message_id, "text": "mine now"},
            {"type": "delete", "id": message_id},
        ):
            await send(e, **frame, ref="probe")
            answer = await recv(e)
            assert answer["type"] == "error", (frame, answer)
            assert answer["code"] in {"room_not_found", "not_found", "not_subscribed"}
            assert "for us" not in str(answer)


# How long the survivor waits for the ghost to go: a bound on a hang, many
# times the 5/6 TTL presence promises. The promise itself is tested on a
# fake clock (tests/unit/realtime/test_presence.py).
GHOST_WAIT_SECS = 30


@pytest.mark.timeout(120)
async def test_a_killed_process_leaves_no_ghosts(tmp_path, redis_server):
    """A SIGKILLed process's user goes offline for the others (no goodbye
    is sent: the beats stop) and is not online for a new socket."""
    ttl = 3.0
    env = {"CHANNEL_LAYER_URL": redis_server.url, "PARLEY_PRESENCE_TTL_SECS": str(ttl)}
    with two_servers(tmp_path, env) as (doomed, survivor):
        gone, stays = User.sign_up(doomed, "gone"), User.sign_up(survivor, "stays")
        room = "wake"
        async with await gone.connect() as g, await stays.connect() as s:
            await subscribe(g, room)
            online = (await subscribe(s, room))["online"]
            if "gone" not in online:  # the other process's beat was in flight
                assert await next_presence(s, "gone") is True
            doomed.stop(signal.SIGKILL)
            # Offline eventually; a beat in flight may say online first.
            async with asyncio.timeout(GHOST_WAIT_SECS):
                while await next_presence(s, "gone", GHOST_WAIT_SECS):
                    pass
            async with await stays.connect() as fresh:
                assert (await subscribe(fresh, room))["online"] == ["stays"]
