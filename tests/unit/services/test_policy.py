"""The policy: Parley's default rules, the loader of PARLEY_POLICY, and a
host's policy (the shop's: an order's room is its owner's and the staff's)
deciding reads, posts and names through the services."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

import parley
from parley import checks
from parley.models import Guest, Room
from parley.services import (
    bots,
    details,
    direct_rooms,
    history,
    mentions,
    messages,
    pins,
    profiles,
    reads,
    rooms,
)
from parley.services.policy import Display, Policy, policy
from parley.wire import shapes
from parley.wire.errors import ErrorCode, Forbidden, NotFound
from tests.support.shop.models import Order

pytestmark = pytest.mark.django_db

SHOP = "tests.support.shop.chat.Policy"


class SeesOnlyLobby(Policy):
    """A policy that overrides can_see alone: lists fall back to it."""

    def can_see(self, user, room):
        return room.slug == "lobby"


@pytest.fixture
def guest(make_user):
    user = make_user("ann#k3f9")
    Guest.objects.create(user=user, name="ann")
    return user


@pytest.fixture
def places(alice, bob):
    public = rooms.create_room(user=alice, title="Lobby")
    private = rooms.create_room(user=alice, title="Secret", kind="private")
    rooms.add_member(user=alice, room=private, username="bob")
    direct, _created = direct_rooms.open_direct(user=alice, username="bob")
    return public, private, direct


def test_the_default_sees_public_rooms_and_members_rooms(
    alice, bob, carol, guest, places
):
    public = places[0]
    rules = Policy()
    assert [rules.can_see(carol, room) for room in places] == [True, False, False]
    assert [rules.can_see(bob, room) for room in places] == [True, True, True]
    assert [rules.can_see(guest, room) for room in places] == [True, False, False]
    assert not rules.can_see(AnonymousUser(), public)


def test_the_default_lists_what_it_sees_in_one_query(
    alice, carol, places, django_assert_num_queries
):
    with django_assert_num_queries(1):
        assert sorted(r.slug for r in rooms.readable_rooms(carol)) == ["lobby"]
    with django_assert_num_queries(1):
        assert len(list(rooms.readable_rooms(alice))) == 3
    assert not rooms.readable_rooms(AnonymousUser()).exists()


def test_the_default_moderators_are_owners_and_staff_never_in_a_direct_room(
    alice, bob, carol, places
):
    carol.is_staff = True
    rules = Policy()
    assert [rules.can_moderate(alice, room) for room in places] == [True, True, False]
    assert [rules.can_moderate(bob, room) for room in places] == [False, False, False]
    assert [rules.can_moderate(carol, room) for room in places] == [True, True, False]


def test_staff_set_a_topic_as_moderators(alice, carol, places):
    public, _private, _direct = places
    with pytest.raises(Forbidden):
        details.set_topic(user=carol, room=public, topic="mine")
    carol.is_staff = True
    assert details.set_topic(user=carol, room=public, topic="mine").topic == "mine"


def test_the_default_creation_and_joining_rules(alice, guest, places):
    public = places[0]
    rules = Policy()
    assert [rules.can_create(alice, kind) for kind in Room.Kind] == [True] * 3
    assert [rules.can_create(guest, kind) for kind in Room.Kind] == [
        True,
        False,
        False,
    ]
    assert not rules.can_create(AnonymousUser(), "public")
    assert [rules.can_join(alice, room) for room in places] == [True, True, False]
    assert [rules.can_join(guest, room) for room in places] == [True, False, False]
    assert rules.can_post(alice, public) and not rules.can_post(AnonymousUser(), public)


def test_the_default_display_is_the_profile_else_the_username(alice, bob):
    profiles.set_display_name(user=alice, name="Alice L")
    profiles.attach(alice)
    profiles.attach(bob)
    assert Policy().display(alice) == Display("Alice L", "")
    assert Policy().display(bob) == Display("bob", "")


def test_policy_loads_the_setting_once_and_again_when_it_changes():
    assert type(policy()) is Policy
    assert policy() is policy()
    with override_settings(PARLEY_POLICY=SHOP):
        assert type(policy()).__module__ == "tests.support.shop.chat"
        assert policy() is policy()
    assert type(policy()) is Policy


@pytest.mark.parametrize(
    ("path", "says"),
    [
        ("tests.support.shop.chat.Nothing", "does not import"),
        ("no_such_module.Policy", "does not import"),
        ("tests.support.shop.models.Order", "is not a subclass"),
    ],
)
def test_a_bad_policy_path_is_an_error_and_a_system_check(path, says):
    with override_settings(PARLEY_POLICY=path):
        with pytest.raises(ImproperlyConfigured, match=says):
            policy()
        [found] = checks.check_policy()
        assert found.id == "parley.E003" and says in found.msg


def test_a_policy_with_can_see_alone_is_warned_and_lists_stay_right(alice, places):
    with override_settings(PARLEY_POLICY=f"{__name__}.SeesOnlyLobby"):
        assert [found.id for found in checks.check_policy()] == ["parley.W004"]
        assert [r.slug for r in rooms.readable_rooms(alice)] == ["lobby"]
    with override_settings(PARLEY_POLICY=SHOP):
        assert checks.check_policy() == []


@pytest.fixture
def shop(settings):
    settings.PARLEY_POLICY = SHOP


@pytest.fixture
def order(alice, shop):
    return Order.objects.create(owner=alice, number=42)


def test_an_orders_room_is_its_owners_and_the_staffs(alice, bob, carol, order):
    room = parley.room_for(order)
    carol.is_staff = True
    carol.save()
    assert rooms.get_readable(user=alice, slug=room.slug) == room
    assert rooms.get_readable(user=carol, slug=room.slug) == room
    with pytest.raises(NotFound):
        rooms.get_readable(user=bob, slug=room.slug)
    with pytest.raises(NotFound):
        rooms.join_or_create(user=bob, name=room.slug)
    with pytest.raises(NotFound):
        messages.send(author=bob, slug=room.slug, text="let me in")
    lobby = rooms.create_room(user=bob, title="Lobby")
    assert set(rooms.readable_rooms(alice)) == {room, lobby}
    assert set(rooms.readable_rooms(bob)) == {lobby}
    assert set(rooms.readable_rooms(carol)) == {room, lobby}


def test_the_shop_decides_posts_and_names(alice, carol, order):
    room = parley.room_for(order)
    carol.is_staff = True
    carol.save()
    asked = messages.send(author=alice, slug=room.slug, text="Where is it?")
    answered = messages.send(author=carol, slug=room.slug, text="On its way")
    page = reversed(history.history(room=room))
    shown = [shapes.message(m, display=policy().display) for m in page]
    assert [(m["author_name"], m["text"]) for m in shown] == [
        ("alice", "Where is it?"),
        ("carol (Shop)", "On its way"),
    ]
    assert asked.created and answered.created
    order.status = "delivered"
    order.save()
    with pytest.raises(Forbidden) as error:
        messages.send(author=alice, slug=room.slug, text="One more thing")
    assert error.value.code == ErrorCode.FORBIDDEN


def test_the_owner_of_an_order_reads_and_becomes_a_member(alice, order):
    room = parley.room_for(order)
    messages.send(author=alice, slug=room.slug, text="hello")
    assert reads.mark_read(user=alice, room=room, seq=1).seq == 1
    assert room.memberships.get().user == alice
    with pytest.raises(Forbidden):
        pins.set_pinned(user=alice, message_id=room.messages.get().pk, on=True)


@pytest.mark.parametrize("kind", ["private", "public"])
def test_mentions_reach_whom_the_policy_shows_the_room(alice, bob, carol, kind, order):
    room = parley.room_for(order, kind=kind)
    carol.is_staff = True
    carol.save()
    said = messages.send(author=carol, slug=room.slug, text="@alice @bob shipped")
    notified = mentions.notify_mentions(said.message.pk)
    assert [n.user for n in notified] == [alice]


def test_a_bot_answers_in_a_room_the_policy_keeps_from_it(alice, order):
    """A bot user (a command's, a webhook's) is nobody the shop's policy
    knows; its answer to the customer's message is posted on the server's
    authority."""
    room = parley.room_for(order)
    asked = messages.send(author=alice, slug=room.slug, text="Where is it?")
    bots.post_reply(
        bot=bots.command_bot(), room=room, text="Shipped", to=asked.message.id
    )
    answer = history.history(room=room)[0]
    assert (answer.author.get_username(), answer.text) == ("commands#bot", "Shipped")
    assert answer.reply_to_id == asked.message.id
