"""Malformed and hostile request bodies and paths get a 4xx with a code.

Regression tests for what schemathesis found (``tests/contract/test_schemathesis.py``).
"""

import pytest
from django.test import Client

from parley.models import Room

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(django_user_model) -> Client:
    client = Client()
    client.force_login(django_user_model.objects.create_user("frank"))
    return client


def post(api: Client, path: str, body: str):
    return api.post(path, body, content_type="application/json")


@pytest.mark.parametrize("body", ['"abc"', "[]", "5", "null", '"title"'])
def test_a_body_that_is_no_object_is_refused(api, body):
    """A bare JSON string once made a room: ``"abc".title()`` was its title."""
    response = post(api, "/api/rooms", body)
    assert (response.status_code, response.json()["code"]) == (422, "invalid_request")
    assert not Room.objects.exists()


@pytest.mark.parametrize("seq", ["true", "false", "1.5", '"1"', "1e400"])
def test_a_read_position_is_a_whole_number(api, seq):
    """``{"seq": true}`` once moved the read position to 1."""
    post(api, "/api/rooms", '{"title": "lobby"}')
    response = post(api, "/api/rooms/lobby/read", f'{{"seq": {seq}}}')
    assert (response.status_code, response.json()["code"]) == (422, "invalid_request")


def test_a_whole_number_may_be_written_with_a_fraction(api):
    """JSON Schema's integer, which the schema publishes, includes ``0.0``."""
    post(api, "/api/rooms", '{"title": "lobby"}')
    response = post(api, "/api/rooms/lobby/read", '{"seq": 0.0}')
    assert (response.status_code, response.json()["seq"]) == (200, 0)


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("post", "/api/rooms", '{"title": "a\\u0000b"}'),
        ("post", "/api/rooms/lobby/messages", '{"text": "t", "client_id": "\\u0000"}'),
        ("post", "/api/rooms/lobby/members", '{"username": "a\\u0000b"}'),
        ("post", "/api/direct/a%00b", ""),
        ("get", "/api/rooms/a%00b", None),
        ("get", "/api/rooms/a%00b/messages", None),
        ("post", "/api/rooms/a%00b/read", '{"seq": 0}'),
    ],
)
def test_nul_characters_in_names_are_refused(api, method, path, body):
    """On PostgreSQL each of these was a 500: its text cannot hold NUL."""
    post(api, "/api/rooms", '{"title": "lobby", "kind": "private"}')
    response = post(api, path, body) if method == "post" else api.get(path)
    assert (response.status_code, response.json()["code"]) == (422, "invalid_request")


def test_an_unparsable_body_is_a_documented_400(api):
    """Every operation with a body answers 400 to one that is not JSON, and
    says so in its schema (schemathesis found the read call did not)."""
    schema = api.get("/api/openapi.json").json()
    with_body = [
        (path, method)
        for path, item in schema["paths"].items()
        for method, operation in item.items()
        if "requestBody" in operation
    ]
    # + topic, upload, reaction (issue 13); delete account, webhook, mute, role
    # (issue 15)
    assert len(with_body) == 15
    for path, method in with_body:
        assert "400" in schema["paths"][path][method]["responses"], (method, path)
    response = post(api, "/api/rooms/lobby/read", "\x00")
    assert (response.status_code, response.json()["code"]) == (400, "invalid_request")


def test_a_multipart_body_without_boundary_is_a_json_400(django_user_model):
    """A session call's CSRF check reads a POST body as a form; a multipart
    one without a boundary raised from there, so Django answered with its
    HTML 400 page and logged a traceback (schemathesis found it)."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(django_user_model.objects.create_user("frank"))
    client.get("/accounts/login/")  # sets the CSRF cookie, as a page does
    response = client.post(
        "/api/direct/bob",
        b"x",
        content_type="multipart/form-data",
        headers={"X-CSRFToken": client.cookies["csrftoken"].value},
    )
    assert (response.status_code, response.json()["code"]) == (400, "invalid_request")
