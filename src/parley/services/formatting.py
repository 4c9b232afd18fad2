"""A message's formatted HTML, within this site's limit.

The Markdown subset, the sanitizer and the allow-list are
``parley.wire.formatting`` (no I/O: the migration that fills ``html`` for
older messages renders with it too); this binds its limit to the setting.
"""

from parley.conf import parley_settings
from parley.wire import formatting


def message_html(text: str) -> str:
    """The sanitized HTML of a message's ``text``, rendered now.

    Args:
        text: the cleaned text (``parley.services.messages.clean_text``).

    Returns:
        ``parley.wire.formatting.render`` with at most
        ``PARLEY_MESSAGE_HTML_MAX_CHARS`` characters; "" past it (the
        message then shows as plain text).
    """
    return formatting.render(text, max_chars=parley_settings.MESSAGE_HTML_MAX_CHARS)
