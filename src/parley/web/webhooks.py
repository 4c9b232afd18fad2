"""What the room page needs for its owner's webhooks section
(``webhooks.js``): the API's URL and the section's sentences. The rules
are ``parley.services.webhooks``'."""

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from parley.models import Room


def can_manage_webhooks(room: Room, *, is_owner: bool) -> bool:
    """Whether the page shows the webhooks section: the room's owner, in a
    room that is not direct (a direct room has no owner, nor webhooks)."""
    return is_owner and room.kind != Room.Kind.DIRECT


def webhooks_config(room: Room) -> dict[str, Any]:
    """The room page configuration's part for its webhooks.

    Returns:
        ``{"webhooksUrl", "webhookStrings"}``: the list (GET), create
        (POST) and, with ``/<id>`` appended, delete URL; the sentences.
    """
    return {
        "webhooksUrl": reverse("parley-api:list_webhooks", args=[room.slug]),
        "webhookStrings": {
            "none": _("No webhooks yet."),
            "remove": _("Remove"),
            "added": _("Webhook added. Its signing secret, shown only now:"),
            "removed": _("Webhook removed."),
        },
    }
