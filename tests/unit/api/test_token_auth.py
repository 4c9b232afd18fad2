"""The JSON API with an API token (``Authorization: Bearer``) instead of a cookie."""

import pytest
from django.test import Client

from parley.services import tokens

pytestmark = pytest.mark.django_db


@pytest.fixture
def user(django_user_model):
    return django_user_model.objects.create_user("quinn")


@pytest.fixture
def token(user) -> str:
    return tokens.create_token(user=user, name="bot")[1]


def bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


def test_a_token_reads_and_writes_without_csrf(token):
    client = Client(enforce_csrf_checks=True)
    created = client.post(
        "/api/rooms",
        {"title": "Bots"},
        content_type="application/json",
        headers=bearer(token),
    )
    assert created.status_code == 201, created.content
    posted = client.post(
        "/api/rooms/bots/messages",
        {"text": "beep", "client_id": "b1"},
        content_type="application/json",
        headers=bearer(token),
    )
    assert (posted.status_code, posted.json()["author"]) == (201, "quinn")
    page = client.get("/api/rooms/bots/messages", headers=bearer(token)).json()
    assert [m["text"] for m in page["messages"]] == ["beep"]


@pytest.mark.parametrize("value", ["Bearer pt_nope", "Bearer ", "Bearer x y"])
def test_a_bad_token_is_401(value):
    response = Client().get("/api/rooms", headers={"authorization": value})
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_a_revoked_token_is_401(user, token):
    tokens.revoke_token(user=user, token_id=tokens.tokens_of(user).get().pk)
    response = Client().get("/api/rooms", headers=bearer(token))
    assert response.status_code == 401


def test_a_bad_token_does_not_fall_back_to_the_session(user):
    client = Client()
    client.force_login(user)
    assert client.get("/api/rooms").status_code == 200
    response = client.get("/api/rooms", headers=bearer("pt_nope"))
    assert response.status_code == 401


def test_session_requests_still_need_csrf(user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    refused = client.post("/api/rooms", {"title": "x"}, content_type="application/json")
    assert (refused.status_code, refused.json()["code"]) == (403, "forbidden")
    # Another Authorization scheme is not a token: the session rules apply.
    basic = client.post(
        "/api/rooms",
        {"title": "x"},
        content_type="application/json",
        headers={"authorization": "Basic cXVpbm46eA=="},
    )
    assert basic.status_code == 403


def test_the_schema_names_both_ways_to_sign_in():
    schema = Client().get("/api/openapi.json").json()
    assert set(schema["components"]["securitySchemes"]) == {"TokenAuth", "SessionAuth"}
    assert schema["components"]["securitySchemes"]["TokenAuth"]["scheme"] == "bearer"
