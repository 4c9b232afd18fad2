"""Web Push: subscriptions and sending (RFC 8030 delivery, RFC 8291
message encryption, RFC 8292 VAPID), with pywebpush and py-vapid.

A browser subscribes with its ``PushSubscription`` JSON (``endpoint`` and
``keys.p256dh``/``keys.auth``). The endpoint is accepted only over
``https`` on a host of ``PARLEY_PUSH_ALLOWED_HOSTS`` (the browsers' push
services), checked again before each send; redirects are never followed.
So a subscription cannot make the server request anything else: no
server-side request forgery. ``PARLEY_PUSH_ALLOW_INSECURE_ENDPOINTS`` also
allows ``http`` (tests' loopback push service).

A push's payload is JSON ``{title, body, url, room, kind, tag}``, encrypted
(``aes128gcm``) for the subscription's keys; ``Topic`` (RFC 8030 section
5.4) is a hash of the conversation, so a push service keeps only the newest
of a conversation for a browser that is offline, and the service worker
shows one notification per conversation (``tag``).
"""

import base64
import hashlib
import string
import time
from dataclasses import dataclass
from typing import Any, Literal, NoReturn
from urllib.parse import urlsplit

import orjson
import requests
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils.translation import gettext as _
from py_vapid import Vapid02
from pywebpush import WebPusher

from parley.conf import parley_settings
from parley.models import PushSubscription
from parley.services.guests import refuse_guests
from parley.wire.errors import ErrorCode, NotFound, ParleyError

# What one send came to: sent to at least one browser; nowhere to send;
# to try again later (5xx, 429, timeout); refused for good.
Outcome = Literal["sent", "none", "retry", "failed"]
# The columns' sizes (parley.models.PushSubscription).
ENDPOINT_MAX_CHARS = 1000
KEY_MAX_CHARS = 100
# A VAPID token's life (RFC 8292 section 2: at most 24 hours).
VAPID_TOKEN_SECS = 12 * 60 * 60
# RFC 8030 section 5.4: a Topic is at most 32 base64url characters.
TOPIC_CHARS = 32
GONE = (404, 410)
BASE64URL = frozenset(string.ascii_letters + string.digits + "-_")


@dataclass(frozen=True, slots=True)
class Item:
    """One thing to tell a user about, by push or in an e-mail.

    Attributes:
        kind: ``direct``, ``mention`` or a ``parley.notify`` kind.
        title: the line people read.
        body: more text (a message's start), maybe empty.
        url: where a click leads, relative to the site.
        room: the conversation's slug, or "" for none.
        topic: the collapse key: one per conversation.
    """

    kind: str
    title: str
    body: str
    url: str
    room: str
    topic: str


def public_key() -> str:
    """The VAPID public key browsers subscribe with (base64url of the
    uncompressed P-256 point), from ``PARLEY_VAPID_PUBLIC_KEY`` or derived
    from ``PARLEY_VAPID_PRIVATE_KEY``.

    Raises:
        NotFound: ``push_unavailable`` when no VAPID key is configured.
    """
    if key := parley_settings.VAPID_PUBLIC_KEY:
        return str(key)
    vapid = _vapid()
    raw = vapid.public_key.public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _vapid() -> Vapid02:
    private = parley_settings.VAPID_PRIVATE_KEY
    if not private:
        raise NotFound(ErrorCode.PUSH_UNAVAILABLE, _("Push is not configured."))
    return Vapid02.from_raw(private.encode())


def endpoint_allowed(endpoint: str) -> bool:
    """Whether ``endpoint`` may be requested: ``https`` (or ``http`` with
    ``PARLEY_PUSH_ALLOW_INSECURE_ENDPOINTS``), no user info, on a host of
    ``PARLEY_PUSH_ALLOWED_HOSTS`` (an entry ``.example.com`` allows its
    subdomains)."""
    try:
        parts = urlsplit(endpoint)
        host = (parts.hostname or "").lower()
        parts.port  # noqa: B018 -- raises ValueError for a bad port
    except ValueError:
        return False
    schemes = {"https"}
    if parley_settings.PUSH_ALLOW_INSECURE_ENDPOINTS:
        schemes.add("http")
    if parts.scheme not in schemes or not host or "@" in parts.netloc:
        return False
    for entry in str(parley_settings.PUSH_ALLOWED_HOSTS).split(","):
        entry = entry.strip().lower()
        if entry and (
            host == entry or (entry.startswith(".") and host.endswith(entry))
        ):
            return True
    return False


def _key(value: object, size: int) -> bytes:
    """``value`` decoded: base64url (RFC 4648 section 5, no other
    characters) of exactly ``size`` bytes; b"" otherwise."""
    if not isinstance(value, str) or not 0 < len(value) <= KEY_MAX_CHARS:
        return b""
    if not set(value) <= BASE64URL:
        return b""
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except ValueError:
        return b""
    return raw if len(raw) == size else b""


def _checked_keys(keys: dict[str, Any]) -> tuple[str, str]:
    """The subscription's ``p256dh`` (a point on P-256, RFC 8291 section
    3.1) and ``auth`` (16 bytes, section 3.2), checked.

    Raises:
        ParleyError: ``invalid_subscription`` for either that is not.
    """
    p256dh = _key(keys.get("p256dh"), 65)
    try:
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), p256dh)
    except ValueError:
        _refuse_key("p256dh")
    if not _key(keys.get("auth"), 16):
        _refuse_key("auth")
    return str(keys["p256dh"]), str(keys["auth"])


def _refuse_key(name: str) -> NoReturn:
    raise ParleyError(
        ErrorCode.INVALID_SUBSCRIPTION,
        _("The subscription's %(name)s key is not valid.") % {"name": name},
    )


def subscribe(
    *, user: AbstractBaseUser, subscription: dict[str, Any]
) -> PushSubscription:
    """Store ``user``'s browser ``subscription`` (``PushSubscription.toJSON()``);
    the same endpoint again updates its keys.

    Raises:
        Forbidden: ``guest_forbidden`` for a guest.
        ParleyError: ``invalid_subscription`` for a malformed subscription
            (keys: ``p256dh`` a 65-byte point, ``auth`` 16 bytes);
            ``endpoint_not_allowed`` for an endpoint not on an allowed push
            service over https; ``too_many_subscriptions`` past
            ``PARLEY_PUSH_SUBSCRIPTIONS_PER_USER``.
    """
    refuse_guests(user, _("Guests get no notifications."))
    endpoint = subscription.get("endpoint")
    keys = subscription.get("keys")
    if not isinstance(endpoint, str) or not isinstance(keys, dict):
        raise ParleyError(
            ErrorCode.INVALID_SUBSCRIPTION,
            _("A subscription has an endpoint and keys."),
        )
    if len(endpoint) > ENDPOINT_MAX_CHARS or not endpoint_allowed(endpoint):
        raise ParleyError(
            ErrorCode.ENDPOINT_NOT_ALLOWED,
            _("Push endpoints must be https URLs of a known push service."),
        )
    p256dh, auth = _checked_keys(keys)
    with transaction.atomic():
        existing = PushSubscription.objects.filter(endpoint=endpoint).first()
        if existing is None:
            held = PushSubscription.objects.filter(user=user).count()  # type: ignore[misc]
            if held >= parley_settings.PUSH_SUBSCRIPTIONS_PER_USER:
                raise ParleyError(
                    ErrorCode.TOO_MANY_SUBSCRIPTIONS,
                    _("At most %(limit)d browsers may get push notifications.")
                    % {"limit": parley_settings.PUSH_SUBSCRIPTIONS_PER_USER},
                )
            existing = PushSubscription(endpoint=endpoint)
        existing.user = user  # type: ignore[assignment]
        existing.p256dh = p256dh
        existing.auth = auth
        existing.save()
    return existing


def unsubscribe(*, user: AbstractBaseUser, endpoint: str) -> None:
    """Delete ``user``'s subscription with ``endpoint``.

    Raises:
        Forbidden: ``guest_forbidden`` for a guest.
        NotFound: ``not_found`` unless ``user`` holds it (someone else's is
            reported like a missing one).
    """
    refuse_guests(user, _("Guests get no notifications."))
    deleted, _rows = PushSubscription.objects.filter(  # type: ignore[misc]
        user=user, endpoint=endpoint
    ).delete()
    if not deleted:
        raise NotFound(ErrorCode.NOT_FOUND, _("No such subscription."))


def topic(key: str) -> str:
    """The ``Topic`` header for a conversation key: 32 base64url characters
    of its SHA-256 (RFC 8030 section 5.4)."""
    digest = hashlib.sha256(key.encode()).digest()
    return base64.urlsafe_b64encode(digest).decode()[:TOPIC_CHARS]


class _NoRedirects(requests.Session):
    """A session that never follows a redirect: a push service's 3xx is an
    answer, not a way to reach another host."""

    def request(self, *args: Any, **kwargs: Any) -> requests.Response:
        kwargs["allow_redirects"] = False
        return super().request(*args, **kwargs)


def _send_one(
    session: requests.Session,
    vapid: Vapid02,
    sub: PushSubscription,
    payload: bytes,
    item: Item,
) -> Outcome:
    parts = urlsplit(sub.endpoint)
    claims = {
        "sub": parley_settings.VAPID_SUBJECT,
        "aud": f"{parts.scheme}://{parts.netloc}",
        "exp": int(time.time()) + VAPID_TOKEN_SECS,
    }
    headers = {"Topic": topic(item.topic), "Urgency": "normal", **vapid.sign(claims)}
    info = {"endpoint": sub.endpoint, "keys": {"p256dh": sub.p256dh, "auth": sub.auth}}
    try:
        response = WebPusher(info, requests_session=session).send(
            payload,
            headers,
            ttl=int(parley_settings.PUSH_TTL_SECS),
            timeout=parley_settings.PUSH_TIMEOUT_SECS,
        )
    except requests.RequestException:
        return "retry"
    status = getattr(response, "status_code", 0)
    if status in GONE:
        sub.delete()
        return "none"
    if 200 <= status < 300:
        return "sent"
    return "retry" if status == 429 or status >= 500 else "failed"


def deliver(user_id: int, item: Item) -> Outcome:
    """Push ``item`` to every browser of user ``user_id``.

    A subscription answered 404 or 410 (RFC 8030 section 7.3), or whose
    endpoint is no longer allowed, is deleted.

    Returns:
        ``sent`` if one browser took it (the others are not retried, so
        none gets it twice); else ``retry`` if one answered 5xx or 429 or
        did not answer within ``PARLEY_PUSH_TIMEOUT_SECS``; else
        ``failed`` if one refused it; else ``none``.
    """
    subscriptions = list(PushSubscription.objects.filter(user_id=user_id))
    if not subscriptions:
        return "none"
    vapid = _vapid()
    payload = orjson.dumps(
        {
            "title": item.title,
            "body": item.body,
            "url": item.url,
            "room": item.room,
            "kind": item.kind,
            "tag": topic(item.topic),
        }
    )
    outcomes: set[Outcome] = set()
    with _NoRedirects() as session:
        for sub in subscriptions:
            if not endpoint_allowed(sub.endpoint):
                sub.delete()
                continue
            outcomes.add(_send_one(session, vapid, sub, payload, item))
    ranked: tuple[Outcome, ...] = ("sent", "retry", "failed")
    return next((outcome for outcome in ranked if outcome in outcomes), "none")
