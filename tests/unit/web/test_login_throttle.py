"""Sign-in attempts per address and name (the live boundary test is in
``tests/live/test_limits.py``)."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def one_attempt(settings):
    settings.PARLEY_LOGIN_ATTEMPT_BURST = 1
    settings.PARLEY_LOGIN_ATTEMPTS_PER_MIN = 1.0


def attempt(client, username: str, language: str = "en", address: str = "127.0.0.1"):
    return client.post(
        "/accounts/login/",
        {"username": username, "password": "guess"},
        headers={"accept-language": language},
        REMOTE_ADDR=address,
    )


def test_the_refusal_is_a_translated_429_page(client):
    assert attempt(client, "olga").status_code == 200
    refused = attempt(client, "olga", language="ru")
    assert refused.status_code == 429
    assert refused["Retry-After"] == "60"
    html = refused.content.decode()
    assert "Слишком много попыток входа под этим именем" in html
    assert 'id="sign-in"' in html  # the form is there to try again later


def test_names_and_addresses_have_budgets_of_their_own(client):
    assert attempt(client, "olga").status_code == 200
    assert attempt(client, "OLGA").status_code == 429  # the same name
    assert attempt(client, "pavel").status_code == 200
    assert attempt(client, "olga", address="192.0.2.7").status_code == 200


def test_without_rate_limits_every_attempt_is_checked(client, settings):
    settings.PARLEY_RATE_LIMITS = False
    assert [attempt(client, "olga").status_code for _ in range(3)] == [200] * 3
