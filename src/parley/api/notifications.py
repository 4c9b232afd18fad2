"""JSON API of a user's notifications: ``GET /api/notifications`` (newest
first, a page at a time by id), ``POST /api/notifications/read`` and
``POST /api/notifications/{id}/read``; mounted on Parley's API
(``parley.api.views.api``), with its sign-in, request budget and errors.
"""

from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field

from parley.api.schemas import (
    Error,
    MarkedRead,
    NotificationOut,
    NotificationPage,
    RateLimitedError,
)
from parley.services import notifications
from parley.wire import shapes

router = Router(tags=["notifications"])
ERRORS = {401: Error, 403: Error, 404: Error, 422: Error, 429: RateLimitedError}


class NotificationQuery(Schema):
    before: int | None = Field(
        None, ge=1, description="only notifications with id < before"
    )
    limit: int | None = Field(None, ge=1, description="page size; capped by the server")


@router.get(
    "/notifications",
    response={200: NotificationPage, **ERRORS},
)
def list_notifications(request: HttpRequest, query: Query[NotificationQuery]):
    """The user's notifications, newest first, cursor by id; with the unread
    count. Guests get 403 ``guest_forbidden``."""
    page = notifications.notifications_page(
        user=request.user, before=query.before, limit=query.limit
    )
    return NotificationPage(
        notifications=[shapes.notification(n) for n in page.notifications],
        unread=page.unread,
        next_before=page.next_before,
    )


@router.post("/notifications/read", response={200: MarkedRead, **ERRORS})
def mark_all_notifications_read(request: HttpRequest):
    """Mark all the user's notifications read."""
    marked = notifications.mark_all_notifications_read(user=request.user)
    return MarkedRead(marked=marked, unread=0)


@router.post(
    "/notifications/{notification_id}/read",
    response={200: NotificationOut, **ERRORS},
)
def mark_notification_read(request: HttpRequest, notification_id: int):
    """Mark one of the user's notifications read; 404 for anyone else's."""
    notification = notifications.mark_notification_read(
        user=request.user, notification_id=notification_id
    )
    return shapes.notification(notification)
