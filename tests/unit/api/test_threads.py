"""Replies and reactions through the JSON API (Django's test client)."""

from urllib.parse import quote

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


def post(api, path, body):
    return api.post(path, body, content_type="application/json")


def test_a_reply_over_http_and_its_replies_page(api, user):
    rooms.join_or_create(user=user, name="lobby")
    asked = post(api, "/api/rooms/lobby/messages", {"text": "question"}).json()
    for n in range(3):
        reply = post(
            api, "/api/rooms/lobby/messages", {"text": f"a{n}", "reply_to": asked["id"]}
        )
        assert reply.status_code == 201
        assert reply.json()["reply_to"]["excerpt"] == "question"
    page = api.get(f"/api/messages/{asked['id']}/replies?limit=2").json()
    assert page["parent"]["reply_count"] == 3
    assert [m["text"] for m in page["messages"]] == ["a2", "a1"]
    rest = api.get(
        f"/api/messages/{asked['id']}/replies?before={page['next_before']}"
    ).json()
    assert [m["text"] for m in rest["messages"]] == ["a0"]
    assert rest["next_before"] is None
    missing = api.get("/api/messages/999999/replies")
    assert (missing.status_code, missing.json()["code"]) == (404, "not_found")
    wrong = post(api, "/api/rooms/lobby/messages", {"text": "x", "reply_to": 999999})
    assert (wrong.status_code, wrong.json()["code"]) == (404, "not_found")


def test_reactions_over_http(api, user, django_user_model):
    room = rooms.join_or_create(user=user, name="lobby")
    said = messages.store(room=room, author=user, text="hello").message
    path = f"/api/messages/{said.id}/reactions"
    on = post(api, path, {"emoji": "👍"})
    assert on.status_code == 200 and on.json() | {"id": None} == {
        "id": None,
        "seq": 1,
        "room": "lobby",
        "emoji": "👍",
        "user": "frank",
        "count": 1,
        "on": True,
    }
    history = api.get("/api/rooms/lobby/messages").json()["messages"]
    assert history[0]["reactions"] == [{"emoji": "👍", "count": 1, "me": True}]
    edited = api.patch(
        f"/api/messages/{said.id}", {"text": "hi"}, content_type="application/json"
    )
    assert edited.json()["reactions"] == history[0]["reactions"]
    off = api.delete(f"{path}/{quote('👍')}")
    assert (off.status_code, off.json()["count"], off.json()["on"]) == (200, 0, False)
    bad = post(api, path, {"emoji": "nope"})
    assert (bad.status_code, bad.json()["code"]) == (400, "invalid_emoji")
    secret = rooms.create_room(
        user=django_user_model.objects.create_user("grace"),
        title="vault",
        kind="private",
    )
    hidden = messages.store(room=secret, author=secret.created_by, text="x").message
    refused = post(api, f"/api/messages/{hidden.id}/reactions", {"emoji": "👍"})
    assert (refused.status_code, refused.json()["code"]) == (404, "not_found")
