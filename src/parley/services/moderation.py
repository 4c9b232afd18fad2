"""Roles and moderation: moderators, removing and banning members, mutes and
archived rooms.

Rules (``docs/protocol.md``, "Moderation"; the anchors are Zulip's roles and
Matrix power levels):

- A room's roles rank owner, moderator, member (``RANKS``). Its owners, its
  moderators and the site's staff moderate it (``can_moderate``, the
  policy's rule): they remove, ban and mute people of a lower rank than
  their own (staff rank above everyone); nobody moderates themselves (leaving is
  ``details.leave_room``). Only an owner (or staff) makes a member a
  moderator or back (``set_role``) and archives a room (``archive``). A
  direct room has no owner and no moderator: only staff act there, and
  nobody is removed from it (its two members are fixed).
- A removal or a ban ends the membership; every open socket of the user,
  on every process, gets ``unsubscribed {room, reason: "removed" |
  "banned"}`` through the channel layer (``events.left_room``), stops
  following the room and refuses what the user sends there afterwards;
  the room's subscribers get ``member {room, user, left: true, reason}``;
  ``member_left`` is sent with that reason. A removed user may come back to
  a public room (anyone signed in may read one); a banned one may not: the
  room answers them ``room_not_found``, as a room that does not exist
  (the default policy's ``can_see``, ``parley.services.policy``). In a private room the
  owner's invitation decides who is in; a ban changes nothing there but
  the removal.
- A muted member reads but does not post, edit or react until
  ``muted_until``: ``muted`` with ``retry_after`` (seconds). A mute lasts 1
  to ``PARLEY_MAX_MUTE_SECS`` seconds.
- An archived room is read-only for everyone: ``room_archived`` for a
  send, an edit, a deletion or a reaction (``check_can_post``,
  ``check_writable``).
"""

import math
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from parley.bus.publish import publish_on_commit
from parley.conf import parley_settings
from parley.models import Ban, Membership, Room
from parley.services import details
from parley.services.policy import policy
from parley.wire import events
from parley.wire.errors import ErrorCode, Forbidden, NotFound, ParleyError
from parley.wire.frames import ServerFrameType

# A role's rank: lower outranks higher. Staff rank above every role.
RANKS: dict[str, int] = {Membership.Role.OWNER: 0, Membership.Role.MODERATOR: 1}
MEMBER_RANK = 2
STAFF_RANK = -1
# The reasons of a removal, as ``unsubscribed`` and ``member_left`` say them.
REMOVED, BANNED = "removed", "banned"


class Muted(Forbidden):
    """Refused while the member is muted: ``muted``, with ``retry_after``
    (seconds until the mute ends, rounded up to a tenth), as
    ``rate_limited`` carries it."""

    def __init__(self, until: datetime):
        super().__init__(ErrorCode.MUTED, _("You are muted in this room for now."))
        left = (until - timezone.now()).total_seconds()
        self.retry_after = max(0.1, math.ceil(left * 10) / 10)


def _is_staff(user: AbstractBaseUser) -> bool:
    return bool(getattr(user, "is_staff", False))


def _rank(user: AbstractBaseUser, room: Room) -> int:
    """``user``'s rank in ``room`` (``RANKS``); ``MEMBER_RANK`` for anyone
    else who is signed in."""
    if _is_staff(user):
        return STAFF_RANK
    role = (
        Membership.objects.filter(room=room, user_id=user.pk)
        .values_list("role", flat=True)
        .first()
    )
    return RANKS.get(role, MEMBER_RANK) if role is not None else MEMBER_RANK


def can_moderate(user: AbstractBaseUser, room: Room) -> bool:
    """Whether ``user`` moderates ``room``: the policy's ``can_moderate``
    (by default an owner or a moderator of it, or the site's staff)."""
    return policy().can_moderate(user, room)


def muted_until(user: AbstractBaseUser, room: Room) -> datetime | None:
    """When ``user``'s mute in ``room`` ends; None if not muted now."""
    until = (
        Membership.objects.filter(room=room, user_id=user.pk)
        .values_list("muted_until", flat=True)
        .first()
    )
    return until if until is not None and until > timezone.now() else None


def is_archived(room: Room) -> bool:
    """Whether ``room`` is archived (read-only), as stored now."""
    return Room.objects.filter(pk=room.pk, archived_at__isnull=False).exists()


def _archived() -> ParleyError:
    return Forbidden(ErrorCode.ROOM_ARCHIVED, _("This room is archived: read-only."))


def check_writable(room: Room) -> None:
    """Refuse a change to ``room``'s messages while it is archived.

    Raises:
        Forbidden: ``room_archived``.
    """
    if is_archived(room):
        raise _archived()


def check_can_post(user: AbstractBaseUser, room: Room) -> None:
    """Refuse a send, an edit or a reaction of ``user`` in ``room``, as
    stored now (a socket's subscription may be older), in one query.

    Raises:
        NotFound: ``room_not_found`` once the user may no longer read it
            (removed from a private or direct room, banned from a public
            one).
        Forbidden: ``room_archived``; ``Muted`` (``muted``, with
            ``retry_after``) while muted.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            _post_check_sql(),
            [
                connection.ops.adapt_datetimefield_value(timezone.now()),
                user.pk,
                user.pk,
                room.pk,
            ],
        )
        row = cursor.fetchone()
    if row is None:
        raise NotFound(ErrorCode.ROOM_NOT_FOUND, _("No such room."))
    kind, archived, member, muted, banned = row
    # Not a member of a private room: removed, unless the policy lets them
    # read it anyway (a host's room_for room read by an order's customer).
    if (kind == Room.Kind.PUBLIC and banned) or (
        kind != Room.Kind.PUBLIC and not member and not policy().can_see(user, room)
    ):
        raise NotFound(ErrorCode.ROOM_NOT_FOUND, _("No such room."))
    if archived:
        raise _archived()
    until = muted_until(user, room) if muted else None
    if until is not None:
        raise Muted(until)


def _post_check_sql() -> str:
    """``check_can_post``'s query: every send runs it, so it is plain SQL
    (the ORM's compiling of the same query with subqueries cost more than
    the query, on the database thread that sends share). Parameters: now
    (as the database stores it), the user's id twice, the room's id.
    Columns: kind, archived, member, muted (now), banned; SQLite and
    PostgreSQL alike."""
    quote = connection.ops.quote_name
    room, membership, ban = (
        quote(model._meta.db_table) for model in (Room, Membership, Ban)
    )
    return (
        f"SELECT r.kind, r.archived_at IS NOT NULL, m.id IS NOT NULL, "
        f"m.muted_until > %s, "
        f"EXISTS (SELECT 1 FROM {ban} b WHERE b.room_id = r.id AND b.user_id = %s) "
        f"FROM {room} r LEFT JOIN {membership} m "
        f"ON m.room_id = r.id AND m.user_id = %s WHERE r.id = %s"
    )


# Operations -------------------------------------------------------------------


def _person(username: str) -> AbstractBaseUser:
    """The active user called ``username``.

    Raises:
        NotFound: ``not_found``.
    """
    user_model = get_user_model()
    user = user_model._default_manager.filter(
        **{user_model.USERNAME_FIELD: username}
    ).first()
    if user is None or not getattr(user, "is_active", True):
        raise NotFound(ErrorCode.NOT_FOUND, _("No such user."))
    return user


def _subject(*, by: AbstractBaseUser, room: Room, username: str) -> AbstractBaseUser:
    """The user ``by`` acts on in ``room``, checked: ``by`` moderates the
    room and outranks them.

    Raises:
        Forbidden: ``forbidden`` unless ``by`` moderates the room and ranks
            above the user.
        NotFound: ``not_found`` for an unknown username.
        ParleyError: ``invalid_request`` for oneself, or in a direct room.
    """
    rank = _rank(by, room)
    if not can_moderate(by, room):
        raise Forbidden(ErrorCode.FORBIDDEN, _("Only the room's moderators do this."))
    if room.kind == Room.Kind.DIRECT:
        raise ParleyError(
            ErrorCode.INVALID_REQUEST, _("A direct conversation has no moderation.")
        )
    user = _person(username)
    if user.pk == by.pk:
        raise ParleyError(ErrorCode.INVALID_REQUEST, _("You cannot moderate yourself."))
    if _rank(user, room) <= rank:
        raise Forbidden(
            ErrorCode.FORBIDDEN, _("Only someone of a higher role does this to them.")
        )
    return user


def expel(
    *,
    room: Room,
    user: AbstractBaseUser,
    ban: bool = False,
    by: AbstractBaseUser | None = None,
) -> bool:
    """Remove ``user`` from ``room`` (and ban them if ``ban``), with no
    check of who asks: the host project's authority (``parley.remove_member``)
    or a caller that checked. See the module docstring for what the user's
    sockets and the room hear, after the commit.

    Args:
        by: who bans, kept with the ban (None: the host project).

    Returns:
        Whether a membership was removed. The user's sockets are told
        either way (a public room's reader need not be a member).

    Raises:
        ParleyError: ``invalid_request`` for a direct room.
    """
    if room.kind == Room.Kind.DIRECT:
        raise ParleyError(
            ErrorCode.INVALID_REQUEST, _("A direct conversation has two members.")
        )
    reason = BANNED if ban else REMOVED
    with transaction.atomic():
        if ban:
            Ban.objects.get_or_create(room=room, user_id=user.pk, defaults={"by": by})
        removed = details.part(room=room, user=user, reason=reason)
    return removed


def remove_member(*, by: AbstractBaseUser, room: Room, username: str) -> bool:
    """``by`` removes ``username`` from ``room``; they may come back to a
    public room. Checks as ``_subject``; result as ``expel``."""
    user = _subject(by=by, room=room, username=username)
    return expel(room=room, user=user)


def ban(*, by: AbstractBaseUser, room: Room, username: str) -> bool:
    """``by`` bans ``username`` from ``room`` (and removes them): they may
    not read, join or post in it until unbanned. Checks as ``_subject``;
    result as ``expel``."""
    user = _subject(by=by, room=room, username=username)
    return expel(room=room, user=user, ban=True, by=by)


def unban(*, by: AbstractBaseUser, room: Room, username: str) -> bool:
    """``by`` lifts ``username``'s ban from ``room``.

    Returns:
        Whether there was a ban.

    Raises:
        Forbidden: ``forbidden`` unless ``by`` moderates the room.
        NotFound: ``not_found`` for an unknown username.
    """
    if not can_moderate(by, room):
        raise Forbidden(ErrorCode.FORBIDDEN, _("Only the room's moderators do this."))
    user = _person(username)
    removed, _kinds = Ban.objects.filter(room=room, user_id=user.pk).delete()
    return bool(removed)


def mute(
    *, by: AbstractBaseUser, room: Room, username: str, seconds: int | None
) -> datetime | None:
    """``by`` mutes ``username`` in ``room`` for ``seconds`` (None: unmute).

    Returns:
        When the mute ends; None after an unmute.

    Raises:
        ParleyError: ``invalid_request`` for a duration out of 1 to
            ``PARLEY_MAX_MUTE_SECS`` seconds; what ``_subject`` raises.
        NotFound: ``not_found`` if the user is no member of a private
            room (a public room's reader becomes a member, muted).
    """
    limit = parley_settings.MAX_MUTE_SECS
    if seconds is not None and not 1 <= seconds <= limit:
        raise ParleyError(
            ErrorCode.INVALID_REQUEST,
            _("A mute lasts 1 to %(limit)d seconds.") % {"limit": limit},
        )
    user = _subject(by=by, room=room, username=username)
    if seconds is None:
        Membership.objects.filter(room=room, user_id=user.pk).update(muted_until=None)
        return None
    until = timezone.now() + timedelta(seconds=seconds)
    if room.kind == Room.Kind.PUBLIC:
        # A public room's reader need not be a member yet: the mute makes
        # them one, or it would not hold.
        Membership.objects.update_or_create(
            room=room, user_id=user.pk, defaults={"muted_until": until}
        )
    elif not Membership.objects.filter(room=room, user_id=user.pk).update(
        muted_until=until
    ):
        raise NotFound(ErrorCode.NOT_FOUND, _("They are no member of this room."))
    return until


def set_role(
    *, by: AbstractBaseUser, room: Room, username: str, role: str
) -> Membership:
    """The room's owner (or staff) makes ``username`` a moderator, or a
    member again. The room's subscribers get ``member {room, user, role}``.

    Raises:
        Forbidden: ``forbidden`` unless ``by`` owns the room (or is staff),
            or for an owner's role.
        ParleyError: ``invalid_request`` for a role other than
            ``moderator`` and ``member``; what ``_subject`` raises.
        NotFound: ``not_found`` if the user is no member of a private
            room (a public room's reader becomes a member).
    """
    if role not in (Membership.Role.MODERATOR, Membership.Role.MEMBER):
        raise ParleyError(
            ErrorCode.INVALID_REQUEST, _("A role is moderator or member.")
        )
    if _rank(by, room) > RANKS[Membership.Role.OWNER]:
        raise Forbidden(ErrorCode.FORBIDDEN, _("Only the room's owner sets roles."))
    user = _subject(by=by, room=room, username=username)
    with transaction.atomic():
        membership = Membership.objects.filter(room=room, user_id=user.pk).first()
        if membership is None and room.kind == Room.Kind.PUBLIC:
            # A public room's reader need not be a member yet.
            membership = Membership.objects.create(room=room, user_id=user.pk)
        if membership is None:
            raise NotFound(ErrorCode.NOT_FOUND, _("They are no member of this room."))
        if membership.role != role:
            membership.role = role
            membership.save(update_fields=["role"])
            publish_on_commit(
                events.room_frame(
                    room.pk,
                    ServerFrameType.MEMBER,
                    room=room.slug,
                    user=user.get_username(),
                    role=role,
                )
            )
    return membership


def archive(*, by: AbstractBaseUser, room: Room, on: bool = True) -> Room:
    """``by`` (the room's owner, or staff) archives ``room`` (``on``) or
    brings it back. Its subscribers get ``archived {room, on, by}`` when it
    changes.

    Raises:
        Forbidden: ``forbidden`` unless ``by`` owns the room or is staff.
    """
    if _rank(by, room) > RANKS[Membership.Role.OWNER]:
        raise Forbidden(ErrorCode.FORBIDDEN, _("Only the room's owner archives it."))
    with transaction.atomic():
        rows = Room.objects.filter(pk=room.pk, archived_at__isnull=on)
        changed = rows.update(archived_at=timezone.now() if on else None)
        if changed:
            publish_on_commit(
                events.room_frame(
                    room.pk,
                    ServerFrameType.ARCHIVED,
                    room=room.slug,
                    on=on,
                    by=by.get_username(),
                )
            )
    room.refresh_from_db(fields=["archived_at"])
    return room
