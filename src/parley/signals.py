"""Django signals Parley sends when something happens, for host projects.

Each is sent once, **after the transaction that made the change commits**
(``transaction.on_commit``), and never for a change that rolled back; a
receiver that raises is logged (logger ``parley.signals``) and does not
undo or hold up the change, which is stored already. Receivers get
keyword arguments; ``sender`` is the model class of the first argument::

    from django.dispatch import receiver
    from parley.signals import message_posted

    @receiver(message_posted)
    def index(sender, message, room, author, **kwargs):
        ...

``message_posted(message, room, author)``; ``message_edited(message, room,
author)``; ``message_deleted(message, room, by)``; ``room_created(room,
by)``; ``member_joined(room, user)``; ``member_left(room, user, reason)``
(``reason``: ``"left"``, ``"removed"``, ``"banned"``). The anchors:
Django's own ``post_save`` (but after commit, like django-eventstream's
``channel_permission_changed`` is meant to be used) and Zulip's events.
"""

import logging
from typing import Any

from django.db import transaction
from django.dispatch import Signal

logger = logging.getLogger("parley.signals")

message_posted = Signal()
message_edited = Signal()
message_deleted = Signal()
room_created = Signal()
member_joined = Signal()
member_left = Signal()


def send_on_commit(signal: Signal, sender: type, **arguments: Any) -> None:
    """Send ``signal`` to its receivers once the current transaction
    commits (at once outside a transaction); nothing on a rollback.

    Args:
        signal: one of this module's signals.
        sender: the model class the receivers filter on.
        arguments: the signal's keyword arguments (see the module).
    """

    def send() -> None:
        for receiver, result in signal.send_robust(sender, **arguments):
            if isinstance(result, Exception):
                logger.error(
                    "A receiver of a Parley signal failed: %r",
                    receiver,
                    exc_info=result,
                )

    transaction.on_commit(send)
