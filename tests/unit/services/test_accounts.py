"""A user's account: the data export and the deletion that keeps their
messages as from a deleted user (``parley.services.accounts``)."""

import orjson
import pytest

from parley.models import (
    ApiToken,
    Attachment,
    Guest,
    Membership,
    Message,
    Notification,
    PushSubscription,
    Reaction,
    Room,
)
from parley.services import (
    accounts,
    attachments,
    direct_rooms,
    messages,
    notifications,
    profiles,
    reactions,
    rooms,
    tokens,
)
from parley.wire.errors import ErrorCode, Forbidden
from tests.unit.services.frames import Listener

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    return tmp_path


def exported(user) -> dict:
    return orjson.loads(b"".join(accounts.export(user=user)))


def test_the_export_holds_ones_profile_rooms_messages_and_notifications(ann, ben):
    profiles.set_display_name(user=ann, name="Ann A.")
    lobby = rooms.join_or_create(user=ann, name="lobby")
    rooms.join_or_create(user=ben, name="lobby")
    messages.store(room=lobby, author=ann, text="mine")
    messages.store(room=lobby, author=ben, text="not mine")
    notifications.notify(ann, kind="order", title="Shipped")
    notifications.notify(ben, kind="order", title="Ben's")
    data = exported(ann)
    assert (data["format"], data["version"]) == ("parley-export", 1)
    assert data["profile"] | {"date_joined": None} == {
        "username": "ann",
        "email": "",
        "display_name": "Ann A.",
        "date_joined": None,
    }
    assert [(r["slug"], r["kind"], r["role"]) for r in data["rooms"]] == [
        ("lobby", "public", "owner")
    ]
    (message,) = data["messages"]
    assert message | {"created": None} == {
        "room": "lobby",
        "seq": 1,
        "text": "mine",
        "created": None,
        "edited": None,
        "deleted": False,
    }
    assert [n["title"] for n in data["notifications"]] == ["Shipped"]


def test_the_export_reads_a_page_of_rows_at_a_time(ann, monkeypatch):
    """More rows than a page: every one exported, in the order written."""
    monkeypatch.setattr(accounts, "EXPORT_PAGE_ROWS", 2)
    lobby = rooms.join_or_create(user=ann, name="lobby")
    for n in range(5):
        messages.store(room=lobby, author=ann, text=f"m{n}")
    assert [m["text"] for m in exported(ann)["messages"]] == [f"m{n}" for n in range(5)]
    assert exported(ann)["notifications"] == []


def test_deleting_needs_the_password(ann):
    for wrong in ("", "second pass"):
        with pytest.raises(Forbidden) as refused:
            accounts.delete_account(user=ann, password=wrong)
        assert refused.value.code == ErrorCode.WRONG_PASSWORD
    assert type(ann).objects.filter(pk=ann.pk).exists()


def test_a_deleted_account_leaves_its_messages_and_takes_the_rest(
    ann, ben, django_capture_on_commit_callbacks, media
):
    lobby = rooms.join_or_create(user=ann, name="lobby")
    direct, _ = direct_rooms.open_direct(user=ann, username="ben")
    said = messages.store(room=direct, author=ann, text="hello ben").message
    reactions.toggle(user=ann, message_id=said.pk, emoji="👍", on=True)
    tokens.create_token(user=ann, name="bot")
    notifications.notify(ann, kind="order", title="Shipped")
    PushSubscription.objects.create(
        user=ann, endpoint="https://push.example/ann", p256dh="k", auth="a"
    )
    unsent = attachments.upload(user=ann, slug=lobby.slug, name="a.txt", data=b"x")
    with django_capture_on_commit_callbacks(execute=True):
        accounts.delete_account(user=ann, password="first pass")
    kept = Message.objects.get(pk=said.pk)
    assert (kept.text, kept.author_id) == ("hello ben", None)
    for model in (Membership, ApiToken, Notification, PushSubscription, Reaction):
        assert not model.objects.exclude(**{"user": ben}).exists(), model
    assert not Attachment.objects.filter(pk=unsent.pk).exists()
    assert not (media / unsent.file).exists()
    # The direct room stays for Ben, titled for a deleted user, without
    # Ann's name.
    direct = Room.objects.get(pk=direct.pk)
    assert "ann" not in direct.title
    assert direct_rooms.title_for(direct, user=ben) == "deleted user"
    assert Membership.objects.filter(room=direct, user=ben).exists()


def test_a_guest_has_no_account_to_delete(ben):
    Guest.objects.create(user=ben)
    with pytest.raises(Forbidden) as refused:
        accounts.delete_account(user=ben, password="first pass")
    assert refused.value.code == ErrorCode.GUEST_FORBIDDEN


def test_a_room_whose_only_owner_goes_passes_to_the_next_member(
    ann, ben, django_user_model, django_capture_on_commit_callbacks
):
    cat = django_user_model.objects.create_user("cat", password="pw")
    secret = rooms.create_room(user=ann, title="Secret", kind="private")
    for name in ("ben", "cat"):
        rooms.add_member(user=ann, room=secret, username=name)
    Membership.objects.filter(room=secret, user=cat).update(role="moderator")
    mine = rooms.create_room(user=ann, title="Mine alone")
    heard = Listener.room(secret)
    with django_capture_on_commit_callbacks(execute=True):
        accounts.erase(ann)
    roles = dict(
        Membership.objects.filter(room=secret).values_list("user__username", "role")
    )
    assert roles == {"ben": "member", "cat": "owner"}  # the moderator first
    assert heard.frames() == [
        {"type": "member", "room": "secret", "user": "cat", "role": "owner"}
    ]
    assert not Membership.objects.filter(room=mine).exists()
