"""Hypothesis against a live consumer: sequences of valid-ish and hostile
frames on one signed-in socket of a real server, with a peer in the room.

Each frame gets its answer, checked against what the protocol promises:
a frame the parser refuses gets exactly one ``error`` with the code that
``parse_frame`` gives it here; any other gets its reply (``subscribed``,
``ack`` ...) or exactly one ``error`` whose code is documented for that
frame, never ``internal_error``. After each frame a ``ping`` with a ref of
its own must come back: the socket stays open and in order. Afterwards the
server's log holds no failure, and a normal send still reaches the peer.
"""

import asyncio
import itertools
from dataclasses import dataclass, field
from typing import Any

import httpx
import orjson
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from websockets.asyncio.client import ClientConnection
from websockets.exceptions import ConnectionClosed

from parley.conf import DEFAULTS
from parley.wire import frames
from parley.wire.errors import ErrorCode
from parley.wire.frames import ClientFrameType, ServerFrameType
from tests.support.hostile import FUZZ_LIMITS, assert_no_failures, encoded
from tests.support.servers import ParleyServer, User, recv_type, subscribe, unique

# Sequences tried, and frames in each; the counts go to docs/security.md.
MAX_EXAMPLES = 400
MAX_FRAMES_PER_EXAMPLE = 12
# A bound on waiting for one answer, in seconds; reached only on failure.
ANSWER_TIMEOUT_SECS = 10
# Rate limits may refuse any frame; that is a documented answer too.
RATE_LIMITED = "rate_limited"

# The reply to each frame the parser accepts, and the error codes
# docs/protocol.md gives it. `typing` and `read` get no direct reply: the
# `typing` and `read` frames they cause come through the channel layer.
REPLIES: dict[ClientFrameType, str | None] = {
    ClientFrameType.SUBSCRIBE: ServerFrameType.SUBSCRIBED,
    ClientFrameType.UNSUBSCRIBE: ServerFrameType.UNSUBSCRIBED,
    ClientFrameType.SEND: ServerFrameType.ACK,
    ClientFrameType.EDIT: ServerFrameType.EDITED,
    ClientFrameType.DELETE: ServerFrameType.DELETED,
    ClientFrameType.TYPING: None,
    ClientFrameType.READ: None,
    ClientFrameType.PING: ServerFrameType.PONG,
    ClientFrameType.TOPIC: ServerFrameType.TOPIC,
    # `pin` and `unpin` parse to one frame (frames.Pin), answered by `pin`.
    ClientFrameType.PIN: ServerFrameType.PIN,
    ClientFrameType.REACT: ServerFrameType.REACTION,
}
TEXT_ERRORS = {ErrorCode.INVALID_TEXT, ErrorCode.TEXT_TOO_LONG}
ERRORS: dict[ClientFrameType, set[str]] = {
    ClientFrameType.SUBSCRIBE: {
        ErrorCode.INVALID_ROOM,
        ErrorCode.ROOM_NOT_FOUND,
        ErrorCode.NAME_CONFUSABLE,
    },
    ClientFrameType.UNSUBSCRIBE: set(),
    ClientFrameType.SEND: {
        ErrorCode.INVALID_ROOM,
        ErrorCode.ROOM_NOT_FOUND,
        ErrorCode.CLIENT_ID_REUSED,
        ErrorCode.CLIENT_ID_CONFLICT,
        ErrorCode.ATTACHMENT_NOT_FOUND,
        ErrorCode.ATTACHMENT_USED,
        ErrorCode.TOO_MANY_ATTACHMENTS,
        # reply_to: a missing, unreadable, deleted or elsewhere message.
        ErrorCode.NOT_FOUND,
        ErrorCode.REPLY_WRONG_ROOM,
        ErrorCode.MESSAGE_DELETED,
        *TEXT_ERRORS,
    },
    ClientFrameType.EDIT: {
        ErrorCode.NOT_FOUND,
        ErrorCode.FORBIDDEN,
        ErrorCode.MESSAGE_DELETED,
        *TEXT_ERRORS,
    },
    ClientFrameType.DELETE: {ErrorCode.NOT_FOUND, ErrorCode.FORBIDDEN},
    ClientFrameType.TYPING: {ErrorCode.NOT_SUBSCRIBED},
    ClientFrameType.READ: {ErrorCode.NOT_SUBSCRIBED},
    ClientFrameType.PING: set(),
    ClientFrameType.TOPIC: {
        ErrorCode.INVALID_ROOM,
        ErrorCode.ROOM_NOT_FOUND,
        ErrorCode.FORBIDDEN,
        *TEXT_ERRORS,
    },
    ClientFrameType.PIN: {
        ErrorCode.NOT_FOUND,
        ErrorCode.FORBIDDEN,
        ErrorCode.MESSAGE_DELETED,
        ErrorCode.TOO_MANY_PINS,
    },
    ClientFrameType.REACT: {
        ErrorCode.NOT_FOUND,
        ErrorCode.MESSAGE_DELETED,
        ErrorCode.INVALID_EMOJI,
        ErrorCode.TOO_MANY_REACTIONS,
    },
}
SERVER_TYPES = {t.value for t in ServerFrameType}

# Valid-ish frames: the right shape, with values from pools of the awkward
# and the ordinary. `$`-names stand for the live rooms and messages (Live).
ROOMS = ["$room", "$secret", "$missing", "Not A Slug", "лобби", "-", "a" * 65]
MESSAGE_IDS = ["$mine", "$theirs", "$secret_message", 1, 2**62, 0, -1, "7", True]
TEXTS = ["hi", "@$peer look", " ", "\x00", "x" * 4001, "я" * 4000, "<b>x</b>"]
SEQS = [None, 0, 1, 10**6, 2**63, -1, 1.5]
EMOJI = ["👍", "🎉", "👨‍👩‍👧", "👍🏽", "a", "👍👍", "", " ", "x" * 33, ":+1:"]
rooms = st.sampled_from(ROOMS)
seqs = st.sampled_from(SEQS)
message_ids = st.sampled_from(MESSAGE_IDS)
texts = st.sampled_from(TEXTS)
# A few keys, so that repeats and reuse in another room happen.
client_ids = st.sampled_from(["k1", "k2", "k3", ""]) | st.text(max_size=70)


def shaped(frame_type: ClientFrameType, **fields) -> st.SearchStrategy[dict]:
    """Frames of one type with its fields (``optional``: maybe absent)."""
    optional = fields.pop("optional", {})
    return st.fixed_dictionaries(
        {"type": st.just(frame_type.value), **fields},
        optional={"ref": st.just("$ref"), **optional},
    )


valid_ish = st.one_of(
    shaped(ClientFrameType.SUBSCRIBE, room=rooms, optional={"after": seqs}),
    shaped(ClientFrameType.UNSUBSCRIBE, room=rooms),
    shaped(
        ClientFrameType.SEND,
        room=rooms,
        text=texts,
        client_id=client_ids,
        optional={"reply_to": message_ids},
    ),
    shaped(ClientFrameType.REACT, id=message_ids, emoji=st.sampled_from(EMOJI)),
    shaped(ClientFrameType.UNREACT, id=message_ids, emoji=st.sampled_from(EMOJI)),
    shaped(ClientFrameType.EDIT, id=message_ids, text=texts),
    shaped(ClientFrameType.DELETE, id=message_ids),
    shaped(ClientFrameType.TYPING, room=rooms),
    shaped(ClientFrameType.READ, room=rooms, seq=seqs),
    shaped(ClientFrameType.PING),
    shaped(ClientFrameType.TOPIC, room=rooms, topic=texts),
    shaped(ClientFrameType.PIN, id=message_ids),
    shaped(ClientFrameType.UNPIN, id=message_ids),
)
# A frame to send: a valid-ish one, or anything a hostile client may send
# (text or binary, see tests/support/hostile.py).
fuzzed_frames = valid_ish | encoded()


@dataclass
class Live:
    """The server, the fuzzed socket (alice's) and the peer's (bob's), all on
    one event loop that the test drives example by example.

    Attributes:
        names: what each ``$``-name in ``ROOMS``, ``MESSAGE_IDS`` and
            ``TEXTS`` stands for.
        peer_frames: every frame the peer's socket received; ``arrived``
            is set on each.
        sent: frames sent by the fuzzer (not counting the ``ping`` after
            each).
    """

    loop: asyncio.AbstractEventLoop
    server: ParleyServer
    alice: User
    bob: User
    names: dict[str, Any]
    ws: ClientConnection | None = None
    peer: ClientConnection | None = None
    peer_frames: list[dict] = field(default_factory=list)
    arrived: asyncio.Event = field(default_factory=asyncio.Event)
    sent: int = 0
    pings: itertools.count = field(default_factory=itertools.count)

    def run(self, coroutine):
        return self.loop.run_until_complete(coroutine)

    def resolve(self, frame: dict) -> dict:
        """``frame`` with its ``$``-names replaced by live values, and a
        ``ref`` of its own if it has a ``ref``."""
        resolved = {}
        for key, value in frame.items():
            if key == "ref":
                value = f"ref-{next(self.pings)}"
            elif isinstance(value, str | int) and value in self.names:
                value = self.names[value]
            elif key == "text":
                value = value.replace("$peer", self.bob.username)
            resolved[key] = value
        return resolved


def api(user: User, method: str, path: str, **kwargs) -> httpx.Response:
    with user.http() as http:
        response = http.request(method, path, **kwargs)
    assert response.status_code < 300, response.text
    return response


async def drain(live: Live) -> None:
    """Read the peer's socket for as long as the test runs."""
    async for text in live.peer:
        live.peer_frames.append(orjson.loads(text))
        live.arrived.set()


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory):
    server = ParleyServer(tmp_path_factory.mktemp("fuzz")).start()
    loop = asyncio.new_event_loop()
    try:
        alice, bob = (
            User.sign_up(server, unique("alice")),
            User.sign_up(server, unique("bob")),
        )
        room = api(bob, "POST", "/api/rooms", json={"title": unique("Fuzz")})
        secret = api(
            bob, "POST", "/api/rooms", json={"title": unique("Den"), "kind": "private"}
        )
        room, secret = room.json()["slug"], secret.json()["slug"]

        def post(user: User, slug: str) -> int:
            path = f"/api/rooms/{slug}/messages"
            return api(user, "POST", path, json={"text": "x"}).json()["id"]

        names = {
            "$room": room,
            "$secret": secret,
            "$missing": unique("nowhere"),
            "$mine": post(alice, room),
            "$theirs": post(bob, room),
            "$secret_message": post(bob, secret),
        }
        live = Live(loop, server, alice, bob, names)
        live.ws = live.run(alice.connect())
        live.peer = live.run(bob.connect())
        live.run(subscribe(live.peer, room))
        drainer = loop.create_task(drain(live))
        yield live
        live.run(live.ws.close())
        live.run(live.peer.close())
        live.run(asyncio.wait_for(drainer, ANSWER_TIMEOUT_SECS))
        print(f"\nlive fuzzing: {live.sent} frames in {MAX_EXAMPLES} sequences")
    finally:
        loop.close()
        server.stop()
    assert_no_failures(server)


def wire_form(raw: str | bytes) -> str | bytes:
    """What a WebSocket client can send of ``raw``: text that UTF-8 cannot
    encode (lone surrogates) goes as a binary frame of its bytes."""
    if isinstance(raw, str):
        try:
            raw.encode("utf-8")
        except UnicodeEncodeError:
            return raw.encode("utf-8", "surrogatepass")
    return raw


async def exchange(live: Live, raw: str | bytes) -> list[dict] | None:
    """Send ``raw`` (bytes as a binary frame), then a ``ping`` with a ref of
    its own; the frames that came back before its ``pong``. ``None`` for a
    frame over ``PARLEY_WS_MAX_FRAME_BYTES`` or a binary frame: the server
    closed the socket with 1009 or 1003, as documented, and the fuzzer
    signed in again."""
    size = len(raw) if isinstance(raw, bytes) else len(raw.encode("utf-8"))
    too_big = size > DEFAULTS["WS_MAX_FRAME_BYTES"]
    if too_big or isinstance(raw, bytes):
        await live.ws.send(raw)
        with pytest.raises(ConnectionClosed) as closed:
            async with asyncio.timeout(ANSWER_TIMEOUT_SECS):
                while True:
                    # A room's broadcast of an earlier send may still be on
                    # its way (it comes through the channel layer, after
                    # that exchange's pong): read on to the close.
                    await live.ws.recv()
        assert closed.value.rcvd.code == (1009 if too_big else 1003)
        live.ws = await live.alice.connect()
        return None
    sentinel = f"sentinel-{next(live.pings)}"
    await live.ws.send(raw)
    await live.ws.send(orjson.dumps({"type": "ping", "ref": sentinel}).decode())
    received = []
    async with asyncio.timeout(ANSWER_TIMEOUT_SECS):
        while True:
            frame = orjson.loads(await live.ws.recv())
            assert isinstance(frame, dict) and frame.get("type") in SERVER_TYPES
            if frame == {"type": "pong", "ref": sentinel}:
                return received
            received.append(frame)


def check_answer(raw: str | bytes, received: list[dict]) -> None:
    """The frames received after ``raw`` answer it as the protocol says."""
    errors = [f for f in received if f["type"] == ServerFrameType.ERROR]
    if [e["code"] for e in errors] == [RATE_LIMITED]:
        return
    try:
        frame = frames.parse_frame(raw, FUZZ_LIMITS)
    except frames.ProtocolError as refused:
        assert [e["code"] for e in errors] == [refused.code], received
        event(f"refused by the parser: {refused.code}")
        return
    event(f"{frame.TYPE}: {errors[0]['code'] if errors else 'answered'}")
    expected = REPLIES[frame.TYPE]
    # A direct reply echoes the frame's ref (an ack omits one equal to its
    # client_id); broadcasts of the same type (edited, deleted) carry none.
    ref = frame.ref
    if isinstance(frame, frames.Send) and frame.ref == frame.client_id:
        ref = None
    replies = [f for f in received if f["type"] == expected and f.get("ref") == ref]
    if errors:
        assert len(errors) == 1, received
        assert errors[0]["code"] in ERRORS[frame.TYPE], (frame, errors)
        assert errors[0].get("ref") == frame.ref, (frame, errors)
        if ref is not None:
            assert replies == [], received
    elif expected is not None:
        assert replies if ref is None else len(replies) == 1, (frame, received)


@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(st.lists(fuzzed_frames, min_size=1, max_size=MAX_FRAMES_PER_EXAMPLE))
def test_every_frame_gets_a_documented_answer(live: Live, sequence):
    for frame in sequence:
        if isinstance(frame, dict):
            raw: str | bytes = orjson.dumps(live.resolve(frame)).decode()
        else:
            raw = wire_form(frame)
        received = live.run(exchange(live, raw))
        live.sent += 1
        if received is not None:
            check_answer(raw, received)


def test_after_the_fuzzing_a_send_is_acknowledged_and_reaches_the_peer(live: Live):
    """Runs after the fuzzing in this module's order (and passes alone)."""

    async def send_and_hear() -> dict:
        await subscribe(live.ws, live.names["$room"])
        await live.ws.send(
            orjson.dumps(
                {
                    "type": "send",
                    "room": live.names["$room"],
                    "text": "still here",
                    "client_id": unique("after"),
                }
            ).decode()
        )
        ack = await recv_type(live.ws, "ack")
        async with asyncio.timeout(ANSWER_TIMEOUT_SECS):
            while not any(
                f.get("type") == "message" and f.get("id") == ack["id"]
                for f in live.peer_frames
            ):
                live.arrived.clear()
                await live.arrived.wait()
        return ack

    ack = live.run(send_and_hear())
    assert ack["room"] == live.names["$room"]
    assert all(f.get("type") in SERVER_TYPES for f in live.peer_frames)
    assert not [f for f in live.peer_frames if f["type"] == ServerFrameType.ERROR]
