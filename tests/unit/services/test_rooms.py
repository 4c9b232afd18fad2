"""Room naming, creation and the authorization rule, without sockets."""

from datetime import timedelta

import pytest
from django.utils import timezone

from parley.models import Membership, Room
from parley.ratelimit import RateLimited
from parley.services import direct_rooms, rooms
from parley.wire.errors import Conflict, ErrorCode, NotFound, ParleyError

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Lobby", "lobby"),
        ("Лобби Room", "лобби-room"),
        ("会议", "会议"),
        ("  café crème! ", "café-crème"),
        ("ﬁne", "fine"),  # NFKC folds the ligature
        ("a" * 80, "a" * 64),
    ],
)
def test_slug_for_keeps_any_script(name, slug):
    assert rooms.slug_for(name) == slug


@pytest.mark.parametrize("name", ["", "   ", "!!!", "---"])
def test_a_name_without_letters_is_invalid(name):
    with pytest.raises(ParleyError) as error:
        rooms.slug_for(name)
    assert error.value.code == ErrorCode.INVALID_ROOM


def test_check_slug_refuses_names_not_in_slug_form():
    assert rooms.check_slug("лобби") == "лобби"
    with pytest.raises(ParleyError) as error:
        rooms.check_slug("Лобби")
    assert "лобби" in error.value.message


def test_create_room_makes_the_creator_owner(django_user_model):
    user = django_user_model.objects.create_user("owner")
    room = rooms.create_room(user=user, title="  Team   Room ", kind="private")
    assert (room.slug, room.title, room.kind) == ("team-room", "Team Room", "private")
    assert Membership.objects.get(room=room, user=user).role == "owner"
    with pytest.raises(Conflict) as error:
        rooms.create_room(user=user, title="team room")
    assert error.value.code == ErrorCode.ROOM_EXISTS


def test_room_title_length_limit_is_inclusive(django_user_model, settings):
    settings.PARLEY_ROOM_TITLE_MAX_CHARS = 10
    user = django_user_model.objects.create_user("u")
    assert rooms.create_room(user=user, title="x" * 10).title == "x" * 10
    with pytest.raises(ParleyError) as error:
        rooms.create_room(user=user, title="y" * 11)
    assert error.value.code == ErrorCode.INVALID_ROOM


def test_only_public_and_private_rooms_are_created_directly(django_user_model):
    user = django_user_model.objects.create_user("u")
    with pytest.raises(ParleyError):
        rooms.create_room(user=user, title="dm", kind="direct")


def test_private_rooms_are_invisible_to_non_members(django_user_model):
    owner = django_user_model.objects.create_user("owner")
    stranger = django_user_model.objects.create_user("stranger")
    secret = rooms.create_room(user=owner, title="secret", kind="private")
    public = rooms.join_or_create(user=owner, name="open")
    assert set(rooms.readable_rooms(owner)) == {secret, public}
    assert list(rooms.readable_rooms(stranger)) == [public]
    for attempt in (
        lambda: rooms.get_readable(user=stranger, slug="secret"),
        lambda: rooms.join_or_create(user=stranger, name="secret"),
    ):
        with pytest.raises(NotFound) as error:
            attempt()
        # Exactly as for a room that does not exist: nothing leaks.
        assert error.value.code == ErrorCode.ROOM_NOT_FOUND
    with pytest.raises(NotFound) as missing:
        rooms.get_readable(user=stranger, slug="nothing-here")
    assert missing.value.message == error.value.message


def test_join_or_create_creates_a_public_room_once(django_user_model):
    user = django_user_model.objects.create_user("u")
    first = rooms.join_or_create(user=user, name="Лобби")
    again = rooms.join_or_create(user=user, name="лобби")
    assert first == again and first.kind == Room.Kind.PUBLIC and first.title == "Лобби"


@pytest.mark.parametrize(
    "title", ["safe\u202egnp.exe", "\u2066lobby\u2069", "left\u200fright"]
)
def test_a_title_with_direction_controls_is_refused(alice, title):
    with pytest.raises(ParleyError) as error:
        rooms.create_room(user=alice, title=title)
    assert error.value.code == ErrorCode.INVALID_ROOM
    assert not Room.objects.exists()


def test_a_title_with_a_word_of_two_scripts_is_refused(alice):
    with pytest.raises(ParleyError) as error:
        rooms.create_room(user=alice, title="L\u043ebby")  # Cyrillic o
    assert error.value.code == ErrorCode.INVALID_ROOM


def test_a_room_that_looks_like_another_is_refused(alice, bob):
    """Even a private room one cannot read: the address would mislead."""
    rooms.create_room(user=alice, title="Lobby", kind=Room.Kind.PRIVATE)
    for title in ("1obby", "1OBBY"):
        with pytest.raises(Conflict) as error:
            rooms.create_room(user=bob, title=title)
        assert error.value.code == ErrorCode.NAME_CONFUSABLE
    # Subscribing by the look-alike address says the same, not "created".
    with pytest.raises(Conflict):
        rooms.join_or_create(user=bob, name="1obby")
    assert Room.objects.count() == 1
    assert rooms.create_room(user=bob, title="Lobby two").skeleton


def test_the_room_budget_allows_exactly_its_size_a_day(alice, bob, settings):
    settings.PARLEY_ROOMS_PER_USER_PER_DAY = 3
    for name in ("one", "two"):
        rooms.join_or_create(user=alice, name=name)
    direct_rooms.open_direct(user=alice, username=bob.username)  # the third
    rooms.join_or_create(user=alice, name="one")  # joining costs nothing
    with pytest.raises(RateLimited) as refused:
        rooms.join_or_create(user=alice, name="four")
    assert refused.value.code == ErrorCode.RATE_LIMITED
    assert 86_000 < refused.value.retry_after <= 86_400
    assert not Room.objects.filter(slug="four").exists()
    rooms.join_or_create(user=bob, name="four")  # a budget per user


def test_a_room_older_than_a_day_leaves_the_budget(alice, settings):
    settings.PARLEY_ROOMS_PER_USER_PER_DAY = 1
    first = rooms.join_or_create(user=alice, name="old")
    Room.objects.filter(pk=first.pk).update(
        created_at=timezone.now() - timedelta(days=1, seconds=1)
    )
    rooms.create_room(user=alice, title="new", kind=Room.Kind.PRIVATE)


def test_staff_and_a_budget_of_zero_are_unlimited(alice, settings):
    settings.PARLEY_ROOMS_PER_USER_PER_DAY = 1
    alice.is_staff = True
    for name in ("a", "b"):
        rooms.join_or_create(user=alice, name=name)
    alice.is_staff = False
    settings.PARLEY_ROOMS_PER_USER_PER_DAY = 0
    rooms.join_or_create(user=alice, name="c")
