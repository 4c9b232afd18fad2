"""An asyncio client for Parley's protocol, with resume built in.

It keeps the protocol's promise on the client side (``docs/protocol.md``):
every message of a subscribed room is yielded once, in ``seq`` order, across
dropped sockets and server restarts; every ``send`` is retried with its
``client_id`` until acknowledged, so it is stored once. Each room's order is
kept by the same state machine as the server's sockets use
(``parley.wire.stream.RoomStream``), and reconnects follow the protocol's
close-code rules (``parley.wire.reconnect``). Tests, benchmarks and
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
from typing import Any, Generic, TypeVar

import httpx
import orjson
import websockets
from websockets.asyncio.client import ClientConnection

from parley.client_http import MessageCalls
from parley.client_shapes import Ack, Message
from parley.wire.frames import CloseCode
from parley.wire.reconnect import STABLE_SECS, reconnect_delay
from parley.wire.stream import RoomStream

logger = logging.getLogger(__name__)

T = TypeVar("T")

# WebSocket-level pings detect a dead peer that TCP alone would not notice.
PING_INTERVAL_SECS = 20.0


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


@dataclass(slots=True)
class _Pending(Generic[T]):
    """A frame awaiting its answer: an ``Ack`` for a send, the room's newest
    ``seq`` for a subscribe."""

    frame: dict[str, Any]
    future: asyncio.Future[T]


class ParleyClient(MessageCalls):
    """A connection to one Parley server that survives disconnects (its HTTP
    calls: ``MessageCalls``, a room's details: ``RoomDetails``).

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

    _error = ParleyClientError

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
        # room -> its stream; None until the server says where it starts.
        self._streams: dict[str, RoomStream[Message] | None] = {}
        self.connected = asyncio.Event()
        self.connections = 0
        self._pending: dict[str, _Pending[Ack]] = {}  # sends by client_id
        self._subscribing: dict[str, _Pending[int]] = {}  # subscribes by room
        # react/unreact frames by ref, answered by their `reaction` frame.
        self._reacting: dict[str, _Pending[dict[str, Any]]] = {}
        self._inbox: asyncio.Queue[Message | BaseException] = asyncio.Queue()
        self._socket: ClientConnection | None = None
        self._runner: asyncio.Task[None] | None = None
        self._closing = False
        self._ended: SignInRefused | None = None  # set once, by _give_up
        self._http = httpx.AsyncClient(
            base_url=self.base_url, headers=self._http_headers()
        )

    @property
    def last_seqs(self) -> dict[str, int | None]:
        """Each followed room's newest ``seq`` delivered (None: not known yet,
        a ``subscribe`` without ``after`` not yet confirmed)."""
        return {
            room: None if stream is None else stream.last_seq
            for room, stream in self._streams.items()
        }

    def _http_headers(self) -> dict[str, str]:
        headers = {k: v for k, v in self.headers.items() if k != "Origin"}
        # A session's unsafe calls need its CSRF token; a token's do not.
        for pair in self.headers.get("Cookie", "").split("; "):
            name, _, value = pair.partition("=")
            if name == "csrftoken":
                headers["X-CSRFToken"] = value
        return headers

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
        self._fail_waiting(ConnectionError("client closed"))
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
        self._streams[room] = None if after is None else RoomStream(after)
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
            self._streams.pop(room, None)
            raise

    async def send(
        self,
        room: str,
        text: str,
        client_id: str | None = None,
        attachments: list[int] | None = None,
        reply_to: int | None = None,
    ) -> Ack:
        """Send a message and wait for its ``ack``, across reconnects.

        Args:
            client_id: the idempotency key; a random one by default.
            attachments: ids of files ``upload`` returned, to send with it
                (``text`` may then be "").
            reply_to: the ``id`` of the message of ``room`` it replies to.

        Raises:
            ParleyClientError: the server refused it (``text_too_long``,
                ``reply_wrong_room`` ...).
            SignInRefused: the sign-in ended (``session_ended``).
        """
        if self._ended is not None:
            raise self._ended
        client_id = client_id or uuid.uuid4().hex
        frame: dict[str, Any] = {
            "type": "send",
            "room": room,
            "text": text,
            "client_id": client_id,
        }
        if attachments:
            frame["attachments"] = attachments
        if reply_to is not None:
            frame["reply_to"] = reply_to
        pending = self._pending.get(client_id)
        if pending is None:
            pending = _Pending(frame, asyncio.get_running_loop().create_future())
            self._pending[client_id] = pending
        await self._send_frame(frame)
        return await asyncio.shield(pending.future)

    async def react(
        self, message_id: int, emoji: str, *, on: bool = True
    ) -> dict[str, Any]:
        """React to a message with ``emoji`` (``on=False``: take it back), and
        wait for the answer, across reconnects (a toggle is idempotent).

        Returns:
            The ``reaction`` frame: ``{id, seq, room, emoji, user, count,
            on, ...}``.

        Raises:
            ParleyClientError: ``invalid_emoji``, ``too_many_reactions``,
                ``not_found`` ...
        """
        if self._ended is not None:
            raise self._ended
        ref = uuid.uuid4().hex
        frame = {
            "type": "react" if on else "unreact",
            "id": message_id,
            "emoji": emoji,
            "ref": ref,
        }
        pending = _Pending(frame, asyncio.get_running_loop().create_future())
        self._reacting[ref] = pending
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
        self.connected.set()
        await self._resume()

    async def _resume(self) -> None:
        # A stream holding since a gap drops what it held when the answer,
        # `subscribed`, comes (_on_subscribed): the replay brings it again.
        for room, stream in self._streams.items():
            after = None if stream is None else stream.last_seq
            frame = {"type": "subscribe", "room": room, "after": after}
            if (subscribing := self._subscribing.get(room)) is not None:
                frame["ref"] = subscribing.frame["ref"]
            await self._send_frame(frame)
        waiting: list[Any] = [*self._pending.values(), *self._reacting.values()]
        for pending in waiting:
            await self._send_frame(pending.frame)

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        attempt = 0
        while True:
            opened_at = loop.time()
            code = await self._read()
            self.connected.clear()
            if self._closing:
                return
            if not self.reconnect and code != CloseCode.SESSION_ENDED:
                return
            if loop.time() - opened_at >= STABLE_SECS:
                attempt = 0
            while True:
                delay = reconnect_delay(code, attempt, random.random)
                if delay is None:
                    self._give_up(SignInRefused("session_ended", "the sign-in ended"))
                    return
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
                    code = None

    def _give_up(self, error: SignInRefused) -> None:
        """Stop for good: ``messages()``, every pending call and every later
        ``send`` or ``subscribe`` raise ``error``."""
        self._ended = error
        self._inbox.put_nowait(error)
        self._fail_waiting(error)

    def _fail_waiting(self, error: Exception) -> None:
        """Raise ``error`` in every ``send`` and ``subscribe`` still waiting."""
        waiting: list[Any] = [
            *self._pending.values(),
            *self._subscribing.values(),
            *self._reacting.values(),
        ]
        for pending in waiting:
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
        pending: Any
        kind = frame.get("type")
        if kind == "reaction" and frame.get("ref") in self._reacting:
            pending = self._reacting.pop(frame["ref"])
            if not pending.future.done():
                pending.future.set_result(frame)
        elif kind == "message":
            await self._on_message(frame)
        elif kind == "subscribed":
            await self._on_subscribed(frame)
        elif kind == "unsubscribed" and frame.get("reason"):
            # Left, or removed by a moderator: not followed again.
            self._streams.pop(frame["room"], None)
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
                        frame.get("html") or "",
                    )
                )
        elif kind == "error":
            ref = frame.get("ref") or ""
            pending = (
                self._pending.pop(ref, None)
                or self._subscribe_by_ref(ref)
                or self._reacting.pop(ref, None)
            )
            error = ParleyClientError(
                frame["code"], frame["message"], frame.get("retry_after")
            )
            if pending is not None and not pending.future.done():
                pending.future.set_exception(error)
            else:
                logger.warning("parley error: %s", error)

    def _subscribe_by_ref(self, ref: str) -> _Pending[int] | None:
        for room, pending in list(self._subscribing.items()):
            if pending.frame["ref"] == ref:
                return self._subscribing.pop(room)
        return None

    async def _on_subscribed(self, frame: dict[str, Any]) -> None:
        room, head = frame["room"], frame["last_seq"]
        if room not in self._streams:
            return
        stream = self._streams[room]
        if stream is None:
            self._streams[room] = RoomStream(head)
        else:
            # A (re)subscribe with `after`: the server replays what came
            # later, so the items held since a gap are not needed. What is
            # older than `first_seq` was purged (retention): not a gap.
            stream.discard_held(lambda _message: True)
            stream.replayed(frame.get("first_seq", 1) - 1)
            if frame.get("resync") and head > stream.last_seq:
                # Too much was missed to replay on the socket: page it over
                # HTTP.
                after = stream.last_seq
                for message in await self._fetch_range(room, after=after, upto=head):
                    await self._deliver(stream.receive(message.seq, message).forward)
        subscribing = self._subscribing.pop(room, None)
        if subscribing is not None and not subscribing.future.done():
            subscribing.future.set_result(head)

    async def _on_message(self, frame: dict[str, Any]) -> None:
        stream = self._streams.get(frame["room"])
        if stream is None:
            return  # not followed, or not yet confirmed
        step = stream.receive(frame["seq"], Message.from_frame(frame))
        await self._deliver(step.forward)
        if step.repair is not None:
            # A hole: ask for a replay from what we hold; the missing
            # messages and the held ones come back with it, in order.
            await self._send_frame(
                {"type": "subscribe", "room": frame["room"], "after": step.repair.after}
            )

    async def _deliver(self, messages: list[Message]) -> None:
        for message in messages:
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
