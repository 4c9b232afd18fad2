"""Parley: real-time chat and notifications for Django, built on Channels.

``parley.notify`` and ``parley.anotify`` push a notification to a user's open
tabs from anywhere in a project; ``parley.post``, ``parley.add_member`` and
``parley.remove_member`` (and ``apost``, ``aadd_member``,
``aremove_member`` for async code) do what the page does, so
host code never touches Parley's models; ``parley.delete_user`` deletes an
account and keeps its messages. ``parley.room_for(order)`` is the
room attached to a host object; ``parley.Policy`` (``PARLEY_POLICY``) the
base of a host's rules of who may do what, and ``parley.linked_object`` what
a room is attached to. Importing ``parley`` is cheap and safe before Django
is set up: the functions import Django's parts when called, and
``Policy``/``Display`` are imported when first named.
"""

from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser
    from django.db.models import Model

    from parley.models import Membership, Message, Notification, Room

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


def post(
    room: "Room | str", user: "AbstractBaseUser", text: str, *, client_id: str = ""
) -> "Message":
    """Post ``text`` as ``user`` in ``room``, as their socket would: stored at
    the room's next ``seq``, then announced to every open socket of the room
    and mentions notified, once the surrounding transaction commits.

    Args:
        room: a ``Room`` or its slug; ``user`` must be able to read it (a
            member, or any signed-in user for a public room).
        user: the author (a person, or a bot account of the host's).
        text: the message (Markdown where formatting is on); see
            ``parley.services.messages.clean_text`` for the limits.
        client_id: an idempotency key: a second call with the same user and
            key returns the first message and stores nothing.

    Returns:
        The stored ``parley.models.Message``.

    Raises:
        parley.wire.errors.NotFound: ``room_not_found`` for a room ``user``
            may not read.
        parley.wire.errors.RateLimited: over ``user``'s message budget.
        parley.wire.errors.ParleyError: empty or too long text.
    """
    from parley.services import messages

    slug = room if isinstance(room, str) else room.slug
    return messages.send(
        author=user, slug=slug, text=text, client_id=client_id, on_commit=True
    ).message


async def apost(
    room: "Room | str", user: "AbstractBaseUser", text: str, *, client_id: str = ""
) -> "Message":
    """``post`` for async code: the database work runs on Parley's database
    thread (``parley.db``). Arguments, result and errors as ``post``."""
    from parley.db import database_sync_to_async

    return cast(
        "Message",
        await database_sync_to_async(post)(room, user, text, client_id=client_id),
    )


def add_member(room: "Room | str", user: "AbstractBaseUser") -> "Membership":
    """Make ``user`` a member of ``room`` on the host project's authority (no
    owner's invitation needed): their open pages list the room at once
    (the ``joined`` frame) and ``member_joined`` is sent, after commit.
    Adding a member twice changes nothing.

    Args:
        room: a public or private ``Room``, or its slug.
        user: who joins.

    Returns:
        Their ``parley.models.Membership``.

    Raises:
        parley.models.Room.DoesNotExist: no room has that slug.
        parley.wire.errors.ParleyError: ``invalid_request`` for a direct
            room, whose two members are fixed.
    """
    from parley.models import Room
    from parley.services import rooms

    found = Room.objects.get(slug=room) if isinstance(room, str) else room
    return rooms.admit(room=found, user=user)[0]


async def aadd_member(room: "Room | str", user: "AbstractBaseUser") -> "Membership":
    """``add_member`` for async code; arguments, result and errors as it."""
    from parley.db import database_sync_to_async

    return cast("Membership", await database_sync_to_async(add_member)(room, user))


def room_for(
    obj: "Model", *, title: str | None = None, kind: str = "private"
) -> "Room":
    """The room attached to ``obj`` (a saved instance of any of the host's
    models: an order, a ticket), created on first use; the same room on
    every call, also when several processes ask at once.

    Who may see, post in and moderate it is the policy's to say
    (``PARLEY_POLICY``): its methods reach ``obj`` with
    ``parley.linked_object(room)``. With Parley's default policy a private
    room is seen by its members only, and a new one has none: add them
    with ``parley.add_member``.

    Args:
        obj: the host object.
        title: a new room's title (default ``str(obj)``).
        kind: a new room's kind, ``"private"`` (default) or ``"public"``.

    Returns:
        The ``parley.models.Room``; link to it with
        ``reverse("parley-room", args=[room.slug])``.

    Raises:
        parley.wire.errors.ParleyError: ``invalid_room`` for an unsaved
            object or another kind.
    """
    from parley.services.links import room_for as linked_room

    return linked_room(obj, title=title, kind=kind)


async def aroom_for(
    obj: "Model", *, title: str | None = None, kind: str = "private"
) -> "Room":
    """``room_for`` for async code; arguments, result and errors as it."""
    from parley.db import database_sync_to_async

    return cast(
        "Room", await database_sync_to_async(room_for)(obj, title=title, kind=kind)
    )


def linked_object(room: "Room") -> "Model | None":
    """The host object ``room`` is attached to by ``room_for``, or None (see
    ``parley.services.policy.linked_object``)."""
    from parley.services.policy import linked_object as linked

    return linked(room)


def __getattr__(name: str) -> Any:
    """``parley.Policy`` and ``parley.Display``, imported when first named
    (they need Django's apps ready)."""
    if name in ("Policy", "Display"):
        from parley.services import policy

        return getattr(policy, name)
    raise AttributeError(f"module 'parley' has no attribute {name!r}")


def delete_user(user: "AbstractBaseUser") -> None:
    """Delete ``user``'s account as ``POST /api/me/delete`` does, without
    asking for the password (the host project decides who may): their
    messages stay, shown as from a deleted user; their memberships, tokens,
    push subscriptions, notifications and reactions go; their open sockets
    close on every process (``parley.services.accounts``)."""
    from parley.services import accounts

    accounts.erase(user)


def remove_member(
    room: "Room | str", user: "AbstractBaseUser", *, ban: bool = False
) -> bool:
    """Remove ``user`` from ``room`` on the host project's authority (no
    moderator needed), and ban them if ``ban`` (then they cannot come back
    to a public room). After commit, their open sockets in the room, on
    every process, get ``unsubscribed {room, reason: "removed"}`` (or
    ``"banned"``) and refuse what they send there; the room hears ``member
    {left: true, reason}``; ``member_left`` is sent with that reason.

    Args:
        room: a public or private ``Room``, or its slug.
        user: who goes.

    Returns:
        Whether a membership was removed (False for a public room's reader
        who was no member; their sockets are cut anyway).

    Raises:
        parley.models.Room.DoesNotExist: no room has that slug.
        parley.wire.errors.ParleyError: ``invalid_request`` for a direct
            room, whose two members are fixed.
    """
    from parley.models import Room
    from parley.services import moderation

    found = Room.objects.get(slug=room) if isinstance(room, str) else room
    return moderation.expel(room=found, user=user, ban=ban)


async def aremove_member(
    room: "Room | str", user: "AbstractBaseUser", *, ban: bool = False
) -> bool:
    """``remove_member`` for async code; arguments, result and errors as it."""
    from parley.db import database_sync_to_async

    return cast(bool, await database_sync_to_async(remove_member)(room, user, ban=ban))
