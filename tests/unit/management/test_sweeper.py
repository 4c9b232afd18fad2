"""The delivery sweeper thread: sweeps every PARLEY_DELIVERY_SWEEP_SECS
until stopped, and survives a failing sweep."""

import threading

from parley.management import sweeper
from parley.services import delivery, retention


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


def test_it_purges_every_retention_sweep_secs(monkeypatch, settings):
    """The same thread runs retention's purge on its own interval."""
    settings.PARLEY_DELIVERY_SWEEP_SECS = 0.01
    settings.PARLEY_RETENTION_SWEEP_SECS = 0.02
    purged_twice = threading.Event()
    calls = []

    def purge() -> int:
        calls.append(1)
        if len(calls) >= 2:
            purged_twice.set()
        raise RuntimeError("the database is away")

    monkeypatch.setattr(delivery, "sweep", lambda: 0)
    monkeypatch.setattr(retention, "purge", purge)
    running = sweeper.start()
    assert purged_twice.wait(10)
    running.stop()
    running.join(10)
    assert not running.is_alive()
