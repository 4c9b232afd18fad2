import pytest

from parley import ratelimit


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
