"""The push and preferences API through Django's test client: the key,
subscriptions (refused unless https on an allowed push service), and
``/api/me/notification-settings``."""

import pytest
from django.test import Client

from parley.models import PushSubscription
from parley.services import rooms
from tests.support.push_service import BrowserKeys

pytestmark = pytest.mark.django_db

FCM = "https://fcm.googleapis.com/fcm/send/frank"


@pytest.fixture
def user(django_user_model):
    return django_user_model.objects.create_user("frank")


@pytest.fixture
def api(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def post(api: Client, path: str, body: dict):
    return api.post(path, body, content_type="application/json")


def test_the_key_is_the_vapid_public_key(api):
    key = api.get("/api/push/key").json()["public_key"]
    assert len(key) == 87


def test_no_key_is_a_404_with_a_code(api, settings):
    settings.PARLEY_VAPID_PRIVATE_KEY = ""
    response = api.get("/api/push/key")
    assert (response.status_code, response.json()["code"]) == (404, "push_unavailable")


def test_subscribe_and_unsubscribe(api, user):
    subscription = BrowserKeys().subscription(FCM)
    response = post(api, "/api/push/subscriptions", subscription)
    assert (response.status_code, response.json()) == (201, {"endpoint": FCM})
    assert PushSubscription.objects.get().user == user
    gone = api.delete(
        "/api/push/subscriptions", {"endpoint": FCM}, content_type="application/json"
    )
    assert gone.status_code == 204
    again = api.delete(
        "/api/push/subscriptions", {"endpoint": FCM}, content_type="application/json"
    )
    assert (again.status_code, again.json()["code"]) == (404, "not_found")


@pytest.mark.parametrize(
    "endpoint",
    [
        "http://fcm.googleapis.com/fcm/send/frank",
        "https://attacker.example/collect",
        "https://127.0.0.1:6379/",
        "http://127.0.0.1:8000/api/rooms",
    ],
)
def test_an_endpoint_off_the_allowlist_or_not_https_is_refused(api, endpoint):
    response = post(
        api, "/api/push/subscriptions", BrowserKeys().subscription(endpoint)
    )
    assert (response.status_code, response.json()["code"]) == (
        400,
        "endpoint_not_allowed",
    )
    assert not PushSubscription.objects.exists()


def test_the_settings_round_trip(api, user):
    rooms.join_or_create(user=user, name="lobby")
    assert api.get("/api/me/notification-settings").json() == {
        "kinds": [
            {"kind": "direct", "in_app": True, "push": True, "email": True},
            {"kind": "mention", "in_app": True, "push": True, "email": True},
        ],
        "muted_rooms": [],
    }
    response = api.put(
        "/api/me/notification-settings",
        {"kinds": [{"kind": "order", "email": False}], "muted_rooms": ["lobby"]},
        content_type="application/json",
    )
    assert response.status_code == 200
    assert response.json()["kinds"][2] == {
        "kind": "order",
        "in_app": True,
        "push": True,
        "email": False,
    }
    assert response.json()["muted_rooms"] == ["lobby"]


def test_muting_a_room_one_cannot_read_is_404(api):
    response = api.put(
        "/api/me/notification-settings",
        {"kinds": [], "muted_rooms": ["nowhere"]},
        content_type="application/json",
    )
    assert (response.status_code, response.json()["code"]) == (404, "room_not_found")


def test_signed_out_is_401(client):
    assert client.get("/api/me/notification-settings").status_code == 401
    assert client.get("/api/push/key").status_code == 401
