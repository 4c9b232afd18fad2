"""JSON API of moderation: removing, banning and muting members, roles, and
archiving a room.

``POST /api/rooms/{slug}/members/{username}/remove``, ``POST``/``DELETE
/api/rooms/{slug}/members/{username}/ban``, ``POST``/``DELETE
/api/rooms/{slug}/members/{username}/mute``, ``POST
/api/rooms/{slug}/members/{username}/role``, ``POST``/``DELETE
/api/rooms/{slug}/archive``; mounted on Parley's API
(``parley.api.views.api``), with its sign-in, request budget and errors.
The rules are ``parley.services.moderation``'s; a room the caller may not
read answers 404 ``room_not_found``.
"""

from datetime import datetime
from typing import Annotated, Literal

from django.http import HttpRequest
from ninja import Path, Router, Schema
from pydantic import Field

from parley.api.schemas import NO_NUL, Body, Error, RateLimitedError, WholeNumber
from parley.models import Room
from parley.services import moderation, rooms

router = Router(tags=["moderation"])
ERRORS = {
    400: Error,
    401: Error,
    403: Error,
    404: Error,
    422: Error,
    429: RateLimitedError,
}
Name = Annotated[str, Path(pattern=NO_NUL)]


class RemovedOut(Schema):
    room: str
    user: str
    removed: bool = Field(description="false if they were no member (a public room)")


class BanOut(Schema):
    room: str
    user: str
    banned: bool = Field(description="whether they are banned now")


class MuteIn(Body):
    seconds: WholeNumber = Field(
        description="how long, 1 to `PARLEY_MAX_MUTE_SECS` (30 days by default)"
    )


class MuteOut(Schema):
    room: str
    user: str
    muted_until: datetime | None


class RoleIn(Body):
    role: Literal["moderator", "member"]


class RoleOut(Schema):
    room: str
    user: str
    role: str


class ArchiveOut(Schema):
    room: str
    archived: bool


def _room(request: HttpRequest, slug: str) -> Room:
    return rooms.get_readable(user=request.user, slug=slug)


@router.post(
    "/rooms/{slug}/members/{username}/remove", response={200: RemovedOut, **ERRORS}
)
def remove_member(request: HttpRequest, slug: Name, username: Name):
    """Remove a member (a moderator of the room; 403 ``forbidden`` for
    anyone of their rank or above): their sockets in the room get
    ``unsubscribed {room, reason: "removed"}`` at once. They may come back
    to a public room."""
    removed = moderation.remove_member(
        by=request.user, room=_room(request, slug), username=username
    )
    return RemovedOut(room=slug, user=username, removed=removed)


@router.post("/rooms/{slug}/members/{username}/ban", response={200: BanOut, **ERRORS})
def ban(request: HttpRequest, slug: Name, username: Name):
    """Ban and remove a user (a moderator of the room): ``unsubscribed
    {room, reason: "banned"}``; the room then answers them 404
    ``room_not_found``."""
    moderation.ban(by=request.user, room=_room(request, slug), username=username)
    return BanOut(room=slug, user=username, banned=True)


@router.delete("/rooms/{slug}/members/{username}/ban", response={200: BanOut, **ERRORS})
def unban(request: HttpRequest, slug: Name, username: Name):
    """Lift a ban (a moderator of the room)."""
    moderation.unban(by=request.user, room=_room(request, slug), username=username)
    return BanOut(room=slug, user=username, banned=False)


@router.post("/rooms/{slug}/members/{username}/mute", response={200: MuteOut, **ERRORS})
def mute(request: HttpRequest, slug: Name, username: Name, body: MuteIn):
    """Mute a member for ``seconds`` (a moderator of the room): they read,
    but a send, an edit or a reaction answers 403 ``muted`` with
    ``retry_after``. 400 ``invalid_request`` out of 1 to
    ``PARLEY_MAX_MUTE_SECS``; 404 ``not_found`` for a non-member."""
    until = moderation.mute(
        by=request.user,
        room=_room(request, slug),
        username=username,
        seconds=body.seconds,
    )
    return MuteOut(room=slug, user=username, muted_until=until)


@router.delete(
    "/rooms/{slug}/members/{username}/mute", response={200: MuteOut, **ERRORS}
)
def unmute(request: HttpRequest, slug: Name, username: Name):
    """End a member's mute (a moderator of the room)."""
    moderation.mute(
        by=request.user, room=_room(request, slug), username=username, seconds=None
    )
    return MuteOut(room=slug, user=username, muted_until=None)


@router.post("/rooms/{slug}/members/{username}/role", response={200: RoleOut, **ERRORS})
def set_role(request: HttpRequest, slug: Name, username: Name, body: RoleIn):
    """Make a member a moderator, or a member again (the room's owner);
    subscribers get ``member {room, user, role}``."""
    membership = moderation.set_role(
        by=request.user, room=_room(request, slug), username=username, role=body.role
    )
    return RoleOut(room=slug, user=username, role=membership.role)


@router.post("/rooms/{slug}/archive", response={200: ArchiveOut, **ERRORS})
def archive(request: HttpRequest, slug: Name):
    """Archive the room (its owner): read-only for everyone (``room_archived``
    for a send, an edit, a deletion or a reaction); subscribers get
    ``archived {room, on: true, by}``."""
    room = moderation.archive(by=request.user, room=_room(request, slug), on=True)
    return ArchiveOut(room=room.slug, archived=room.archived_at is not None)


@router.delete("/rooms/{slug}/archive", response={200: ArchiveOut, **ERRORS})
def unarchive(request: HttpRequest, slug: Name):
    """Bring an archived room back (its owner)."""
    room = moderation.archive(by=request.user, room=_room(request, slug), on=False)
    return ArchiveOut(room=room.slug, archived=room.archived_at is not None)
