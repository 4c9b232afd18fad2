"""Each shared channel layer, by URL, under two real server processes.

Redis (channels_redis' core and pub/sub layers) and RabbitMQ
(channels_rabbitmq), each started by a fixture; the two Uvicorn processes
share one database. What a user notices: people on different processes
talk live, and a client that reconnects with ``after`` gets exactly what
it missed.
"""

import asyncio

import pytest

from tests.support import servers
from tests.support.servers import (
    HEALTHY,
    User,
    collect,
    healthz,
    recv_type,
    send,
    subscribe,
)

LAYERS = ("redis", "redis+pubsub", "amqp")


@pytest.fixture(params=LAYERS)
def layer_url(request: pytest.FixtureRequest) -> str:
    """A ``CHANNEL_LAYER_URL`` on a broker started for the test."""
    if request.param == "amqp":
        return request.getfixturevalue("rabbitmq_server").url
    url = request.getfixturevalue("redis_server").url
    return url.replace("redis://", f"{request.param}://", 1)


@pytest.fixture
def two_servers(tmp_path, layer_url):
    """Two Uvicorn processes on one database and one channel layer."""
    with servers.two_servers(tmp_path, {"CHANNEL_LAYER_URL": layer_url}) as pair:
        yield pair


async def test_people_on_two_processes_talk_live(two_servers):
    """A message sent on one process reaches a socket on the other; each
    process' /healthz makes its round trip through the layer."""
    first, second = two_servers
    for server in two_servers:
        assert healthz(server) == (200, HEALTHY)
    alice, bob = User.sign_up(first, "alice"), User.sign_up(second, "bob")
    async with await alice.connect() as a, await bob.connect() as b:
        await subscribe(a, "across")
        await subscribe(b, "across")
        await send(a, type="send", room="across", text="from one", client_id="a1")
        await send(b, type="send", room="across", text="from two", client_id="b1")
        for ws in (a, b):
            texts = {m["text"] for m in await collect(ws, "message", 2)}
            assert texts == {"from one", "from two"}


async def test_a_client_resuming_on_the_other_process_gets_exactly_the_gap(
    two_servers,
):
    """Messages sent while a socket was away are replayed once, then live."""
    first, second = two_servers
    alice, bob = User.sign_up(first, "alice"), User.sign_up(second, "bob")
    async with await alice.connect() as a:
        await subscribe(a, "gap")
        async with await bob.connect() as b:
            await subscribe(b, "gap")
            await send(a, type="send", room="gap", text="seen", client_id="0")
            seen = (await recv_type(a, "ack"))["seq"]
            assert (await recv_type(b, "message"))["seq"] == seen
        for i in range(1, 4):
            await send(a, type="send", room="gap", text=f"missed {i}", client_id=str(i))
        acks = await collect(a, "ack", 3)
        # Bob comes back (on his process); what Alice sends next crosses over.
        async with await bob.connect() as b:
            subscribed = await subscribe(b, "gap", after=seen)
            assert subscribed["last_seq"] == acks[-1]["seq"]
            replayed = await collect(b, "message", 3)
            assert [m["text"] for m in replayed] == ["missed 1", "missed 2", "missed 3"]
            assert [m["seq"] for m in replayed] == [seen + 1, seen + 2, seen + 3]
            await send(a, type="send", room="gap", text="live", client_id="4")
            live = await recv_type(b, "message")
            assert (live["text"], live["seq"]) == ("live", seen + 4)


async def wait_for_presence(ws, username: str, online: bool) -> None:
    """Wait for the ``presence`` frame saying ``username`` came or went."""
    while True:
        frame = await recv_type(ws, "presence")
        if (frame["user"], frame["online"]) == (username, online):
            return


async def test_presence_is_right_across_the_two_processes(two_servers):
    """Alice, on one process, is online for Bob on the other, and goes
    offline for him when her socket closes."""
    first, second = two_servers
    alice, bob = User.sign_up(first, "alice"), User.sign_up(second, "bob")
    async with await alice.connect() as a:
        await subscribe(a, "who")
        async with await bob.connect() as b:
            subscribed = await subscribe(b, "who")
            # Alice's process has told Bob's already, or tells it soon.
            if "alice" not in subscribed["online"]:
                await wait_for_presence(b, "alice", online=True)
            await wait_for_presence(a, "bob", online=True)
            await a.close()
            await wait_for_presence(b, "alice", online=False)


# A minute of real time: channels_redis' receive blocks 5 s at a time, and
# the timeouts it raced (redis-py 8's 5 s socket timeout) were lost about
# every 10 s, so a minute shows several rounds.
IDLE_SECS = 60


@pytest.mark.slow
@pytest.mark.timeout(IDLE_SECS + 120)
async def test_an_idle_redis_deployment_logs_no_warning(tmp_path, redis_server):
    """Two processes on a healthy, idle Redis, each with a subscribed socket,
    log no warning in a minute, and still talk afterwards."""
    env = {"CHANNEL_LAYER_URL": redis_server.url}
    with servers.two_servers(tmp_path, env) as (first, second):
        alice, bob = User.sign_up(first, "alice"), User.sign_up(second, "bob")
        async with await alice.connect() as a, await bob.connect() as b:
            await subscribe(a, "quiet")
            await subscribe(b, "quiet")
            await asyncio.sleep(IDLE_SECS)
            await send(a, type="send", room="quiet", text="still here", client_id="q")
            assert (await recv_type(b, "message"))["text"] == "still here"
        for server in (first, second):
            log = server.log.read_text()
            assert " WARNING " not in log and "Traceback" not in log, log[-3000:]
