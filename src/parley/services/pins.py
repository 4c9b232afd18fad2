"""Pinned messages: pin and unpin (a room's moderators only: by default its
owners and staff, ``rooms.can_moderate``), and a room's list.

A room holds at most ``PARLEY_MAX_PINS_PER_ROOM`` pins. Pinning a pinned
message, or unpinning one that is not, changes nothing and announces
nothing; otherwise every subscriber gets ``pin {room, id, seq, on, by}``
after the commit. A deleted message cannot be pinned (``message_deleted``);
one deleted while pinned stays in the list, shown as deleted, until
unpinned. Messages carry ``pinned: true`` while pinned (``wire.shapes``).
"""

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils.translation import gettext as _

from parley.bus.publish import publish_on_commit
from parley.conf import parley_settings
from parley.models import Message, Pin, Room
from parley.services import profiles, rooms
from parley.wire import events
from parley.wire.errors import Conflict, ErrorCode, Forbidden, NotFound
from parley.wire.frames import ServerFrameType


def set_pinned(*, user: AbstractBaseUser, message_id: int, on: bool) -> Message:
    """Pin (``on``) or unpin message ``message_id``; its room's moderators
    only (``rooms.can_moderate``).

    Returns:
        The message, shaped as readers get it (``pinned`` set to ``on``).

    Raises:
        NotFound: ``not_found`` for a message that does not exist or is in
            a room ``user`` may not read.
        Forbidden: ``forbidden`` unless ``user`` may moderate the room.
        Conflict: ``message_deleted`` pinning a deleted message;
            ``too_many_pins`` pinning one more than
            ``PARLEY_MAX_PINS_PER_ROOM``.
    """
    message = profiles.with_authors(Message.objects.filter(pk=message_id)).first()
    if message is None or not rooms.can_read(user, message.room):
        raise NotFound(ErrorCode.NOT_FOUND, _("No such message."))
    room = message.room
    if not rooms.can_moderate(user=user, room=room):
        raise Forbidden(ErrorCode.FORBIDDEN, _("Only the room's owner pins messages."))
    with transaction.atomic():
        # The room's row serializes its pins: two owners pinning at once
        # cannot both take the last place under the cap.
        Room.objects.select_for_update().filter(pk=room.pk).first()
        changed = _pin(user, message) if on else _unpin(message)
        if changed:
            publish_on_commit(
                events.room_frame(
                    room.pk,
                    ServerFrameType.PIN,
                    room=room.slug,
                    id=message.pk,
                    seq=message.seq,
                    on=on,
                    by=user.get_username(),
                )
            )
    message.pinned = on  # type: ignore[attr-defined]
    return message


def _pin(user: AbstractBaseUser, message: Message) -> bool:
    if Pin.objects.filter(message=message).exists():
        return False
    if message.deleted_at is not None:
        raise Conflict(
            ErrorCode.MESSAGE_DELETED, _("A deleted message cannot be pinned.")
        )
    limit = parley_settings.MAX_PINS_PER_ROOM
    if Pin.objects.filter(room_id=message.room_id).count() >= limit:
        raise Conflict(
            ErrorCode.TOO_MANY_PINS,
            _("A room holds at most %(limit)d pinned messages; unpin one first.")
            % {"limit": limit},
        )
    Pin.objects.create(message=message, room_id=message.room_id, pinned_by=user)  # type: ignore[misc]
    return True


def _unpin(message: Message) -> bool:
    removed, _kinds = Pin.objects.filter(message=message).delete()
    return bool(removed)


@dataclass(frozen=True, slots=True)
class Pinned:
    """One pin of a room's list.

    Attributes:
        message: the message, shaped as readers get it.
        by: the username of who pinned it (None for a deleted account).
        pinned_at: when.
    """

    message: Message
    by: str | None
    pinned_at: dt.datetime


def pins(*, room: Room) -> list[Pinned]:
    """``room``'s pinned messages, newest pin first (at most
    ``PARLEY_MAX_PINS_PER_ROOM``, so one page)."""
    listed = (
        Pin.objects.filter(room=room)
        .select_related("pinned_by")
        .order_by("-pinned_at", "-message_id")
    )
    found = list(listed)
    by_id = {
        message.pk: message
        for message in profiles.with_authors(
            Message.objects.filter(pk__in=[pin.message_id for pin in found])
        )
    }
    return [
        Pinned(
            message=by_id[pin.message_id],
            by=pin.pinned_by.get_username() if pin.pinned_by else None,
            pinned_at=pin.pinned_at,
        )
        for pin in found
    ]
