"""Notification preferences: per user and kind, and per room (mute).

A kind is ``direct`` (direct messages), ``mention``, or any kind a project
passes to ``parley.notify`` ("order"). For each the user turns three
channels on or off: ``in_app`` (the bell and the ``notification`` frame),
``push`` (Web Push) and ``email`` (missed-message e-mail). A kind without a
stored choice has every channel on. A muted room notifies its member of
nothing: no mention in the bell, no push, no e-mail.
"""

from dataclasses import dataclass
from typing import Literal

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils.translation import gettext as _

from parley.models import Notification, NotificationSetting, Room, RoomMute
from parley.services import rooms
from parley.services.guests import refuse_guests
from parley.wire.errors import ErrorCode, ParleyError

DIRECT_KIND = "direct"
MENTION_KIND = "mention"
# Always listed, in this order, before the kinds the user has received.
BUILT_IN_KINDS = (DIRECT_KIND, MENTION_KIND)
# The column's size (parley.models.NotificationSetting.kind).
KIND_MAX_CHARS = 32
Channel = Literal["in_app", "push", "email"]
CHANNELS: tuple[Channel, ...] = ("in_app", "push", "email")


@dataclass(frozen=True, slots=True)
class KindSetting:
    """One kind's channels: each True when on."""

    kind: str
    in_app: bool = True
    push: bool = True
    email: bool = True


@dataclass(frozen=True, slots=True)
class Preferences:
    """A user's preferences: every kind they may get (built-in kinds first,
    then the others by name) and the slugs of the rooms they muted."""

    kinds: list[KindSetting]
    muted_rooms: list[str]


def wants(user_id: int, kind: str, channel: Channel) -> bool:
    """Whether user ``user_id`` wants ``kind`` by ``channel``: True unless
    they turned it off."""
    stored = (
        NotificationSetting.objects.filter(user_id=user_id, kind=kind)
        .values_list(channel, flat=True)
        .first()
    )
    return True if stored is None else bool(stored)


def is_muted(user_id: int, room_id: int) -> bool:
    """Whether user ``user_id`` muted room ``room_id``."""
    return RoomMute.objects.filter(user_id=user_id, room_id=room_id).exists()


def muted_among(room_id: int, user_ids: list[int]) -> set[int]:
    """Those of ``user_ids`` who muted room ``room_id`` (one query)."""
    return set(
        RoomMute.objects.filter(room_id=room_id, user_id__in=user_ids).values_list(
            "user_id", flat=True
        )
    )


def preferences(*, user: AbstractBaseUser) -> Preferences:
    """``user``'s preferences (see ``Preferences``).

    Raises:
        Forbidden: ``guest_forbidden`` for a guest.
    """
    refuse_guests(user, _("Guests get no notifications."))
    stored = {
        row.kind: KindSetting(row.kind, row.in_app, row.push, row.email)
        for row in NotificationSetting.objects.filter(user=user)  # type: ignore[misc]
    }
    received = set(
        Notification.objects.filter(user=user)  # type: ignore[misc]
        .values_list("kind", flat=True)
        .distinct()
    )
    others = sorted((received | set(stored)) - set(BUILT_IN_KINDS))
    kinds = [stored.get(kind, KindSetting(kind)) for kind in (*BUILT_IN_KINDS, *others)]
    muted = list(
        RoomMute.objects.filter(user=user)  # type: ignore[misc]
        .order_by("room__slug")
        .values_list("room__slug", flat=True)
    )
    return Preferences(kinds=kinds, muted_rooms=muted)


def update_preferences(
    *,
    user: AbstractBaseUser,
    kinds: list[KindSetting],
    muted_rooms: list[str] | None = None,
) -> Preferences:
    """Store ``user``'s choices for ``kinds`` (kinds not named keep theirs)
    and, unless None, replace their muted rooms with ``muted_rooms``.

    Raises:
        Forbidden: ``guest_forbidden`` for a guest.
        ParleyError: ``invalid_request`` for an empty or too long kind, or
            a kind named twice.
        NotFound: ``room_not_found`` for a room ``user`` may not read.
    """
    refuse_guests(user, _("Guests get no notifications."))
    names = [setting.kind for setting in kinds]
    if len(set(names)) != len(names) or any(
        not 1 <= len(name) <= KIND_MAX_CHARS for name in names
    ):
        raise ParleyError(
            ErrorCode.INVALID_REQUEST,
            _("Each kind appears once and has 1 to %(limit)d characters.")
            % {"limit": KIND_MAX_CHARS},
        )
    muted: list[Room] | None = None
    if muted_rooms is not None:
        muted = [
            rooms.get_readable(user=user, slug=slug)
            for slug in dict.fromkeys(muted_rooms)
        ]
    with transaction.atomic():
        for setting in kinds:
            NotificationSetting.objects.update_or_create(
                user=user,
                kind=setting.kind,
                defaults={
                    "in_app": setting.in_app,
                    "push": setting.push,
                    "email": setting.email,
                },
            )
        if muted is not None:
            RoomMute.objects.filter(user=user).exclude(  # type: ignore[misc]
                room__in=muted
            ).delete()
            for room in muted:
                RoomMute.objects.get_or_create(user=user, room=room)
    return preferences(user=user)


def stop_email(user_id: int, kinds: list[str]) -> None:
    """Turn e-mail off for ``kinds`` of user ``user_id`` (the one-click
    unsubscribe of ``parley.services.email``; RFC 8058). Other channels
    keep their choice. A user deleted since changes nothing."""
    if not get_user_model()._default_manager.filter(pk=user_id).exists():
        return
    with transaction.atomic():
        for kind in kinds:
            setting, created = NotificationSetting.objects.get_or_create(
                user_id=user_id, kind=kind[:KIND_MAX_CHARS], defaults={"email": False}
            )
            if not created and setting.email:
                setting.email = False
                setting.save(update_fields=["email"])
