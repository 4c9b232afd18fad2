"""Rooms attached to a host project's objects: ``parley.room_for(order)``.

An object (any saved model instance: an order, a ticket) has at most one
room, found by its content type and primary key (``RoomLink``) and created
the first time it is asked for. Who may see it, post in it and moderate it
is the policy's to say (``parley.services.policy``): the room has no owner
and no member when it is made, so with Parley's default policy a private
one is seen by nobody until members are added (``parley.add_member``); a
host's ``Policy.can_see`` reaches the object with ``linked_object(room)``.

Creating is idempotent and safe when several processes ask at once: the
link's unique constraint lets one insert win, and the others read its room.
"""

import secrets

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.db.models import Model
from django.utils.translation import gettext as _

import parley.signals as signals
from parley.conf import parley_settings
from parley.models import Room, RoomLink
from parley.services import names, rooms
from parley.wire.errors import ErrorCode, ParleyError

# Tries at a free slug: the readable one, then with a random suffix
# (6 hex digits: a clash twice in a row is a one in 16 million event).
SLUG_ATTEMPTS = 3
SLUG_SUFFIX_BYTES = 3


def _linked(content_type: ContentType, object_id: str) -> Room | None:
    link = (
        RoomLink.objects.filter(content_type=content_type, object_id=object_id)
        .select_related("room")
        .first()
    )
    return link.room if link is not None else None


def _slug(content_type: ContentType, object_id: str, attempt: int) -> str:
    """``<app>-<model>-<pk>`` (``shop-order-42``), suffixed after a clash
    with a room of that name; cut so the suffix always fits."""
    base = rooms.slug_for(f"{content_type.app_label} {content_type.model} {object_id}")
    if attempt == 0:
        return base
    suffix = secrets.token_hex(SLUG_SUFFIX_BYTES)
    return f"{base[: parley_settings.SLUG_MAX_CHARS - len(suffix) - 1]}-{suffix}"


def _title(obj: Model, title: str | None) -> str:
    text = " ".join((title if title is not None else str(obj)).split())
    return text[: parley_settings.ROOM_TITLE_MAX_CHARS] or _("Conversation")


def room_for(obj: Model, *, title: str | None = None, kind: str = "private") -> Room:
    """The room attached to ``obj``, created on first use.

    Args:
        obj: a saved model instance of the host project.
        title: the new room's title; default ``str(obj)``, white space
            runs made one space, cut to ``PARLEY_ROOM_TITLE_MAX_CHARS``.
            Ignored once the room exists.
        kind: ``"private"`` (default) or ``"public"``; ignored once the
            room exists. Either way the policy decides who sees it.

    Returns:
        The ``parley.models.Room``; the same one on every call. A new one
        is sent as ``room_created`` (``by`` None) after the commit.

    Raises:
        ParleyError: ``invalid_room`` for an unsaved object or a kind
            other than public or private.
    """
    if kind not in (Room.Kind.PUBLIC, Room.Kind.PRIVATE):
        raise ParleyError(ErrorCode.INVALID_ROOM, _("A room is public or private."))
    if obj.pk is None:
        raise ParleyError(
            ErrorCode.INVALID_ROOM, _("Save the object before asking for its room.")
        )
    content_type = ContentType.objects.get_for_model(obj)
    object_id = str(obj.pk)
    found = _linked(content_type, object_id)
    if found is not None:
        return found
    for attempt in range(SLUG_ATTEMPTS):
        slug = _slug(content_type, object_id, attempt)
        if attempt == 0 and Room.objects.filter(slug=slug).exists():
            continue
        try:
            with transaction.atomic():
                room = Room.objects.create(
                    slug=slug,
                    skeleton=names.skeleton(slug),
                    title=_title(obj, title),
                    kind=kind,
                )
                RoomLink.objects.create(
                    room=room, content_type=content_type, object_id=object_id
                )
                signals.send_on_commit(signals.room_created, Room, room=room, by=None)
        except IntegrityError:
            # Another process linked this object a moment ago, or took the
            # slug: its room, or the next slug.
            found = _linked(content_type, object_id)
            if found is not None:
                return found
            continue
        return room
    raise ParleyError(ErrorCode.INVALID_ROOM, _("No free address for this room."))
