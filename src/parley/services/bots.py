"""What bots do: send webhook deliveries and post their answers; run slash
commands and post theirs.

**Webhooks** (planned by ``parley.services.webhooks``): ``sweep`` sends the
deliveries that came due, each claimed (``sending``, one more attempt) by
one conditional UPDATE before its request, so two sweepers never send one
attempt twice. The target is
resolved and checked again, and the request goes to the checked address
(``parley.services.webhooks.resolve_target``), with a timeout of
``PARLEY_WEBHOOK_TIMEOUT_SECS``, redirects not followed. A 2xx is
``sent``; a 5xx, a 429, a timeout or a connection error is retried after
``PARLEY_WEBHOOK_RETRY_SECS * 2**(attempt-1)`` seconds, up to
``PARLEY_WEBHOOK_MAX_ATTEMPTS`` attempts, then ``failed``; any other answer,
or a target no longer allowed, is ``failed`` at once. The delay is the
row's ``due_at``, polled by the sweeper thread (every
``PARLEY_DELIVERY_SWEEP_SECS``): no sleeping task holds a worker, and a
restarted process loses no retry. A process killed mid-request leaves the
attempt ``sending``: it is not sent again (at most once per attempt); the
receiver tells retries apart by ``X-Parley-Delivery``.

A 2xx answer of JSON ``{"text": "..."}`` (at most
``PARLEY_WEBHOOK_RESPONSE_MAX_BYTES``) is posted into the room by the
webhook's bot user, as a reply to the message, through
``parley.services.messages.send`` with ``as_bot`` (its checks of the
text, the broadcast; no message budget, since each answer answers one
message of a person, who spent theirs; never run as a slash command).

**Slash commands** (``parley.commands``): a message ``/name args`` is
stored and announced like any other (so everyone in the room sees what was
asked), then the task ``commands.run`` calls the command's function, and
its answer is posted as a reply by the command bot user
(``PARLEY_COMMAND_BOT_USERNAME``, made on first use). A command that raises
gets a reply saying it failed; the error is logged.
"""

import logging
import ssl
import time
from datetime import timedelta
from typing import Any, Literal

import certifi
import httpx
import orjson
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

import parley.commands as commands
from parley.conf import parley_settings
from parley.models import Message, Room, WebhookDelivery
from parley.services import messages, profiles, webhooks
from parley.wire import shapes
from parley.wire.errors import ErrorCode, ParleyError

logger = logging.getLogger(__name__)

# Most due deliveries one sweep sends.
SWEEP_BATCH = 100
# What one attempt came to: delivered; to try again later; refused for good.
Outcome = Literal["sent", "retry", "failed"]


def post_reply(*, bot: AbstractBaseUser, room: Room, text: str, to: int) -> None:
    """Post ``text`` into ``room`` as ``bot``, replying to message ``to``
    (or as a plain message once that one is deleted). Never raises: a text
    refused (empty, too long) is logged and dropped."""
    for reply_to in (to, None):
        try:
            messages.send(
                author=bot, room=room, text=text, reply_to=reply_to, as_bot=True
            )
            return
        except ParleyError as error:
            if reply_to is None or error.code not in {
                ErrorCode.MESSAGE_DELETED,
                ErrorCode.NOT_FOUND,
            }:
                logger.warning("a bot's reply in %s was refused: %s", room.slug, error)
                return


def _context() -> ssl.SSLContext:
    """The TLS context of webhook requests: certificates verified against
    ``PARLEY_WEBHOOK_CA_FILE``, else certifi's authorities."""
    return ssl.create_default_context(
        cafile=parley_settings.WEBHOOK_CA_FILE or certifi.where()
    )


def _reply_text(response: httpx.Response) -> str:
    """The ``text`` of a 2xx JSON answer ``{"text": "..."}`` read within
    ``PARLEY_WEBHOOK_RESPONSE_MAX_BYTES``; "" for any other answer."""
    limit = parley_settings.WEBHOOK_RESPONSE_MAX_BYTES
    body = b""
    try:
        for chunk in response.iter_bytes():
            body += chunk
            if len(body) > limit:
                return ""
    except httpx.HTTPError:
        # Delivered (a 2xx came); its body did not: no reply, no retry.
        return ""
    try:
        answer: Any = orjson.loads(body) if body else None
    except orjson.JSONDecodeError:
        return ""
    text = answer.get("text") if isinstance(answer, dict) else None
    return text if isinstance(text, str) else ""


def _request(delivery: WebhookDelivery, payload: bytes) -> tuple[Outcome, str, str]:
    """One attempt of ``delivery``: the outcome, an error to record, and
    the reply text of a 2xx answer."""
    webhook = delivery.webhook
    try:
        target = webhooks.resolve_target(webhook.url)
    except ParleyError as refused:
        return "failed", str(refused), ""
    address = f"[{target.address}]" if ":" in target.address else target.address
    default_port = 443 if target.scheme == "https" else 80
    host = f"[{target.host}]" if ":" in target.host else target.host
    if target.port != default_port:
        host = f"{host}:{target.port}"
    headers = {
        "Host": host,
        "Content-Type": "application/json",
        "User-Agent": "Parley-Webhook",
        webhooks.DELIVERY_HEADER: str(delivery.key),
        webhooks.SIGNATURE_HEADER: webhooks.signature(
            webhook.secret, payload, int(time.time())
        ),
    }
    url = f"{target.scheme}://{address}:{target.port}{target.path}"
    try:
        with (
            httpx.Client(
                verify=_context(),
                timeout=parley_settings.WEBHOOK_TIMEOUT_SECS,
                follow_redirects=False,
                trust_env=False,
            ) as client,
            client.stream(
                "POST",
                url,
                content=payload,
                headers=headers,
                # Connect to the checked address, verify the host's name.
                extensions={"sni_hostname": target.host},
            ) as response,
        ):
            status = response.status_code
            if 200 <= status < 300:
                return "sent", "", _reply_text(response)
    except httpx.HTTPError as error:
        return "retry", type(error).__name__, ""
    if status == 429 or status >= 500:
        return "retry", f"HTTP {status}", ""
    return "failed", f"HTTP {status}", ""


def _finish(delivery: WebhookDelivery, outcome: Outcome, error: str) -> None:
    """Record an attempt: sent, failed, or pending again after a backoff.
    An UPDATE, not a save: the webhook may have been deleted meanwhile."""
    row = WebhookDelivery.objects.filter(pk=delivery.pk)
    now = timezone.now()
    if outcome == "retry" and delivery.attempts < parley_settings.WEBHOOK_MAX_ATTEMPTS:
        wait = parley_settings.WEBHOOK_RETRY_SECS * 2 ** (delivery.attempts - 1)
        row.update(
            status=WebhookDelivery.Status.PENDING,
            due_at=now + timedelta(seconds=wait),
            error=error[:200],
        )
        return
    status = (
        WebhookDelivery.Status.SENT
        if outcome == "sent"
        else WebhookDelivery.Status.FAILED
    )
    row.update(status=status, error=error[:200], done_at=now)


def send_webhook(delivery_id: int) -> Outcome | None:
    """Claim delivery ``delivery_id`` if it is pending and due, send it and
    post the answer's reply (see the module).

    Returns:
        The attempt's outcome; None when there was nothing to send (claimed
        elsewhere, done, or its message deleted: ``skipped``).
    """
    # The claim is one conditional UPDATE: of two sweepers (any database),
    # one changes the row and sends; the other changes nothing and stops.
    due = WebhookDelivery.objects.filter(
        pk=delivery_id,
        status=WebhookDelivery.Status.PENDING,
        due_at__lte=timezone.now(),
    )
    if not due.update(
        status=WebhookDelivery.Status.SENDING, attempts=F("attempts") + 1
    ):
        return None
    delivery = WebhookDelivery.objects.select_related("webhook__bot").get(
        pk=delivery_id
    )
    message = profiles.with_authors(
        Message.objects.filter(pk=delivery.message_id, deleted_at__isnull=True)
    ).first()
    if message is None:
        WebhookDelivery.objects.filter(pk=delivery_id).update(
            status=WebhookDelivery.Status.SKIPPED, done_at=timezone.now()
        )
        return None
    payload = orjson.dumps(
        {"room": message.room.slug, "message": shapes.message(message)}
    )
    outcome, error, reply = _request(delivery, payload)
    _finish(delivery, outcome, error)
    if outcome != "sent":
        logger.warning(
            "webhook %s: delivery %s attempt %d: %s (%s)",
            delivery.webhook_id,
            delivery.key,
            delivery.attempts,
            outcome,
            error,
        )
    elif reply.strip():
        post_reply(
            bot=delivery.webhook.bot, room=message.room, text=reply, to=message.id
        )
    return outcome


def sweep() -> int:
    """Send the webhook deliveries that came due, oldest first, up to
    ``SWEEP_BATCH``. Returns how many were looked at."""
    due = list(
        WebhookDelivery.objects.filter(
            status=WebhookDelivery.Status.PENDING, due_at__lte=timezone.now()
        )
        .order_by("due_at")
        .values_list("pk", flat=True)[:SWEEP_BATCH]
    )
    for delivery_id in due:
        send_webhook(delivery_id)
    return len(due)


def command_bot() -> AbstractBaseUser:
    """The user that posts slash commands' answers
    (``PARLEY_COMMAND_BOT_USERNAME``), made on first use with no
    password."""
    user_model = get_user_model()
    named = {user_model.USERNAME_FIELD: parley_settings.COMMAND_BOT_USERNAME}
    manager = user_model._default_manager
    bot = manager.filter(**named).first()
    if bot is not None:
        return bot
    try:
        with transaction.atomic():
            return manager.create_user(**named)
    except IntegrityError:
        # Made at the same moment by another process.
        return manager.get(**named)


def run_command(message_id: int, command: str, args: str) -> str | None:
    """Task ``commands.run``: call command ``command`` for message
    ``message_id`` and post its answer (see the module).

    Returns:
        The answer posted, or None (the message or the command is gone,
        or the command answered nothing).
    """
    message = (
        Message.objects.select_related("room", "author")
        .filter(pk=message_id, deleted_at__isnull=True)
        .first()
    )
    name = command
    function = commands.lookup(name)
    if message is None or message.author is None or function is None:
        return None
    context = commands.CommandContext(
        user=message.author, room=message.room, args=args, message=message
    )
    try:
        answer = function(context)
    except Exception:
        logger.exception("the command /%s failed", name)
        answer = _("The command /%(name)s failed.") % {"name": name}
    if not answer or not answer.strip():
        return None
    post_reply(bot=command_bot(), room=message.room, text=answer, to=message.id)
    return answer
