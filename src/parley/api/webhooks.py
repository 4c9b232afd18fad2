"""JSON API of a room's outgoing webhooks (``parley.services.webhooks``).

``GET``/``POST /api/rooms/{slug}/webhooks``, ``DELETE
/api/rooms/{slug}/webhooks/{webhook_id}``: the room's owner (or staff) only;
mounted on Parley's API (``parley.api.views.api``), with its sign-in,
request budget and errors.
"""

from datetime import datetime
from typing import Annotated

from django.http import HttpRequest, HttpResponse
from ninja import Path, Router, Schema, Status
from pydantic import Field, StringConstraints

from parley.api.schemas import NO_NUL, Body, Error, RateLimitedError
from parley.models import Webhook
from parley.services import webhooks

router = Router(tags=["rooms"])
ERRORS = {
    400: Error,
    401: Error,
    403: Error,
    404: Error,
    422: Error,
    429: RateLimitedError,
}
Name = Annotated[str, Path(pattern=NO_NUL)]


class WebhookIn(Body):
    url: Annotated[str, StringConstraints(max_length=1000, pattern=NO_NUL)] = Field(
        description="the target: https, on a host with public addresses"
    )
    name: Annotated[str, StringConstraints(max_length=64, pattern=NO_NUL)] = Field(
        "", description='the name its bot posts under; "" for "Webhook"'
    )


class WebhookOut(Schema):
    id: int
    name: str
    url: str
    bot: str = Field(description="the username of the bot that posts its replies")
    active: bool
    created_at: datetime


class WebhookCreatedOut(WebhookOut):
    secret: str = Field(
        description="the signing secret of X-Parley-Signature; shown this once"
    )


def webhook_out(webhook: Webhook) -> dict:
    return {
        "id": webhook.pk,
        "name": webhook.name,
        "url": webhook.url,
        "bot": webhook.bot.get_username(),
        "active": webhook.active,
        "created_at": webhook.created_at,
    }


@router.get("/rooms/{slug}/webhooks", response={200: list[WebhookOut], **ERRORS})
def list_webhooks(request: HttpRequest, slug: Name):
    """The room's webhooks, oldest first, without their secrets. 403
    ``forbidden`` unless the room's owner or staff; 404 for a room the user
    may not read."""
    found = webhooks.webhooks_of(user=request.user, slug=slug)
    return [webhook_out(webhook) for webhook in found]


@router.post("/rooms/{slug}/webhooks", response={201: WebhookCreatedOut, **ERRORS})
def create_webhook(request: HttpRequest, slug: Name, body: WebhookIn):
    """Add a webhook: every new message of the room is POSTed to ``url``,
    signed; the answer's ``{"text"}`` is posted back by its bot. 201 with
    the ``secret`` (shown once); 400 ``endpoint_not_allowed`` for a URL
    that is not https or reaches a private address, ``too_many_webhooks``
    past ``PARLEY_WEBHOOKS_PER_ROOM``; 403 unless the owner or staff."""
    webhook, secret = webhooks.create_webhook(
        user=request.user, slug=slug, url=body.url, name=body.name
    )
    return Status(201, {**webhook_out(webhook), "secret": secret})


@router.delete("/rooms/{slug}/webhooks/{webhook_id}", response={204: None, **ERRORS})
def delete_webhook(request: HttpRequest, slug: Name, webhook_id: int):
    """Delete a webhook and what it had left to send; 404 ``not_found`` for
    no such webhook in the room."""
    webhooks.delete_webhook(user=request.user, slug=slug, webhook_id=webhook_id)
    return HttpResponse(status=204)
