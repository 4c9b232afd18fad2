"""Deliveries: a direct message, a mention or a notification reaches a
user who is away, by push at once and by e-mail after the delay, once.

Pushes go to a real loopback push service that decrypts them
(``tests/support/push_service.py``); e-mail to Django's test outbox (the
live tests use a real SMTP server)."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

import parley
from parley.models import Delivery, PushSubscription
from parley.services import delivery, direct_rooms, messages, preferences, push, reads
from parley.services.preferences import KindSetting
from tests.support.push_service import BrowserKeys, PushService

pytestmark = pytest.mark.django_db


@pytest.fixture
def service(settings):
    settings.PARLEY_PUSH_ALLOWED_HOSTS = "127.0.0.1"
    settings.PARLEY_PUSH_ALLOW_INSECURE_ENDPOINTS = True
    settings.PARLEY_EMAIL_DELAY_SECS = 300.0
    with PushService() as running:
        yield running


@pytest.fixture
def bob_away(bob, service):
    """Bob, with an e-mail address and one browser subscribed."""
    bob.email = "bob@example.com"
    bob.save()
    keys = BrowserKeys()
    push.subscribe(user=bob, subscription=keys.subscription(service.endpoint("bob")))
    return keys


def direct(alice, bob, text: str = "hello"):
    """Send a direct message, then sweep once, as the sweeper thread would:
    the push goes out."""
    room, _created = direct_rooms.open_direct(user=alice, username=bob.username)
    message = messages.send(author=alice, room=room, text=text).message
    delivery.sweep()
    return message


def come_due(**filters) -> None:
    """Move the waiting deliveries' time to now: as if the delay passed."""
    Delivery.objects.filter(status="pending", **filters).update(due_at=timezone.now())


def test_a_direct_message_is_pushed_at_once_and_names_the_conversation(
    alice, bob, service, bob_away
):
    message = direct(alice, bob, "are you there?")
    [received] = service.wait_for("bob")
    payload = bob_away.decrypt(received.body)
    assert payload["room"] == message.room.slug
    assert (payload["title"], payload["body"]) == ("alice", "are you there?")
    assert payload["url"] == f"/chat/{message.room.slug}/"
    assert received.headers["topic"] == push.topic(f"room:{message.room.slug}")
    assert received.headers["content-encoding"] == "aes128gcm"
    claims = received.vapid_claims(push.public_key())
    assert claims["aud"] == f"http://127.0.0.1:{service.port}"
    assert claims["sub"] == "mailto:webmaster@localhost"
    row = Delivery.objects.get(user=bob, channel="push")
    assert (row.status, row.ref, row.attempts) == ("sent", f"message:{message.id}", 1)


def test_ten_messages_share_one_topic(alice, bob, service, bob_away):
    for n in range(3):
        direct(alice, bob, f"m{n}")
    pushes = service.wait_for("bob", 3)
    assert len({p.headers["topic"] for p in pushes}) == 1


def test_an_email_waits_for_the_delay_then_goes_once(alice, bob, bob_away, service):
    direct(alice, bob, "<b>bold</b> & more")
    assert delivery.sweep() == 0
    assert mail.outbox == []
    come_due(channel="email")
    delivery.sweep()
    delivery.sweep()
    [sent] = mail.outbox
    assert sent.to == ["bob@example.com"]
    assert "<b>bold</b> & more" in sent.body
    html = sent.alternatives[0][0]
    assert "&lt;b&gt;bold&lt;/b&gt; &amp; more" in html and "<b>bold" not in html
    assert sent.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_a_message_read_first_is_never_emailed(alice, bob, bob_away, service):
    message = direct(alice, bob)
    reads.mark_read(user=bob, room=message.room, seq=message.seq)
    come_due()
    delivery.sweep()
    assert mail.outbox == []
    assert Delivery.objects.get(user=bob, channel="email").status == "skipped"


def test_several_waiting_make_one_digest(alice, bob, carol, bob_away, service):
    direct(alice, bob, "one")
    direct(carol, bob, "two")
    direct(alice, bob, "three")
    first = Delivery.objects.filter(channel="email").order_by("id").first()
    come_due(pk=first.pk)
    delivery.sweep()
    [digest] = mail.outbox
    assert all(text in digest.body for text in ("one", "two", "three"))
    assert "3" in digest.subject


def test_the_digest_holds_at_most_the_setting(alice, bob, bob_away, service, settings):
    """PARLEY_EMAIL_DIGEST_MAX items go in one e-mail; one more waits for
    the next."""
    settings.PARLEY_EMAIL_DIGEST_MAX = 2
    for text in ("a1", "a2", "a3"):
        direct(alice, bob, text)
    come_due(channel="email")
    delivery.sweep()
    assert len(mail.outbox) == 1
    delivery.sweep()
    assert len(mail.outbox) == 2
    assert "a1" in mail.outbox[0].body and "a2" in mail.outbox[0].body
    assert "a3" in mail.outbox[1].body


def test_an_active_user_gets_no_push(alice, bob, bob_away, service, settings):
    delivery.touch(bob.pk)
    direct(alice, bob)
    assert service.pushes("bob") == []
    assert Delivery.objects.get(user=bob, channel="push").error == "active"


def test_activity_lasts_the_setting(bob, settings):
    settings.PARLEY_ACTIVE_SECS = 60.0
    delivery.touch(bob.pk)
    now = timezone.now()
    assert delivery.is_active(bob.pk, now + timedelta(seconds=59))
    assert not delivery.is_active(bob.pk, now + timedelta(seconds=61))


def test_a_gone_subscription_is_deleted(alice, bob, bob_away, service):
    service.statuses["bob"] = 410
    direct(alice, bob)
    service.wait_for("bob")
    assert not PushSubscription.objects.filter(user=bob).exists()
    assert Delivery.objects.get(user=bob, channel="push").status == "skipped"


def test_a_5xx_is_retried_with_backoff_up_to_the_setting(
    alice, bob, bob_away, service, settings
):
    """PARLEY_DELIVERY_MAX_ATTEMPTS attempts, each after twice the wait of
    the one before; then failed."""
    settings.PARLEY_DELIVERY_MAX_ATTEMPTS = 3
    settings.PARLEY_DELIVERY_RETRY_SECS = 10.0
    service.statuses["bob"] = 503
    direct(alice, bob)
    row = Delivery.objects.get(user=bob, channel="push")
    waits = []
    for _attempt in range(2):
        row.refresh_from_db()
        assert (row.status, row.error) == ("pending", "retry")
        waits.append((row.due_at - timezone.now()).total_seconds())
        come_due(channel="push")
        delivery.sweep()
    row.refresh_from_db()
    assert (row.status, row.attempts) == ("failed", 3)
    assert len(service.pushes("bob")) == 3
    assert 9 < waits[0] <= 10 and 19 < waits[1] <= 20


def test_planning_twice_delivers_once(alice, bob, bob_away, service):
    message = direct(alice, bob)
    delivery.plan_direct(message.id)
    assert Delivery.objects.filter(user=bob).count() == 2
    assert len(service.wait_for("bob")) == 1


def test_a_claimed_delivery_is_never_sent_again(alice, bob, bob_away, service):
    """A process killed mid-send leaves its delivery 'sending': no sweep
    sends it again (at most once)."""
    message = direct(alice, bob)
    Delivery.objects.filter(user=bob).update(status="sending", due_at=timezone.now())
    delivery.sweep()
    delivery.send_push(Delivery.objects.get(user=bob, channel="push").pk)
    delivery.send_email(bob.pk)
    assert mail.outbox == [] and len(service.pushes("bob")) == 1
    assert message.id


def test_an_old_delivery_expires(alice, bob, bob_away, service, settings):
    settings.PARLEY_DELIVERY_EXPIRY_SECS = 60.0
    direct(alice, bob)
    Delivery.objects.filter(channel="email").update(
        created_at=timezone.now() - timedelta(seconds=61), due_at=timezone.now()
    )
    delivery.sweep()
    assert Delivery.objects.get(channel="email").status == "expired"
    assert mail.outbox == []


def test_preferences_and_mute_are_obeyed(alice, bob, bob_away, service):
    preferences.update_preferences(user=bob, kinds=[KindSetting("direct", push=False)])
    message = direct(alice, bob)
    assert list(Delivery.objects.values_list("channel", flat=True)) == ["email"]
    preferences.update_preferences(user=bob, kinds=[], muted_rooms=[message.room.slug])
    direct(alice, bob, "muted")
    assert Delivery.objects.count() == 1


def test_a_notification_is_pushed_and_emailed_when_unread(
    bob, bob_away, service, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        parley.notify(bob, kind="order", title="Order #42 is shipped", url="/o/42/")
    delivery.sweep()
    payload = bob_away.decrypt(service.wait_for("bob")[0].body)
    assert (payload["title"], payload["kind"]) == ("Order #42 is shipped", "order")
    come_due()
    delivery.sweep()
    [sent] = mail.outbox
    assert "Order #42 is shipped" in sent.body and "/o/42/" in sent.body


def test_a_mention_in_a_direct_message_is_delivered_once(alice, bob, bob_away, service):
    message = direct(alice, bob, "@bob look")
    assert set(Delivery.objects.values_list("ref", flat=True)) == {
        f"message:{message.id}"
    }
    assert Delivery.objects.filter(user=bob).count() == 2


def test_a_push_service_that_does_not_answer_in_time_is_retried(
    alice, bob, bob_away, service, settings
):
    """PARLEY_PUSH_TIMEOUT_SECS bounds the wait; then the push is retried."""
    settings.PARLEY_PUSH_TIMEOUT_SECS = 0.2
    service.hang_secs = 1.0
    direct(alice, bob)
    row = Delivery.objects.get(user=bob, channel="push")
    assert (row.status, row.error, row.attempts) == ("pending", "retry", 1)


def test_an_unexpected_error_closes_the_delivery_as_failed(
    alice, bob, bob_away, service, settings
):
    """A subject the VAPID library refuses: logged, counted failed, never
    left 'sending'."""
    settings.PARLEY_VAPID_SUBJECT = "not a mailto or https URL"
    direct(alice, bob)
    assert Delivery.objects.get(user=bob, channel="push").status == "failed"
    assert service.pushes("bob") == []
