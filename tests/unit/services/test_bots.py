"""Bots at work: webhook deliveries to a real loopback HTTPS server (signed,
retried with backoff after a 500, the reply posted back, a private target
refused at delivery), and slash commands run and answered."""

import hashlib
import hmac

import orjson
import pytest

import parley.commands
from parley.models import Message, WebhookDelivery
from parley.services import bots, messages, rooms, webhooks
from tests.support.webhook_receiver import WebhookReceiver

pytestmark = pytest.mark.django_db


@pytest.fixture
def lobby(alice):
    return rooms.create_room(user=alice, title="Lobby")


@pytest.fixture
def receiver(tmp_path, settings):
    """A loopback HTTPS receiver, trusted and allowed; it answers 500 once,
    then 200 with a reply."""
    running = WebhookReceiver(tmp_path, [(500, None), (200, {"text": "on it"})])
    settings.PARLEY_WEBHOOK_CA_FILE = str(running.ca_file)
    settings.PARLEY_WEBHOOK_ALLOW_PRIVATE_ADDRESSES = True
    settings.PARLEY_WEBHOOK_RETRY_SECS = 0
    yield running.start()
    running.stop()


def verified(secret: str, header: str, body: bytes) -> bool:
    """What a receiver does (README): recompute and compare the HMAC."""
    fields = dict(part.split("=", 1) for part in header.split(","))
    expected = hmac.new(
        secret.encode(), f"{fields['t']}.".encode() + body, hashlib.sha256
    ).hexdigest()
    return hmac.compare_digest(expected, fields["v1"])


def test_a_delivery_is_signed_retried_after_a_500_and_answered(alice, lobby, receiver):
    webhook, secret = webhooks.create_webhook(
        user=alice, slug="lobby", url=receiver.url, name="Deploys"
    )
    message = messages.send(author=alice, room=lobby, text="deploy please").message
    assert bots.sweep() == 1
    delivery = WebhookDelivery.objects.get(message=message)
    assert (delivery.status, delivery.attempts, delivery.error) == (
        "pending",
        1,
        "HTTP 500",
    )
    assert bots.sweep() == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("sent", 2)

    first, second = receiver.received
    assert first.path == "/hook"
    for request in (first, second):
        assert request.headers["x-parley-delivery"] == str(delivery.key)
        assert verified(secret, request.headers["x-parley-signature"], request.body)
        assert not verified(
            "whsec_other", request.headers["x-parley-signature"], request.body
        )
    body = orjson.loads(second.body)
    assert body["room"] == "lobby"
    assert (body["message"]["id"], body["message"]["text"]) == (
        message.id,
        "deploy please",
    )

    reply = Message.objects.order_by("-seq").first()
    assert (reply.author, reply.text, reply.reply_to_id) == (
        webhook.bot,
        "on it",
        message.id,
    )
    # The bot's reply goes to no webhook: no loop.
    assert not WebhookDelivery.objects.filter(message=reply).exists()
    assert bots.sweep() == 0


def test_retries_stop_after_the_attempts_allowed(alice, lobby, receiver, settings):
    settings.PARLEY_WEBHOOK_MAX_ATTEMPTS = 2
    receiver.answers = [(503, None)]
    webhooks.create_webhook(user=alice, slug="lobby", url=receiver.url)
    messages.send(author=alice, room=lobby, text="anyone?")
    bots.sweep()
    bots.sweep()
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts) == ("failed", 2)
    assert bots.sweep() == 0
    assert len(receiver.received) == 2


def test_a_target_turned_private_is_refused_at_delivery(
    alice, lobby, receiver, settings
):
    webhooks.create_webhook(user=alice, slug="lobby", url=receiver.url)
    settings.PARLEY_WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False
    messages.send(author=alice, room=lobby, text="hello")
    bots.sweep()
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "failed"
    assert "private" in delivery.error
    assert receiver.received == []


def test_an_untrusted_certificate_is_retried_not_accepted(
    alice, lobby, receiver, settings
):
    webhooks.create_webhook(user=alice, slug="lobby", url=receiver.url)
    settings.PARLEY_WEBHOOK_CA_FILE = ""
    messages.send(author=alice, room=lobby, text="hello")
    bots.sweep()
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.error) == ("pending", "ConnectError")
    assert receiver.received == []


@pytest.fixture
def order_command():
    def order(context: parley.commands.CommandContext) -> str:
        if context.args == "boom":
            raise RuntimeError("the shop is down")
        return f"Order {context.args} for {context.user.get_username()}: shipped"

    parley.commands.register("order", order)
    yield
    parley.commands.unregister("order")


def test_a_slash_command_is_stored_then_answered_by_the_command_bot(
    alice, lobby, order_command, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        posted = messages.send(author=alice, room=lobby, text="/order 42")
    assert posted.message.text == "/order 42"
    answer = Message.objects.get(seq=2)
    assert answer.author.get_username() == "commands#bot"
    assert (answer.text, answer.reply_to_id) == (
        "Order 42 for alice: shipped",
        posted.message.id,
    )


def test_a_failing_command_says_so(alice, lobby, order_command):
    posted = messages.send(author=alice, room=lobby, text="/order boom")
    assert bots.run_command(posted.message.id, "order", "boom") == (
        "The command /order failed."
    )


@pytest.mark.parametrize(
    ("answer", "status"),
    [
        ((200, ["not", "an", "object"]), "sent"),
        ((200, {"text": "x" * 100}), "sent"),  # past the bytes read: no reply
        ((204, None), "sent"),
        ((404, {"text": "no"}), "failed"),  # refused for good: not retried
        ((302, None), "failed"),  # a redirect is not followed
    ],
)
def test_answers_that_post_nothing(alice, lobby, receiver, settings, answer, status):
    settings.PARLEY_WEBHOOK_RESPONSE_MAX_BYTES = 64
    receiver.answers = [answer]
    webhooks.create_webhook(user=alice, slug="lobby", url=receiver.url)
    messages.send(author=alice, room=lobby, text="hello")
    bots.sweep()
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts) == (status, 1)
    assert Message.objects.count() == 1
    assert bots.sweep() == 0
