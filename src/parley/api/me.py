"""JSON API of a user's own account: ``GET /api/me/export`` (their data, a
JSON download) and ``POST /api/me/delete`` (the account, with its
password). Mounted on Parley's API (``parley.api.views.api``), with its
sign-in, request budget and errors; the work is ``parley.services.accounts``.
"""

from collections.abc import AsyncIterator, Iterator
from typing import Annotated

from asgiref.sync import sync_to_async
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from ninja import Router, Schema
from pydantic import Field, StringConstraints

from parley.api.schemas import NO_NUL, Body, Error, RateLimitedError
from parley.services import accounts

router = Router(tags=["account"])
ERRORS = {
    400: Error,
    401: Error,
    403: Error,
    422: Error,
    429: RateLimitedError,
}
# Django's password fields are 128 characters of hash; a password is at
# most what a person types.
Password = Annotated[str, StringConstraints(max_length=4096, pattern=NO_NUL)]
EXPORT_FILENAME = "parley-export.json"


class ExportOut(Schema):
    format: str = Field(description='"parley-export"')
    version: int = Field(description="1")
    exported_at: str = Field(description="ISO 8601, UTC, milliseconds")
    profile: dict = Field(description="`{username, email, display_name, date_joined}`")
    rooms: list[dict] = Field(
        description="`{slug, title, kind, role, joined, read_seq}` per membership"
    )
    messages: list[dict] = Field(
        description="`{room, seq, text, created, edited, deleted}` per message "
        "written, in the order written"
    )
    notifications: list[dict] = Field(description="as `GET /api/notifications`")


class DeleteIn(Body):
    password: Password = Field(description="the account's password")


async def _chunks(parts: Iterator[bytes]) -> AsyncIterator[bytes]:
    """``parts`` read on Django's sync thread (the ORM), chunk by chunk: an
    ASGI server streams an async iterator, where a sync one would be read
    whole into memory first."""
    while (chunk := await sync_to_async(next)(parts, None)) is not None:
        yield chunk


@router.get("/me/export", response={200: ExportOut, **ERRORS})
def export_my_data(request: HttpRequest):
    """The user's data as a JSON download (``Content-Disposition:
    attachment``): profile, rooms, the messages they wrote, notifications.
    Streamed: memory stays bounded whatever its size."""
    response = StreamingHttpResponse(
        _chunks(accounts.export(user=request.user)), content_type="application/json"
    )
    response["Content-Disposition"] = f'attachment; filename="{EXPORT_FILENAME}"'
    response["Cache-Control"] = "no-store"
    return response


@router.post("/me/delete", response={204: None, **ERRORS})
def delete_my_account(request: HttpRequest, body: DeleteIn):
    """Delete the account (204), its password confirmed whatever the
    sign-in; 403 ``wrong_password``, ``guest_forbidden``. The messages stay
    as from a deleted user; the session ends and every socket closes."""
    accounts.delete_account(user=request.user, password=body.password)
    request.session.flush()
    return HttpResponse(status=204)
