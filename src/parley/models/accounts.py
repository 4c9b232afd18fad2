"""Who people are: API tokens, guests, profiles and the names reserved by skeleton."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


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
