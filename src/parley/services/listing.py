"""Lists of rooms a page at a time: ``GET /api/rooms``, the sidebar and
the room list page.

A list is ordered by slug (unique, so the order is total and stable) and
paged with an opaque cursor: the base64url of the last slug of the page
(RFC 4648, section 5, unpadded). A client passes it back as ``after``
and must not build one; the encoding keeps any Unicode slug one plain
token in a URL, and leaves room to change the order later. 4,215 rooms
listed at once were 856 KB and up to 1.4 s: a page is
``PARLEY_ROOMS_PAGE_DEFAULT`` rooms, at most ``PARLEY_ROOMS_PAGE_MAX``.

Who sees what is ``rooms.readable_rooms``' rule (public rooms, and the
private and direct rooms one is a member of); ``member`` narrows it to the
rooms one belongs to (the sidebar) or to those one does not (public rooms
to discover).
"""

import base64
import binascii
from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.utils.translation import gettext as _

from parley.conf import parley_settings
from parley.models import Membership, Room
from parley.services import rooms
from parley.wire.errors import ErrorCode, ParleyError

# A cursor encodes a slug of at most SLUG_MAX_CHARS characters (4 bytes of
# UTF-8 each at most, 4/3 of that in base64): 400 characters hold the
# longest with room to spare; the API refuses longer ones before decoding.
CURSOR_MAX_CHARS = 400


@dataclass(frozen=True, slots=True)
class RoomsPage:
    """One page of ``rooms_page``.

    Attributes:
        rooms: by slug.
        next: the cursor of the next page (pass it as ``after``), or None
            after the last.
    """

    rooms: list[Room]
    next: str | None


def encode_cursor(slug: str) -> str:
    """The cursor that continues after the room ``slug``."""
    return base64.urlsafe_b64encode(slug.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> str:
    """The slug a cursor of ``encode_cursor`` continues after.

    Raises:
        ParleyError: ``invalid_request`` for anything ``encode_cursor`` did
            not make (not base64url, not UTF-8, empty, too long).
    """
    if not cursor or len(cursor) > CURSOR_MAX_CHARS:
        raise ParleyError(ErrorCode.INVALID_REQUEST, _("Not a rooms cursor."))
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        slug = raw.decode()
    except (binascii.Error, ValueError):
        raise ParleyError(ErrorCode.INVALID_REQUEST, _("Not a rooms cursor.")) from None
    if not slug or encode_cursor(slug) != cursor:
        raise ParleyError(ErrorCode.INVALID_REQUEST, _("Not a rooms cursor."))
    return slug


def page_size(limit: int | None) -> int:
    """``limit`` as a page size: None gives ``PARLEY_ROOMS_PAGE_DEFAULT``;
    anything is kept within 1 to ``PARLEY_ROOMS_PAGE_MAX``."""
    largest: int = parley_settings.ROOMS_PAGE_MAX
    if limit is None:
        limit = int(parley_settings.ROOMS_PAGE_DEFAULT)
    return max(1, min(limit, largest))


def rooms_page(
    *,
    user: AbstractBaseUser,
    member: bool | None = None,
    kinds: Iterable[str] = (),
    after: str | None = None,
    limit: int | None = None,
) -> RoomsPage:
    """A page of the rooms ``user`` may read, by slug.

    Args:
        member: True: only rooms ``user`` is a member of; False: only those
            they are not (public rooms they never joined); None: both.
        kinds: only rooms of these kinds (``Room.Kind`` values); empty for
            every kind.
        after: the ``next`` of the previous page; None for the first page.
        limit: page size (``page_size``).

    Returns:
        At most ``page_size(limit)`` rooms, in one query (plus none: the
        page asks one row more than it shows to know whether a next one
        exists).

    Raises:
        ParleyError: ``invalid_request`` for a cursor this did not make.
    """
    size = page_size(limit)
    listed = rooms.readable_rooms(user)
    if member is not None:
        mine = Membership.objects.filter(user_id=user.pk).values("room_id")
        listed = listed.filter(pk__in=mine) if member else listed.exclude(pk__in=mine)
    kinds = list(kinds)
    if kinds:
        listed = listed.filter(kind__in=kinds)
    if after is not None:
        listed = listed.filter(slug__gt=decode_cursor(after))
    page = list(listed.order_by("slug")[: size + 1])
    more = len(page) > size
    page = page[:size]
    return RoomsPage(
        rooms=page, next=encode_cursor(page[-1].slug) if more and page else None
    )


def sidebar_kinds(direct: bool) -> list[str]:
    """The kinds of one of the sidebar's two lists: direct conversations, or
    the other rooms."""
    if direct:
        return [Room.Kind.DIRECT]
    return [Room.Kind.PUBLIC, Room.Kind.PRIVATE]
