"""Limits at their boundaries, against a real server: N pass, N+1 is refused.

One Uvicorn for the module with small limits (set through the environment,
as an operator sets them) and budgets that practically never refill during a
test (0.01 tokens a minute), so the counts are exact.
"""

import asyncio

import httpx
import pytest
import websockets

from parley.client import ParleyClient, ParleyClientError
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

NEVER = "0.01"  # tokens per minute: no refill within a test
ROOMS_PER_SOCKET = 3
SOCKETS_PER_USER = 2
USER_MESSAGES = 5
ROOM_MESSAGES = 3
FRAMES = 30
FLOOD_REFUSALS = 5
API_REQUESTS = 10
ANON_REQUESTS = 3
LOGIN_ATTEMPTS = 3
PINS = 2


@pytest.fixture(scope="module")
def limited(tmp_path_factory: pytest.TempPathFactory):
    env = {
        "PARLEY_RATE_LIMITS": "1",
        "PARLEY_MAX_ROOMS_PER_SOCKET": str(ROOMS_PER_SOCKET),
        "PARLEY_MAX_SOCKETS_PER_USER": str(SOCKETS_PER_USER),
        "PARLEY_USER_MESSAGE_BURST": str(USER_MESSAGES),
        "PARLEY_USER_MESSAGES_PER_MIN": NEVER,
        "PARLEY_ROOM_MESSAGE_BURST": str(ROOM_MESSAGES),
        "PARLEY_ROOM_MESSAGES_PER_MIN": NEVER,
        "PARLEY_SOCKET_FRAME_BURST": str(FRAMES),
        "PARLEY_SOCKET_FRAMES_PER_SEC": "0.0001",
        "PARLEY_SOCKET_FLOOD_REFUSALS_PER_MIN": str(FLOOD_REFUSALS),
        "PARLEY_API_REQUEST_BURST": str(API_REQUESTS),
        "PARLEY_API_REQUESTS_PER_MIN": NEVER,
        "PARLEY_API_ANON_REQUEST_BURST": str(ANON_REQUESTS),
        "PARLEY_API_ANON_REQUESTS_PER_MIN": NEVER,
        "PARLEY_LOGIN_ATTEMPT_BURST": str(LOGIN_ATTEMPTS),
        "PARLEY_LOGIN_ATTEMPTS_PER_MIN": NEVER,
        "PARLEY_MAX_PINS_PER_ROOM": str(PINS),
    }
    server = ParleyServer(tmp_path_factory.mktemp("limited"), env).start()
    yield server
    server.stop()


@pytest.fixture
def ann(limited: ParleyServer) -> User:
    return User.sign_up(limited, unique("ann"))


async def closed_code(ws) -> int | None:
    """Read until the server closes ``ws``; its close code."""
    with pytest.raises(websockets.ConnectionClosed) as closed:
        async with asyncio.timeout(10):
            while True:
                await ws.recv()
    return closed.value.rcvd.code if closed.value.rcvd else None


async def answer(ws) -> dict:
    """The answer to a send: its ``ack`` or ``error`` (other frames skipped)."""
    async with asyncio.timeout(10):
        while (frame := await recv(ws))["type"] not in ("ack", "error"):
            pass
    return frame


async def test_a_socket_follows_at_most_its_rooms_and_stays_open(ann: User):
    async with await ann.connect() as ws:
        for i in range(ROOMS_PER_SOCKET):
            await subscribe(ws, f"r{i}")
        await send(ws, type="subscribe", room="one-more", ref="s")
        refused = await recv(ws)
        assert (refused["code"], refused["ref"]) == ("too_many_rooms", "s")
        await subscribe(ws, "r0")  # one it follows: not one more
        await send(ws, type="unsubscribe", room="r0")
        assert (await recv_type(ws, "unsubscribed"))["room"] == "r0"
        await subscribe(ws, "one-more")


async def test_a_user_holds_at_most_their_sockets_then_4429(ann: User):
    """The next socket, /ws/ or the tutorial's, is told `too_many_sockets`
    and closed with 4429; the open ones keep working; closing one frees a
    place."""
    tabs = [await ann.connect() for _ in range(SOCKETS_PER_USER)]
    try:
        for path in ("/ws/", "/ws/chat/lobby/"):
            async with await ann.connect(path) as extra:
                refused = await recv(extra)
                assert (refused["type"], refused["code"]) == (
                    "error",
                    "too_many_sockets",
                )
                assert await closed_code(extra) == 4429
        for tab in tabs:
            await send(tab, type="ping")
            assert (await recv(tab))["type"] == "pong"
        await tabs.pop().close()
        async with asyncio.timeout(10):
            while True:  # until the server has counted the close
                again = await ann.connect()
                tabs.append(again)
                try:
                    await send(again, type="ping")
                    if (await recv(again))["type"] == "pong":
                        break
                except websockets.ConnectionClosed:
                    pass
                await tabs.pop().close()
    finally:
        for tab in tabs:
            await tab.close()


async def test_messages_spend_the_room_budget_then_the_users(ann: User):
    """Per room: ROOM_MESSAGES pass, the next is `rate_limited` (no ack,
    not stored); per user across rooms: USER_MESSAGES. Edits and the
    tutorial socket spend from the same budget."""
    sends = [("flat", f"a{i}") for i in range(ROOM_MESSAGES + 1)] + [
        ("other", f"b{i}") for i in range(USER_MESSAGES - ROOM_MESSAGES + 1)
    ]
    async with await ann.connect() as ws:
        await subscribe(ws, "flat")
        await subscribe(ws, "other")
        answers = []
        for room, client_id in sends:
            await send(ws, type="send", room=room, text=client_id, client_id=client_id)
            answers.append(await answer(ws))
        assert [a["type"] for a in answers] == ["ack"] * ROOM_MESSAGES + ["error"] + [
            "ack"
        ] * (USER_MESSAGES - ROOM_MESSAGES) + ["error"]
        for refused, client_id in ((answers[ROOM_MESSAGES], "a3"), (answers[-1], "b2")):
            assert (refused["code"], refused["ref"]) == ("rate_limited", client_id)
            assert refused["retry_after"] > 60
        acks = [a for a in answers if a["type"] == "ack"]
        await send(ws, type="edit", id=acks[0]["id"], text="changed", ref="e")
        edit = await answer(ws)
        assert (edit["code"], edit["ref"]) == ("rate_limited", "e")
        async with await ann.connect("/ws/chat/flat/") as tutorial:
            await tutorial.send('{"message": "from the tutorial page"}')
            frame = await recv(tutorial)
            assert frame["code"] == "rate_limited" and frame["message"]
    with ann.http() as http:
        stored = [
            m["client_id"]
            for room in ("flat", "other")
            for m in http.get(f"/api/rooms/{room}/messages").json()["messages"]
        ]
    assert sorted(stored) == ["a0", "a1", "a2", "b0", "b1"]


async def test_the_api_shares_the_message_budget_and_says_when_to_retry(ann: User):
    with ann.http() as http:
        http.post("/api/rooms", json={"title": "posted"}).raise_for_status()
        for i in range(ROOM_MESSAGES):
            body = {"text": f"p{i}", "client_id": f"p{i}"}
            assert http.post("/api/rooms/posted/messages", json=body).status_code == 201
        refused = http.post("/api/rooms/posted/messages", json={"text": "one more"})
    assert refused.status_code == 429
    body = refused.json()
    assert (body["code"], body["message"] != "") == ("rate_limited", True)
    assert int(refused.headers["Retry-After"]) == pytest.approx(
        body["retry_after"], abs=1
    )
    # The user has USER_MESSAGES - ROOM_MESSAGES left, none in "posted".
    async with await ann.connect() as ws:
        await subscribe(ws, "else")
        for room, client_id, expected in (
            ("posted", "s0", "error"),
            ("else", "s1", "ack"),
            ("else", "s2", "ack"),
            ("else", "s3", "error"),
        ):
            await send(ws, type="send", room=room, text="x", client_id=client_id)
            assert (await answer(ws))["type"] == expected, client_id


async def test_api_requests_carry_their_budget_and_the_next_is_429(ann: User):
    with ann.http() as http:
        remaining = []
        for _ in range(API_REQUESTS):
            response = http.get("/api/rooms")
            assert response.status_code == 200
            assert response.headers["RateLimit-Limit"] == str(API_REQUESTS)
            remaining.append(int(response.headers["RateLimit-Remaining"]))
        refused = http.get("/api/notifications")
    assert remaining == list(range(API_REQUESTS - 1, -1, -1))
    assert refused.status_code == 429
    assert refused.json()["code"] == "rate_limited"
    assert int(refused.headers["Retry-After"]) >= 1
    assert refused.headers["RateLimit-Remaining"] == "0"
    assert int(refused.headers["RateLimit-Reset"]) > 60


async def test_anonymous_api_requests_spend_their_address_budget(
    limited: ParleyServer,
):
    """Signed out, or with a bad token: the client address's budget."""
    async with httpx.AsyncClient(base_url=limited.base_url) as http:
        answers = [
            (await http.get("/api/rooms")).status_code for _ in range(ANON_REQUESTS - 1)
        ]
        bad = {"Authorization": "Bearer not-a-token"}
        answers.append((await http.get("/api/rooms", headers=bad)).status_code)
        answers.append((await http.get("/api/openapi.json")).status_code)
    assert answers == [401] * ANON_REQUESTS + [429]


async def test_the_frame_budget_then_the_flood_close(ann: User):
    """FRAMES frames pass; the next FLOOD_REFUSALS are refused with
    `rate_limited`; one more closes the socket with 1008. The refusals are
    the user's: a new socket is closed at its first refused frame."""
    async with await ann.connect() as ws:
        for i in range(FRAMES + FLOOD_REFUSALS + 1):
            await send(ws, type="ping", ref=f"p{i}")
        frames = [await recv(ws) for _ in range(FRAMES + FLOOD_REFUSALS)]
        assert [f["type"] for f in frames[:FRAMES]] == ["pong"] * FRAMES
        refusals = frames[FRAMES:]
        assert {f["code"] for f in refusals} == {"rate_limited"}
        assert [f["ref"] for f in refusals] == [
            f"p{i}" for i in range(FRAMES, FRAMES + FLOOD_REFUSALS)
        ]
        assert all(f["retry_after"] > 0 for f in refusals)
        assert await closed_code(ws) == 1008
    async with await ann.connect() as again:
        for _ in range(FRAMES + 1):
            await send(again, type="ping")
        assert [(await recv(again))["type"] for _ in range(FRAMES)] == ["pong"] * FRAMES
        assert await closed_code(again) == 1008


def sign_in(limited: ParleyServer, http: httpx.Client, username: str, password: str):
    http.get("/accounts/login/")
    return http.post(
        "/accounts/login/",
        data={
            "username": username,
            "password": password,
            "csrfmiddlewaretoken": http.cookies["csrftoken"],
        },
        headers={"Referer": limited.base_url + "/accounts/login/"},
    )


async def test_sign_in_attempts_per_name_then_429(limited: ParleyServer, ann: User):
    """LOGIN_ATTEMPTS wrong passwords are answered; the next attempt is 429
    with Retry-After, even with the right password (none is checked); another
    name from the same address still signs in."""
    with httpx.Client(base_url=limited.base_url) as http:
        for _ in range(LOGIN_ATTEMPTS):
            assert sign_in(limited, http, ann.username, "wrong").status_code == 200
        refused = sign_in(limited, http, ann.username.upper(), PASSWORD)
        assert refused.status_code == 429
        assert int(refused.headers["Retry-After"]) > 60
        assert "Too many sign-in attempts" in refused.text
    bob = User.sign_up(limited, unique("bob"))
    with httpx.Client(base_url=limited.base_url) as http:
        assert sign_in(limited, http, bob.username, PASSWORD).status_code == 302


async def test_the_python_client_gets_retry_after(ann: User):
    """parley.client raises ``rate_limited`` with the server's
    ``retry_after``, and the refused send stored nothing."""
    room = unique("client")
    cookies = dict(ann.cookies)
    async with ParleyClient(ann.server.base_url, cookies=cookies) as client:
        await client.subscribe(room)
        for i in range(ROOM_MESSAGES):
            await client.send(room, f"m{i}")
        with pytest.raises(ParleyClientError) as refused:
            await client.send(room, "one too many")
        page, _ = await client.history(room)
    assert refused.value.code == "rate_limited"
    assert refused.value.retry_after > 0
    assert [m.text for m in page] == [f"m{i}" for i in reversed(range(ROOM_MESSAGES))]


async def test_a_room_holds_at_most_its_cap_of_pins(limited: ParleyServer, ann: User):
    with ann.http() as http:
        slug = http.post("/api/rooms", json={"title": unique("pins")}).json()["slug"]
    async with await ann.connect() as ws:
        await subscribe(ws, slug)
        ids = []
        for n in range(PINS + 1):
            await send(ws, type="send", room=slug, text=f"m{n}", client_id=f"c{n}")
            ids.append((await recv_type(ws, "ack"))["id"])
        for message_id in ids[:PINS]:
            await send(ws, type="pin", id=message_id, ref=str(message_id))
            assert (await recv_type(ws, "pin"))["on"] is True
        await send(ws, type="pin", id=ids[PINS])
        assert (await recv_type(ws, "error"))["code"] == "too_many_pins"
