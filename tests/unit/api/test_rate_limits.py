"""The API's request budget in process (the live boundaries are in
``tests/live/test_limits.py``)."""

import pytest
from django.test import Client

from parley.services import tokens

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def two_requests(settings):
    settings.PARLEY_API_REQUEST_BURST = 2
    settings.PARLEY_API_REQUESTS_PER_MIN = 6.0  # one token in 10 s


@pytest.fixture
def user(django_user_model):
    return django_user_model.objects.create_user("rita")


def test_token_and_session_requests_of_one_user_share_a_budget(user):
    token = tokens.create_token(user=user, name="bot")[1]
    by_token = Client(headers={"authorization": f"Bearer {token}"})
    by_session = Client()
    by_session.force_login(user)

    first = by_token.get("/api/rooms")
    second = by_session.get("/api/rooms")
    refused = by_token.get("/api/rooms")

    assert [first.status_code, second.status_code] == [200, 200]
    assert [first["RateLimit-Remaining"], second["RateLimit-Remaining"]] == ["1", "0"]
    assert first["RateLimit-Policy"] == "2;w=20"
    assert refused.status_code == 429
    assert refused.json() | {"message": ""} == {
        "code": "rate_limited",
        "message": "",
        "retry_after": pytest.approx(10, abs=0.5),
    }
    assert refused["Retry-After"] == "10"


def test_a_valid_token_is_looked_up_once_per_request(
    user, django_assert_max_num_queries
):
    token = tokens.create_token(user=user, name="bot")[1]
    client = Client(headers={"authorization": f"Bearer {token}"})
    client.get("/api/notifications")  # warm up whatever is cached
    with django_assert_max_num_queries(10) as queries:
        client.get("/api/notifications")
    lookups = [q for q in queries.captured_queries if "apitoken" in q["sql"].lower()]
    assert len([q for q in lookups if q["sql"].lstrip().startswith("SELECT")]) == 1


def test_without_rate_limits_there_are_no_headers(user, settings):
    settings.PARLEY_RATE_LIMITS = False
    client = Client()
    client.force_login(user)
    answers = [client.get("/api/rooms") for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 200]
    assert "RateLimit-Limit" not in answers[-1]
