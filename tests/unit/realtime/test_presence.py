"""Presence expiry on a fake clock (``parley.realtime.presence``).

A process that stops beating (killed: no goodbye) is dropped after two
missed beats, checked every half beat: its users go offline after the
beat's TTL (``2/3 * PARLEY_PRESENCE_TTL_SECS``) and within
``5/6 * PARLEY_PRESENCE_TTL_SECS``, never before. The module's clock
(``time.monotonic``) and its sleep are replaced here, so no real time
passes; ``tests/live/test_realtime.py`` kills a real process.
"""

import asyncio
import types

import orjson
import pytest

from parley.realtime import presence
from parley.realtime.presence import Presence

TTL_SECS = 30.0
BEAT_SECS = TTL_SECS / 3
LOBBY, GHOST, OTHER = 1, 7, "host:123:deadbeef"


class FakeClock:
    """``time.monotonic`` and ``asyncio.sleep`` for the presence module:
    sleeping moves the clock on at once; ``tick()`` waits for a sleep."""

    def __init__(self, now: float = 1000.0) -> None:
        self.now = now
        self.slept: list[float] = []
        self.ticked = asyncio.Event()

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, secs: float) -> None:
        self.slept.append(secs)
        self.now += secs
        self.ticked.set()
        await asyncio.sleep(0)

    async def tick(self) -> None:
        self.ticked.clear()
        await self.ticked.wait()


class FakeHub:
    """What ``Presence`` uses of the hub: one room with a socket, and the
    presence frames it was given to deliver, with the clock's time."""

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.slugs = {LOBBY: "lobby"}
        self.rooms = {LOBBY: {"a socket"}}
        self.delivered: list[tuple[float, dict]] = []

    def deliver_presence(self, room_id: int, frame: str) -> None:
        self.delivered.append((self.clock.now, orjson.loads(frame)))

    def spawn(self, coroutine) -> None:
        coroutine.close()  # nothing is published in these tests


@pytest.fixture
def clock(monkeypatch, settings) -> FakeClock:
    settings.PARLEY_PRESENCE_TTL_SECS = TTL_SECS
    fake = FakeClock()
    monkeypatch.setattr(
        presence, "time", types.SimpleNamespace(monotonic=fake.monotonic)
    )
    monkeypatch.setattr(presence, "asyncio", types.SimpleNamespace(sleep=fake.sleep))
    return fake


@pytest.fixture
def here(clock: FakeClock) -> Presence:
    """This process's presence; it publishes nothing (``_send`` is a no-op)."""
    hub = FakeHub(clock)
    view = Presence(hub)

    async def publish_nothing(kind: str, **fields) -> None:
        pass

    view._send = publish_nothing
    return view


def beat_from_the_other_process(here: Presence) -> None:
    """The other process says the ghost follows the lobby (as ``beat()``
    sends it: with a TTL of two beats)."""
    here.receive(
        {
            "type": "presence.beat",
            "process": OTHER,
            "ttl": 2 * BEAT_SECS,
            "entries": [[LOBBY, GHOST, "ghost"]],
        }
    )


def frames(here: Presence) -> list[tuple[float, bool]]:
    return [(at, frame["online"]) for at, frame in here.hub.delivered]


def test_users_of_a_silent_process_are_online_until_the_ttl_then_offline(
    clock: FakeClock, here: Presence
):
    """Checked at any moment: online up to the beat's TTL, offline after."""
    beat_from_the_other_process(here)
    last_beat = clock.now
    assert here.is_online(LOBBY, GHOST) and here.online(LOBBY) == ["ghost"]
    for after in (0.0, BEAT_SECS, 2 * BEAT_SECS - 0.001, 2 * BEAT_SECS):
        here.expire(last_beat + after)
        assert here.is_online(LOBBY, GHOST), f"offline {after} s after its beat"
    here.expire(last_beat + 2 * BEAT_SECS + 0.001)
    assert not here.is_online(LOBBY, GHOST) and here.online(LOBBY) == []
    assert frames(here) == [(last_beat, True), (last_beat, False)]
    assert OTHER not in here.peers


async def test_the_periodic_check_takes_users_of_a_silent_process_offline_in_time(
    clock: FakeClock, here: Presence
):
    """Driven by ``beat_periodically`` itself: the ghost goes offline after
    two beats' silence (2/3 of the TTL) and by 5/6 of the TTL, not before;
    the check ran at every half beat in between."""
    beat_from_the_other_process(here)
    last_beat = clock.now
    checking = asyncio.create_task(here.beat_periodically())
    while here.is_online(LOBBY, GHOST):
        assert clock.now - last_beat <= 5 / 6 * TTL_SECS, "a ghost outlived the TTL"
        await clock.tick()
    checking.cancel()
    with pytest.raises(asyncio.CancelledError):
        await checking
    [(came, online), (went, offline)] = frames(here)
    assert (came, online, offline) == (last_beat, True, False)
    assert 2 / 3 * TTL_SECS < went - last_beat <= 5 / 6 * TTL_SECS
    assert set(clock.slept) == {BEAT_SECS / 2}


async def test_a_process_that_keeps_beating_keeps_its_users_online(
    clock: FakeClock, here: Presence
):
    """The control: beats every third of the TTL, for many TTLs, and the
    user never goes offline."""
    checking = asyncio.create_task(here.beat_periodically())
    for _ in range(30):
        beat_from_the_other_process(here)
        until = clock.now + BEAT_SECS
        while clock.now < until:
            await clock.tick()
        assert here.is_online(LOBBY, GHOST)
    checking.cancel()
    with pytest.raises(asyncio.CancelledError):
        await checking
    assert [online for _, online in frames(here)] == [True]
    assert clock.now - 1000.0 >= 10 * TTL_SECS


# Coalescing ----------------------------------------------------------------


class SettlingHub(FakeHub):
    """A hub that keeps what presence spawns, to run it when the test says:
    the coalescing window's end."""

    def __init__(self, clock: FakeClock) -> None:
        super().__init__(clock)
        self.spawned: list = []

    def spawn(self, coroutine) -> None:
        self.spawned.append(coroutine)

    async def window_ends(self) -> None:
        spawned, self.spawned = self.spawned, []
        for coroutine in spawned:
            await coroutine


@pytest.fixture
def settling(clock: FakeClock, settings):
    settings.PARLEY_PRESENCE_COALESCE_SECS = 1.0
    view = Presence(SettlingHub(clock))
    sent: list[dict] = []

    async def publish(kind: str, **fields) -> None:
        sent.append({"type": kind, **fields})

    view._send = publish
    view.sent = sent
    return view


async def test_a_change_and_its_reversal_within_the_window_send_nothing(settling):
    """A flood of subscribe and unsubscribe: no frame, no delta, whatever
    the number of flips, as long as the window ends where it began."""
    for _ in range(100):
        settling.add(LOBBY, GHOST, "ghost")
        settling.remove(LOBBY, GHOST)
    await settling.hub.window_ends()
    assert frames(settling) == []
    assert settling.sent == []
    assert settling.hub.clock.slept == [1.0]  # one window for the pair


async def test_a_change_that_holds_is_told_once_at_the_window_end(settling):
    for _ in range(50):
        settling.add(LOBBY, GHOST, "ghost")
        settling.remove(LOBBY, GHOST)
    settling.add(LOBBY, GHOST, "ghost")
    assert frames(settling) == []
    await settling.hub.window_ends()
    assert frames(settling) == [(1001.0, True)]
    assert [(e["type"], e["online"]) for e in settling.sent] == [
        ("presence.delta", True)
    ]
    # The next change opens a new window.
    settling.remove(LOBBY, GHOST)
    await settling.hub.window_ends()
    assert [online for _, online in frames(settling)] == [True, False]


async def test_a_second_socket_of_an_online_user_changes_nothing(settling):
    settling.add(LOBBY, GHOST, "ghost")
    await settling.hub.window_ends()
    settling.add(LOBBY, GHOST, "ghost")
    settling.remove(LOBBY, GHOST)
    assert settling.hub.spawned == []
    assert settling.is_online(LOBBY, GHOST)
