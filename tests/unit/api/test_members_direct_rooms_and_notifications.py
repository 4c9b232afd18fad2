"""Read state, members, direct rooms, edit/delete and notifications over HTTP,
and who may see what."""

import pytest
from django.test import Client

from parley.models import Guest
from parley.services import messages, rooms

pytestmark = pytest.mark.django_db
JSON = "application/json"


def post(room, user, text):
    return messages.store(room=room, author=user, text=text).message


def test_room_list_and_detail_carry_read_state(api, users):
    lobby = rooms.join_or_create(user=users["alice"], name="lobby")
    for text in ("one", "two", "three"):
        post(lobby, users["bob"], text)
    [listed] = api["alice"].get("/api/rooms").json()["items"]
    assert (listed["read_seq"], listed["unread"], listed["last_seq"]) == (0, 3, 3)
    read = api["alice"].post("/api/rooms/lobby/read", {"seq": 2}, content_type=JSON)
    assert read.json() == {"room": "lobby", "seq": 2, "unread": 1}
    back = api["alice"].post("/api/rooms/lobby/read", {"seq": 1}, content_type=JSON)
    assert back.json()["seq"] == 2
    detail = api["alice"].get("/api/rooms/lobby").json()
    assert (detail["read_seq"], detail["unread"]) == (2, 1)
    bad = api["alice"].post("/api/rooms/lobby/read", {"seq": -1}, content_type=JSON)
    assert (bad.status_code, bad.json()["code"]) == (422, "invalid_request")


def test_private_rooms_invitations_and_members(api):
    created = api["alice"].post(
        "/api/rooms", {"title": "Secret", "kind": "private"}, content_type=JSON
    )
    assert (created.status_code, created.json()["kind"]) == (201, "private")
    assert api["bob"].get("/api/rooms/secret").status_code == 404
    assert api["bob"].get("/api/rooms/secret/messages").status_code == 404
    invite = api["alice"].post(
        "/api/rooms/secret/members", {"username": "bob"}, content_type=JSON
    )
    assert (invite.status_code, invite.json()["username"]) == (201, "bob")
    again = api["alice"].post(
        "/api/rooms/secret/members", {"username": "bob"}, content_type=JSON
    )
    assert again.status_code == 200
    assert [
        (m["username"], m["role"])
        for m in api["bob"].get("/api/rooms/secret/members").json()
    ] == [("alice", "owner"), ("bob", "member")]
    assert api["bob"].get("/api/rooms/secret/messages").status_code == 200
    by_member = api["bob"].post(
        "/api/rooms/secret/members", {"username": "carol"}, content_type=JSON
    )
    assert (by_member.status_code, by_member.json()["code"]) == (403, "forbidden")
    unknown = api["alice"].post(
        "/api/rooms/secret/members", {"username": "nobody"}, content_type=JSON
    )
    assert (unknown.status_code, unknown.json()["code"]) == (404, "not_found")
    for path in ("/api/rooms/secret", "/api/rooms/secret/members"):
        assert api["carol"].get(path).status_code == 404
    listed = api["carol"].get("/api/rooms").json()["items"]
    assert "secret" not in [r["slug"] for r in listed]


def test_a_direct_room_between_two_people(api, users):
    opened = api["alice"].post("/api/direct/bob")
    assert opened.status_code == 201
    room = opened.json()
    assert (room["kind"], room["title"], room["peer"]) == ("direct", "bob", "bob")
    again = api["bob"].post("/api/direct/alice")
    assert again.status_code == 200 and again.json()["slug"] == room["slug"]
    assert (again.json()["title"], again.json()["peer"]) == ("alice", "alice")
    for name, peer in (("alice", "bob"), ("bob", "alice")):
        listed = {r["slug"]: r for r in api[name].get("/api/rooms").json()["items"]}
        assert listed[room["slug"]]["peer"] == peer
    api["bob"].post(
        f"/api/rooms/{room['slug']}/messages",
        {"text": "hi", "client_id": "b1"},
        content_type=JSON,
    )
    listed = {r["slug"]: r for r in api["alice"].get("/api/rooms").json()["items"]}
    assert listed[room["slug"]]["unread"] == 1
    slug = room["slug"]
    carol = api["carol"]
    assert slug not in [r["slug"] for r in carol.get("/api/rooms").json()["items"]]
    for path in (f"/api/rooms/{slug}", f"/api/rooms/{slug}/messages"):
        assert carol.get(path).status_code == 404
    assert carol.get(f"/api/rooms/{slug}/members").status_code == 404
    sent = carol.post(f"/api/rooms/{slug}/messages", {"text": "x"}, content_type=JSON)
    assert sent.status_code == 404
    assert (
        carol.post(f"/api/rooms/{slug}/read", {"seq": 1}, content_type=JSON).status_code
        == 404
    )


@pytest.mark.parametrize(
    ("username", "status", "code"),
    [("alice", 400, "invalid_request"), ("nobody", 404, "not_found")],
)
def test_no_direct_room_with_oneself_or_nobody(api, username, status, code):
    response = api["alice"].post(f"/api/direct/{username}")
    assert (response.status_code, response.json()["code"]) == (status, code)


def test_edit_and_delete_over_http(api, users):
    lobby = rooms.join_or_create(user=users["alice"], name="lobby")
    said = post(lobby, users["bob"], "helo")
    url = f"/api/messages/{said.id}"
    assert api["alice"].patch(url, {"text": "x"}, content_type=JSON).status_code == 403
    edited = api["bob"].patch(url, {"text": "hello"}, content_type=JSON).json()
    assert edited["text"] == "hello" and edited["edited_ts"]
    history = api["carol"].get("/api/rooms/lobby/messages").json()["messages"]
    assert history[0]["text"] == "hello"
    assert api["carol"].delete(url).status_code == 403
    deleted = api["alice"].delete(url)  # the room's owner
    assert deleted.status_code == 200 and deleted.json()["deleted"] is True
    assert api["bob"].delete(url).status_code == 200  # again: no change
    again = api["bob"].patch(url, {"text": "back"}, content_type=JSON)
    assert (again.status_code, again.json()["code"]) == (409, "message_deleted")
    [shown] = api["carol"].get("/api/rooms/lobby/messages").json()["messages"]
    assert (shown["seq"], shown["text"], shown["deleted"]) == (1, "", True)
    assert api["bob"].delete("/api/messages/999999").status_code == 404


def test_messages_in_others_rooms_are_not_found(api, users):
    secret = rooms.create_room(user=users["alice"], title="secret", kind="private")
    said = post(secret, users["alice"], "psst")
    url = f"/api/messages/{said.id}"
    assert api["carol"].patch(url, {"text": "x"}, content_type=JSON).status_code == 404
    assert api["carol"].delete(url).status_code == 404


def test_the_openapi_schema_lists_the_new_operations(client):
    paths = client.get("/api/openapi.json").json()["paths"]
    for path in (
        "/api/rooms/{slug}/read",
        "/api/rooms/{slug}/members",
        "/api/direct/{username}",
        "/api/messages/{message_id}",
        "/api/notifications",
        "/api/notifications/read",
        "/api/notifications/{notification_id}/read",
    ):
        assert path in paths


def test_guests_get_403_where_guests_may_not_go(users, django_user_model):
    ghost = django_user_model.objects.create_user("ghost#ab12")
    Guest.objects.create(user=ghost, name="ghost")
    guest = Client()
    guest.force_login(ghost)
    assert guest.get("/api/rooms").status_code == 200
    for response in (
        guest.get("/api/notifications"),
        guest.post("/api/direct/alice"),
        guest.post(
            "/api/rooms", {"title": "mine", "kind": "private"}, content_type=JSON
        ),
    ):
        assert (response.status_code, response.json()["code"]) == (
            403,
            "guest_forbidden",
        )
