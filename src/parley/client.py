"""An asyncio client for Parley's protocol, with resume built in.

It keeps the protocol's promise on the client side (``docs/protocol.md``):
every message of a subscribed room is yielded once, in ``seq`` order, across
dropped sockets and server restarts; every ``send`` is retried with its
``client_id`` until acknowledged, so it is stored once. Tests, benchmarks and
bots use it::

    async with ParleyClient("http://127.0.0.1:8000", token="pt_...") as client:
        await client.subscribe("lobby")
        ack = await client.send("lobby", "hello")
        async for message in client.messages():
            print(message.author, message.text)
"""

import asyncio
import contextlib
import logging
import random
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import orjson
import websockets
from websockets.asyncio.client import ClientConnection

logger = logging.getLogger(__name__)

# Reconnect backoff: 0.5 s doubling to 30 s, "full jitter" (AWS Architecture
# Blog, "Exponential Backoff And Jitter", 2015) so clients cut off together
# do not all come back in the same instant.
BACKOFF_BASE_SECS = 0.5
BACKOFF_MAX_SECS = 30.0
# Close codes after which the server wants the client back at once
# (protocol.CloseCode), and the ceiling of the random wait before
# reconnecting: 4000 (resume: this socket fell behind), 1001 (going away: the
# server restarts, so its clients spread out). Prompt only the first time in
# a row: a server that keeps closing sockets at once gets the backoff. The
# same rules as the pages' (clients/js/src/close.ts).
PROMPT_JITTER_SECS = {4000: 0.25, 1001: 1.0}
# A socket that stayed open this long was healthy: its loss starts the
# backoff afresh (resetting on a mere open would hammer a server that
# accepts and then closes at once).
STABLE_SECS = 10.0
# The server closed the socket because its sign-in ended (signed out,
# password changed, token revoked, user deactivated): the same credentials
# would be refused, so the client stops instead of reconnecting.
SESSION_ENDED_CODE = 4001
# WebSocket-level pings detect a dead peer that TCP alone would not notice.
PING_INTERVAL_SECS = 20.0


def reconnect_delay(code: int | None, attempt: int) -> float:
    """Seconds to wait before reconnecting after close ``code`` (None: the
    handshake failed), the ``attempt``-th reconnect in a row (0-based):
    below ``PROMPT_JITTER_SECS[code]`` for 4000/1001 the first time, else
    uniform in ``[0, min(30 s, 0.5 s * 2**attempt)]`` ("full jitter")."""
    if attempt == 0 and code in PROMPT_JITTER_SECS:
        return random.uniform(0, PROMPT_JITTER_SECS[code])
    return random.uniform(0, min(BACKOFF_MAX_SECS, BACKOFF_BASE_SECS * 2**attempt))


class ParleyClientError(Exception):
    """The server refused a frame: ``code`` as in ``docs/protocol.md``.

    ``retry_after`` is set for ``rate_limited``: the seconds to wait before
    sending the same frame again (a ``send`` keeps its ``client_id``, so the
    retry stores the message once). None for other codes.
    """

    def __init__(self, code: str, message: str, retry_after: float | None = None):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.retry_after = retry_after


class SignInRefused(ParleyClientError):
    """The handshake was refused (HTTP 401/403, code ``handshake_refused``):
    bad credentials or origin; or the server closed the socket because its
    sign-in ended (close 4001, code ``session_ended``)."""


@dataclass(frozen=True, slots=True)
class Message:
    """A stored message, as the ``message`` frame and the history API carry it."""

    id: int
    seq: int
    room: str
    author: str | None
    text: str
    ts: str
    client_id: str | None = None

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
        )


@dataclass(frozen=True, slots=True)
class Ack:
    """The server's receipt for a send: the message is stored as ``seq``."""

    client_id: str
    id: int
    seq: int
    room: str
    ts: str


@dataclass(slots=True)
class _Pending:
    frame: dict[str, Any]
    future: asyncio.Future


class ParleyClient:
    """A connection to one Parley server that survives disconnects.

    Args:
        base_url: the server's HTTP address, e.g. ``http://127.0.0.1:8000``;
            the socket is ``/ws/`` there (``ws://`` or ``wss://``).
        token: an API token (``parley token <username>``), sent as
            ``Authorization: Bearer``.
        cookies: instead of a token, a signed-in browser session's cookies
            (``{"sessionid": ...}``); ``Origin`` is then sent as
            ``base_url``, as a browser would.
        reconnect: reconnect and resume after a dropped socket (default).

    Raises:
        SignInRefused: from ``connect`` when the handshake is refused.
    """

    def __init__(
        self,
        base_url: str,
        *,
        token: str | None = None,
        cookies: dict[str, str] | None = None,
        reconnect: bool = True,
    ):
        self.base_url = base_url.rstrip("/")
        self.ws_url = "ws" + self.base_url.removeprefix("http") + "/ws/"
        self.headers: dict[str, str] = {}
        if token:
            self.headers["Authorization"] = f"Bearer {token}"
        if cookies:
            self.headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
            self.headers["Origin"] = self.base_url
        self.reconnect = reconnect
        self.last_seqs: dict[str, int | None] = {}
        self.connected = asyncio.Event()
        self.connections = 0
        self._pending: dict[str, _Pending] = {}  # sends by client_id
        self._subscribing: dict[str, _Pending] = {}  # subscribes by room
        self._repairing: set[str] = set()  # rooms re-subscribed after a gap
        self._inbox: asyncio.Queue[Message | BaseException] = asyncio.Queue()
        self._socket: ClientConnection | None = None
        self._opened_at = 0.0  # the event loop's time when the socket opened
        self._runner: asyncio.Task | None = None
        self._closing = False
        self._ended: SignInRefused | None = None  # set once, by _give_up
        self._http = httpx.AsyncClient(
            base_url=self.base_url, headers=self._http_headers()
        )

    def _http_headers(self) -> dict[str, str]:
        return {k: v for k, v in self.headers.items() if k != "Origin"}

    async def __aenter__(self) -> "ParleyClient":
        await self.connect()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def connect(self) -> None:
        """Open the socket; later drops are repaired in the background."""
        await self._open()
        self._runner = asyncio.create_task(self._run())

    async def close(self) -> None:
        """Close the socket and stop reconnecting; pending sends fail."""
        self._closing = True
        if self._runner is not None:
            self._runner.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._runner
        if self._socket is not None:
            await self._socket.close()
        for pending in [*self._pending.values(), *self._subscribing.values()]:
            if not pending.future.done():
                pending.future.set_exception(ConnectionError("client closed"))
        await self._http.aclose()

    async def subscribe(self, room: str, after: int | None = None) -> int:
        """Follow ``room`` and wait until the server confirms it.

        Messages with ``seq > after`` (every new one if None) are yielded by
        ``messages()``; the room is followed again after each reconnect.

        Returns:
            The room's newest ``seq`` when subscribed.

        Raises:
            ParleyClientError: ``room_not_found``, ``invalid_room`` ...
            SignInRefused: the sign-in ended (``session_ended``).
        """
        if self._ended is not None:
            raise self._ended
        self.last_seqs[room] = after
        frame = {
            "type": "subscribe",
            "room": room,
            "after": after,
            "ref": uuid.uuid4().hex,
        }
        pending = _Pending(frame, asyncio.get_running_loop().create_future())
        self._subscribing[room] = pending
        await self._send_frame(frame)
        try:
            return await asyncio.shield(pending.future)
        except ParleyClientError:
            self.last_seqs.pop(room, None)
            raise

    async def send(self, room: str, text: str, client_id: str | None = None) -> Ack:
        """Send a message and wait for its ``ack``, across reconnects.

        Args:
            client_id: the idempotency key; a random one by default.

        Raises:
            ParleyClientError: the server refused it (``text_too_long`` ...).
            SignInRefused: the sign-in ended (``session_ended``).
        """
        if self._ended is not None:
            raise self._ended
        client_id = client_id or uuid.uuid4().hex
        frame = {"type": "send", "room": room, "text": text, "client_id": client_id}
        pending = self._pending.get(client_id)
        if pending is None:
            pending = _Pending(frame, asyncio.get_running_loop().create_future())
            self._pending[client_id] = pending
        await self._send_frame(frame)
        return await asyncio.shield(pending.future)

    async def messages(self) -> AsyncIterator[Message]:
        """Every message of the subscribed rooms, once each, in ``seq`` order
        per room. Raises ``SignInRefused`` if a reconnect is refused or the
        sign-in ended (then pending ``send``s and ``subscribe``s raise it
        too)."""
        while True:
            item = await self._inbox.get()
            if isinstance(item, BaseException):
                raise item
            yield item

    async def history(
        self, room: str, *, before: int | None = None, limit: int | None = None
    ) -> tuple[list[Message], int | None]:
        """A page of history over HTTP, newest first, and the next cursor."""
        params = {k: v for k, v in {"before": before, "limit": limit}.items() if v}
        response = await self._http.get(f"/api/rooms/{room}/messages", params=params)
        if response.status_code >= 400:
            body = response.json()
            raise ParleyClientError(
                body.get("code", "http_error"),
                body.get("message", ""),
                body.get("retry_after"),
            )
        page = response.json()
        return [Message.from_frame(m) for m in page["messages"]], page["next_before"]

    async def _send_frame(self, frame: dict[str, Any]) -> None:
        # A frame that cannot go out now goes out on reconnect: subscriptions
        # and pending sends are replayed by _resume.
        if self._socket is not None and self.connected.is_set():
            with contextlib.suppress(websockets.ConnectionClosed):
                await self._socket.send(orjson.dumps(frame).decode())

    async def _open(self) -> None:
        try:
            self._socket = await websockets.connect(
                self.ws_url,
                additional_headers=self.headers,
                ping_interval=PING_INTERVAL_SECS,
                open_timeout=10,
                max_size=2**22,
            )
        except websockets.InvalidStatus as refused:
            status = refused.response.status_code
            if status in (401, 403):
                raise SignInRefused("handshake_refused", f"HTTP {status}") from None
            raise
        self.connections += 1
        self._opened_at = asyncio.get_running_loop().time()
        self.connected.set()
        await self._resume()

    async def _resume(self) -> None:
        self._repairing.clear()
        for room, after in self.last_seqs.items():
            frame = {"type": "subscribe", "room": room, "after": after}
            if (subscribing := self._subscribing.get(room)) is not None:
                frame["ref"] = subscribing.frame["ref"]
            await self._send_frame(frame)
        for pending in list(self._pending.values()):
            await self._send_frame(pending.frame)

    async def _run(self) -> None:
        attempt = 0
        while True:
            code = await self._read()
            self.connected.clear()
            if self._closing:
                return
            if code == SESSION_ENDED_CODE:
                self._give_up(SignInRefused("session_ended", "the sign-in ended"))
                return
            if not self.reconnect:
                return
            if asyncio.get_running_loop().time() - self._opened_at >= STABLE_SECS:
                attempt = 0
            while True:
                delay = reconnect_delay(code, attempt)
                attempt += 1
                await asyncio.sleep(delay)
                try:
                    await self._open()
                    break
                except SignInRefused as refused:
                    self._give_up(refused)
                    return
                except (OSError, websockets.WebSocketException, TimeoutError) as error:
                    logger.info("reconnect failed (%s); retrying", error)
                    code = None  # a failed handshake waits out the backoff

    def _give_up(self, error: SignInRefused) -> None:
        """Stop for good: ``messages()``, every pending call and every later
        ``send`` or ``subscribe`` raise ``error``."""
        self._ended = error
        self._inbox.put_nowait(error)
        for pending in [*self._pending.values(), *self._subscribing.values()]:
            if not pending.future.done():
                pending.future.set_exception(error)

    async def _read(self) -> int | None:
        """Handle frames until the socket closes; return its close code."""
        assert self._socket is not None
        try:
            async for raw in self._socket:
                await self._handle(orjson.loads(raw))
        except websockets.ConnectionClosed:
            pass
        return self._socket.close_code

    async def _handle(self, frame: dict[str, Any]) -> None:
        kind = frame.get("type")
        if kind == "message":
            await self._on_message(frame)
        elif kind == "subscribed":
            await self._on_subscribed(frame)
        elif kind == "ack":
            pending = self._pending.pop(frame["client_id"], None)
            if pending is not None and not pending.future.done():
                pending.future.set_result(
                    Ack(
                        frame["client_id"],
                        frame["id"],
                        frame["seq"],
                        frame["room"],
                        frame["ts"],
                    )
                )
        elif kind == "error":
            ref = frame.get("ref") or ""
            pending = self._pending.pop(ref, None) or self._subscribe_by_ref(ref)
            error = ParleyClientError(
                frame["code"], frame["message"], frame.get("retry_after")
            )
            if pending is not None and not pending.future.done():
                pending.future.set_exception(error)
            else:
                logger.warning("parley error: %s", error)

    def _subscribe_by_ref(self, ref: str) -> _Pending | None:
        for room, pending in list(self._subscribing.items()):
            if pending.frame["ref"] == ref:
                return self._subscribing.pop(room)
        return None

    async def _on_subscribed(self, frame: dict[str, Any]) -> None:
        room, head = frame["room"], frame["last_seq"]
        if room not in self.last_seqs:
            return
        self._repairing.discard(room)
        last = self.last_seqs[room]
        if last is None:
            self.last_seqs[room] = head
        elif frame.get("resync") and head > last:
            # Too much was missed to replay on the socket: page it over HTTP.
            for message in await self._fetch_range(room, after=last, upto=head):
                await self._deliver(message)
        subscribing = self._subscribing.pop(room, None)
        if subscribing is not None and not subscribing.future.done():
            subscribing.future.set_result(head)

    async def _on_message(self, frame: dict[str, Any]) -> None:
        room, seq = frame["room"], frame["seq"]
        last = self.last_seqs.get(room)
        if room not in self.last_seqs or room in self._repairing:
            return  # not followed, or a replay from `last` is on its way
        if last is not None and seq <= last:
            return  # already delivered
        if last is not None and seq > last + 1:
            # A hole: ask for a replay from what we hold; this message and
            # the missing ones come back with it, in order.
            self._repairing.add(room)
            await self._send_frame({"type": "subscribe", "room": room, "after": last})
            return
        await self._deliver(Message.from_frame(frame))

    async def _deliver(self, message: Message) -> None:
        self.last_seqs[message.room] = message.seq
        await self._inbox.put(message)

    async def _fetch_range(self, room: str, *, after: int, upto: int) -> list[Message]:
        found: list[Message] = []
        before = upto + 1
        while before > after + 1:
            page, _ = await self.history(room, before=before, limit=200)
            if not page:
                break
            found.extend(m for m in page if m.seq > after)
            before = page[-1].seq
        return sorted(found, key=lambda m: m.seq)
