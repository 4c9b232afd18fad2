"""Outgoing webhooks: a room's bots that hear its messages over HTTPS
(``parley.services.webhooks``)."""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from parley.models.rooms import Message, Room


class Webhook(models.Model):
    """A URL that gets every new message of ``room``, signed with ``secret``
    (HMAC-SHA256, Stripe's scheme); what it answers is posted back into the
    room as ``bot``, a user made for this webhook alone (no password, no
    token), whose own messages never reach a webhook (no loops)."""

    room = models.ForeignKey(
        Room, verbose_name=_("room"), on_delete=models.CASCADE, related_name="webhooks"
    )
    name = models.CharField(_("name"), max_length=64)
    url = models.CharField(_("URL"), max_length=1000)
    # The signing key, shown once when the webhook is made.
    secret = models.CharField(_("secret"), max_length=64)
    bot = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("bot user"),
        on_delete=models.CASCADE,
        related_name="parley_webhook_bots",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="parley_webhooks",
    )
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("webhook")
        verbose_name_plural = _("webhooks")

    def __str__(self) -> str:
        return f"{self.name} of {self.room}"


class WebhookDelivery(models.Model):
    """One message sent to one webhook: the idempotency record. ``key`` is
    the ``X-Parley-Delivery`` header, the same on every attempt; (webhook,
    message) is unique, so planning twice sends once. Claimed (``sending``)
    by a conditional UPDATE before each attempt
    (``parley.services.bots.send_webhook``)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        SENDING = "sending", _("sending")
        SENT = "sent", _("sent")
        FAILED = "failed", _("failed")
        SKIPPED = "skipped", _("skipped")

    webhook = models.ForeignKey(
        Webhook,
        verbose_name=_("webhook"),
        on_delete=models.CASCADE,
        related_name="deliveries",
    )
    message = models.ForeignKey(
        Message,
        verbose_name=_("message"),
        on_delete=models.CASCADE,
        related_name="webhook_deliveries",
    )
    key = models.UUIDField(_("idempotency key"), default=uuid.uuid4, unique=True)
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    due_at = models.DateTimeField(_("due"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    done_at = models.DateTimeField(_("done"), null=True, blank=True)
    error = models.CharField(_("last error"), max_length=200, blank=True, default="")

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        indexes = [models.Index(fields=["status", "due_at"], name="parley_webhook_due")]
        constraints = [
            models.UniqueConstraint(
                fields=["webhook", "message"], name="parley_webhook_once"
            )
        ]

    def __str__(self) -> str:
        return f"message {self.message_id} to {self.webhook}: {self.status}"
