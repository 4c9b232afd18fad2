"""Hostile input against a real server: each probe gets the answer
``docs/security.md`` ("Hostile input: the answers") promises.

The session's Uvicorn (memory layer, SQLite) unless a test needs its own.
"""

import asyncio

import httpx
import pytest
from websockets.exceptions import ConnectionClosed

from tests.support.servers import (
    PASSWORD,
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


# A coalescing window the flood below fits in even on a loaded machine.
COALESCE_SECS = 5


@pytest.fixture(scope="module")
def coalescing(tmp_path_factory: pytest.TempPathFactory):
    server = ParleyServer(
        tmp_path_factory.mktemp("coalescing"),
        {"PARLEY_PRESENCE_COALESCE_SECS": str(COALESCE_SECS)},
    ).start()
    yield server
    server.stop()


async def test_a_subscribe_flood_sends_the_room_no_presence(coalescing: ParleyServer):
    """Alice alternates subscribe and unsubscribe 200 times: Bob, in the
    room, gets no ``presence`` frame about her; when she then stays, one."""
    alice, bob = (User.sign_up(coalescing, unique(name)) for name in ("al", "bo"))
    room = unique("flicker")
    async with await bob.connect() as watcher, await alice.connect() as flooder:
        await subscribe(watcher, room)
        for _ in range(200):
            await send(flooder, type="subscribe", room=room)
            await send(flooder, type="unsubscribe", room=room, ref="u")
        while (await recv(flooder)).get("ref") != "u":
            pass
        # The last unsubscribed came back: every flip has happened. Wait out
        # the coalescing window, reading what Bob gets.
        heard = []
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(COALESCE_SECS + 1):
                while True:
                    heard.append(await recv(watcher, timeout=COALESCE_SECS * 3))
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


def test_a_look_alike_username_and_room_are_refused(server: ParleyServer):
    """Signing up as ``\\u0430lice`` (Cyrillic a) beside ``alice``, or as an
    all-Cyrillic name drawn like an existing one, is refused with a reason;
    so is a room ``L\\u043ebby`` (Cyrillic o) or ``1obby`` beside ``lobby``."""
    first = User.sign_up(server, unique("alice"))
    with httpx.Client(base_url=server.base_url) as http:
        http.get("/accounts/signup/")
        for name in ("\u0430" + first.username[1:], first.username.upper()):
            page = http.post(
                "/accounts/signup/",
                data={
                    "username": name,
                    "password1": PASSWORD,
                    "password2": PASSWORD,
                    "csrfmiddlewaretoken": http.cookies["csrftoken"],
                },
                headers={"Referer": server.base_url + "/accounts/signup/"},
            )
            assert page.status_code == 200, name  # the form again, no account
            assert "errorlist" in page.text
    room = unique("lobby")
    with first.http() as http:
        assert http.post("/api/rooms", json={"title": room}).status_code == 201
        mixed_title = room.replace("o", "\u043e", 1)
        mixed = http.post("/api/rooms", json={"title": mixed_title})
        assert (mixed.status_code, mixed.json()["code"]) == (400, "invalid_room")
        alike_title = room.replace("l", "1", 1)
        alike = http.post("/api/rooms", json={"title": alike_title})
        assert (alike.status_code, alike.json()["code"]) == (409, "name_confusable")
        titles = [r["title"] for r in http.get("/api/rooms").json()["items"]]
    assert titles.count(room) == 1
    assert mixed_title not in titles and alike_title not in titles


@pytest.mark.parametrize("title", ["safe\u202egnp.exe", "a\u2066b\u2069c", "x\u202ay"])
def test_a_title_with_direction_controls_is_refused(alice: User, title: str):
    with alice.http() as http:
        response = http.post("/api/rooms", json={"title": title})
    assert (response.status_code, response.json()["code"]) == (400, "invalid_room")


def test_user_text_in_pages_is_isolated(alice: User):
    """A right-to-left room title cannot reorder what is around it: the
    room list's link and the room's heading are ``dir="auto"``, the page
    title wraps it in U+2068 ... U+2069."""
    title = "\u05e9\u05dc\u05d5\u05dd " + unique("room")
    with alice.http() as http:
        slug = http.post("/api/rooms", json={"title": title}).json()["slug"]
        listing = http.get("/").text
        page = http.get(f"/chat/{slug}/").text
    assert f'dir="auto">{title}</span></a>' in listing
    assert f'<h1 dir="auto">{title}</h1>' in page
    assert f"<title>\u2068{title}\u2069 · Parley</title>" in page
