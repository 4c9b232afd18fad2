"""The process's one subscription to the channel layer
(``parley.realtime.hub``), on the in-memory layer with fake sockets: groups
joined once, events handed to the right sockets, the store read once."""

import asyncio
import threading
from types import SimpleNamespace

import pytest

from parley.bus.publish import publish
from parley.realtime import hub as hub_module
from parley.realtime.hub import Hub
from parley.wire.events import room_event, room_group, user_frame, user_group
from parley.wire.frames import ServerFrameType

pytestmark = pytest.mark.usefixtures("fresh_layer")


class FakeSocket:
    """A local socket: what the hub hands it, minus presence frames."""

    def __init__(self, user_id: int):
        self.user_id = user_id
        self.username = f"user{user_id}"
        self.scope = {"user": SimpleNamespace(pk=user_id)}
        self.room_events: list[dict] = []
        self.user_events: list[dict] = []
        self.arrived = asyncio.Event()

    def room_event(self, event: dict) -> None:
        if not event.get("presence"):
            self.room_events.append(event)
            self.arrived.set()

    def user_event(self, event: dict) -> None:
        self.user_events.append(event)
        self.arrived.set()

    def catch_up(self, room_id: int, last_seq: int) -> None:
        pass


@pytest.fixture
async def hub(settings):
    """A hub whose periodic checks do not come round during a test."""
    settings.PARLEY_SUBSCRIPTION_CHECK_SECS = 3600
    settings.PARLEY_SESSION_CHECK_SECS = 3600
    hub = Hub()
    group_calls: list[tuple[str, str]] = []
    group_add, group_discard = hub.layer.group_add, hub.layer.group_discard

    async def counting_add(group, channel):
        group_calls.append(("add", group))
        await group_add(group, channel)

    async def counting_discard(group, channel):
        group_calls.append(("discard", group))
        await group_discard(group, channel)

    hub.layer = SimpleNamespace(
        **{
            name: getattr(hub.layer, name)
            for name in ("new_channel", "receive", "send", "group_send")
        },
        group_add=counting_add,
        group_discard=counting_discard,
    )
    hub.group_calls = group_calls
    yield hub
    await hub.close()


def adds(hub: Hub, group: str) -> int:
    return hub.group_calls.count(("add", group))


async def test_many_sockets_following_a_room_join_its_group_once(hub):
    sockets = [FakeSocket(n) for n in range(5)]
    await asyncio.gather(*(hub.follow(7, "lobby", s) for s in sockets))
    assert adds(hub, room_group(7)) == 1
    assert hub.rooms[7] == set(sockets)


async def test_a_room_event_reaches_every_local_socket_of_the_room_once(hub):
    """One event through the layer, handed to each follower; a socket of
    another room gets nothing."""
    here = [FakeSocket(1), FakeSocket(2)]
    elsewhere = FakeSocket(3)
    for socket in here:
        await hub.follow(7, "lobby", socket)
    await hub.follow(8, "other", elsewhere)
    event = room_event(7, '{"type":"typing"}')
    assert await publish(event) is True
    for socket in here:
        await socket.arrived.wait()
        assert socket.room_events == [event]
    assert elsewhere.room_events == []


async def test_a_user_event_reaches_that_users_sockets_only(hub):
    tab, other_tab, someone_else = FakeSocket(1), FakeSocket(1), FakeSocket(2)
    for socket in (tab, other_tab, someone_else):
        await hub.attach(socket)
    assert adds(hub, user_group(1)) == 1
    event = user_frame(1, ServerFrameType.READ, room="lobby", seq=2)
    hub.dispatch(event)
    assert tab.user_events == other_tab.user_events == [event]
    assert someone_else.user_events == []


async def test_unfollow_leaves_the_group_lazily_at_the_next_check(hub):
    """No churn for sockets that hop between rooms: the hub leaves the group
    at its check, and only if nobody follows the room by then."""
    socket = FakeSocket(1)
    await hub.follow(7, "lobby", socket)
    hub.unfollow(7, socket)
    hub.unfollow(7, socket)  # twice is harmless
    assert ("discard", room_group(7)) not in hub.group_calls
    hub.dispatch(room_event(7, "{}"))
    assert socket.room_events == []
    await hub.check()
    assert ("discard", room_group(7)) in hub.group_calls
    assert 7 not in hub.rooms and 7 not in hub.slugs


async def test_a_room_followed_again_before_the_check_stays_joined(hub):
    first, second = FakeSocket(1), FakeSocket(2)
    await hub.follow(7, "lobby", first)
    hub.unfollow(7, first)
    await hub.follow(7, "lobby", second)
    assert adds(hub, room_group(7)) == 1
    hub.detach(first)  # not attached: harmless
    hub.dispatch(room_event(7, "{}"))
    assert len(second.room_events) == 1


@pytest.mark.django_db(transaction=True)
async def test_concurrent_identical_ranges_share_one_read(hub, monkeypatch):
    """Sockets that missed the same events share one query and one
    encoding; another range is read on its own."""
    reads: list[tuple[int, int, int]] = []
    release = threading.Event()

    def frames_between(*, room_id, after, before):
        """Runs on the database thread, as the real one does."""
        reads.append((room_id, after, before))
        release.wait(timeout=10)
        return [(seq, f"frame {seq}") for seq in range(after + 1, before)]

    monkeypatch.setattr(hub_module, "frames_between", frames_between)
    same = [asyncio.ensure_future(hub.fetch(7, 2, 5)) for _ in range(4)]
    other = asyncio.ensure_future(hub.fetch(7, 3, 5))
    await asyncio.sleep(0)
    release.set()
    results = await asyncio.gather(*same)
    assert results == [[(3, "frame 3"), (4, "frame 4")]] * 4
    assert await other == [(4, "frame 4")]
    assert sorted(reads) == [(7, 2, 5), (7, 3, 5)]
    assert hub._fetches == {}, "a later fetch reads the store again"


def test_open_sockets_are_counted_per_user():
    hub = Hub()
    tab, other_tab, someone_else = FakeSocket(1), FakeSocket(1), FakeSocket(2)
    for socket in (tab, other_tab, someone_else):
        hub.add_socket(socket)
    assert (hub.socket_count(1), hub.socket_count(2), hub.socket_count(3)) == (2, 1, 0)
    hub.discard_socket(tab)
    hub.discard_socket(tab)  # idempotent
    assert hub.socket_count(1) == 1
    hub.discard_socket(other_tab)
    assert hub.socket_count(1) == 0 and 1 not in hub.user_sockets
    assert hub.sockets == {someone_else}


async def test_a_layer_outage_is_logged_once_then_its_end_with_a_count(
    monkeypatch, caplog
):
    """Five failed receives: one warning without a traceback, then one that
    the layer is back, with the count; then the event is dispatched."""
    monkeypatch.setattr(hub_module, "MAX_RETRY_SECS", 0.01)
    hub = Hub()
    hub.channel = "parley-hub.test"
    answers: list = [ConnectionError("Redis is restarting")] * 5 + [
        room_event(7, '{"type":"typing"}')
    ]
    dispatched = asyncio.Event()

    async def receive(channel):
        if not answers:
            await asyncio.sleep(3600)
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    monkeypatch.setattr(hub, "layer", SimpleNamespace(receive=receive))
    monkeypatch.setattr(hub, "check", lambda: asyncio.sleep(0))
    monkeypatch.setattr(hub, "dispatch", lambda event: dispatched.set())
    reader = asyncio.ensure_future(hub.read())
    try:
        await asyncio.wait_for(dispatched.wait(), 10)
    finally:
        reader.cancel()
    records = [r for r in caplog.records if r.name == hub_module.__name__]
    assert [r.levelname for r in records] == ["WARNING", "WARNING"]
    assert "Redis is restarting" in records[0].getMessage()
    assert "after 5 failed receives" in records[1].getMessage()
    assert all(r.exc_info is None for r in records)
