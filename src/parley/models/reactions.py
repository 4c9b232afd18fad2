"""Reactions: one user's emoji on one message (``parley.services.reactions``)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from parley.models.rooms import Message


class Reaction(models.Model):
    """``user`` reacted to ``message`` with ``emoji``.

    The unique (message, user, emoji) constraint counts a user once per
    emoji, whatever number of tabs toggle it at once.
    """

    message = models.ForeignKey(
        Message,
        verbose_name=_("message"),
        on_delete=models.CASCADE,
        related_name="reactions",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="parley_reactions",
    )
    # One emoji: a code point sequence (ZWJ families, flags, skin tones)
    # is at most a few dozen characters.
    emoji = models.CharField(_("emoji"), max_length=32)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("reaction")
        verbose_name_plural = _("reactions")
        constraints = [
            models.UniqueConstraint(
                fields=["message", "user", "emoji"], name="parley_reaction_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.emoji} on {self.message_id}"
