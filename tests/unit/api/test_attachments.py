"""``POST /api/rooms/{slug}/attachments`` and sending with ``attachments``,
through Django's test client."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from parley.models import Room
from parley.services import rooms
from tests.support.images import picture

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)


@pytest.fixture
def api(alice) -> Client:
    client = Client()
    client.force_login(alice)
    return client


def test_upload_then_send_and_read_it_in_history(api, alice):
    room = rooms.create_room(user=alice, title="Files", kind=Room.Kind.PRIVATE)
    upload = SimpleUploadedFile("cat.png", picture(), content_type="text/html")
    answer = api.post(f"/api/rooms/{room.slug}/attachments", {"file": upload})
    assert answer.status_code == 201, answer.content
    file = answer.json()
    assert (file["name"], file["type"], file["width"]) == ("cat.png", "image/png", 40)
    sent = api.post(
        f"/api/rooms/{room.slug}/messages",
        {"attachments": [file["id"]]},
        content_type="application/json",
    )
    assert sent.status_code == 201, sent.content
    assert sent.json()["attachments"][0]["url"] == file["url"]
    page = api.get(f"/api/rooms/{room.slug}/messages").json()
    assert page["messages"][0]["attachments"][0]["id"] == file["id"]


def test_refusals_are_json_with_a_code(api, alice, bob):
    room = rooms.create_room(user=bob, title="Theirs", kind=Room.Kind.PRIVATE)
    hidden = api.post(
        f"/api/rooms/{room.slug}/attachments",
        {"file": SimpleUploadedFile("a.txt", b"hi")},
    )
    assert (hidden.status_code, hidden.json()["code"]) == (404, "room_not_found")
    mine = rooms.create_room(user=alice, title="Mine")
    binary = api.post(
        f"/api/rooms/{mine.slug}/attachments",
        {"file": SimpleUploadedFile("a.txt", b"\x00\x01")},
    )
    assert (binary.status_code, binary.json()["code"]) == (
        400,
        "attachment_type_not_allowed",
    )
    missing = api.post(f"/api/rooms/{mine.slug}/attachments", {})
    assert missing.status_code == 422
    unknown = api.post(
        f"/api/rooms/{mine.slug}/messages",
        {"attachments": [999]},
        content_type="application/json",
    )
    assert (unknown.status_code, unknown.json()["code"]) == (
        404,
        "attachment_not_found",
    )


def test_an_id_past_a_bigint_is_invalid_not_a_failure(api, alice):
    room = rooms.create_room(user=alice, title="Big")
    answer = api.post(
        f"/api/rooms/{room.slug}/messages",
        {"text": "x", "attachments": [2**63]},
        content_type="application/json",
    )
    assert (answer.status_code, answer.json()["code"]) == (422, "invalid_request")
