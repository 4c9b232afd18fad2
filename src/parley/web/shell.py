"""What the shell of every signed-in page shows (``base.html``): the
sidebar's rooms and direct conversations with their unread counts, and the
user's own name and avatar; and how people appear in a room's members
panel.

A person is shown by display name (else username), with their avatar or
their initials on a colour derived from their user id (``hue``, 0-7,
``parley.css`` maps it to a colour that keeps white text at WCAG AA).
"""

from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.http import HttpRequest

from parley.models import Membership, Room
from parley.services import details, direct_rooms, guests, listing, profiles, reads
from parley.services.policy import policy

# Avatar colours in parley.css (.avatar[data-hue]).
AVATAR_HUES = 8


def initials(name: str) -> str:
    """Up to two initials of ``name``: ``"Ann Lee"`` -> ``"AL"``, ``"bob"``
    -> ``"B"``; a guest's suffix (``ann#k3f9``) is not a word of it."""
    words = name.split(guests.GUEST_SEPARATOR)[0].replace("_", " ").split()
    return "".join(word[0] for word in words[:2]).upper() or "?"


def person(user: Any) -> dict[str, Any]:
    """How ``user`` appears: ``{username, name, initials, hue, avatar}``
    (``avatar``: its URL, "" without one), as the policy's ``display``
    says (by default from a profile loaded with it,
    ``select_related("parley_profile")``, or looked up here)."""
    shown = policy().display(user)
    return {
        "username": user.get_username(),
        "name": shown.name,
        "initials": initials(shown.name),
        "hue": user.pk % AVATAR_HUES,
        "avatar": shown.avatar_url,
    }


def display_peers(user: AbstractBaseUser, room_ids: list[int]) -> dict[int, str]:
    """The other person of each direct room in ``room_ids``, by display name
    (else username): ``direct_rooms.direct_peers`` as people see them."""
    peers = direct_rooms.direct_peers(user=user, room_ids=room_ids)
    names = profiles.people(list(peers.values()))
    return {
        room_id: names.get(username, {}).get("name", username)
        for room_id, username in peers.items()
    }


def room_title(room: Room, user: AbstractBaseUser) -> str:
    """``room``'s title as ``user`` sees it on a page: a direct room's is the
    other person's display name (see ``direct_rooms.title_for``)."""
    peers = display_peers(user, [room.pk]) if room.kind == Room.Kind.DIRECT else {}
    return direct_rooms.title_for(room, user=user, peers=peers)


def room_items(user: AbstractBaseUser, listed: list[Room]) -> list[dict[str, Any]]:
    """``listed`` as sidebar entries (``_room_item.html``), in their order:
    ``{slug, title, kind, kind_display, unread}``, a direct room titled with
    the other's display name (else username)."""
    unread = reads.unread_counts(user=user, rooms=listed)
    peers = display_peers(user, [r.pk for r in listed if r.kind == Room.Kind.DIRECT])
    return [
        {
            "slug": room.slug,
            "title": direct_rooms.title_for(room, user=user, peers=peers),
            "kind": room.kind,
            "kind_display": room.get_kind_display(),
            "unread": unread.get(room.pk, 0),
        }
        for room in listed
    ]


def my_rooms(user: AbstractBaseUser, *, paged: bool = True) -> dict[str, Any]:
    """The rooms signed-in ``user`` belongs to, with unread counts, for the
    sidebar (``_rooms.html``): the first page of each list, by slug (the
    order of ``GET /api/rooms``, whose pages "Show more" appends).

    Args:
        paged: False for every room at once (the settings page's mute list).

    Returns:
        ``{"rooms": [...], "direct": [...], "rooms_next", "direct_next"}``:
        entries (``room_items``) of the rooms and of the direct
        conversations, and the cursor of each list's next page (None after
        the last).
    """
    shown: dict[str, Any] = {}
    for name, direct in (("rooms", False), ("direct", True)):
        kinds = listing.sidebar_kinds(direct)
        if paged:
            page = listing.rooms_page(user=user, member=True, kinds=kinds)
            listed, cursor = page.rooms, page.next
        else:
            mine = Room.objects.filter(memberships__user_id=user.pk, kind__in=kinds)
            listed, cursor = list(mine.order_by("slug")), None
        shown[name] = room_items(user, listed)
        shown[f"{name}_next"] = cursor
    return shown


def shell_context(request: HttpRequest) -> dict[str, Any] | None:
    """The shell of a signed-in user's page, or None for visitors (their
    pages are a plain card).

    Returns:
        ``{"rooms": my_rooms(...), "me": person(...), "guest": bool}``.
    """
    user = request.user
    if not user.is_authenticated:
        return None
    profiles.attach(user)
    return {
        "rooms": my_rooms(user),
        "me": person(user),
        "guest": guests.is_guest(user),
    }


def members_panel(room: Room, limit: int) -> dict[str, Any]:
    """A room's members as its page lists them: ``{count, people}``,
    ``people`` the first ``limit`` members (by role, ``details.ROLE_ORDER``,
    then by name), each a ``person`` with ``role`` and ``role_display`` (its
    name in the page's language)."""
    memberships = Membership.objects.filter(room=room)
    listed = (
        memberships.select_related("user", "user__parley_profile")
        .defer(f"user__parley_profile__{profiles.AVATAR_BYTES}")
        .order_by("-role", "user_id")[:limit]
    )
    people = [
        {**person(m.user), "role": m.role, "role_display": m.get_role_display()}
        for m in listed
    ]
    people.sort(
        key=lambda p: (details.ROLE_ORDER.index(p["role"]), p["name"].casefold())
    )
    return {"count": memberships.count(), "people": people}
