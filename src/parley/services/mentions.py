"""Mentions: ``@username`` in a message notifies that user.

A mention is ``@`` not preceded by a word character or another ``@`` (so
``bob@example.com`` mentions nobody), followed by a username as Django
allows them (letters and digits of any script, ``_ . @ + -``), matched
case-sensitively as Django signs people in. Trailing ``. @ + -`` are tried
both kept and dropped, so "thanks @alice." mentions ``alice`` and, if one
exists, ``alice.``.

The mentioned user is notified (kind ``mention``) if they may read the
room (the policy's ``can_see``), are not the author, are active, are not a
guest and did not mute the room, at most once per message: the
notification's idempotency key is ``mention:<message id>``. At most
``PARLEY_MAX_MENTIONS_PER_MESSAGE`` distinct names are looked at.
"""

import logging

from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils.translation import gettext as _

from parley.bus import tasks
from parley.conf import parley_settings
from parley.models import Membership, Message, Notification, Room
from parley.services import notifications, preferences
from parley.services.policy import Policy, policy
from parley.wire import formatting

logger = logging.getLogger(__name__)

# One reading of a mention for the notifications and the formatting's
# mention elements (parley.wire.formatting).
MENTION_RE = formatting.MENTION_RE
TRAILING_PUNCTUATION = formatting.MENTION_TRAILING
# A notification's body: the message's start, enough to recognise it.
EXCERPT_CHARS = 200
MENTION_KIND = "mention"
NOTIFY_TASK = "mentions.notify"


def mentioned_usernames(text: str) -> list[str]:
    """The usernames ``text`` may mention, in order, without repeats.

    At most ``PARLEY_MAX_MENTIONS_PER_MESSAGE`` mentions are read; each may
    give two candidates (with and without trailing punctuation).
    """
    limit = parley_settings.MAX_MENTIONS_PER_MESSAGE
    names: dict[str, None] = {}
    mentions = 0
    for match in MENTION_RE.finditer(text):
        if mentions >= limit:
            break
        token = match.group(1)
        stripped = token.rstrip(TRAILING_PUNCTUATION)
        if token in names or stripped in names:
            continue
        mentions += 1
        names[token] = None
        names[stripped] = None
    return list(names)


def _excerpt(text: str) -> str:
    if len(text) <= EXCERPT_CHARS:
        return text
    return text[: EXCERPT_CHARS - 1].rstrip() + "…"


def _title(author: str, room: Room) -> str:
    if room.kind == Room.Kind.DIRECT:
        title = _("%(author)s mentioned you") % {"author": author}
    else:
        title = _("%(author)s mentioned you in %(room)s") % {
            "author": author,
            "room": room.title,
        }
    limit = notifications.TITLE_MAX_CHARS
    return title if len(title) <= limit else title[: limit - 1] + "…"


def notify_mentions(
    message_id: int, names: list[str] | None = None
) -> list[Notification]:
    """Notify the users message ``message_id`` mentions; see the module.

    Safe to run twice: a repeat notifies nobody again. A message deleted
    meanwhile (or gone) notifies nobody.

    Args:
        message_id: the message's id.
        names: its ``mentioned_usernames``, when the caller has them: the
            people are then looked up first, so a message whose ``@``
            names nobody (an e-mail address, a typo) costs one query.

    Returns:
        The notifications, one per mentioned user who may read the room.
    """
    message = None
    if names is None:
        message = _live_message(message_id)
        if message is None:
            return []
        names = mentioned_usernames(message.text)
    if not names:
        return []
    user_model = get_user_model()
    people = user_model._default_manager.filter(
        **{f"{user_model.USERNAME_FIELD}__in": names}, parley_guest__isnull=True
    ).select_related("parley_guest")
    if hasattr(user_model, "is_active"):
        people = people.filter(is_active=True)
    people = list(people)
    if not people:
        return []
    message = message or _live_message(message_id)
    if message is None:
        return []
    room = message.room
    # Who may read the room, as the policy says: asked person by person,
    # but Parley's own rule for a private or direct room (its members) in
    # one query.
    rules = policy()
    if room.kind != Room.Kind.PUBLIC and type(rules).can_see is Policy.can_see:
        members = set(
            Membership.objects.filter(
                room=room, user_id__in=[p.pk for p in people]
            ).values_list("user_id", flat=True)
        )
        people = [p for p in people if p.pk in members]
    else:
        people = [p for p in people if rules.can_see(p, room)]
    muted = preferences.muted_among(room.id, [p.pk for p in people])
    people = [p for p in people if p.pk not in muted]
    author = message.author.get_username() if message.author else "?"
    title = _title(author, room)
    return [
        notifications.notify(
            person,
            kind=MENTION_KIND,
            title=title,
            body=_excerpt(message.text),
            url=reverse("parley-room", args=[room.slug]),
            data={
                "room": room.slug,
                "message": message.id,
                "seq": message.seq,
                "author": author,
            },
            key=f"mention:{message.id}",
        )
        for person in people
        if person.pk != message.author_id
    ]


def _live_message(message_id: int) -> Message | None:
    """The message with its room and author, unless deleted or gone."""
    return (
        Message.objects.select_related("room", "author")
        .filter(pk=message_id, deleted_at__isnull=True)
        .first()
    )


async def dispatch(message: Message) -> None:
    """Have the mentions of a just-published ``message`` notified, inline or
    in the worker (``parley.bus.tasks``). Never raises: a failure is
    logged, and the message stays sent.

    A message that mentions nobody costs nothing: no task, no query.
    """
    names = mentioned_usernames(message.text) if "@" in message.text else []
    if not names:
        return
    try:
        await tasks.submit(NOTIFY_TASK, message_id=message.id, names=names)
    except Exception:
        logger.exception("notifying the mentions of message %s failed", message.id)


def dispatch_sync(message: Message) -> None:
    """``dispatch`` for sync code (the HTTP API)."""
    names = mentioned_usernames(message.text) if "@" in message.text else []
    if not names:
        return
    try:
        tasks.submit_sync(NOTIFY_TASK, message_id=message.id, names=names)
    except Exception:
        logger.exception("notifying the mentions of message %s failed", message.id)
