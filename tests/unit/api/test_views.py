"""The JSON API through Django's test client."""

import pytest
from django.test import Client

from parley.services import messages, rooms

pytestmark = pytest.mark.django_db


@pytest.fixture
def user(django_user_model):
    return django_user_model.objects.create_user("frank")


@pytest.fixture
def api(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_anonymous_requests_get_401_with_a_code(client):
    response = client.get("/api/rooms")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_create_list_and_show_rooms(api):
    created = api.post(
        "/api/rooms", {"title": "Лобби"}, content_type="application/json"
    )
    assert created.status_code == 201
    assert created.json() | {"created_at": None} == {
        "slug": "лобби",
        "title": "Лобби",
        "kind": "public",
        "topic": "",
        "last_seq": 0,
        "read_seq": 0,
        "unread": 0,
        "peer": None,
        "created_at": None,
        "url": "/chat/%D0%BB%D0%BE%D0%B1%D0%B1%D0%B8/",
        "archived": False,
    }
    assert [room["slug"] for room in api.get("/api/rooms").json()["items"]] == ["лобби"]
    assert api.get("/api/rooms/лобби").json()["title"] == "Лобби"
    again = api.post("/api/rooms", {"title": "лобби"}, content_type="application/json")
    assert (again.status_code, again.json()["code"]) == (409, "room_exists")


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"title": "!!!"}, 400, "invalid_room"),
        ({"title": ""}, 422, "invalid_request"),
        ({"title": "x", "kind": "direct"}, 422, "invalid_request"),
    ],
)
def test_bad_room_requests_get_clear_errors(api, body, status, code):
    response = api.post("/api/rooms", body, content_type="application/json")
    assert (response.status_code, response.json()["code"]) == (status, code)
    assert response.json()["message"]


def test_history_pages_by_seq_cursor_with_a_capped_limit(api, user, settings):
    settings.PARLEY_HISTORY_PAGE_MAX = 3
    room = rooms.join_or_create(user=user, name="hist")
    for i in range(1, 6):
        messages.store(room=room, author=user, text=f"m{i}")
    first = api.get("/api/rooms/hist/messages?limit=2").json()
    assert [m["seq"] for m in first["messages"]] == [5, 4] and first["next_before"] == 4
    second = api.get(
        f"/api/rooms/hist/messages?before={first['next_before']}&limit=100"
    ).json()
    assert [m["seq"] for m in second["messages"]] == [3, 2, 1] and second[
        "next_before"
    ] is None
    assert api.get("/api/rooms/hist/messages?limit=0").status_code == 422
    assert api.get("/api/rooms/hist/messages?before=abc").status_code == 422


def test_other_peoples_private_rooms_are_404(api, django_user_model):
    owner = django_user_model.objects.create_user("grace")
    rooms.create_room(user=owner, title="vault", kind="private")
    for path in ("/api/rooms/vault", "/api/rooms/vault/messages", "/api/rooms/nothing"):
        response = api.get(path)
        assert (response.status_code, response.json()["code"]) == (
            404,
            "room_not_found",
        )
    assert api.get("/api/rooms").json() == {"items": [], "next": None}


def test_post_message_is_idempotent_by_client_id(api):
    api.post("/api/rooms", {"title": "posts"}, content_type="application/json")
    body = {"text": "hi", "client_id": "k1"}
    first = api.post("/api/rooms/posts/messages", body, content_type="application/json")
    again = api.post("/api/rooms/posts/messages", body, content_type="application/json")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json() == again.json() and first.json()["seq"] == 1
    blank = api.post(
        "/api/rooms/posts/messages", {"text": " "}, content_type="application/json"
    )
    assert (blank.status_code, blank.json()["code"]) == (400, "invalid_text")


def test_state_changing_calls_need_the_csrf_token(user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    refused = client.post(
        "/api/rooms", {"title": "csrf"}, content_type="application/json"
    )
    assert (refused.status_code, refused.json()["code"]) == (403, "forbidden")
    client.get("/accounts/login/")  # sets the csrftoken cookie
    token = client.cookies["csrftoken"].value
    accepted = client.post(
        "/api/rooms",
        {"title": "csrf"},
        content_type="application/json",
        HTTP_X_CSRFTOKEN=token,
    )
    assert accepted.status_code == 201


def test_the_openapi_schema_describes_the_api(client):
    schema = client.get("/api/openapi.json").json()
    assert schema["info"]["title"] == "Parley API"
    assert {"/api/rooms", "/api/rooms/{slug}", "/api/rooms/{slug}/messages"} <= set(
        schema["paths"]
    )
