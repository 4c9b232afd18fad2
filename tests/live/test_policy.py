"""A host's policy deciding reads, posts and names over real sockets and HTTP.

The shop (``tests/support/shop``) runs under ``parley serve`` with
``PARLEY_POLICY = "tests.support.shop.chat.Policy"``: an order's room
(``parley.room_for(order)``, made by a ``parley shell`` process, as a host's
view would) is read and written by the order's owner and the staff only,
and staff appear as "<name> (Shop)".
"""

import subprocess
import sys

import pytest

from tests.support.servers import (
    ParleyServer,
    User,
    recv_type,
    send,
    shop_env,
    subscribe,
    unique,
)

SHOP_POLICY = "tests.support.shop.chat.Policy"

OPEN_ORDER = """
from django.contrib.auth import get_user_model
import parley
from tests.support.shop.models import Order

users = get_user_model().objects
users.filter(username={staff!r}).update(is_staff=True)
order = Order.objects.create(owner=users.get(username={owner!r}), number={number})
print(parley.room_for(order).slug)
"""


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory):
    env = shop_env("memory://", PARLEY_POLICY=SHOP_POLICY)
    server = ParleyServer(tmp_path_factory.mktemp("policy"), env=env).start()
    yield server
    server.stop()


def open_order(server: ParleyServer, owner: User, staff: User, number: int) -> str:
    """The slug of a new order's room, made by another process."""
    script = OPEN_ORDER.format(
        owner=owner.username, staff=staff.username, number=number
    )
    result = subprocess.run(
        [sys.executable, "-m", "parley", "shell", "-c", script],
        env=server.env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout.strip().splitlines()[-1]


async def test_only_the_customer_and_staff_read_and_post_in_an_orders_room(
    shop: ParleyServer,
):
    customer, clerk, stranger = (
        User.sign_up(shop, unique(name)) for name in ("customer", "clerk", "stranger")
    )
    slug = open_order(shop, customer, clerk, number=42)
    async with (
        await customer.connect() as mine,
        await clerk.connect() as shop_tab,
        await stranger.connect() as outside,
    ):
        await subscribe(mine, slug)
        await subscribe(shop_tab, slug)
        for frame in (
            {"type": "subscribe", "room": slug},
            {"type": "send", "room": slug, "text": "me too", "client_id": "s1"},
        ):
            await send(outside, **frame)
            assert (await recv_type(outside, "error"))["code"] == "room_not_found"

        await send(mine, type="send", room=slug, text="Where is it?", client_id="c1")
        assert (await recv_type(mine, "ack"))["seq"] == 1
        asked = await recv_type(shop_tab, "message")
        assert (asked["text"], asked["author_name"]) == (
            "Where is it?",
            customer.username,
        )
        await send(shop_tab, type="send", room=slug, text="Shipped", client_id="k1")
        answers = [await recv_type(mine, "message") for _ in range(2)]
        assert answers[-1]["text"] == "Shipped"
        assert answers[-1]["author_name"] == f"{clerk.username} (Shop)"

    with stranger.http() as http:
        assert http.get(f"/api/rooms/{slug}/messages").status_code == 404
        posted = http.post(f"/api/rooms/{slug}/messages", json={"text": "hi"})
        assert (posted.status_code, posted.json()["code"]) == (404, "room_not_found")
        assert http.get(f"/chat/{slug}/").status_code == 404
        listed = http.get("/api/rooms").json()["items"]
        assert slug not in [room["slug"] for room in listed]
    with customer.http() as http:
        posted = http.post(f"/api/rooms/{slug}/messages", json={"text": "Thanks!"})
        assert posted.status_code == 201, posted.text
        page = http.get(f"/api/rooms/{slug}/messages").json()["messages"]
        assert [(m["author_name"], m["text"]) for m in reversed(page)] == [
            (customer.username, "Where is it?"),
            (f"{clerk.username} (Shop)", "Shipped"),
            (customer.username, "Thanks!"),
        ]
        assert http.get(f"/chat/{slug}/").status_code == 200
        listed = http.get("/api/rooms").json()["items"]
        assert slug in [room["slug"] for room in listed]
