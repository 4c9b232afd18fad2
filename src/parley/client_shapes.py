"""The data ``parley.client`` hands out: messages, search hits and
send receipts, built from the JSON the protocol and the HTTP API carry
(``docs/protocol.md``)."""

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Message:
    """A stored message, as the ``message`` frame and the history API carry it.

    ``reply_to`` is a reply's quote of its parent (``{id, seq, author,
    author_name, excerpt, deleted}``), ``reactions`` ``({emoji, count,
    me}, ...)`` as ``docs/protocol.md`` shapes them.
    """

    id: int
    seq: int
    room: str
    author: str | None
    text: str
    ts: str
    client_id: str | None = None
    pinned: bool = False
    # Its files: {id, name, size, type, url, thumb_url?, width?, height?}.
    attachments: tuple[dict[str, Any], ...] = ()
    # The text's formatting as sanitized HTML (a Markdown subset); "" when
    # it shows as plain text.
    html: str = ""
    reply_to: dict[str, Any] | None = None
    reply_count: int = 0
    reactions: tuple[dict[str, Any], ...] = ()

    @classmethod
    def from_frame(cls, frame: dict[str, Any]) -> "Message":
        return cls(
            id=frame["id"],
            seq=frame["seq"],
            room=frame["room"],
            author=frame.get("author"),
            text=frame["text"],
            ts=frame["ts"],
            client_id=frame.get("client_id"),
            pinned=bool(frame.get("pinned")),
            # The HTTP API spells a missing thumbnail null; frames omit it.
            attachments=tuple(
                {k: v for k, v in file.items() if v is not None}
                for file in frame.get("attachments") or ()
            ),
            html=frame.get("html") or "",
            reply_to=frame.get("reply_to"),
            reply_count=frame.get("reply_count", 0),
            reactions=tuple(frame.get("reactions", ())),
        )


@dataclass(frozen=True, slots=True)
class SearchHit:
    """A search result: the message, its room's title, and a plain-text
    ``snippet`` with ``highlights``, ``(start, end)`` in code points."""

    message: Message
    room_title: str
    snippet: str
    highlights: tuple[tuple[int, int], ...]

    @classmethod
    def from_json(cls, hit: dict[str, Any]) -> "SearchHit":
        marks = tuple((a, b) for a, b in hit["highlights"])
        message = Message.from_frame(hit["message"])
        return cls(message, hit["room_title"], hit["snippet"], marks)


@dataclass(frozen=True, slots=True)
class Ack:
    """The server's receipt for a send: the message is stored as ``seq``."""

    client_id: str
    id: int
    seq: int
    room: str
    ts: str
    # The stored message's formatting, as ``Message.html``.
    html: str = ""
