"""The webhooks API through Django's test client: the owner adds one (its
secret shown once), lists and deletes it; a loopback target is refused by
default; others are refused."""

import pytest
from django.test import Client

from parley.services import rooms

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner(alice):
    rooms.create_room(user=alice, title="Lobby")
    client = Client()
    client.force_login(alice)
    return client


def test_the_owner_adds_lists_and_deletes_a_webhook(owner, settings):
    settings.PARLEY_WEBHOOK_ALLOW_PRIVATE_ADDRESSES = True
    made = owner.post(
        "/api/rooms/lobby/webhooks",
        {"url": "https://127.0.0.1:9/hook", "name": "CI"},
        content_type="application/json",
    )
    assert made.status_code == 201, made.content
    created = made.json()
    assert created["secret"].startswith("whsec_")
    assert (created["name"], created["url"], created["active"]) == (
        "CI",
        "https://127.0.0.1:9/hook",
        True,
    )
    [listed] = owner.get("/api/rooms/lobby/webhooks").json()
    assert "secret" not in listed and listed["id"] == created["id"]
    gone = owner.delete(f"/api/rooms/lobby/webhooks/{created['id']}")
    assert gone.status_code == 204
    assert owner.get("/api/rooms/lobby/webhooks").json() == []
    again = owner.delete(f"/api/rooms/lobby/webhooks/{created['id']}")
    assert (again.status_code, again.json()["code"]) == (404, "not_found")


def test_a_loopback_target_is_refused_by_default(owner):
    refused = owner.post(
        "/api/rooms/lobby/webhooks",
        {"url": "https://127.0.0.1/hook"},
        content_type="application/json",
    )
    assert (refused.status_code, refused.json()["code"]) == (
        400,
        "endpoint_not_allowed",
    )


def test_someone_else_is_refused(owner, bob):
    client = Client()
    client.force_login(bob)
    answer = client.get("/api/rooms/lobby/webhooks")
    assert (answer.status_code, answer.json()["code"]) == (403, "forbidden")
