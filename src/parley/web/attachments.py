"""Downloads of attachments: ``/files/<id>/`` and ``/files/<id>/thumb/``.

Thin: ``parley.services.attachments.readable`` decides who may read a
file (readers of its room while its message stands; its uploader before
it is sent; anyone else gets 404, never told apart from a missing file).
The answer is the stored bytes under the type sniffed at upload, with
``X-Content-Type-Options: nosniff``, a CSP that lets the file run nothing
(``sandbox``), and ``Content-Disposition: attachment`` for anything but an
image, so a file is never shown as a page of this site. Behind nginx,
``PARLEY_ATTACHMENT_ACCEL_PREFIX`` hands the sending to nginx
(``X-Accel-Redirect``; ``docs/deploy.md``).
"""

from urllib.parse import quote

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_safe

from parley.conf import parley_settings
from parley.models import Attachment
from parley.services import attachments, tokens
from parley.wire.errors import ParleyError

# Nothing in a file may run, load or be framed if a browser renders it.
FILE_CSP = "default-src 'none'; sandbox"
# A file never changes, but who may read it can: browsers keep it, shared
# caches do not.
FILE_CACHE_CONTROL = "private, max-age=3600"


def _reader(request: HttpRequest):
    """The session's user, or the user of ``Authorization: Bearer``."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer" and token:
        return tokens.authenticate(token.strip())
    return request.user


def _file(request: HttpRequest, attachment_id: int) -> Attachment:
    reader = _reader(request)
    if reader is None:
        raise Http404
    try:
        return attachments.readable(user=reader, attachment_id=attachment_id)
    except ParleyError:
        raise Http404 from None


def _respond(
    attachment: Attachment, *, name: str, content_type: str, inline: bool, thumb: bool
) -> HttpResponse:
    stored = attachment.thumb if thumb else attachment.file
    prefix = parley_settings.ATTACHMENT_ACCEL_PREFIX
    if prefix:
        response = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = prefix.rstrip("/") + "/" + quote(stored)
    else:
        response = FileResponse(
            attachments.open_file(attachment, thumb=thumb), content_type=content_type
        )
    disposition = content_disposition_header(not inline, name)
    if disposition:
        response["Content-Disposition"] = disposition
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = FILE_CSP
    response["Cache-Control"] = FILE_CACHE_CONTROL
    return response


@require_safe
def download(request: HttpRequest, attachment_id: int) -> HttpResponse:
    """The file itself: images inline, anything else as a download."""
    attachment = _file(request, attachment_id)
    content_type = attachment.content_type
    if content_type.startswith("text/"):
        content_type += "; charset=utf-8"
    return _respond(
        attachment,
        name=attachment.name,
        content_type=content_type,
        inline=attachment.content_type in attachments.IMAGE_FORMATS,
        thumb=False,
    )


@require_safe
def thumbnail(request: HttpRequest, attachment_id: int) -> HttpResponse:
    """An image's thumbnail (WebP); 404 for a file that has none."""
    attachment = _file(request, attachment_id)
    if not attachment.thumb:
        raise Http404
    return _respond(
        attachment,
        name="thumb.webp",
        content_type=attachments.THUMB_CONTENT_TYPE,
        inline=True,
        thumb=True,
    )
