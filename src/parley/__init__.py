"""Parley: real-time chat and notifications for Django, built on Channels.

``parley.notify`` and ``parley.anotify`` push a notification to a user's open
tabs from anywhere in a project. Importing ``parley`` is cheap and safe before
Django is set up: the functions import Django's parts when called.
"""

from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

    from parley.models import Notification

from parley.version import __version__ as __version__


def notify(
    user: "AbstractBaseUser",
    *,
    kind: str,
    title: str,
    body: str = "",
    url: str = "",
    data: dict[str, Any] | None = None,
    key: str = "",
) -> "Notification":
    """Store a notification for ``user`` and push it to every open socket of
    theirs once the surrounding transaction commits (a rollback sends
    nothing).

    Call it from any thread of any process that shares the servers' database
    and channel layer (a view, a management command, a WSGI or Celery
    worker), any number of times, on every shared layer (Redis, RabbitMQ:
    see ``parley.bus.layers``). A channel layer that does not take the
    frame within ``PARLEY_PUBLISH_TIMEOUT_SECS`` (a broker that is down)
    holds the caller no longer: the notification stays stored, the frame is
    dropped with a logged warning, and clients see it on their next load.

    Example, from a ``post_save`` receiver::

        parley.notify(order.owner, kind="order", title="Order #42 is shipped",
                      url="/orders/42/", data={"order": 42})

    See ``parley.services.notifications.notify`` for the arguments, the
    ``key`` (an idempotency key) and the errors.
    """
    from parley.services.notifications import notify as store_and_push

    return store_and_push(
        user, kind=kind, title=title, body=body, url=url, data=data, key=key
    )


async def anotify(
    user: "AbstractBaseUser",
    *,
    kind: str,
    title: str,
    body: str = "",
    url: str = "",
    data: dict[str, Any] | None = None,
    key: str = "",
) -> "Notification":
    """``notify`` for async code: the database work runs on Parley's database
    thread (``parley.db``)."""
    from parley.db import database_sync_to_async
    from parley.services.notifications import notify as store_and_push

    # parley.db is not typed yet: what the wrapper returns is Any.
    return cast(
        "Notification",
        await database_sync_to_async(store_and_push)(
            user, kind=kind, title=title, body=body, url=url, data=data, key=key
        ),
    )
