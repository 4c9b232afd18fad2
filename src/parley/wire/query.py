"""Search queries: the syntax people type, parsed with no I/O.

A query is words, ``"quoted phrases"``, ``from:user`` and ``in:room``,
separated by white space (Zulip's and Slack's search syntax, cut to these
four)::

    deploy "release notes" from:alice in:ops

Nothing a person types is ever passed on as full-text syntax: a word is
only its letters and digits (``[^\\W_]+``, Unicode), so FTS5's operators
(``NEAR``, ``*``, ``^``, ``:`` column filters, ``AND``/``OR``/``NOT``) and
PostgreSQL's (``&``, ``|``, ``!``, ``<->``) are plain words or are dropped;
the services quote every word again when they build the database's query
(``parley.services.search``). An unbalanced ``"`` runs its phrase to the
end. The one error is ``QueryError`` (``invalid_query``): a query longer
than its limit, or with nothing to look for.

``snippet`` cuts a message's text around its first match and says where
the matches are, as plain text and ranges: the caller renders the text as
text, so no markup from a message ever reaches a page.
"""

import re
import unicodedata
from dataclasses import dataclass

from django.utils.translation import gettext as _

from parley.wire.errors import ErrorCode, ParleyError

# What the indexes take as a word (SQLite FTS5's unicode61 tokenizer,
# PostgreSQL's "simple" configuration): runs of letters and digits.
WORD = re.compile(r"[^\W_]+")
# The two filters, before the colon, any case.
FROM_PREFIX = "from:"
IN_PREFIX = "in:"
ELLIPSIS = "…"


class QueryError(ParleyError):
    """A query that cannot be searched: ``invalid_query`` (HTTP 400)."""


@dataclass(frozen=True, slots=True)
class SearchQuery:
    """A parsed query.

    Attributes:
        words: each must occur in a message, case-folded, in order of
            appearance, without repeats. Accents are kept: SQLite's index
            ignores them, PostgreSQL's ``simple`` configuration does not.
        phrases: each a run of case-folded words that must occur in this
            order, side by side; two or more words each.
        author: the username of ``from:``, or None (the last one counts).
        room: the room slug of ``in:``, or None (the last one counts).
    """

    words: tuple[str, ...] = ()
    phrases: tuple[tuple[str, ...], ...] = ()
    author: str | None = None
    room: str | None = None

    def terms(self) -> frozenset[str]:
        """Every word the query looks for (words and phrases'), ``fold``-ed:
        what ``snippet`` marks."""
        return frozenset(fold(word) for word in self.words).union(
            fold(word) for phrase in self.phrases for word in phrase
        )


def fold(word: str) -> str:
    """``word`` as the indexes compare it: case-folded, without diacritics
    (FTS5's ``remove_diacritics 2``), in Unicode NFC."""
    decomposed = unicodedata.normalize("NFD", word.casefold())
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return unicodedata.normalize("NFC", bare)


def _chunks(text: str) -> list[tuple[str, bool]]:
    """``text`` split into (chunk, quoted) by white space and ``"`` pairs."""
    chunks: list[tuple[str, bool]] = []
    for index, part in enumerate(text.split('"')):
        if index % 2:
            chunks.append((part, True))
        else:
            chunks.extend((token, False) for token in part.split())
    return chunks


def parse(text: str, *, max_chars: int) -> SearchQuery:
    """Parse ``text`` (what a person typed) into a ``SearchQuery``.

    Args:
        text: any string.
        max_chars: the longest query accepted, in characters
            (``PARLEY_SEARCH_QUERY_MAX_CHARS``).

    Returns:
        The query; a bare token with several words (``foo-bar``) is a phrase,
        as the index sees it.

    Raises:
        QueryError: ``invalid_query`` when ``text`` is longer than
            ``max_chars`` or has no word to look for.
    """
    if len(text) > max_chars:
        raise QueryError(
            ErrorCode.INVALID_QUERY,
            _("A search has at most %(limit)d characters.") % {"limit": max_chars},
        )
    words: list[str] = []
    phrases: list[tuple[str, ...]] = []
    author = room = None
    for chunk, quoted in _chunks(unicodedata.normalize("NFC", text)):
        lowered = chunk.casefold()
        if not quoted and lowered.startswith(FROM_PREFIX):
            author = chunk[len(FROM_PREFIX) :].lstrip("@") or author
            continue
        if not quoted and lowered.startswith(IN_PREFIX):
            room = chunk[len(IN_PREFIX) :].lstrip("#") or room
            continue
        found = tuple(word.casefold() for word in WORD.findall(chunk))
        if len(found) == 1:
            words.append(found[0])
        elif found:
            phrases.append(found)
    if not words and not phrases:
        raise QueryError(ErrorCode.INVALID_QUERY, _("Type a word to search for."))
    return SearchQuery(
        words=tuple(dict.fromkeys(words)),
        phrases=tuple(dict.fromkeys(phrases)),
        author=author,
        room=room,
    )


@dataclass(frozen=True, slots=True)
class Snippet:
    """A piece of a message's text with its matches marked.

    Attributes:
        text: plain text (render it as text), with ``…`` where it was cut.
        highlights: ``(start, end)`` of each matched word in ``text``, in
            code points (not UTF-16 units), ascending, not overlapping.
    """

    text: str
    highlights: tuple[tuple[int, int], ...]


def snippet(text: str, terms: frozenset[str], *, max_chars: int) -> Snippet:
    """Cut ``text`` to about ``max_chars`` characters around its first match.

    Args:
        text: a message's text.
        terms: folded words to mark (``SearchQuery.terms``).
        max_chars: the longest snippet, ellipses aside; at least 1.

    Returns:
        The ``Snippet``: the whole text when it fits; else the window that
        starts a fifth of ``max_chars`` before the first match (or at the
        start), never cutting a marked word.
    """
    spans = [m.span() for m in WORD.finditer(text) if fold(m.group()) in terms]
    start = 0
    if len(text) > max_chars and spans:
        start = max(0, min(spans[0][0] - max_chars // 5, len(text) - max_chars))
    end = min(len(text), start + max_chars)
    window = [(a, b) for a, b in spans if a >= start and b <= end]
    prefix = ELLIPSIS if start else ""
    suffix = ELLIPSIS if end < len(text) else ""
    shift = len(prefix) - start
    return Snippet(
        text=prefix + text[start:end] + suffix,
        highlights=tuple((a + shift, b + shift) for a, b in window),
    )
