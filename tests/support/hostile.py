"""What the hostile-input tests share: Hypothesis strategies for client
frames, and reading a live server's log for failures.

``tests/unit/wire/test_frames.py`` throws the frames at the parser,
``tests/contract/test_fuzz_socket.py`` at a live consumer; it,
``tests/contract/test_authz_matrix.py`` and
``tests/contract/test_schemathesis.py`` assert that nothing they sent made
the server log a failure.
"""

import json
import re

from hypothesis import strategies as st

from parley.conf import DEFAULTS
from parley.wire import frames
from parley.wire.errors import ErrorCode
from parley.wire.frames import (
    Delete,
    Edit,
    Limits,
    Pin,
    Ping,
    React,
    Read,
    Send,
    Subscribe,
    Topic,
    Typing,
    Unsubscribe,
)
from tests.support.servers import ParleyServer

# A traceback, a record at level ERROR (Django's "plain" format and
# Uvicorn's "ERROR:" prefix), or a 500 in Uvicorn's access log.
FAILURE_RE = re.compile(r"Traceback|\bERROR\b|\" 500 ")


def assert_no_failures(server: ParleyServer) -> None:
    """Fail, showing the first failure in ``server``'s log (stdout and
    stderr) and what follows it; pass for a clean log."""
    lines = server.log.read_text(errors="replace").splitlines()
    found = [index for index, line in enumerate(lines) if FAILURE_RE.search(line)]
    assert not found, "\n".join(lines[found[0] : found[0] + 80])


# The codes of the ProtocolError that parse_frame raises.
PARSER_CODES = {
    ErrorCode.FRAME_TOO_LARGE,
    ErrorCode.INVALID_JSON,
    ErrorCode.UNKNOWN_TYPE,
    ErrorCode.INVALID_FRAME,
}
# The server's default limits: frames nested a thousand deep fit in them.
FUZZ_LIMITS = Limits(
    max_frame_bytes=DEFAULTS["MAX_FRAME_BYTES"],
    max_room_chars=DEFAULTS["SLUG_MAX_CHARS"],
    max_client_id_chars=DEFAULTS["CLIENT_ID_MAX_CHARS"],
)

# Text with any code point, lone surrogates included (valid Python strings
# that no UTF-8 or JSON text can carry).
surrogates = st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF)
any_text = st.text(st.characters() | surrogates, max_size=80)
hostile_scalars = (
    st.none()
    | st.booleans()
    | st.integers()  # unbounded: past 64 bits, orjson reads a float
    | st.sampled_from([0, -1, frames.MAX_SEQ + 1, 2**64, -(2**63) - 1])
    | st.floats()  # NaN and infinities too: JSON has neither
    | any_text
    | st.sampled_from(
        [FUZZ_LIMITS.max_room_chars + 1, FUZZ_LIMITS.max_frame_bytes]
    ).map(lambda n: "x" * n)
    | st.sampled_from(["", " ", "\x00", "a\x00", "Лобби", "lobby", "-", "dm-1-2"])
)
hostile_values = st.recursive(
    hostile_scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(any_text, children, max_size=4)
    ),
    max_leaves=8,
)
FIELD_NAMES = [
    "room",
    "after",
    "text",
    "client_id",
    "id",
    "seq",
    "ref",
    "message",
    "topic",
    "attachments",
    "reply_to",
    "emoji",
]
frame_types = st.sampled_from([t.value for t in frames.ClientFrameType])
hostile_frames = st.fixed_dictionaries(
    {"type": frame_types | hostile_values},
    optional={name: hostile_values for name in FIELD_NAMES},
)


slugs = st.text(
    st.characters(categories=["Ll", "Nd"]),
    min_size=1,
    max_size=FUZZ_LIMITS.max_room_chars,
)
identifiers = st.text(
    st.characters(codec="utf-8", exclude_characters="\x00"),
    min_size=1,
    max_size=FUZZ_LIMITS.max_client_id_chars,
)
seqs = st.integers(0, frames.MAX_SEQ)
ids = st.integers(1, frames.MAX_SEQ)
# Message text: any UTF-8, or Markdown and HTML syntax mixed with attack
# fragments, which the server renders (parley.wire.formatting).
MARKUP = [
    "**", "*", "~~", "`", "```\n", "> ", "- ", "1. ", "[", "](", ")", "![", "<",
    ">", "\n", " ", "x", "@x", "&#", "\\", "javascript:", "https://a.example/",
    "<script>", "<img src=x onerror=", "style=", "<svg onload=",
]  # fmt: skip
texts = st.text(st.characters(codec="utf-8"), min_size=1, max_size=200) | st.lists(
    st.sampled_from(MARKUP), min_size=1, max_size=40
).map("".join)
refs = st.none() | identifiers
valid_frames = st.one_of(
    st.builds(Subscribe, room=slugs, after=st.none() | seqs, ref=refs),
    st.builds(Unsubscribe, room=slugs, ref=refs),
    st.builds(
        Send,
        room=slugs,
        text=texts,
        client_id=identifiers,
        ref=identifiers,
        attachments=st.lists(ids, max_size=3).map(tuple),
        reply_to=st.none() | ids,
    ),
    st.builds(
        React,
        id=ids,
        emoji=st.text(min_size=1, max_size=frames.MAX_EMOJI_CHARS),
        on=st.booleans(),
        ref=refs,
    ),
    st.builds(Edit, id=ids, text=texts, ref=refs),
    st.builds(Delete, id=ids, ref=refs),
    st.builds(Typing, room=slugs, ref=refs),
    st.builds(Read, room=slugs, seq=seqs, ref=refs),
    st.builds(Ping, ref=refs),
    st.builds(Topic, room=slugs, topic=st.just("") | texts, ref=refs),
    st.builds(Pin, id=ids, on=st.booleans(), ref=refs),
)


def fields_of(frame: frames.ClientFrame) -> dict:
    """``frame`` as a client sends it: its type and its non-empty fields."""
    fields = {
        name: getattr(frame, name)
        for name in frame.__slots__
        if getattr(frame, name) is not None
    }
    if isinstance(frame, Pin):  # `on` is told by the type: pin or unpin
        del fields["on"]
        return {"type": "pin" if frame.on else "unpin", **fields}
    if isinstance(frame, React):
        # `on` is the frame's type: react or unreact.
        return {"type": "react" if fields.pop("on") else "unreact", **fields}
    return {"type": frame.TYPE.value, **fields}


@st.composite
def mutated_frames(draw) -> dict:
    """A valid frame with one field dropped or given a hostile value."""
    fields = fields_of(draw(valid_frames))
    name = draw(st.sampled_from(sorted(fields) + FIELD_NAMES))
    if name in fields and draw(st.booleans()):
        del fields[name]
    else:
        fields[name] = draw(hostile_values)
    return fields


any_frames = hostile_frames | mutated_frames()


@st.composite
def encoded(draw, frames=any_frames) -> str | bytes:
    """A frame as a client might send it: JSON text or UTF-8 bytes, with
    NaN and Infinity written out, lone surrogates raw or escaped, and now
    and then nested thousands deep, cut short or with a byte flipped."""
    frame = draw(frames)
    text = json.dumps(frame, ensure_ascii=draw(st.booleans()), allow_nan=True)
    mangle = draw(st.sampled_from(["none", "none", "nest", "cut", "flip"]))
    if mangle == "nest":
        depth = draw(st.integers(1, 3000))
        text = text[:-1] + ', "deep": ' + "[" * depth + "]" * depth + "}"
    elif mangle == "cut":
        text = text[: draw(st.integers(0, len(text)))]
    raw: str | bytes = text
    if draw(st.booleans()):
        raw = text.encode("utf-8", "surrogatepass")
        if mangle == "flip" and raw:
            at = draw(st.integers(0, len(raw) - 1))
            raw = (
                raw[:at] + bytes([raw[at] ^ draw(st.integers(1, 255))]) + raw[at + 1 :]
            )
    return raw
