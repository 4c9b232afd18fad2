"""Search: the messages a user may read that match a query, best first.

The query's syntax is ``parley.wire.query``; the indexes are the migration
``0010_search``'s (SQLite FTS5, PostgreSQL ``tsvector`` with GIN). Who may
read what is ``parley.services.rooms``' rule (``readable_rooms`` and
``get_readable``), the same as for history and sockets: the search runs
inside it, in the database, so a message of a room the user may not read is
never read at all. Deleted messages have no words and are filtered out too.
Ranking: FTS5's ``bm25`` on SQLite, ``ts_rank`` on PostgreSQL, ties newest
first, over the newest ``PARLEY_SEARCH_RANK_WINDOW`` matches (older ones
are not found: a query that matches more is narrowed by more words,
``from:``, ``in:`` or ``before``).
"""

import datetime as dt
from dataclasses import dataclass
from typing import Any

# A user is an AbstractBaseUser (AUTH_USER_MODEL is swappable).
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import connection
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from parley.conf import parley_settings
from parley.models import Message, Room
from parley.services import direct_rooms, profiles, rooms
from parley.wire.errors import ErrorCode, ParleyError
from parley.wire.query import QueryError, SearchQuery, Snippet, parse, snippet


@dataclass(frozen=True, slots=True)
class Hit:
    """One found message.

    Attributes:
        message: with its room and author loaded (``shapes.message``).
        room_title: the room's title as the user sees it (a direct room:
            the other person's username).
        snippet: its text cut around the match, the matches as ranges.
    """

    message: Message
    room_title: str
    snippet: Snippet


@dataclass(frozen=True, slots=True)
class Results:
    """A page of hits, best first; ``next_cursor`` the next page's cursor,
    or None after the last."""

    hits: list[Hit]
    next_cursor: int | None


# A query's bound values: whatever the database adapts (ints, strings, times).
Params = tuple[Any, ...]


def _sql(queryset: QuerySet[Any, Any]) -> tuple[str, Params]:
    """``queryset``'s SQL and parameters, to use as a subquery."""
    sql, params = queryset.query.sql_with_params()
    return sql, tuple(params)


def _fts5_match(query: SearchQuery) -> str:
    """An FTS5 query matching every word and phrase of ``query``: each a
    string in double quotes (FTS5 section 3.1), so none is an operator."""
    strings = [*query.words, *(" ".join(phrase) for phrase in query.phrases)]
    return " ".join('"' + s.replace('"', '""') + '"' for s in strings)


def _matching_ids(
    query: SearchQuery, where: str, params: Params, page: slice
) -> list[int]:
    """The ids of the messages that match ``query`` and ``where`` (SQL over
    the alias ``m`` of the message table), best first, ``page`` of them.

    Only the newest ``PARLEY_SEARCH_RANK_WINDOW`` matches are ranked: the
    index hands them over newest first and stops there, so a word in every
    message costs that many rankings, not one per message.
    """
    message_table = connection.ops.quote_name(Message._meta.db_table)
    window = parley_settings.SEARCH_RANK_WINDOW
    limit = (page.stop - page.start, page.start)
    if connection.vendor == "sqlite":
        sql = (
            "SELECT id FROM (SELECT m.id AS id, bm25(parley_message_fts) AS score "
            f"FROM parley_message_fts JOIN {message_table} m "
            "ON m.id = parley_message_fts.rowid "
            f"WHERE parley_message_fts MATCH %s AND {where} "
            "ORDER BY parley_message_fts.rowid DESC LIMIT %s) "
            "ORDER BY score, id DESC LIMIT %s OFFSET %s"
        )
        params = (_fts5_match(query), *params, window, *limit)
    elif connection.vendor == "postgresql":
        # Each to_tsquery form takes its text as a bound value: plainto_ and
        # phraseto_tsquery read no operators in it.
        parts = ["phraseto_tsquery('simple', %s)"] * len(query.phrases)
        texts = [" ".join(phrase) for phrase in query.phrases]
        if query.words:
            parts.append("plainto_tsquery('simple', %s)")
            texts.append(" ".join(query.words))
        tsquery = " && ".join(parts)
        sql = (
            "SELECT id FROM (SELECT m.id AS id, "
            "ts_rank(m.search_vector, q.query) AS score "
            f"FROM {message_table} m, (SELECT {tsquery} AS query) q "
            f"WHERE m.search_vector @@ q.query AND {where} "
            "ORDER BY m.id DESC LIMIT %s) AS newest "
            "ORDER BY score DESC, id DESC LIMIT %s OFFSET %s"
        )
        params = (*texts, *params, window, *limit)
    else:
        raise ParleyError(
            ErrorCode.INVALID_QUERY, _("Search needs SQLite or PostgreSQL.")
        )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]


def _utc(moment: dt.datetime) -> dt.datetime:
    """``moment`` in UTC (a naive one is taken as UTC).

    Raises:
        QueryError: ``invalid_query`` when it is out of range in UTC (the
            first or last day of year 1 or 9999 in another zone).
    """
    if moment.tzinfo is None:
        return moment.replace(tzinfo=dt.UTC)
    try:
        return moment.astimezone(dt.UTC)
    except OverflowError:
        raise QueryError(
            ErrorCode.INVALID_QUERY, _("This time is out of range.")
        ) from None


def search(
    *,
    user: AbstractBaseUser,
    text: str,
    room: str | None = None,
    author: str | None = None,
    before: dt.datetime | None = None,
    cursor: int = 0,
    limit: int | None = None,
) -> Results:
    """Search the messages ``user`` may read.

    Args:
        user: who searches; they find messages of public rooms and of the
            rooms they are a member of (``rooms.readable_rooms``).
        text: the query (``parley.wire.query.parse``); its ``in:`` and
            ``from:`` apply where ``room`` and ``author`` are None.
        room: only this room's messages (a slug).
        author: only this username's messages; an unknown one finds none.
        before: only messages sent before this time (naive: UTC).
        cursor: how many hits earlier pages showed (``next_cursor``).
        limit: page size; None for ``PARLEY_SEARCH_PAGE_DEFAULT``, capped at
            ``PARLEY_SEARCH_PAGE_MAX``.

    Returns:
        ``Results``: the newest ``PARLEY_SEARCH_RANK_WINDOW`` matches at
        most, best first.

    Raises:
        QueryError: ``invalid_query`` for a query too long or without words
            (``PARLEY_SEARCH_QUERY_MAX_CHARS``), or a ``before`` out of range.
        NotFound: ``room_not_found`` when the room is not one ``user`` may
            read.
    """
    query = parse(text, max_chars=parley_settings.SEARCH_QUERY_MAX_CHARS)
    if not user.is_authenticated:
        return Results(hits=[], next_cursor=None)
    if limit is None:
        limit = parley_settings.SEARCH_PAGE_DEFAULT
    limit = max(1, min(limit, parley_settings.SEARCH_PAGE_MAX))
    cursor = max(0, cursor)
    room = room or query.room
    author = author or query.author
    readable, where_params = _sql(rooms.readable_rooms(user).order_by().values("pk"))
    where = [f"m.deleted_at IS NULL AND m.room_id IN ({readable})"]
    if room is not None:
        where.append("m.room_id = %s")
        where_params += (rooms.get_readable(user=user, slug=room).pk,)
    if author is not None:
        users = get_user_model().objects.filter(
            **{get_user_model().USERNAME_FIELD: author}
        )
        authors, author_params = _sql(users.values("pk"))
        where.append(f"m.author_id IN ({authors})")
        where_params += author_params
    if before is not None:
        where.append("m.created_at < %s")
        where_params += (connection.ops.adapt_datetimefield_value(_utc(before)),)
    # One more than the page: whether there is a next one.
    ids = _matching_ids(
        query, " AND ".join(where), where_params, slice(cursor, cursor + limit + 1)
    )
    found = profiles.with_authors(Message.objects.filter(pk__in=ids[:limit]))
    by_id = {message.pk: message for message in found}
    messages = [by_id[pk] for pk in ids[:limit] if pk in by_id]
    peers = direct_rooms.direct_peers(user=user, room_ids={m.room_id for m in messages})
    terms = query.terms()
    size = parley_settings.SEARCH_SNIPPET_CHARS
    hits = [
        Hit(
            message=message,
            room_title=direct_rooms.title_for(message.room, user=user, peers=peers),
            snippet=snippet(message.text, terms, max_chars=size),
        )
        for message in messages
    ]
    more = len(ids) > limit
    return Results(hits=hits, next_cursor=cursor + limit if more else None)


def around(*, room: Room, seq: int, limit: int | None = None) -> list[Message]:
    """A page of ``room``'s history around ``seq``: where a search result
    opens its room (``GET /api/rooms/{slug}/messages?around=``).

    Args:
        room: a room the caller may read (the caller checked).
        seq: the message to show; need not exist (past the newest, the page
            is the newest messages).
        limit: page size as ``history.history`` (``PARLEY_HISTORY_PAGE_*``).

    Returns:
        Up to ``limit`` messages in descending ``seq``: ``seq`` itself, up
        to half the page before it, and after it the rest; older pages
        follow from the last one's ``seq`` (``before``), newer ones from the
        socket's replay (``subscribe {after}``).
    """
    if limit is None:
        limit = parley_settings.HISTORY_PAGE_DEFAULT
    limit = max(1, min(limit, parley_settings.HISTORY_PAGE_MAX))
    in_room = profiles.with_authors(Message.objects.filter(room=room))
    newer = list(in_room.filter(seq__gt=seq).order_by("seq")[: limit - limit // 2 - 1])
    older = list(in_room.filter(seq__lte=seq).order_by("-seq")[: limit - len(newer)])
    return newer[::-1] + older
