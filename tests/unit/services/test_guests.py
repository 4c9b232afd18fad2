"""Guests: anonymous visitors signed in under a chosen name."""

import pytest
from django.contrib.auth.forms import UserCreationForm
from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.backends.db import SessionStore
from django.test import RequestFactory

import parley
from parley.services import direct_rooms, guests, notifications, rooms, tokens
from parley.wire.errors import ErrorCode, Forbidden, NotFound, ParleyError

pytestmark = pytest.mark.django_db


@pytest.fixture
def visitor():
    request = RequestFactory().get("/")
    request.session = SessionStore()
    request.user = AnonymousUser()
    return request


@pytest.fixture
def guest_access(settings):
    settings.PARLEY_GUEST_ACCESS = True


def test_guest_access_is_off_by_default(visitor):
    with pytest.raises(Forbidden) as error:
        guests.start_guest(visitor, "ann")
    assert error.value.code == ErrorCode.GUESTS_DISABLED


def test_a_visitor_becomes_a_signed_in_guest(visitor, guest_access):
    guest = guests.start_guest(visitor, " ann ")
    assert visitor.user == guest and guests.is_guest(guest)
    name, suffix = guest.username.split(guests.GUEST_SEPARATOR)
    assert name == "ann" and len(suffix) == guests.GUEST_SUFFIX_CHARS
    assert not guest.has_usable_password()
    assert visitor.session["_auth_user_id"] == str(guest.pk)
    assert guests.start_guest(visitor, "ann").pk != guest.pk  # a new guest


def test_accounts_are_not_guests(django_user_model):
    assert not guests.is_guest(django_user_model.objects.create_user("real"))
    assert not guests.is_guest(AnonymousUser())


@pytest.mark.parametrize(
    "name",
    ["", "   ", "x" * (guests.GUEST_NAME_MAX_CHARS + 1), "a b", "a#b", "<b>", "a@b"],
)
def test_bad_guest_names_are_refused(visitor, guest_access, name):
    with pytest.raises(ParleyError) as error:
        guests.start_guest(visitor, name)
    assert error.value.code == ErrorCode.INVALID_NAME


def test_the_longest_name_and_any_script_are_fine(visitor, guest_access):
    assert guests.start_guest(visitor, "Ж" * guests.GUEST_NAME_MAX_CHARS)


def test_signed_in_accounts_do_not_become_guests(
    visitor, guest_access, django_user_model
):
    visitor.user = django_user_model.objects.create_user("real")
    with pytest.raises(ParleyError) as error:
        guests.start_guest(visitor, "ann")
    assert error.value.code == ErrorCode.INVALID_REQUEST


def test_sign_up_cannot_take_a_guest_like_name():
    form = UserCreationForm(
        {
            "username": "ann#ab12",
            "password1": "x9!long-enough",
            "password2": "x9!long-enough",
        }
    )
    assert not form.is_valid() and "username" in form.errors


def test_guests_read_and_post_in_public_rooms_only(
    visitor, guest_access, django_user_model
):
    guest = guests.start_guest(visitor, "ann")
    owner = django_user_model.objects.create_user("owner")
    lobby = rooms.join_or_create(user=guest, name="lobby")
    assert rooms.can_read(guest, lobby)
    secret = rooms.create_room(user=owner, title="secret", kind="private")
    with pytest.raises(NotFound):
        rooms.get_readable(user=guest, slug=secret.slug)
    refusals = [
        lambda: rooms.create_room(user=guest, title="mine", kind="private"),
        lambda: rooms.add_member(user=owner, room=secret, username=guest.username),
        lambda: direct_rooms.open_direct(user=guest, username="owner"),
        lambda: direct_rooms.open_direct(user=owner, username=guest.username),
        lambda: parley.notify(guest, kind="k", title="t"),
        lambda: notifications.notifications_page(user=guest),
        lambda: notifications.mark_all_notifications_read(user=guest),
        lambda: notifications.mark_notification_read(user=guest, notification_id=1),
        lambda: tokens.create_token(user=guest, name="bot"),
    ]
    for refused in refusals:
        with pytest.raises(Forbidden) as error:
            refused()
        assert error.value.code == ErrorCode.GUEST_FORBIDDEN
