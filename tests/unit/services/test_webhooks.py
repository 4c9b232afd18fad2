"""Managing a room's webhooks (its owner or staff), their targets checked
against server-side request forgery, Stripe-style signatures, and the
deliveries planned with each message."""

import hashlib
import hmac
import socket

import pytest

from parley.models import Room, Webhook, WebhookDelivery
from parley.services import messages, rooms, webhooks
from parley.wire.errors import ErrorCode, Forbidden, NotFound, ParleyError

pytestmark = pytest.mark.django_db

PUBLIC_URL = "https://hooks.example.com/parley"


@pytest.fixture(autouse=True)
def public_dns(monkeypatch):
    """``hooks.example.com`` resolves to a public address (no network)."""
    real = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):
        if host == "hooks.example.com":
            return [
                (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.215.14", port))
            ]
        if host == "inside.example.com":
            return [
                (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.215.14", port)),
                (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.0.0.7", port)),
            ]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


@pytest.fixture
def lobby(alice):
    return rooms.create_room(user=alice, title="Lobby")


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        (PUBLIC_URL, True),
        ("https://hooks.example.com:8443/x?y=1", True),
        ("http://hooks.example.com/parley", False),
        ("https://user@hooks.example.com/parley", False),
        ("https://127.0.0.1/hook", False),
        ("https://localhost/hook", False),
        ("https://10.1.2.3/hook", False),
        ("https://192.168.0.1/hook", False),
        ("https://169.254.169.254/latest/meta-data", False),
        ("https://[::1]/hook", False),
        ("https://[::ffff:127.0.0.1]/hook", False),
        ("https://[fe80::1]/hook", False),
        ("https://224.0.0.1/hook", False),
        ("https://0.0.0.0/hook", False),
        ("https://240.0.0.1/hook", False),
        ("https://inside.example.com/hook", False),
        ("https://hooks.example.com:99999/x", False),
        ("ftp://hooks.example.com/x", False),
        ("https://no-such-host.invalid/x", False),
    ],
)
def test_targets_are_https_on_public_addresses_only(url, allowed):
    if allowed:
        assert webhooks.resolve_target(url).address == "93.184.215.14"
    else:
        with pytest.raises(ParleyError) as refused:
            webhooks.resolve_target(url)
        assert refused.value.code == ErrorCode.ENDPOINT_NOT_ALLOWED


def test_the_settings_open_http_and_private_addresses(settings):
    settings.PARLEY_WEBHOOK_ALLOW_HTTP = True
    settings.PARLEY_WEBHOOK_ALLOW_PRIVATE_ADDRESSES = True
    target = webhooks.resolve_target("http://127.0.0.1:8080/hook?a=1")
    assert (target.scheme, target.host, target.port, target.path, target.address) == (
        "http",
        "127.0.0.1",
        8080,
        "/hook?a=1",
        "127.0.0.1",
    )


def test_the_signature_is_stripes_scheme():
    body = b'{"room":"lobby"}'
    mac = hmac.new(b"whsec_k", b"1700000000." + body, hashlib.sha256).hexdigest()
    assert webhooks.signature("whsec_k", body, 1700000000) == f"t=1700000000,v1={mac}"


def test_the_owner_creates_lists_and_deletes(alice, lobby):
    webhook, secret = webhooks.create_webhook(
        user=alice, slug="lobby", url=PUBLIC_URL, name="Deploys"
    )
    assert secret.startswith("whsec_") and webhook.secret == secret
    assert webhook.bot.get_username().startswith("hook#")
    assert not webhook.bot.has_usable_password()
    assert webhook.bot.parley_profile.display_name == "Deploys"
    assert webhooks.webhooks_of(user=alice, slug="lobby") == [webhook]
    webhooks.delete_webhook(user=alice, slug="lobby", webhook_id=webhook.pk)
    assert webhooks.webhooks_of(user=alice, slug="lobby") == []
    webhook.bot.refresh_from_db()
    assert webhook.bot.is_active is False
    with pytest.raises(NotFound):
        webhooks.delete_webhook(user=alice, slug="lobby", webhook_id=webhook.pk)


def test_only_the_owner_or_staff_manage_them(alice, bob, lobby, django_user_model):
    messages.store(room=lobby, author=bob, text="hi")
    with pytest.raises(Forbidden):
        webhooks.create_webhook(user=bob, slug="lobby", url=PUBLIC_URL)
    with pytest.raises(Forbidden):
        webhooks.webhooks_of(user=bob, slug="lobby")
    staff = django_user_model.objects.create_user("sam", is_staff=True)
    webhook, _secret = webhooks.create_webhook(user=staff, slug="lobby", url=PUBLIC_URL)
    with pytest.raises(Forbidden):
        webhooks.delete_webhook(user=bob, slug="lobby", webhook_id=webhook.pk)
    secret_room = rooms.create_room(user=alice, title="Den", kind=Room.Kind.PRIVATE)
    with pytest.raises(NotFound):
        webhooks.webhooks_of(user=bob, slug=secret_room.slug)


def test_a_loopback_target_is_refused_by_default(alice, lobby):
    with pytest.raises(ParleyError) as refused:
        webhooks.create_webhook(user=alice, slug="lobby", url="https://127.0.0.1/x")
    assert refused.value.code == ErrorCode.ENDPOINT_NOT_ALLOWED
    assert not Webhook.objects.exists()


def test_webhooks_per_room_limit(alice, lobby, settings):
    settings.PARLEY_WEBHOOKS_PER_ROOM = 2
    for _n in range(2):
        webhooks.create_webhook(user=alice, slug="lobby", url=PUBLIC_URL)
    with pytest.raises(ParleyError) as refused:
        webhooks.create_webhook(user=alice, slug="lobby", url=PUBLIC_URL)
    assert refused.value.code == ErrorCode.TOO_MANY_WEBHOOKS


def test_each_message_is_planned_once_per_webhook_but_not_a_bots(alice, lobby):
    first, _s = webhooks.create_webhook(user=alice, slug="lobby", url=PUBLIC_URL)
    second, _s = webhooks.create_webhook(user=alice, slug="lobby", url=PUBLIC_URL)
    message = messages.store(room=lobby, author=alice, text="ship it").message
    planned = WebhookDelivery.objects.filter(message=message)
    assert {d.webhook_id for d in planned} == {first.pk, second.pk}
    assert webhooks.plan(message) == 2  # again: nothing new
    assert planned.count() == 2
    reply = messages.store(room=lobby, author=first.bot, text="shipped").message
    assert not WebhookDelivery.objects.filter(message=reply).exists()
