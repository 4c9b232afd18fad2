"""The shell's data (``parley.web.shell``): people by display name, the
sidebar's rooms and the members panel."""

import pytest
from django.test import Client

from parley.models import Membership
from parley.services import direct_rooms, messages, profiles, rooms
from parley.web import shell

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Ann Lee", "AL"),
        ("bob", "B"),
        ("ann_marie smith x", "AM"),
        ("ivan#k3f9", "I"),
        ("", "?"),
        ("борис петров", "БП"),
    ],
)
def test_initials(name, expected):
    assert shell.initials(name) == expected


def test_a_person_shows_the_display_name_else_the_username(alice, bob):
    profiles.set_display_name(user=alice, name="Alice L")
    profiles.attach(alice)
    profiles.attach(bob)
    assert shell.person(alice)["name"] == "Alice L"
    assert shell.person(bob) | {"hue": 0} == {
        "username": "bob",
        "name": "bob",
        "initials": "B",
        "hue": 0,
        "avatar": "",
    }
    assert 0 <= shell.person(bob)["hue"] < shell.AVATAR_HUES


def test_the_sidebar_titles_a_direct_room_with_the_peers_display_name(alice, bob):
    profiles.set_display_name(user=bob, name="Bob B")
    direct_rooms.open_direct(user=alice, username="bob")
    listed = shell.my_rooms(alice)
    assert [item["title"] for item in listed["direct"]] == ["Bob B"]
    direct = direct_rooms.open_direct(user=alice, username="bob")[0]
    assert shell.room_title(direct, alice) == "Bob B"
    assert shell.room_title(direct, bob) == "alice"


def test_the_members_panel_lists_owners_first_and_counts_everyone(alice, bob, carol):
    room = rooms.create_room(user=bob, title="panel")
    for user in (alice, carol):
        Membership.objects.create(room=room, user=user)
    profiles.set_display_name(user=carol, name="Aardvark")
    panel = shell.members_panel(room, limit=2)
    assert panel["count"] == 3
    assert [p["username"] for p in panel["people"]] == ["bob", "alice"]
    assert panel["people"][0]["role"] == Membership.Role.OWNER


def test_the_room_page_names_members_and_highlights_the_room_once_a_member(alice, bob):
    room = rooms.create_room(user=alice, title="named")
    profiles.set_display_name(user=alice, name="Alice L")
    client = Client()
    client.force_login(bob)
    page = client.get(f"/chat/{room.slug}/").content.decode()
    assert '"name": "Alice L"' in page  # the online list's names (parley-config)
    assert "1 member" in page
    assert f'data-room="{room.slug}"' not in page  # bob is not a member yet
    messages.store(room=room, author=bob, text="hi")
    Membership.objects.create(room=room, user=bob)
    page = client.get(f"/chat/{room.slug}/").content.decode()
    assert f'data-room="{room.slug}"' in page and 'aria-current="page"' in page
