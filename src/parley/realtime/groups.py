"""The one place that names channel-layer groups.

Group names are built from database ids only, never from user text: Channels
accepts only ASCII letters, digits, ``-``, ``_`` and ``.`` below 100
characters, so a room called ``лобби`` would break a name built from its title.
"""


def room_group(room_id: int) -> str:
    """Group of every socket subscribed to the room with this id."""
    return f"room.{room_id}"


def user_group(user_id: int) -> str:
    """Group of every socket of the user with this id (all their tabs)."""
    return f"user.{user_id}"


def presence_group() -> str:
    """Group of every process's hub, for presence heartbeats."""
    return "parley.presence"
