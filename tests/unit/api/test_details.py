"""A room's topic, members, leaving and pins over HTTP."""

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
def secret(alice):
    room = rooms.create_room(user=alice, title="Secret", kind="private")
    for name in ("bob", "carol"):
        rooms.add_member(user=alice, room=room, username=name)
    return room


def test_the_topic_is_set_by_the_owner_and_shown_with_the_room(api, secret):
    done = api["alice"].post(
        "/api/rooms/secret/topic", {"topic": "May plans"}, content_type=JSON
    )
    assert done.json() == {"room": "secret", "topic": "May plans"}
    assert api["bob"].get("/api/rooms/secret").json()["topic"] == "May plans"
    refused = api["bob"].post(
        "/api/rooms/secret/topic", {"topic": "mine"}, content_type=JSON
    )
    assert (refused.status_code, refused.json()["code"]) == (403, "forbidden")


def test_members_are_paged_with_a_link_to_the_next_page(api, secret):
    first = api["bob"].get("/api/rooms/secret/members?limit=2")
    assert [(m["username"], m["role"]) for m in first.json()] == [
        ("alice", "owner"),
        ("bob", "member"),
    ]
    link = first["Link"]
    assert link.endswith('>; rel="next"')
    rest = api["bob"].get(link[1 : link.index(">")])
    assert [m["username"] for m in rest.json()] == ["carol"]
    assert "Link" not in rest


def test_leaving_a_private_room_makes_it_unreadable(api, secret):
    left = api["bob"].post("/api/rooms/secret/leave")
    assert left.json() == {"room": "secret", "left": True}
    gone = api["bob"].get("/api/rooms/secret/members")
    assert (gone.status_code, gone.json()["code"]) == (404, "room_not_found")
    last = api["alice"].post("/api/rooms/secret/leave")
    assert (last.status_code, last.json()["code"]) == (409, "last_owner")


def test_pins_are_listed_and_marked_on_messages(api, alice, secret):
    message = messages.store(room=secret, author=alice, text="keep").message
    pinned = api["alice"].post(f"/api/messages/{message.id}/pin")
    assert pinned.json()["pinned"] is True
    refused = api["bob"].delete(f"/api/messages/{message.id}/pin")
    assert refused.status_code == 403
    [pin] = api["bob"].get("/api/rooms/secret/pins").json()["pins"]
    assert (pin["message"]["text"], pin["by"]) == ("keep", "alice")
    history = api["bob"].get("/api/rooms/secret/messages").json()["messages"]
    assert history[0]["pinned"] is True
    unpinned = api["alice"].delete(f"/api/messages/{message.id}/pin")
    assert unpinned.json()["pinned"] is False
