"""JSON API operations: validate, call a service, shape the answer."""

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from ninja import NinjaAPI, Query, Schema, Status
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import HttpBearer, django_auth
from pydantic import Field

from parley import __version__
from parley.api.schemas import (
    Error,
    MessageIn,
    MessageOut,
    MessagePage,
    RoomIn,
    RoomOut,
)
from parley.errors import ErrorCode, ParleyError
from parley.models import Room
from parley.services import messages, rooms, tokens


class TokenAuth(HttpBearer):
    """``Authorization: Bearer <token>`` with a Parley API token.

    A request that carries a bearer token is judged by it alone: a bad one
    is a 401, never a fallback to the cookie. No CSRF check: a browser never
    attaches this header on its own, so another site cannot forge it.
    """

    def authenticate(self, request: HttpRequest, token: str):
        user = tokens.authenticate(token)
        if user is None:
            raise AuthenticationError()
        request.user = user
        return user


api = NinjaAPI(
    title="Parley API",
    version=__version__,
    description="Rooms and message history of Parley. Sign in with the session "
    "cookie (state-changing calls need the CSRF token in `X-CSRFToken`) or an "
    "API token (`Authorization: Bearer <token>`, no CSRF token needed).",
    # The token first: django_auth checks CSRF before it looks at anything,
    # so it would refuse a cookie-less token POST before TokenAuth ran.
    auth=[TokenAuth(), django_auth],
    urls_namespace="parley-api",
)

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
    return _error(request, exc.status, exc.code, exc.message)


@api.exception_handler(AuthenticationError)
def not_authenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return _error(request, 401, ErrorCode.NOT_AUTHENTICATED, "Sign in first.")


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    code = HTTP_ERROR_CODES.get(exc.status_code, ErrorCode.INVALID_REQUEST)
    return _error(request, exc.status_code, code, str(exc))


@api.exception_handler(ValidationError)
def invalid_request(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    detail = [{"loc": e.get("loc"), "msg": e.get("msg")} for e in exc.errors]
    return _error(
        request, 422, ErrorCode.INVALID_REQUEST, "Invalid request.", detail=detail
    )


def room_out(room: Room) -> RoomOut:
    return RoomOut(
        slug=room.slug,
        title=room.title,
        kind=room.kind,
        last_seq=room.last_seq,
        created_at=room.created_at,
        url=reverse("parley-room", args=[room.slug]),
    )


ERRORS = {401: Error, 403: Error, 404: Error, 422: Error}


@api.get("/rooms", response={200: list[RoomOut], **ERRORS}, tags=["rooms"])
def list_rooms(request: HttpRequest):
    """Rooms the signed-in user may read, by slug."""
    return [
        room_out(room) for room in rooms.readable_rooms(request.user).order_by("slug")
    ]


@api.post(
    "/rooms", response={201: RoomOut, 400: Error, 409: Error, **ERRORS}, tags=["rooms"]
)
def create_room(request: HttpRequest, body: RoomIn):
    """Create a room; the slug is derived from the title. 409 if it exists."""
    room = rooms.create_room(user=request.user, title=body.title, kind=body.kind)
    return Status(201, room_out(room))


@api.get("/rooms/{slug}", response={200: RoomOut, **ERRORS}, tags=["rooms"])
def room_detail(request: HttpRequest, slug: str):
    """One room; 404 if it does not exist or is not the user's to read."""
    return room_out(rooms.get_readable(user=request.user, slug=slug))


class HistoryQuery(Schema):
    before: int | None = Field(
        None, ge=1, description="only messages with seq < before"
    )
    limit: int | None = Field(None, ge=1, description="page size; capped by the server")


@api.get(
    "/rooms/{slug}/messages", response={200: MessagePage, **ERRORS}, tags=["messages"]
)
def room_history(request: HttpRequest, slug: str, query: Query[HistoryQuery]):
    """A page of history, newest first; cursor by ``seq`` (``before``)."""
    room = rooms.get_readable(user=request.user, slug=slug)
    page = messages.history(room=room, before=query.before, limit=query.limit)
    oldest = page[-1].seq if page else None
    return MessagePage(
        messages=[messages.message_data(m) for m in page],
        next_before=oldest if oldest is not None and oldest > 1 else None,
    )


@api.post(
    "/rooms/{slug}/messages",
    response={200: MessageOut, 201: MessageOut, 400: Error, 409: Error, **ERRORS},
    tags=["messages"],
)
def post_message(request: HttpRequest, slug: str, body: MessageIn):
    """Post a message (201), stored and broadcast like one sent over a socket.

    A repeat with the same ``client_id`` returns the first message (200).
    """
    room = rooms.get_readable(user=request.user, slug=slug)
    posted = messages.post_message(
        room=room, author=request.user, text=body.text, client_id=body.client_id
    )
    if posted.created:
        messages.publish_sync(posted.message)
        return Status(201, messages.message_data(posted.message))
    return Status(200, messages.message_data(posted.message))
