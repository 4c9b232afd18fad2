"""Background checks (``parley.realtime.periodic.every``) on a fake sleep:
the pauses, their jitter, and a check that fails."""

import logging
from types import SimpleNamespace

import pytest

from parley.realtime import periodic


class Stop(Exception):
    """Ends the endless loop from the fake sleep."""


class FakeSleep(list):
    """``asyncio.sleep`` that returns at once and keeps each pause asked
    for; after ``limit`` pauses it raises ``Stop``."""

    def __init__(self, limit: int = 50):
        super().__init__()
        self.limit = limit

    async def __call__(self, seconds: float) -> None:
        if len(self) == self.limit:
            raise Stop
        self.append(seconds)


@pytest.fixture
def pauses(monkeypatch) -> FakeSleep:
    sleep = FakeSleep()
    monkeypatch.setattr(periodic, "asyncio", SimpleNamespace(sleep=sleep))
    return sleep


async def test_the_check_runs_after_every_pause_within_a_fifth_of_the_interval(pauses):
    runs = []

    async def check() -> None:
        runs.append(len(pauses))

    with pytest.raises(Stop):
        await periodic.every(lambda: 10.0, check, "test check")
    assert runs == list(range(1, 51))
    assert all(8.0 <= pause <= 12.0 for pause in pauses)
    assert len(set(pauses)) > 1, "pauses are spread, not all alike"


@pytest.mark.parametrize(("draw", "pause"), [("low", 8.0), ("high", 12.0)])
async def test_the_jitter_is_drawn_between_plus_and_minus_twenty_percent(
    pauses, monkeypatch, draw, pause
):
    def uniform(low: float, high: float) -> float:
        return low if draw == "low" else high

    monkeypatch.setattr(periodic, "random", SimpleNamespace(uniform=uniform))
    pauses.limit = 1

    async def check() -> None:
        pass

    with pytest.raises(Stop):
        await periodic.every(lambda: 10.0, check, "test check")
    assert pauses == [pytest.approx(pause)]


async def test_the_interval_is_read_before_each_pause(pauses, monkeypatch):
    """A setting changed meanwhile applies from the next pause."""
    monkeypatch.setattr(periodic, "random", SimpleNamespace(uniform=lambda a, b: 1.0))
    intervals = iter([1.0, 2.0, 3.0, 4.0])
    pauses.limit = 3

    async def check() -> None:
        pass

    with pytest.raises(Stop):
        await periodic.every(lambda: next(intervals), check, "test check")
    assert pauses == [1.0, 2.0, 3.0]


async def test_a_failing_check_is_logged_and_tried_again_next_turn(pauses, caplog):
    pauses.limit = 3
    runs = []

    async def check() -> None:
        runs.append(1)
        if len(runs) == 1:
            raise ConnectionError("the store is down")

    with (
        caplog.at_level(logging.WARNING, logger="parley.realtime.periodic"),
        pytest.raises(Stop),
    ):
        await periodic.every(lambda: 10.0, check, "test check")
    assert len(runs) == 3  # after each pause: the failure did not end the loop
    assert [r.getMessage() for r in caplog.records] == [
        "test check failed; retried at the next turn"
    ]
    assert caplog.records[0].exc_info is not None
