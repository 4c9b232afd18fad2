"""The room page's details: the topic as text, the pinned list, the owner's
topic form, roles in the members panel, and leaving."""

import pytest
from django.test import Client

from parley.services import details, direct_rooms, rooms

pytestmark = pytest.mark.django_db


def page_of(user, slug: str) -> str:
    client = Client()
    client.force_login(user)
    response = client.get(f"/chat/{slug}/")
    assert response.status_code == 200
    return response.content.decode()


def test_the_room_page_shows_the_topic_as_text_and_the_owner_its_form(alice, bob):
    room = rooms.create_room(user=alice, title="Plans", kind="private")
    rooms.add_member(user=alice, room=room, username="bob")
    details.set_topic(user=alice, room=room, topic="<script>x</script> soon")
    owner = page_of(alice, "plans")
    assert "&lt;script&gt;x&lt;/script&gt; soon" in owner
    assert "<script>x</script>" not in owner
    assert 'id="topic-form"' in owner and 'id="open-pins"' in owner
    assert 'id="leave-room"' in owner
    member = page_of(bob, "plans")
    assert 'id="topic-form"' not in member and 'id="leave-room"' in member
    assert 'data-role="owner"' in member and 'data-role="member"' in member


def test_a_direct_room_offers_no_leaving(alice, bob):
    direct_rooms.open_direct(user=alice, username="bob")
    direct = rooms.direct_slug(alice.pk, bob.pk)
    assert 'id="leave-room"' not in page_of(alice, direct)
