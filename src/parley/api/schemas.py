"""Request and response shapes of the JSON API (pydantic, via django-ninja)."""

from datetime import datetime
from typing import Literal

from ninja import Schema
from pydantic import Field


class Error(Schema):
    """Every 4xx body: a stable ``code`` (see ``parley.errors.ErrorCode``)."""

    code: str
    message: str
    detail: list[dict] | None = None


class RoomIn(Schema):
    title: str = Field(min_length=1, max_length=200, examples=["Лобби"])
    kind: Literal["public", "private"] = "public"


class RoomOut(Schema):
    slug: str
    title: str
    kind: str
    last_seq: int = Field(description="seq of the room's newest message; 0 if none")
    created_at: datetime
    url: str = Field(description="the room's page")


class MessageIn(Schema):
    text: str = Field(min_length=1)
    client_id: str = Field(
        default="",
        max_length=64,
        description="idempotency key: a repeat returns the first message, status 200",
    )


class MessageOut(Schema):
    id: int
    seq: int
    room: str
    author: str | None
    text: str
    ts: str = Field(description="ISO 8601, UTC, milliseconds")
    client_id: str | None = None


class MessagePage(Schema):
    messages: list[MessageOut] = Field(description="newest first")
    next_before: int | None = Field(
        description="pass as `before` for the next older page; null when there is none"
    )
