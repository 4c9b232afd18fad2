"""parley.client against a real server: the basics (faults: test_faults.py)."""

import asyncio

import pytest

from parley.client import (
    ParleyClient,
    ParleyClientError,
    SignInRefused,
    reconnect_delay,
)
from tests.servers import ParleyServer, User, create_token, unique


async def take(client: ParleyClient, count: int, timeout: float = 20) -> list:
    """The next ``count`` messages the client yields."""
    iterator = client.messages()
    async with asyncio.timeout(timeout):
        return [await anext(iterator) for _ in range(count)]


@pytest.mark.parametrize(
    ("code", "attempt", "ceiling"),
    [
        (4000, 0, 0.25),  # resume: promptly, a little jitter
        (1001, 0, 1.0),  # going away: its clients spread out over 1 s
        (4000, 3, 4.0),  # closed again at once: the backoff
        (1013, 0, 0.5),
        (4429, 1, 1.0),
        (None, 2, 2.0),  # a failed handshake
        (1006, 12, 30.0),
    ],
)
def test_reconnect_delays_follow_the_pages_rules(code, attempt, ceiling, monkeypatch):
    """The same table as clients/js/src/close.ts: a wait drawn uniformly from
    [0, ceiling], prompt only the first time in a row, 30 s at most."""
    monkeypatch.setattr("random.uniform", lambda low, high: (low, high))
    assert reconnect_delay(code, attempt) == (0, ceiling)


def client_for(user: User, server: ParleyServer | None = None) -> ParleyClient:
    return ParleyClient((server or user.server).base_url, cookies=dict(user.cookies))


async def test_send_subscribe_and_iterate(alice: User, bob: User):
    room = unique("client")
    async with client_for(alice) as a, client_for(bob) as b:
        await a.subscribe(room)
        await b.subscribe(room)
        ack = await a.send(room, "hello from the client")
        assert ack.seq == 1 and ack.room == room
        for client in (a, b):
            (message,) = await take(client, 1)
            assert (message.text, message.author, message.seq) == (
                "hello from the client",
                alice.username,
                1,
            )
            assert message.client_id == ack.client_id


async def test_a_repeated_client_id_gets_the_first_ack(alice: User):
    room = unique("again")
    async with client_for(alice) as a:
        await a.subscribe(room)
        first = await a.send(room, "once", client_id="same-key")
        again = await a.send(room, "once", client_id="same-key")
        assert first == again


async def test_refused_sends_raise_with_the_servers_code(alice: User):
    room = unique("refused")
    async with client_for(alice) as a:
        await a.subscribe(room)
        with pytest.raises(ParleyClientError) as error:
            await a.send(room, "x" * 4001)
        assert error.value.code == "text_too_long"


async def test_subscribe_after_replays_and_history_pages(alice: User):
    room = unique("pages")
    async with client_for(alice) as a:
        await a.subscribe(room)
        for i in range(5):
            await a.send(room, f"m{i}")
        page, next_before = await a.history(room, limit=2)
        assert [m.seq for m in page] == [5, 4] and next_before == 4
    async with client_for(alice) as late:
        await late.subscribe(room, after=2)
        assert [m.text for m in await take(late, 3)] == ["m2", "m3", "m4"]


async def test_subscribing_to_a_room_not_yours_raises(alice: User, bob: User):
    with alice.http() as http:
        http.post("/api/rooms", json={"title": "alices-den", "kind": "private"})
    async with client_for(bob) as b:
        with pytest.raises(ParleyClientError) as error:
            await b.subscribe("alices-den")
        assert error.value.code == "room_not_found"
        assert "alices-den" not in b.last_seqs


async def test_a_bot_with_an_api_token(server: ParleyServer, alice: User):
    room = unique("bots")
    token = create_token(server, alice.username, name="client test")
    async with ParleyClient(server.base_url, token=token) as bot:
        await bot.subscribe(room)
        ack = await bot.send(room, "beep")
        (message,) = await take(bot, 1)
        assert (message.author, message.seq) == (alice.username, ack.seq)
        page, _ = await bot.history(room)
        assert [m.text for m in page] == ["beep"]
    with pytest.raises(SignInRefused):
        await ParleyClient(server.base_url, token="pt_" + "x" * 43).connect()


async def test_a_refused_handshake_raises(server: ParleyServer):
    with pytest.raises(SignInRefused):
        await ParleyClient(server.base_url, cookies={"sessionid": "forged"}).connect()
