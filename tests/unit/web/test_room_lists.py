"""The sidebar's and the room list page's rooms, a page at a time."""

import re

import pytest
from django.test import Client

from parley.models import Membership
from parley.services import rooms

pytestmark = pytest.mark.django_db


def page_of(user, path: str = "/") -> str:
    client = Client()
    client.force_login(user)
    return client.get(path).content.decode()


def test_the_sidebar_shows_the_first_page_and_a_cursor_for_the_rest(
    alice, bob, settings
):
    settings.PARLEY_ROOMS_PAGE_DEFAULT = 2
    for title in ("c", "a", "b"):
        Membership.objects.create(
            room=rooms.create_room(user=bob, title=title), user=alice
        )
    html = page_of(alice)
    mine = re.search(r'<ul id="my-rooms".*?</ul>\s*(<button[^>]*>)?', html, re.S)
    assert re.findall(r'<li data-room="(\w+)"', mine.group(0)) == ["a", "b"]
    more = mine.group(1)
    assert (
        'data-more-rooms="my-rooms"' in more and 'data-kinds="public private"' in more
    )
    cursor = re.search(r'data-after="([^"]+)"', more).group(1)
    client = Client()
    client.force_login(alice)
    rest = client.get(
        "/api/rooms", {"member": "true", "kind": ["public", "private"], "after": cursor}
    ).json()
    assert [r["slug"] for r in rest["items"]] == ["c"] and rest["next"] is None
    assert 'data-more-rooms="direct-rooms"' not in html


def test_the_room_list_pages_the_public_rooms_not_joined(alice, bob, settings):
    settings.PARLEY_ROOMS_PAGE_DEFAULT = 2
    for title in ("p1", "p2", "p3"):
        rooms.create_room(user=bob, title=title)
    rooms.create_room(user=alice, title="p0")
    html = page_of(alice, "/")
    public = re.search(r'id="public-rooms".*?</ul>', html, re.S).group(0)
    assert re.findall(r'href="/chat/(\w+)/"', public) == ["p1", "p2"]
    link = re.search(r'<a href="(\?after=[^"]+)" rel="next">', html).group(1)
    later = page_of(alice, "/" + link.replace("&amp;", "&"))
    public = re.search(r'id="public-rooms".*?</ul>', later, re.S).group(0)
    assert re.findall(r'href="/chat/(\w+)/"', public) == ["p3"]
    assert 'rel="next"' not in later
    # A cursor Parley did not make shows the first page.
    assert 'href="/chat/p1/"' in page_of(alice, "/?after=%21%21")
