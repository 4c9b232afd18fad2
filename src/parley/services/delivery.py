"""Reaching people who are away: plan, claim and send push and e-mail.

What is delivered: a direct message (kind ``direct``), a mention
(``mention``) and every ``parley.notify`` kind, to each recipient who did
not turn that kind's channel off (``parley.services.preferences``) and did
not mute the room.

- **Push** goes out at the next sweep (``parley.services.push``), unless the user is
  active now: they sent a frame on any socket, in any process, within
  ``PARLEY_ACTIVE_SECS`` (``touch``, stored in the database, the one store
  every process and worker share).
- **E-mail** waits ``PARLEY_EMAIL_DELAY_SECS`` (``parley.services.email``);
  when a user's first one comes due, everything of theirs still waiting and
  still unread goes out in one e-mail (a digest when several). A message
  read first is never e-mailed.

Each (user, channel, thing) is one ``Delivery`` row, the idempotency
record: planning twice plans once. A delivery is claimed (status
``sending``) in the same committed transaction that decides to send it
(still unread, user not active), before any byte leaves: a process killed
mid-send leaves it ``sending``, and nothing sends it again. At most once.
A push service's 5xx or 429, an SMTP 4xx, a timeout or a refused
connection put it back with exponential backoff (``PARLEY_DELIVERY_*``);
``PARLEY_DELIVERY_MAX_ATTEMPTS`` failures make it ``failed``; one still
waiting ``PARLEY_DELIVERY_EXPIRY_SECS`` after it was planned is dropped as
``expired``. ``/metrics`` counts them from this table
(``parley.ops.metrics``).

Planning runs as a deferred task (``parley.bus.tasks``: inline, or in
``parley worker``) and only writes rows: it never waits on a push service
or an SMTP server, so neither a socket's database thread nor the caller of
``parley.notify`` is ever held by one. ``sweep`` sends what came due (a
push at once, an e-mail after its delay, a retry after its backoff); it
runs every ``PARLEY_DELIVERY_SWEEP_SECS`` in a thread of each server
process (tasks inline) or of each worker (tasks deferred).
"""

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from parley.bus import tasks
from parley.conf import parley_settings
from parley.models import (
    Activity,
    Delivery,
    Membership,
    Message,
    Notification,
    PushSubscription,
    Room,
)
from parley.services import email, preferences, push
from parley.services.push import Item, Outcome

logger = logging.getLogger(__name__)

DIRECT_TASK = "delivery.direct"
NOTIFICATION_TASK = "delivery.notification"
# A notification's or push's text: the message's start, enough to recognise it.
EXCERPT_CHARS = 200
# Most deliveries of each channel one sweep looks at.
SWEEP_BATCH = 100


def touch(user_id: int) -> None:
    """Record that user ``user_id`` is active now (a socket sent a frame)."""
    Activity.objects.update_or_create(
        user_id=user_id, defaults={"seen_at": timezone.now()}
    )


def is_active(user_id: int, now: datetime | None = None) -> bool:
    """Whether user ``user_id`` sent a frame within ``PARLEY_ACTIVE_SECS``."""
    since = (now or timezone.now()) - timedelta(seconds=parley_settings.ACTIVE_SECS)
    return Activity.objects.filter(user_id=user_id, seen_at__gte=since).exists()


def _excerpt(text: str) -> str:
    if len(text) <= EXCERPT_CHARS:
        return text
    return text[: EXCERPT_CHARS - 1].rstrip() + "…"


def _message_item(message_id: int, user_id: int) -> Item | None:
    """What to say about message ``message_id``; None once it is deleted
    or read by ``user_id`` (their read position passed it, or they read
    its mention)."""
    message = (
        Message.objects.select_related("room", "author")
        .filter(pk=message_id, deleted_at__isnull=True)
        .first()
    )
    if message is None:
        return None
    room = message.room
    read_seq = (
        Membership.objects.filter(room=room, user_id=user_id)
        .values_list("last_read_seq", flat=True)
        .first()
    )
    mention_read = Notification.objects.filter(
        user_id=user_id, key=f"mention:{message.id}", read_at__isnull=False
    ).exists()
    if (read_seq is not None and read_seq >= message.seq) or mention_read:
        return None
    author = message.author.get_username() if message.author else "?"
    if room.kind == Room.Kind.DIRECT:
        kind, title = preferences.DIRECT_KIND, author
    else:
        kind = preferences.MENTION_KIND
        title = _("%(author)s mentioned you in %(room)s") % {
            "author": author,
            "room": room.title,
        }
    return Item(
        kind=kind,
        title=title,
        body=_excerpt(message.text),
        url=reverse("parley-room", args=[room.slug]),
        room=room.slug,
        topic=f"room:{room.slug}",
    )


def _notification_item(notification_id: int) -> Item | None:
    """What to say about a notification; None once it is read or gone."""
    notification = Notification.objects.filter(
        pk=notification_id, read_at__isnull=True
    ).first()
    if notification is None:
        return None
    room = notification.data.get("room")
    room = room if isinstance(room, str) else ""
    return Item(
        kind=notification.kind,
        title=notification.title,
        body=_excerpt(notification.body),
        url=notification.url,
        room=room,
        topic=f"room:{room}" if room else f"{notification.kind}:{notification.url}",
    )


def item_of(delivery: Delivery) -> Item | None:
    """What ``delivery`` says, or None when there is nothing left to say:
    the thing was read, deleted, or never existed."""
    what, _sep, number = delivery.ref.partition(":")
    if not number.isdigit():
        return None
    if what == "message":
        return _message_item(int(number), delivery.user_id)
    if what == "notification":
        return _notification_item(int(number))
    return None


def _plan(user_id: int, channel: str, ref: str, due_at: datetime) -> int | None:
    """Create the delivery; None when (user, channel, ref) was planned."""
    try:
        with transaction.atomic():
            return Delivery.objects.create(
                user_id=user_id, channel=channel, ref=ref, due_at=due_at
            ).pk
    except IntegrityError:
        return None


def _plan_for(user_id: int, kind: str, ref: str) -> None:
    """Plan push (due now) and e-mail (due after the delay) of ``ref`` for
    one user, by their preferences."""
    now = timezone.now()
    if (
        preferences.wants(user_id, kind, "push")
        and PushSubscription.objects.filter(user_id=user_id).exists()
    ):
        _plan(user_id, Delivery.Channel.PUSH, ref, now)
    if preferences.wants(user_id, kind, "email") and email.address_of(user_id):
        delay = timedelta(seconds=parley_settings.EMAIL_DELAY_SECS)
        _plan(user_id, Delivery.Channel.EMAIL, ref, now + delay)


def plan_direct(message_id: int) -> None:
    """Task ``delivery.direct``: plan the deliveries of a direct message to
    every member but its author who has not muted the conversation."""
    message = Message.objects.select_related("room").filter(pk=message_id).first()
    if message is None or message.room.kind != Room.Kind.DIRECT:
        return
    members = list(
        Membership.objects.filter(room_id=message.room_id)
        .exclude(user=message.author)
        .values_list("user_id", flat=True)
    )
    muted = preferences.muted_among(message.room_id, members)
    for user_id in members:
        if user_id not in muted:
            _plan_for(user_id, preferences.DIRECT_KIND, f"message:{message.id}")


def plan_notification(notification_id: int) -> None:
    """Task ``delivery.notification``: plan the deliveries of a stored
    notification. A mention is planned as its message (so a mention in a
    direct message is delivered once)."""
    notification = Notification.objects.filter(pk=notification_id).first()
    if notification is None:
        return
    message_id = notification.data.get("message")
    if notification.kind == preferences.MENTION_KIND and isinstance(message_id, int):
        ref = f"message:{message_id}"
    else:
        ref = f"notification:{notification.id}"
    _plan_for(notification.user_id, notification.kind, ref)


def dispatch_direct_sync(message: Message) -> None:
    """After a direct message is published: run ``delivery.direct`` (inline
    or in the worker). Never raises: the message stays sent."""
    try:
        tasks.submit_sync(DIRECT_TASK, message_id=message.id)
    except Exception:
        logger.exception("planning the deliveries of message %s failed", message.id)


async def dispatch_direct(message: Message) -> None:
    """``dispatch_direct_sync`` for async callers (the sockets)."""
    try:
        await tasks.submit(DIRECT_TASK, message_id=message.id)
    except Exception:
        logger.exception("planning the deliveries of message %s failed", message.id)


def dispatch_notification(notification_id: int) -> None:
    """Run ``delivery.notification`` once the surrounding transaction
    commits (a rollback plans nothing). Never raises."""

    def submit() -> None:
        try:
            tasks.submit_sync(NOTIFICATION_TASK, notification_id=notification_id)
        except Exception:
            logger.exception("planning notification %s failed", notification_id)

    transaction.on_commit(submit)


def _expired(delivery: Delivery, now: datetime) -> bool:
    age = timedelta(seconds=parley_settings.DELIVERY_EXPIRY_SECS)
    return delivery.created_at < now - age


def _close(delivery: Delivery, status: str, error: str = "") -> None:
    delivery.status = status
    delivery.error = error[:200]
    delivery.done_at = timezone.now()
    delivery.save(update_fields=["status", "error", "done_at"])


def _finish(delivery: Delivery, outcome: Outcome) -> None:
    """Record a send's outcome: sent, skipped (nowhere to send), failed, or
    back to pending with exponential backoff."""
    if outcome == "sent":
        _close(delivery, Delivery.Status.SENT)
    elif outcome == "none":
        _close(delivery, Delivery.Status.SKIPPED, "nowhere to send")
    elif (
        outcome == "failed"
        or delivery.attempts >= parley_settings.DELIVERY_MAX_ATTEMPTS
    ):
        _close(delivery, Delivery.Status.FAILED, outcome)
    else:
        wait = parley_settings.DELIVERY_RETRY_SECS * 2 ** (delivery.attempts - 1)
        delivery.status = Delivery.Status.PENDING
        delivery.due_at = timezone.now() + timedelta(seconds=wait)
        delivery.error = "retry"
        delivery.save(update_fields=["status", "due_at", "error"])


def _attempt(send: Callable[..., Outcome], *args: Any) -> Outcome:
    """``send(*args)``; an unexpected error (a key the push library cannot
    use, a broken template) is logged and counts as ``failed``, so the
    claimed delivery is closed rather than left ``sending``."""
    try:
        return send(*args)
    except Exception:
        logger.exception("a delivery failed unexpectedly")
        return "failed"


def send_push(delivery_id: int) -> None:
    """Claim push delivery ``delivery_id`` if it is due and still worth
    sending, then send it (see the module). Does nothing for a delivery
    that is not pending and due (claimed elsewhere, done)."""
    now = timezone.now()
    with transaction.atomic():
        delivery = (
            Delivery.objects.select_for_update()
            .filter(pk=delivery_id, status=Delivery.Status.PENDING, due_at__lte=now)
            .first()
        )
        if delivery is None:
            return
        item = item_of(delivery)
        if _expired(delivery, now):
            _close(delivery, Delivery.Status.EXPIRED)
            return
        if item is None:
            _close(delivery, Delivery.Status.SKIPPED, "read")
            return
        if is_active(delivery.user_id, now):
            _close(delivery, Delivery.Status.SKIPPED, "active")
            return
        delivery.status = Delivery.Status.SENDING
        delivery.attempts += 1
        delivery.save(update_fields=["status", "attempts"])
    _finish(delivery, _attempt(push.deliver, delivery.user_id, item))


def send_email(user_id: int) -> None:
    """If one of user ``user_id``'s e-mails is due, claim all their waiting
    unread ones (up to ``PARLEY_EMAIL_DIGEST_MAX``) and send one e-mail."""
    now = timezone.now()
    with transaction.atomic():
        waiting = list(
            Delivery.objects.select_for_update()
            .filter(
                user_id=user_id,
                channel=Delivery.Channel.EMAIL,
                status=Delivery.Status.PENDING,
            )
            .order_by("id")
        )
        if not any(delivery.due_at <= now for delivery in waiting):
            return
        claimed: list[tuple[Delivery, Item]] = []
        for delivery in waiting:
            item = item_of(delivery)
            if _expired(delivery, now):
                _close(delivery, Delivery.Status.EXPIRED)
            elif item is None:
                _close(delivery, Delivery.Status.SKIPPED, "read")
            elif len(claimed) < parley_settings.EMAIL_DIGEST_MAX:
                delivery.status = Delivery.Status.SENDING
                delivery.attempts += 1
                delivery.save(update_fields=["status", "attempts"])
                claimed.append((delivery, item))
    if not claimed:
        return
    address = email.address_of(user_id)
    items = [item for _d, item in claimed]
    outcome: Outcome = (
        _attempt(email.send_missed, user_id, address, items) if address else "none"
    )
    for delivery, _item in claimed:
        _finish(delivery, outcome)


def sweep() -> int:
    """Send what came due: expire old deliveries, then send due pushes (a
    retry) and due e-mails, up to ``SWEEP_BATCH`` of each.

    Returns:
        How many pushes and e-mail recipients were looked at.
    """
    now = timezone.now()
    age = timedelta(seconds=parley_settings.DELIVERY_EXPIRY_SECS)
    old = Delivery.objects.filter(
        status=Delivery.Status.PENDING, created_at__lt=now - age
    )
    # Read first: an UPDATE takes SQLite's write lock even when it matches
    # nothing, and a sweep usually finds nothing.
    if old.exists():
        old.update(status=Delivery.Status.EXPIRED, done_at=now)
    due = Delivery.objects.filter(status=Delivery.Status.PENDING, due_at__lte=now)
    pushes = list(
        due.filter(channel=Delivery.Channel.PUSH)
        .order_by("due_at")
        .values_list("pk", flat=True)[:SWEEP_BATCH]
    )
    for delivery_id in pushes:
        send_push(delivery_id)
    people = list(
        due.filter(channel=Delivery.Channel.EMAIL)
        .order_by("user_id")
        .values_list("user_id", flat=True)
        .distinct()[:SWEEP_BATCH]
    )
    for user_id in people:
        send_email(user_id)
    return len(pushes) + len(people)
