"""The room page's webhooks section: its owner's alone, with the API's URL
in the page's configuration; none in a direct room."""

import pytest
from django.test import Client

from parley.services import direct_rooms, rooms

pytestmark = pytest.mark.django_db


def page_of(user, slug: str) -> str:
    client = Client()
    client.force_login(user)
    response = client.get(f"/chat/{slug}/")
    assert response.status_code == 200
    return response.content.decode()


def test_the_owner_gets_the_section_and_a_member_does_not(alice, bob):
    room = rooms.create_room(user=alice, title="Plans", kind="private")
    rooms.add_member(user=alice, room=room, username="bob")
    owner = page_of(alice, "plans")
    assert 'id="webhook-form"' in owner
    assert '"webhooksUrl": "/api/rooms/plans/webhooks"' in owner
    assert 'id="webhook-form"' not in page_of(bob, "plans")


def test_a_direct_room_has_no_webhooks_section(alice, bob):
    direct_rooms.open_direct(user=alice, username="bob")
    assert 'id="webhook-form"' not in page_of(
        alice, rooms.direct_slug(alice.pk, bob.pk)
    )
