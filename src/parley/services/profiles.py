"""Profiles: the display name and avatar a user shows others.

The only code that writes ``Profile``. A user without a row has the default
profile (no display name, no avatar): pages and frames show the username,
and initials for an avatar.

An avatar is never stored as uploaded: the upload is checked (size in
bytes ``PARLEY_AVATAR_MAX_BYTES``, one of ``PARLEY_AVATAR_FORMATS``, at most
``PARLEY_AVATAR_MAX_PIXELS`` declared before any pixel is decoded, against
decompression bombs), decoded by Pillow and re-encoded as a square PNG of
``PARLEY_AVATAR_SIZE_PX`` with no metadata. What a browser gets back is
therefore always a PNG Parley wrote, served as ``image/png`` with
``nosniff`` (``parley.web.profile``).
"""

import io
import unicodedata
import warnings
from typing import Any, TypedDict

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Prefetch, QuerySet
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from parley.conf import parley_settings
from parley.models import Message, Pin, Profile
from parley.services.policy import policy
from parley.wire.errors import ErrorCode, ParleyError

# The related rows a message's public shape reads (parley.wire.shapes
# .message): its room, its author and the author's profile, without the
# avatar's bytes (the shape only needs its URL); a reply's parent, quoted
# with its author's name (parley.services.threads).
MESSAGE_RELATED = (
    "room",
    "author",
    "author__parley_profile",
    "reply_to__author__parley_profile",
)
AVATAR_BYTES = "avatar"
STORED_FORMAT = "PNG"
STORED_CONTENT_TYPE = "image/png"


class Person(TypedDict, total=False):
    """How one user appears on a page: ``name`` (display name, else the
    username) and ``avatar`` (its URL; absent without one)."""

    name: str
    avatar: str


def with_authors(messages: QuerySet[Message]) -> QuerySet[Message]:
    """``messages`` with what their public shape reads, in the same query
    (see ``MESSAGE_RELATED``), and their attachments (``attachment_list``)
    in one more."""
    return (
        messages.select_related(*MESSAGE_RELATED)
        .defer(
            f"author__parley_profile__{AVATAR_BYTES}",
            f"reply_to__author__parley_profile__{AVATAR_BYTES}",
        )
        # Whether it is pinned (parley.services.pins): an index lookup.
        .annotate(pinned=Exists(Pin.objects.filter(message_id=OuterRef("pk"))))
        .prefetch_related(Prefetch("attachments", to_attr="attachment_list"))
    )


def profile_of(user: AbstractBaseUser) -> Profile:
    """``user``'s profile, or an unsaved default (empty) one. The avatar's
    bytes are not loaded (see ``avatar``)."""
    found = Profile.objects.defer(AVATAR_BYTES).filter(user_id=user.pk).first()
    return found if found is not None else Profile(user_id=user.pk)


def attach(user: AbstractBaseUser) -> None:
    """Load ``user``'s profile onto it (``user.parley_profile``), so that a
    message ``user`` just wrote has the shape its readers get, with no query
    when it is shaped (``Message.objects.create`` loads no related row)."""
    user.parley_profile = profile_of(user)  # type: ignore[attr-defined]


def name_of(user: Any) -> str:
    """The name ``user`` shows others: the policy's ``display`` (by default
    the display name, else the username, from a profile loaded with it:
    ``select_related("parley_profile")`` or ``attach``)."""
    return policy().display(user).name


def people(usernames: list[str]) -> dict[str, Person]:
    """How each of ``usernames`` appears (the policy's ``display``), in one
    query.

    Returns:
        ``{username: Person}`` for the users that exist; a name that is
        missing shows as the username.
    """
    user_model = get_user_model()
    rows = (
        user_model._default_manager.filter(
            **{f"{user_model.USERNAME_FIELD}__in": usernames}
        )
        .select_related("parley_profile")
        .defer(f"parley_profile__{AVATAR_BYTES}")
    )
    display = policy().display
    found: dict[str, Person] = {}
    for user in rows:
        shown = display(user)
        person: Person = {"name": shown.name}
        if shown.avatar_url:
            person["avatar"] = shown.avatar_url
        found[user.get_username()] = person
    return found


def clean_display_name(name: str) -> str:
    """``name`` trimmed, with runs of white space made one space.

    Returns:
        The name, "" meaning none (the username shows).

    Raises:
        ParleyError: ``invalid_name`` for control or format characters, or
            more than ``PARLEY_DISPLAY_NAME_MAX_CHARS`` characters.
    """
    name = " ".join(name.split())
    if any(unicodedata.category(char).startswith("C") for char in name):
        raise ParleyError(
            ErrorCode.INVALID_NAME, _("A display name cannot hold control characters.")
        )
    limit = parley_settings.DISPLAY_NAME_MAX_CHARS
    if len(name) > limit:
        raise ParleyError(
            ErrorCode.INVALID_NAME,
            _("A display name has at most %(limit)d characters.") % {"limit": limit},
        )
    return name


def set_display_name(*, user: AbstractBaseUser, name: str) -> Profile:
    """Set ``user``'s display name ("" for none: the username shows).

    Raises:
        ParleyError: from ``clean_display_name``.
    """
    name = clean_display_name(name)
    with transaction.atomic():
        profile, _created = Profile.objects.get_or_create(user_id=user.pk)
        profile.display_name = name
        profile.save(update_fields=["display_name", "updated_at"])
    return profile


def reencode_avatar(data: bytes) -> bytes:
    """An uploaded image as Parley stores it: a square PNG of
    ``PARLEY_AVATAR_SIZE_PX`` (cropped to the centre, turned upright by its
    EXIF orientation), with no metadata. Animated images keep their first
    frame.

    Args:
        data: the uploaded file's bytes.

    Raises:
        ParleyError: ``image_too_large`` for more than
            ``PARLEY_AVATAR_MAX_BYTES`` bytes or ``PARLEY_AVATAR_MAX_PIXELS``
            pixels; ``invalid_image`` for anything Pillow cannot read as one
            of ``PARLEY_AVATAR_FORMATS``.
    """
    max_bytes = parley_settings.AVATAR_MAX_BYTES
    if len(data) > max_bytes:
        raise ParleyError(
            ErrorCode.IMAGE_TOO_LARGE,
            _("An avatar has at most %(limit)d KiB.") % {"limit": max_bytes // 1024},
        )
    invalid = ParleyError(
        ErrorCode.INVALID_IMAGE,
        _("Choose an image in one of these formats: %(formats)s.")
        % {"formats": ", ".join(parley_settings.AVATAR_FORMATS)},
    )
    try:
        with warnings.catch_warnings():
            # Pillow warns, then refuses, above its own global limit; ours
            # (below) is stricter and is checked before decoding.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            opened = Image.open(
                io.BytesIO(data), formats=list(parley_settings.AVATAR_FORMATS)
            )
            width, height = opened.size
            if width * height > parley_settings.AVATAR_MAX_PIXELS:
                raise ParleyError(
                    ErrorCode.IMAGE_TOO_LARGE,
                    _("This image has too many pixels for an avatar."),
                )
            opened.load()
            image = ImageOps.exif_transpose(opened).convert("RGBA")
    except ParleyError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ParleyError(
            ErrorCode.IMAGE_TOO_LARGE,
            _("This image has too many pixels for an avatar."),
        ) from None
    except (
        UnidentifiedImageError,
        OSError,
        ValueError,
        SyntaxError,  # some of Pillow's decoders report a broken file so
    ):
        raise invalid from None
    size = parley_settings.AVATAR_SIZE_PX
    square = ImageOps.fit(image, (size, size), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    square.save(out, STORED_FORMAT, optimize=True)
    return out.getvalue()


def set_avatar(*, user: AbstractBaseUser, data: bytes) -> Profile:
    """Store ``data`` (an uploaded image) as ``user``'s avatar, re-encoded
    (``reencode_avatar``), under a new ``avatar_version`` (a new URL).

    Raises:
        ParleyError: from ``reencode_avatar``; nothing is stored then.
    """
    png = reencode_avatar(data)
    with transaction.atomic():
        profile, _created = Profile.objects.get_or_create(user_id=user.pk)
        Profile.objects.filter(pk=profile.pk).update(
            avatar=png, avatar_version=F("avatar_version") + 1
        )
    return profile_of(user)


def remove_avatar(*, user: AbstractBaseUser) -> Profile:
    """Remove ``user``'s avatar (initials show again). Idempotent."""
    Profile.objects.filter(user_id=user.pk).update(avatar=b"", avatar_version=0)
    return profile_of(user)


def avatar(*, user_id: int, version: int) -> bytes | None:
    """The stored PNG of ``user_id``'s avatar at ``version``, or None when
    there is none (no avatar, or an older version: its URL is gone)."""
    if version < 1:
        return None
    data = (
        Profile.objects.filter(user_id=user_id, avatar_version=version)
        .values_list(AVATAR_BYTES, flat=True)
        .first()
    )
    return bytes(data) if data else None
