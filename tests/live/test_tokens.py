"""API tokens end to end: the real ``parley token`` command, a real Uvicorn,
real WebSocket and HTTP clients that carry no cookie (a bot's way in)."""

import httpx
import pytest
import websockets

from tests.support.servers import (
    ParleyServer,
    User,
    connect_with_token,
    create_token,
    recv,
    recv_type,
    revoke_on_the_page,
    send,
    subscribe,
    unique,
)


async def test_a_bot_signs_in_with_a_token_alone(server: ParleyServer, alice: User):
    token = create_token(server, alice.username, name="live bot")
    assert token.startswith("pt_")
    room = unique("bots")
    async with (
        await connect_with_token(server, token) as bot,
        await alice.connect() as browser,
    ):
        await subscribe(bot, room)
        await subscribe(browser, room)
        await send(bot, type="send", room=room, text="beep", client_id="bot-1")
        ack = await recv_type(bot, "ack")
        assert (ack["client_id"], ack["seq"]) == ("bot-1", 1)
        seen = await recv_type(browser, "message")
        assert (seen["author"], seen["text"]) == (alice.username, "beep")
        await send(bot, type="ping")
        assert (await recv_type(bot, "pong"))["type"] == "pong"

    async with httpx.AsyncClient(base_url=server.base_url) as http:
        headers = {"Authorization": f"Bearer {token}"}
        posted = await http.post(
            f"/api/rooms/{room}/messages",
            json={"text": "over http", "client_id": "bot-2"},
            headers=headers,
        )
        assert posted.status_code == 201, posted.text
        assert not http.cookies  # nothing rode on a cookie
        page = (await http.get(f"/api/rooms/{room}/messages", headers=headers)).json()
        assert [m["text"] for m in page["messages"]] == ["over http", "beep"]


async def test_a_revoked_token_is_refused(server: ParleyServer, bob: User):
    token = create_token(server, bob.username)
    async with await connect_with_token(server, token) as ws:
        await send(ws, type="ping")
        assert (await recv(ws))["type"] == "pong"
    revoke_on_the_page(bob, token)
    with pytest.raises(websockets.InvalidStatus) as refused:
        await connect_with_token(server, token)
    assert refused.value.response.status_code == 403
    async with httpx.AsyncClient(base_url=server.base_url) as http:
        response = await http.get(
            "/api/rooms", headers={"Authorization": f"Bearer {token}"}
        )
    assert (response.status_code, response.json()["code"]) == (
        401,
        "not_authenticated",
    )


async def test_origin_rules_hold_for_tokens(server: ParleyServer, alice: User):
    token = create_token(server, alice.username)
    with pytest.raises(websockets.InvalidStatus) as foreign:
        await connect_with_token(server, token, origin="http://evil.example")
    assert foreign.value.response.status_code == 403
    async with await connect_with_token(server, token, origin=server.base_url) as ws:
        await send(ws, type="ping")
        assert (await recv(ws))["type"] == "pong"
    with pytest.raises(websockets.InvalidStatus) as no_origin:
        await websockets.connect(
            server.ws_url + "/ws/",
            additional_headers={"Cookie": alice.cookie_header()},
        )
    assert no_origin.value.response.status_code == 403
    with pytest.raises(websockets.InvalidStatus) as bad:
        await connect_with_token(server, "pt_" + "x" * 43)
    assert bad.value.response.status_code == 403
