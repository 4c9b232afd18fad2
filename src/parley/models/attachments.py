"""Files people attach to messages (``parley.services.attachments``)."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from parley.models.rooms import Message, Room


class Attachment(models.Model):
    """An uploaded file, stored through Django's storage API.

    Uploaded into one room by one user; it belongs to no message until its
    uploader sends one with it (``message`` set then, never changed). ``file``
    and ``thumb`` are names in the storage ``PARLEY_ATTACHMENT_STORAGE``
    names; ``content_type`` is the type sniffed from the bytes, never the
    client's. ``width``, ``height`` and ``thumb`` are set for images only.
    """

    room = models.ForeignKey(
        Room, verbose_name=_("room"), on_delete=models.CASCADE, related_name="+"
    )
    uploader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploader"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    message = models.ForeignKey(
        Message,
        verbose_name=_("message"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="attachments",
    )
    name = models.CharField(_("name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size"))
    file = models.CharField(_("stored file"), max_length=255)
    thumb = models.CharField(_("stored thumbnail"), max_length=255, blank=True)
    width = models.PositiveIntegerField(_("width"), null=True, blank=True)
    height = models.PositiveIntegerField(_("height"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name

    @property
    def url(self) -> str:
        """Where readers download it (``parley.web.attachments``)."""
        return reverse("parley-attachment", args=[self.pk])

    @property
    def thumb_url(self) -> str | None:
        """Its thumbnail's address; None for a file that has none."""
        return (
            reverse("parley-attachment-thumb", args=[self.pk]) if self.thumb else None
        )
