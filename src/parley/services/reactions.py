"""Reactions: a user's emoji on a message, toggled on and off.

The only code that writes ``Reaction``. A user counts once per emoji on a
message: the (message, user, emoji) unique constraint holds it, and both
toggles are idempotent, so two tabs reacting at once store one row and the
second is told nothing changed. A change is announced to the room on commit
as ``reaction {id, seq, room, emoji, user, count, on}``; shapes of messages
carry ``reactions: [{emoji, count, me}]`` left on them by ``attach``
(``docs/protocol.md``, "Reactions").
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import emoji as emoji_data
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.db.models import Count, Min, Q
from django.utils.translation import gettext as _

import parley.ratelimit as ratelimit
from parley.bus.publish import publish_on_commit
from parley.conf import parley_settings
from parley.models import Message, Reaction
from parley.services import moderation, rooms
from parley.wire import events
from parley.wire.errors import Conflict, ErrorCode, NotFound, ParleyError
from parley.wire.frames import MAX_EMOJI_CHARS, ServerFrameType


@dataclass(frozen=True, slots=True)
class Toggled:
    """Result of ``toggle``.

    Attributes:
        message: the message reacted to (``room`` loaded).
        emoji: the emoji.
        count: how many users react with it now.
        on: whether ``user`` reacts with it now.
        changed: False when it already was so (a repeat, another tab).
    """

    message: Message
    emoji: str
    count: int
    on: bool
    changed: bool

    def fields(self, username: str) -> dict[str, Any]:
        """The ``reaction`` frame's fields: ``{id, seq, room, emoji, user,
        count, on}``."""
        return {
            "id": self.message.id,
            "seq": self.message.seq,
            "room": self.message.room.slug,
            "emoji": self.emoji,
            "user": username,
            "count": self.count,
            "on": self.on,
        }


def clean_emoji(value: str) -> str:
    """Check that ``value`` is one emoji as Unicode's emoji data lists it
    (the ``emoji`` package's ``is_emoji``: a single emoji, with any
    modifier, ZWJ or flag sequence; no text around it).

    Raises:
        ParleyError: ``invalid_emoji`` otherwise.
    """
    if len(value) > MAX_EMOJI_CHARS or not emoji_data.is_emoji(value):
        raise ParleyError(ErrorCode.INVALID_EMOJI, _("This is not one emoji."))
    return value


def toggle(*, user: AbstractBaseUser, message_id: int, emoji: str, on: bool) -> Toggled:
    """Turn ``user``'s reaction ``emoji`` on ``message_id`` on or off.

    A reaction counts against the user's message budget, like an edit
    (``parley.ratelimit.spend_message``). Idempotent: reacting twice, or
    removing a reaction that is not there, changes and announces nothing.

    Args:
        user: who reacts.
        message_id: the message's ``id``.
        emoji: one emoji (``clean_emoji``).
        on: True to react, False to take the reaction back.

    Returns:
        ``Toggled``; a change is announced to the room on commit.

    Raises:
        RateLimited: over the user's message budget; nothing changes.
        ParleyError: ``invalid_emoji``.
        NotFound: ``not_found`` if there is no such message in a room
            ``user`` may read.
        Conflict: ``message_deleted`` when reacting to a deleted message;
            ``too_many_reactions`` when the message carries
            ``PARLEY_MAX_REACTIONS_PER_MESSAGE`` distinct emoji already and
            this is another.
        Forbidden: ``room_archived``, ``muted``
            (``moderation.check_can_post``).
    """
    emoji = clean_emoji(emoji)
    ratelimit.spend_message(user_id=user.pk)
    with transaction.atomic():
        # The message's row lock serializes toggles of one message, so the
        # cap holds under concurrent reactions (PostgreSQL; SQLite locks the
        # database for the write anyway).
        message = (
            Message.objects.select_for_update(of=("self",))
            .select_related("room")
            .filter(pk=message_id)
            .first()
        )
        if message is None or not rooms.can_read(user, message.room):
            raise NotFound(ErrorCode.NOT_FOUND, _("No such message."))
        moderation.check_can_post(user, message.room)
        mine = Reaction.objects.filter(message=message, user_id=user.pk, emoji=emoji)
        if on:
            changed = not mine.exists() and _add(user, message, emoji)
        else:
            changed = mine.delete()[0] > 0
        count = Reaction.objects.filter(message=message, emoji=emoji).count()
        toggled = Toggled(message, emoji, count, on, changed)
        if changed:
            publish_on_commit(
                events.room_frame(
                    message.room_id,
                    ServerFrameType.REACTION,
                    **toggled.fields(user.get_username()),
                )
            )
    return toggled


def _add(user: AbstractBaseUser, message: Message, emoji: str) -> bool:
    """Store the reaction (the caller found none); False if a concurrent
    toggle stored it first."""
    if message.deleted_at is not None:
        raise Conflict(
            ErrorCode.MESSAGE_DELETED, _("A deleted message cannot be reacted to.")
        )
    present = set(
        Reaction.objects.filter(message=message).values_list("emoji", flat=True)
    )
    limit = parley_settings.MAX_REACTIONS_PER_MESSAGE
    if emoji not in present and len(present) >= limit:
        raise Conflict(
            ErrorCode.TOO_MANY_REACTIONS,
            _("A message carries at most %(limit)d different reactions.")
            % {"limit": limit},
        )
    try:
        with transaction.atomic():
            Reaction.objects.create(message=message, user_id=user.pk, emoji=emoji)
    except IntegrityError:
        return False
    return True


def attach(messages: Iterable[Message], *, viewer_id: int | None) -> None:
    """Leave each message's reactions on it for its shape, in one query.

    Sets ``message.parley_reactions`` to ``[{"emoji", "count", "me"}]``,
    emoji in the order first used; ``me`` tells whether ``viewer_id``
    reacted with it (always False for None: a frame shared by every
    reader, ``parley.realtime.hub.frames_between``).
    """
    messages = list(messages)
    if not messages:
        return
    rows = (
        Reaction.objects.filter(message_id__in=[m.pk for m in messages])
        .values("message_id", "emoji")
        .annotate(
            count=Count("id"),
            mine=Count("id", filter=Q(user_id=viewer_id)),
            first=Min("id"),
        )
        .order_by("first")
    )
    found: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        found[row["message_id"]].append(
            {"emoji": row["emoji"], "count": row["count"], "me": row["mine"] > 0}
        )
    for message in messages:
        message.parley_reactions = found.get(message.pk, [])  # type: ignore[attr-defined]
