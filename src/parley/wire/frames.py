"""The client protocol's frames: parsing and encoding, with no I/O.

Client frames are JSON objects with a ``type``; ``parse_frame`` turns raw
socket text into one of the frame dataclasses below or raises
``ProtocolError`` with a stable code. Server frames are built by
``encode_frame``. ``docs/protocol.md`` is the prose version of this module.
"""

from dataclasses import dataclass
from enum import IntEnum, StrEnum
from typing import Any, ClassVar

import orjson
from django.utils.translation import gettext as _

from parley.wire.errors import ErrorCode, ParleyError

# Sequence numbers are stored as signed 64-bit integers (PostgreSQL bigint);
# a larger `after` could not be compared in a query, so it is refused here.
MAX_SEQ = 2**63 - 1
# Longest `emoji` of a reaction frame, in characters: ZWJ sequences (a
# family with skin tones) are well under it (parley.models.Reaction).
MAX_EMOJI_CHARS = 32


class ClientFrameType(StrEnum):
    SUBSCRIBE = "subscribe"
    UNSUBSCRIBE = "unsubscribe"
    SEND = "send"
    EDIT = "edit"
    DELETE = "delete"
    TYPING = "typing"
    READ = "read"
    PING = "ping"
    TOPIC = "topic"
    PIN = "pin"
    UNPIN = "unpin"
    REACT = "react"
    UNREACT = "unreact"


class ServerFrameType(StrEnum):
    SUBSCRIBED = "subscribed"
    UNSUBSCRIBED = "unsubscribed"
    MESSAGE = "message"
    ACK = "ack"
    EDITED = "edited"
    DELETED = "deleted"
    PRESENCE = "presence"
    TYPING = "typing"
    READ = "read"
    JOINED = "joined"
    NOTIFICATION = "notification"
    ERROR = "error"
    PONG = "pong"
    TOPIC = "topic"
    PIN = "pin"
    MEMBER = "member"
    REPLIES = "replies"
    REACTION = "reaction"
    ARCHIVED = "archived"


class CloseCode(IntEnum):
    """Close codes Parley sends, and what a client does on each.

    RFC 6455 section 7.4 reserves 4000-4999 for applications.
    """

    # Standard (RFC 6455 7.4.1 and the IANA registry): reconnect and resume.
    GOING_AWAY = 1001
    # A binary frame: Parley's frames are JSON text (RFC 6455 section 7.4.1,
    # "a type of data it cannot accept"). A client bug: do not resend it.
    UNSUPPORTED_DATA = 1003
    # The socket went on sending after its frames were refused as over its
    # frame budget (`rate_limited`): reconnect only after a backoff.
    POLICY_VIOLATION = 1008
    TRY_AGAIN_LATER = 1013
    # The socket fell too far behind (it did not read fast enough) and was
    # dropped to bound server memory; reconnect now and resubscribe with
    # `after`: nothing is lost.
    RESUME = 4000
    # The user has PARLEY_MAX_SOCKETS_PER_USER sockets open on this server
    # process already (an `error {code: "too_many_sockets"}` frame comes
    # first); 4000 + HTTP's 429. Reconnect after a backoff, or close a tab.
    TOO_MANY_SOCKETS = 4429
    # The sign-in this socket was opened with ended: its session was signed
    # out, expired or invalidated by a password change, its API token was
    # revoked, or its user deactivated. Do not reconnect with the same
    # credentials: sign in again (a page goes to its sign-in page).
    SESSION_ENDED = 4001


class ProtocolError(ParleyError):
    """A frame that cannot be understood; the socket stays open."""


@dataclass(frozen=True, slots=True)
class Limits:
    """Bounds on client frames.

    Attributes:
        max_frame_bytes: largest frame, in bytes of UTF-8.
        max_room_chars: longest ``room`` slug, in characters.
        max_client_id_chars: longest ``client_id`` and ``ref``.
    """

    max_frame_bytes: int
    max_room_chars: int
    max_client_id_chars: int


@dataclass(frozen=True, slots=True)
class Subscribe:
    TYPE: ClassVar[ClientFrameType] = ClientFrameType.SUBSCRIBE
    room: str
    after: int | None = None
    ref: str | None = None


@dataclass(frozen=True, slots=True)
class Unsubscribe:
    TYPE: ClassVar[ClientFrameType] = ClientFrameType.UNSUBSCRIBE
    room: str
    ref: str | None = None


@dataclass(frozen=True, slots=True)
class Send:
    TYPE: ClassVar[ClientFrameType] = ClientFrameType.SEND
    room: str
    text: str
    client_id: str
    ref: str | None = None
    attachments: tuple[int, ...] = ()
    reply_to: int | None = None


@dataclass(frozen=True, slots=True)
class Edit:
    TYPE: ClassVar[ClientFrameType] = ClientFrameType.EDIT
    id: int
    text: str
    ref: str | None = None


@dataclass(frozen=True, slots=True)
class Delete:
    TYPE: ClassVar[ClientFrameType] = ClientFrameType.DELETE
    id: int
    ref: str | None = None


@dataclass(frozen=True, slots=True)
class Typing:
    TYPE: ClassVar[ClientFrameType] = ClientFrameType.TYPING
    room: str
    ref: str | None = None


@dataclass(frozen=True, slots=True)
class Read:
    TYPE: ClassVar[ClientFrameType] = ClientFrameType.READ
    room: str
    seq: int
    ref: str | None = None


@dataclass(frozen=True, slots=True)
class React:
    """``react {id, emoji}`` (``on`` True) or ``unreact {id, emoji}``."""

    TYPE: ClassVar[ClientFrameType] = ClientFrameType.REACT
    id: int
    emoji: str
    on: bool = True
    ref: str | None = None


@dataclass(frozen=True, slots=True)
class Ping:
    TYPE: ClassVar[ClientFrameType] = ClientFrameType.PING
    ref: str | None = None


@dataclass(frozen=True, slots=True)
class Topic:
    """Set a room's topic (``""`` clears it); its owner only."""

    TYPE: ClassVar[ClientFrameType] = ClientFrameType.TOPIC
    room: str
    topic: str
    ref: str | None = None


@dataclass(frozen=True, slots=True)
class Pin:
    """Pin (``on``) or unpin a message of a room; its owner only."""

    TYPE: ClassVar[ClientFrameType] = ClientFrameType.PIN
    id: int
    on: bool = True
    ref: str | None = None


ClientFrame = (
    Subscribe
    | Unsubscribe
    | Send
    | Edit
    | Delete
    | Typing
    | Read
    | Ping
    | Topic
    | Pin
    | React
)


def parse_frame(raw: str | bytes, limits: Limits) -> ClientFrame:
    """Parse one client frame.

    Args:
        raw: the frame's payload, text or UTF-8 bytes.
        limits: the bounds to enforce.

    Returns:
        One of the ``ClientFrame`` dataclasses.

    Raises:
        ProtocolError: ``frame_too_large``, ``invalid_json`` (not JSON, or not
            an object), ``unknown_type``, or ``invalid_frame`` (a field is
            missing or of the wrong type or length, or a ``client_id`` holds
            a NUL character; the message names it). Its ``ref``
            is the frame's ``ref`` (or a send's ``client_id``) when readable.
    """
    data = _load_object(raw, limits)

    fields = _Fields(data, limits)
    ref = fields.optional_str("ref", limits.max_client_id_chars)
    fields.ref = ref
    kind = data.get("type")
    if kind == ClientFrameType.SEND:
        client_id = fields.client_id()
        fields.ref = ref or client_id
        attachments = fields.optional_ids("attachments")
        return Send(
            room=fields.room(),
            text=fields.text(empty=bool(attachments)),
            client_id=client_id,
            ref=fields.ref,
            attachments=attachments,
            reply_to=fields.optional_id("reply_to"),
        )
    if kind == ClientFrameType.SUBSCRIBE:
        return Subscribe(
            room=fields.room(), after=fields.optional_seq("after"), ref=ref
        )
    if kind == ClientFrameType.UNSUBSCRIBE:
        return Unsubscribe(room=fields.room(), ref=ref)
    if kind == ClientFrameType.EDIT:
        return Edit(
            id=fields.required_id("id"), text=fields.required_str("text", None), ref=ref
        )
    if kind == ClientFrameType.DELETE:
        return Delete(id=fields.required_id("id"), ref=ref)
    if kind == ClientFrameType.TYPING:
        return Typing(room=fields.room(), ref=ref)
    if kind == ClientFrameType.READ:
        seq = fields.optional_seq("seq")
        if seq is None:
            raise fields.missing("seq")
        return Read(room=fields.room(), seq=seq, ref=ref)
    if kind == ClientFrameType.PING:
        return Ping(ref=ref)
    if kind == ClientFrameType.TOPIC:
        return Topic(room=fields.room(), topic=fields.string("topic"), ref=ref)
    if kind in (ClientFrameType.PIN, ClientFrameType.UNPIN):
        return Pin(id=fields.required_id("id"), on=kind == ClientFrameType.PIN, ref=ref)
    if kind in (ClientFrameType.REACT, ClientFrameType.UNREACT):
        return React(
            id=fields.required_id("id"),
            emoji=fields.required_str("emoji", MAX_EMOJI_CHARS),
            on=kind == ClientFrameType.REACT,
            ref=ref,
        )
    raise ProtocolError(
        ErrorCode.UNKNOWN_TYPE,
        _("Unknown frame type %(type)s.") % {"type": _shorten(kind)},
        ref=ref,
    )


def _load_object(raw: str | bytes, limits: Limits) -> dict[str, Any]:
    """Decode a frame that must be a JSON object within the size limit."""
    size = len(raw) if isinstance(raw, bytes) else len(raw.encode("utf-8", "replace"))
    if size > limits.max_frame_bytes:
        raise ProtocolError(
            ErrorCode.FRAME_TOO_LARGE,
            _("Frame of %(size)d bytes exceeds the limit of %(limit)d bytes.")
            % {"size": size, "limit": limits.max_frame_bytes},
        )
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise ProtocolError(
            ErrorCode.INVALID_JSON, _("Frame is not valid JSON.")
        ) from None
    if not isinstance(data, dict):
        raise ProtocolError(ErrorCode.INVALID_JSON, _("Frame must be a JSON object."))
    return data


class _Fields:
    """Typed access to a frame's fields, raising ``invalid_frame``."""

    def __init__(self, data: dict[str, Any], limits: Limits):
        self.data = data
        self.limits = limits
        self.ref: str | None = None

    def _invalid(self, message: str) -> ProtocolError:
        return ProtocolError(ErrorCode.INVALID_FRAME, message, ref=self.ref)

    def required_str(self, name: str, max_chars: int | None) -> str:
        value = self.data.get(name)
        if not isinstance(value, str) or not value:
            raise self._invalid(
                _("Field %(name)s must be a non-empty string.") % {"name": name}
            )
        if max_chars is not None and len(value) > max_chars:
            raise self._invalid(
                _("Field %(name)s is longer than %(limit)d characters.")
                % {"name": name, "limit": max_chars}
            )
        return value

    def string(self, name: str) -> str:
        """A string that may be empty (its service bounds its length)."""
        value = self.data.get(name)
        if not isinstance(value, str):
            raise self._invalid(_("Field %(name)s must be a string.") % {"name": name})
        return value

    def optional_str(self, name: str, max_chars: int) -> str | None:
        if self.data.get(name) is None:
            return None
        value = self.data[name]
        if not isinstance(value, str) or len(value) > max_chars:
            raise self._invalid(
                _("Field %(name)s must be a string of at most %(limit)d characters.")
                % {"name": name, "limit": max_chars}
            )
        return value

    def client_id(self) -> str:
        """A send's idempotency key, which is stored: PostgreSQL text cannot
        hold a NUL character, so none is allowed (on any database)."""
        value = self.required_str("client_id", self.limits.max_client_id_chars)
        if "\x00" in value:
            raise self._invalid(
                _("Field %(name)s cannot hold NUL characters.") % {"name": "client_id"}
            )
        return value

    def room(self) -> str:
        return self.required_str("room", self.limits.max_room_chars)

    def missing(self, name: str) -> ProtocolError:
        return self._invalid(_("Field %(name)s is required.") % {"name": name})

    def required_id(self, name: str) -> int:
        """A database id: a whole number from 1 to ``MAX_SEQ``."""
        value = self.data.get(name)
        if (
            isinstance(value, bool)
            or not isinstance(value, int)
            or not 0 < value <= MAX_SEQ
        ):
            raise self._invalid(
                _("Field %(name)s must be a whole number from 1 to %(max)d.")
                % {"name": name, "max": MAX_SEQ}
            )
        return value

    def text(self, *, empty: bool) -> str:
        """A send's text: a non-empty string, or with ``empty`` (a send
        with files) any string, "" when absent."""
        if empty and isinstance(self.data.get("text", ""), str):
            return str(self.data.get("text", ""))
        return self.required_str("text", None)

    def optional_ids(self, name: str) -> tuple[int, ...]:
        """A list of database ids (see ``required_id``); () when absent."""
        value = self.data.get(name)
        if value is None:
            return ()
        if not isinstance(value, list) or not all(
            isinstance(item, int) and not isinstance(item, bool) and 0 < item <= MAX_SEQ
            for item in value
        ):
            raise self._invalid(
                _("Field %(name)s must be a list of whole numbers from 1 to %(max)d.")
                % {"name": name, "max": MAX_SEQ}
            )
        return tuple(value)

    def optional_id(self, name: str) -> int | None:
        """``required_id``, or None when the field is absent or null."""
        return None if self.data.get(name) is None else self.required_id(name)

    def optional_seq(self, name: str) -> int | None:
        value: object = self.data.get(name)
        if value is None:
            return None
        # bool is an int in Python; `true` is not a sequence number.
        if (
            isinstance(value, bool)
            or not isinstance(value, int)
            or not 0 <= value <= MAX_SEQ
        ):
            raise self._invalid(
                _("Field %(name)s must be a whole number from 0 to %(max)d.")
                % {"name": name, "max": MAX_SEQ}
            )
        return value


def _shorten(value: Any, limit: int = 40) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def encode(payload: dict[str, Any]) -> str:
    """Encode a JSON object as text (orjson: UTF-8, no needless escapes)."""
    return orjson.dumps(payload).decode()


def encode_frame(frame_type: ServerFrameType, **fields: Any) -> str:
    """Encode one server frame as JSON text: ``{"type": frame_type, **fields}``.

    Fields whose value is ``None`` are left out.
    """
    payload = {"type": frame_type.value}
    payload.update((key, value) for key, value in fields.items() if value is not None)
    return encode(payload)


def error_frame(error: ParleyError) -> str:
    """Encode ``error {code, message, retry_after?, ref?}`` for a refused
    frame; ``retry_after`` (seconds) comes with ``rate_limited``."""
    return encode_frame(
        ServerFrameType.ERROR,
        code=str(error.code),
        message=error.message,
        retry_after=getattr(error, "retry_after", None),
        ref=error.ref,
    )


def parse_tutorial_frame(raw: str | bytes, limits: Limits) -> str:
    """Parse a frame of the Channels tutorial's socket: ``{"message": text}``.

    Returns:
        The message text (not yet validated as message text).

    Raises:
        ProtocolError: ``frame_too_large``, ``invalid_json`` or
            ``invalid_frame`` (no string ``message``).
    """
    data = _load_object(raw, limits)
    return _Fields(data, limits).required_str("message", None)
