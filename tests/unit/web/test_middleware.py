"""The pages' HTTP middleware (``parley.web.middleware``) around fake views:
security headers, and the session events a request leaves behind."""

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.models import Session
from django.http import HttpResponse, JsonResponse
from django.test import RequestFactory

from parley.conf import DEFAULTS
from parley.services import sessions
from parley.services.sessions import key_digest
from parley.web import middleware
from parley.web.middleware import (
    ContentSecurityPolicyMiddleware,
    SessionSocketsMiddleware,
    rekeyed,
)

CSP = "Content-Security-Policy"


def respond_with(response):
    return ContentSecurityPolicyMiddleware(lambda request: response)(
        RequestFactory().get("/")
    )


def test_an_html_page_gets_the_policy_of_the_setting(settings):
    assert (
        respond_with(HttpResponse("<p>hi</p>"))[CSP]
        == DEFAULTS["CONTENT_SECURITY_POLICY"]
    )
    settings.PARLEY_CONTENT_SECURITY_POLICY = "default-src 'none'"
    assert respond_with(HttpResponse("<p>hi</p>"))[CSP] == "default-src 'none'"


def test_an_empty_policy_setting_sends_no_header(settings):
    settings.PARLEY_CONTENT_SECURITY_POLICY = ""
    assert CSP not in respond_with(HttpResponse("<p>hi</p>"))


def test_a_policy_the_view_set_is_kept():
    page = HttpResponse("<p>hi</p>")
    page[CSP] = "default-src 'self' https://cdn.example"
    assert respond_with(page)[CSP] == "default-src 'self' https://cdn.example"


def test_responses_other_than_html_get_no_policy():
    assert CSP not in respond_with(JsonResponse({"a": 1}))


@pytest.mark.parametrize("response", [HttpResponse("<p/>"), JsonResponse({})])
def test_every_response_gets_nosniff_and_a_same_origin_referrer(response):
    answered = respond_with(response)
    assert answered["X-Content-Type-Options"] == "nosniff"
    assert answered["Referrer-Policy"] == "same-origin"


def test_referrer_and_nosniff_headers_the_view_set_are_kept():
    page = HttpResponse("<p/>")
    page["Referrer-Policy"] = "no-referrer"
    assert respond_with(page)["Referrer-Policy"] == "no-referrer"


class FakeSession(dict):
    """A request's session: its (possibly new) key and its data."""

    def __init__(self, key: str | None, user_id: str | None = "5"):
        super().__init__({SESSION_KEY: user_id} if user_id is not None else {})
        self.session_key = key


def a_request(old_key: str | None, session: FakeSession | None):
    request = RequestFactory().get("/")
    if old_key is not None:
        request.COOKIES[django_settings.SESSION_COOKIE_NAME] = old_key
    if session is not None:
        request.session = session
    return request


@pytest.fixture
def published(monkeypatch):
    """The session events the middleware sends: (user id, fields)."""
    sent: list[tuple[int, dict]] = []
    monkeypatch.setattr(
        middleware.sessions,
        "publish",
        lambda user_id, **fields: sent.append((user_id, fields)) or True,
    )
    return sent


def test_a_session_given_a_new_key_moves_its_sockets_to_it(published):
    """A password change keeps the changer signed in under a new key: one
    event tells the processes, naming the old key by its digest only."""
    request = a_request("old" * 10, FakeSession("new" * 10))
    SessionSocketsMiddleware(lambda r: HttpResponse())(request)
    assert published == [
        (
            5,
            {
                "sessions": [],
                "rekey": {key_digest("old" * 10): "new" * 10},
                "check": False,
            },
        )
    ]


@pytest.mark.parametrize(
    ("old_key", "session"),
    [
        ("same", FakeSession("same")),
        (None, FakeSession("new")),
        ("old", None),
        ("old", FakeSession(None)),
        ("old", FakeSession("new", user_id=None)),
    ],
    ids=["unchanged", "no-cookie", "no-session", "session-ended", "signed-out"],
)
def test_no_new_key_of_a_signed_in_session_sends_nothing(published, old_key, session):
    request = a_request(old_key, session)
    assert rekeyed(request) == (None, {})
    SessionSocketsMiddleware(lambda r: HttpResponse())(request)
    assert published == []


def test_checks_asked_for_during_a_request_go_out_after_the_response(published):
    """Once per user, after the view (the session is saved by then), and a
    rekey of the same user rides in the same event, first."""

    def view(request):
        sessions.check_user(5)
        sessions.check_user(5)
        sessions.check_user(6)
        assert published == [], "nothing is sent while the view runs"
        return HttpResponse()

    request = a_request("old", FakeSession("new"))
    SessionSocketsMiddleware(view)(request)
    assert sorted(published, key=lambda sent: sent[0]) == [
        (5, {"sessions": [], "rekey": {key_digest("old"): "new"}, "check": True}),
        (6, {"sessions": [], "rekey": None, "check": True}),
    ]


@pytest.mark.django_db
def test_a_sign_out_goes_out_after_django_flushed_the_session(
    monkeypatch, client, django_user_model
):
    """Django sends ``user_logged_out`` before it flushes the session. Were
    the sockets closed then, a tab could load its next page still signed
    in, whose socket would then fail and send it to sign in from the
    sign-in page itself."""
    sent = []

    def publish(user_id, **fields):
        still_there = Session.objects.filter(session_key=key).exists()
        sent.append((user_id, fields["sessions"], still_there))
        return True

    monkeypatch.setattr(middleware.sessions, "publish", publish)
    user = django_user_model.objects.create_user("ann", password="x")
    client.force_login(user)
    key = client.session.session_key
    client.post("/accounts/logout/")
    assert sent == [(user.pk, [key_digest(key)], False)]
