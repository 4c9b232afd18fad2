"""The pages of issue 4 through Django's test client: the live part's
configuration, the room lists with unread counts, private rooms, direct
conversations and guests. (The browser tests drive the same pages live.)"""

import json
import re
from html.parser import HTMLParser

import pytest
from django.test import Client, override_settings

from parley.models import Membership, Room
from parley.services import direct_rooms, guests, messages, rooms

pytestmark = pytest.mark.django_db


@pytest.fixture
def ann(django_user_model):
    return django_user_model.objects.create_user("ann")


@pytest.fixture
def ben(django_user_model):
    return django_user_model.objects.create_user("ben")


def client_of(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


class Scripts(HTMLParser):
    """Every <script>'s attributes and body, and every on* attribute."""

    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[dict] = []
        self.handlers: list[str] = []
        self.styles: list[str] = []
        self._in_script: dict | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.handlers += [name for name in attrs if name.startswith("on")]
        if "style" in attrs:
            self.styles.append(tag)
        if tag == "script":
            self._in_script = {"attrs": attrs, "body": ""}
            self.scripts.append(self._in_script)

    def handle_data(self, data):
        if self._in_script is not None:
            self._in_script["body"] += data

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = None


def scripts_of(html: str) -> Scripts:
    parser = Scripts()
    parser.feed(html)
    return parser


def json_script(html: str, element_id: str) -> dict:
    for script in scripts_of(html).scripts:
        if script["attrs"].get("id") == element_id:
            return json.loads(script["body"])
    raise AssertionError(f"no #{element_id}")


@pytest.mark.parametrize(
    "path", ["/", "/chat/lobby/", "/settings/tokens/", "/accounts/login/"]
)
def test_pages_have_no_inline_script_handler_or_style(ann, path):
    """What a strict CSP needs: scripts are files, config is JSON data."""
    html = client_of(ann).get(path).content.decode()
    found = scripts_of(html)
    for script in found.scripts:
        attrs = script["attrs"]
        if attrs.get("type") == "application/json":
            continue
        assert attrs.get("src", "").startswith("/static/parley/"), script
        assert not script["body"].strip(), script
    assert found.handlers == [] and found.styles == []


def test_every_signed_in_page_carries_the_live_config(ann):
    html = client_of(ann).get("/").content.decode()
    live = json_script(html, "parley-page")
    assert live["user"] == "ann" and live["guest"] is False
    assert live["notificationsUrl"] == "/api/notifications"
    assert live["notificationReadUrl"] == "/api/notifications/__id__/read"
    assert live["roomUrl"] == "/chat/__room__/"
    assert 'id="bell"' in html


def test_visitors_get_no_live_part(client):
    html = client.get("/accounts/login/").content.decode()
    assert "parley-page" not in html and 'id="bell"' not in html


def test_user_text_in_the_config_cannot_end_the_script(django_user_model):
    sly = django_user_model.objects.create_user("sly")
    room = rooms.create_room(user=sly, title="</script><b>x")
    html = client_of(sly).get(f"/chat/{room.slug}/").content.decode()
    assert "</script><b>" not in html
    assert json_script(html, "parley-config")["title"] == "</script><b>x"


def test_the_room_list_shows_unread_counts_and_direct_peers(ann, ben):
    busy = rooms.create_room(user=ann, title="busy")
    for n in range(3):
        messages.store(room=busy, author=ben, text=f"m{n}")
    messages.store(room=busy, author=ann, text="mine")
    direct, _created = direct_rooms.open_direct(user=ben, username="ann")
    messages.store(room=direct, author=ben, text="psst")

    html = client_of(ann).get("/").content.decode()
    mine = re.search(r'<ul id="my-rooms".*?</ul>', html, re.S).group(0)
    assert f'data-room="{busy.slug}"' in mine
    assert re.search(r'data-unread="3"[^>]*>3</span>', mine)
    dms = re.search(r'<ul id="direct-rooms".*?</ul>', html, re.S).group(0)
    assert f'data-room="{direct.slug}"' in dms
    assert re.search(r">ben</span></a>", dms) and re.search(r'data-unread="1"', dms)
    # Ann's rooms are not repeated among the public ones.
    public = re.search(r'<ul class="room-cards" id="public-rooms".*?</ul>', html, re.S)
    assert busy.slug not in public.group(0)


def test_a_direct_page_is_titled_with_the_peer_and_hidden_from_others(
    ann, ben, django_user_model
):
    direct, _created = direct_rooms.open_direct(user=ann, username="ben")
    html = client_of(ben).get(f"/chat/{direct.slug}/").content.decode()
    assert '<h1 dir="auto">ann</h1>' in html
    carol = django_user_model.objects.create_user("carol")
    assert client_of(carol).get(f"/chat/{direct.slug}/").status_code == 404


def test_creating_a_private_room_from_the_room_list(ann):
    client = client_of(ann)
    response = client.post("/", {"private": "1", "title": "Plans"})
    assert response.status_code == 302 and response["Location"] == "/chat/plans/"
    room = Room.objects.get(slug="plans")
    assert room.kind == Room.Kind.PRIVATE
    assert rooms.is_owner(user=ann, room=room)
    # The owner gets the invite form; a member does not.
    html = client.get("/chat/plans/").content.decode()
    assert 'id="invite"' in html
    assert json_script(html, "parley-config")["membersUrl"] == (
        "/api/rooms/plans/members"
    )
    client.post("/", {"private": "1", "title": "Plans"})  # taken
    again = client.post("/", {"private": "1", "title": "Plans"})
    assert "exists" in again.content.decode()


def test_a_member_of_a_private_room_gets_no_invite_form(ann, ben):
    room = rooms.create_room(user=ann, title="club", kind=Room.Kind.PRIVATE)
    rooms.add_member(user=ann, room=room, username="ben")
    html = client_of(ben).get("/chat/club/").content.decode()
    assert 'id="invite"' not in html
    assert json_script(html, "parley-config")["isOwner"] is False


def test_guest_access_is_off_by_default(client):
    assert client.get("/accounts/guest/").status_code == 404
    assert "form" in client.get("/accounts/login/").content.decode()
    assert 'class="guest"' not in client.get("/accounts/login/").content.decode()
    response = client.get("/chat/lobby/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert client.post("/chat/lobby/", {"name": "zoe"}).status_code == 302
    assert not Membership.objects.exists()


@override_settings(PARLEY_GUEST_ACCESS=True)
def test_a_visitor_continues_as_a_guest_from_the_room_page(client):
    page = client.get("/chat/lobby/").content.decode()
    assert 'class="guest"' in page and 'action="/chat/lobby/"' in page
    response = client.post("/chat/lobby/", {"name": "Zoë"})
    assert response.status_code == 302 and response["Location"] == "/chat/lobby/"
    html = client.get("/chat/lobby/").content.decode()
    live = json_script(html, "parley-page")
    assert live["guest"] is True and live["user"].startswith("Zoë#")
    assert json_script(html, "parley-config")["canDirect"] is False
    # Guests have no bell, no private rooms, no direct conversations.
    assert 'id="bell"' not in html and 'id="direct-rooms"' not in html
    assert 'id="private-room"' not in client.get("/").content.decode()


@override_settings(PARLEY_GUEST_ACCESS=True)
def test_the_sign_in_page_offers_guest_access(client, django_user_model):
    page = client.get("/accounts/login/?next=/chat/lobby/").content.decode()
    assert 'action="/accounts/guest/"' in page
    bad = client.post("/accounts/guest/", {"name": "no spaces", "next": "/"})
    assert bad.status_code == 200 and "letters, digits" in bad.content.decode()
    response = client.post(
        "/accounts/guest/", {"name": "zoe", "next": "https://elsewhere.example/"}
    )
    assert response.status_code == 302 and response["Location"] == "/"
    user = django_user_model.objects.get(username__startswith="zoe#")
    assert guests.is_guest(user)
