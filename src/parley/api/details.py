"""JSON API of a room's details: topic, members, leaving, pins.

``POST /api/rooms/{slug}/topic``, ``GET``/``POST /api/rooms/{slug}/members``,
``POST /api/rooms/{slug}/leave``, ``GET /api/rooms/{slug}/pins``,
``POST``/``DELETE /api/messages/{id}/pin``; mounted on Parley's API
(``parley.api.views.api``), with its sign-in, request budget and errors.
The rules are the services' (``parley.services.details``,
``parley.services.pins``).
"""

from datetime import datetime
from typing import Annotated, Literal
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from ninja import Path, Query, Router, Schema, Status
from pydantic import Field

from parley.api.schemas import (
    NO_NUL,
    Body,
    Error,
    MemberIn,
    MessageOut,
    RateLimitedError,
)
from parley.models import Membership
from parley.services import details, pins, rooms
from parley.services.policy import policy
from parley.wire import shapes

router = Router(tags=["rooms"])
ERRORS = {
    400: Error,
    401: Error,
    403: Error,
    404: Error,
    409: Error,
    422: Error,
    429: RateLimitedError,
}
Name = Annotated[str, Path(pattern=NO_NUL)]


class MemberOut(Schema):
    username: str
    name: str = Field("", description="the display name, else the username")
    role: Literal["owner", "moderator", "member"]
    joined_at: datetime


def member_out(membership: Membership) -> MemberOut:
    """A membership as the API shows it, named by the policy's ``display``
    (its user's profile loaded, or looked up)."""
    user = membership.user
    return MemberOut(
        username=user.get_username(),
        name=policy().display(user).name,
        role=membership.role,  # type: ignore[arg-type]
        joined_at=membership.joined_at,
    )


class MembersQuery(Schema):
    after: str | None = Field(
        None,
        max_length=400,
        pattern=NO_NUL,
        description="the cursor of the previous page (its `Link: rel=next`)",
    )
    limit: int | None = Field(None, ge=1, description="page size; capped by the server")


@router.get("/rooms/{slug}/members", response={200: list[MemberOut], **ERRORS})
def list_members(
    request: HttpRequest,
    response: HttpResponse,
    slug: Name,
    query: Query[MembersQuery],
):
    """The room's members by role (owners first), then username; a page at
    a time: the next page's URL is in ``Link: <…>; rel="next"`` (RFC 8288),
    absent after the last. 404 for a room the user may not read."""
    room = rooms.get_readable(user=request.user, slug=slug)
    page = details.members_page(room=room, after=query.after, limit=query.limit)
    if page.next_after is not None:
        args = {"after": page.next_after}
        if query.limit is not None:
            args["limit"] = str(query.limit)
        response["Link"] = f'<{request.path}?{urlencode(args)}>; rel="next"'
    return [member_out(m) for m in page.members]


@router.post(
    "/rooms/{slug}/members",
    response={200: MemberOut, 201: MemberOut, **ERRORS},
)
def add_member(request: HttpRequest, slug: Name, body: MemberIn):
    """Invite a user into a private room (its owner only): 201, or 200 if
    they were a member already. They get the ``joined`` frame."""
    room = rooms.get_readable(user=request.user, slug=slug)
    membership, created = rooms.add_member(
        user=request.user, room=room, username=body.username
    )
    return Status(201 if created else 200, member_out(membership))


class TopicIn(Body):
    topic: str = Field(description='the new topic; "" clears it')


class TopicOut(Schema):
    room: str
    topic: str


@router.post("/rooms/{slug}/topic", response={200: TopicOut, **ERRORS})
def set_topic(request: HttpRequest, slug: Name, body: TopicIn):
    """Set the room's topic (its owner only: 403 ``forbidden``); subscribers
    get the ``topic`` frame. 400 ``text_too_long`` past
    ``PARLEY_ROOM_TOPIC_MAX_CHARS``, ``invalid_text`` for control
    characters."""
    room = rooms.get_readable(user=request.user, slug=slug)
    room = details.set_topic(user=request.user, room=room, topic=body.topic)
    return TopicOut(room=room.slug, topic=room.topic)


class LeftOut(Schema):
    room: str
    left: bool = Field(description="false if you were no member (a public room)")


@router.post("/rooms/{slug}/leave", response={200: LeftOut, **ERRORS})
def leave_room(request: HttpRequest, slug: Name):
    """Leave the room: your sockets in it get ``unsubscribed {room, reason:
    "left"}``, its subscribers ``member {room, user, left: true}``. 409
    ``last_owner`` for its only owner; 400 ``invalid_request`` for a direct
    room."""
    room = rooms.get_readable(user=request.user, slug=slug)
    left = details.leave_room(user=request.user, room=room)
    return LeftOut(room=room.slug, left=left)


class PinOut(Schema):
    message: MessageOut
    by: str | None = Field(description="who pinned it; null for a deleted account")
    pinned_at: datetime


class PinsOut(Schema):
    pins: list[PinOut]


@router.get("/rooms/{slug}/pins", response={200: PinsOut, **ERRORS})
def list_pins(request: HttpRequest, slug: Name):
    """The room's pinned messages, newest pin first (at most
    ``PARLEY_MAX_PINS_PER_ROOM``). 404 for a room the user may not read."""
    room = rooms.get_readable(user=request.user, slug=slug)
    return PinsOut(
        pins=[
            PinOut(
                message=MessageOut(
                    **shapes.message(pin.message, display=policy().display)
                ),
                by=pin.by,
                pinned_at=pin.pinned_at,
            )
            for pin in pins.pins(room=room)
        ]
    )


@router.post(
    "/messages/{message_id}/pin",
    response={200: MessageOut, **ERRORS},
    tags=["messages"],
)
def pin_message(request: HttpRequest, message_id: int):
    """Pin a message (its room's owner only: 403 ``forbidden``); subscribers
    get ``pin {on: true}``. 409 ``too_many_pins`` past
    ``PARLEY_MAX_PINS_PER_ROOM``, ``message_deleted`` for a deleted one."""
    message = pins.set_pinned(user=request.user, message_id=message_id, on=True)
    return shapes.message(message, display=policy().display)


@router.delete(
    "/messages/{message_id}/pin",
    response={200: MessageOut, **ERRORS},
    tags=["messages"],
)
def unpin_message(request: HttpRequest, message_id: int):
    """Unpin a message (its room's owner only); subscribers get ``pin {on:
    false}``."""
    message = pins.set_pinned(user=request.user, message_id=message_id, on=False)
    return shapes.message(message, display=policy().display)
