"""parley.client against a real server: the basics (faults: test_faults.py)."""

import pytest

from parley.client import ParleyClient, ParleyClientError, SignInRefused
from tests.support.servers import (
    ParleyServer,
    User,
    client_for,
    create_token,
    take,
    unique,
)


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


async def test_the_rooms_list_is_followed_page_by_page(server: ParleyServer):
    alice, bob = (User.sign_up(server, unique(n)) for n in "ab")
    titles = sorted(unique(f"den {i}") for i in range(3))
    with alice.http() as http:
        for title in titles:
            body = {"title": title, "kind": "private"}
            http.post("/api/rooms", json=body).raise_for_status()
        http.post(f"/api/direct/{bob.username}").raise_for_status()
    async with ParleyClient(
        server.base_url, token=create_token(server, alice.username)
    ) as client:
        mine = [
            (room.kind, room.unread)
            async for room in client.rooms(member=True, page_size=2)
        ]
        assert sorted(mine) == [("direct", 0)] + [("private", 0)] * 3
        dens = [r.title async for r in client.rooms(kinds=("private",), page_size=1)]
        assert dens == titles


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
