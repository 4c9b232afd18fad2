"""Attachments: upload a file into a room, send it with a message, read it.

The only code that writes ``Attachment``. An upload is checked before it is
stored: its size (``PARLEY_ATTACHMENT_MAX_BYTES``), its type, sniffed from
its first bytes (``sniff``; the name and the type the client sent are never
trusted) against ``PARLEY_ATTACHMENT_TYPES``, an image's declared pixels
(``PARLEY_ATTACHMENT_MAX_PIXELS``, before a pixel is decoded: decompression
bombs are refused) and the optional scanner (``PARLEY_ATTACHMENT_SCANNER``).
Files go to the Django storage named by ``PARLEY_ATTACHMENT_STORAGE`` under
a random name; an image also gets a WebP thumbnail and its dimensions.

An upload belongs to its uploader and its room until the uploader sends a
message with it (``claim``, inside the message's transaction); then it is
the message's for good, and readable by whoever may read the room while the
message is not deleted (``readable``).
"""

import io
import logging
import uuid
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.files.base import ContentFile, File
from django.core.files.storage import Storage, storages
from django.db import transaction
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

import parley.ratelimit as ratelimit
from parley.conf import parley_settings
from parley.models import Attachment, Message
from parley.services import rooms
from parley.services.guests import refuse_guests
from parley.wire.errors import Conflict, ErrorCode, NotFound, ParleyError

logger = logging.getLogger(__name__)

# Image types that get a thumbnail, with Pillow's name of their format.
IMAGE_FORMATS = {
    "image/png": "PNG",
    "image/jpeg": "JPEG",
    "image/gif": "GIF",
    "image/webp": "WEBP",
}
THUMB_FORMAT = "WEBP"
THUMB_CONTENT_TYPE = "image/webp"
# Stored names are random, never the uploader's (no path tricks, no clash).
STORAGE_FOLDER = "parley/attachments"
NAME_MAX_CHARS = 255
# Bytes read to tell text from binary (WHATWG MIME Sniffing, section 7.2).
TEXT_SNIFF_BYTES = 1445
# Control characters that mark a file as binary (the spec's "binary data
# bytes"): all below 0x20 except TAB, LF, FF, CR and ESC.
BINARY_BYTES = frozenset(range(0x20)) - {0x09, 0x0A, 0x0C, 0x0D, 0x1B}


@dataclass(frozen=True, slots=True)
class Signature:
    """A file type's magic bytes: ``pattern`` at ``offset``."""

    content_type: str
    pattern: bytes
    offset: int = 0


# WHATWG MIME Sniffing, sections 6.1 (images) and 7.1 (PDF, ZIP), plus
# WebP's "WEBP" after the RIFF size field.
SIGNATURES = (
    Signature("image/png", b"\x89PNG\r\n\x1a\n"),
    Signature("image/jpeg", b"\xff\xd8\xff"),
    Signature("image/gif", b"GIF87a"),
    Signature("image/gif", b"GIF89a"),
    Signature("image/webp", b"WEBP", 8),
    Signature("application/pdf", b"%PDF-"),
    Signature("application/zip", b"PK\x03\x04"),
)


def sniff(data: bytes) -> str:
    """The content type of ``data``, read from its bytes alone.

    Returns:
        A type of ``SIGNATURES`` (a WebP must also start with ``RIFF``);
        else ``text/plain`` for UTF-8 without binary control bytes (the
        first ``TEXT_SNIFF_BYTES``); else ``application/octet-stream``.
    """
    for signature in SIGNATURES:
        end = signature.offset + len(signature.pattern)
        if data[signature.offset : end] == signature.pattern:
            if signature.content_type == "image/webp" and not data.startswith(b"RIFF"):
                continue
            return signature.content_type
    if data and not BINARY_BYTES.intersection(data[:TEXT_SNIFF_BYTES]):
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            return "application/octet-stream"
        return "text/plain"
    return "application/octet-stream"


def allowed_types() -> list[str]:
    """``PARLEY_ATTACHMENT_TYPES`` as a list."""
    return [t.strip() for t in parley_settings.ATTACHMENT_TYPES.split(",") if t.strip()]


def storage() -> Storage:
    """The storage ``PARLEY_ATTACHMENT_STORAGE`` names in ``STORAGES``."""
    return storages[parley_settings.ATTACHMENT_STORAGE]


def clean_name(name: str) -> str:
    """A file name to show: its last path part, control characters
    removed, cut to ``NAME_MAX_CHARS`` keeping the extension; "file" when
    nothing is left."""
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in name if c.isprintable()).strip()
    if len(name) > NAME_MAX_CHARS:
        stem, dot, ext = name.rpartition(".")
        ext = ext[:16] if dot else ""
        name = (stem if dot else name)[: NAME_MAX_CHARS - len(ext) - 1] + dot + ext
    return name or "file"


@dataclass(frozen=True, slots=True)
class ImageInfo:
    """What an image upload yields: its size in pixels and a thumbnail."""

    width: int
    height: int
    thumb: bytes


def image_info(data: bytes, content_type: str) -> ImageInfo:
    """Check an image and make its thumbnail (WebP, longest side
    ``PARLEY_ATTACHMENT_THUMB_PX``, turned upright, no metadata).

    Raises:
        ParleyError: ``image_too_large`` when it declares more than
            ``PARLEY_ATTACHMENT_MAX_PIXELS`` pixels (checked before
            decoding, so a decompression bomb costs nothing);
            ``invalid_image`` when Pillow cannot decode it as its type.
    """
    too_large = ParleyError(
        ErrorCode.IMAGE_TOO_LARGE,
        _("This image has more than %(limit)d pixels.")
        % {"limit": parley_settings.ATTACHMENT_MAX_PIXELS},
    )
    try:
        with warnings.catch_warnings():
            # Pillow's own limit (Image.MAX_IMAGE_PIXELS) warns, then
            # refuses; ours is checked first, on the declared size.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            opened = Image.open(io.BytesIO(data), formats=[IMAGE_FORMATS[content_type]])
            width, height = opened.size
            if width * height > parley_settings.ATTACHMENT_MAX_PIXELS:
                raise too_large
            opened.load()
            image = ImageOps.exif_transpose(opened)
            if image.mode not in ("RGB", "RGBA"):
                image = image.convert("RGBA")
            side = parley_settings.ATTACHMENT_THUMB_PX
            image.thumbnail((side, side), Image.Resampling.LANCZOS)
            out = io.BytesIO()
            image.save(out, THUMB_FORMAT, quality=80)
    except ParleyError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise too_large from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        raise ParleyError(
            ErrorCode.INVALID_IMAGE, _("This image is damaged or not what it seems.")
        ) from None
    return ImageInfo(width=width, height=height, thumb=out.getvalue())


def scan(name: str, data: bytes, content_type: str) -> None:
    """Run ``PARLEY_ATTACHMENT_SCANNER`` (if set) on an upload.

    The scanner is ``callable(name, data, content_type)``; returning False
    or raising ``ValueError`` refuses the file.

    Raises:
        ParleyError: ``attachment_rejected``, with the scanner's reason.
    """
    path = parley_settings.ATTACHMENT_SCANNER
    if not path:
        return
    scanner: Callable[[str, bytes, str], Any] = import_string(path)
    try:
        verdict = scanner(name, data, content_type)
    except ValueError as error:
        raise ParleyError(
            ErrorCode.ATTACHMENT_REJECTED,
            _("This file was refused: %(reason)s") % {"reason": error},
        ) from None
    if verdict is False:
        raise ParleyError(ErrorCode.ATTACHMENT_REJECTED, _("This file was refused."))


def upload(*, user: AbstractBaseUser, slug: str, name: str, data: bytes) -> Attachment:
    """Store an upload into the room ``slug`` for ``user`` to send.

    Args:
        user: the signed-in uploader (not a guest).
        slug: a room ``user`` may read (so post in).
        name: the file's name as the client gave it (see ``clean_name``).
        data: the file's bytes; callers read at most one byte past
            ``PARLEY_ATTACHMENT_MAX_BYTES``.

    Returns:
        The stored ``Attachment``, in no message yet.

    Raises:
        NotFound: ``room_not_found``.
        Forbidden: ``guest_forbidden`` for a guest.
        ParleyError: ``attachment_too_large`` (empty, or more than the
            limit); ``attachment_type_not_allowed``; ``too_many_attachments``
            when ``user`` holds ``PARLEY_ATTACHMENTS_UNSENT_MAX`` unsent
            uploads; from ``image_info`` and ``scan``. Nothing is stored
            then.
        RateLimited: over ``PARLEY_USER_UPLOADS_PER_MIN`` (burst
            ``PARLEY_USER_UPLOAD_BURST``).
    """
    room = rooms.get_readable(user=user, slug=slug)
    refuse_guests(user, _("Guests cannot attach files."))
    unsent = parley_settings.ATTACHMENTS_UNSENT_MAX
    if Attachment.objects.filter(uploader_id=user.pk, message=None).count() >= unsent:
        raise ParleyError(
            ErrorCode.TOO_MANY_ATTACHMENTS,
            _("Send or remove your %(limit)d unsent files first.") % {"limit": unsent},
        )
    if (wait := ratelimit.USER_UPLOADS.take(user.pk)) is not None:
        raise ratelimit.RateLimited(wait)
    limit = parley_settings.ATTACHMENT_MAX_BYTES
    if not data or len(data) > limit:
        raise ParleyError(
            ErrorCode.ATTACHMENT_TOO_LARGE,
            _("A file has from 1 byte to %(limit)d bytes.") % {"limit": limit},
        )
    content_type = sniff(data)
    if content_type not in allowed_types():
        raise ParleyError(
            ErrorCode.ATTACHMENT_TYPE_NOT_ALLOWED,
            _("Files of type %(type)s cannot be attached.") % {"type": content_type},
        )
    name = clean_name(name)
    info = image_info(data, content_type) if content_type in IMAGE_FORMATS else None
    scan(name, data, content_type)
    store = storage()
    key = f"{STORAGE_FOLDER}/{room.pk}/{uuid.uuid4().hex}"
    attachment = Attachment(  # type: ignore[misc]
        room=room,
        uploader=user,
        name=name,
        content_type=content_type,
        size=len(data),
        file=store.save(key, ContentFile(data)),
    )
    if info is not None:
        attachment.thumb = store.save(f"{key}.thumb.webp", ContentFile(info.thumb))
        attachment.width, attachment.height = info.width, info.height
    attachment.save()
    return attachment


def claim(
    *, user: AbstractBaseUser, message: Message, ids: Iterable[int]
) -> list[Attachment]:
    """Give ``message`` the uploads ``ids``; call inside its transaction.

    Each must be ``user``'s, uploaded into the message's room, and in no
    other message.

    Returns:
        The attachments, in the order of ``ids`` (repeats dropped).

    Raises:
        ParleyError: ``too_many_attachments`` past
            ``PARLEY_ATTACHMENTS_PER_MESSAGE``.
        NotFound: ``attachment_not_found`` for an id that is not an
            upload of ``user`` into this room.
        Conflict: ``attachment_used`` for one already sent.
    """
    wanted = list(dict.fromkeys(ids))
    check_count(wanted)
    found = {
        a.pk: a
        for a in Attachment.objects.select_for_update().filter(
            pk__in=wanted, uploader_id=user.pk, room_id=message.room_id
        )
    }
    if missing := [i for i in wanted if i not in found]:
        raise NotFound(
            ErrorCode.ATTACHMENT_NOT_FOUND,
            _("No upload %(id)d of yours in this room.") % {"id": missing[0]},
        )
    if any(a.message_id is not None for a in found.values()):
        raise Conflict(
            ErrorCode.ATTACHMENT_USED, _("This file was sent with another message.")
        )
    Attachment.objects.filter(pk__in=wanted).update(message=message)
    claimed = [found[i] for i in wanted]
    for attachment in claimed:
        attachment.message = message
    return claimed


def discard(*, user: AbstractBaseUser, attachment_id: int) -> None:
    """Delete an upload of ``user`` not sent yet, its files included.

    Raises:
        NotFound: ``attachment_not_found`` unless it is ``user``'s upload.
        Conflict: ``attachment_used`` once it was sent (deleting its
            message hides it).
    """
    with transaction.atomic():
        attachment = (
            Attachment.objects.select_for_update()
            .filter(pk=attachment_id, uploader_id=user.pk)
            .first()
        )
        if attachment is None:
            raise NotFound(ErrorCode.ATTACHMENT_NOT_FOUND, _("No such file."))
        if attachment.message_id is not None:
            raise Conflict(
                ErrorCode.ATTACHMENT_USED,
                _("This file was sent; delete its message instead."),
            )
        attachment.delete()
    store = storage()
    for name in (attachment.file, attachment.thumb):
        if name:
            store.delete(name)


def delete_files(names: Iterable[str]) -> None:
    """Delete stored files of attachments whose rows are gone (a retention
    purge, a deleted account); "" names are skipped, and one that fails is
    logged and left (a storage that is away must not undo the purge)."""
    store = storage()
    for name in names:
        if not name:
            continue
        try:
            store.delete(name)
        except Exception:
            logger.warning("could not delete the stored file %s", name, exc_info=True)


def check_count(ids: list[int]) -> None:
    """Raise ``too_many_attachments`` for more than
    ``PARLEY_ATTACHMENTS_PER_MESSAGE`` distinct ids."""
    limit = parley_settings.ATTACHMENTS_PER_MESSAGE
    if len(set(ids)) > limit:
        raise ParleyError(
            ErrorCode.TOO_MANY_ATTACHMENTS,
            _("A message carries at most %(limit)d files.") % {"limit": limit},
        )


def readable(*, user: AbstractBaseUser, attachment_id: int) -> Attachment:
    """The attachment ``attachment_id`` if ``user`` may download it.

    Readers of its room may, once it is in a message that is not deleted;
    before it is sent, its uploader alone.

    Raises:
        NotFound: ``attachment_not_found`` otherwise (never told apart
            from a missing one).
    """
    attachment = (
        Attachment.objects.select_related("room", "message")
        .filter(pk=attachment_id)
        .first()
    )
    if attachment is not None and user.is_authenticated:
        message = attachment.message
        if message is None and attachment.uploader_id == user.pk:
            return attachment
        if (
            message is not None
            and message.deleted_at is None
            and rooms.can_read(user, attachment.room)
        ):
            return attachment
    raise NotFound(ErrorCode.ATTACHMENT_NOT_FOUND, _("No such file."))


def open_file(attachment: Attachment, *, thumb: bool = False) -> "File[bytes]":
    """The stored file (or its thumbnail), open for reading.

    Raises:
        NotFound: ``attachment_not_found`` when asked for the thumbnail of
            a file that has none.
    """
    name = attachment.thumb if thumb else attachment.file
    if not name:
        raise NotFound(ErrorCode.ATTACHMENT_NOT_FOUND, _("No such file."))
    return storage().open(name, "rb")
