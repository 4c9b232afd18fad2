"""Moderation against real servers: a removal and a ban reach the user's
open socket on another process at once (two Uvicorn processes on one
database and one Redis layer), and what the socket sends afterwards is
refused; a mute and an archive refuse sends with their codes."""

import httpx
import pytest

from tests.support import servers
from tests.support.servers import ParleyServer, User, recv_type, send, subscribe


def api(user: User, method: str, path: str, **kwargs) -> httpx.Response:
    with user.http() as http:
        return http.request(method, path, **kwargs)


@pytest.fixture
def two_servers(tmp_path, redis_server):
    with servers.two_servers(tmp_path, {"CHANNEL_LAYER_URL": redis_server.url}) as pair:
        yield pair


def texts(user: User, slug: str) -> list[str]:
    page = api(user, "GET", f"/api/rooms/{slug}/messages").json()
    return [message["text"] for message in page["messages"]]


async def test_a_removal_and_a_ban_cut_a_socket_on_another_process(two_servers):
    first, second = two_servers
    alice, bob = User.sign_up(first, "alice"), User.sign_up(second, "bob")
    slug = api(alice, "POST", "/api/rooms", json={"title": "Town"}).json()["slug"]
    async with await bob.connect() as b:
        await subscribe(b, slug)
        await send(b, type="send", room=slug, text="hello", client_id="1")
        await recv_type(b, "ack")
        removed = api(alice, "POST", f"/api/rooms/{slug}/members/bob/remove")
        assert removed.json()["user"] == "bob"
        # The bound: the socket on the other process hears it
        # within one second of the answer.
        assert await recv_type(b, "unsubscribed", timeout=1.0) == {
            "type": "unsubscribed",
            "room": slug,
            "reason": "removed",
        }
        await send(b, type="send", room=slug, text="still here", client_id="2")
        refused = await recv_type(b, "error")
        assert refused["code"] == "not_subscribed"
        assert texts(alice, slug) == ["hello"]
        # A public room: subscribing again is coming back.
        await subscribe(b, slug)
        banned = api(alice, "POST", f"/api/rooms/{slug}/members/bob/ban")
        assert banned.json()["banned"] is True
        frame = await recv_type(b, "unsubscribed", timeout=1.0)
        assert frame["reason"] == "banned"
        await send(b, type="subscribe", room=slug)
        assert (await recv_type(b, "error"))["code"] == "room_not_found"
        await send(b, type="send", room=slug, text="let me in", client_id="3")
        assert (await recv_type(b, "error"))["code"] == "not_subscribed"
    refused = api(bob, "GET", f"/api/rooms/{slug}/messages")
    assert (refused.status_code, refused.json()["code"]) == (404, "room_not_found")
    assert texts(alice, slug) == ["hello"]


async def test_a_mute_and_an_archive_refuse_sends_with_their_codes(
    server: ParleyServer,
):
    alice, bob = (User.sign_up(server, servers.unique(n)) for n in "ab")
    slug = api(alice, "POST", "/api/rooms", json={"title": servers.unique("Hall")})
    slug = slug.json()["slug"]
    async with await alice.connect() as a, await bob.connect() as b:
        await subscribe(a, slug)
        await subscribe(b, slug)
        await send(b, type="send", room=slug, text="first", client_id="1")
        await recv_type(b, "ack")
        path = f"/api/rooms/{slug}/members/{bob.username}/mute"
        assert api(alice, "POST", path, json={"seconds": 600}).status_code == 200
        await send(b, type="send", room=slug, text="muted?", client_id="2", ref="m")
        error = await recv_type(b, "error")
        assert (error["code"], error["ref"]) == ("muted", "m")
        assert 599 <= error["retry_after"] <= 600
        assert api(alice, "DELETE", path).status_code == 200
        assert api(alice, "POST", f"/api/rooms/{slug}/archive").status_code == 200
        archived = await recv_type(b, "archived")
        assert (archived["on"], archived["by"]) == (True, alice.username)
        for ws in (a, b):
            await send(ws, type="send", room=slug, text="closed?", client_id="3")
            assert (await recv_type(ws, "error"))["code"] == "room_archived"
        assert (await subscribe(b, slug))["archived"] is True
    assert texts(alice, slug) == ["first"]
    page = api(alice, "GET", "/api/rooms").json()["items"]
    listed = {r["slug"]: r["archived"] for r in page}
    assert listed[slug] is True
