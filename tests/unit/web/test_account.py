"""The settings page's data export link and "Delete my account" form
(``parley.web.account``), through Django's test client."""

import pytest
from django.test import Client

from parley.models import Guest

pytestmark = pytest.mark.django_db


def client_of(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_settings_page_links_the_export_and_offers_deletion(ann):
    page = client_of(ann).get("/settings/").content.decode()
    assert 'href="/api/me/export" download="parley-export.json"' in page
    assert 'action="/settings/delete/"' in page
    assert 'autocomplete="current-password"' in page


def test_deletion_needs_the_password_and_the_tick(ann):
    client = client_of(ann)
    wrong = client.post("/settings/delete/", {"password": "guess", "confirm": "on"})
    assert wrong.status_code == 400
    assert "The password is not right." in wrong.content.decode()
    unticked = client.post("/settings/delete/", {"password": "first pass"})
    assert unticked.status_code == 400
    assert type(ann).objects.filter(pk=ann.pk).exists()
    done = client.post("/settings/delete/", {"password": "first pass", "confirm": "on"})
    assert done.status_code == 200
    assert "Your account was deleted" in done.content.decode()
    assert not type(ann).objects.filter(pk=ann.pk).exists()
    assert client.get("/settings/").status_code == 302  # signed out


def test_the_page_is_in_russian_too(ann):
    client = client_of(ann)
    page = client.get("/settings/", headers={"accept-language": "ru"}).content
    assert "Удалить мой аккаунт" in page.decode()


def test_a_guest_has_no_account_to_delete(ann):
    Guest.objects.create(user=ann, name="ann")
    assert client_of(ann).post("/settings/delete/", {}).status_code == 404
