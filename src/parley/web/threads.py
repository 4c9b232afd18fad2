"""What the room page needs for replies, threads and reactions: the URL of
a message's replies, the emoji of the reaction picker, and the strings of
``threads.js`` and ``reactions.js`` in the page's language."""

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from parley.wire.shapes import QUOTE_CHARS

# The reaction picker's emoji: the common few of Slack's and Telegram's
# quick reactions. Any other emoji may still be sent over the protocol.
PICKER_EMOJI = ("👍", "❤️", "😂", "🎉", "😮", "😢", "🙏", "👀")
# In the replies URL, replaced by a message's id on the page.
MESSAGE_PLACEHOLDER = 0


def thread_config() -> dict[str, Any]:
    """The room page's ``config.threads``: ``{repliesUrl (with /0/ for the
    message id), emoji (the picker's), quoteChars (a quote's length, as the
    server cuts it), strings}``."""
    return {
        "repliesUrl": reverse("parley-api:message_replies", args=[MESSAGE_PLACEHOLDER]),
        "emoji": list(PICKER_EMOJI),
        "quoteChars": QUOTE_CHARS,
        "strings": {
            "reply": _("Reply"),
            "replyingTo": _("Replying to %(user)s"),
            "cancelReply": _("Cancel the reply"),
            "replies": _("Replies: %(count)s"),
            "thread": _("Thread"),
            "closeThread": _("Close the thread"),
            "replyInThread": _("Reply in the thread"),
            "noReplies": _("No replies yet."),
            "quoteOf": _("In reply to %(user)s"),
            "react": _("Add a reaction"),
            "reactions": _("Reactions"),
            "reactWith": _("%(emoji)s: %(count)s"),
        },
    }
