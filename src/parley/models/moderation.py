"""Moderation's records: who is banned from which room.

A mute is a field of the membership (``Membership.muted_until``) and an
archive one of the room (``Room.archived_at``); a ban outlives the
membership it ends, so it is a row of its own.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from parley.models.rooms import Room


class Ban(models.Model):
    """``user`` may not read, join or post in the public ``room``
    (``parley.services.moderation``) until unbanned."""

    room = models.ForeignKey(
        Room, verbose_name=_("room"), on_delete=models.CASCADE, related_name="bans"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="parley_bans",
    )
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("banned by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("banned"), auto_now_add=True)

    class Meta:
        verbose_name = _("ban")
        verbose_name_plural = _("bans")
        constraints = [
            models.UniqueConstraint(fields=["room", "user"], name="parley_ban_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} banned from {self.room}"
