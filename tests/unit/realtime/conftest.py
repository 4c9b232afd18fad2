import pytest

from parley import db, ratelimit


@pytest.fixture
def user(django_user_model):
    return django_user_model.objects.create_user("carol")


@pytest.fixture
def clock(monkeypatch):
    """``ratelimit.clock`` under the test's hand: ``clock.now`` seconds."""

    class Clock:
        now = 1000.0

        def __call__(self) -> float:
            return self.now

    fake = Clock()
    monkeypatch.setattr(ratelimit, "clock", fake)
    return fake


@pytest.fixture(autouse=True)
def database_thread_idle():
    """After each test, wait until Parley's database thread has run what a
    socket handed it (a detached write, such as the activity a frame
    records, outlives a cancelled task): on PostgreSQL a write still running
    deadlocks with the flush of the test database."""
    yield
    db._executor.submit(lambda: None).result()
