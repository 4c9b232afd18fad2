"""The settings page (``/settings/``) and the avatars it serves, through
Django's test client."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings
from PIL import Image

from parley.services import profiles

pytestmark = pytest.mark.django_db


def png(size=(64, 64)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (10, 120, 60)).save(out, "PNG")
    return out.getvalue()


def client_of(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def upload(data: bytes, name="me.png", content_type="image/png"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def test_the_page_saves_a_display_name_and_says_so(alice):
    client = client_of(alice)
    answer = client.post("/settings/", {"display_name": "Alice L"})
    assert answer.status_code == 302 and answer["Location"] == "/settings/?saved=1"
    page = client.get(answer["Location"]).content.decode()
    assert "Your profile was saved." in page and 'value="Alice L"' in page
    # The shell shows it instead of the username.
    assert '<span class="who" dir="auto">Alice L</span>' in page


def test_an_accepted_png_is_served_re_encoded_with_a_strict_type(alice):
    client = client_of(alice)
    original = png()
    answer = client.post("/settings/", {"display_name": "", "avatar": upload(original)})
    assert answer.status_code == 302
    url = profiles.profile_of(alice).avatar_url
    served = Client().get(url)
    assert served.status_code == 200
    assert served["Content-Type"] == "image/png"
    assert served["X-Content-Type-Options"] == "nosniff"
    assert "immutable" in served["Cache-Control"]
    assert served.content != original
    assert Image.open(io.BytesIO(served.content)).size == (128, 128)


def test_a_file_of_the_wrong_type_is_refused_and_nothing_changes(alice):
    client = client_of(alice)
    answer = client.post(
        "/settings/",
        {"display_name": "New", "avatar": upload(b"GIF89a;", "x.gif", "image/gif")},
    )
    assert answer.status_code == 200
    assert "Choose an image in one of these formats" in answer.content.decode()
    profile = profiles.profile_of(alice)
    assert profile.avatar_url == "" and profile.display_name == ""


def test_an_upload_over_the_size_limit_is_refused_at_the_boundary(alice):
    data = png()
    client = client_of(alice)
    with override_settings(PARLEY_AVATAR_MAX_BYTES=len(data) - 1):
        refused = client.post("/settings/", {"avatar": upload(data)})
    assert refused.status_code == 200
    assert "An avatar has at most" in refused.content.decode()
    with override_settings(PARLEY_AVATAR_MAX_BYTES=len(data)):
        accepted = client.post("/settings/", {"avatar": upload(data)})
    assert accepted.status_code == 302


def test_the_avatar_can_be_removed(alice):
    profiles.set_avatar(user=alice, data=png())
    client_of(alice).post("/settings/", {"display_name": "", "remove_avatar": "1"})
    assert profiles.profile_of(alice).avatar_url == ""


def test_an_old_or_missing_avatar_is_404(alice):
    profiles.set_avatar(user=alice, data=png())
    profiles.set_avatar(user=alice, data=png())
    assert Client().get(f"/avatars/{alice.pk}/1.png").status_code == 404
    assert Client().get(f"/avatars/{alice.pk}/2.png").status_code == 200
    assert Client().get("/avatars/999/1.png").status_code == 404


@override_settings(PARLEY_GUEST_ACCESS=True)
def test_guests_have_no_settings_page():
    client = Client()
    client.get("/accounts/guest/")
    client.post("/accounts/guest/", {"name": "visitor"})
    assert client.get("/settings/").status_code == 404


def test_visitors_go_to_sign_in():
    answer = Client().get("/settings/")
    assert answer.status_code == 302 and "/accounts/login/" in answer["Location"]


def test_the_favicon_is_served_without_a_404():
    answer = Client().get("/favicon.ico")
    assert answer.status_code == 302 and answer["Location"].endswith("favicon.svg")
