"""Notifications: stored, pushed after the commit, listed and marked read."""

from pathlib import Path

import orjson
import pytest
from channels.layers import get_channel_layer
from django.db import transaction

import parley
from parley.models import Notification
from parley.services import notifications
from parley.wire import shapes
from parley.wire.errors import ErrorCode, NotFound, ParleyError
from parley.wire.events import user_group
from tests.support.shop.models import Order
from tests.unit.services.frames import Listener

pytestmark = pytest.mark.django_db


def test_notify_stores_and_pushes_to_every_tab(
    alice, django_capture_on_commit_callbacks
):
    tabs = Listener.user(alice), Listener.user(alice)
    with django_capture_on_commit_callbacks(execute=True):
        stored = parley.notify(
            alice,
            kind="order",
            title="Order #42 is shipped",
            body="It left the warehouse.",
            url="/orders/42/",
            data={"order": 42},
        )
    expected = {
        "type": "notification",
        "id": stored.id,
        "kind": "order",
        "title": "Order #42 is shipped",
        "body": "It left the warehouse.",
        "url": "/orders/42/",
        "data": {"order": 42},
        "ts": shapes.notification(stored)["ts"],
    }
    for tab in tabs:
        assert tab.frames() == [expected]
    assert Notification.objects.get().title == "Order #42 is shipped"


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_transaction_notifies_nobody(alice):
    tab = Listener.user(alice)
    order = Order.objects.create(owner=alice, number=7)
    assert tab.next_frame()["title"] == "Order #7 is placed"
    with pytest.raises(RuntimeError), transaction.atomic():
        order.status = "shipped"
        order.save()
        raise RuntimeError("payment failed")
    order = Order.objects.get()
    order.status = "cancelled"
    order.save()
    cancelled = Notification.objects.get(title__endswith="cancelled")
    # The next frame is the committed change: the rolled-back one never left.
    assert tab.frames() == [
        {
            "type": "notification",
            "id": cancelled.id,
            "kind": "order",
            "title": "Order #7 is cancelled",
            "body": "",
            "url": "/orders/7/",
            "data": {"order": 7, "status": "cancelled"},
            "ts": shapes.notification(cancelled)["ts"],
        }
    ]
    assert [n.title for n in Notification.objects.order_by("id")] == [
        "Order #7 is placed",
        "Order #7 is cancelled",
    ]


@pytest.mark.django_db(transaction=True)
async def test_anotify_works_from_async_code(alice):
    layer = get_channel_layer()
    tab = await layer.new_channel()
    await layer.group_add(user_group(alice.pk), tab)
    stored = await parley.anotify(alice, kind="ping", title="From a coroutine")
    frame = orjson.loads((await layer.receive(tab))["frame"])
    assert (frame["id"], frame["title"]) == (stored.pk, "From a coroutine")


def test_an_idempotency_key_notifies_once(alice, django_capture_on_commit_callbacks):
    tab = Listener.user(alice)
    with django_capture_on_commit_callbacks(execute=True):
        first = parley.notify(alice, kind="k", title="once", key="job-1")
        again = parley.notify(alice, kind="k", title="twice?", key="job-1")
    assert again.pk == first.pk and again.title == "once"
    assert len(tab.frames()) == 1


@pytest.mark.parametrize(
    "fields",
    [
        {"kind": "", "title": "t"},
        {"kind": "k" * 33, "title": "t"},
        {"kind": "k", "title": ""},
        {"kind": "k", "title": "t" * 201},
        {"kind": "k", "title": "t", "url": "/" * 501},
        {"kind": "k", "title": "t", "key": "x" * 101},
    ],
)
def test_bad_fields_are_refused(alice, fields):
    with pytest.raises(ParleyError) as error:
        parley.notify(alice, **fields)
    assert error.value.code == ErrorCode.INVALID_REQUEST
    assert not Notification.objects.exists()


def test_the_longest_fields_are_kept(alice):
    stored = parley.notify(
        alice, kind="k" * 32, title="t" * 200, url="/" * 500, key="x" * 100
    )
    stored.refresh_from_db()
    assert (len(stored.kind), len(stored.title), len(stored.url)) == (32, 200, 500)


def test_pages_newest_first_with_the_unread_count(alice, make_user, settings):
    settings.PARLEY_NOTIFICATIONS_PAGE_MAX = 2
    made = [parley.notify(alice, kind="k", title=f"n{i}") for i in range(5)]
    parley.notify(make_user("bob"), kind="k", title="not alice's")
    first = notifications.notifications_page(user=alice, limit=50)
    assert [n.title for n in first.notifications] == ["n4", "n3"]
    assert (first.unread, first.next_before) == (5, made[3].id)
    second = notifications.notifications_page(user=alice, before=first.next_before)
    assert [n.title for n in second.notifications] == ["n2", "n1"]
    last = notifications.notifications_page(user=alice, before=second.next_before)
    assert [n.title for n in last.notifications] == ["n0"]
    assert last.next_before is None


def test_marking_read_one_and_all(alice, make_user):
    first, second, _third = (
        parley.notify(alice, kind="k", title=str(i)) for i in range(3)
    )
    assert notifications.mark_notification_read(user=alice, notification_id=first.id)
    assert notifications.notifications_page(user=alice).unread == 2
    assert notifications.mark_all_notifications_read(user=alice) == 2
    assert notifications.notifications_page(user=alice).unread == 0
    with pytest.raises(NotFound):
        notifications.mark_notification_read(
            user=make_user("bob"), notification_id=second.id
        )


def test_importing_parley_needs_no_django_setup():
    import subprocess
    import sys

    code = "import parley; print(parley.notify.__name__, parley.__version__)"
    done = subprocess.run(
        [sys.executable, "-c", code],
        env={"PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.startswith("notify ")


def test_the_readme_shows_the_shop_apps_code():
    root = Path(__file__).resolve().parents[3]
    readme = (root / "README.md").read_text()
    block = next(b for b in readme.split("```python")[1:] if "class Order" in b)
    code = block.split("```")[0]
    shop = (root / "tests" / "support" / "shop" / "models.py").read_text().splitlines()
    assert [line for line in code.splitlines() if line and line not in shop] == []


def test_the_default_page_is_the_default_setting(alice, settings):
    settings.PARLEY_NOTIFICATIONS_PAGE_DEFAULT = 2
    for i in range(3):
        parley.notify(alice, kind="k", title=f"n{i}")
    page = notifications.notifications_page(user=alice)
    assert [n.title for n in page.notifications] == ["n2", "n1"]
    assert page.next_before is not None
    assert len(notifications.notifications_page(user=alice, limit=3).notifications) == 3
