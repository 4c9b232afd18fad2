"""Notifications: store one for a user, push it to their open sockets, list
and mark them read.

``notify`` stores, then publishes the user frame ``notification`` once the
surrounding transaction commits: a rolled-back change (an order whose save
failed) notifies nobody, and a client that hears of a notification can
already read it over the API. ``parley.notify`` is this function.
"""

from dataclasses import dataclass
from typing import Any

# A user is an AbstractBaseUser: the user model is swappable (AUTH_USER_MODEL),
# but django-stubs types a foreign key to it as the configured model
# (auth.User); "type: ignore[misc]" marks where one is stored or looked up.
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from parley.bus.publish import publish_on_commit
from parley.conf import parley_settings
from parley.models import Notification
from parley.services import delivery, preferences
from parley.services.guests import refuse_guests
from parley.wire import events, shapes
from parley.wire.errors import ErrorCode, NotFound, ParleyError
from parley.wire.frames import ServerFrameType

# The columns' sizes (see parley.models.Notification).
KIND_MAX_CHARS = 32
TITLE_MAX_CHARS = 200
URL_MAX_CHARS = 500
KEY_MAX_CHARS = 100


def _check(value: str, name: str, limit: int, *, required: bool) -> str:
    if (required and not value) or len(value) > limit:
        raise ParleyError(
            ErrorCode.INVALID_REQUEST,
            _("A notification's %(name)s has %(low)d to %(limit)d characters.")
            % {"name": name, "low": int(required), "limit": limit},
        )
    return value


def notify(
    user: AbstractBaseUser,
    *,
    kind: str,
    title: str,
    body: str = "",
    url: str = "",
    data: dict[str, Any] | None = None,
    key: str = "",
) -> Notification:
    """Store a notification for ``user``; push it to their open sockets on
    commit.

    Call it anywhere, inside a transaction or not (a ``post_save`` receiver,
    a view, a task). Every open socket of ``user`` gets the user frame
    ``notification {id, kind, title, body, url, data, ts}`` after the
    surrounding transaction commits (at once outside one); a rollback
    undoes the row and sends nothing. Then push and e-mail are planned
    (``parley.services.delivery``). A kind whose ``in_app`` the user turned
    off (``parley.services.preferences``) is stored already read, with no
    frame.

    Args:
        user: whom to notify.
        kind: a short word clients may style by ("order", "mention"), 1 to
            32 characters.
        title: the line people read, 1 to 200 characters.
        body: more text, optional.
        url: where a click leads ("/orders/42/"), at most 500 characters.
        data: JSON-serializable details for clients; ``{}`` if None.
        key: an idempotency key, at most 100 characters: a second call with
            the same ``user`` and ``key`` returns the first notification and
            sends nothing. "" for none.

    Returns:
        The stored notification (the first one, for a repeated ``key``).

    Raises:
        ParleyError: ``invalid_request`` for an empty or too long field.
        Forbidden: ``guest_forbidden`` when ``user`` is a guest.
        TypeError: when ``data`` is not JSON-serializable.
    """
    _check(kind, "kind", KIND_MAX_CHARS, required=True)
    _check(title, "title", TITLE_MAX_CHARS, required=True)
    _check(url, "url", URL_MAX_CHARS, required=False)
    _check(key, "key", KEY_MAX_CHARS, required=False)
    refuse_guests(user, _("Guests get no notifications."))
    in_app = preferences.wants(user.pk, kind, "in_app")
    try:
        with transaction.atomic():
            notification = Notification.objects.create(  # type: ignore[misc]
                user=user,
                kind=kind,
                title=title,
                body=body,
                url=url,
                data=data or {},
                key=key,
                read_at=None if in_app else timezone.now(),
            )
            if in_app:
                frame = shapes.notification(notification)
                del frame["read"]
                publish_on_commit(
                    events.user_frame(user.pk, ServerFrameType.NOTIFICATION, **frame)
                )
            delivery.dispatch_notification(notification.id)
    except IntegrityError:
        earlier = Notification.objects.filter(user=user, key=key).first()  # type: ignore[misc]
        if not key or earlier is None:
            raise
        return earlier
    return notification


@dataclass(frozen=True, slots=True)
class NotificationPage:
    """A page of ``notifications_page``.

    Attributes:
        notifications: newest first.
        unread: how many of the user's notifications are unread, in all.
        next_before: the ``before`` of the next older page; None at the end.
    """

    notifications: list[Notification]
    unread: int
    next_before: int | None


def notifications_page(
    *, user: AbstractBaseUser, before: int | None = None, limit: int | None = None
) -> NotificationPage:
    """A page of ``user``'s notifications, newest first, cursor by ``id``.

    Args:
        before: only notifications with ``id < before``; None for the newest.
        limit: page size, 1 to ``PARLEY_NOTIFICATIONS_PAGE_MAX`` (larger
            values give that maximum); None for
            ``PARLEY_NOTIFICATIONS_PAGE_DEFAULT``.

    Raises:
        Forbidden: ``guest_forbidden`` for a guest.
    """
    refuse_guests(user, _("Guests get no notifications."))
    largest = parley_settings.NOTIFICATIONS_PAGE_MAX
    if limit is None:
        limit = parley_settings.NOTIFICATIONS_PAGE_DEFAULT
    limit = max(1, min(limit, largest))
    mine = Notification.objects.filter(user=user)  # type: ignore[misc]
    page = mine if before is None else mine.filter(id__lt=before)
    # One more than asked tells whether an older page exists.
    rows = list(page.order_by("-id")[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    return NotificationPage(
        notifications=rows,
        unread=mine.filter(read_at__isnull=True).count(),
        next_before=rows[-1].id if more else None,
    )


def mark_notification_read(
    *, user: AbstractBaseUser, notification_id: int
) -> Notification:
    """Mark ``user``'s notification read (again: no change).

    Raises:
        Forbidden: ``guest_forbidden`` for a guest.
        NotFound: ``not_found`` unless the notification is ``user``'s
            (someone else's is reported exactly like a missing one).
    """
    refuse_guests(user, _("Guests get no notifications."))
    notification = Notification.objects.filter(pk=notification_id, user=user).first()  # type: ignore[misc]
    if notification is None:
        raise NotFound(ErrorCode.NOT_FOUND, _("No such notification."))
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


def mark_all_notifications_read(*, user: AbstractBaseUser) -> int:
    """Mark every unread notification of ``user`` read.

    Returns:
        How many were unread.

    Raises:
        Forbidden: ``guest_forbidden`` for a guest.
    """
    refuse_guests(user, _("Guests get no notifications."))
    return Notification.objects.filter(user=user, read_at__isnull=True).update(  # type: ignore[misc]
        read_at=timezone.now()
    )
