"""Pinned messages: the few messages a room's owner keeps at hand."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from parley.models.rooms import Message, Room


class Pin(models.Model):
    """A message pinned in its room (at most one pin per message).

    ``room`` repeats the message's room so that a room's pins are counted
    (``PARLEY_MAX_PINS_PER_ROOM``) and listed by one index.
    """

    message = models.OneToOneField(
        Message,
        verbose_name=_("message"),
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="parley_pin",
    )
    room = models.ForeignKey(
        Room, verbose_name=_("room"), on_delete=models.CASCADE, related_name="pins"
    )
    pinned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("pinned by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    pinned_at = models.DateTimeField(_("pinned"), auto_now_add=True)

    class Meta:
        verbose_name = _("pin")
        verbose_name_plural = _("pins")
        indexes = [
            models.Index(fields=["room", "pinned_at"], name="parley_pin_room_time")
        ]

    def __str__(self) -> str:
        return f"pin of {self.message_id}"
