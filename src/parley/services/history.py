"""Reading messages: a page of history, what a subscriber missed
(replay), and the messages of a gap.

Reads only; the writes are ``parley.services.messages`` (send) and
``parley.services.edits`` (edit, delete).
"""

from dataclasses import dataclass

from django.db import transaction

from parley.conf import parley_settings
from parley.models import Message, Room
from parley.services import profiles


def history(
    *, room: Room, before: int | None = None, limit: int | None = None
) -> list[Message]:
    """A page of ``room``'s messages, newest first.

    Args:
        before: only messages with ``seq < before`` (the cursor); None for the
            newest.
        limit: page size; None for ``PARLEY_HISTORY_PAGE_DEFAULT``. Capped at
            ``PARLEY_HISTORY_PAGE_MAX``.

    Returns:
        Up to ``limit`` messages in descending ``seq``. Since ``seq`` has no
        gaps, older messages exist exactly when the last one's ``seq`` > 1.
    """
    if limit is None:
        limit = parley_settings.HISTORY_PAGE_DEFAULT
    limit = max(1, min(limit, parley_settings.HISTORY_PAGE_MAX))
    messages = profiles.with_authors(Message.objects.filter(room=room))
    if before is not None:
        messages = messages.filter(seq__lt=before)
    return list(messages.order_by("-seq")[:limit])


@dataclass(frozen=True, slots=True)
class Replay:
    """What a subscriber missed: see ``replay``.

    Attributes:
        last_seq: the room's newest ``seq`` when read.
        messages: messages with ``after < seq <= last_seq``, ascending;
            empty when ``resync`` is set.
        resync: True when more than ``PARLEY_REPLAY_LIMIT`` were missed; the
            client pages them over HTTP instead.
        first_seq: the room's earliest stored ``seq`` (``first_seq``).
    """

    last_seq: int
    messages: list[Message]
    resync: bool = False
    first_seq: int = 1


def replay(*, room_id: int, after: int | None) -> Replay:
    """The room's newest ``seq`` and, given ``after``, the messages since.

    Reading ``last_seq`` and the messages in one transaction gives a
    consistent cut: every message up to ``last_seq`` is committed, since
    ``post_message`` commits the number and the row together. Messages
    purged by retention are not missed: an ``after`` older than the room's
    ``first_seq`` replays from there.
    """
    with transaction.atomic():
        last_seq = Room.objects.values_list("last_seq", flat=True).get(pk=room_id)
        first = first_seq(room_id=room_id, last_seq=last_seq)
        if after is None or after >= last_seq:
            return Replay(last_seq=last_seq, messages=[], first_seq=first)
        after = max(after, first - 1)
        if last_seq - after > parley_settings.REPLAY_LIMIT:
            return Replay(last_seq=last_seq, messages=[], resync=True, first_seq=first)
        missed = messages_between(room_id=room_id, after=after, before=last_seq + 1)
    return Replay(last_seq=last_seq, messages=missed, first_seq=first)


def first_seq(*, room_id: int, last_seq: int) -> int:
    """The room's earliest stored ``seq``: 1 unless retention purged its
    start (``parley.services.retention``), ``last_seq + 1`` when every
    message was purged. Messages are never removed otherwise (a delete
    blanks one), so every ``seq`` from it to ``last_seq`` exists. One index
    lookup (the unique (room, seq) index)."""
    first = (
        Message.objects.filter(room_id=room_id)
        .order_by("seq")
        .values_list("seq", flat=True)
        .first()
    )
    return last_seq + 1 if first is None else first


def last_seqs(*, room_ids: list[int]) -> dict[int, int]:
    """The newest ``seq`` of each room: ``{room_id: last_seq}``."""
    return dict(Room.objects.filter(pk__in=room_ids).values_list("pk", "last_seq"))


def messages_between(*, room_id: int, after: int, before: int) -> list[Message]:
    """Messages with ``after < seq < before``, ascending (a gap to fill)."""
    return list(
        profiles.with_authors(
            Message.objects.filter(room_id=room_id, seq__gt=after, seq__lt=before)
        ).order_by("seq")
    )
