"""Read state: where each user stopped reading each room, and unread counts.

A user's read position in a room is a ``seq`` (``Membership.last_read_seq``):
every message up to it is read. It only moves forward. A room's unread count
for a user is the number of messages after it that are not theirs and not
deleted.

In a public room the user is no member of, the position is 0: everything
others wrote is unread. Marking such a room read makes the user a member
(role ``member``), which is where the position is kept.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

import parley.signals as signals
from parley.bus.publish import publish_on_commit
from parley.models import Membership, Message, Room
from parley.services import rooms as room_service
from parley.services.policy import policy
from parley.wire import events
from parley.wire.errors import ErrorCode, NotFound
from parley.wire.frames import ServerFrameType


@dataclass(frozen=True, slots=True)
class ReadState:
    """A user's read state in one room.

    Attributes:
        room: the room's slug.
        seq: the read position: messages up to this ``seq`` are read.
        unread: messages after ``seq`` by others, not deleted.
    """

    room: str
    seq: int
    unread: int


def _unread_messages(user: AbstractBaseUser) -> QuerySet[Message]:
    return Message.objects.filter(deleted_at__isnull=True).exclude(author_id=user.pk)


def _count_unread(*, user: AbstractBaseUser, room_id: int, after: int) -> int:
    return _unread_messages(user).filter(room_id=room_id, seq__gt=after).count()


def read_seqs(*, user: AbstractBaseUser, room_ids: Iterable[int]) -> dict[int, int]:
    """``{room_id: read position}`` for the rooms ``user`` is a member of."""
    return dict(
        Membership.objects.filter(
            user_id=user.pk, room_id__in=list(room_ids)
        ).values_list("room_id", "last_read_seq")
    )


def read_states(
    *, user: AbstractBaseUser, rooms: Iterable[Room]
) -> dict[int, ReadState]:
    """The read state of ``user`` in each of ``rooms``, in two queries.

    Rooms read to their end are not counted at all, so a long list of read
    rooms costs no message scan.

    Returns:
        ``{room_id: ReadState}`` for every room given.
    """
    rooms = list(rooms)
    seqs = read_seqs(user=user, room_ids=[room.pk for room in rooms])
    behind = [room for room in rooms if room.last_seq > seqs.get(room.pk, 0)]
    counts: dict[int, int] = {}
    if behind:
        ranges = Q()
        for room in behind:
            ranges |= Q(room_id=room.pk, seq__gt=seqs.get(room.pk, 0))
        counts = dict(
            _unread_messages(user)
            .filter(ranges)
            .values("room_id")
            .annotate(unread=Count("id"))
            .values_list("room_id", "unread")
        )
    return {
        room.pk: ReadState(
            room=room.slug, seq=seqs.get(room.pk, 0), unread=counts.get(room.pk, 0)
        )
        for room in rooms
    }


def unread_counts(
    *, user: AbstractBaseUser, rooms: Iterable[Room] | None = None
) -> dict[int, int]:
    """``{room_id: unread}`` for ``rooms`` (default: every room ``user`` may
    read); see ``read_states``."""
    if rooms is None:
        rooms = room_service.readable_rooms(user)
    return {
        room_id: state.unread
        for room_id, state in read_states(user=user, rooms=rooms).items()
    }


def read_state(
    *, user: AbstractBaseUser, room: Room, last_seq: int | None = None
) -> ReadState:
    """``user``'s read state in ``room`` (which they may read).

    Args:
        last_seq: the room's newest ``seq`` if the caller just read it; a
            user who has read that far has nothing unread, and no count runs.
    """
    seq = read_seqs(user=user, room_ids=[room.pk]).get(room.pk, 0)
    if last_seq is not None and seq >= last_seq:
        unread = 0
    else:
        unread = _count_unread(user=user, room_id=room.pk, after=seq)
    return ReadState(room=room.slug, seq=seq, unread=unread)


def mark_read(*, user: AbstractBaseUser, room: Room, seq: int) -> ReadState:
    """Move ``user``'s read position in ``room`` forward to ``seq``.

    ``seq`` is clamped to [current position, the room's newest ``seq``]:
    the position never moves back, nor past the end. Every open socket of
    ``user`` gets the user frame ``read {room, seq, unread}`` after the
    commit (also when nothing changed, so the asking tab hears back).

    Args:
        user: a user who may read ``room`` (the caller checked, e.g. with
            ``rooms.get_readable``).
        room: the room.
        seq: the ``seq`` of the newest message the user has seen.

    Returns:
        The read state after the change.

    Raises:
        NotFound: ``room_not_found`` in a room ``user`` is no member of
            (any more) and the policy does not let see and join (by
            default: any private or direct room): reading makes a member
            of the others.
    """
    with transaction.atomic():
        last_seq = Room.objects.values_list("last_seq", flat=True).get(pk=room.pk)
        target = max(0, min(seq, last_seq))
        found = Membership.objects.filter(room=room, user_id=user.pk).first()
        if found is None:
            # A reader becomes a member where the policy lets them join (by
            # default: public rooms only). A position stored late (a held
            # `read`) after its user left a room is refused.
            rules = policy()
            if not (rules.can_see(user, room) and rules.can_join(user, room)):
                raise NotFound(ErrorCode.ROOM_NOT_FOUND, _("No such room."))
            found, created = Membership.objects.get_or_create(room=room, user=user)
            if created:
                signals.send_on_commit(
                    signals.member_joined, Room, room=room, user=user
                )
        membership = found
        if target > membership.last_read_seq:
            Membership.objects.filter(
                pk=membership.pk, last_read_seq__lt=target
            ).update(last_read_seq=target)
        current = Membership.objects.values_list("last_read_seq", flat=True).get(
            pk=membership.pk
        )
        state = ReadState(
            room=room.slug,
            seq=current,
            unread=_count_unread(user=user, room_id=room.pk, after=current),
        )
        publish_on_commit(
            events.user_frame(
                user.pk,
                ServerFrameType.READ,
                room=state.room,
                seq=state.seq,
                unread=state.unread,
            )
        )
    return state
