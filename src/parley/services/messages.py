"""Messages: send (store, acknowledge, broadcast). Edits and deletions are
``parley.services.edits``; reading pages, replays and gaps
``parley.services.history``.

Each operation is one function that owns its checks, its rate limit, its
write and its event (Zulip's ``do_send_messages``). A send's order is fixed:
**store, then acknowledge, then broadcast** (``docs/architecture.md``).
``send`` (sync: the HTTP API) and ``asend`` (async: the sockets) keep it for
every caller, which passes what acknowledging means to it as
``acknowledge``: a message whose ack a sender saw is in the database, and
nobody hears of a message before its sender's ack is on its way.
"""

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import cast

# A user is an AbstractBaseUser: the user model is swappable (AUTH_USER_MODEL),
# but django-stubs types a foreign key to it as the configured model
# (auth.User); "type: ignore[misc]" marks where one is stored or looked up.
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, connection, transaction
from django.utils.translation import gettext as _

import parley.commands as slash
import parley.ratelimit as ratelimit
import parley.signals as signals
from parley.bus import tasks
from parley.bus.publish import publish, publish_sync
from parley.conf import parley_settings
from parley.db import database_sync_to_async
from parley.models import Message, Room
from parley.services import attachments as files
from parley.services import (
    delivery,
    formatting,
    mentions,
    moderation,
    profiles,
    rooms,
    threads,
    webhooks,
)
from parley.services.policy import policy
from parley.wire import events, shapes
from parley.wire.errors import Conflict, ErrorCode, Forbidden, ParleyError

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Posted:
    """Result of a send.

    Attributes:
        message: the stored message.
        created: False when ``client_id`` repeated an earlier send, whose
            message this is; nothing new was stored.
        command: the slash command the text invokes (``parley.commands``),
            run once the message is announced; None for none.
    """

    message: Message
    created: bool
    command: slash.Invocation | None = None


def clean_text(text: str) -> str:
    """Validate message text; return it without surrounding white space.

    Raises:
        ParleyError: ``invalid_text`` if blank or holding a NUL character
            (which PostgreSQL cannot store); ``text_too_long`` past
            ``PARLEY_MAX_MESSAGE_CHARS`` characters.
    """
    text = text.strip()
    if not text:
        raise ParleyError(ErrorCode.INVALID_TEXT, _("A message cannot be empty."))
    if "\x00" in text:
        raise ParleyError(
            ErrorCode.INVALID_TEXT, _("A message cannot hold NUL characters.")
        )
    limit = parley_settings.MAX_MESSAGE_CHARS
    if len(text) > limit:
        raise ParleyError(
            ErrorCode.TEXT_TOO_LONG,
            _("A message has at most %(limit)d characters; this one has %(size)d.")
            % {"limit": limit, "size": len(text)},
        )
    return text


def _repeat_of(
    *, room: Room, author: AbstractBaseUser, client_id: str, text: str
) -> Message | None:
    """The earlier message ``author`` sent with ``client_id``, if any.

    A repeat must say what the first send said, as Stripe's and Zulip's
    idempotency keys require of a repeated request's body. A message edited
    or deleted since no longer holds the text it was sent with, so any
    repeat of it is taken as a retry.

    Raises:
        Conflict: ``client_id_reused`` if that message is in another room;
            ``client_id_conflict`` if its text differs from ``text``.
    """
    if not client_id:
        return None
    earlier = (
        profiles.with_authors(Message.objects.all())
        .filter(author=author, client_id=client_id)  # type: ignore[misc]
        .first()
    )
    if earlier is not None and earlier.room_id != room.id:
        raise Conflict(
            ErrorCode.CLIENT_ID_REUSED,
            _("This client_id was already used for a message in another room."),
        )
    if (
        earlier is not None
        and earlier.edited_at is None
        and earlier.deleted_at is None
        and earlier.text != text
    ):
        raise Conflict(
            ErrorCode.CLIENT_ID_CONFLICT,
            _("This client_id was already used for a message with another text."),
        )
    return earlier


def store(
    *,
    room: Room,
    author: AbstractBaseUser,
    text: str,
    client_id: str = "",
    attachments: Sequence[int] = (),
    reply_to: Message | None = None,
) -> Posted:
    """Store a message at the room's next ``seq``, at most once per client_id,
    with its formatting (``html``, ``parley.services.formatting``).

    The write alone, with no check, budget or event: a send is ``send`` or
    ``asend``, which call this; fixtures and imports call it directly.

    The room row's ``last_seq`` is incremented and the message inserted in one
    transaction: the UPDATE locks the row (PostgreSQL) or the database
    (SQLite), so concurrent senders get consecutive numbers, and a failed
    insert rolls the number back, leaving no gap. A repeated ``client_id`` is
    caught by the (author, client_id) unique constraint, so a first send, by
    far the most common case, costs no extra read.

    Args:
        room: a room ``author`` may post in (the caller checked).
        author: the signed-in sender.
        text: the message text; see ``clean_text``.
        client_id: the sender's idempotency key, or "" for none.
        attachments: ids of ``author``'s uploads into ``room`` to send with
            it (``parley.services.attachments.claim``); with any, ``text``
            may be blank.
        reply_to: the parent of a reply (``threads.parent_for`` checked
            it); its ``reply_count`` grows in the same transaction.

    Returns:
        ``Posted(message, created=True)``, or the first message and
        ``created=False`` when ``client_id`` was used before by ``author``.

    Raises:
        ParleyError: from ``clean_text`` and ``attachments.claim``.
        Conflict: ``client_id_reused`` when the key belongs to another room;
            ``client_id_conflict`` when it was sent with another text.
    """
    text = clean_text(text) if text.strip() or not attachments else ""
    html = formatting.message_html(text)
    try:
        with transaction.atomic():
            seq = _next_seq(room.pk)
            message = Message.objects.create(  # type: ignore[misc]
                room=room,
                author=author,
                seq=seq,
                text=text,
                html=html,
                client_id=client_id,
                reply_to=reply_to,
            )
            # Read by its shape (parley.wire.shapes.message), as loaded
            # by profiles.with_authors.
            message.attachment_list = (  # type: ignore[attr-defined]
                files.claim(user=author, message=message, ids=attachments)
                if attachments
                else []
            )
            signals.send_on_commit(
                signals.message_posted,
                Message,
                message=message,
                room=room,
                author=author,
            )
            if reply_to is not None:
                threads.count_reply(reply_to)
            # Outgoing webhooks: planned with the message, sent by the sweeper.
            webhooks.plan(message)
        # Its shape shows the author's name and avatar: load them now, on
        # this thread, not when the event loop shapes it.
        profiles.attach(author)
    except IntegrityError:
        # This client_id was stored before (or by a concurrent repeat).
        earlier = _repeat_of(room=room, author=author, client_id=client_id, text=text)
        if earlier is None:
            raise
        return Posted(earlier, created=False)
    return Posted(message, created=True)


# Sending ---------------------------------------------------------------------

Acknowledge = Callable[[Posted], None]


def _checked_store(
    author: AbstractBaseUser,
    room: Room | None,
    slug: str | None,
    text: str,
    client_id: str,
    attachments: Sequence[int],
    reply_to: int | None,
    as_bot: bool = False,
) -> Posted:
    """A send's checks, rate limit and write, in one trip to the database."""
    if room is None:
        if slug is None:
            raise TypeError("send() needs a room or a slug")
        room = rooms.get_readable(user=author, slug=slug)
    command = None
    if as_bot:
        moderation.check_writable(room)
    else:
        if not policy().can_post(author, room):
            raise Forbidden(ErrorCode.FORBIDDEN, _("You may not post in this room."))
        moderation.check_can_post(author, room)
        text, command = slash.prepare(text)
    parent = None
    if reply_to is not None:
        parent = threads.parent_for(user=author, room=room, message_id=reply_to)
    # Before the store: a refused send stores nothing and leaves its
    # client_id free for the retry.
    files.check_count(list(attachments))
    if not as_bot:
        ratelimit.spend_message(user_id=author.pk, room=room.slug)
    posted = store(
        room=room,
        author=author,
        text=text,
        client_id=client_id,
        attachments=attachments,
        reply_to=parent,
    )
    return replace(posted, command=command) if posted.created else posted


def send(
    *,
    author: AbstractBaseUser,
    text: str,
    room: Room | None = None,
    slug: str | None = None,
    client_id: str = "",
    reply_to: int | None = None,
    acknowledge: Acknowledge | None = None,
    attachments: Sequence[int] = (),
    on_commit: bool = False,
    as_bot: bool = False,
) -> Posted:
    """Send a message: check, rate-limit, store, acknowledge, broadcast.

    For sync callers (the HTTP API, scripts); sockets use ``asend``. The
    broadcast (the ``message`` room event, then mention notifications,
    ``parley.services.mentions``) happens for a new message only; a repeated
    ``client_id`` is acknowledged again with the first message and
    announces nothing. A channel layer that fails does not fail the send:
    the message is stored and acknowledged, and subscribers catch up from
    the store.

    Args:
        author: the signed-in sender.
        text: the message text; see ``clean_text``.
        room: a room ``author`` may post in, checked by the caller (a
            socket's subscription); or None to look ``slug`` up.
        slug: the room's slug, checked here (``rooms.get_readable``) when
            ``room`` is None.
        client_id: the sender's idempotency key, or "" for none.
        attachments: ids of the sender's uploads to send with it; see
            ``store``.
        reply_to: the ``id`` of the message this one replies to, or None
            (``threads.parent_for``); the parent's new ``reply_count`` is
            announced after the message (``threads.replies_event``).
        acknowledge: called with the result once stored, before the
            broadcast; None when the caller answers with the return value.
        on_commit: broadcast once the caller's transaction commits (a
            host's ``ATOMIC_REQUESTS``; nothing on a rollback), not at once.
        as_bot: a bot's answer to a message (``parley.services.bots``):
            never a slash command, no message budget (one answer per
            message of a person, who spent theirs), and posted on the
            server's authority, not the policy's (the person's message it
            answers was allowed; a bot is nobody a host's policy knows):
            only an archived room refuses it. Otherwise a text
            ``/name args`` is a slash command (``parley.commands.prepare``:
            ``//`` sends one slash), run after the broadcast by the task
            ``commands.run``.

    Returns:
        ``Posted(message, created)``.

    Raises:
        NotFound: ``room_not_found`` for a room ``author`` may not read.
        Forbidden: ``forbidden`` when the policy's ``can_post`` says no.
        RateLimited: over the user's or the room's message budget
            (``parley.ratelimit.spend_message``); nothing is stored.
        Forbidden: ``room_archived``, ``muted`` (with ``retry_after``);
            NotFound: ``room_not_found`` once removed or banned
            (``moderation.check_can_post``, on the store as it is now).
        ParleyError: from ``clean_text``; ``too_many_attachments``;
            ``unknown_command`` (nothing stored).
        NotFound: ``attachment_not_found``; Conflict: ``attachment_used``
            (``parley.services.attachments.claim``).
        Conflict: ``client_id_reused`` when the key belongs to another room;
            ``client_id_conflict`` when it was sent with another text;
            ``message_deleted`` for a reply to a deleted message.
        NotFound, ParleyError: from ``threads.parent_for``.
    """
    posted = _checked_store(
        author=author,
        room=room,
        slug=slug,
        text=text,
        client_id=client_id,
        attachments=attachments,
        reply_to=reply_to,
        as_bot=as_bot,
    )
    if acknowledge is not None:
        acknowledge(posted)
    if posted.created:
        message = posted.message

        def broadcast() -> None:
            publish_sync(
                events.message_event(
                    message.room_id, shapes.message(message, display=policy().display)
                )
            )
            if message.reply_to_id is not None:
                publish_sync(threads.replies_event(message))
            mentions.dispatch_sync(message)
            if message.room.kind == Room.Kind.DIRECT:
                delivery.dispatch_direct_sync(message)
            if posted.command is not None:
                _run_command_sync(message, posted.command)

        if on_commit:
            transaction.on_commit(broadcast)
        else:
            broadcast()
    return posted


async def asend(
    *,
    author: AbstractBaseUser,
    text: str,
    room: Room | None = None,
    slug: str | None = None,
    client_id: str = "",
    reply_to: int | None = None,
    acknowledge: Acknowledge | None = None,
    attachments: Sequence[int] = (),
    as_bot: bool = False,
) -> Posted:
    """``send`` for async callers (the sockets): the checks and the write run
    on the database thread (``parley.db``), the acknowledgement and the
    broadcast in the caller's event loop. Arguments, result and errors as
    ``send``."""
    posted: Posted = await database_sync_to_async(_checked_store)(
        author=author,
        room=room,
        slug=slug,
        text=text,
        client_id=client_id,
        attachments=attachments,
        reply_to=reply_to,
        as_bot=as_bot,
    )
    if acknowledge is not None:
        acknowledge(posted)
    if posted.created:
        message = posted.message
        await publish(
            events.message_event(
                message.room_id, shapes.message(message, display=policy().display)
            )
        )
        if message.reply_to_id is not None:
            await publish(threads.replies_event(message))
        await mentions.dispatch(message)
        if message.room.kind == Room.Kind.DIRECT:
            await delivery.dispatch_direct(message)
        if posted.command is not None:
            await _run_command(message, posted.command)
    return posted


# The task that runs a slash command (parley.services.bots.run_command).
COMMAND_TASK = "commands.run"


def _run_command_sync(message: Message, command: slash.Invocation) -> None:
    """Run ``command`` of the just-announced ``message`` (inline or in the
    worker). Never raises: the message stays sent."""
    try:
        tasks.submit_sync(
            COMMAND_TASK, message_id=message.id, command=command.name, args=command.args
        )
    except Exception:
        logger.exception("the command of message %s failed", message.id)


async def _run_command(message: Message, command: slash.Invocation) -> None:
    """``_run_command_sync`` for the sockets."""
    try:
        await tasks.submit(
            COMMAND_TASK, message_id=message.id, command=command.name, args=command.args
        )
    except Exception:
        logger.exception("the command of message %s failed", message.id)


def _next_seq(room_id: int) -> int:
    """Take the room's next ``seq``: increment ``last_seq`` and return it.

    One statement (``UPDATE … RETURNING``, SQLite 3.35+ and PostgreSQL)
    that also locks the room's row until the transaction ends.
    """
    table = connection.ops.quote_name(Room._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET last_seq = last_seq + 1 WHERE id = %s "
            "RETURNING last_seq",
            [room_id],
        )
        # A DB-API row is untyped; last_seq is a bigint.
        return cast(int, cursor.fetchone()[0])
