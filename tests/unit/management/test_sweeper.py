"""The delivery sweeper thread: sweeps every PARLEY_DELIVERY_SWEEP_SECS
until stopped, and survives a failing sweep."""

import threading

from parley.management import sweeper
from parley.services import delivery


def test_it_sweeps_until_stopped_and_survives_failures(monkeypatch, settings):
    settings.PARLEY_DELIVERY_SWEEP_SECS = 0.01
    calls = []
    swept_twice = threading.Event()

    def sweep() -> int:
        calls.append(1)
        if len(calls) >= 2:
            swept_twice.set()
        raise RuntimeError("the database is away")

    monkeypatch.setattr(delivery, "sweep", sweep)
    running = sweeper.start()
    assert swept_twice.wait(10)
    running.stop()
    running.join(10)
    assert not running.is_alive()
