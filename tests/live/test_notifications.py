"""Notifications end to end: a separate process notifies, a real socket hears.

The tutorials' example (README.md): the shop app's ``Order`` notifies its
owner from a ``post_save`` receiver. Here a ``parley shell`` process, not the
server, changes the order; the only link between them is the database and
the channel layer, as between a project's web workers and Parley. Mention
notifications are deferred to real ``parley worker`` processes.

Every test runs on Redis and on RabbitMQ (one broker each for the module:
RabbitMQ takes seconds to start), with one server per broker.
"""

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support.engines import RabbitMQServer
from tests.support.relay import TcpRelay
from tests.support.servers import (
    HEALTHY,
    ParleyServer,
    User,
    collect,
    healthz,
    recv_type,
    send,
    shop_env,
    subscribe,
    unique,
)

LAYERS = ("redis", "amqp")
# Each script's output must be free of these: a publish that failed or timed
# out logs a warning, an unclosed connection or event loop at exit a
# ResourceWarning (shown by PYTHONWARNINGS=default), a leaked coroutine a
# RuntimeWarning.
TROUBLE = ("Traceback", "RuntimeWarning", "ResourceWarning", "WARNING", "ERROR")


def start_shop(data: Path, layer_url: str) -> ParleyServer:
    """The shop on one broker, deferring mention notifications to workers."""
    env = shop_env(layer_url, PARLEY_DEFER_TASKS="1")
    return ParleyServer(data, env=env).start()


@pytest.fixture(scope="module")
def redis_shop(tmp_path_factory: pytest.TempPathFactory, redis_url: str):
    server = start_shop(tmp_path_factory.mktemp("shop"), redis_url)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def amqp_shop(tmp_path_factory: pytest.TempPathFactory, rabbitmq: RabbitMQServer):
    server = start_shop(tmp_path_factory.mktemp("shop"), rabbitmq.url)
    yield server
    server.stop()


@pytest.fixture(params=LAYERS)
def shop(request: pytest.FixtureRequest) -> ParleyServer:
    """The module's shop on each broker (both kept for the module, whatever
    order the tests run in)."""
    return request.getfixturevalue(f"{request.param}_shop")


def shell(server: ParleyServer, script: str, **env: str) -> str:
    """Run ``script`` in ``parley shell`` on ``server``'s settings; return
    its output (stdout and stderr), checked free of ``TROUBLE``."""
    result = subprocess.run(
        [sys.executable, "-m", "parley", "shell", "-c", script],
        env={**server.env, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    return output


def assert_untroubled(output: str) -> None:
    assert not [word for word in TROUBLE if word in output], output


SHIP_ORDER = """
from django.contrib.auth import get_user_model
from django.db import transaction
from tests.support.shop.models import Order

owner = get_user_model().objects.get(username={owner!r})
order = Order.objects.create(owner=owner, number={number})
try:
    with transaction.atomic():
        order.status = "lost"
        order.save()
        raise RuntimeError("rolled back: nobody hears of it")
except RuntimeError:
    pass
order = Order.objects.get(number={number})
order.status = "shipped"
order.save()
"""


async def test_an_order_shipped_in_another_process_reaches_the_owners_tabs(
    shop: ParleyServer,
):
    owner = User.sign_up(shop, unique("shopper"))
    async with await owner.connect() as first, await owner.connect() as second:
        await subscribe(first, "lobby")  # one tab in a room, one on the list
        output = shell(shop, SHIP_ORDER.format(owner=owner.username, number=42))
        for tab in (first, second):
            placed = await recv_type(tab, "notification")
            shipped = await recv_type(tab, "notification")
            assert placed["title"] == "Order #42 is placed"
            assert (shipped["kind"], shipped["title"], shipped["url"]) == (
                "order",
                "Order #42 is shipped",
                "/orders/42/",
            )
            assert shipped["data"] == {"order": 42, "status": "shipped"}
    assert_untroubled(output)
    with owner.http() as http:
        page = http.get("/api/notifications").json()
    assert [n["title"] for n in page["notifications"]] == [
        "Order #42 is shipped",
        "Order #42 is placed",
    ]
    assert page["unread"] == 2


NOTIFY_AGAIN_AND_AGAIN = """
import threading
import time

from django.contrib.auth import get_user_model
from django.db import connection, transaction

import parley

owner = get_user_model().objects.get(username={owner!r})


def note(title):
    parley.notify(owner, kind="note", title=title)


def note_from_a_thread(title):
    try:
        note(title)
    finally:
        connection.close()  # this thread's own


note("one")
note("two")
thread = threading.Thread(target=note_from_a_thread, args=("three",))
thread.start()
thread.join()
try:
    with transaction.atomic():
        note("rolled back")
        raise RuntimeError("nobody hears of it")
except RuntimeError:
    pass
time.sleep(1)  # idle, then once more on the same connection
note("four")
"""


async def test_a_script_notifies_again_and_again(shop: ParleyServer):
    """Three notifications in a row (one from another thread) and one after
    a pause all arrive, in order; the rolled-back one never does; the
    script exits cleanly."""
    owner = User.sign_up(shop, unique("noted"))
    async with await owner.connect() as tab:
        output = shell(shop, NOTIFY_AGAIN_AND_AGAIN.format(owner=owner.username))
        # From one process, in order: "rolled back" would come before "four".
        titles = [frame["title"] for frame in await collect(tab, "notification", 4)]
    assert titles == ["one", "two", "three", "four"]
    assert_untroubled(output)


class Worker:
    """``parley worker`` in a subprocess, on a server's environment."""

    def __init__(self, server: ParleyServer, log_path: Path):
        self.server = server
        self.log_path = log_path
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "parley", "worker"],
                env=self.server.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def stop(self) -> int | None:
        """SIGTERM; the exit code (None if it was not started)."""
        if self.process is None:
            return None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        return self.process.returncode


@pytest.fixture
def worker(shop: ParleyServer, tmp_path: Path):
    """A worker for the shop, not started yet."""
    worker = Worker(shop, tmp_path / "worker.log")
    yield worker
    worker.stop()


async def test_a_deferred_mention_waits_for_the_worker(
    shop: ParleyServer, worker: Worker
):
    """The server hands the mention to the layer; it waits there until a
    worker starts, which notifies once; on SIGTERM the worker exits
    cleanly."""
    alice = User.sign_up(shop, unique("alice"))
    bob = User.sign_up(shop, unique("bob"))
    async with await alice.connect() as a, await bob.connect() as b:
        await subscribe(a, "lobby")
        await send(
            a, type="send", room="lobby", text=f"@{bob.username} look", client_id="m1"
        )
        ack = await recv_type(a, "ack")
        await send(a, type="send", room="lobby", text="and this", client_id="m2")
        await recv_type(a, "ack")
        with bob.http() as http:
            assert http.get("/api/notifications").json()["notifications"] == []
        worker.start()
        mention = await recv_type(b, "notification", timeout=30)
        assert (mention["kind"], mention["title"]) == (
            "mention",
            f"{alice.username} mentioned you in lobby",
        )
        assert mention["data"]["message"] == ack["id"]
        assert worker.process.poll() is None, worker.log_path.read_text()
    assert worker.stop() == 0
    assert_untroubled(worker.log_path.read_text())
    with bob.http() as http:
        assert len(http.get("/api/notifications").json()["notifications"]) == 1


def test_a_worker_on_the_memory_layer_is_refused_with_the_reason(tmp_path):
    server = ParleyServer(tmp_path)  # not started: its settings are enough
    result = subprocess.run(
        [sys.executable, "-m", "parley", "worker"],
        env=server.env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert "needs CHANNEL_LAYER_URL=redis://... or amqp://..." in result.stderr
    assert "Traceback" not in result.stderr


NOTIFY_WHILE_DOWN = """
from django.contrib.auth import get_user_model

import parley
from tests.support.relay import TcpRelay

owner = get_user_model().objects.get(username={owner!r})
parley.notify(owner, kind="note", title="while down")
print("returned while down")
# The broker is back (the relay's threads end with the process).
relay = TcpRelay({broker_port}, port={relay_port}).start()
assert relay.accepted.wait(10), "the layer never reconnected"
parley.notify(owner, kind="note", title="back")
"""


def wait_until_healthy(server: ParleyServer, within_secs: float) -> None:
    deadline = time.monotonic() + within_secs
    while (answer := healthz(server)) != (200, HEALTHY):
        assert time.monotonic() < deadline, answer
        time.sleep(0.2)


async def test_a_script_notifying_while_rabbitmq_is_down_is_not_held(
    rabbitmq, amqp_shop
):
    """With its broker down, ``parley.notify`` returns after
    ``PARLEY_PUBLISH_TIMEOUT_SECS`` (logged; the notification is stored),
    and once the broker is back the next one arrives."""
    owner = User.sign_up(amqp_shop, unique("patient"))
    relay = TcpRelay(rabbitmq.port)  # not started: the broker is "down"
    script = NOTIFY_WHILE_DOWN.format(
        owner=owner.username, broker_port=rabbitmq.port, relay_port=relay.port
    )
    async with await owner.connect() as tab:
        output = shell(
            amqp_shop,
            script,
            CHANNEL_LAYER_URL=relay.amqp_url,
            PARLEY_PUBLISH_TIMEOUT_SECS="1",
        )
        assert "returned while down" in output
        assert "did not take the event within 1.0 s" in output
        assert (await recv_type(tab, "notification"))["title"] == "back"
    with owner.http() as http:
        titles = [
            n["title"] for n in http.get("/api/notifications").json()["notifications"]
        ]
    assert titles == ["back", "while down"]


async def test_a_server_started_while_rabbitmq_is_down_recovers(rabbitmq, tmp_path):
    """Health checks that time out while the broker is down (each cancels a
    call waiting for the connection) leave the layer working: once the
    broker is back, /healthz is 200 and messages flow."""
    relay = TcpRelay(rabbitmq.port)
    env = {"CHANNEL_LAYER_URL": relay.amqp_url, "PARLEY_HEALTH_TIMEOUT_SECS": "0.5"}
    server = ParleyServer(tmp_path, env=env).start()
    try:
        status, body = healthz(server)
        assert (status, body["channel_layer"]) == (503, "timeout")
        relay.start()
        wait_until_healthy(server, within_secs=20)
        alice = User.sign_up(server, "alice")
        async with await alice.connect() as ws:
            await subscribe(ws, "back")
            await send(ws, type="send", room="back", text="hi", client_id="1")
            assert (await recv_type(ws, "message"))["text"] == "hi"
    finally:
        server.stop()  # before the relay: its shutdown still reaches the broker
        relay.stop()
