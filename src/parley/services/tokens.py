"""API tokens: bearer credentials for clients that are not browsers.

A token reads ``pt_`` followed by 43 URL-safe characters (32 random bytes from
``secrets``, 256 bits). The plaintext exists once, in the return value of
``create_token``; the database keeps only its SHA-256 (hex) and a short
display prefix. A client sends it as ``Authorization: Bearer <token>`` on a
WebSocket handshake (``parley.realtime.auth``) or an API request
(``parley.api.views``).

A fast unsalted hash is right here, unlike for passwords: the token is 256
random bits, so there is no dictionary to try, and checking it on every
request must stay cheap.
"""

import hashlib
import secrets
from datetime import timedelta

# A user is an AbstractBaseUser: the user model is swappable (AUTH_USER_MODEL),
# but django-stubs types a foreign key to it as the configured model
# (auth.User); "type: ignore[misc]" marks where one is stored or looked up.
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from parley.models import ApiToken
from parley.services import sessions
from parley.services.guests import refuse_guests
from parley.wire.errors import ErrorCode, NotFound, ParleyError

TOKEN_PREFIX = "pt_"
# 32 random bytes (256 bits) become 43 URL-safe base64 characters.
TOKEN_RANDOM_BYTES = 32
# The shown prefix: "pt_" and 7 random characters (42 bits), enough to tell a
# user's tokens apart and far too few to help guess the other 36.
DISPLAY_PREFIX_CHARS = len(TOKEN_PREFIX) + 7
# A token longer than this is not one of ours; refuse it before hashing.
TOKEN_MAX_CHARS = 100
# last_used_at is written at most once per this interval per token, so a
# busy client does not cost a database write per request or handshake.
LAST_USED_RESOLUTION = timedelta(seconds=60)
NAME_MAX_CHARS = 100


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _name(name: str) -> str:
    name = " ".join(name.split())
    if not name:
        raise ParleyError(ErrorCode.INVALID_REQUEST, _("A token needs a name."))
    if len(name) > NAME_MAX_CHARS:
        raise ParleyError(
            ErrorCode.INVALID_REQUEST,
            _("A token name has at most %(limit)d characters.")
            % {"limit": NAME_MAX_CHARS},
        )
    return name


def create_token(*, user: AbstractBaseUser, name: str) -> tuple[ApiToken, str]:
    """Create an API token for ``user``.

    Args:
        user: whom the token signs in as.
        name: what the token is for ("deploy bot"), at most 100 characters;
            white space is collapsed.

    Returns:
        ``(token, plaintext)``: the stored row and the token itself
        (``pt_...``). The plaintext is not stored anywhere: show it once.

    Raises:
        ParleyError: ``invalid_request`` for a blank or too long name.
        Forbidden: ``guest_forbidden`` for a guest.
    """
    refuse_guests(user, _("Guests cannot have API tokens."))
    name = _name(name)
    plaintext = TOKEN_PREFIX + secrets.token_urlsafe(TOKEN_RANDOM_BYTES)
    token = ApiToken.objects.create(  # type: ignore[misc]
        user=user,
        name=name,
        key_hash=_digest(plaintext),
        prefix=plaintext[:DISPLAY_PREFIX_CHARS],
    )
    return token, plaintext


def authenticate_token(token: str) -> ApiToken | None:
    """The live token ``token`` of an active user (its ``user`` loaded), else
    ``None``.

    ``None`` for anything malformed, unknown, revoked, or belonging to an
    inactive user; the caller treats the request as anonymous. Marks the
    token used (``last_used_at``) at most once a minute.

    The lookup is by SHA-256, so its timing says nothing useful about the
    token.
    """
    if not token.startswith(TOKEN_PREFIX) or len(token) > TOKEN_MAX_CHARS:
        return None
    digest = _digest(token)
    found = (
        ApiToken.objects.select_related("user", "user__parley_guest")
        .filter(key_hash=digest, revoked_at__isnull=True)
        .first()
    )
    if found is None:
        return None
    # As Django's ModelBackend does: a user model without is_active is active.
    if not getattr(found.user, "is_active", True):
        return None
    now = timezone.now()
    if found.last_used_at is None or now - found.last_used_at >= LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=found.pk).update(last_used_at=now)
    return found


def authenticate(token: str) -> AbstractBaseUser | None:
    """The active user whose live token ``token`` is, else ``None``; see
    ``authenticate_token``."""
    found = authenticate_token(token)
    return None if found is None else found.user


def tokens_of(user: AbstractBaseUser) -> QuerySet[ApiToken]:
    """``user``'s tokens that still work, newest first."""
    return ApiToken.objects.filter(user=user, revoked_at__isnull=True).order_by(  # type: ignore[misc]
        "-created_at", "-id"
    )


def revoke_token(*, user: AbstractBaseUser, token_id: int) -> ApiToken:
    """Revoke ``user``'s token ``token_id``; it never authenticates again.

    Revoking a revoked token changes nothing. New handshakes and requests
    with it are refused, and once the change commits the sockets open with
    it, on every server process, are closed with 4001 (session ended).

    Raises:
        NotFound: ``not_found`` if no such token is ``user``'s (someone
            else's token is reported exactly like a missing one).
    """
    token = ApiToken.objects.filter(pk=token_id, user=user).first()  # type: ignore[misc]
    if token is None:
        raise NotFound(ErrorCode.NOT_FOUND, _("No such token."))
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        sessions.token_revoked(user_id=token.user_id, token_id=token.pk)
    return token
