"""Notifications end to end: a separate process notifies, a real socket hears.

The tutorials' example (README.md): the shop app's ``Order`` notifies its
owner from a ``post_save`` receiver. Here a ``parley shell`` process, not the
server, changes the order; the only link between them is the database and
the Redis channel layer, as between a project's web workers and Parley. And
mention notifications deferred to a real ``parley runworker parley-tasks``.
"""

import subprocess
import sys
from pathlib import Path

import pytest

from tests.servers import (
    ParleyServer,
    RedisServer,
    User,
    parley_command,
    recv_type,
    send,
    subscribe,
)

ROOT = Path(__file__).resolve().parent.parent


def shop_env(redis: RedisServer, **extra: str) -> dict[str, str]:
    return {
        "DJANGO_SETTINGS_MODULE": "tests.shop.settings",
        "CHANNEL_LAYER_URL": redis.url,
        "PYTHONPATH": str(ROOT),
        **extra,
    }


@pytest.fixture
def shop(tmp_path: Path, redis_server: RedisServer):
    server = ParleyServer(tmp_path / "shop", env=shop_env(redis_server)).start()
    yield server
    server.stop()


SHIP_ORDER = """
from django.contrib.auth import get_user_model
from django.db import transaction
from tests.shop.models import Order

owner = get_user_model().objects.get(username={owner!r})
order = Order.objects.create(owner=owner, number=42)
try:
    with transaction.atomic():
        order.status = "lost"
        order.save()
        raise RuntimeError("rolled back: nobody hears of it")
except RuntimeError:
    pass
order = Order.objects.get(number=42)
order.status = "shipped"
order.save()
"""


async def test_an_order_shipped_in_another_process_reaches_the_owners_tabs(
    shop: ParleyServer,
):
    owner = User.sign_up(shop, "shopper")
    async with await owner.connect() as first, await owner.connect() as second:
        await subscribe(first, "lobby")  # one tab in a room, one on the list
        parley_command(shop, "shell", "-c", SHIP_ORDER.format(owner="shopper"))
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
    with owner.http() as http:
        page = http.get("/api/notifications").json()
    assert [n["title"] for n in page["notifications"]] == [
        "Order #42 is shipped",
        "Order #42 is placed",
    ]
    assert page["unread"] == 2


class Worker:
    """``parley runworker parley-tasks`` in a subprocess, on a server's
    environment."""

    def __init__(self, server: ParleyServer, log_path: Path):
        self.server = server
        self.log_path = log_path
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "parley", "runworker", "parley-tasks"],
                env=self.server.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)


@pytest.fixture
def deferring(tmp_path: Path, redis_server: RedisServer):
    """A server that defers tasks, and a worker not started yet."""
    env = shop_env(redis_server, PARLEY_DEFER_TASKS="1")
    server = ParleyServer(tmp_path / "data", env=env).start()
    worker = Worker(server, tmp_path / "worker.log")
    yield server, worker
    worker.stop()
    server.stop()


async def test_a_deferred_mention_waits_for_the_worker(deferring):
    server, worker = deferring
    alice = User.sign_up(server, "alice")
    bob = User.sign_up(server, "bob")
    async with await alice.connect() as a, await bob.connect() as b:
        await subscribe(a, "lobby")
        await send(a, type="send", room="lobby", text="@bob look", client_id="m1")
        ack = await recv_type(a, "ack")
        await send(a, type="send", room="lobby", text="and this", client_id="m2")
        await recv_type(a, "ack")
        with bob.http() as http:
            assert http.get("/api/notifications").json()["notifications"] == []
        # The task waits on the channel layer until a worker takes it.
        worker.start()
        mention = await recv_type(b, "notification", timeout=30)
    assert (mention["kind"], mention["title"]) == (
        "mention",
        "alice mentioned you in lobby",
    )
    assert mention["data"]["message"] == ack["id"]
    assert worker.process.poll() is None, worker.log_path.read_text()
