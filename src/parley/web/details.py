"""What the room page needs for a room's details (``details.js``): the
topic, the pinned list, leaving, and the owner's topic form and pins.

Kept beside ``views.room`` rather than in it: the page's configuration
grows a block of URLs and sentences per feature.
"""

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from parley.conf import parley_settings
from parley.models import Room


def can_leave(room: Room) -> bool:
    """Whether the page offers to leave ``room`` (a direct room cannot be
    left; see ``parley.services.details``)."""
    return room.kind != Room.Kind.DIRECT


def details_config(room: Room, *, is_owner: bool) -> dict[str, Any]:
    """The room page configuration's part for its details.

    Returns:
        ``{"topic", "topicMax", "topicUrl", "pinsUrl", "pinUrl" (with
        ``0`` for the message id), "leaveUrl", "roomsUrl", "canPin",
        "detailStrings"}``; ``canPin``: the user owns the room (a direct
        room has no owner).
    """
    return {
        "topic": room.topic,
        "topicMax": parley_settings.ROOM_TOPIC_MAX_CHARS,
        "topicUrl": reverse("parley-api:set_topic", args=[room.slug]),
        "pinsUrl": reverse("parley-api:list_pins", args=[room.slug]),
        "pinUrl": reverse("parley-api:pin_message", args=[0]),
        "leaveUrl": reverse("parley-api:leave_room", args=[room.slug]),
        "roomsUrl": reverse("parley-rooms"),
        "canPin": is_owner,
        "detailStrings": {
            "pin": _("Pin"),
            "unpin": _("Unpin"),
            "pinned": _("Pinned"),
            "noPins": _("No pinned messages yet."),
            "notLoaded": _("Not loaded above; its text:"),
            "topicSaved": _("The topic was saved."),
            "topicTooLong": _("The topic is too long."),
            "leaveQuestion": _("Leave this room?"),
            "leave": _("Leave"),
            "cancel": _("Cancel"),
            "deletedUser": _("deleted user"),
        },
    }
