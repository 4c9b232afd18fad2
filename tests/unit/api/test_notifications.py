"""Notifications over HTTP (``parley.api.notifications``): one's own only,
a page at a time, marked read one by one or all at once."""

import pytest

import parley
from parley.services import rooms

pytestmark = pytest.mark.django_db
JSON = "application/json"


def test_a_mention_over_http_notifies(api, users):
    rooms.join_or_create(user=users["alice"], name="lobby")
    api["alice"].post(
        "/api/rooms/lobby/messages", {"text": "@bob see this"}, content_type=JSON
    )
    page = api["bob"].get("/api/notifications").json()
    assert page["unread"] == 1
    assert page["notifications"][0]["title"] == "alice mentioned you in lobby"


def test_notifications_are_their_owners_alone(api, users):
    mine = [parley.notify(users["bob"], kind="k", title=f"n{i}") for i in range(3)]
    parley.notify(users["carol"], kind="k", title="carol's")
    page = api["bob"].get("/api/notifications?limit=2").json()
    assert [n["title"] for n in page["notifications"]] == ["n2", "n1"]
    assert (page["unread"], page["next_before"]) == (3, mine[1].id)
    rest = api["bob"].get(f"/api/notifications?before={page['next_before']}").json()
    assert [n["title"] for n in rest["notifications"]] == ["n0"]
    theirs = api["carol"].get("/api/notifications").json()
    assert [n["title"] for n in theirs["notifications"]] == ["carol's"]
    stolen = api["carol"].post(f"/api/notifications/{mine[0].id}/read")
    assert (stolen.status_code, stolen.json()["code"]) == (404, "not_found")
    read = api["bob"].post(f"/api/notifications/{mine[0].id}/read").json()
    assert read["read"] is True
    assert api["bob"].post("/api/notifications/read").json() == {
        "marked": 2,
        "unread": 0,
    }
    assert api["carol"].get("/api/notifications").json()["unread"] == 1
