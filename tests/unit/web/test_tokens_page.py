"""The API token page, /settings/tokens/, through Django's test client."""

import re

import pytest
from django.test import Client
from django.utils import translation

from parley.models import ApiToken
from parley.services import tokens

pytestmark = pytest.mark.django_db

URL = "/settings/tokens/"


@pytest.fixture
def zoe(django_user_model):
    return django_user_model.objects.create_user("zoe")


@pytest.fixture
def signed_in(zoe) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(zoe)
    client.get(URL)  # sets the CSRF cookie
    return client


def post(client: Client, path: str, data: dict | None = None):
    token = client.cookies["csrftoken"].value
    return client.post(path, {**(data or {}), "csrfmiddlewaretoken": token})


def shown_token(html: str) -> str | None:
    found = re.search(r'value="(pt_[^"]+)"', html)
    return found and found.group(1)


def test_the_page_needs_sign_in(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_the_header_links_to_the_page(signed_in):
    assert f'href="{URL}"' in signed_in.get("/").content.decode()


def test_a_created_token_is_shown_once_and_works(signed_in, zoe):
    response = post(signed_in, URL, {"name": "deploy bot"})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    html = response.content.decode()
    plaintext = shown_token(html)
    assert plaintext and "will not be shown again" in html
    page = signed_in.get(URL).content.decode()
    assert shown_token(page) is None and plaintext not in page
    stored = ApiToken.objects.get()
    assert f"<code>{stored.prefix}…</code>" in page and "deploy bot" in page
    assert "<td>never</td>" in page
    assert tokens.authenticate(plaintext) == zoe
    assert "<td>never</td>" not in signed_in.get(URL).content.decode()


def test_the_list_shows_own_live_tokens_with_their_use(signed_in, zoe):
    _, plaintext = tokens.create_token(user=zoe, name="used <b>one</b>")
    tokens.authenticate(plaintext)
    revoked, _ = tokens.create_token(user=zoe, name="gone")
    tokens.revoke_token(user=zoe, token_id=revoked.pk)
    other = ApiToken.objects.create(
        user=type(zoe).objects.create_user("zack"),
        name="zack's",
        key_hash="0" * 64,
        prefix="pt_zzzzzzz",
    )
    page = signed_in.get(URL).content.decode()
    assert "used &lt;b&gt;one&lt;/b&gt;" in page and "<b>one</b>" not in page
    assert "<td>never</td>" not in page  # the one listed token was used
    assert "gone" not in page and other.prefix not in page


def test_a_blank_name_is_refused_with_an_error(signed_in):
    html = post(signed_in, URL, {"name": "  "}).content.decode()
    assert shown_token(html) is None and 'class="errorlist' in html
    assert not ApiToken.objects.exists()


def test_revoking_needs_csrf_and_post(signed_in, zoe):
    token, plaintext = tokens.create_token(user=zoe, name="bot")
    path = f"/settings/tokens/{token.pk}/revoke/"
    assert signed_in.get(path).status_code == 405
    assert signed_in.post(path).status_code == 403  # no CSRF token
    assert tokens.authenticate(plaintext) == zoe
    response = post(signed_in, path)
    assert (response.status_code, response["Location"]) == (302, URL)
    assert tokens.authenticate(plaintext) is None
    assert "<td>bot</td>" not in signed_in.get(URL).content.decode()


def test_revoking_someone_elses_token_is_404(signed_in, django_user_model):
    victim = django_user_model.objects.create_user("vic")
    token, plaintext = tokens.create_token(user=victim, name="theirs")
    for token_id in (token.pk, token.pk + 1000):
        response = post(signed_in, f"/settings/tokens/{token_id}/revoke/")
        assert response.status_code == 404
    assert tokens.authenticate(plaintext) == victim


def test_creating_needs_csrf(signed_in):
    assert signed_in.post(URL, {"name": "bot"}).status_code == 403
    assert not ApiToken.objects.exists()


def test_the_page_is_translated(signed_in):
    with translation.override("ru"):
        html = signed_in.get(URL, headers={"accept-language": "ru"}).content.decode()
    assert "API-токены" in html and "Создать токен" in html
    assert "API tokens" not in html and "Create a token" not in html
