"""The worker loop and consumer (``parley.bus.worker``) on an in-memory
layer, with a task of the test's own.

The worker process end to end, on Redis and RabbitMQ, is in
``tests/live/test_notifications.py``.
"""

import asyncio
import logging

import pytest
from channels.layers import InMemoryChannelLayer

from parley.bus import tasks, worker
from parley.bus.tasks import TASK_EVENT, TASKS_CHANNEL
from parley.bus.worker import ChannelReceiver, TaskConsumer, task_receiver, work

# Tasks run on the database thread (parley.db), which checks its connections
# around each call.
pytestmark = pytest.mark.django_db(transaction=True)

ran: list[dict] = []
stops: dict[str, tuple[asyncio.AbstractEventLoop, asyncio.Event]] = {}


def record(n: int, stop: str | None = None) -> None:
    """The test's task: note ``n``; with ``stop``, set that stop event."""
    ran.append({"n": n})
    if stop is not None:
        loop, event = stops[stop]
        loop.call_soon_threadsafe(event.set)


def fail(n: int) -> None:
    raise ZeroDivisionError(n)


@pytest.fixture(autouse=True)
def test_tasks(monkeypatch):
    monkeypatch.setitem(tasks.TASKS, "test.record", f"{__name__}.record")
    monkeypatch.setitem(tasks.TASKS, "test.fail", f"{__name__}.fail")
    ran.clear()
    yield
    ran.clear()
    stops.clear()


def task(name: str, **kwargs) -> dict:
    return {"type": TASK_EVENT, "task": name, "kwargs": kwargs}


async def test_the_worker_runs_tasks_in_turn_until_told_to_stop():
    """Tasks run one at a time, in order; once the stop event is set the
    task in hand is finished and no other is taken."""
    layer = InMemoryChannelLayer()
    stop = asyncio.Event()
    stops["here"] = (asyncio.get_running_loop(), stop)
    await layer.send(TASKS_CHANNEL, task("test.record", n=1))
    await layer.send(TASKS_CHANNEL, task("test.record", n=2, stop="here"))
    await layer.send(TASKS_CHANNEL, task("test.record", n=3))
    assert await work(layer, stop) == 2
    assert ran == [{"n": 1}, {"n": 2}]
    assert (await layer.receive(TASKS_CHANNEL))["kwargs"] == {"n": 3}


async def test_a_worker_waiting_for_a_task_stops_at_once():
    layer = InMemoryChannelLayer()
    stop = asyncio.Event()
    working = asyncio.ensure_future(work(layer, stop))
    await asyncio.sleep(0)
    stop.set()
    assert await working == 0
    assert ran == []


async def test_a_failing_or_unknown_task_is_logged_and_the_next_one_runs(caplog):
    layer = InMemoryChannelLayer()
    stop = asyncio.Event()
    stops["here"] = (asyncio.get_running_loop(), stop)
    await layer.send(TASKS_CHANNEL, task("test.fail", n=1))
    await layer.send(TASKS_CHANNEL, task("no.such.task"))
    await layer.send(TASKS_CHANNEL, task("test.record", n=2, stop="here"))
    with caplog.at_level(logging.ERROR, logger="parley.bus.worker"):
        assert await work(layer, stop) == 3
    assert ran == [{"n": 2}]
    failures = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert [r.getMessage() for r in failures] == [
        "task test.fail failed",
        "task no.such.task failed",
    ]
    assert all(r.exc_info for r in failures)


@pytest.mark.parametrize(
    "event", [task("no.such.task"), {"type": TASK_EVENT}, task("test.fail", n=1)]
)
def test_run_task_event_never_raises(event, caplog):
    """A task event that cannot run is logged with its traceback."""
    with caplog.at_level(logging.ERROR, logger="parley.bus.worker"):
        worker.run_task_event(event)
    assert caplog.records[-1].exc_info is not None


def test_the_task_consumer_runs_each_task_and_survives_a_failing_one(caplog):
    """``parley runworker parley-tasks`` dispatches ``parley.task`` events
    to ``TaskConsumer.parley_task``."""
    consumer = TaskConsumer()
    with caplog.at_level(logging.ERROR, logger="parley.bus.worker"):
        consumer.parley_task(task("test.fail", n=1))
        consumer.parley_task(task("test.record", n=2))
    assert ran == [{"n": 2}]
    assert "task test.fail failed" in caplog.text


def test_layers_other_than_rabbitmq_are_read_with_receive():
    """On memory and Redis a task is acknowledged on receipt."""
    receiver = task_receiver(InMemoryChannelLayer())
    assert isinstance(receiver, ChannelReceiver)
    assert receiver.channel == TASKS_CHANNEL
