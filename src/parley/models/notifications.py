"""Notifications and the preferences and subscriptions that carry them."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from parley.models.rooms import Room


class Notification(models.Model):
    """Something that happened for one user: a mention, an order shipped ...

    ``kind`` is a short machine word the client may style by ("mention",
    "order"); ``title`` and ``body`` are for people; ``url`` is where the
    client goes on a click; ``data`` is free JSON for the client. ``key`` is
    the sender's idempotency key, unique per user when given, so a task that
    runs twice (a worker redelivery) notifies once. ``read_at`` is set when
    the user marks it read. ``parley.services.notifications`` writes them.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="parley_notifications",
    )
    kind = models.CharField(_("kind"), max_length=32)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("body"), blank=True, default="")
    url = models.CharField(_("URL"), max_length=500, blank=True, default="")
    data = models.JSONField(_("data"), default=dict, blank=True)
    key = models.CharField(_("idempotency key"), max_length=100, blank=True, default="")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-id"]
        indexes = [
            # A user's page, newest first, cursor by id.
            models.Index(fields=["user", "-id"], name="parley_notification_user"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "key"],
                condition=~Q(key=""),
                name="parley_notification_user_key",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} for {self.user}: {self.title}"


class PushSubscription(models.Model):
    """A browser's Web Push subscription (the ``PushSubscription`` JSON):
    where to send (``endpoint``, on an allowed push service) and the keys
    to encrypt for (RFC 8291: ``p256dh``, the browser's P-256 public key,
    and ``auth``, its 16-byte secret; both base64url). One per browser and
    device; a push service answering 404 or 410 has it deleted.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="parley_push_subscriptions",
    )
    endpoint = models.CharField(_("endpoint"), max_length=1000, unique=True)
    p256dh = models.CharField(_("public key"), max_length=100)
    auth = models.CharField(_("auth secret"), max_length=50)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("push subscription")
        verbose_name_plural = _("push subscriptions")

    def __str__(self) -> str:
        return f"push for {self.user}"


class NotificationSetting(models.Model):
    """One user's choice for one kind of notification ("direct",
    "mention", or a ``parley.notify`` kind): shown in the app, pushed,
    e-mailed. A kind without a row has everything on."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="parley_notification_settings",
    )
    kind = models.CharField(_("kind"), max_length=32)
    in_app = models.BooleanField(_("in the app"), default=True)
    push = models.BooleanField(_("push"), default=True)
    email = models.BooleanField(_("e-mail"), default=True)

    class Meta:
        verbose_name = _("notification setting")
        verbose_name_plural = _("notification settings")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "kind"], name="parley_notification_setting_kind"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} for {self.user}"


class RoomMute(models.Model):
    """A user muted a room: its mentions and messages notify them of
    nothing (no bell, no push, no e-mail)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="parley_room_mutes",
    )
    room = models.ForeignKey(
        Room, verbose_name=_("room"), on_delete=models.CASCADE, related_name="+"
    )

    class Meta:
        verbose_name = _("muted room")
        verbose_name_plural = _("muted rooms")
        constraints = [
            models.UniqueConstraint(fields=["user", "room"], name="parley_room_mute")
        ]

    def __str__(self) -> str:
        return f"{self.room} muted by {self.user}"
