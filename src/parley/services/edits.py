"""Changing a stored message: edit (its author), delete (its author or the
room's moderators, ``rooms.can_moderate``; any room for the site's staff).

Each operation owns its checks, its rate limit, its write and its event on
commit, like ``parley.services.messages``; the row stays, so a room's
``seq`` stays gap-free.
"""

# A user is an AbstractBaseUser: the user model is swappable (AUTH_USER_MODEL).
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

import parley.ratelimit as ratelimit
import parley.signals as signals
from parley.bus.publish import publish_on_commit
from parley.models import Message
from parley.services import formatting, moderation, profiles, rooms
from parley.services.messages import clean_text
from parley.wire import events, shapes
from parley.wire.errors import Conflict, ErrorCode, Forbidden, NotFound
from parley.wire.frames import ServerFrameType


def _locked_readable(*, user: AbstractBaseUser, message_id: int) -> Message:
    """The message ``message_id``, row-locked, if ``user`` may read its room.

    Call inside a transaction. Raises ``NotFound(not_found)`` otherwise.
    """
    message = (
        profiles.with_authors(Message.objects.select_for_update(of=("self",)))
        .filter(pk=message_id)
        .first()
    )
    if message is None or not rooms.can_read(user, message.room):
        raise NotFound(ErrorCode.NOT_FOUND, _("No such message."))
    return message


def edit_message(*, user: AbstractBaseUser, message_id: int, text: str) -> Message:
    """Replace the text of ``user``'s message; announce ``edited`` on commit.

    Args:
        user: who edits; must be the author.
        message_id: the message's ``id``.
        text: the new text; see ``clean_text``.

    Returns:
        The message with its new ``text``, ``html`` and ``edited_at``.

    Raises:
        NotFound: ``not_found`` if there is no such message in a room
            ``user`` may read.
        Forbidden: ``forbidden`` if ``user`` is not its author.
        Conflict: ``message_deleted`` if it was deleted.
        ParleyError: from ``clean_text``; ``room_archived``, ``muted``
            (``moderation.check_can_post``).
        RateLimited: over the user's message budget (an edit counts as a
            message, ``parley.ratelimit.spend_message``); nothing changes.
    """
    ratelimit.spend_message(user_id=user.pk)
    text = clean_text(text)
    html = formatting.message_html(text)
    with transaction.atomic():
        message = _locked_readable(user=user, message_id=message_id)
        if message.author_id != user.pk:
            raise Forbidden(ErrorCode.FORBIDDEN, _("Only its author edits a message."))
        moderation.check_can_post(user, message.room)
        if message.deleted_at is not None:
            raise Conflict(
                ErrorCode.MESSAGE_DELETED, _("A deleted message cannot be edited.")
            )
        message.text, message.html = text, html
        message.edited_at = timezone.now()
        message.save(update_fields=["text", "html", "edited_at"])
        signals.send_on_commit(
            signals.message_edited,
            Message,
            message=message,
            room=message.room,
            author=user,
        )
        publish_on_commit(
            events.room_frame(
                message.room_id, ServerFrameType.EDITED, **shapes.edited(message)
            )
        )
    return message


def delete_message(*, user: AbstractBaseUser, message_id: int) -> Message:
    """Delete a message: blank its text, keep its ``seq``; announce ``deleted``.

    The row stays, so the room's ``seq`` stays gap-free; history shows it as
    ``deleted``. Deleting a deleted message returns it and announces
    nothing new.

    Args:
        user: its author or the room's moderator (``rooms.can_moderate``).
        message_id: the message's ``id``.

    Raises:
        NotFound: ``not_found`` if there is no such message in a room
            ``user`` may read.
        Forbidden: ``forbidden`` for anyone but the author and the room's
            moderators; ``room_archived`` (``moderation.check_writable``).
    """
    with transaction.atomic():
        message = _locked_readable(user=user, message_id=message_id)
        if message.author_id != user.pk and not rooms.can_moderate(
            user=user, room=message.room
        ):
            raise Forbidden(
                ErrorCode.FORBIDDEN,
                _("Only its author or the room's moderators delete a message."),
            )
        moderation.check_writable(message.room)
        _blank(message, by=user)
    return message


def _blank(message: Message, *, by: AbstractBaseUser) -> None:
    """Blank a locked, undeleted ``message`` and announce ``deleted`` on
    commit (to its room and in ``message_deleted``, naming ``by``); a
    deleted one is left as it is."""
    if message.deleted_at is None:
        message.deleted_at = timezone.now()
        message.text = message.html = ""
        message.save(update_fields=["text", "html", "deleted_at"])
        signals.send_on_commit(
            signals.message_deleted, Message, message=message, room=message.room, by=by
        )
        publish_on_commit(
            events.room_frame(
                message.room_id, ServerFrameType.DELETED, **shapes.deleted(message)
            )
        )


def delete_messages_as_staff(*, staff: AbstractBaseUser, message_ids: list[int]) -> int:
    """Delete messages in any room, for the site's staff (the Django admin's
    moderation action): each as ``delete_message`` does, announced to its
    room.

    Args:
        staff: a user with ``is_staff``.
        message_ids: ids of the messages; unknown ids are ignored.

    Returns:
        How many messages were deleted now (deleted ones are not counted).

    Raises:
        Forbidden: ``forbidden`` if ``staff`` is not staff.
    """
    if not getattr(staff, "is_staff", False):
        raise Forbidden(ErrorCode.FORBIDDEN, _("Only the site's staff may do this."))
    deleted = 0
    with transaction.atomic():
        for message in Message.objects.select_for_update().filter(pk__in=message_ids):
            deleted += message.deleted_at is None
            _blank(message, by=staff)
    return deleted
