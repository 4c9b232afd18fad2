"""Rooms: naming, creation, and who may read or post where.

Authorization rule (one place): anyone signed in may read and post in a
public room; private and direct rooms only their members. A room the user may
not read is reported exactly like a room that does not exist, so ids and
slugs leak nothing.
"""

from channels.db import database_sync_to_async
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils.text import slugify
from django.utils.translation import gettext as _

from parley.conf import parley_settings
from parley.errors import Conflict, ErrorCode, NotFound, ParleyError
from parley.models import Membership, Room


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


def _title(title: str) -> str:
    title = " ".join(title.split())
    limit = parley_settings.ROOM_TITLE_MAX_CHARS
    if len(title) > limit:
        raise ParleyError(
            ErrorCode.INVALID_ROOM,
            _("A room title has at most %(limit)d characters.") % {"limit": limit},
        )
    return title


def can_read(user: AbstractBaseUser, room: Room) -> bool:
    """Whether ``user`` may read (and so post in) ``room``."""
    if not user.is_authenticated:
        return False
    if room.kind == Room.Kind.PUBLIC:
        return True
    return Membership.objects.filter(room=room, user=user).exists()


def readable_rooms(user: AbstractBaseUser) -> QuerySet[Room]:
    """Every room ``user`` may read: public ones and those they belong to."""
    if not user.is_authenticated:
        return Room.objects.none()
    return Room.objects.filter(
        Q(kind=Room.Kind.PUBLIC) | Q(memberships__user=user)
    ).distinct()


def get_readable(*, user: AbstractBaseUser, slug: str) -> Room:
    """The room with ``slug`` if ``user`` may read it.

    Raises:
        NotFound: ``room_not_found`` if there is none or it is not theirs.
    """
    room = Room.objects.filter(slug=slug).first()
    if room is None or not can_read(user, room):
        raise NotFound(ErrorCode.ROOM_NOT_FOUND, _("No such room."))
    return room


def create_room(
    *, user: AbstractBaseUser, title: str, kind: str = Room.Kind.PUBLIC
) -> Room:
    """Create a public or private room named ``title``; ``user`` owns it.

    Raises:
        ParleyError: ``invalid_room`` for an unusable title or kind.
        Conflict: ``room_exists`` if the slug is taken.
    """
    if kind not in (Room.Kind.PUBLIC, Room.Kind.PRIVATE):
        raise ParleyError(ErrorCode.INVALID_ROOM, _("A room is public or private."))
    title = _title(title)
    slug = slug_for(title)
    try:
        with transaction.atomic():
            room = Room.objects.create(
                slug=slug, title=title, kind=kind, created_by=user
            )
            Membership.objects.create(room=room, user=user, role=Membership.Role.OWNER)
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
        NotFound: ``room_not_found`` if the slug belongs to a room ``user``
            may not read.
    """
    slug = slug_for(name)
    room = Room.objects.filter(slug=slug).first()
    if room is None:
        try:
            room = create_room(user=user, title=name)
        except Conflict:
            # Someone else created it a moment ago.
            room = Room.objects.get(slug=slug)
    if not can_read(user, room):
        raise NotFound(ErrorCode.ROOM_NOT_FOUND, _("No such room."))
    return room


aget_readable = database_sync_to_async(get_readable)
ajoin_or_create = database_sync_to_async(join_or_create)
