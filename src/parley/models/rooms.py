"""Rooms, their members and their messages."""

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
    # Set by an owner (parley.services.details); at most
    # PARLEY_ROOM_TOPIC_MAX_CHARS, "" for none.
    topic = models.TextField(_("topic"), blank=True, default="")
    # Set while the room is archived (parley.services.moderation): it is
    # read-only for everyone.
    archived_at = models.DateTimeField(_("archived"), null=True, blank=True)

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
        MODERATOR = "moderator", _("moderator")
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
    # Until when the member may read but not post (parley.services.
    # moderation); None, or a past instant, for not muted.
    muted_until = models.DateTimeField(_("muted until"), null=True, blank=True)

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
    # The text's formatting as sanitized HTML (parley.wire.formatting),
    # rendered when stored or edited; "" shows the text as plain text.
    html = models.TextField(_("HTML"), blank=True, default="")
    client_id = models.CharField(_("client id"), max_length=64, blank=True, default="")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    edited_at = models.DateTimeField(_("edited"), null=True, blank=True)
    deleted_at = models.DateTimeField(_("deleted"), null=True, blank=True)
    # A reply's parent, in the same room (parley.services.threads); messages
    # are never removed (a delete blanks them), so SET_NULL only guards a
    # room's removal order.
    reply_to = models.ForeignKey(
        "self",
        verbose_name=_("reply to"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="replies",
    )
    # Replies stored to this message, kept by the send that stores one.
    reply_count = models.PositiveIntegerField(_("reply count"), default=0)

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
        # Retention's purge reads the oldest messages first
        # (parley.services.retention).
        indexes = [models.Index(fields=["created_at"], name="parley_message_created")]

    def __str__(self) -> str:
        return f"{self.room.slug}#{self.seq}"
