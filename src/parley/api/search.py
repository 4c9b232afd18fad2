"""JSON API of search: ``GET /api/search``.

Mounted on Parley's API (``parley.api.views.api``), with its sign-in,
request budget and errors. The query syntax is ``parley.wire.query``'s; who
finds what is ``parley.services.search``'s (the rooms the user may read).
"""

from datetime import datetime
from typing import Annotated

from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field, StringConstraints

from parley.api.schemas import NO_NUL, Error, MessageOut, RateLimitedError
from parley.services import search
from parley.services.policy import policy
from parley.wire import shapes

router = Router(tags=["search"])
ERRORS = {
    400: Error,
    401: Error,
    403: Error,
    404: Error,
    422: Error,
    429: RateLimitedError,
}
# The query's length is the service's to check (PARLEY_SEARCH_QUERY_MAX_CHARS);
# this only keeps NUL out and bounds what is read at all.
Text = Annotated[str, StringConstraints(max_length=10_000, pattern=NO_NUL)]
Name = Annotated[str, StringConstraints(max_length=200, pattern=NO_NUL)]


class SearchQuery(Schema):
    q: Text = Field(
        description='words, "phrases", `from:user`, `in:room`; see docs/protocol.md'
    )
    room: Name | None = Field(None, description="only this room (a slug)")
    from_: Name | None = Field(
        None, alias="from", description="only this user's messages (a username)"
    )
    before: datetime | None = Field(
        None,
        description="only messages sent before this time (ISO 8601; UTC if no zone)",
    )
    # An offset into the ranking: a database's OFFSET takes a 64-bit integer.
    cursor: int | None = Field(
        None, ge=0, le=2**31 - 1, description="`next_cursor` of the previous page"
    )
    limit: int | None = Field(None, ge=1, description="page size; capped by the server")


class SearchHitOut(Schema):
    message: MessageOut
    room_title: str = Field(description="the room's title as the user sees it")
    snippet: str = Field(
        description="plain text around the match (render it as text), with … "
        "where it was cut"
    )
    highlights: list[tuple[int, int]] = Field(
        description="[start, end) of each matched word in `snippet`, in Unicode "
        "code points"
    )


class SearchPage(Schema):
    hits: list[SearchHitOut] = Field(description="best match first")
    next_cursor: int | None = Field(
        description="pass as `cursor` for the next page; null after the last"
    )


@router.get("/search", response={200: SearchPage, **ERRORS})
def search_messages(request: HttpRequest, query: Query[SearchQuery]):
    """Messages the user may read that match `q`, best first, with snippets.

    400 `invalid_query` for a query with no word or longer than the server's
    limit; 404 `room_not_found` for a room (`room` or `in:`) the user may not
    read. Deleted messages are never found.
    """
    results = search.search(
        user=request.user,
        text=query.q,
        room=query.room,
        author=query.from_,
        before=query.before,
        cursor=query.cursor or 0,
        limit=query.limit,
    )
    return SearchPage(
        hits=[
            SearchHitOut(
                message=shapes.message(hit.message, display=policy().display),
                room_title=hit.room_title,
                snippet=hit.snippet.text,
                highlights=list(hit.snippet.highlights),
            )
            for hit in results.hits
        ],
        next_cursor=results.next_cursor,
    )
