"""Retention: messages older than their room kind's limit are purged.

``PARLEY_RETENTION`` maps a room kind (``public``, ``private``, ``direct``)
to the days its messages are kept; ``None`` (the default for every kind)
keeps them for ever. ``purge`` deletes the messages past the limit, at
most ``PARLEY_RETENTION_BATCH`` per call, with everything that hangs on
them: reactions, pins and attachments (by ``on_delete=CASCADE``; the
attachments' stored files after the commit) and their search index rows
(the SQLite FTS5 table's delete trigger, PostgreSQL's generated column goes
with its row: migration 0010). A reply to a purged message keeps its text;
its quote is gone (``reply_to`` is ``SET_NULL``).

A room is purged from its start: every message up to the newest one past
the limit, so what is left is ``first_seq .. last_seq`` without a hole and
``seq`` keeps its meaning (``Room.last_seq`` is never touched, nothing is
renumbered). Readers learn the room's earliest ``seq`` from
``parley.services.history.first_seq``: the ``subscribed`` frame and the
history API carry it (``docs/protocol.md``, "Retention").

Runs in the sweeper thread of ``parley worker`` and of each server process
that runs tasks inline (``parley.management.sweeper``), every
``PARLEY_RETENTION_SWEEP_SECS``; ``parley purge`` runs it once. Several
purges at once are safe: each deletes by ``seq`` range, in a transaction.
"""

import logging
from datetime import datetime, timedelta
from numbers import Real

from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils import timezone

from parley.conf import parley_settings
from parley.models import Attachment, Message, Room
from parley.services import attachments

logger = logging.getLogger(__name__)


def limits() -> dict[str, float]:
    """The kinds with a retention limit: ``{kind: days}``.

    Raises:
        ImproperlyConfigured: ``PARLEY_RETENTION`` is not a dict of room
            kinds to ``None`` or a positive number of days.
    """
    configured = parley_settings.RETENTION
    if not isinstance(configured, dict):
        raise ImproperlyConfigured(
            "PARLEY_RETENTION must be a dict: {room kind: days or None}"
        )
    found: dict[str, float] = {}
    for kind, days in configured.items():
        if kind not in Room.Kind.values:
            raise ImproperlyConfigured(
                f"PARLEY_RETENTION: unknown room kind {kind!r} "
                f"(one of {', '.join(Room.Kind.values)})"
            )
        if days is None:
            continue
        if isinstance(days, bool) or not isinstance(days, Real) or days <= 0:
            raise ImproperlyConfigured(
                f"PARLEY_RETENTION[{kind!r}]: days must be a positive number or None"
            )
        found[kind] = float(days)
    return found


def purge(*, now: datetime | None = None, batch: int | None = None) -> int:
    """Delete up to ``batch`` messages older than their kind's limit.

    Args:
        now: the present (tests pass one); None for ``timezone.now()``.
        batch: the most messages to delete; None for
            ``PARLEY_RETENTION_BATCH``.

    Returns:
        How many messages were deleted (0 when every kind keeps its
        messages for ever, without a query). Fewer than ``batch`` means
        nothing past the limit was left when read.

    Raises:
        ImproperlyConfigured: see ``limits``.
    """
    kinds = limits()
    if not kinds:
        return 0
    now = timezone.now() if now is None else now
    budget = parley_settings.RETENTION_BATCH if batch is None else batch
    purged = 0
    for kind, days in kinds.items():
        if purged >= budget:
            break
        cutoff = now - timedelta(days=days)
        # Oldest first (ids grow with time); the created_at index serves
        # the range.
        rows = (
            Message.objects.filter(room__kind=kind, created_at__lt=cutoff)
            .order_by("created_at", "id")
            .values_list("room_id", "seq")[: budget - purged]
        )
        upto: dict[int, int] = {}
        for room_id, seq in rows:
            upto[room_id] = max(upto.get(room_id, 0), seq)
        for room_id, seq in upto.items():
            purged += purge_room(room_id=room_id, upto=seq)
    if purged:
        logger.info("retention: purged %d message(s)", purged)
    return purged


def purge_room(*, room_id: int, upto: int) -> int:
    """Delete the messages of one room with ``seq <= upto`` (its start), with
    their reactions, pins, attachments and search rows; the attachments'
    files are deleted from storage after the commit.

    Returns:
        How many messages were deleted.
    """
    with transaction.atomic():
        doomed = Message.objects.filter(room_id=room_id, seq__lte=upto)
        files = [
            name
            for pair in Attachment.objects.filter(message__in=doomed).values_list(
                "file", "thumb"
            )
            for name in pair
            if name
        ]
        _total, counts = doomed.delete()
        if files:
            transaction.on_commit(lambda: attachments.delete_files(files))
    return counts.get(Message._meta.label, 0)
