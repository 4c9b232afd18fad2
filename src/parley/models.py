"""Parley's data: rooms, who belongs to them, their messages, API tokens.

Only ``parley.services`` writes these models; read them anywhere.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
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
