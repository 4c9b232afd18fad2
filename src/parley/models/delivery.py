"""Whether someone is around, and each notification's way out (push, e-mail)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Activity(models.Model):
    """When a user last sent a frame on any socket, in any process: a user
    seen within ``PARLEY_ACTIVE_SECS`` gets no push. In the database
    because it is the one store every server process and worker share,
    whatever the channel layer (the default cache is per process)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="parley_activity",
    )
    seen_at = models.DateTimeField(_("seen"))

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")

    def __str__(self) -> str:
        return f"{self.user} seen {self.seen_at}"


class Delivery(models.Model):
    """One push or e-mail for one user about one thing: the idempotency
    record of ``parley.services.delivery``.

    ``ref`` names the thing (``message:<id>`` or ``notification:<id>``);
    (user, channel, ref) is unique, so a repeated plan sends nothing. A
    delivery is claimed (``sending``) in a committed transaction before the
    send, so a process killed mid-send never sends it again: at most once.
    """

    class Channel(models.TextChoices):
        PUSH = "push", _("push")
        EMAIL = "email", _("e-mail")

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        SENDING = "sending", _("sending")
        SENT = "sent", _("sent")
        SKIPPED = "skipped", _("skipped")
        FAILED = "failed", _("failed")
        EXPIRED = "expired", _("expired")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="parley_deliveries",
    )
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    ref = models.CharField(_("about"), max_length=64)
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    due_at = models.DateTimeField(_("due"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    done_at = models.DateTimeField(_("done"), null=True, blank=True)
    error = models.CharField(_("last error"), max_length=200, blank=True, default="")

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        indexes = [
            models.Index(fields=["status", "due_at"], name="parley_delivery_due")
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "channel", "ref"], name="parley_delivery_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.channel} {self.ref} for {self.user}: {self.status}"
