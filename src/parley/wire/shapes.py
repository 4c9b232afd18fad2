"""The public JSON shapes of a message, a room and a notification, each built
here and nowhere else. No I/O.

Frames, events, the HTTP API and the pages all carry these dicts. Each
function reads attributes of an object the caller loaded (a model instance
with its ``room`` and ``author`` selected, so nothing is queried here) and
returns JSON types only. ``docs/protocol.md`` documents every field.
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

# A reply quotes its parent's first characters: a line's worth, so a quote
# never outweighs the reply (docs/protocol.md, "Replies and threads").
QUOTE_CHARS = 100


@dataclass(frozen=True, slots=True)
class Display:
    """How a user appears to others: ``name`` (never empty) and
    ``avatar_url`` (a same-origin path or URL the page's CSP allows; ""
    for none: the page shows initials). The host's policy decides it
    (``parley.services.policy.Policy.display``)."""

    name: str
    avatar_url: str = ""


# How a shape learns a user's Display: the policy's ``display`` method.
Displayer = Callable[[Any], Display]


def profile_display(user: Any) -> Display:
    """Parley's own rule: the profile's display name, else the username;
    the profile's avatar URL. Reads ``user.parley_profile`` as loaded with
    the user (``select_related``), so it queries nothing then."""
    profile = getattr(user, "parley_profile", None)
    return Display(
        name=(profile and profile.display_name) or user.get_username(),
        avatar_url=profile.avatar_url if profile is not None else "",
    )


def timestamp(value: dt.datetime) -> str:
    """ISO 8601 in UTC with milliseconds: ``2026-11-21T07:35:46.123Z``."""
    return (
        value.astimezone(dt.UTC)
        .isoformat(timespec="milliseconds")
        .replace("+00:00", "Z")
    )


def message(message: Any, *, display: Displayer = profile_display) -> dict[str, Any]:
    """The public shape of a message, as frames and the API carry it.

    Args:
        message: a ``parley.models.Message`` with ``room``, ``author`` and
            the author's ``parley_profile`` loaded
            (``parley.services.profiles.with_authors``).
        display: how an author appears (``author_name``, ``author_avatar``
            and the quote's ``author_name``); callers pass the configured
            policy's (``parley.services.policy.policy().display``).

    Returns:
        ``{"id", "seq", "room" (slug), "author" (username, or None for a
        deleted account), "author_id" (the user's primary key, or None for
        a deleted account; read from the foreign key, no query),
        "author_name" (the author's display name, else the username;
        None for a deleted account), "author_avatar" (the avatar's URL,
        omitted when none), "text", "html" (the text's formatting as
        sanitized HTML, ``parley.wire.formatting``; "" when it shows as
        plain text), "ts" (see ``timestamp``), "client_id" (omitted when
        empty), "edited_ts" (when edited), "deleted": True (when deleted;
        its text and html are then ""), "pinned": True (while pinned
        in its room; ``message.pinned``, set by ``with_authors``),
        "attachments" (a list of ``attachment``; omitted when none, or
        deleted; read from ``message.attachment_list``, loaded with it),
        "reply_to" (a reply's: the parent's ``quote``, with ``reply_to``
        and its author loaded; omitted for a message that is no reply),
        "reply_count", "reactions" (``[{emoji, count, me}]`` as
        ``parley.services.reactions.attach`` left on the message in
        ``parley_reactions``; [] when it did not)}``.
    """
    author = message.author
    shown = display(author) if author else None
    data: dict[str, Any] = {
        "id": message.id,
        "seq": message.seq,
        "room": message.room.slug,
        "author": author.get_username() if author else None,
        "author_id": message.author_id,
        "author_name": shown.name if shown else None,
        "text": message.text,
        "html": message.html,
        "ts": timestamp(message.created_at),
        "reply_count": message.reply_count,
        "reactions": list(getattr(message, "parley_reactions", ())),
    }
    if shown and shown.avatar_url:
        data["author_avatar"] = shown.avatar_url
    if message.reply_to_id is not None:
        data["reply_to"] = quote(message.reply_to, display=display)
    if message.client_id:
        data["client_id"] = message.client_id
    if message.edited_at is not None:
        data["edited_ts"] = timestamp(message.edited_at)
    if message.deleted_at is not None:
        data["deleted"] = True
        data["text"] = data["html"] = ""
    elif files := getattr(message, "attachment_list", None):
        data["attachments"] = [attachment(file) for file in files]
    if getattr(message, "pinned", False):
        data["pinned"] = True
    return data


def attachment(attachment: Any) -> dict[str, Any]:
    """The public shape of a message's file.

    Args:
        attachment: a ``parley.models.Attachment``.

    Returns:
        ``{"id", "name", "size" (bytes), "type" (the content type sniffed
        at upload), "url" (the download), and for an image "thumb_url",
        "width" and "height" (pixels)}``.
    """
    data: dict[str, Any] = {
        "id": attachment.id,
        "name": attachment.name,
        "size": attachment.size,
        "type": attachment.content_type,
        "url": attachment.url,
    }
    if attachment.thumb:
        data["thumb_url"] = attachment.thumb_url
        data["width"] = attachment.width
        data["height"] = attachment.height
    return data


def quote(parent: Any, *, display: Displayer = profile_display) -> dict[str, Any]:
    """The compact quote of a reply's parent.

    Args:
        parent: a ``parley.models.Message`` with ``author`` (and its
            profile) loaded.
        display: how its author appears (see ``message``).

    Returns:
        ``{"id", "seq", "author" (username or None), "author_name",
        "excerpt" (the first ``QUOTE_CHARS`` characters of its text, "…"
        appended when cut; "" once deleted), "deleted" (bool)}``.
    """
    deleted = parent.deleted_at is not None
    text = "" if deleted else parent.text
    author = parent.author
    return {
        "id": parent.id,
        "seq": parent.seq,
        "author": author.get_username() if author else None,
        "author_name": display(author).name if author else None,
        "excerpt": text if len(text) <= QUOTE_CHARS else text[:QUOTE_CHARS] + "…",
        "deleted": deleted,
    }


def edited(message: Any) -> dict[str, Any]:
    """The fields of the ``edited`` frame: ``{id, seq, room, text, html,
    edited_ts}`` (``html`` as in ``message``)."""
    return {
        "id": message.id,
        "seq": message.seq,
        "room": message.room.slug,
        "text": message.text,
        "html": message.html,
        "edited_ts": timestamp(message.edited_at),
    }


def deleted(message: Any) -> dict[str, Any]:
    """The fields of the ``deleted`` frame: ``{id, seq, room}``."""
    return {"id": message.id, "seq": message.seq, "room": message.room.slug}


def ack(message: Any, *, client_id: str, ref: str | None) -> dict[str, Any]:
    """The fields of the ``ack`` frame for a stored message.

    Returns:
        ``{client_id, id, seq, room, ts, html, ref?}``; ``html`` is the
        stored message's, as in ``message`` (the sender has its text);
        ``ref`` is left out when it is None or only repeats ``client_id``.
    """
    return {
        "client_id": client_id,
        "id": message.id,
        "seq": message.seq,
        "room": message.room.slug,
        "ts": timestamp(message.created_at),
        "html": message.html,
        "ref": ref if ref != client_id else None,
    }


def notification(notification: Any) -> dict[str, Any]:
    """The public shape of a notification, as the frame and the API carry it.

    Args:
        notification: a ``parley.models.Notification``.

    Returns:
        ``{"id", "kind", "title", "body", "url", "data" (JSON object),
        "ts" (created, see ``timestamp``), "read" (bool)}``.
    """
    return {
        "id": notification.id,
        "kind": notification.kind,
        "title": notification.title,
        "body": notification.body,
        "url": notification.url,
        "data": notification.data,
        "ts": timestamp(notification.created_at),
        "read": notification.read_at is not None,
    }


def room(
    room: Any,
    *,
    title: str,
    read_seq: int,
    unread: int,
    peer: str | None,
    url: str,
) -> dict[str, Any]:
    """The public shape of a room as one user sees it (``GET /api/rooms``).

    Args:
        room: a ``parley.models.Room``.
        title: the title this user sees (a direct room's: the other's name).
        read_seq: the user's read position in it.
        unread: messages after ``read_seq`` by others, not deleted.
        peer: the other person of a direct room, else None.
        url: the room's page.

    Returns:
        ``{slug, title, kind, topic, last_seq, read_seq, unread, peer,
        created_at, url, archived}`` (``topic``: "" for none;
        ``archived``: read-only, ``parley.services.moderation``).
    """
    return {
        "slug": room.slug,
        "title": title,
        "kind": room.kind,
        "topic": room.topic,
        "last_seq": room.last_seq,
        "read_seq": read_seq,
        "unread": unread,
        "peer": peer,
        "created_at": room.created_at,
        "url": url,
        "archived": room.archived_at is not None,
    }
