"""A room's details against a real server: the topic, leaving and pins, as
the frames other people's real sockets get."""

import httpx
import pytest

from parley.client import ParleyClient, ParleyClientError
from tests.support.servers import (
    ParleyServer,
    User,
    create_token,
    recv_type,
    send,
    subscribe,
    unique,
)


def api(user: User, method: str, path: str, **kwargs) -> httpx.Response:
    with user.http() as http:
        return http.request(method, path, **kwargs)


def private_room(owner: User, *members: User) -> str:
    created = api(
        owner, "POST", "/api/rooms", json={"title": unique("Plans"), "kind": "private"}
    )
    slug = created.json()["slug"]
    for member in members:
        api(
            owner,
            "POST",
            f"/api/rooms/{slug}/members",
            json={"username": member.username},
        )
    return slug


async def test_a_topic_change_reaches_the_room_and_its_snapshot(server: ParleyServer):
    alice, bob = (User.sign_up(server, unique(n)) for n in "ab")
    slug = private_room(alice, bob)
    async with await alice.connect() as a, await bob.connect() as b:
        await subscribe(b, slug)
        await send(a, type="topic", room=slug, topic="Launch <b>Friday</b>", ref="t")
        answer = await recv_type(a, "topic")
        assert answer == {
            "type": "topic",
            "room": slug,
            "topic": "Launch <b>Friday</b>",
            "by": alice.username,
            "ref": "t",
        }
        heard = await recv_type(b, "topic")
        assert (heard["topic"], heard["by"]) == ("Launch <b>Friday</b>", alice.username)
        await send(b, type="topic", room=slug, topic="mine")
        assert (await recv_type(b, "error"))["code"] == "forbidden"
        assert (await subscribe(b, slug))["topic"] == "Launch <b>Friday</b>"


async def test_leaving_cuts_the_subscription_and_later_reads_are_refused(
    server: ParleyServer,
):
    alice, bob = (User.sign_up(server, unique(n)) for n in "ab")
    slug = private_room(alice, bob)
    async with await alice.connect() as a, await bob.connect() as b:
        await subscribe(a, slug)
        await subscribe(b, slug)
        left = api(bob, "POST", f"/api/rooms/{slug}/leave")
        assert left.json() == {"room": slug, "left": True}
        assert await recv_type(b, "unsubscribed") == {
            "type": "unsubscribed",
            "room": slug,
            "reason": "left",
        }
        member = await recv_type(a, "member")
        assert (member["user"], member["left"]) == (bob.username, True)
        await send(a, type="send", room=slug, text="after bob left", client_id="1")
        await recv_type(a, "message")
        # Bob's socket got nothing of it: his next frame answers his ping.
        await send(b, type="ping")
        assert (await recv_type(b, "pong"))["type"] == "pong"
        await send(b, type="subscribe", room=slug)
        assert (await recv_type(b, "error"))["code"] == "room_not_found"
    assert api(bob, "GET", f"/api/rooms/{slug}/messages").status_code == 404
    last = api(alice, "POST", f"/api/rooms/{slug}/leave")
    assert (last.status_code, last.json()["code"]) == (409, "last_owner")


async def test_a_pin_by_the_owner_is_seen_live_and_others_are_refused(
    server: ParleyServer,
):
    alice, bob = (User.sign_up(server, unique(n)) for n in "ab")
    slug = private_room(alice, bob)
    async with await alice.connect() as a, await bob.connect() as b:
        await subscribe(a, slug)
        await subscribe(b, slug)
        await send(b, type="send", room=slug, text="the plan", client_id="p")
        message = await recv_type(a, "message")
        await send(b, type="pin", id=message["id"])
        assert (await recv_type(b, "error"))["code"] == "forbidden"
        await send(a, type="pin", id=message["id"])
        heard = await recv_type(b, "pin")
        assert heard == {
            "type": "pin",
            "room": slug,
            "id": message["id"],
            "seq": message["seq"],
            "on": True,
            "by": alice.username,
        }
    [pin] = api(bob, "GET", f"/api/rooms/{slug}/pins").json()["pins"]
    assert (pin["message"]["text"], pin["message"]["pinned"]) == ("the plan", True)


async def test_the_python_client_sets_lists_pins_and_leaves(server: ParleyServer):
    alice, bob = (User.sign_up(server, unique(n)) for n in "ab")
    slug = private_room(alice, bob)
    owner = ParleyClient(server.base_url, token=create_token(server, alice.username))
    member = ParleyClient(server.base_url, token=create_token(server, bob.username))
    async with owner, member:
        assert await owner.set_topic(slug, " Road  map ") == "Road map"
        listed = [(m.username, m.role) async for m in member.members(slug)]
        assert listed == [(alice.username, "owner"), (bob.username, "member")]
        await member.subscribe(slug)
        ack = await member.send(slug, "pin me")
        assert (await owner.pin(ack.id))["pinned"] is True
        [pinned] = await member.pins(slug)
        assert (pinned.message["id"], pinned.by) == (ack.id, alice.username)
        with pytest.raises(ParleyClientError) as refused:
            await member.pin(ack.id, on=False)
        assert refused.value.code == "forbidden"
        assert await member.leave(slug)
        with pytest.raises(ParleyClientError) as gone:
            await member.pins(slug)
        assert gone.value.code == "room_not_found"
