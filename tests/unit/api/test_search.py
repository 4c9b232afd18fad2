"""GET /api/search and ?around= through Django's test client: the answer's
shape, and hostile input answered with a code, never a traceback."""

import pytest
from django.test import Client, override_settings

from parley.services import messages, rooms

pytestmark = pytest.mark.django_db


@pytest.fixture
def user(django_user_model):
    return django_user_model.objects.create_user("grace")


@pytest.fixture
def api(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def lobby(user):
    room = rooms.join_or_create(user=user, name="lobby")
    for text in ("a <i>quince</i> here", "nothing", "quince again"):
        messages.store(room=room, author=user, text=text)
    return room


def test_a_search_answers_hits_with_snippets_and_a_cursor(api, lobby):
    page = api.get("/api/search", {"q": "quince", "limit": 1}).json()
    (hit,) = page["hits"]
    assert hit["message"]["text"] == "quince again"
    assert (hit["room_title"], hit["snippet"], hit["highlights"]) == (
        "lobby",
        "quince again",
        [[0, 6]],
    )
    assert page["next_cursor"] == 1
    rest = api.get("/api/search", {"q": "quince", "cursor": 1}).json()
    assert [h["snippet"] for h in rest["hits"]] == ["a <i>quince</i> here"]
    assert rest["next_cursor"] is None


@pytest.mark.parametrize(
    ("params", "status", "code"),
    [
        ({}, 422, "invalid_request"),
        ({"q": ""}, 400, "invalid_query"),
        ({"q": '" * ^ NEAR( -'}, 200, None),
        ({"q": "quince\x00"}, 422, "invalid_request"),
        ({"q": "x" * 100_000}, 422, "invalid_request"),
        ({"q": "quince", "room": "nowhere"}, 404, "room_not_found"),
        ({"q": "quince in:nowhere"}, 404, "room_not_found"),
        ({"q": "quince", "cursor": "-1"}, 422, "invalid_request"),
        ({"q": "quince", "cursor": str(2**63)}, 422, "invalid_request"),
        ({"q": "quince", "before": "yesterday"}, 422, "invalid_request"),
        ({"q": "quince", "before": "0001-01-01T00:00:00+01:00"}, 400, "invalid_query"),
        ({"q": "quince", "from": "nobody", "before": "9999-12-31"}, 200, None),
    ],
)
def test_hostile_searches_get_a_clear_answer(api, lobby, params, status, code):
    response = api.get("/api/search", params)
    assert response.status_code == status
    if code is not None:
        assert response.json()["code"] == code


@override_settings(PARLEY_SEARCH_QUERY_MAX_CHARS=6)
def test_the_query_limit_holds_over_http(api, lobby):
    assert api.get("/api/search", {"q": "quince"}).status_code == 200
    refused = api.get("/api/search", {"q": "quince!"})
    assert (refused.status_code, refused.json()["code"]) == (400, "invalid_query")


def test_history_around_a_message(api, lobby):
    page = api.get("/api/rooms/lobby/messages", {"around": 2, "limit": 2}).json()
    assert [m["seq"] for m in page["messages"]] == [2, 1]
    assert page["next_before"] is None
    page = api.get("/api/rooms/lobby/messages", {"around": 99, "limit": 2}).json()
    assert [m["seq"] for m in page["messages"]] == [3, 2]
    both = api.get("/api/rooms/lobby/messages", {"around": 2, "before": 3})
    assert (both.status_code, both.json()["code"]) == (400, "invalid_request")
