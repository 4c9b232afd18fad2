"""A user's own account: their data export and the account's deletion.

``export`` writes the user's data as one JSON document, in chunks: their
profile, their rooms (memberships), every message they wrote and their
notifications (``docs/protocol.md``, "Your data"). Rows are read a page at
a time by keyset (``id > last``), so memory stays bounded by one page
(``EXPORT_PAGE_ROWS``) however much they wrote, and no cursor stays open
between chunks.

``delete_account`` deletes the account after checking its password;
``erase`` is the deletion itself, for host code (``parley.delete_user``).
The user's messages stay, authorless (``Message.author`` is ``SET_NULL``),
and show as from a deleted user, so conversations stay readable and every
room's ``seq`` stays gap-free. Their memberships, API tokens, push
subscriptions, notifications, preferences, reactions, profile and
deliveries go with the user row (``on_delete=CASCADE``); their unsent
uploads are deleted with their files; a direct room stays for the other
person, titled "deleted user"; a room whose only owner they were passes
to its next member by role, then by seniority (``hand_over``), so it is
never left with nobody to manage it. The user's open sockets close on every
process (``parley.services.sessions.user_deleted``, the ``post_delete``
receiver), as do its sessions, which no longer name a user.
"""

import logging
from collections.abc import Callable, Iterator
from typing import Any

import orjson
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Model, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from parley.bus.publish import publish_on_commit
from parley.models import Attachment, Membership, Message, Notification, Room
from parley.services import attachments, details, guests, profiles
from parley.wire import events, shapes
from parley.wire.errors import ErrorCode, Forbidden
from parley.wire.frames import ServerFrameType

logger = logging.getLogger(__name__)

# Rows read per query of the export: a page of messages (at most
# PARLEY_MAX_MESSAGE_CHARS each) stays within a few MiB.
EXPORT_PAGE_ROWS = 500
# The export's format, for a reader of old files.
EXPORT_VERSION = 1
# A direct room's stored title once one of its two people is gone: the
# other sees it translated (parley.services.direct_rooms.title_for).
DELETED_TITLE = "deleted user"


def export(*, user: AbstractBaseUser) -> Iterator[bytes]:
    """The user's data as chunks of one UTF-8 JSON document.

    Returns:
        An iterator of ``bytes``; joined, they are ``{"format":
        "parley-export", "version": 1, "exported_at", "profile": {username,
        email, display_name, date_joined}, "rooms": [{slug, title, kind,
        role, joined, read_seq}], "messages": [{room, seq, text, created,
        edited, deleted}], "notifications": [{id, kind, title, body, url,
        data, ts, read}]}``; times are ISO 8601 in UTC. Messages are in the
        order written; ``text`` is "" for one they deleted.
    """
    profile = profiles.profile_of(user)
    head = {
        "format": "parley-export",
        "version": EXPORT_VERSION,
        "exported_at": shapes.timestamp(timezone.now()),
        "profile": {
            "username": user.get_username(),
            "email": getattr(user, "email", "") or "",
            "display_name": profile.display_name,
            "date_joined": _time(getattr(user, "date_joined", None)),
        },
    }
    yield orjson.dumps(head)[:-1]
    sections: list[tuple[str, QuerySet[Any], Callable[[Any], dict[str, Any]]]] = [
        (
            "rooms",
            Membership.objects.filter(user_id=user.pk).select_related("room"),
            _membership,
        ),
        (
            "messages",
            Message.objects.filter(author_id=user.pk).select_related("room"),
            _message,
        ),
        (
            "notifications",
            Notification.objects.filter(user_id=user.pk),
            shapes.notification,
        ),
    ]
    for name, rows, shape in sections:
        yield b',"' + name.encode() + b'":['
        separator = b""
        # One chunk per page: few chunks, each a bounded size.
        for page in _pages(rows):
            yield separator + b",".join(orjson.dumps(shape(row)) for row in page)
            separator = b","
        yield b"]"
    yield b"}"


def _pages(rows: QuerySet[Any]) -> Iterator[list[Model]]:
    """The rows of ``rows`` in ``id`` order, ``EXPORT_PAGE_ROWS`` per query
    and per page; no empty page."""
    last = 0
    while True:
        page = list(rows.filter(pk__gt=last).order_by("pk")[:EXPORT_PAGE_ROWS])
        if page:
            yield page
        if len(page) < EXPORT_PAGE_ROWS:
            return
        last = page[-1].pk


def _time(moment: Any) -> str | None:
    return None if moment is None else shapes.timestamp(moment)


def _membership(membership: Membership) -> dict[str, Any]:
    room = membership.room
    return {
        "slug": room.slug,
        "title": room.title,
        "kind": room.kind,
        "role": membership.role,
        "joined": _time(membership.joined_at),
        "read_seq": membership.last_read_seq,
    }


def _message(message: Message) -> dict[str, Any]:
    return {
        "room": message.room.slug,
        "seq": message.seq,
        "text": message.text,
        "created": _time(message.created_at),
        "edited": _time(message.edited_at),
        "deleted": message.deleted_at is not None,
    }


def delete_account(*, user: AbstractBaseUser, password: str) -> None:
    """Delete ``user``'s account once its password is confirmed (``erase``).

    The password is asked whatever the sign-in (session or API token): a
    stolen token or an unattended browser alone cannot delete an account.

    Raises:
        Forbidden: ``guest_forbidden`` for a guest (no password; their
            account is theirs only while signed in); ``wrong_password``
            when ``password`` is not the account's.
    """
    guests.refuse_guests(user, _("A guest account has nothing to delete."))
    if not password or not user.check_password(password):
        raise Forbidden(ErrorCode.WRONG_PASSWORD, _("The password is not right."))
    erase(user)


def erase(user: AbstractBaseUser) -> None:
    """Delete ``user`` and what is only theirs; keep their messages,
    authorless. See the module docstring. No check: host code decides."""
    user_id = user.pk
    with transaction.atomic():
        direct_ids = list(
            Membership.objects.filter(
                user_id=user_id, room__kind=Room.Kind.DIRECT
            ).values_list("room_id", flat=True)
        )
        Room.objects.filter(pk__in=direct_ids).update(title=DELETED_TITLE)
        hand_over(user_id)
        unsent = Attachment.objects.filter(uploader_id=user_id, message=None)
        files = [name for pair in unsent.values_list("file", "thumb") for name in pair]
        unsent.delete()
        user.delete()
        transaction.on_commit(lambda: attachments.delete_files(files))
    logger.info("account %s deleted", user_id)


def hand_over(user_id: int) -> list[Membership]:
    """Make someone else owner of each room whose only owner is user
    ``user_id`` (about to be deleted): its moderator, else member, who
    joined first (``details.ROLE_ORDER``, then ``joined_at``). The room
    hears ``member {room, user, role: "owner"}`` after the commit. A room
    with no one else stays without an owner; a direct room has none.

    Returns:
        The memberships made owner.
    """
    owned = Membership.objects.filter(
        user_id=user_id, role=Membership.Role.OWNER
    ).exclude(room__kind=Room.Kind.DIRECT)
    heirs: list[Membership] = []
    for room in Room.objects.filter(pk__in=owned.values("room_id")):
        others = Membership.objects.filter(room=room).exclude(user_id=user_id)
        if others.filter(role=Membership.Role.OWNER).exists():
            continue
        heir: Membership | None = (
            others.select_related("user")
            .annotate(rank=details.role_rank())
            .order_by("rank", "joined_at", "pk")
            .first()
        )
        if heir is None:
            continue
        heir.role = Membership.Role.OWNER
        heir.save(update_fields=["role"])
        publish_on_commit(
            events.room_frame(
                room.pk,
                ServerFrameType.MEMBER,
                room=room.slug,
                user=heir.user.get_username(),
                role=heir.role,
            )
        )
        heirs.append(heir)
    return heirs
