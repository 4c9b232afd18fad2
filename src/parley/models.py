"""Parley's data: rooms, members, messages, API tokens, notifications and
how they reach people (push subscriptions, preferences, deliveries).

Only ``parley.services`` writes these models; read them anywhere.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class Room(models.Model):
    """A conversation: public (anyone signed in), private or direct.

    ``slug`` is the room's address in URLs and in the protocol; it may hold
    any Unicode letters (``лобби``). ``last_seq`` is the sequence number of
    the newest message: the allocator that keeps per-room ``seq`` gap-free.
    """

    class Kind(models.TextChoices):
        PUBLIC = "public", _("public")
        PRIVATE = "private", _("private")
        DIRECT = "direct", _("direct")

    slug = models.SlugField(_("slug"), max_length=64, unique=True, allow_unicode=True)
    title = models.CharField(_("title"), max_length=100)
    kind = models.CharField(
        _("kind"), max_length=16, choices=Kind.choices, default=Kind.PUBLIC
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_seq = models.PositiveBigIntegerField(_("last sequence number"), default=0)
    # The slug's Unicode TR #39 skeleton (parley.services.names): a new
    # room whose slug has an existing room's skeleton is refused.
    skeleton = models.CharField(
        _("skeleton"), max_length=400, db_index=True, default="", editable=False
    )

    class Meta:
        verbose_name = _("room")
        verbose_name_plural = _("rooms")
        ordering = ["slug"]

    def __str__(self) -> str:
        return self.title


class Membership(models.Model):
    """A user's place in a room: role and read position (a ``seq``)."""

    class Role(models.TextChoices):
        OWNER = "owner", _("owner")
        MEMBER = "member", _("member")

    room = models.ForeignKey(
        Room,
        verbose_name=_("room"),
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="parley_memberships",
    )
    role = models.CharField(
        _("role"), max_length=16, choices=Role.choices, default=Role.MEMBER
    )
    joined_at = models.DateTimeField(_("joined"), auto_now_add=True)
    last_read_seq = models.PositiveBigIntegerField(
        _("last read sequence number"), default=0
    )

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["room", "user"], name="parley_membership_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.room}"


class Message(models.Model):
    """One message of a room.

    ``seq`` numbers a room's messages 1, 2, 3 ... with no gap; the unique
    (room, seq) index also serves "the latest 50" and "the 50 before X" as
    index range scans, whatever the table's size. ``client_id`` is the
    sender's idempotency key, unique per author when given.
    """

    room = models.ForeignKey(
        Room, verbose_name=_("room"), on_delete=models.CASCADE, related_name="messages"
    )
    # A deleted account keeps its messages (and so the room's seq stays
    # gap-free); they show as from a deleted user.
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="parley_messages",
    )
    seq = models.PositiveBigIntegerField(_("sequence number"))
    text = models.TextField(_("text"))
    client_id = models.CharField(_("client id"), max_length=64, blank=True, default="")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    edited_at = models.DateTimeField(_("edited"), null=True, blank=True)
    deleted_at = models.DateTimeField(_("deleted"), null=True, blank=True)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        constraints = [
            models.UniqueConstraint(
                fields=["room", "seq"], name="parley_message_room_seq"
            ),
            models.UniqueConstraint(
                fields=["author", "client_id"],
                condition=~Q(client_id=""),
                name="parley_message_author_client_id",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.room.slug}#{self.seq}"


class ApiToken(models.Model):
    """A bearer token a non-browser client signs in with (bots, scripts).

    Only the SHA-256 of the token is stored (``key_hash``, 64 hex digits): a
    leaked database does not leak usable tokens. ``prefix`` is the token's
    first characters, shown so that people can tell their tokens apart; it
    is too short to guess the rest from. A revoked token (``revoked_at``
    set) is kept for the record and never authenticates again.
    ``parley.services.tokens`` creates, checks and revokes them.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="parley_api_tokens",
    )
    name = models.CharField(_("name"), max_length=100)
    key_hash = models.CharField(_("key hash"), max_length=64, unique=True)
    prefix = models.CharField(_("prefix"), max_length=16)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.name})"


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


class Guest(models.Model):
    """Marks a user as a guest: an anonymous visitor signed in under a name.

    A guest is a real user row (so sockets, sessions and messages work as for
    anyone), with an unusable password and a username no sign-up can make
    (see ``parley.services.guests``). ``name`` is the name they chose.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="parley_guest",
    )
    name = models.CharField(_("name"), max_length=32)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("guest")
        verbose_name_plural = _("guests")

    def __str__(self) -> str:
        return self.name


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


class Profile(models.Model):
    """How a user appears to others: a display name and an avatar.

    Optional: a user without one shows their username and initials
    (``parley.services.profiles`` returns an unsaved default). ``avatar``
    holds the re-encoded PNG (never the uploaded bytes); ``avatar_version``
    counts uploads and names the avatar's URL, so a new one is a new URL
    and the old one may be cached for good. 0: no avatar.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="parley_profile",
    )
    display_name = models.CharField(
        _("display name"), max_length=64, blank=True, default=""
    )
    avatar = models.BinaryField(_("avatar"), blank=True, default=b"")
    avatar_version = models.PositiveIntegerField(_("avatar version"), default=0)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("profile")
        verbose_name_plural = _("profiles")

    def __str__(self) -> str:
        return self.display_name or str(self.user_id)

    @property
    def avatar_url(self) -> str:
        """The avatar's URL (``parley.web.profile.avatar``), "" without one."""
        if not self.avatar_version:
            return ""
        return reverse("parley-avatar", args=[self.user_id, self.avatar_version])


class UsernameSkeleton(models.Model):
    """The Unicode TR #39 skeleton of a user's username
    (``parley.services.names``): a new name with an existing one's skeleton
    (``\\u0430lice`` beside ``alice``) is refused. Kept by a ``post_save``
    receiver of the user model, since the model is the host project's."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="parley_skeleton",
    )
    skeleton = models.CharField(_("skeleton"), max_length=1000, db_index=True)

    class Meta:
        verbose_name = _("username skeleton")
        verbose_name_plural = _("username skeletons")

    def __str__(self) -> str:
        return self.skeleton
