"""JSON API of attachments: ``POST /api/rooms/{slug}/attachments`` (upload)
and ``DELETE /api/attachments/{id}`` (an unsent upload).

Mounted on Parley's API (``parley.api.views.api``), with its sign-in,
request budget and errors. The upload is checked and stored by
``parley.services.attachments``; it is sent with a message by naming its
id in ``attachments`` (socket ``send`` or ``POST .../messages``).
"""

from typing import Annotated

from django.http import HttpRequest, HttpResponse
from ninja import File, Path, Router, Status
from ninja.files import UploadedFile

from parley.api.schemas import NO_NUL, AttachmentOut, Error, RateLimitedError
from parley.conf import parley_settings
from parley.services import attachments
from parley.wire import shapes

router = Router(tags=["attachments"])
ERRORS = {
    400: Error,
    409: Error,
    401: Error,
    403: Error,
    404: Error,
    422: Error,
    429: RateLimitedError,
}


@router.post("/rooms/{slug}/attachments", response={201: AttachmentOut, **ERRORS})
def upload_attachment(
    request: HttpRequest,
    slug: Annotated[str, Path(pattern=NO_NUL)],
    file: File[UploadedFile],
):
    """Upload one file (multipart/form-data, field ``file``) into a room the
    user may post in, to send with a message. 400
    ``attachment_too_large`` past ``PARLEY_ATTACHMENT_MAX_BYTES``,
    ``attachment_type_not_allowed`` for a type (sniffed from the bytes)
    outside ``PARLEY_ATTACHMENT_TYPES``, ``image_too_large`` /
    ``invalid_image`` for an image that declares too many pixels or does
    not decode, ``attachment_rejected`` when the scanner refuses it; 403
    ``guest_forbidden`` for guests."""
    # One byte past the limit: the service refuses it without the rest of
    # a huge upload ever being held in memory.
    data = file.read(parley_settings.ATTACHMENT_MAX_BYTES + 1)
    stored = attachments.upload(
        user=request.user, slug=slug, name=file.name or "", data=data
    )
    return Status(201, shapes.attachment(stored))


@router.delete("/attachments/{attachment_id}", response={204: None, **ERRORS})
def discard_attachment(request: HttpRequest, attachment_id: int):
    """Delete one of your uploads not sent yet (its chip removed before
    sending): 204. 404 ``attachment_not_found`` for anyone else's; 409
    ``attachment_used`` once sent (delete the message instead)."""
    attachments.discard(user=request.user, attachment_id=attachment_id)
    return HttpResponse(status=204)
