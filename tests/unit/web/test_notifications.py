"""The notification pages: settings, the signed-out one-click unsubscribe
(RFC 8058), and the service worker at the site root."""

import pytest
from django.test import Client

from parley.models import NotificationSetting
from parley.services import email

pytestmark = pytest.mark.django_db


def test_the_service_worker_is_served_from_the_root_for_the_whole_site(client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Service-Worker-Allowed"] == "/"
    assert b"notificationclick" in response.content


def test_one_click_unsubscribe_works_signed_out(bob):
    token = email.unsubscribe_token(bob.pk, ["direct"])
    client = Client(enforce_csrf_checks=True)
    page = client.get(f"/notifications/unsubscribe/{token}/")
    assert page.status_code == 200 and not NotificationSetting.objects.exists()
    response = client.post(
        f"/notifications/unsubscribe/{token}/",
        "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200
    assert NotificationSetting.objects.get(user=bob, kind="direct").email is False


def test_a_forged_unsubscribe_is_refused(bob):
    token = email.unsubscribe_token(bob.pk, ["direct"])
    forged = token[:-3] + ("abc" if not token.endswith("abc") else "xyz")
    response = Client().post(f"/notifications/unsubscribe/{forged}/")
    assert response.status_code == 400
    assert not NotificationSetting.objects.exists()


def test_the_settings_page_lists_kinds_and_rooms(bob):
    client = Client()
    client.force_login(bob)
    page = client.get("/settings/notifications/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-kind="direct"' in html and 'data-kind="mention"' in html
    assert 'id="push-enable"' in html and "parley/push.js" in html


def test_the_settings_page_needs_sign_in(client):
    assert client.get("/settings/notifications/").status_code == 302
