"""``parley.client``'s HTTP calls about messages: history pages (and the
page around a message), a thread's replies, search, and files."""

from typing import Any

from parley.client_rooms import RoomDetails
from parley.client_shapes import Message, SearchHit


class MessageCalls(RoomDetails):
    """History, replies, search and files over the HTTP API, for
    ``ParleyClient`` (its ``_http`` and ``_call``, ``RoomDetails``)."""

    async def _get_json(self, path: str, params: dict[str, Any]) -> Any:
        """GET an API route without its unset parameters; its JSON, or
        ``ParleyClientError`` for a 4xx (``_call``)."""
        params = {k: v for k, v in params.items() if v is not None}
        return (await self._call("GET", path, params=params)).json()

    async def history(
        self,
        room: str,
        *,
        before: int | None = None,
        limit: int | None = None,
        around: int | None = None,
    ) -> tuple[list[Message], int | None]:
        """A page of history over HTTP, newest first, and the next cursor;
        ``around``: the page around that ``seq`` (where a search hit is)."""
        params = {"before": before, "limit": limit, "around": around}
        page = await self._get_json(f"/api/rooms/{room}/messages", params)
        return [Message.from_frame(m) for m in page["messages"]], page["next_before"]

    async def search(
        self,
        q: str,
        *,
        room: str | None = None,
        author: str | None = None,
        cursor: int | None = None,
        limit: int | None = None,
    ) -> tuple[list[SearchHit], int | None]:
        """Search the messages this user may read (``GET /api/search``): hits
        best first, and the next page's cursor (None after the last)."""
        params = {"q": q, "room": room, "from": author, "cursor": cursor}
        page = await self._get_json("/api/search", params | {"limit": limit})
        return [SearchHit.from_json(h) for h in page["hits"]], page["next_cursor"]

    async def upload(
        self, room: str, name: str, data: bytes, content_type: str = ""
    ) -> dict[str, Any]:
        """Upload a file into ``room`` to send with a message (its ``id``
        goes in ``send(..., attachments=[id])``).

        Returns:
            ``{id, name, size, type, url, thumb_url?, width?, height?}``.

        Raises:
            ParleyClientError: the server refused it
                (``attachment_too_large``, ``attachment_type_not_allowed``,
                ``image_too_large`` ...).
        """
        response = await self._call(
            "POST",
            f"/api/rooms/{room}/attachments",
            files={"file": (name, data, content_type or "application/octet-stream")},
        )
        body: dict[str, Any] = response.json()
        return body

    async def download(self, url: str) -> bytes:
        """The bytes of an attachment (its ``url`` or ``thumb_url``).

        Raises:
            ParleyClientError: ``not_found`` when it is not the user's to
                read (or gone).
        """
        response = await self._http.get(url)
        if response.status_code == 404:
            raise self._error("not_found", "No such file.", None)
        response.raise_for_status()
        return response.content

    async def replies(
        self, message_id: int, *, before: int | None = None, limit: int | None = None
    ) -> tuple[list[Message], int | None]:
        """A page of a message's replies over HTTP, newest first, and the next
        cursor (``GET /api/messages/{id}/replies``)."""
        params = {k: v for k, v in {"before": before, "limit": limit}.items() if v}
        page = await self._get_json(f"/api/messages/{message_id}/replies", params)
        return [Message.from_frame(m) for m in page["messages"]], page["next_before"]
