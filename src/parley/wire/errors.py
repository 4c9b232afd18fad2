"""Errors Parley reports to clients, each with a stable code.

The same codes reach a socket as ``{"type": "error", "code": ...}`` and an
HTTP client as the ``code`` of a 4xx JSON body; ``docs/protocol.md`` lists
them. Consumers and views catch ``ParleyError`` and never let it become a
traceback.
"""

from enum import StrEnum


class ErrorCode(StrEnum):
    """Every error code of the protocol and the API. Never rename one."""

    INVALID_JSON = "invalid_json"
    FRAME_TOO_LARGE = "frame_too_large"
    UNKNOWN_TYPE = "unknown_type"
    INVALID_FRAME = "invalid_frame"
    INVALID_ROOM = "invalid_room"
    ROOM_NOT_FOUND = "room_not_found"
    ROOM_EXISTS = "room_exists"
    INVALID_TEXT = "invalid_text"
    TEXT_TOO_LONG = "text_too_long"
    CLIENT_ID_REUSED = "client_id_reused"
    CLIENT_ID_CONFLICT = "client_id_conflict"
    NOT_AUTHENTICATED = "not_authenticated"
    FORBIDDEN = "forbidden"
    NOT_FOUND = "not_found"
    INVALID_REQUEST = "invalid_request"
    METHOD_NOT_ALLOWED = "method_not_allowed"
    REQUEST_TOO_LARGE = "request_too_large"
    UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type"
    NOT_SUBSCRIBED = "not_subscribed"
    MESSAGE_DELETED = "message_deleted"
    GUEST_FORBIDDEN = "guest_forbidden"
    GUESTS_DISABLED = "guests_disabled"
    INVALID_NAME = "invalid_name"
    INVALID_IMAGE = "invalid_image"
    IMAGE_TOO_LARGE = "image_too_large"
    NAME_CONFUSABLE = "name_confusable"
    RATE_LIMITED = "rate_limited"
    TOO_MANY_ROOMS = "too_many_rooms"
    TOO_MANY_SOCKETS = "too_many_sockets"
    INVALID_SUBSCRIPTION = "invalid_subscription"
    ENDPOINT_NOT_ALLOWED = "endpoint_not_allowed"
    TOO_MANY_SUBSCRIPTIONS = "too_many_subscriptions"
    PUSH_UNAVAILABLE = "push_unavailable"
    INVALID_SIGNATURE = "invalid_signature"
    ATTACHMENT_TOO_LARGE = "attachment_too_large"
    ATTACHMENT_TYPE_NOT_ALLOWED = "attachment_type_not_allowed"
    ATTACHMENT_REJECTED = "attachment_rejected"
    ATTACHMENT_NOT_FOUND = "attachment_not_found"
    ATTACHMENT_USED = "attachment_used"
    TOO_MANY_ATTACHMENTS = "too_many_attachments"
    INVALID_QUERY = "invalid_query"
    INTERNAL_ERROR = "internal_error"
    TOO_MANY_PINS = "too_many_pins"
    LAST_OWNER = "last_owner"
    REPLY_WRONG_ROOM = "reply_wrong_room"
    INVALID_EMOJI = "invalid_emoji"
    TOO_MANY_REACTIONS = "too_many_reactions"
    WRONG_PASSWORD = "wrong_password"
    TOO_MANY_WEBHOOKS = "too_many_webhooks"
    UNKNOWN_COMMAND = "unknown_command"
    # Moderation (parley.services.moderation).
    MUTED = "muted"
    ROOM_ARCHIVED = "room_archived"


class ParleyError(Exception):
    """A refused request: ``code`` for machines, ``message`` for people.

    Args:
        code: one of ``ErrorCode``.
        message: a human-readable sentence (translatable).
        ref: the client's reference of the frame that failed, if any.
        status: the HTTP status the API answers with (a 4xx).
    """

    status = 400

    def __init__(self, code: ErrorCode, message: str, *, ref: str | None = None):
        super().__init__(message)
        self.code = code
        self.message = str(message)
        self.ref = ref


class Forbidden(ParleyError):
    """The user is known and the thing exists, but it is not theirs to do."""

    status = 403


class NotFound(ParleyError):
    """The thing does not exist or the user may not see it (never told apart)."""

    status = 404


class Conflict(ParleyError):
    """The request clashes with the current state (an existing room, say)."""

    status = 409
