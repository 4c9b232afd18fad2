"""Missed-message e-mail: text and HTML parts with the text escaped, the
RFC 8058 one-click unsubscribe headers, and a signed token that a forgery
cannot pass."""

import pytest
from django.core import signing

from parley.models import NotificationSetting
from parley.services import email
from parley.services.push import Item
from parley.wire.errors import ErrorCode, ParleyError

pytestmark = pytest.mark.django_db

ITEM = Item(
    kind="direct",
    title="alice",
    body='<script>alert("x")</script> & co',
    url="/chat/dm/",
    room="dm",
    topic="room:dm",
)


def test_one_item_names_its_title_and_escapes_its_text(bob, settings):
    settings.PARLEY_SITE_URL = "https://chat.example"
    message = email.compose(bob.pk, "bob@example.com", [ITEM])
    assert message.subject == "Parley: alice"
    assert '<script>alert("x")</script> & co' in message.body
    assert "https://chat.example/chat/dm/" in message.body
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; co" in html
    assert "<script>" not in html
    unsubscribe = message.extra_headers["List-Unsubscribe"]
    assert unsubscribe.startswith("<https://chat.example/notifications/unsubscribe/")
    assert (
        message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    )


def test_a_digest_counts_its_items(bob):
    message = email.compose(bob.pk, "bob@example.com", [ITEM, ITEM, ITEM])
    assert message.subject == "Parley: 3 unread messages"


def test_unsubscribing_turns_email_off_for_the_kinds_named(bob):
    token = email.unsubscribe_token(bob.pk, ["direct", "mention"])
    assert email.unsubscribe(token) == ["direct", "mention"]
    assert set(
        NotificationSetting.objects.filter(user=bob).values_list(
            "kind", "email", "push"
        )
    ) == {("direct", False, True), ("mention", False, True)}


@pytest.mark.parametrize(
    "forge",
    [
        lambda token: token[:-2] + ("AA" if not token.endswith("AA") else "BB"),
        lambda token: signing.dumps([1, ["direct"]], salt="another salt"),
        lambda token: signing.dumps(
            [1, ["direct"]], key="x" * 50, salt=email.UNSUBSCRIBE_SALT
        ),
        lambda token: "not-a-token",
    ],
)
def test_a_forged_token_is_refused(bob, forge):
    token = forge(email.unsubscribe_token(bob.pk, ["direct"]))
    with pytest.raises(ParleyError) as refused:
        email.unsubscribe(token)
    assert refused.value.code == ErrorCode.INVALID_SIGNATURE
    assert not NotificationSetting.objects.exists()


def test_the_address_is_the_active_users(bob):
    assert email.address_of(bob.pk) == ""
    bob.email = "bob@example.com"
    bob.save()
    assert email.address_of(bob.pk) == "bob@example.com"
    bob.is_active = False
    bob.save()
    assert email.address_of(bob.pk) == ""


def test_unsubscribing_a_deleted_user_changes_nothing(bob):
    token = email.unsubscribe_token(bob.pk, ["direct"])
    bob.delete()
    assert email.unsubscribe(token) == ["direct"]
    assert not NotificationSetting.objects.exists()
