"""The room page's configuration for replies and reactions."""

import emoji

from parley.web.threads import PICKER_EMOJI, thread_config


def test_the_picker_offers_only_emoji_the_server_accepts():
    assert all(emoji.is_emoji(e) for e in PICKER_EMOJI)


def test_the_replies_url_has_a_placeholder_for_the_message():
    config = thread_config()
    assert config["repliesUrl"] == "/api/messages/0/replies"
    assert config["strings"]["replies"] == "Replies: %(count)s"
    assert config["quoteChars"] == 100
