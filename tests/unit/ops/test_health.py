"""``/healthz`` (``parley.ops.health``) through Django's async test client,
on the test database and the in-memory layer; hung and failing parts are
faked probes, with a small PARLEY_HEALTH_TIMEOUT_SECS.

``tests/live/test_ops.py`` asks real servers."""

import asyncio
import threading

import pytest
from django.test import AsyncClient

from parley.ops import health

pytestmark = pytest.mark.django_db


@pytest.fixture
def hung_database(monkeypatch, settings):
    """The database probe hangs until the test ends; it counts its calls."""
    settings.PARLEY_HEALTH_TIMEOUT_SECS = 0.05
    release = threading.Event()
    calls = []
    started = threading.Semaphore(0)

    def hang() -> None:
        calls.append(1)
        started.release()
        release.wait()

    monkeypatch.setattr(health, "_query_database", hang)
    yield calls, started
    release.set()
    if health._database_probe is not None:
        health._database_probe.result(timeout=5)


async def test_a_healthy_process_answers_200_with_every_part_ok():
    response = await AsyncClient().get("/healthz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "database": "ok",
        "channel_layer": "ok",
    }
    assert response["Cache-Control"] == "no-store"


async def test_repeated_checks_reuse_the_layer_probe_channel():
    """One probe channel per loop: a check a second later answers too."""
    for _ in range(3):
        assert (await AsyncClient().get("/healthz")).status_code == 200


async def test_a_database_that_does_not_answer_in_time_is_503(hung_database):
    """The answer comes within the timeout, and names the part only."""
    response = await AsyncClient().get("/healthz")
    assert response.status_code == 503
    assert response.json() == {
        "status": "error",
        "database": "timeout",
        "channel_layer": "ok",
    }


async def test_checks_during_a_hung_probe_wait_on_that_same_probe(hung_database):
    """A hung database never piles up threads or connections."""
    answers = await asyncio.gather(*(health.check_database(0.05) for _ in range(5)))
    assert answers == [health.Status.TIMEOUT] * 5
    calls, started = hung_database
    # On a busy machine the probe's thread may start after the checks gave up.
    assert await asyncio.to_thread(started.acquire, timeout=10)
    assert await health.check_database(0.05) == health.Status.TIMEOUT
    assert len(calls) == 1


async def hang() -> None:
    await asyncio.Event().wait()


async def fail() -> None:
    raise ConnectionError("secret broker detail")


@pytest.mark.parametrize(("probe", "status"), [(hang, "timeout"), (fail, "error")])
async def test_a_channel_layer_that_hangs_or_fails_is_503(
    probe, status, monkeypatch, settings, caplog
):
    """The reason is logged, not sent: the endpoint is public."""
    settings.PARLEY_HEALTH_TIMEOUT_SECS = 0.05
    monkeypatch.setattr(health, "_layer_round_trip", probe)
    response = await AsyncClient().get("/healthz")
    assert response.status_code == 503
    assert response.json() == {
        "status": "error",
        "database": "ok",
        "channel_layer": status,
    }
    assert "secret" not in response.content.decode()
    assert "health check: channel layer" in caplog.text


async def test_no_channel_layer_configured_is_an_error(settings):
    settings.CHANNEL_LAYERS = {}
    assert await health.check_channel_layer(1.0) == health.Status.ERROR
