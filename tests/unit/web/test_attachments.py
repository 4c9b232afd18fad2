"""Downloads (``/files/<id>/``): readers only, with the headers that keep a
file from ever acting as a page of the site."""

import pytest
from django.test import Client

from parley.models import Room
from parley.services import attachments, messages, rooms, tokens
from tests.support.images import picture

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)


def client_of(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def sent(alice):
    room = rooms.create_room(user=alice, title="Files", kind=Room.Kind.PRIVATE)
    image = attachments.upload(user=alice, slug=room.slug, name="p.png", data=picture())
    page = attachments.upload(
        user=alice, slug=room.slug, name="x.html", data=b"<script>alert(1)</script>"
    )
    messages.send(author=alice, room=room, text="", attachments=[image.pk, page.pk])
    return image, page


def test_an_image_is_shown_inline_and_anything_else_downloaded(alice, sent):
    image, page = sent
    client = client_of(alice)
    shown = client.get(image.url)
    assert shown["Content-Type"] == "image/png"
    assert shown["Content-Disposition"] == 'inline; filename="p.png"'
    assert b"".join(shown.streaming_content) == picture()
    saved = client.get(page.url)
    assert saved["Content-Type"] == "text/plain; charset=utf-8"
    assert saved["Content-Disposition"] == 'attachment; filename="x.html"'
    for response in (shown, saved):
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
    thumb = client.get(image.thumb_url)
    assert thumb["Content-Type"] == "image/webp"
    assert client.get(f"/files/{page.pk}/thumb/").status_code == 404


def test_others_and_strangers_get_404_and_a_token_reads(alice, bob, sent):
    image, _page = sent
    assert client_of(bob).get(image.url).status_code == 404
    assert Client().get(image.url).status_code == 404
    _row, token = tokens.create_token(user=alice, name="bot")
    assert (
        Client().get(image.url, headers={"Authorization": f"Bearer {token}"})
    ).status_code == 200
    assert (
        Client().get(image.url, headers={"Authorization": "Bearer pt_nope"})
    ).status_code == 404


def test_behind_nginx_the_file_is_sent_by_x_accel_redirect(alice, sent, settings):
    settings.PARLEY_ATTACHMENT_ACCEL_PREFIX = "/protected/"
    image, _page = sent
    answer = client_of(alice).get(image.url)
    assert answer["X-Accel-Redirect"] == f"/protected/{image.file}"
    assert answer.content == b""
    assert answer["X-Content-Type-Options"] == "nosniff"
