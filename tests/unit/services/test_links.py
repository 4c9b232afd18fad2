"""Rooms attached to host objects: parley.room_for, created once."""

import pytest
from asgiref.sync import sync_to_async
from django.contrib.auth.models import Group

import parley
from parley.models import Room, RoomLink
from parley.services import links, rooms
from parley.services.policy import linked_object
from parley.wire.errors import ErrorCode, ParleyError
from tests.support.shop.models import Order

pytestmark = pytest.mark.django_db


@pytest.fixture
def order(alice):
    return Order.objects.create(owner=alice, number=42)


def test_an_object_gets_one_room_made_on_first_use(order):
    room = parley.room_for(order)
    assert (room.slug, room.title, room.kind) == (
        f"shop-order-{order.pk}",
        "Order #42",
        "private",
    )
    assert parley.room_for(order, title="ignored now", kind="public") == room
    assert RoomLink.objects.count() == 1
    assert linked_object(room) == order
    assert parley.linked_object(rooms.create_room(user=order.owner, title="x")) is None


def test_a_taken_slug_gets_a_suffix_and_other_models_their_own_rooms(alice, order):
    rooms.create_room(user=alice, title=f"shop order {order.pk}")
    room = parley.room_for(order, title="  Order\n 42  ", kind="public")
    assert room.slug.startswith(f"shop-order-{order.pk}-")
    assert room.title == "Order 42"
    assert room.kind == "public"
    group = Group.objects.create(name="Team")
    assert parley.room_for(group).slug == f"auth-group-{group.pk}"


def test_a_concurrent_first_use_returns_the_winners_room(order, monkeypatch):
    first = parley.room_for(order)
    found = links._linked
    answers = iter([None])  # the loser looked before the winner's commit

    def racing(content_type, object_id):
        return next(answers, None) or found(content_type, object_id)

    monkeypatch.setattr(links, "_linked", racing)
    assert parley.room_for(order) == first
    assert RoomLink.objects.count() == 1
    assert Room.objects.count() == 1


@pytest.mark.parametrize(
    ("make", "kind"),
    [(lambda: Group(name="unsaved"), "private"), (lambda: None, "direct")],
)
def test_unsaved_objects_and_direct_rooms_are_refused(order, make, kind):
    with pytest.raises(ParleyError) as error:
        parley.room_for(make() or order, kind=kind)
    assert error.value.code == ErrorCode.INVALID_ROOM


@pytest.mark.django_db(transaction=True)
async def test_aroom_for_is_room_for_from_async_code(make_user):
    owner = await sync_to_async(make_user)("owner")
    order = await Order.objects.acreate(owner=owner, number=7)
    assert await parley.aroom_for(order) == await parley.aroom_for(order)


def test_parley_names_the_policy_lazily_and_nothing_else():
    from parley.services import policy

    assert parley.Policy is policy.Policy and parley.Display is policy.Display
    with pytest.raises(AttributeError):
        parley.Nothing  # noqa: B018
