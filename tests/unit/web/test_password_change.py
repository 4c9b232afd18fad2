"""The password change page (``/accounts/password_change/``).

What it does to open sockets is in ``tests/live/test_sessions.py``.
"""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

OLD, NEW = "first passphrase here", "second passphrase here"


def test_a_user_changes_their_password_and_stays_signed_in(django_user_model):
    user = django_user_model.objects.create_user("paula", password=OLD)
    client = Client()
    client.force_login(user)
    page = client.get("/accounts/password_change/")
    assert page.status_code == 200
    assert b'name="old_password"' in page.content
    assert b'href="/accounts/password_change/"' in client.get("/").content
    response = client.post(
        "/accounts/password_change/",
        {"old_password": OLD, "new_password1": NEW, "new_password2": NEW},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == "/accounts/password_change/done/"
    assert "Your password was changed." in response.content.decode()
    user.refresh_from_db()
    assert user.check_password(NEW)
    assert client.get("/").status_code == 200  # still signed in


def test_a_wrong_old_password_changes_nothing(django_user_model):
    user = django_user_model.objects.create_user("quinn", password=OLD)
    client = Client()
    client.force_login(user)
    response = client.post(
        "/accounts/password_change/",
        {"old_password": "wrong", "new_password1": NEW, "new_password2": NEW},
    )
    assert response.status_code == 200
    user.refresh_from_db()
    assert user.check_password(OLD)


def test_visitors_sign_in_first_and_guests_have_no_password(settings):
    response = Client().get("/accounts/password_change/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    settings.PARLEY_GUEST_ACCESS = True
    guest = Client()
    guest.get("/accounts/login/")
    signed_in = guest.post("/accounts/guest/", {"name": "visitor"})
    assert signed_in.status_code == 302
    assert guest.get("/accounts/password_change/").status_code == 404
    assert b"/accounts/password_change/" not in guest.get("/").content
