"""Slash commands a host project registers: ``/order 42`` in a room calls
its function.

Register in a module the project imports at start-up (an ``AppConfig.ready``
or ``models.py``)::

    import parley.commands

    def order(context: parley.commands.CommandContext) -> str:
        return f"Order {context.args} is on its way."

    parley.commands.register("order", order)

or name the function in the settings: ``PARLEY_COMMANDS = {"order":
"shop.chat.order_command"}``. The function is sync, is called with a
``CommandContext`` once the command's message is stored, and returns the
text to post into the room in answer (or None for none). It runs where
Parley's deferred tasks run (``parley.bus.tasks``: the worker, or inline
on the socket's database thread): keep it quick. How a message's text
becomes a command: ``prepare``; who runs it and posts the answer:
``parley.services.bots.run_command``. The anchor is Slack's and
Mattermost's slash commands.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from parley.conf import parley_settings
from parley.wire.errors import ErrorCode, ParleyError

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

    from parley.models import Message, Room

# A message whose text starts like this is a command: "/" then a word.
COMMAND_RE = re.compile(r"/([^\s/]\S*)(?:\s+(.*))?", re.DOTALL)
# A command's name: a letter, then letters, digits, "_" or "-"; at most 32.
NAME_RE = re.compile(r"[a-z][a-z0-9_-]{0,31}")


@dataclass(frozen=True, slots=True)
class CommandContext:
    """What a command is called with.

    Attributes:
        user: who typed it.
        room: the room it was typed in.
        args: the text after the name, stripped ("" for none).
        message: the stored message that holds the command.
    """

    user: "AbstractBaseUser"
    room: "Room"
    args: str
    message: "Message"


@dataclass(frozen=True, slots=True)
class Invocation:
    """A command found in a message's text: ``/name args``."""

    name: str
    args: str


Command = Callable[[CommandContext], str | None]

# Commands registered by name with ``register``, filled while a project
# imports its modules (as Django's ``admin.site`` registry is): a registry,
# not state that changes while serving.
_registered: dict[str, Command] = {}


def register(name: str, function: Command) -> None:
    """Make ``/name`` call ``function``; a later registration of the same
    name replaces the earlier one.

    Raises:
        ValueError: for a name that is not a letter followed by up to 31
            lowercase letters, digits, ``_`` or ``-``.
    """
    if not NAME_RE.fullmatch(name):
        raise ValueError(f"not a command name: {name!r}")
    _registered[name] = function


def unregister(name: str) -> None:
    """Forget ``/name`` (registered with ``register``); no error if unknown."""
    _registered.pop(name, None)


def _configured() -> dict[str, str]:
    """``PARLEY_COMMANDS``: a mapping, or text ``name=path,name=path``."""
    value: Any = parley_settings.COMMANDS
    if isinstance(value, dict):
        return {str(name): str(path) for name, path in value.items()}
    pairs = (item.partition("=") for item in str(value or "").split(","))
    return {name.strip(): path.strip() for name, _sep, path in pairs if path}


def lookup(name: str) -> Command | None:
    """The function of ``/name``: registered, else from ``PARLEY_COMMANDS``
    (imported on use); None for an unknown name.

    Raises:
        ImportError: for a ``PARLEY_COMMANDS`` path that does not import.
    """
    if name in _registered:
        return _registered[name]
    path = _configured().get(name)
    if path is None:
        return None
    function: Command = import_string(path)
    return function


def prepare(text: str) -> tuple[str, Invocation | None]:
    """What a message's text becomes: the text to store, and the command it
    invokes, if any.

    A text starting with ``/`` and a word is a command (``/order 42``: name
    ``order``, args ``42``); ``//`` sends one literal slash (``//etc`` is
    stored as ``/etc``, no command); any other text is itself.

    Raises:
        ParleyError: ``unknown_command`` for ``/name`` that is neither
            registered nor in ``PARLEY_COMMANDS``; nothing is stored.
    """
    if text.startswith("//"):
        return text[1:], None
    found = COMMAND_RE.fullmatch(text.strip()) if text.startswith("/") else None
    if found is None:
        return text, None
    name = found.group(1).lower()
    if not NAME_RE.fullmatch(name) or lookup(name) is None:
        raise ParleyError(
            ErrorCode.UNKNOWN_COMMAND,
            _("There is no command /%(name)s; start with // to send a slash.")
            % {"name": name[:32]},
        )
    return text, Invocation(name, (found.group(2) or "").strip())
