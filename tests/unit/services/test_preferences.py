"""Preferences: per kind and channel, on unless turned off; per room, mute."""

import pytest

import parley
from parley.models import Guest, Notification
from parley.services import messages, preferences, rooms
from parley.services.preferences import KindSetting
from parley.wire.errors import ErrorCode, Forbidden, NotFound, ParleyError

pytestmark = pytest.mark.django_db


def test_every_channel_is_on_until_turned_off(bob):
    assert preferences.wants(bob.pk, "order", "email")
    preferences.update_preferences(user=bob, kinds=[KindSetting("order", email=False)])
    assert not preferences.wants(bob.pk, "order", "email")
    assert preferences.wants(bob.pk, "order", "push")


def test_the_kinds_listed_are_built_in_then_received(bob):
    parley.notify(bob, kind="order", title="t")
    preferences.update_preferences(user=bob, kinds=[KindSetting("billing", push=False)])
    listed = preferences.preferences(user=bob).kinds
    assert [k.kind for k in listed] == ["direct", "mention", "billing", "order"]
    assert listed[2] == KindSetting("billing", push=False)


@pytest.mark.parametrize("kinds", [["a", "a"], [""], ["x" * 33]])
def test_bad_kinds_are_refused(bob, kinds):
    with pytest.raises(ParleyError) as refused:
        preferences.update_preferences(user=bob, kinds=[KindSetting(k) for k in kinds])
    assert refused.value.code == ErrorCode.INVALID_REQUEST


def test_a_kind_of_32_characters_passes(bob):
    preferences.update_preferences(user=bob, kinds=[KindSetting("x" * 32)])


def test_muting_needs_a_readable_room_and_replaces_the_list(alice, bob):
    lobby = rooms.join_or_create(user=alice, name="lobby")
    secret = rooms.create_room(user=alice, title="secret", kind="private")
    with pytest.raises(NotFound):
        preferences.update_preferences(user=bob, kinds=[], muted_rooms=[secret.slug])
    preferences.update_preferences(user=bob, kinds=[], muted_rooms=[lobby.slug])
    assert preferences.is_muted(bob.pk, lobby.id)
    assert preferences.preferences(user=bob).muted_rooms == ["lobby"]
    preferences.update_preferences(user=bob, kinds=[])
    assert preferences.is_muted(bob.pk, lobby.id)
    preferences.update_preferences(user=bob, kinds=[], muted_rooms=[])
    assert not preferences.is_muted(bob.pk, lobby.id)


def test_a_muted_room_mentions_nobody(alice, bob):
    lobby = rooms.join_or_create(user=alice, name="lobby")
    preferences.update_preferences(user=bob, kinds=[], muted_rooms=[lobby.slug])
    messages.send(author=alice, room=lobby, text="@bob hi")
    assert not Notification.objects.filter(user=bob).exists()


def test_in_app_off_stores_the_notification_read(bob):
    preferences.update_preferences(user=bob, kinds=[KindSetting("order", in_app=False)])
    stored = parley.notify(bob, kind="order", title="quiet")
    assert stored.read_at is not None


def test_stop_email_keeps_the_other_channels(bob):
    preferences.update_preferences(user=bob, kinds=[KindSetting("direct", push=False)])
    preferences.stop_email(bob.pk, ["direct"])
    assert preferences.preferences(user=bob).kinds[0] == KindSetting(
        "direct", in_app=True, push=False, email=False
    )


def test_guests_have_no_preferences(django_user_model):
    guest = django_user_model.objects.create_user("guest-1")
    Guest.objects.create(user=guest, name="visitor")
    with pytest.raises(Forbidden):
        preferences.preferences(user=guest)
