"""What the room page needs for moderation (``details.js``): the user's
role, whether they moderate, the calls' address and the sentences.

The rules are ``parley.services.moderation``'s; the page only offers what
they would allow (the API refuses the rest anyway).
"""

from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from parley.models import Membership, Room
from parley.services import moderation

# Stands for the username in ``moderateUrl``.
USER_PLACEHOLDER = "__user__"


def moderation_config(room: Room, user: AbstractBaseUser) -> dict[str, Any]:
    """The room page configuration's part for moderation.

    Returns:
        ``{"myRole", "canModerate", "moderateUrl", "moderationStrings"}``:
        ``myRole`` is ``"staff"`` for the site's staff, else the user's role
        in the room (``""`` for none); ``canModerate`` whether the page
        offers the members' actions (never in a direct room);
        ``moderateUrl`` the address of a member's calls, with
        ``USER_PLACEHOLDER`` for the username and the action (``remove``,
        ``ban``, ``mute``, ``role``) to append.
    """
    if getattr(user, "is_staff", False):
        role = "staff"
    else:
        role = (
            Membership.objects.filter(room=room, user_id=user.pk)
            .values_list("role", flat=True)
            .first()
        ) or ""
    return {
        "myRole": role,
        "canModerate": room.kind != Room.Kind.DIRECT
        and moderation.can_moderate(user, room),
        "moderateUrl": reverse(
            "parley-api:remove_member", args=[room.slug, USER_PLACEHOLDER]
        ).removesuffix("remove"),
        "moderationStrings": {
            "menu": _("Actions for %(user)s"),
            "remove": _("Remove from the room"),
            "ban": _("Ban from the room"),
            "mute": _("Mute for 1 hour"),
            "makeModerator": _("Make moderator"),
            "makeMember": _("Make member"),
            "removed": _("%(user)s was removed."),
            "banned": _("%(user)s was banned."),
            "muted": _("%(user)s is muted for 1 hour."),
            "youRemoved": _("A moderator removed you from this room."),
            "youBanned": _("A moderator banned you from this room."),
            "roles": {
                "owner": _("owner"),
                "moderator": _("moderator"),
                "member": _("member"),
            },
        },
    }
