"""Replies and threads: a message's parent, its reply count, its replies.

A reply names its parent (``send {reply_to}``), a message of the same room
that the sender may read and that is not deleted; the reply's shape quotes
the parent (``parley.wire.shapes.quote``). The parent's ``reply_count`` is
kept by the send that stores a reply, in the same transaction, and announced
to the room by ``replies_event`` (``docs/protocol.md``, "Replies and
threads"). ``parley.services.messages`` calls ``parent_for`` and
``count_reply``; this module never imports it.
"""

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import F
from django.utils.translation import gettext as _

from parley.conf import parley_settings
from parley.models import Message, Room
from parley.services import profiles, rooms
from parley.wire import events
from parley.wire.errors import Conflict, ErrorCode, NotFound, ParleyError
from parley.wire.frames import ServerFrameType


def parent_for(*, user: AbstractBaseUser, room: Room, message_id: int) -> Message:
    """The message a reply by ``user`` in ``room`` may answer.

    Args:
        user: the sender.
        room: the room the reply goes to (the caller checked ``user`` may
            read it).
        message_id: the parent's ``id``.

    Returns:
        The parent, with what its quote shows (author, profile) loaded.

    Raises:
        NotFound: ``not_found`` if there is no such message or ``user`` may
            not read its room: existence is never told apart.
        ParleyError: ``reply_wrong_room`` if it is in another room.
        Conflict: ``message_deleted`` if it was deleted.
    """
    parent = profiles.with_authors(Message.objects.filter(pk=message_id)).first()
    if parent is None or (
        parent.room_id != room.id and not rooms.can_read(user, parent.room)
    ):
        raise NotFound(ErrorCode.NOT_FOUND, _("No such message."))
    if parent.room_id != room.id:
        raise ParleyError(
            ErrorCode.REPLY_WRONG_ROOM,
            _("A reply answers a message of the same room."),
        )
    if parent.deleted_at is not None:
        raise Conflict(
            ErrorCode.MESSAGE_DELETED, _("A deleted message cannot be replied to.")
        )
    return parent


def count_reply(parent: Message) -> None:
    """Count one more reply to ``parent``; call in the reply's transaction.

    One ``UPDATE`` (concurrent replies each add theirs); ``parent.
    reply_count`` is then read back, so the event announces the count
    this transaction made.
    """
    Message.objects.filter(pk=parent.pk).update(reply_count=F("reply_count") + 1)
    parent.reply_count = (
        Message.objects.filter(pk=parent.pk).values_list("reply_count", flat=True).get()
    )


def replies_event(reply: Message) -> dict[str, Any]:
    """The room event ``replies {id, seq, room, reply_count}`` announcing the
    new count of ``reply``'s parent (loaded on ``reply``)."""
    parent = reply.reply_to
    assert parent is not None
    return events.room_frame(
        parent.room_id,
        ServerFrameType.REPLIES,
        id=parent.id,
        seq=parent.seq,
        room=reply.room.slug,
        reply_count=parent.reply_count,
    )


@dataclass(frozen=True, slots=True)
class RepliesPage:
    """A page of a parent's replies: see ``replies``.

    Attributes:
        parent: the parent message.
        replies: its replies, newest first (as a room's history pages).
        next_before: the cursor for the next older page (the oldest reply's
            ``seq``), or None when there is none.
    """

    parent: Message
    replies: list[Message]
    next_before: int | None


def replies(
    *,
    user: AbstractBaseUser,
    message_id: int,
    before: int | None = None,
    limit: int | None = None,
) -> RepliesPage:
    """A page of the replies to a message, newest first, cursor by ``seq``
    (``before``), like a room's history (``history.history``).

    Args:
        user: the reader.
        message_id: the parent's ``id``.
        before: only replies with ``seq < before``; None for the newest.
        limit: page size; None for ``PARLEY_HISTORY_PAGE_DEFAULT``, capped at
            ``PARLEY_HISTORY_PAGE_MAX``.

    Raises:
        NotFound: ``not_found`` if there is no such message or ``user`` may
            not read its room.
    """
    parent = profiles.with_authors(Message.objects.filter(pk=message_id)).first()
    if parent is None or not rooms.can_read(user, parent.room):
        raise NotFound(ErrorCode.NOT_FOUND, _("No such message."))
    if limit is None:
        limit = parley_settings.HISTORY_PAGE_DEFAULT
    limit = max(1, min(limit, parley_settings.HISTORY_PAGE_MAX))
    found = profiles.with_authors(Message.objects.filter(reply_to=parent))
    if before is not None:
        found = found.filter(seq__lt=before)
    page = list(found.order_by("-seq")[: limit + 1])
    more = len(page) > limit
    page = page[:limit]
    return RepliesPage(
        parent=parent, replies=page, next_before=page[-1].seq if more else None
    )
