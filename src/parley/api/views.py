"""JSON API operations: validate, call a service, shape the answer.

Every request under ``/api/`` (the OpenAPI schema and docs too) spends one
token of its client's request budget first (``request_budget``): the
signed-in user's (session or API token), else the client address's. Every
answer carries ``RateLimit-*`` headers; over the budget it is 429
``rate_limited`` with ``Retry-After``. Posting and editing messages also
spend from the user's message budgets, shared with the sockets
(``parley.ratelimit``).
"""

import functools
from collections.abc import Callable, Hashable
from typing import Annotated

from django.http import HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.urls import reverse
from ninja import NinjaAPI, Path, Query, Schema, Status
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import HttpBearer, django_auth
from pydantic import Field

from parley import ratelimit
from parley.api.attachments import router as attachments_router
from parley.api.details import router as details_router
from parley.api.errors import JsonParser, NotJson, unsupported_media_type
from parley.api.me import router as me_router
from parley.api.moderation import router as moderation_router
from parley.api.notifications import router as notifications_router
from parley.api.push import router as push_router
from parley.api.schemas import (
    NO_NUL,
    Error,
    MessageEditIn,
    MessageIn,
    MessageOut,
    MessagePage,
    RateLimitedError,
    ReadIn,
    ReadOut,
    RoomIn,
    RoomOut,
    RoomPage,
    RoomsQuery,
)
from parley.api.search import router as search_router
from parley.api.threads import router as threads_router
from parley.api.webhooks import router as webhooks_router
from parley.conf import parley_settings
from parley.models import Room
from parley.ratelimit import RateLimited, RateLimiter
from parley.services import (
    direct_rooms,
    edits,
    history,
    listing,
    messages,
    reactions,
    reads,
    rooms,
    search,
    tokens,
)
from parley.services.policy import policy
from parley.services.reads import ReadState
from parley.version import __version__
from parley.wire import shapes
from parley.wire.errors import ErrorCode, ParleyError

# A room's slug or a username in the path (see NO_NUL).
Name = Annotated[str, Path(pattern=NO_NUL)]


def bearer_token(request: HttpRequest) -> str | None:
    """The token of ``Authorization: Bearer <token>``, read as ninja's
    ``HttpBearer`` reads it; None without such a header."""
    value = request.headers.get("Authorization")
    if not value:
        return None
    scheme, *rest = value.split(" ")
    return " ".join(rest) if scheme.lower() == "bearer" else None


def bearer_user(request: HttpRequest, token: str):
    """The active user of API token ``token``, or None; looked up once per
    request (the request budget and the authentication both ask)."""
    cached = getattr(request, "_parley_bearer", None)
    if cached is None or cached[0] != token:
        cached = (token, tokens.authenticate(token))
        request._parley_bearer = cached
    return cached[1]


class TokenAuth(HttpBearer):
    """``Authorization: Bearer <token>`` with a Parley API token.

    A request that carries a bearer token is judged by it alone: a bad one
    is a 401, never a fallback to the cookie. No CSRF check: a browser never
    attaches this header on its own, so another site cannot forge it.
    """

    def authenticate(self, request: HttpRequest, token: str):
        user = bearer_user(request, token)
        if user is None:
            raise AuthenticationError()
        request.user = user
        return user


def request_client(request: HttpRequest) -> tuple[RateLimiter, Hashable]:
    """The budget a request spends from, and its key in it.

    The user of a valid bearer token, else the session's user: their
    budget (``PARLEY_API_REQUESTS_PER_MIN``). Anyone else, a bad token
    included: the client address's (``PARLEY_API_ANON_REQUESTS_PER_MIN``),
    as the server saw it (``REMOTE_ADDR``; behind a trusted proxy, Uvicorn
    and Gunicorn set it from ``X-Forwarded-For``).
    """
    token = bearer_token(request)
    if token is not None:
        user = bearer_user(request, token)
    else:
        user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return ratelimit.API_REQUESTS, user.pk
    return ratelimit.API_ANON_REQUESTS, request.META.get("REMOTE_ADDR", "")


def request_budget(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Wrap an API view: spend a request of the client's budget first.

    The answer carries ``RateLimit-Limit``, ``-Remaining``, ``-Reset`` and
    ``-Policy`` (``ratelimit.Quota.headers``). Over the budget the view is
    not run: 429 ``{code: "rate_limited", message, retry_after}`` with
    ``Retry-After``. Runs before authentication, so that requests that fail
    it are counted too.
    """

    @functools.wraps(view)
    def spending(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        limiter, key = request_client(request)
        wait = limiter.take(key)
        if wait is None:
            response = view(request, *args, **kwargs)
        else:
            response = rate_limited(request, RateLimited(wait))
        if parley_settings.RATE_LIMITS:
            for name, value in limiter.quota(key).headers().items():
                response[name] = value
        return response

    return spending


api = NinjaAPI(
    title="Parley API",
    version=__version__,
    description="Rooms, messages, read state, direct conversations and "
    "notifications of Parley. Sign in with the session "
    "cookie (state-changing calls need the CSRF token in `X-CSRFToken`) or an "
    "API token (`Authorization: Bearer <token>`, no CSRF token needed).",
    # The token first: django_auth checks CSRF before it looks at anything,
    # so it would refuse a cookie-less token POST before TokenAuth ran.
    auth=[TokenAuth(), django_auth],
    urls_namespace="parley-api",
    docs_decorator=request_budget,
    parser=JsonParser(),
)
# "view": around the whole operation, authentication included.
api.add_decorator(request_budget, mode="view")

HTTP_ERROR_CODES = {
    401: ErrorCode.NOT_AUTHENTICATED,
    403: ErrorCode.FORBIDDEN,
    404: ErrorCode.NOT_FOUND,
}


def _error(
    request: HttpRequest, status: int, code: str, message: str, **extra
) -> HttpResponse:
    return api.create_response(
        request, {"code": code, "message": message, **extra}, status=status
    )


@api.exception_handler(ParleyError)
def parley_error(request: HttpRequest, exc: ParleyError) -> HttpResponse:
    # ``muted`` carries retry_after, as ``rate_limited`` does.
    extra = {"retry_after": exc.retry_after} if hasattr(exc, "retry_after") else {}
    return _error(request, exc.status, exc.code, exc.message, **extra)


@api.exception_handler(RateLimited)
def rate_limited(request: HttpRequest, exc: RateLimited) -> HttpResponse:
    """429 with ``retry_after`` (seconds) and ``Retry-After`` (RFC 9110,
    section 10.2.3: whole seconds)."""
    response = _error(
        request, exc.status, exc.code, exc.message, retry_after=exc.retry_after
    )
    response["Retry-After"] = ratelimit.retry_after_header(exc.retry_after)
    return response


@api.exception_handler(AuthenticationError)
def not_authenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return _error(request, 401, ErrorCode.NOT_AUTHENTICATED, "Sign in first.")


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if isinstance(exc.__cause__, NotJson):
        return unsupported_media_type()
    code = HTTP_ERROR_CODES.get(exc.status_code, ErrorCode.INVALID_REQUEST)
    return _error(request, exc.status_code, code, str(exc))


@api.exception_handler(MultiPartParserError)
def unparsable_form(request: HttpRequest, exc: MultiPartParserError) -> HttpResponse:
    """A multipart body Django cannot parse (no boundary, say). The CSRF
    check of a session call reads a POST body as a form, so this is raised
    from sign-in, where ninja hands it here, not from the body's parser."""
    return _error(request, 400, ErrorCode.INVALID_REQUEST, "Cannot parse request body")


@api.exception_handler(ValidationError)
def invalid_request(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    detail = [{"loc": e.get("loc"), "msg": e.get("msg")} for e in exc.errors]
    return _error(
        request, 422, ErrorCode.INVALID_REQUEST, "Invalid request.", detail=detail
    )


def room_out(room: Room, state: ReadState, peer: str | None = None) -> dict:
    return shapes.room(
        room,
        title=peer or room.title,
        read_seq=state.seq,
        unread=state.unread,
        peer=peer,
        url=reverse("parley-room", args=[room.slug]),
    )


def rooms_out(request: HttpRequest, listed: list[Room]) -> list[dict]:
    """``listed`` as the user sees them, in three queries whatever their number."""
    states = reads.read_states(user=request.user, rooms=listed)
    peers = direct_rooms.direct_peers(
        user=request.user, room_ids=[r.pk for r in listed]
    )
    return [room_out(room, states[room.pk], peers.get(room.pk)) for room in listed]


ERRORS = {401: Error, 403: Error, 404: Error, 422: Error, 429: RateLimitedError}


@api.get("/rooms", response={200: RoomPage, 400: Error, **ERRORS}, tags=["rooms"])
def list_rooms(request: HttpRequest, query: Query[RoomsQuery]):
    """Rooms the signed-in user may read, by slug, a page at a time: every
    public room, and the private and direct rooms they are a member of,
    each with its unread count. ``member`` and ``kind`` narrow the list;
    ``next`` is the cursor of the next page (pass it as ``after``), null
    after the last. 400 ``invalid_request`` for a cursor Parley did not
    make."""
    page = listing.rooms_page(
        user=request.user,
        member=query.member,
        kinds=query.kind or (),
        after=query.after,
        limit=query.limit,
    )
    return RoomPage(items=rooms_out(request, page.rooms), next=page.next)


@api.post(
    "/rooms",
    response={201: RoomOut, 400: Error, 409: Error, **ERRORS},
    tags=["rooms"],
)
def create_room(request: HttpRequest, body: RoomIn):
    """Create a public or private room; the user owns it. The slug is derived
    from the title; 409 if it exists. Guests may not create private rooms
    (403 ``guest_forbidden``)."""
    room = rooms.create_room(user=request.user, title=body.title, kind=body.kind)
    return Status(201, room_out(room, ReadState(room=room.slug, seq=0, unread=0)))


@api.get("/rooms/{slug}", response={200: RoomOut, **ERRORS}, tags=["rooms"])
def room_detail(request: HttpRequest, slug: Name):
    """One room; 404 if it does not exist or is not the user's to read."""
    room = rooms.get_readable(user=request.user, slug=slug)
    return rooms_out(request, [room])[0]


@api.post(
    "/rooms/{slug}/read", response={200: ReadOut, 400: Error, **ERRORS}, tags=["rooms"]
)
def mark_read(request: HttpRequest, slug: Name, body: ReadIn):
    """Move the read position forward to ``seq`` (never back, never past the
    room's last seq). Every open socket of the user gets the ``read`` frame."""
    room = rooms.get_readable(user=request.user, slug=slug)
    state = reads.mark_read(user=request.user, room=room, seq=body.seq)
    return ReadOut(room=state.room, seq=state.seq, unread=state.unread)


@api.post(
    "/direct/{username}",
    response={200: RoomOut, 201: RoomOut, 400: Error, **ERRORS},
    tags=["rooms"],
)
def open_direct(request: HttpRequest, username: Name):
    """Open the direct conversation with ``username``: 201 when new (both get
    the ``joined`` frame), 200 when it existed."""
    room, created = direct_rooms.open_direct(user=request.user, username=username)
    return Status(201 if created else 200, rooms_out(request, [room])[0])


class HistoryQuery(Schema):
    before: int | None = Field(
        None, ge=1, description="only messages with seq < before"
    )
    limit: int | None = Field(None, ge=1, description="page size; capped by the server")
    around: int | None = Field(
        None,
        ge=1,
        description="the page around this seq (up to half before it, the rest "
        "after); not with `before`",
    )


@api.get(
    "/rooms/{slug}/messages",
    response={200: MessagePage, 400: Error, **ERRORS},
    tags=["messages"],
)
def room_history(request: HttpRequest, slug: Name, query: Query[HistoryQuery]):
    """A page of history, newest first; cursor by ``seq`` (``before``), or
    the page ``around`` a message (where a search result opens)."""
    room = rooms.get_readable(user=request.user, slug=slug)
    if query.around is not None and query.before is not None:
        raise ParleyError(
            ErrorCode.INVALID_REQUEST, "Pass `before` or `around`, not both."
        )
    if query.around is not None:
        page = search.around(room=room, seq=query.around, limit=query.limit)
    else:
        page = history.history(room=room, before=query.before, limit=query.limit)
    reactions.attach(page, viewer_id=request.user.pk)
    oldest = page[-1].seq if page else None
    first = history.first_seq(room_id=room.pk, last_seq=room.last_seq)
    return MessagePage(
        messages=[shapes.message(m, display=policy().display) for m in page],
        next_before=oldest if oldest is not None and oldest > first else None,
        first_seq=first,
    )


@api.post(
    "/rooms/{slug}/messages",
    response={200: MessageOut, 201: MessageOut, 400: Error, 409: Error, **ERRORS},
    tags=["messages"],
)
def post_message(request: HttpRequest, slug: Name, body: MessageIn):
    """Post a message (201), stored and broadcast like one sent over a socket.

    A repeat with the same ``client_id`` returns the first message (200).
    """
    posted = messages.send(
        author=request.user,
        slug=slug,
        text=body.text,
        client_id=body.client_id,
        attachments=body.attachments,
        reply_to=body.reply_to,
    )
    return Status(
        201 if posted.created else 200,
        shapes.message(posted.message, display=policy().display),
    )


@api.patch(
    "/messages/{message_id}",
    response={200: MessageOut, 400: Error, 409: Error, **ERRORS},
    tags=["messages"],
)
def edit_message(request: HttpRequest, message_id: int, body: MessageEditIn):
    """Replace a message's text (its author only; 409 ``message_deleted`` once
    deleted). Subscribers get the ``edited`` frame."""
    message = edits.edit_message(
        user=request.user, message_id=message_id, text=body.text
    )
    reactions.attach([message], viewer_id=request.user.pk)
    return shapes.message(message, display=policy().display)


@api.delete(
    "/messages/{message_id}", response={200: MessageOut, **ERRORS}, tags=["messages"]
)
def delete_message(request: HttpRequest, message_id: int):
    """Delete a message (its author or the room's owner); it keeps its seq with
    empty text and ``deleted: true``. Subscribers get the ``deleted`` frame.
    Deleting again changes nothing."""
    message = edits.delete_message(user=request.user, message_id=message_id)
    return shapes.message(message, display=policy().display)


# Push subscriptions and notification preferences (parley.api.push), replies
# and reactions (parley.api.threads), with this API's sign-in, budget and
# errors.
api.add_router("", push_router)
# A room's topic, members, leaving and pins (parley.api.details).
api.add_router("", details_router)
# Uploads (parley.api.attachments).
api.add_router("", attachments_router)
# Search (parley.api.search).
api.add_router("", search_router)
api.add_router("", threads_router)
api.add_router("", me_router)
# A room's outgoing webhooks (parley.api.webhooks).
api.add_router("", webhooks_router)
api.add_router("", moderation_router)  # parley.api.moderation
api.add_router("", notifications_router)  # parley.api.notifications
