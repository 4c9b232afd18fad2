"""What the pages say for each error code (``parley.wire.errors.ErrorCode``),
in the page's language: a page shows these, not the server's English
``message`` (``docs/protocol.md``, "Errors").
"""

from typing import Any

from django.utils.translation import gettext_lazy as _

from parley.wire.errors import ErrorCode


def error_reasons() -> dict[str, Any]:
    """What the pages show for each error code a server answer may carry
    (``parley.wire.errors.ErrorCode``), translated: a page shows these, not
    the server's English ``message``, in the page's language."""
    reasons = {
        ErrorCode.INVALID_JSON: _("The server could not read this request."),
        ErrorCode.FRAME_TOO_LARGE: _("This is too large to send."),
        ErrorCode.UNKNOWN_TYPE: _("The server does not know this request."),
        ErrorCode.INVALID_FRAME: _("The server could not read this request."),
        ErrorCode.INVALID_ROOM: _("This room name is not valid."),
        ErrorCode.ROOM_NOT_FOUND: _("This room is gone, or no longer yours to read."),
        ErrorCode.ROOM_EXISTS: _("A room with this name exists already."),
        ErrorCode.INVALID_TEXT: _("This message text is not valid."),
        ErrorCode.TEXT_TOO_LONG: _("The message is too long."),
        ErrorCode.CLIENT_ID_REUSED: _("This message clashed with another; retry it."),
        ErrorCode.NOT_AUTHENTICATED: _("You are signed out; sign in again."),
        ErrorCode.FORBIDDEN: _("You may not do this here."),
        ErrorCode.NOT_FOUND: _("It is not there any more."),
        ErrorCode.INVALID_REQUEST: _("The server could not read this request."),
        ErrorCode.NOT_SUBSCRIBED: _("Not connected to this room yet; try again."),
        ErrorCode.MESSAGE_DELETED: _("This message was deleted."),
        ErrorCode.GUEST_FORBIDDEN: _("Guests may not do this; sign up to do it."),
        ErrorCode.GUESTS_DISABLED: _("Guest access is turned off."),
        ErrorCode.INVALID_NAME: _("This name is not valid."),
        ErrorCode.RATE_LIMITED: _("Too fast; waiting a moment."),
        ErrorCode.TOO_MANY_ROOMS: _("Too many rooms open at once."),
        ErrorCode.TOO_MANY_SOCKETS: _("Too many tabs open at once."),
        ErrorCode.INVALID_QUERY: _("Type words to search for, in fewer letters."),
        ErrorCode.INTERNAL_ERROR: _("Something went wrong on the server; try again."),
        ErrorCode.CLIENT_ID_CONFLICT: _(
            "This message was already sent with other text; send it again."
        ),
        ErrorCode.METHOD_NOT_ALLOWED: _("The server does not know this request."),
        ErrorCode.REQUEST_TOO_LARGE: _("This is too large to send."),
        ErrorCode.UNSUPPORTED_MEDIA_TYPE: _("The server could not read this request."),
        ErrorCode.INVALID_IMAGE: _("This image is not one of the allowed types."),
        ErrorCode.IMAGE_TOO_LARGE: _("This image is too large."),
        ErrorCode.NAME_CONFUSABLE: _("This name looks like one that is taken."),
        ErrorCode.INVALID_SUBSCRIPTION: _(
            "This browser's push subscription is not valid."
        ),
        ErrorCode.ENDPOINT_NOT_ALLOWED: _(
            "This browser's push service is not allowed here."
        ),
        ErrorCode.TOO_MANY_SUBSCRIPTIONS: _(
            "Too many browsers get push notifications."
        ),
        ErrorCode.PUSH_UNAVAILABLE: _(
            "Push notifications are not set up on this server."
        ),
        ErrorCode.INVALID_SIGNATURE: _("This link is not valid."),
        ErrorCode.TOO_MANY_PINS: _(
            "This room has as many pinned messages as it may; unpin one first."
        ),
        ErrorCode.LAST_OWNER: _(
            "You are this room's only owner, so you cannot leave it."
        ),
        ErrorCode.ATTACHMENT_TOO_LARGE: _("This file is too large."),
        ErrorCode.ATTACHMENT_TYPE_NOT_ALLOWED: _("Files of this type cannot be sent."),
        ErrorCode.ATTACHMENT_REJECTED: _("This file was refused by a check."),
        ErrorCode.ATTACHMENT_NOT_FOUND: _("This file is gone; attach it again."),
        ErrorCode.ATTACHMENT_USED: _("This file was already sent."),
        ErrorCode.TOO_MANY_ATTACHMENTS: _("Too many files for one message."),
        ErrorCode.REPLY_WRONG_ROOM: _("A reply answers a message of this room."),
        ErrorCode.INVALID_EMOJI: _("This is not one emoji."),
        ErrorCode.TOO_MANY_REACTIONS: _("This message has all the reactions it may."),
        ErrorCode.WRONG_PASSWORD: _("The password is not right."),
        ErrorCode.TOO_MANY_WEBHOOKS: _("This room has all the webhooks it may."),
        ErrorCode.UNKNOWN_COMMAND: _(
            "There is no such command; start with // to send a slash."
        ),
        ErrorCode.MUTED: _("You are muted in this room for now."),
        ErrorCode.ROOM_ARCHIVED: _("This room is archived: it is read-only."),
    }
    return {str(code): text for code, text in reasons.items()}
