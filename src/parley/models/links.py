"""Rooms attached to a host project's objects (``parley.room_for``)."""

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _

from parley.models.rooms import Room


class RoomLink(models.Model):
    """The room of one host object (an order, a ticket): its content type
    and primary key, at most one room per object.

    ``object_id`` holds the primary key as text (Django's admin log does
    the same), so integer, UUID and text keys all fit. The link, not the
    object, is Parley's: deleting the object leaves the room and its
    messages; ``parley.services.policy.linked_object`` then finds None.
    """

    room = models.OneToOneField(
        Room,
        verbose_name=_("room"),
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="parley_link",
    )
    content_type = models.ForeignKey(
        ContentType, verbose_name=_("content type"), on_delete=models.CASCADE
    )
    object_id = models.CharField(_("object id"), max_length=255)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("room link")
        verbose_name_plural = _("room links")
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "object_id"], name="parley_roomlink_object"
            )
        ]

    def __str__(self) -> str:
        return f"{self.content_type_id}:{self.object_id}"
