"""A slash command for the live tests (``PARLEY_COMMANDS``)."""

from parley.commands import CommandContext


def echo(context: CommandContext) -> str:
    """``/echo words`` answers the words, naming who asked and where."""
    return f"{context.user.get_username()} in {context.room.slug}: {context.args}"
