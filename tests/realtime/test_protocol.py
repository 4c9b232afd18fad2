"""The protocol core, tested with plain values (no socket)."""

import json

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from parley.errors import ErrorCode
from parley.realtime import protocol
from parley.realtime.protocol import (
    Delete,
    Edit,
    Limits,
    Ping,
    ProtocolError,
    Read,
    Send,
    Subscribe,
    Typing,
    Unsubscribe,
)

LIMITS = Limits(max_frame_bytes=1024, max_room_chars=64, max_client_id_chars=64)


def parse(frame) -> protocol.ClientFrame:
    return protocol.parse_frame(orjson.dumps(frame), LIMITS)


def code_of(raw) -> ErrorCode:
    with pytest.raises(ProtocolError) as error:
        protocol.parse_frame(raw, LIMITS)
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
    assert parse({"type": "edit", "id": 5, "text": "fixed"}) == Edit(5, "fixed")
    assert parse({"type": "delete", "id": 5, "ref": "d"}) == Delete(5, "d")
    assert parse({"type": "typing", "room": "a"}) == Typing("a")
    assert parse({"type": "read", "room": "a", "seq": 0}) == Read("a", 0)


def test_a_send_error_refers_to_its_client_id():
    raw = orjson.dumps({"type": "send", "room": "a", "text": 1, "client_id": "c9"})
    with pytest.raises(ProtocolError) as error:
        protocol.parse_frame(raw, LIMITS)
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
    assert protocol.parse_frame(exact, limits) == Ping(ref="x" * padding)
    with pytest.raises(ProtocolError) as error:
        protocol.parse_frame(exact + b" ", limits)
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
    text = protocol.encode_frame(protocol.ServerFrameType.PONG, ref=None)
    assert text == '{"type":"pong"}'
    assert "лобби" in protocol.encode_frame(
        protocol.ServerFrameType.SUBSCRIBED, room="лобби"
    )


def test_tutorial_frames():
    assert protocol.parse_tutorial_frame('{"message": "hi"}', LIMITS) == "hi"
    for raw, code in [("x", "invalid_json"), ('{"message": 1}', "invalid_frame")]:
        with pytest.raises(ProtocolError) as error:
            protocol.parse_tutorial_frame(raw, LIMITS)
        assert error.value.code == code


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: st.lists(children) | st.dictionaries(st.text(), children),
    max_leaves=10,
)
frame_like = st.fixed_dictionaries(
    {"type": st.sampled_from(["subscribe", "unsubscribe", "send", "ping", "x"])},
    optional={
        "room": json_values,
        "text": json_values,
        "client_id": json_values,
        "after": json_values,
        "ref": json_values,
    },
)


@given(st.binary(max_size=300) | st.text(max_size=300).map(str.encode))
def test_arbitrary_bytes_parse_or_raise_protocol_error(raw):
    try:
        protocol.parse_frame(raw, LIMITS)
    except ProtocolError as error:
        assert error.code in set(ErrorCode)


@given(frame_like)
def test_arbitrary_frames_parse_or_raise_protocol_error(frame):
    try:
        parsed = protocol.parse_frame(json.dumps(frame), LIMITS)
    except ProtocolError as error:
        assert error.code in {
            ErrorCode.INVALID_FRAME,
            ErrorCode.UNKNOWN_TYPE,
            ErrorCode.FRAME_TOO_LARGE,
        }
    else:
        assert type(parsed).__name__.lower() == frame["type"]
