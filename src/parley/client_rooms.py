"""The Python client's calls for rooms over HTTP: the rooms one may read,
a page at a time, and a room's details: its topic, members, leaving it,
and pins (``docs/protocol.md``, "Room details").

``RoomDetails`` is a part of ``parley.client.ParleyClient``; it uses the
client's HTTP session and its error type.
"""

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import httpx


@dataclass(frozen=True, slots=True)
class Member:
    """One member of a room: ``role`` is ``owner`` or ``member`` (more
    roles may come)."""

    username: str
    name: str
    role: str
    joined_at: str


@dataclass(frozen=True, slots=True)
class PinnedMessage:
    """A pinned message: the message object as the API carries it, who
    pinned it (None for a deleted account) and when."""

    message: dict[str, Any]
    by: str | None
    pinned_at: str


@dataclass(frozen=True, slots=True)
class RoomEntry:
    """A room of ``GET /api/rooms``: ``kind`` is ``public``, ``private`` or
    ``direct`` (a direct room's ``title`` is the other person's username);
    ``unread`` counts the user's unread messages in it."""

    slug: str
    title: str
    kind: str
    last_seq: int
    unread: int


class RoomDetails:
    """A room's topic, members, leaving and pins, for ``ParleyClient``."""

    _http: httpx.AsyncClient
    # The client's error type: made from a 4xx body's code, message and
    # retry_after (``ParleyClientError``).
    _error: Callable[[str, str, float | None], Exception]

    async def _call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """An API call; a 4xx or 5xx answer raises the client's error."""
        response = await self._http.request(method, path, **kwargs)
        if response.status_code >= 400:
            body = response.json()
            raise self._error(
                body.get("code", "http_error"),
                body.get("message", ""),
                body.get("retry_after"),
            )
        return response

    async def rooms(
        self,
        *,
        member: bool | None = None,
        kinds: tuple[str, ...] = (),
        page_size: int | None = None,
    ) -> AsyncIterator[RoomEntry]:
        """Every room the user may read, by slug, following the pages'
        ``next`` cursor (``docs/protocol.md``, "Lists a page at a time").

        Args:
            member: True: only rooms the user is a member of; False: only
                public rooms they are not; None: both.
            kinds: only rooms of these kinds; empty for all.
            page_size: rooms per request; None for the server's default
                (``PARLEY_ROOMS_PAGE_DEFAULT``), capped at its maximum.
        """
        params: dict[str, Any] = {"kind": list(kinds)}
        if page_size is not None:
            params["limit"] = page_size
        if member is not None:
            params["member"] = "true" if member else "false"
        while True:
            page = (await self._call("GET", "/api/rooms", params=params)).json()
            for room in page["items"]:
                yield RoomEntry(
                    slug=room["slug"],
                    title=room["title"],
                    kind=room["kind"],
                    last_seq=room["last_seq"],
                    unread=room["unread"],
                )
            if page["next"] is None:
                return
            params["after"] = page["next"]

    async def set_topic(self, room: str, topic: str) -> str:
        """Set ``room``'s topic (its owner only; ``""`` clears it).

        Returns:
            The topic as stored (white space runs made one space).

        Raises:
            ParleyClientError: ``forbidden``, ``text_too_long``,
                ``invalid_text``, ``room_not_found``.
        """
        response = await self._call(
            "POST", f"/api/rooms/{room}/topic", json={"topic": topic}
        )
        return str(response.json()["topic"])

    async def members(self, room: str) -> AsyncIterator[Member]:
        """Every member of ``room``, owners first, following the pages'
        ``Link: rel=next``.

        Raises:
            ParleyClientError: ``room_not_found``.
        """
        url: str | None = f"/api/rooms/{room}/members"
        while url is not None:
            response = await self._call("GET", url)
            for member in response.json():
                yield Member(
                    username=member["username"],
                    name=member["name"],
                    role=member["role"],
                    joined_at=member["joined_at"],
                )
            url = response.links.get("next", {}).get("url")

    async def leave(self, room: str) -> bool:
        """Leave ``room``; whether a membership was removed.

        Raises:
            ParleyClientError: ``last_owner``, ``invalid_request`` (a direct
                room), ``room_not_found``.
        """
        response = await self._call("POST", f"/api/rooms/{room}/leave")
        return bool(response.json()["left"])

    async def pins(self, room: str) -> list[PinnedMessage]:
        """``room``'s pinned messages, newest pin first."""
        response = await self._call("GET", f"/api/rooms/{room}/pins")
        return [
            PinnedMessage(
                message=pin["message"], by=pin["by"], pinned_at=pin["pinned_at"]
            )
            for pin in response.json()["pins"]
        ]

    async def pin(self, message_id: int, on: bool = True) -> dict[str, Any]:
        """Pin (or, with ``on=False``, unpin) a message; its room's owner only.

        Returns:
            The message object, with ``pinned``.

        Raises:
            ParleyClientError: ``forbidden``, ``too_many_pins``,
                ``message_deleted``, ``not_found``.
        """
        method = "POST" if on else "DELETE"
        response = await self._call(method, f"/api/messages/{message_id}/pin")
        message: dict[str, Any] = response.json()
        return message
