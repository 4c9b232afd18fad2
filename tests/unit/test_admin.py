"""The Django admin shows Parley's data read-only, and its moderation
actions go through the services, which tell the open sockets."""

import pytest
from django.urls import reverse

from parley.models import ApiToken, Ban, Message
from parley.services import messages, moderation, rooms, tokens
from tests.unit.services.frames import Listener

pytestmark = pytest.mark.django_db

MODELS = ["room", "membership", "ban", "message", "notification", "apitoken"]


@pytest.fixture
def staff(client, django_user_model):
    user = django_user_model.objects.create_superuser("boss", password="x" * 12)
    client.force_login(user)
    return user


@pytest.fixture
def lobby(alice, bob):
    room = rooms.join_or_create(user=alice, name="lobby")
    messages.store(room=room, author=bob, text="<b>buy now</b>")
    tokens.create_token(user=bob, name="bot")
    return room


@pytest.mark.parametrize("model", MODELS)
def test_every_list_and_detail_page_loads_and_nothing_is_added(
    client, staff, lobby, model
):
    listing = client.get(reverse(f"admin:parley_{model}_changelist"), {"q": "b"})
    assert listing.status_code == 200
    assert client.get(reverse(f"admin:parley_{model}_add")).status_code == 403


def test_message_text_is_shown_escaped_and_searchable(client, staff, lobby):
    page = client.get(reverse("admin:parley_message_changelist"), {"q": "buy"})
    assert b"&lt;b&gt;buy now&lt;/b&gt;" in page.content
    said = Message.objects.get()
    detail = client.get(reverse("admin:parley_message_change", args=[said.pk]))
    assert detail.status_code == 200 and b'name="_save"' not in detail.content


def test_deleting_messages_tells_the_room(
    client, staff, lobby, django_capture_on_commit_callbacks
):
    said = Message.objects.get()
    room = Listener.room(lobby)
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(
            reverse("admin:parley_message_changelist"),
            {"action": "delete_messages", "_selected_action": [said.pk]},
            follow=True,
        )
    assert b"1 message deleted." in answer.content
    assert room.frames() == [
        {"type": "deleted", "id": said.id, "seq": 1, "room": "lobby"}
    ]
    said.refresh_from_db()
    assert said.deleted_at is not None and said.text == ""


def test_bulk_delete_is_not_offered(client, staff, lobby):
    page = client.get(reverse("admin:parley_message_changelist"))
    assert b'value="delete_messages"' in page.content
    assert b'value="delete_selected"' not in page.content


def test_revoking_tokens(client, staff, lobby):
    token = ApiToken.objects.get()
    client.post(
        reverse("admin:parley_apitoken_changelist"),
        {"action": "revoke", "_selected_action": [token.pk]},
    )
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_staff_without_parleys_permissions_see_none_of_it(
    client, django_user_model, lobby
):
    clerk = django_user_model.objects.create_user("clerk", is_staff=True)
    client.force_login(clerk)
    page = client.get(reverse("admin:parley_message_changelist"))
    assert page.status_code == 403


def test_removing_members_cuts_their_sockets_and_lifting_a_ban(
    client, staff, lobby, bob, django_capture_on_commit_callbacks
):
    rooms.admit(room=lobby, user=bob)
    moderation.ban(by=staff, room=lobby, username="bob")
    ban = Ban.objects.get()
    client.post(
        reverse("admin:parley_ban_changelist"),
        {"action": "lift_bans", "_selected_action": [ban.pk]},
    )
    assert not Ban.objects.exists()
    member = rooms.admit(room=lobby, user=bob)[0]
    inbox = Listener.user(bob)
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(
            reverse("admin:parley_membership_changelist"),
            {"action": "remove_members", "_selected_action": [member.pk]},
            follow=True,
        )
    assert b"1 member removed." in answer.content
    assert inbox.frames() == [
        {"type": "unsubscribed", "room": "lobby", "reason": "removed"}
    ]
