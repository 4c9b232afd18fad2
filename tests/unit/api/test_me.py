"""``GET /api/me/export`` and ``POST /api/me/delete`` through Django's test
client: one's own data as a download; deletion only with the password,
whatever the sign-in."""

import orjson
import pytest
from asgiref.sync import async_to_sync
from django.test import Client

from parley.models import Message
from parley.services import messages, rooms, tokens

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(ann) -> Client:
    client = Client()
    client.force_login(ann)
    return client


async def joined(chunks) -> bytes:
    return b"".join([chunk async for chunk in chunks])


def delete(client: Client, password: str, **headers):
    return client.post(
        "/api/me/delete",
        {"password": password},
        content_type="application/json",
        headers=headers,
    )


def test_the_export_is_a_json_download_of_ones_own_data(api, ann, ben):
    lobby = rooms.join_or_create(user=ann, name="lobby")
    messages.store(room=lobby, author=ann, text="mine")
    messages.store(room=lobby, author=ben, text="ben's")
    response = api.get("/api/me/export")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Content-Disposition"] == (
        'attachment; filename="parley-export.json"'
    )
    assert response["Cache-Control"] == "no-store"
    # Streamed as an async iterator (what an ASGI server streams).
    data = orjson.loads(async_to_sync(joined)(response.streaming_content))
    assert data["profile"]["username"] == "ann"
    assert [m["text"] for m in data["messages"]] == ["mine"]


def test_signed_out_there_is_nothing_to_export_or_delete():
    assert Client().get("/api/me/export").status_code == 401
    assert delete(Client(), "first pass").status_code == 401


def test_a_wrong_password_deletes_nothing(api, ann):
    response = delete(api, "guess")
    assert (response.status_code, response.json()["code"]) == (403, "wrong_password")
    too_long = delete(api, "x" * 4097)
    assert too_long.status_code == 422
    assert type(ann).objects.filter(pk=ann.pk).exists()


def test_a_token_alone_cannot_delete_but_with_the_password_it_can(ann):
    _, secret = tokens.create_token(user=ann, name="bot")
    bearer = {"Authorization": f"Bearer {secret}"}
    assert delete(Client(), "", **bearer).status_code == 403
    assert delete(Client(), "first pass", **bearer).status_code == 204
    assert not type(ann).objects.filter(pk=ann.pk).exists()


def test_deleting_ends_the_session_and_keeps_the_messages_authorless(api, ann, ben):
    lobby = rooms.join_or_create(user=ann, name="lobby")
    messages.store(room=lobby, author=ann, text="still here")
    assert delete(api, "first pass").status_code == 204
    assert api.get("/api/me/export").status_code == 401
    reader = Client()
    reader.force_login(ben)
    rooms.join_or_create(user=ben, name="lobby")
    (shown,) = reader.get("/api/rooms/lobby/messages").json()["messages"]
    assert (shown["text"], shown["author"], shown["author_id"]) == (
        "still here",
        None,
        None,
    )
    assert Message.objects.get().author is None
