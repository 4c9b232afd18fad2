"""Push subscriptions: only https endpoints of known push services (no
server-side request forgery), valid keys, a bounded number per user; and
the VAPID key."""

import pytest

from parley.models import PushSubscription
from parley.services import push
from parley.wire.errors import ErrorCode, NotFound, ParleyError
from tests.support.push_service import BrowserKeys

pytestmark = pytest.mark.django_db

FCM = "https://fcm.googleapis.com/fcm/send/abc"


@pytest.mark.parametrize(
    ("endpoint", "allowed"),
    [
        (FCM, True),
        ("https://updates.push.services.mozilla.com/wpush/v2/x", True),
        ("https://db5p.notify.windows.com/w/?token=x", True),
        ("https://web.push.apple.com/QGt", True),
        ("http://fcm.googleapis.com/fcm/send/abc", False),
        ("https://fcm.googleapis.com.evil.example/x", False),
        ("https://evil.example/?fcm.googleapis.com", False),
        ("https://user@fcm.googleapis.com/x", False),
        ("https://127.0.0.1/push", False),
        ("https://169.254.169.254/latest/meta-data", False),
        ("https://localhost:8000/admin/", False),
        ("file:///etc/passwd", False),
        ("https://fcm.googleapis.com:99999/x", False),
        ("notify.windows.com", False),
    ],
)
def test_only_https_endpoints_of_allowed_push_services(endpoint, allowed):
    assert push.endpoint_allowed(endpoint) is allowed


def test_insecure_endpoints_need_the_setting_and_an_allowed_host(settings):
    settings.PARLEY_PUSH_ALLOWED_HOSTS = "127.0.0.1"
    assert not push.endpoint_allowed("http://127.0.0.1:9/push/x")
    settings.PARLEY_PUSH_ALLOW_INSECURE_ENDPOINTS = True
    assert push.endpoint_allowed("http://127.0.0.1:9/push/x")
    assert not push.endpoint_allowed("http://10.0.0.1/push/x")


def test_a_subscription_is_stored_once_per_endpoint(alice, bob):
    keys = BrowserKeys()
    push.subscribe(user=alice, subscription=keys.subscription(FCM))
    push.subscribe(user=bob, subscription=BrowserKeys().subscription(FCM))
    stored = PushSubscription.objects.get()
    assert (stored.user, stored.endpoint) == (bob, FCM)


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"endpoint": "http://fcm.googleapis.com/x"}, ErrorCode.ENDPOINT_NOT_ALLOWED),
        ({"endpoint": "https://internal.example/x"}, ErrorCode.ENDPOINT_NOT_ALLOWED),
        ({"endpoint": FCM + "x" * 1000}, ErrorCode.ENDPOINT_NOT_ALLOWED),
        (
            {"keys": {"p256dh": "AAAA", "auth": "A" * 22}},
            ErrorCode.INVALID_SUBSCRIPTION,
        ),
        ({"keys": {"p256dh": "B" + "A" * 86}}, ErrorCode.INVALID_SUBSCRIPTION),
        # 65 bytes, but not a point on the curve.
        (
            {"keys": {"p256dh": "B" + "A" * 86, "auth": "A" * 22}},
            ErrorCode.INVALID_SUBSCRIPTION,
        ),
        (
            {"keys": {"p256dh": "B" + "A" * 85 + "!", "auth": "A" * 22}},
            ErrorCode.INVALID_SUBSCRIPTION,
        ),
        ({"keys": "nope"}, ErrorCode.INVALID_SUBSCRIPTION),
        ({"endpoint": 5}, ErrorCode.INVALID_SUBSCRIPTION),
    ],
)
def test_a_bad_subscription_is_refused(alice, change, code):
    subscription = {**BrowserKeys().subscription(FCM), **change}
    with pytest.raises(ParleyError) as refused:
        push.subscribe(user=alice, subscription=subscription)
    assert refused.value.code == code
    assert not PushSubscription.objects.exists()


def test_subscriptions_per_user_are_bounded(alice, settings):
    """PARLEY_PUSH_SUBSCRIPTIONS_PER_USER pass; one more is refused."""
    settings.PARLEY_PUSH_SUBSCRIPTIONS_PER_USER = 2
    for n in range(2):
        push.subscribe(user=alice, subscription=BrowserKeys().subscription(f"{FCM}{n}"))
    with pytest.raises(ParleyError) as refused:
        push.subscribe(user=alice, subscription=BrowserKeys().subscription(FCM + "9"))
    assert refused.value.code == ErrorCode.TOO_MANY_SUBSCRIPTIONS


def test_unsubscribing_someone_elses_is_not_found(alice, bob):
    push.subscribe(user=alice, subscription=BrowserKeys().subscription(FCM))
    with pytest.raises(NotFound):
        push.unsubscribe(user=bob, endpoint=FCM)
    push.unsubscribe(user=alice, endpoint=FCM)
    assert not PushSubscription.objects.exists()


def test_the_public_key_is_derived_from_the_private_key(settings):
    settings.PARLEY_VAPID_PUBLIC_KEY = ""
    derived = push.public_key()
    assert len(derived) == 87 and derived.startswith("B")
    settings.PARLEY_VAPID_PUBLIC_KEY = "configured"
    assert push.public_key() == "configured"
    settings.PARLEY_VAPID_PRIVATE_KEY = ""
    settings.PARLEY_VAPID_PUBLIC_KEY = ""
    with pytest.raises(NotFound) as missing:
        push.public_key()
    assert missing.value.code == ErrorCode.PUSH_UNAVAILABLE


def test_a_topic_is_32_url_safe_characters():
    topic = push.topic("room:лобби")
    assert len(topic) == 32 and topic == push.topic("room:лобби")
    assert set(topic) <= set(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    )
