"""Bots against a real server: a slash command and an outgoing webhook
answered in the room, over real sockets, with the server's own sweeper
sending to a loopback HTTPS receiver."""

import hashlib
import hmac

import orjson
import pytest

from tests.support.servers import (
    ParleyServer,
    User,
    recv_type,
    send,
    subscribe,
    unique,
)
from tests.support.webhook_receiver import WebhookReceiver


@pytest.fixture(scope="module")
def receiver(tmp_path_factory: pytest.TempPathFactory):
    """Answers 500 once, then 200 with a reply."""
    running = WebhookReceiver(
        tmp_path_factory.mktemp("hook"), [(500, None), (200, {"text": "on it"})]
    ).start()
    yield running
    running.stop()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, receiver: WebhookReceiver):
    running = ParleyServer(
        tmp_path_factory.mktemp("bots"),
        env={
            "PARLEY_COMMANDS": "echo=tests.support.commands.echo",
            "PARLEY_WEBHOOK_CA_FILE": str(receiver.ca_file),
            "PARLEY_WEBHOOK_ALLOW_PRIVATE_ADDRESSES": "1",
            "PARLEY_WEBHOOK_RETRY_SECS": "0.1",
        },
    ).start()
    yield running
    running.stop()


async def test_a_slash_command_is_answered_and_an_unknown_one_refused(
    server: ParleyServer,
):
    alice, bob = (User.sign_up(server, unique(n)) for n in ("alice", "bob"))
    room = unique("shop")
    async with await alice.connect() as a, await bob.connect() as b:
        await subscribe(a, room)
        await subscribe(b, room)
        await send(a, type="send", room=room, text="/nope 1", client_id="c1")
        refused = await recv_type(a, "error")
        assert (refused["code"], refused["ref"]) == ("unknown_command", "c1")
        await send(a, type="send", room=room, text="//nope 1", client_id="c2")
        assert (await recv_type(a, "ack"))["seq"] == 1
        assert (await recv_type(b, "message"))["text"] == "/nope 1"
        await send(a, type="send", room=room, text="/echo hi there", client_id="c3")
        assert (await recv_type(a, "ack"))["seq"] == 2
        asked = await recv_type(b, "message")
        answered = await recv_type(b, "message")
        assert (asked["seq"], asked["text"]) == (2, "/echo hi there")
        assert (answered["author"], answered["text"]) == (
            "commands#bot",
            f"{alice.username} in {room}: hi there",
        )
        assert answered["reply_to"]["id"] == asked["id"]


async def test_a_webhook_is_retried_and_its_reply_reaches_the_room(
    server: ParleyServer, receiver: WebhookReceiver
):
    alice = User.sign_up(server, unique("alice"))
    with alice.http() as http:
        slug = http.post("/api/rooms", json={"title": unique("Deploys")}).json()["slug"]
        made = http.post(
            f"/api/rooms/{slug}/webhooks", json={"url": receiver.url, "name": "CI"}
        )
        assert made.status_code == 201, made.text
    hook = made.json()
    async with await alice.connect() as ws:
        await subscribe(ws, slug)
        await send(ws, type="send", room=slug, text="deploy", client_id="d1")
        mine = await recv_type(ws, "message")
        reply = await recv_type(ws, "message")
    assert (reply["author"], reply["author_name"], reply["text"]) == (
        hook["bot"],
        "CI",
        "on it",
    )
    assert reply["reply_to"]["id"] == mine["id"]
    first, second = receiver.received
    assert first.headers["x-parley-delivery"] == second.headers["x-parley-delivery"]
    for request in (first, second):
        fields = dict(
            p.split("=", 1) for p in request.headers["x-parley-signature"].split(",")
        )
        expected = hmac.new(
            hook["secret"].encode(),
            fields["t"].encode() + b"." + request.body,
            hashlib.sha256,
        ).hexdigest()
        assert hmac.compare_digest(fields["v1"], expected)
    assert orjson.loads(second.body)["message"]["text"] == "deploy"
