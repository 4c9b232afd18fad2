"""``GET /api/rooms`` a page at a time, through Django's test client."""

import pytest
from django.test import Client

from parley.services import direct_rooms, rooms

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(alice) -> Client:
    client = Client()
    client.force_login(alice)
    return client


def test_the_list_is_paged_with_an_opaque_cursor(api, alice, bob):
    for title in ("c", "a", "b"):
        rooms.create_room(user=bob, title=title)
    rooms.join_or_create(user=alice, name="b")
    first = api.get("/api/rooms", {"limit": 2}).json()
    assert [r["slug"] for r in first["items"]] == ["a", "b"]
    assert first["items"][1]["unread"] == 0
    second = api.get("/api/rooms", {"limit": 2, "after": first["next"]}).json()
    assert second == {"items": [second["items"][0]], "next": None}
    assert second["items"][0]["slug"] == "c"


def test_member_and_kind_filter_the_list(api, alice, bob):
    rooms.create_room(user=bob, title="theirs")
    rooms.create_room(user=alice, title="mine", kind="private")
    direct, _created = direct_rooms.open_direct(user=alice, username="bob")

    def listed(**params):
        return [r["slug"] for r in api.get("/api/rooms", params).json()["items"]]

    assert listed(member="true") == sorted(["mine", direct.slug])
    assert listed(member="false") == ["theirs"]
    assert listed(kind=["public", "private"]) == ["mine", "theirs"]
    assert listed(kind="direct", member="true") == [direct.slug]


def test_the_limit_is_capped_by_the_setting(api, alice, settings):
    settings.PARLEY_ROOMS_PAGE_MAX = 2
    for title in ("x", "y", "z"):
        rooms.create_room(user=alice, title=title)
    assert len(api.get("/api/rooms", {"limit": 2}).json()["items"]) == 2
    capped = api.get("/api/rooms", {"limit": 3}).json()
    assert len(capped["items"]) == 2 and capped["next"] is not None


@pytest.mark.parametrize(
    "params",
    [{"after": "not a cursor"}, {"limit": 0}, {"kind": "lobby"}, {"member": "maybe"}],
)
def test_bad_parameters_get_a_clear_error(api, params):
    response = api.get("/api/rooms", params)
    assert response.status_code in (400, 422)
    assert response.json()["code"] == "invalid_request"
    assert response.json()["message"]
