"""A room's details: its topic, its member list with roles, and leaving it.

Rules (``docs/protocol.md``, "Room details"):

- The topic is set by the room's moderators only (the policy's
  ``can_moderate``: by default its owners and staff); a direct room has
  none, so no topic. Every subscriber gets ``topic {room, topic, by}``.
- Members are listed to whoever may read the room, by role (``ROLE_ORDER``:
  owners first), then by username, a page at a time.
- A member leaves a public or private room: their membership goes, every
  open socket of theirs in the room gets ``unsubscribed {room, reason:
  "left"}``, and the room's subscribers get ``member {room, user, left:
  true}``. The last owner may not leave (``last_owner``): there would be no
  one left to invite, pin or set the topic. A direct room cannot be left:
  it is the one conversation of two people, and leaving would make it
  unreadable for good to the leaver, whom ``open_direct`` would send back to
  it. After leaving a private room it answers ``room_not_found``, like
  any room that is not yours; a public room stays readable, and reading or
  posting in it makes you a member again.
"""

import unicodedata
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.utils.translation import gettext as _

import parley.signals as signals
from parley.bus.publish import publish_on_commit
from parley.conf import parley_settings
from parley.models import Membership, Room
from parley.services import rooms
from parley.wire import events
from parley.wire.errors import Conflict, ErrorCode, Forbidden, ParleyError
from parley.wire.frames import ServerFrameType

# Roles in the order a member list shows them.
ROLE_ORDER = (Membership.Role.OWNER, Membership.Role.MODERATOR, Membership.Role.MEMBER)


def clean_topic(topic: str) -> str:
    """A topic as stored: white space runs made one space, ends trimmed.

    Raises:
        ParleyError: ``invalid_text`` for a control character (NUL
            included); ``text_too_long`` past ``PARLEY_ROOM_TOPIC_MAX_CHARS``
            characters (counted after trimming).
    """
    topic = " ".join(topic.split())
    if any(unicodedata.category(char) == "Cc" for char in topic):
        raise ParleyError(
            ErrorCode.INVALID_TEXT, _("A topic cannot hold control characters.")
        )
    limit = parley_settings.ROOM_TOPIC_MAX_CHARS
    if len(topic) > limit:
        raise ParleyError(
            ErrorCode.TEXT_TOO_LONG,
            _("A topic has at most %(limit)d characters; this one has %(size)d.")
            % {"limit": limit, "size": len(topic)},
        )
    return topic


def set_topic(*, user: AbstractBaseUser, room: Room, topic: str) -> Room:
    """Set ``room``'s topic (``""`` clears it); its moderators only
    (``rooms.can_moderate``: by default its owners and staff).

    Args:
        room: a room ``user`` may read (the caller checked).

    Returns:
        The room with its new ``topic``. Subscribers get ``topic {room,
        topic, by}`` after the commit, unless it did not change.

    Raises:
        Forbidden: ``forbidden`` unless ``user`` may moderate the room.
        ParleyError: what ``clean_topic`` raises.
    """
    if not rooms.can_moderate(user=user, room=room):
        raise Forbidden(ErrorCode.FORBIDDEN, _("Only the room's owner sets its topic."))
    topic = clean_topic(topic)
    with transaction.atomic():
        changed = (
            Room.objects.filter(pk=room.pk).exclude(topic=topic).update(topic=topic)
        )
        if changed:
            publish_on_commit(
                events.room_frame(
                    room.pk,
                    ServerFrameType.TOPIC,
                    room=room.slug,
                    topic=topic,
                    by=user.get_username(),
                )
            )
    room.topic = topic
    return room


def role_rank() -> Case:
    """A query expression: a membership's place in ``ROLE_ORDER``."""
    return Case(
        *(When(role=role, then=Value(rank)) for rank, role in enumerate(ROLE_ORDER)),
        default=Value(len(ROLE_ORDER)),
        output_field=IntegerField(),
    )


@dataclass(frozen=True, slots=True)
class MembersPage:
    """One page of a room's members: see ``members_page``.

    Attributes:
        members: memberships with their users (and profiles) loaded.
        next_after: the cursor of the next page, or None after the last.
    """

    members: list[Membership]
    next_after: str | None


def _cursor(membership: Membership, rank: int) -> str:
    return f"{rank}:{membership.user.get_username()}"


def members_page(
    *, room: Room, after: str | None = None, limit: int | None = None
) -> MembersPage:
    """A page of ``room``'s members: by role (``ROLE_ORDER``), then username.

    Args:
        after: the cursor of the previous page's ``next_after``; None for
            the first page.
        limit: page size; None for ``PARLEY_MEMBERS_PAGE_DEFAULT``, capped
            at ``PARLEY_MEMBERS_PAGE_MAX``.

    Raises:
        ParleyError: ``invalid_request`` for a cursor this did not make.
    """
    if limit is None:
        limit = parley_settings.MEMBERS_PAGE_DEFAULT
    limit = max(1, min(limit, parley_settings.MEMBERS_PAGE_MAX))
    username = f"user__{get_user_model().USERNAME_FIELD}"
    listed: QuerySet[Membership] = (
        Membership.objects.filter(room=room)
        .select_related("user", "user__parley_profile")
        .annotate(rank=role_rank())
    )
    if after is not None:
        rank, _sep, name = after.partition(":")
        # A rank is a small index into ROLE_ORDER: a few ASCII digits.
        if not (rank.isascii() and rank.isdigit() and len(rank) <= 3) or not name:
            raise ParleyError(ErrorCode.INVALID_REQUEST, _("Not a members cursor."))
        listed = listed.filter(
            Q(rank__gt=int(rank)) | Q(rank=int(rank), **{f"{username}__gt": name})
        )
    page = list(listed.order_by("rank", username)[: limit + 1])
    more = len(page) > limit
    page = page[:limit]
    last = page[-1] if page and more else None
    return MembersPage(
        members=page,
        next_after=_cursor(last, last.rank) if last is not None else None,  # type: ignore[attr-defined]
    )


def leave_room(*, user: AbstractBaseUser, room: Room) -> bool:
    """``user`` leaves ``room`` (see the module docstring for the rules).

    Args:
        room: a room ``user`` may read (the caller checked).

    Returns:
        Whether a membership was removed (False for a public room they
        were no member of). Their sockets are told either way.

    Raises:
        ParleyError: ``invalid_request`` for a direct room.
        Conflict: ``last_owner`` for the room's only owner.
    """
    if room.kind == Room.Kind.DIRECT:
        raise ParleyError(
            ErrorCode.INVALID_REQUEST, _("A direct conversation cannot be left.")
        )
    with transaction.atomic():
        # Locks the room's memberships, so two owners leaving at once cannot
        # both pass the last-owner check.
        owners = list(
            Membership.objects.select_for_update()
            .filter(room=room, role=Membership.Role.OWNER)
            .values_list("user_id", flat=True)
        )
        if owners == [user.pk]:
            raise Conflict(
                ErrorCode.LAST_OWNER,
                _("You are this room's only owner; it cannot be left without one."),
            )
        removed = part(room=room, user=user, reason="left")
    return removed


def part(*, room: Room, user: AbstractBaseUser, reason: str) -> bool:
    """End ``user``'s membership of ``room``, in the caller's transaction,
    and tell everyone after the commit: every socket of the user, on every
    process, gets ``unsubscribed {room, reason}`` and stops following the
    room (also when they were no member: a public room's reader); if a
    membership went, the room hears ``member {user, left: true, reason}``
    and ``member_left`` is sent with ``reason``.

    Args:
        reason: ``"left"`` (``leave_room``), or ``"removed"`` / ``"banned"``
            (``parley.services.moderation``).

    Returns:
        Whether a membership was removed.
    """
    removed, _kinds = Membership.objects.filter(room=room, user_id=user.pk).delete()
    publish_on_commit(events.left_room(user.pk, room.pk, room.slug, reason))
    if removed:
        signals.send_on_commit(
            signals.member_left, Room, room=room, user=user, reason=reason
        )
        publish_on_commit(
            events.room_frame(
                room.pk,
                ServerFrameType.MEMBER,
                room=room.slug,
                user=user.get_username(),
                left=True,
                reason=reason,
            )
        )
    return bool(removed)
