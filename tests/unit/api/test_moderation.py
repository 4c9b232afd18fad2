"""Moderation over HTTP: the routes, their answers and their error codes."""

import pytest
from django.test import Client

from parley.services import messages, rooms

pytestmark = pytest.mark.django_db
JSON = "application/json"


@pytest.fixture
def api(alice, bob, carol):
    clients = {}
    for user in (alice, bob, carol):
        clients[user.username] = Client()
        clients[user.username].force_login(user)
    return clients


@pytest.fixture
def lobby(alice, bob, carol):
    room = rooms.create_room(user=alice, title="Lobby")
    for user in (bob, carol):
        rooms.admit(room=room, user=user)
    return room


def answer(response) -> tuple[int, str | None]:
    body = response.json()
    return response.status_code, body.get("code")


def test_a_moderator_bans_and_the_banned_user_gets_404(api, lobby):
    made = api["alice"].post(
        "/api/rooms/lobby/members/bob/role", {"role": "moderator"}, content_type=JSON
    )
    assert made.json() == {"room": "lobby", "user": "bob", "role": "moderator"}
    banned = api["bob"].post("/api/rooms/lobby/members/carol/ban")
    assert banned.json() == {"room": "lobby", "user": "carol", "banned": True}
    for method, path in (
        ("get", "/api/rooms/lobby/messages"),
        ("post", "/api/rooms/lobby/read"),
    ):
        refused = getattr(api["carol"], method)(path, {"seq": 0}, content_type=JSON)
        assert answer(refused) == (404, "room_not_found")
    listed = {room["slug"] for room in api["carol"].get("/api/rooms").json()["items"]}
    assert "lobby" not in listed
    assert answer(api["carol"].post("/api/rooms/lobby/members/bob/remove")) == (
        404,
        "room_not_found",
    )
    lifted = api["bob"].delete("/api/rooms/lobby/members/carol/ban")
    assert lifted.json()["banned"] is False
    assert api["carol"].get("/api/rooms/lobby/messages").status_code == 200


def test_members_are_refused_and_a_moderator_cannot_remove_the_owner(api, lobby):
    refused = api["carol"].post("/api/rooms/lobby/members/bob/remove")
    assert answer(refused) == (403, "forbidden")
    api["alice"].post(
        "/api/rooms/lobby/members/bob/role", {"role": "moderator"}, content_type=JSON
    )
    assert answer(api["bob"].post("/api/rooms/lobby/members/alice/remove")) == (
        403,
        "forbidden",
    )
    assert answer(api["bob"].post("/api/rooms/lobby/members/nobody/remove")) == (
        404,
        "not_found",
    )
    removed = api["bob"].post("/api/rooms/lobby/members/carol/remove")
    assert removed.json() == {"room": "lobby", "user": "carol", "removed": True}


def test_a_muted_member_gets_403_muted_with_retry_after(api, lobby):
    muted = api["alice"].post(
        "/api/rooms/lobby/members/bob/mute", {"seconds": 3600}, content_type=JSON
    )
    assert muted.json()["muted_until"]
    sent = api["bob"].post(
        "/api/rooms/lobby/messages", {"text": "hello"}, content_type=JSON
    )
    assert answer(sent) == (403, "muted")
    assert 3599 <= sent.json()["retry_after"] <= 3600
    too_long = api["alice"].post(
        "/api/rooms/lobby/members/bob/mute", {"seconds": 10**9}, content_type=JSON
    )
    assert answer(too_long) == (400, "invalid_request")
    assert api["alice"].delete("/api/rooms/lobby/members/bob/mute").json() == {
        "room": "lobby",
        "user": "bob",
        "muted_until": None,
    }
    sent = api["bob"].post(
        "/api/rooms/lobby/messages", {"text": "hello"}, content_type=JSON
    )
    assert sent.status_code == 201


def test_the_owner_archives_and_the_room_is_read_only(api, lobby, bob):
    messages.send(author=bob, room=lobby, text="before")
    assert answer(api["bob"].post("/api/rooms/lobby/archive")) == (403, "forbidden")
    archived = api["alice"].post("/api/rooms/lobby/archive")
    assert archived.json() == {"room": "lobby", "archived": True}
    sent = api["alice"].post(
        "/api/rooms/lobby/messages", {"text": "after"}, content_type=JSON
    )
    assert answer(sent) == (403, "room_archived")
    page = api["bob"].get("/api/rooms/lobby/messages").json()
    assert [m["text"] for m in page["messages"]] == ["before"]
    assert api["alice"].delete("/api/rooms/lobby/archive").json()["archived"] is False
