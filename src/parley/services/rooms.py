"""Rooms: naming, creation, members, and who may read or post where.

Authorization is the configured policy's (``parley.services.policy``; by
default anyone signed in may read and post in a public room, private and
direct rooms only their members, never a guest); this module asks it. A
room the user may not read is reported exactly like a room that does not
exist, so ids and slugs leak nothing.
Direct rooms (``dm-<lower user id>-<higher user id>``, a slug no other room
may take) are opened by ``parley.services.direct``.
"""

import re
from datetime import timedelta

# A user is an AbstractBaseUser: the user model is swappable (AUTH_USER_MODEL),
# but django-stubs types a foreign key to it as the configured model
# (auth.User); "type: ignore[misc]" marks where one is stored or looked up.
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

import parley.signals as signals
from parley.bus.publish import publish_on_commit
from parley.conf import parley_settings
from parley.models import Membership, Room
from parley.ratelimit import RateLimited
from parley.services import names
from parley.services.guests import refuse_guests
from parley.services.policy import policy
from parley.wire import events
from parley.wire.errors import Conflict, ErrorCode, Forbidden, NotFound, ParleyError
from parley.wire.frames import ServerFrameType

DIRECT_SLUG_RE = re.compile(r"dm-\d+-\d+")
# The window of PARLEY_ROOMS_PER_USER_PER_DAY.
ROOM_BUDGET_WINDOW = timedelta(days=1)


def slug_for(name: str) -> str:
    """The slug of a room named ``name``: Unicode kept, lowercased.

    ``"Лобби Room"`` becomes ``"лобби-room"``; Django's ``slugify`` (NFKC
    normalization, then word characters and hyphens) does the work.

    Raises:
        ParleyError: ``invalid_room`` when nothing usable is left.
    """
    slug = slugify(name, allow_unicode=True)[: parley_settings.SLUG_MAX_CHARS].strip(
        "-_"
    )
    if not slug:
        raise ParleyError(
            ErrorCode.INVALID_ROOM,
            _("A room name needs at least one letter or digit."),
        )
    return slug


def check_slug(slug: str) -> str:
    """Return ``slug`` if it is a room slug as ``slug_for`` makes them.

    Raises:
        ParleyError: ``invalid_room`` otherwise (the message suggests one).
    """
    if slug_for(slug) != slug:
        raise ParleyError(
            ErrorCode.INVALID_ROOM,
            _("%(slug)s is not a room slug; did you mean %(suggestion)s?")
            % {"slug": slug[:64], "suggestion": slug_for(slug)},
        )
    return slug


def direct_slug(user_id: int, peer_id: int) -> str:
    """The slug of the direct room of two users: ``dm-<low id>-<high id>``."""
    low, high = sorted((user_id, peer_id))
    return f"dm-{low}-{high}"


def _title(title: str) -> str:
    title = names.check_text(" ".join(title.split()), code=ErrorCode.INVALID_ROOM)
    limit = parley_settings.ROOM_TITLE_MAX_CHARS
    if len(title) > limit:
        raise ParleyError(
            ErrorCode.INVALID_ROOM,
            _("A room title has at most %(limit)d characters.") % {"limit": limit},
        )
    return title


def can_read(user: AbstractBaseUser, room: Room) -> bool:
    """Whether ``user`` may read ``room``: the policy's ``can_see``."""
    return policy().can_see(user, room)


def readable_rooms(user: AbstractBaseUser) -> QuerySet[Room]:
    """Every room ``user`` may read, as one query: the policy's
    ``filter_visible`` (by default public rooms and those they belong to)."""
    return policy().filter_visible(user, Room.objects.all())


def get_readable(*, user: AbstractBaseUser, slug: str) -> Room:
    """The room with ``slug`` if ``user`` may read it.

    Raises:
        NotFound: ``room_not_found`` if there is none or it is not theirs.
    """
    room = Room.objects.filter(slug=slug).first()
    if room is None or not can_read(user, room):
        raise NotFound(ErrorCode.ROOM_NOT_FOUND, _("No such room."))
    return room


def spend_room_creation(user: AbstractBaseUser) -> None:
    """Check ``user``'s budget of new rooms: at most
    ``PARLEY_ROOMS_PER_USER_PER_DAY`` created in the last 24 hours, counted
    from the rooms themselves (so across processes and restarts; two
    creations at the same instant may both pass). Staff are exempt; a
    budget of 0, or ``PARLEY_RATE_LIMITS = False``, is none.

    Raises:
        RateLimited: ``rate_limited``, with ``retry_after`` the seconds
            until the oldest counted room leaves the window.
    """
    limit = parley_settings.ROOMS_PER_USER_PER_DAY
    if not limit or not parley_settings.RATE_LIMITS or getattr(user, "is_staff", False):
        return
    since = timezone.now() - ROOM_BUDGET_WINDOW
    recent = list(
        Room.objects.filter(created_by_id=user.pk, created_at__gte=since)
        .order_by("-created_at")
        .values_list("created_at", flat=True)[:limit]
    )
    if len(recent) >= limit:
        wait = recent[-1] + ROOM_BUDGET_WINDOW - timezone.now()
        raise RateLimited(wait.total_seconds())


def refuse_creation(user: AbstractBaseUser, kind: str) -> None:
    """Ask the policy whether ``user`` may create a room of ``kind``.

    Raises:
        Forbidden: ``forbidden`` when its ``can_create`` says no.
    """
    if not policy().can_create(user, kind):
        raise Forbidden(
            ErrorCode.FORBIDDEN, _("You may not create a room of this kind.")
        )


def create_room(
    *, user: AbstractBaseUser, title: str, kind: str = Room.Kind.PUBLIC
) -> Room:
    """Create a public or private room named ``title``; ``user`` owns it.

    The title is normalized (NFKC) and may hold no direction control and
    no word of mixed scripts; its slug may not look like another room's
    (``parley.services.names``).

    Raises:
        ParleyError: ``invalid_room`` for an unusable title or kind, or a
            title whose slug is reserved for direct rooms (``dm-1-2``).
        Forbidden: ``guest_forbidden`` for a guest creating a private room;
            ``forbidden`` when the policy's ``can_create`` says no.
        RateLimited: over ``PARLEY_ROOMS_PER_USER_PER_DAY``
            (``spend_room_creation``).
        Conflict: ``room_exists`` if the slug is taken; ``name_confusable``
            if it is confusable with another room's (``l\\u043ebby`` beside
            ``lobby``).
    """
    if kind not in (Room.Kind.PUBLIC, Room.Kind.PRIVATE):
        raise ParleyError(ErrorCode.INVALID_ROOM, _("A room is public or private."))
    if kind == Room.Kind.PRIVATE:
        refuse_guests(user, _("Guests cannot create private rooms."))
    refuse_creation(user, kind)
    title = _title(title)
    slug = slug_for(title)
    if DIRECT_SLUG_RE.fullmatch(slug):
        raise ParleyError(
            ErrorCode.INVALID_ROOM,
            _("Addresses like %(slug)s are kept for direct conversations.")
            % {"slug": slug},
        )
    shape = names.skeleton(slug)
    if Room.objects.filter(skeleton=shape).exclude(slug=slug).exists():
        raise Conflict(
            ErrorCode.NAME_CONFUSABLE,
            _(
                "%(slug)s looks like the address of a room that exists; choose "
                "a name that cannot be mistaken for it."
            )
            % {"slug": slug},
        )
    spend_room_creation(user)
    try:
        with transaction.atomic():
            room = Room.objects.create(  # type: ignore[misc]
                slug=slug, title=title, kind=kind, created_by=user, skeleton=shape
            )
            Membership.objects.create(room=room, user=user, role=Membership.Role.OWNER)  # type: ignore[misc]
            signals.send_on_commit(signals.room_created, Room, room=room, by=user)
            signals.send_on_commit(signals.member_joined, Room, room=room, user=user)
    except IntegrityError:
        raise Conflict(
            ErrorCode.ROOM_EXISTS,
            _("A room with the address %(slug)s exists.") % {"slug": slug},
        ) from None
    return room


def join_or_create(*, user: AbstractBaseUser, name: str) -> Room:
    """The readable room called ``name``, created as a public room if new.

    This is what the tutorials do on entering a room by name. ``name`` may
    be a title or a slug.

    Raises:
        ParleyError: ``invalid_room`` for an unusable name.
        Conflict: ``name_confusable`` for a new name that looks like an
            existing room's.
        NotFound: ``room_not_found`` if the slug belongs to a room ``user``
            may not read, or is a direct room's (``dm-1-2``) that does not
            exist: direct rooms are opened by ``open_direct`` only, and a
            missing one must answer as one that is not yours, or it would
            tell who talks to whom.
    """
    slug = slug_for(name)
    room = Room.objects.filter(slug=slug).first()
    if room is None and DIRECT_SLUG_RE.fullmatch(slug):
        raise NotFound(ErrorCode.ROOM_NOT_FOUND, _("No such room."))
    if room is None:
        try:
            room = create_room(user=user, title=name)
        except Conflict as conflict:
            if conflict.code != ErrorCode.ROOM_EXISTS:
                raise
            # Someone else created it a moment ago.
            room = Room.objects.get(slug=slug)
    if not can_read(user, room):
        raise NotFound(ErrorCode.ROOM_NOT_FOUND, _("No such room."))
    return room


def user_named(username: str) -> AbstractBaseUser:
    """The active user called ``username`` (exact, as Django signs in).

    Raises:
        NotFound: ``not_found`` if there is none.
    """
    user_model = get_user_model()
    user = (
        user_model._default_manager.filter(**{user_model.USERNAME_FIELD: username})
        .select_related("parley_guest")
        .first()
    )
    if user is None or not getattr(user, "is_active", True):
        raise NotFound(ErrorCode.NOT_FOUND, _("No such user."))
    return user


def is_owner(*, user: AbstractBaseUser, room: Room) -> bool:
    """Whether ``user`` owns ``room`` (created it, or was made owner)."""
    return Membership.objects.filter(
        room=room, user_id=user.pk, role=Membership.Role.OWNER
    ).exists()


def can_moderate(*, user: AbstractBaseUser, room: Room) -> bool:
    """Whether ``user`` may set ``room``'s topic, pin, invite and delete
    others' messages: the policy's ``can_moderate`` (by default its owners
    and staff)."""
    return policy().can_moderate(user, room)


def add_member(
    *, user: AbstractBaseUser, room: Room, username: str
) -> tuple[Membership, bool]:
    """Invite ``username`` into the private ``room``; only its moderators
    may (``can_moderate``), and only whom the policy lets join.

    The invited user's open sockets get the user frame ``joined {room,
    title, kind}`` once the transaction commits.

    Args:
        user: who invites; must own the room.
        room: a private room ``user`` may read (the caller checked).
        username: whom to invite, as they sign in (case-sensitive).

    Returns:
        ``(membership, created)``; ``created`` is False when they were a
        member already (nothing is announced again).

    Raises:
        Forbidden: ``forbidden`` unless ``user`` may moderate the room, or
            when the policy's ``can_join`` refuses the invited user;
            ``guest_forbidden`` for inviting a guest.
        ParleyError: ``invalid_request`` for a public or direct room.
        NotFound: ``not_found`` for an unknown username.
    """
    if room.kind != Room.Kind.PRIVATE:
        raise ParleyError(
            ErrorCode.INVALID_REQUEST, _("Only private rooms have invited members.")
        )
    if not can_moderate(user=user, room=room):
        raise Forbidden(ErrorCode.FORBIDDEN, _("Only the room's owner invites."))
    invited = user_named(username)
    refuse_guests(invited, _("Guests cannot join private rooms."))
    if not policy().can_join(invited, room):
        raise Forbidden(ErrorCode.FORBIDDEN, _("This user may not join this room."))
    return admit(room=room, user=invited)


def admit(*, room: Room, user: AbstractBaseUser) -> tuple[Membership, bool]:
    """Make ``user`` a member of the public or private ``room``, with no
    check of who asks: the host project's authority (``parley.add_member``)
    or a caller that checked (``add_member``).

    Once the transaction commits, ``user``'s open sockets get the user frame
    ``joined {room, title, kind}`` and ``member_joined`` is sent.

    Returns:
        ``(membership, created)``; ``created`` is False for a member
        already (nothing is announced again).

    Raises:
        ParleyError: ``invalid_request`` for a direct room (its two members
            are fixed).
    """
    if room.kind == Room.Kind.DIRECT:
        raise ParleyError(
            ErrorCode.INVALID_REQUEST, _("A direct conversation has two members.")
        )
    with transaction.atomic():
        membership, created = Membership.objects.get_or_create(room=room, user=user)
        if created:
            signals.send_on_commit(signals.member_joined, Room, room=room, user=user)
            publish_on_commit(
                events.user_frame(
                    user.pk,
                    ServerFrameType.JOINED,
                    room=room.slug,
                    title=room.title,
                    kind=room.kind,
                )
            )
    return membership, created


def members(*, room: Room) -> list[Membership]:
    """The members of ``room`` with their users, owners first, then by name.

    A public room's members are those who created it, posted or read in it.
    """
    username = f"user__{get_user_model().USERNAME_FIELD}"
    return list(
        Membership.objects.filter(room=room)
        .select_related("user")
        .order_by("-role", username)  # "owner" > "moderator" > "member"
    )
