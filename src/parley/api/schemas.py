"""Request and response shapes of the JSON API (pydantic, via django-ninja).

Request bodies are plain pydantic models in strict mode, not ninja's
``Schema``: a ``Schema`` validates from the attributes of any object, so a
bare JSON string passed as a ``RoomIn`` (``"abc".title()`` made its title),
and lax mode took ``true`` for the integer 1 (see ``WholeNumber``).
Responses are ``Schema``s, built from model instances.
"""

from datetime import datetime
from typing import Annotated, Any, Literal

from annotated_types import Ge, Le
from ninja import Schema
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

# Names, titles and keys that are stored or looked up hold no NUL character:
# PostgreSQL text cannot hold one (a query with it fails), so it is refused
# as invalid on every database. Message text has its own rule (invalid_text).
NO_NUL = r"^[^\x00]*$"


class Body(BaseModel):
    """A request body: a JSON object whose fields have exactly their types."""

    model_config = ConfigDict(strict=True)


def _integral(value: Any) -> Any:
    """``5.0`` as ``5``: JSON Schema's ``integer`` (which the OpenAPI schema
    publishes) counts a number with no fraction as one. Strict mode refuses
    it otherwise, as it still refuses ``true`` and ``"5"``."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


# A whole number in a request body.
WholeNumber = Annotated[int, BeforeValidator(_integral)]
# A row's id in a request body: what a database's bigint holds. The bounds
# come before the validator, or the schema would not publish them as
# minimum and maximum.
RowId = Annotated[int, Ge(1), Le(2**63 - 1), BeforeValidator(_integral)]


class Error(Schema):
    """Every 4xx body: a stable ``code`` (see ``parley.wire.errors.ErrorCode``)."""

    code: str
    message: str
    detail: list[dict] | None = None


class RateLimitedError(Error):
    """429 ``rate_limited``: ``retry_after`` seconds until a retry may pass
    (also in the ``Retry-After`` header, rounded up to whole seconds)."""

    retry_after: float


class RoomIn(Body):
    # One limit per concept: the title's length is the service's to check,
    # against PARLEY_ROOM_TITLE_MAX_CHARS (400 ``invalid_room`` past it).
    title: str = Field(
        min_length=1,
        pattern=NO_NUL,
        examples=["Лобби"],
        description="at most PARLEY_ROOM_TITLE_MAX_CHARS (100) characters",
    )
    kind: Literal["public", "private"] = "public"


class RoomOut(Schema):
    slug: str
    title: str = Field(description="for a direct room, the other person's username")
    kind: Literal["public", "private", "direct"]
    topic: str = Field("", description="set by an owner; empty for none")
    last_seq: int = Field(description="seq of the room's newest message; 0 if none")
    read_seq: int = Field(
        description="the user's read position: messages up to this seq are read"
    )
    unread: int = Field(description="messages after read_seq by others, not deleted")
    peer: str | None = Field(
        None, description="direct rooms: the other person's username"
    )
    created_at: datetime
    url: str = Field(description="the room's page")
    archived: bool = Field(False, description="read-only (archived by its owner)")


class ReadIn(Body):
    seq: WholeNumber = Field(
        ge=0, description="seq of the newest message the user has seen"
    )


class ReadOut(Schema):
    room: str
    seq: int = Field(description="the read position after the call (never lower)")
    unread: int


class MemberIn(Body):
    username: str = Field(min_length=1, max_length=150, pattern=NO_NUL)


class MessageIn(Body):
    text: str = Field(
        default="", description="required unless the message carries attachments"
    )
    client_id: str = Field(
        default="",
        max_length=64,
        pattern=NO_NUL,
        description="idempotency key: a repeat returns the first message, status 200",
    )
    attachments: list[RowId] = Field(
        default_factory=list,
        max_length=100,
        description="ids of the sender's uploads into this room "
        "(POST /api/rooms/{slug}/attachments), at most "
        "PARLEY_ATTACHMENTS_PER_MESSAGE (10)",
    )
    # The bound inside the union, so the schema's integer branch shows it.
    reply_to: Annotated[int, Field(ge=1), BeforeValidator(_integral)] | None = Field(
        None, description="id of the message of this room it replies to"
    )


class AttachmentOut(Schema):
    """A file, uploaded or sent with a message (``shapes.attachment``)."""

    id: int
    name: str = Field(description="the file's name as uploaded, cleaned")
    size: int = Field(description="in bytes")
    type: str = Field(description="the content type, sniffed from the bytes")
    url: str = Field(description="the download; readers of the room only")
    thumb_url: str | None = Field(None, description="images: a WebP thumbnail")
    width: int | None = Field(None, description="images: in pixels")
    height: int | None = Field(None, description="images: in pixels")


class QuoteOut(Schema):
    """A reply's compact quote of its parent."""

    id: int
    seq: int
    author: str | None
    author_name: str | None
    excerpt: str = Field(description="the parent's first 100 characters; '' if deleted")
    deleted: bool


class ReactionCount(Schema):
    emoji: str
    count: int
    me: bool = Field(description="whether the caller reacted with it")


class MessageOut(Schema):
    id: int
    seq: int
    room: str
    author: str | None
    author_id: int | None = Field(
        None, description="the author's user id; null for a deleted account"
    )
    author_name: str | None = Field(
        None, description="the author's display name, else the username"
    )
    author_avatar: str | None = Field(
        None, description="the author's avatar URL (a PNG); null without one"
    )
    text: str
    html: str = Field(
        "",
        description=(
            "the text's formatting as sanitized HTML (a Markdown subset, "
            "docs/protocol.md); empty: show the text as plain text"
        ),
    )
    ts: str = Field(description="ISO 8601, UTC, milliseconds")
    client_id: str | None = None
    edited_ts: str | None = Field(None, description="when last edited, if ever")
    deleted: bool = Field(False, description="deleted: its text is empty")
    pinned: bool = Field(False, description="pinned in its room")
    attachments: list[AttachmentOut] = Field(
        default_factory=list, description="its files; none once deleted"
    )
    reply_to: QuoteOut | None = Field(None, description="a reply's parent, quoted")
    reply_count: int = Field(0, description="replies to this message")
    reactions: list[ReactionCount] = Field(
        default_factory=list, description="emoji in the order first used"
    )


class RoomPage(Schema):
    items: list[RoomOut] = Field(description="by slug")
    next: str | None = Field(
        description="an opaque cursor: pass it as `after` for the next page; "
        "null after the last"
    )


class RoomsQuery(Schema):
    member: bool | None = Field(
        None,
        description="true: only rooms you are a member of; false: only those "
        "you are not (public rooms to discover); absent: both",
    )
    kind: list[Literal["public", "private", "direct"]] | None = Field(
        None, description="only rooms of these kinds (repeat it for several)"
    )
    after: str | None = Field(
        None,
        min_length=1,
        max_length=400,
        pattern=NO_NUL,
        description="the `next` of the previous page",
    )
    limit: int | None = Field(
        None, ge=1, description="page size; capped at PARLEY_ROOMS_PAGE_MAX (200)"
    )


class MessageEditIn(Body):
    text: str = Field(min_length=1)


class MessagePage(Schema):
    messages: list[MessageOut] = Field(description="newest first")
    next_before: int | None = Field(
        description="pass as `before` for the next older page; null when there is none"
    )
    first_seq: int = Field(
        1,
        description="the room's earliest stored seq: 1 unless retention purged "
        "older messages (last_seq + 1 when none is left)",
    )


class NotificationOut(Schema):
    id: int
    kind: str
    title: str
    body: str
    url: str
    data: dict
    ts: str = Field(description="created; ISO 8601, UTC, milliseconds")
    read: bool


class NotificationPage(Schema):
    notifications: list[NotificationOut] = Field(description="newest first")
    unread: int = Field(description="the user's unread notifications, in all")
    next_before: int | None = Field(
        description="pass as `before` for the next older page; null when there is none"
    )


class MarkedRead(Schema):
    marked: int = Field(description="how many notifications were unread")
    unread: int = Field(description="unread notifications left (0)")
