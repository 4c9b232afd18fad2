"""The pages, through Django's test client (the browser tests drive them live)."""

from urllib.parse import unquote

import pytest
from django.test import Client

from parley.services import rooms

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(django_user_model) -> Client:
    client = Client()
    client.force_login(django_user_model.objects.create_user("heidi"))
    return client


def test_pages_need_sign_in(client):
    for path in ("/", "/chat/lobby/"):
        response = client.get(path)
        assert response.status_code == 302 and response["Location"].startswith(
            "/accounts/login/"
        )


def test_sign_up_signs_in_and_returns_to_next(client):
    response = client.post(
        "/accounts/signup/",
        {
            "username": "ivan",
            "password1": "a long passphrase",
            "password2": "a long passphrase",
            "next": "/chat/лобби/",
        },
    )
    assert (
        response.status_code == 302 and unquote(response["Location"]) == "/chat/лобби/"
    )
    assert client.get("/").status_code == 200


def test_sign_up_does_not_redirect_off_site(client):
    response = client.post(
        "/accounts/signup/",
        {
            "username": "judy",
            "password1": "a long passphrase",
            "password2": "a long passphrase",
            "next": "https://evil.example/",
        },
    )
    assert response["Location"] == "/"


def test_room_list_joins_or_creates_by_name(signed_in):
    response = signed_in.post("/", {"name": "Лобби"})
    assert (
        response.status_code == 302 and unquote(response["Location"]) == "/chat/лобби/"
    )
    page = signed_in.get("/").content.decode()
    assert "Лобби" in page and "/chat/%D0%BB%D0%BE%D0%B1%D0%B1%D0%B8/" in page
    assert (
        "needs at least one letter"
        in signed_in.post("/", {"name": "!!"}).content.decode()
    )


def test_room_page_escapes_titles_and_carries_config(signed_in, django_user_model):
    rooms.create_room(
        user=django_user_model.objects.get(username="heidi"), title="<script>x</script>"
    )
    page = signed_in.get("/chat/scriptxscript/").content.decode()
    assert "<script>x</script>" not in page
    assert "&lt;script&gt;x&lt;/script&gt;" in page
    assert 'id="parley-config"' in page and "autofocus" in page


def test_a_name_not_in_slug_form_redirects_to_its_slug(signed_in):
    response = signed_in.get("/chat/Big Room/")
    assert response.status_code == 302 and response["Location"] == "/chat/big-room/"


def test_other_peoples_private_rooms_are_404(signed_in, django_user_model):
    rooms.create_room(
        user=django_user_model.objects.create_user("ken"), title="den", kind="private"
    )
    assert signed_in.get("/chat/den/").status_code == 404
    assert signed_in.get("/chat/!!!/").status_code == 404


def test_room_page_carries_the_read_position_on_arrival(signed_in, django_user_model):
    """The page knows where the user had read to, for the "new messages" line."""
    heidi = django_user_model.objects.get(username="heidi")
    room = rooms.create_room(user=heidi, title="reading")
    signed_in.get(f"/chat/{room.slug}/")
    config = signed_in.get(f"/chat/{room.slug}/").context["config"]
    assert config["readSeq"] == 0
    assert config["userId"] == heidi.pk
    assert config["kind"] == room.kind
