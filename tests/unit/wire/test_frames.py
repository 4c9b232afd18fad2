"""The protocol core, tested with plain values (no socket)."""

import orjson
import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from parley.wire import frames
from parley.wire.errors import ErrorCode
from parley.wire.frames import (
    Delete,
    Edit,
    Limits,
    Pin,
    Ping,
    ProtocolError,
    React,
    Read,
    Send,
    Subscribe,
    Topic,
    Typing,
    Unsubscribe,
)
from tests.support.hostile import (
    FUZZ_LIMITS,
    PARSER_CODES,
    encoded,
    fields_of,
    hostile_values,
    valid_frames,
)

LIMITS = Limits(max_frame_bytes=1024, max_room_chars=64, max_client_id_chars=64)


def parse(frame) -> frames.ClientFrame:
    return frames.parse_frame(orjson.dumps(frame), LIMITS)


def code_of(raw) -> ErrorCode:
    with pytest.raises(ProtocolError) as error:
        frames.parse_frame(raw, LIMITS)
    return error.value.code


def test_each_client_frame_parses():
    assert parse({"type": "subscribe", "room": "a"}) == Subscribe(room="a")
    assert parse({"type": "subscribe", "room": "a", "after": 7}) == Subscribe("a", 7)
    assert parse({"type": "unsubscribe", "room": "a", "ref": "r"}) == Unsubscribe(
        "a", "r"
    )
    assert parse({"type": "ping"}) == Ping()
    assert parse({"type": "send", "room": "a", "text": "hi", "client_id": "c"}) == Send(
        "a", "hi", "c", ref="c"
    )
    with_files = {"type": "send", "room": "a", "client_id": "c", "attachments": [3, 4]}
    assert parse(with_files) == Send("a", "", "c", ref="c", attachments=(3, 4))
    assert parse({**with_files, "text": "hi"}).text == "hi"
    assert parse({"type": "edit", "id": 5, "text": "fixed"}) == Edit(5, "fixed")
    assert parse({"type": "delete", "id": 5, "ref": "d"}) == Delete(5, "d")
    assert parse({"type": "typing", "room": "a"}) == Typing("a")
    assert parse({"type": "read", "room": "a", "seq": 0}) == Read("a", 0)
    assert parse({"type": "topic", "room": "a", "topic": ""}) == Topic("a", "")
    assert parse({"type": "pin", "id": 5}) == Pin(5, on=True)
    assert parse({"type": "unpin", "id": 5, "ref": "u"}) == Pin(5, on=False, ref="u")
    assert code_of(b'{"type": "topic", "room": "a", "topic": 1}') == (
        ErrorCode.INVALID_FRAME
    )


def test_replies_and_reactions_parse():
    send = {"type": "send", "room": "a", "text": "hi", "client_id": "c"}
    assert parse({**send, "reply_to": 9}).reply_to == 9
    assert parse({**send, "reply_to": None}).reply_to is None
    for bad in (0, "9", True, 2**63):
        assert code_of(orjson.dumps({**send, "reply_to": bad})) == "invalid_frame"
    assert parse({"type": "react", "id": 5, "emoji": "👍"}) == React(5, "👍")
    assert parse({"type": "unreact", "id": 5, "emoji": "👍", "ref": "r"}) == React(
        5, "👍", on=False, ref="r"
    )
    too_long = {"type": "react", "id": 5, "emoji": "x" * (frames.MAX_EMOJI_CHARS + 1)}
    assert code_of(orjson.dumps(too_long)) == "invalid_frame"
    assert code_of(orjson.dumps({"type": "react", "id": 5})) == "invalid_frame"


def test_a_send_error_refers_to_its_client_id():
    raw = orjson.dumps({"type": "send", "room": "a", "text": 1, "client_id": "c9"})
    with pytest.raises(ProtocolError) as error:
        frames.parse_frame(raw, LIMITS)
    assert (error.value.code, error.value.ref) == (ErrorCode.INVALID_FRAME, "c9")


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        (b"nope", ErrorCode.INVALID_JSON),
        (b"\xff\xfe", ErrorCode.INVALID_JSON),
        (b'"a string"', ErrorCode.INVALID_JSON),
        (b"null", ErrorCode.INVALID_JSON),
        (b"{}", ErrorCode.UNKNOWN_TYPE),
        (b'{"type": ["send"]}', ErrorCode.UNKNOWN_TYPE),
        (b'{"type": "subscribe", "room": ""}', ErrorCode.INVALID_FRAME),
        (b'{"type": "subscribe", "room": "a", "after": true}', ErrorCode.INVALID_FRAME),
        (b'{"type": "subscribe", "room": "a", "after": 1.5}', ErrorCode.INVALID_FRAME),
        (b'{"type": "ping", "ref": 3}', ErrorCode.INVALID_FRAME),
        (b'{"type": "edit", "id": 0, "text": "x"}', ErrorCode.INVALID_FRAME),
        (b'{"type": "edit", "id": "5", "text": "x"}', ErrorCode.INVALID_FRAME),
        (b'{"type": "edit", "id": 5}', ErrorCode.INVALID_FRAME),
        (b'{"type": "delete", "id": true}', ErrorCode.INVALID_FRAME),
        (b'{"type": "typing"}', ErrorCode.INVALID_FRAME),
        (b'{"type": "read", "room": "a"}', ErrorCode.INVALID_FRAME),
        (b'{"type": "read", "room": "a", "seq": -1}', ErrorCode.INVALID_FRAME),
        # Files: a list of ids; with none, the text is required.
        (
            b'{"type": "send", "room": "a", "client_id": "c", "attachments": []}',
            ErrorCode.INVALID_FRAME,
        ),
        (
            b'{"type": "send", "room": "a", "client_id": "c", "attachments": 5}',
            ErrorCode.INVALID_FRAME,
        ),
        (
            b'{"type": "send", "room": "a", "client_id": "c", "attachments": [true]}',
            ErrorCode.INVALID_FRAME,
        ),
        (
            b'{"type": "send", "room": "a", "client_id": "c", "attachments": [0]}',
            ErrorCode.INVALID_FRAME,
        ),
        (
            b'{"type": "send", "room": "a", "text": 1, "client_id": "c", '
            b'"attachments": [1]}',
            ErrorCode.INVALID_FRAME,
        ),
        # Stored: PostgreSQL text cannot hold NUL (it was an internal_error).
        (
            b'{"type": "send", "room": "a", "text": "t", "client_id": "a\\u0000"}',
            ErrorCode.INVALID_FRAME,
        ),
        (
            b'{"type": "subscribe", "room": "a", "after": 9223372036854775808}',
            ErrorCode.INVALID_FRAME,
        ),
    ],
)
def test_bad_frames_get_stable_codes(raw, code):
    assert code_of(raw) == code


def test_frame_size_limit_is_inclusive():
    limits = Limits(max_frame_bytes=1024, max_room_chars=64, max_client_id_chars=2000)
    padding = limits.max_frame_bytes - len(b'{"type":"ping","ref":""}')
    exact = orjson.dumps({"type": "ping", "ref": "x" * padding})
    assert len(exact) == limits.max_frame_bytes
    assert frames.parse_frame(exact, limits) == Ping(ref="x" * padding)
    with pytest.raises(ProtocolError) as error:
        frames.parse_frame(exact + b" ", limits)
    assert error.value.code == ErrorCode.FRAME_TOO_LARGE


def test_frame_size_counts_utf8_bytes_not_characters():
    text = "я" * 600  # 600 characters, 1,200 bytes
    raw = orjson.dumps(
        {"type": "send", "room": "a", "text": text, "client_id": "c"}
    ).decode()
    assert code_of(raw) == ErrorCode.FRAME_TOO_LARGE


@pytest.mark.parametrize("field", ["client_id", "room"])
def test_identifier_length_limits_are_inclusive(field):
    frame = {"type": "send", "room": "a", "text": "t", "client_id": "c"}
    assert parse(frame | {field: "x" * 64})
    with pytest.raises(ProtocolError) as error:
        parse(frame | {field: "x" * 65})
    assert error.value.code == ErrorCode.INVALID_FRAME


def test_encode_frame_leaves_out_none_and_keeps_unicode():
    text = frames.encode_frame(frames.ServerFrameType.PONG, ref=None)
    assert text == '{"type":"pong"}'
    assert "лобби" in frames.encode_frame(
        frames.ServerFrameType.SUBSCRIBED, room="лобби"
    )


def test_tutorial_frames():
    assert frames.parse_tutorial_frame('{"message": "hi"}', LIMITS) == "hi"
    for raw, code in [("x", "invalid_json"), ('{"message": 1}', "invalid_frame")]:
        with pytest.raises(ProtocolError) as error:
            frames.parse_tutorial_frame(raw, LIMITS)
        assert error.value.code == code


# Hypothesis: whatever arrives, parse_frame returns a well-formed frame or
# raises ProtocolError with one of its documented codes, never anything else.

# Frames fuzzed per test below; the counts go to docs/security.md.
HOSTILE_EXAMPLES = 1500
BYTES_EXAMPLES = 500
VALID_EXAMPLES = 300


def assert_well_formed(frame: frames.ClientFrame) -> None:
    """Every field of a parsed frame has the type and bounds the protocol
    promises the consumer."""
    assert isinstance(frame, frames.ClientFrame)

    def text(value, limit=None):
        assert isinstance(value, str) and value
        assert limit is None or len(value) <= limit

    def whole(value, low):
        assert type(value) is int and low <= value <= frames.MAX_SEQ

    assert frame.ref is None or (
        isinstance(frame.ref, str) and len(frame.ref) <= FUZZ_LIMITS.max_client_id_chars
    )
    if hasattr(frame, "room"):
        text(frame.room, FUZZ_LIMITS.max_room_chars)
    if isinstance(frame, Send) and frame.attachments:
        # A send with files may have no text.
        assert isinstance(frame.text, str)
        for file_id in frame.attachments:
            whole(file_id, 1)
    elif hasattr(frame, "text"):
        text(frame.text)
    if isinstance(frame, Send):
        text(frame.client_id, FUZZ_LIMITS.max_client_id_chars)
        assert "\x00" not in frame.client_id
    if isinstance(frame, Edit | Delete):
        whole(frame.id, 1)
    if isinstance(frame, Read):
        whole(frame.seq, 0)
    if isinstance(frame, Pin):
        whole(frame.id, 1)
        assert isinstance(frame.on, bool)
    if isinstance(frame, Topic):
        assert isinstance(frame.topic, str)
    if isinstance(frame, Subscribe) and frame.after is not None:
        whole(frame.after, 0)


def parses_or_refuses(raw: str | bytes) -> None:
    try:
        frame = frames.parse_frame(raw, FUZZ_LIMITS)
    except ProtocolError as error:
        assert error.code in PARSER_CODES, error.code
        assert error.ref is None or len(error.ref) <= FUZZ_LIMITS.max_client_id_chars
        sent = orjson.loads(frames.error_frame(error))  # it can be sent
        assert sent["type"] == "error" and sent["code"] == error.code
        event(error.code)
    else:
        assert_well_formed(frame)
        event(type(frame).__name__)


@settings(max_examples=HOSTILE_EXAMPLES, deadline=None)
@given(encoded())
def test_hostile_frames_parse_or_get_a_known_error(raw):
    parses_or_refuses(raw)


@settings(max_examples=BYTES_EXAMPLES, deadline=None)
@given(st.binary(max_size=300) | st.text(max_size=300).map(str.encode))
def test_arbitrary_bytes_parse_or_raise_protocol_error(raw):
    parses_or_refuses(raw)


@settings(max_examples=BYTES_EXAMPLES, deadline=None)
@given(encoded(st.fixed_dictionaries({}, optional={"message": hostile_values})))
def test_hostile_tutorial_frames_give_text_or_a_known_error(raw):
    try:
        text = frames.parse_tutorial_frame(raw, FUZZ_LIMITS)
    except ProtocolError as error:
        assert error.code in PARSER_CODES - {ErrorCode.UNKNOWN_TYPE}
    else:
        assert isinstance(text, str) and text


@settings(max_examples=VALID_EXAMPLES, deadline=None)
@given(valid_frames)
def test_every_valid_frame_parses_to_itself(frame):
    assert frames.parse_frame(orjson.dumps(fields_of(frame)), FUZZ_LIMITS) == frame
