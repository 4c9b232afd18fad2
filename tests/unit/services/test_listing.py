"""Lists of rooms a page at a time (parley.services.listing)."""

import pytest
from django.contrib.auth.models import AnonymousUser

from parley.models import Room
from parley.services import direct_rooms, listing, rooms
from parley.wire.errors import ErrorCode, ParleyError

pytestmark = pytest.mark.django_db


def slugs(page: listing.RoomsPage) -> list[str]:
    return [room.slug for room in page.rooms]


def test_pages_follow_each_other_by_slug_to_the_end(alice, bob):
    for title in ("delta", "alpha", "charlie", "bravo", "echo"):
        rooms.create_room(user=bob, title=title)
    first = listing.rooms_page(user=alice, limit=2)
    assert slugs(first) == ["alpha", "bravo"] and first.next is not None
    second = listing.rooms_page(user=alice, after=first.next, limit=2)
    assert slugs(second) == ["charlie", "delta"]
    last = listing.rooms_page(user=alice, after=second.next, limit=2)
    assert slugs(last) == ["echo"] and last.next is None


def test_a_page_as_long_as_the_list_has_no_next(alice):
    for title in ("one", "two"):
        rooms.create_room(user=alice, title=title)
    assert listing.rooms_page(user=alice, limit=2).next is None


def test_the_page_size_is_bounded_by_the_setting(alice, settings):
    settings.PARLEY_ROOMS_PAGE_MAX = 3
    settings.PARLEY_ROOMS_PAGE_DEFAULT = 2
    for i in range(5):
        rooms.create_room(user=alice, title=f"room {i}")
    assert len(listing.rooms_page(user=alice).rooms) == 2
    assert len(listing.rooms_page(user=alice, limit=3).rooms) == 3
    assert len(listing.rooms_page(user=alice, limit=4).rooms) == 3
    assert len(listing.rooms_page(user=alice, limit=0).rooms) == 1


def test_member_and_kind_narrow_the_list(alice, bob, carol):
    rooms.create_room(user=alice, title="mine")
    rooms.create_room(user=bob, title="theirs")
    rooms.create_room(user=alice, title="hidden", kind=Room.Kind.PRIVATE)
    rooms.create_room(user=bob, title="secret", kind=Room.Kind.PRIVATE)
    direct, _created = direct_rooms.open_direct(user=alice, username="carol")
    assert slugs(listing.rooms_page(user=alice)) == sorted(
        ["mine", "theirs", "hidden", direct.slug]
    )
    assert slugs(listing.rooms_page(user=alice, member=True)) == sorted(
        ["mine", "hidden", direct.slug]
    )
    assert slugs(listing.rooms_page(user=alice, member=False)) == ["theirs"]
    assert slugs(
        listing.rooms_page(user=alice, member=True, kinds=listing.sidebar_kinds(False))
    ) == ["hidden", "mine"]
    assert slugs(listing.rooms_page(user=alice, kinds=["direct"])) == [direct.slug]


def test_unicode_slugs_round_trip_through_the_cursor(alice):
    for title in ("Лобби", "Ёлка", "中文"):
        rooms.create_room(user=alice, title=title)
    seen, after = [], None
    while True:
        page = listing.rooms_page(user=alice, after=after, limit=1)
        seen += slugs(page)
        if page.next is None:
            break
        assert page.next.isascii()
        after = page.next
    assert seen == sorted(["лобби", "ёлка", "中文"])


@pytest.mark.parametrize("cursor", ["", "!!", "gA", "x" * 401, "YWJj="])
def test_a_cursor_parley_did_not_make_is_refused(alice, cursor):
    with pytest.raises(ParleyError) as error:
        listing.rooms_page(user=alice, after=cursor)
    assert error.value.code == ErrorCode.INVALID_REQUEST


def test_anonymous_visitors_list_nothing(alice):
    rooms.create_room(user=alice, title="open")
    assert listing.rooms_page(user=AnonymousUser()).rooms == []
