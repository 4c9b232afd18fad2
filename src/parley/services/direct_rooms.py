"""Direct rooms: the one conversation between two users.

Its slug is ``dm-<lower user id>-<higher user id>`` (``rooms.direct_slug``):
the unique slug makes opening it idempotent, even when both people open it
at once. Other rooms may not take slugs of that form. Its stored title names
both people; each of them sees the other's username as its title
(``title_for``).
"""

from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

import parley.signals as signals
from parley.bus.publish import publish_on_commit
from parley.models import Membership, Room
from parley.services import names, profiles, rooms
from parley.services.guests import refuse_guests
from parley.wire import events
from parley.wire.errors import ErrorCode, ParleyError
from parley.wire.frames import ServerFrameType


def open_direct(*, user: AbstractBaseUser, username: str) -> tuple[Room, bool]:
    """The direct room of ``user`` and ``username``, created if new.

    Idempotent, also when both open it at once: the slug is unique (see the
    module docstring). On creation both users' open sockets get the user
    frame ``joined {room, title, kind: "direct"}`` (title: the other's
    display name, else username) after the commit.

    Returns:
        ``(room, created)``.

    Raises:
        Forbidden: ``guest_forbidden`` if either is a guest; ``forbidden``
            when the policy's ``can_create`` refuses ``user`` a direct room.
        ParleyError: ``invalid_request`` for a conversation with oneself.
        NotFound: ``not_found`` for an unknown username.
    """
    refuse_guests(user, _("Guests cannot write direct messages."))
    peer = rooms.user_named(username)
    if peer.pk == user.pk:
        raise ParleyError(
            ErrorCode.INVALID_REQUEST, _("A direct conversation needs someone else.")
        )
    refuse_guests(peer, _("Guests cannot receive direct messages."))
    slug = rooms.direct_slug(user.pk, peer.pk)
    room = Room.objects.filter(slug=slug).first()
    if room is not None:
        return room, False
    rooms.refuse_creation(user, Room.Kind.DIRECT)
    rooms.spend_room_creation(user)
    first, second = sorted((user, peer), key=lambda person: person.pk)
    try:
        with transaction.atomic():
            room = Room.objects.create(  # type: ignore[misc]
                slug=slug,
                skeleton=names.skeleton(slug),
                title=f"{first.get_username()}, {second.get_username()}",
                kind=Room.Kind.DIRECT,
                created_by=user,
            )
            Membership.objects.bulk_create(
                [Membership(room=room, user=user), Membership(room=room, user=peer)]  # type: ignore[misc]
            )
            signals.send_on_commit(signals.room_created, Room, room=room, by=user)
            for member in (user, peer):
                signals.send_on_commit(
                    signals.member_joined, Room, room=room, user=member
                )
            for viewer, other in ((user, peer), (peer, user)):
                profiles.attach(other)
                publish_on_commit(
                    events.user_frame(
                        viewer.pk,
                        ServerFrameType.JOINED,
                        room=slug,
                        title=profiles.name_of(other),
                        kind=Room.Kind.DIRECT,
                    )
                )
    except IntegrityError:
        # The other one opened it a moment ago.
        return Room.objects.get(slug=slug), False
    return room, True


def direct_peers(*, user: AbstractBaseUser, room_ids: Iterable[int]) -> dict[int, str]:
    """The other person of each direct room in ``room_ids``, in one query.

    Returns:
        ``{room_id: username}`` for the direct rooms among ``room_ids`` whose
        other member still exists.
    """
    username = f"user__{get_user_model().USERNAME_FIELD}"
    rows = (
        Membership.objects.filter(
            room_id__in=list(room_ids), room__kind=Room.Kind.DIRECT
        )
        .exclude(user_id=user.pk)
        .values_list("room_id", username)
    )
    return dict(rows)


def title_for(
    room: Room, *, user: AbstractBaseUser, peers: dict[int, str] | None = None
) -> str:
    """``room``'s title as ``user`` sees it: a direct room shows the other's
    username ("deleted user" once their account is deleted); others their
    own title.

    Args:
        peers: ``direct_peers`` of a list being shown; looked up if None.
    """
    if room.kind != Room.Kind.DIRECT:
        return room.title
    if peers is None:
        peers = direct_peers(user=user, room_ids=[room.pk])
    return peers.get(room.pk) or _("deleted user")
