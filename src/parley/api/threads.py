"""JSON API of replies and reactions.

``GET /api/messages/{id}/replies`` (a parent's replies, cursor-paged like a
room's history), ``POST /api/messages/{id}/reactions`` and ``DELETE
/api/messages/{id}/reactions/{emoji}``; mounted on Parley's API
(``parley.api.views.api``), with its sign-in, request budget and errors.
Sending a reply is ``POST /api/rooms/{slug}/messages`` with ``reply_to``.
"""

from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field

from parley.api.schemas import Body, Error, MessageOut, RateLimitedError
from parley.services import reactions, threads
from parley.services.policy import policy
from parley.wire import shapes
from parley.wire.frames import MAX_EMOJI_CHARS

router = Router(tags=["messages"])
ERRORS = {
    400: Error,
    401: Error,
    403: Error,
    404: Error,
    409: Error,
    422: Error,
    429: RateLimitedError,
}


class RepliesQuery(Schema):
    before: int | None = Field(None, ge=1, description="only replies with seq < before")
    limit: int | None = Field(None, ge=1, description="page size; capped by the server")


class RepliesPage(Schema):
    parent: MessageOut
    messages: list[MessageOut] = Field(description="the replies, newest first")
    next_before: int | None = Field(
        description="pass as `before` for the next older page; null when there is none"
    )


class ReactionIn(Body):
    emoji: str = Field(min_length=1, max_length=MAX_EMOJI_CHARS, examples=["👍"])


class ReactionOut(Schema):
    """The ``reaction`` frame's fields."""

    id: int
    seq: int
    room: str
    emoji: str
    user: str
    count: int = Field(description="users reacting with this emoji now")
    on: bool = Field(description="whether the caller reacts with it now")


@router.get("/messages/{message_id}/replies", response={200: RepliesPage, **ERRORS})
def message_replies(request: HttpRequest, message_id: int, query: Query[RepliesQuery]):
    """A page of a message's replies, newest first; cursor by ``seq``
    (``before``). 404 ``not_found`` for a message of a room the caller may
    not read."""
    page = threads.replies(
        user=request.user, message_id=message_id, before=query.before, limit=query.limit
    )
    reactions.attach([page.parent, *page.replies], viewer_id=request.user.pk)
    return RepliesPage(
        parent=shapes.message(page.parent, display=policy().display),
        messages=[shapes.message(m, display=policy().display) for m in page.replies],
        next_before=page.next_before,
    )


def _toggle(request: HttpRequest, message_id: int, emoji: str, *, on: bool):
    toggled = reactions.toggle(
        user=request.user, message_id=message_id, emoji=emoji, on=on
    )
    return toggled.fields(request.user.get_username())


@router.post("/messages/{message_id}/reactions", response={200: ReactionOut, **ERRORS})
def react(request: HttpRequest, message_id: int, body: ReactionIn):
    """React with an emoji (idempotent); the room gets the ``reaction``
    frame when it changed. 409 ``too_many_reactions`` past the cap,
    ``message_deleted`` for a deleted message; 400 ``invalid_emoji``."""
    return _toggle(request, message_id, body.emoji, on=True)


@router.delete(
    "/messages/{message_id}/reactions/{emoji}", response={200: ReactionOut, **ERRORS}
)
def unreact(request: HttpRequest, message_id: int, emoji: str):
    """Take a reaction back (idempotent); ``emoji`` percent-encoded in the
    path."""
    return _toggle(request, message_id, emoji, on=False)
