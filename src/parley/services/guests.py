"""Guests: anonymous visitors signed in under a name they choose.

With ``PARLEY_GUEST_ACCESS`` on, a visitor gives a name and becomes a real,
signed-in user, marked by a ``Guest`` row: sockets, sessions and messages
work as for anyone. A guest may read and post in public rooms only: no
private rooms, direct conversations, notifications or API tokens (the
services refuse with ``guest_forbidden``).

A guest's username is the chosen name, ``#`` and four random characters
(``alice#k3f9``). Django's username validator, which sign-up and
``createsuperuser`` apply, refuses ``#``, so no account can pass for a guest
and no guest can take an account's name.
"""

import re
import secrets
import string

# A user is an AbstractBaseUser: the user model is swappable (AUTH_USER_MODEL),
# but django-stubs types login()'s user as the configured model (auth.User);
# hence its "type: ignore[arg-type]".
from django.contrib.auth import get_user_model, login
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _

from parley.conf import parley_settings
from parley.models import Guest
from parley.services import names
from parley.wire.errors import ErrorCode, Forbidden, ParleyError

# Long enough for a name, short enough for the online list and a message's
# author line; the username adds 5 characters ("#" and the suffix).
GUEST_NAME_MAX_CHARS = 24
GUEST_SEPARATOR = "#"
# 36**4 = 1.7 million suffixes per name: a clash is rare and retried.
GUEST_SUFFIX_CHARS = 4
GUEST_SUFFIX_ALPHABET = string.ascii_lowercase + string.digits
GUEST_CREATE_ATTEMPTS = 5
# Letters and digits of any script, and "_", "-", ".": what usernames allow,
# less "@" and "+" (they read as e-mail addresses in a chat).
GUEST_NAME_RE = re.compile(r"[\w.-]+")
# Django's ModelBackend, named so that login() needs no authenticate() call.
MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


def is_guest(user: AbstractBaseUser) -> bool:
    """Whether ``user`` is a signed-in guest (False for anonymous users).

    The answer is cached on the user object after the first query.
    """
    return bool(user.is_authenticated and hasattr(user, "parley_guest"))


def refuse_guests(user: AbstractBaseUser, message: str) -> None:
    """Raise ``Forbidden(guest_forbidden, message)`` if ``user`` is a guest."""
    if is_guest(user):
        raise Forbidden(ErrorCode.GUEST_FORBIDDEN, message)


def clean_guest_name(name: str) -> str:
    """Validate a guest's chosen name; return it without surrounding spaces.

    The name is normalized (NFKC) and checked as a username is
    (``parley.services.names.check_username``): a guest cannot pass for
    someone with an account (``\\u0430lice`` beside ``alice``).

    Raises:
        ParleyError: ``invalid_name`` if empty, longer than
            ``GUEST_NAME_MAX_CHARS`` characters, holding anything but
            letters, digits, ``_``, ``-`` and ``.``, or a word of mixed
            scripts.
        Conflict: ``name_confusable`` if it looks like an existing username.
    """
    name = names.normalize(name.strip())
    if not name or len(name) > GUEST_NAME_MAX_CHARS:
        raise ParleyError(
            ErrorCode.INVALID_NAME,
            _("A guest name has 1 to %(limit)d characters.")
            % {"limit": GUEST_NAME_MAX_CHARS},
        )
    if not GUEST_NAME_RE.fullmatch(name):
        raise ParleyError(
            ErrorCode.INVALID_NAME,
            _("A guest name holds letters, digits, _, - and . only."),
        )
    return names.check_username(name)


def _create_guest(name: str) -> AbstractBaseUser:
    user_model = get_user_model()
    for _attempt in range(GUEST_CREATE_ATTEMPTS):
        suffix = "".join(
            secrets.choice(GUEST_SUFFIX_ALPHABET)
            for _position in range(GUEST_SUFFIX_CHARS)
        )
        username = f"{name}{GUEST_SEPARATOR}{suffix}"
        try:
            with transaction.atomic():
                # No password: set_unusable_password(), so it never signs in
                # by password, only by the session it gets now.
                user = user_model._default_manager.create_user(
                    **{user_model.USERNAME_FIELD: username}
                )
                Guest.objects.create(user=user, name=name)
        except IntegrityError:
            continue
        return user
    raise ParleyError(
        ErrorCode.INVALID_NAME, _("This guest name is crowded; try another one.")
    )


def start_guest(request: HttpRequest, name: str) -> AbstractBaseUser:
    """Sign the visitor of ``request`` in as a new guest called ``name``.

    The new user gets an unusable password and a username ``name#xxxx``
    (see the module docstring); the session is rotated by Django's
    ``login``. A guest who starts again becomes a new guest.

    Args:
        request: a request with a session (Django's session middleware).
        name: the name the visitor chose; see ``clean_guest_name``.

    Returns:
        The new guest user, now ``request.user``.

    Raises:
        Forbidden: ``guests_disabled`` unless ``PARLEY_GUEST_ACCESS``.
        ParleyError: ``invalid_name`` for a bad name; ``invalid_request``
            if the visitor is signed in with an account.
    """
    if not parley_settings.GUEST_ACCESS:
        raise Forbidden(ErrorCode.GUESTS_DISABLED, _("Guest access is turned off."))
    if request.user.is_authenticated and not is_guest(request.user):
        raise ParleyError(ErrorCode.INVALID_REQUEST, _("You are signed in already."))
    user = _create_guest(clean_guest_name(name))
    login(request, user, backend=MODEL_BACKEND)  # type: ignore[arg-type]
    return user
