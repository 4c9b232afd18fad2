"""Outgoing webhooks: a room's owner points its new messages at a URL.

A room's owner (or a staff member who can read it) creates, lists and
deletes its webhooks; at most ``PARLEY_WEBHOOKS_PER_ROOM`` each. A webhook
gets a generated secret, shown once when it is made, and a bot user of its
own (username ``hook#<hex>``, display name the webhook's name; no password,
no token), which posts what the target answers (``parley.services.bots``).

Each message stored in the room is planned for each active webhook in the
transaction that stores it (``plan``, called by
``parley.services.messages.store``): a ``WebhookDelivery`` row, due now. So
a stored message is never left unannounced, and a rolled-back one never
announced. A message by any webhook's bot plans nothing: two webhooks of a
room cannot answer each other for ever. The sweeper of each server process
(tasks inline) or of ``parley worker`` (``parley.management.sweeper``)
sends what came due, retrying with exponential backoff
(``parley.services.bots.send_webhook``).

The request is ``POST`` of JSON ``{"room": slug, "message": <the message
shape of parley.wire.shapes.message>}`` with the headers
``X-Parley-Delivery: <uuid>`` (the idempotency key, the same on every
attempt) and ``X-Parley-Signature: t=<unix seconds>,v1=<hex>``: the
HMAC-SHA256 under the secret of ``"<t>.<raw body>"``. That is Stripe's
scheme ("Verify webhook signatures", ``Stripe-Signature``,
https://docs.stripe.com/webhooks#verify-manually): the receiver recomputes
it, compares in constant time and refuses an old ``t`` (a replay).

No server-side request forgery (``resolve_target``): the URL must be
``https`` (``http`` too with ``PARLEY_WEBHOOK_ALLOW_HTTP``), without user
info, and its host is resolved and refused if any address is loopback,
private, link-local, reserved, multicast or unspecified, unless
``PARLEY_WEBHOOK_ALLOW_PRIVATE_ADDRESSES``. This is checked when the
webhook is made and again before each attempt (DNS may change), and the
attempt connects to the address that was checked (TLS still verifies the
host's name), so a name cannot resolve to a public address for the check
and a private one for the connection. Redirects are never followed.
"""

import hashlib
import hmac
import ipaddress
import secrets
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from parley.conf import parley_settings
from parley.models import Message, Room, Webhook, WebhookDelivery
from parley.services import profiles, rooms
from parley.wire.errors import ErrorCode, Forbidden, NotFound, ParleyError

# The column's size (parley.models.Webhook.url).
URL_MAX_CHARS = 1000
# Random bytes of a secret: 256 bits, as much as HMAC-SHA256's key uses.
SECRET_BYTES = 32
SECRET_PREFIX = "whsec_"
BOT_PREFIX = "hook#"
SIGNATURE_HEADER = "X-Parley-Signature"
DELIVERY_HEADER = "X-Parley-Delivery"


@dataclass(frozen=True, slots=True)
class Target:
    """Where a webhook's request goes, resolved and checked.

    Attributes:
        scheme: ``https`` (or ``http`` where allowed).
        host: the URL's host name (the ``Host`` header, TLS's SNI and the
            name its certificate must carry).
        port: the TCP port.
        path: the path and query to request ("/" at least).
        address: the IP address checked, the one to connect to.
    """

    scheme: str
    host: str
    port: int
    path: str
    address: str


def _refuse(message: str) -> ParleyError:
    return ParleyError(ErrorCode.ENDPOINT_NOT_ALLOWED, message)


def address_allowed(address: str) -> bool:
    """Whether a resolved ``address`` may be requested: a global unicast
    address (an IPv4-mapped IPv6 address is judged as its IPv4 address),
    or any with ``PARLEY_WEBHOOK_ALLOW_PRIVATE_ADDRESSES``."""
    if parley_settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES:
        return True
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not (
        ip.is_loopback
        or ip.is_private
        or ip.is_link_local
        or ip.is_reserved
        or ip.is_multicast
        or ip.is_unspecified
    )


def resolve_target(url: str) -> Target:
    """Check ``url`` and resolve its host (see the module).

    Returns:
        The target, to connect to its ``address``.

    Raises:
        ParleyError: ``endpoint_not_allowed`` for another scheme, user
            info, no host, a bad port, a host that does not resolve, or an
            address that is not allowed.
    """
    schemes = {"https", "http"} if parley_settings.WEBHOOK_ALLOW_HTTP else {"https"}
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise _refuse(_("This webhook URL is not valid.")) from None
    if len(url) > URL_MAX_CHARS or parts.scheme not in schemes:
        raise _refuse(_("A webhook URL is an https URL."))
    if not host or "@" in parts.netloc:
        raise _refuse(_("A webhook URL has a host and no user name."))
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise _refuse(_("This webhook's host does not resolve.")) from None
    addresses = [str(info[4][0]) for info in found]
    if not addresses or not all(address_allowed(a) for a in addresses):
        raise _refuse(_("Webhooks may not reach private or local addresses."))
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    return Target(parts.scheme, host, port, path, addresses[0])


def signature(secret: str, body: bytes, timestamp: int) -> str:
    """The ``X-Parley-Signature`` value of ``body`` sent at ``timestamp``
    (Unix seconds): ``t=<timestamp>,v1=<hex HMAC-SHA256 of "<t>.<body>"
    under secret>`` (Stripe's scheme; see the module)."""
    signed = f"{timestamp}.".encode() + body
    mac = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def _managed_room(user: AbstractBaseUser, slug: str) -> Room:
    """The room ``slug`` if ``user`` may manage its webhooks: its owner, or
    staff, who can read it; a direct room has no owner.

    Raises:
        NotFound: ``room_not_found`` for a room ``user`` may not read.
        Forbidden: ``forbidden`` for anyone else.
    """
    room = rooms.get_readable(user=user, slug=slug)
    if room.kind == Room.Kind.DIRECT or not (
        getattr(user, "is_staff", False) or rooms.is_owner(user=user, room=room)
    ):
        raise Forbidden(
            ErrorCode.FORBIDDEN, _("Only the room's owner manages its webhooks.")
        )
    return room


def _make_bot(name: str) -> AbstractBaseUser:
    """A new user for a webhook to post as: no password (it never signs
    in), username ``hook#<hex>`` (``#`` is refused by Django's username
    validator: no account can take it), display name ``name``."""
    user_model = get_user_model()
    username = f"{BOT_PREFIX}{secrets.token_hex(6)}"
    bot = user_model._default_manager.create_user(
        **{user_model.USERNAME_FIELD: username}
    )
    profiles.set_display_name(user=bot, name=name)
    return bot


def create_webhook(
    *, user: AbstractBaseUser, slug: str, url: str, name: str = ""
) -> tuple[Webhook, str]:
    """Add a webhook to room ``slug``.

    Args:
        user: the room's owner, or staff.
        slug: the room.
        url: the target; see ``resolve_target``.
        name: the name its bot posts under ("" for "Webhook"); see
            ``parley.services.profiles.clean_display_name``.

    Returns:
        The webhook and its secret, which is never shown again.

    Raises:
        NotFound, Forbidden: see ``_managed_room``.
        ParleyError: ``endpoint_not_allowed`` (``resolve_target``);
            ``invalid_name``; ``too_many_webhooks`` past
            ``PARLEY_WEBHOOKS_PER_ROOM``.
    """
    room = _managed_room(user, slug)
    name = profiles.clean_display_name(name) or _("Webhook")
    resolve_target(url)
    secret = SECRET_PREFIX + secrets.token_urlsafe(SECRET_BYTES)
    limit = parley_settings.WEBHOOKS_PER_ROOM
    with transaction.atomic():
        # Lock the room's row: two creations cannot both pass the limit.
        Room.objects.select_for_update().filter(pk=room.pk).first()
        if Webhook.objects.filter(room=room).count() >= limit:
            raise ParleyError(
                ErrorCode.TOO_MANY_WEBHOOKS,
                _("A room has at most %(limit)d webhooks.") % {"limit": limit},
            )
        webhook = Webhook.objects.create(  # type: ignore[misc]
            room=room,
            name=name,
            url=url,
            secret=secret,
            bot=_make_bot(name),
            created_by=user,
        )
    return webhook, secret


def webhooks_of(*, user: AbstractBaseUser, slug: str) -> list[Webhook]:
    """Room ``slug``'s webhooks, oldest first (the API shows no secret).
    Errors as ``_managed_room``."""
    room = _managed_room(user, slug)
    return list(Webhook.objects.filter(room=room).order_by("id"))


def delete_webhook(*, user: AbstractBaseUser, slug: str, webhook_id: int) -> None:
    """Delete webhook ``webhook_id`` of room ``slug`` and what it had left
    to send; its bot user is deactivated and keeps its messages.

    Raises:
        NotFound: ``not_found`` for no such webhook in that room; and as
            ``_managed_room``.
    """
    room = _managed_room(user, slug)
    webhook = Webhook.objects.filter(room=room, pk=webhook_id).first()
    if webhook is None:
        raise NotFound(ErrorCode.NOT_FOUND, _("No such webhook."))
    with transaction.atomic():
        bot = webhook.bot
        webhook.delete()
        if hasattr(bot, "is_active"):
            bot.is_active = False
            bot.save(update_fields=["is_active"])


def is_bot(user_id: int | None) -> bool:
    """Whether ``user_id`` is a webhook's bot user."""
    return user_id is not None and Webhook.objects.filter(bot_id=user_id).exists()


def plan(message: Message) -> int:
    """Plan ``message``'s delivery to each active webhook of its room, due
    now; nothing for a message by a webhook's bot. Called in the
    transaction that stores the message.

    Returns:
        How many deliveries were planned.
    """
    hooks = list(
        Webhook.objects.filter(room_id=message.room_id, active=True).values_list(
            "pk", flat=True
        )
    )
    if not hooks or is_bot(message.author_id):
        return 0
    now = timezone.now()
    WebhookDelivery.objects.bulk_create(
        [
            WebhookDelivery(webhook_id=hook, message=message, due_at=now)
            for hook in hooks
        ],
        ignore_conflicts=True,
    )
    return len(hooks)
