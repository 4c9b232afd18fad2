"""Slash commands found in a message's text (``parley.commands``): a
registered or configured name, args, ``//`` for a literal slash, and an
unknown command refused."""

import pytest

import parley.commands as commands
from parley.wire.errors import ErrorCode, ParleyError


def order(context):
    return "ok"


@pytest.fixture
def registered():
    commands.register("order", order)
    yield
    commands.unregister("order")


@pytest.mark.parametrize(
    ("text", "stored", "invocation"),
    [
        ("/order 42", "/order 42", ("order", "42")),
        ("/Order   42 \n big", "/Order   42 \n big", ("order", "42 \n big")),
        ("/order", "/order", ("order", "")),
        ("//order 42", "/order 42", None),
        ("//", "/", None),
        ("/ order", "/ order", None),
        ("hello /order", "hello /order", None),
        ("order", "order", None),
    ],
)
def test_what_a_text_invokes(registered, text, stored, invocation):
    got_text, got = commands.prepare(text)
    assert got_text == stored
    assert (got.name, got.args) == invocation if invocation else got is None


@pytest.mark.parametrize(
    "text", ["/nope", "/path/to/file", "/Ünïcode x", "/" + "a" * 40]
)
def test_an_unknown_command_is_refused(registered, text):
    with pytest.raises(ParleyError) as refused:
        commands.prepare(text)
    assert refused.value.code == ErrorCode.UNKNOWN_COMMAND


@pytest.mark.parametrize(
    "configured",
    [
        {"order": "tests.unit.test_commands.order"},
        "x=y.z, order=tests.unit.test_commands.order",
    ],
)
def test_commands_named_in_the_settings(settings, configured):
    settings.PARLEY_COMMANDS = configured
    assert commands.lookup("order") is order
    assert commands.lookup("other") is None


def test_a_registered_name_must_be_a_word():
    with pytest.raises(ValueError):
        commands.register("has space", order)
    commands.register("a" * 32, order)
    commands.unregister("a" * 32)
    with pytest.raises(ValueError):
        commands.register("a" * 33, order)
