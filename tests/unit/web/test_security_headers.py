"""Pages hold no inline code and say so: a strict Content-Security-Policy.

Every HTML page of the site carries ``PARLEY_CONTENT_SECURITY_POLICY``,
``X-Content-Type-Options: nosniff`` and ``Referrer-Policy: same-origin``;
none has an inline script, event handler attribute or inline style (the
policy would block them, so the page would break); and the pages' scripts
never hand text to an HTML parser. ``tests/browser/test_security.py``
watches Chromium enforce the policy.
"""

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.http import HttpResponse
from django.test import Client, RequestFactory

from parley.conf import DEFAULTS
from parley.services import email
from parley.web.middleware import ContentSecurityPolicyMiddleware
from tests.unit.web.test_csrf import ROUTES, concrete_path

pytestmark = pytest.mark.django_db

STATIC = Path(__file__).parents[3] / "src/parley/static/parley"
PASSWORD = "correct horse battery staple"
# Sinks that parse a string as HTML or code: user text must never reach them.
HTML_SINKS = re.compile(
    r"\.innerHTML\b|\.outerHTML\b|insertAdjacentHTML|document\.write"
    r"|\beval\s*\(|\bnew\s+Function\b|setTimeout\(\s*['\"`]|createContextualFragment"
    r"|\bDOMParser\b|parseFromString"
)
# The one HTML a script parses: a message's ``html``, which the server
# rendered and sanitized (parley.wire.formatting, an nh3 allow-list), parsed
# in an inert document by render.js's renderHtml.
SANITIZED_HTML = ("render.js", 'new DOMParser().parseFromString(html, "text/html")')
# Pages every signed-in user can see, which the walk must find as HTML.
EXPECTED_PAGES = {
    "parley-rooms",
    "parley-room",
    "parley-tokens",
    "parley-notification-settings",
    "parley-unsubscribe",
    "parley-settings",
    "login",
    "signup",
    "password_change",
    "password_change_done",
    "parley-guest",
    "parley-api:openapi-view",
    "admin:index",
}


class InlineCode(HTMLParser):
    """What a strict policy would block in a page: inline ``<script>`` (a
    ``json_script`` data block is not code), ``on*`` handler attributes,
    ``style`` attributes and ``<style>`` elements, ``javascript:`` URLs."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []
        self._script: dict[str, str | None] | None = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        for name, value in attrs:
            if name.startswith("on") or name == "style":
                self.found.append(f"<{tag} {name}=...>")
            if (value or "").strip().lower().startswith("javascript:"):
                self.found.append(f"<{tag} {name}={value}>")
        if tag == "style":
            self.found.append("<style>")
        if tag == "script":
            self._script = attributes

    def handle_data(self, data):
        script = self._script
        if (
            script is not None
            and data.strip()
            and "src" not in script
            and script.get("type") != "application/json"
        ):
            self.found.append(f"inline <script>: {data.strip()[:60]}")

    def handle_endtag(self, tag):
        if tag == "script":
            self._script = None


def inline_code(html: str) -> list[str]:
    parser = InlineCode()
    parser.feed(html)
    return parser.found


@pytest.fixture
def ann(django_user_model):
    return django_user_model.objects.create_superuser("ann", password=PASSWORD)


def html_pages(client: Client, values: dict) -> dict[str, object]:
    """GET every route of the site; the HTML answers by route name."""
    pages = {}
    for route in ROUTES:
        if route.name is None:
            continue
        response = client.get(concrete_path(route, values), follow=False)
        if response.get("Content-Type", "").startswith("text/html"):
            pages[route.key] = response
    return pages


def test_every_html_page_has_the_policy_and_no_inline_code(ann, settings):
    settings.PARLEY_GUEST_ACCESS = True
    client = Client()
    client.force_login(ann)
    values = {
        "room": "lobby",
        "token_id": 1,
        "object_id": str(ann.pk),
        "id": ann.pk,
        "content_type_id": "1",
        "app_label": "auth",
        "url": "nowhere/",
        "slug": "lobby",
        "username": "ann",
        "message_id": 1,
        "emoji": "👍",
        "notification_id": 1,
        "attachment_id": 1,
        "webhook_id": 1,
        "token": email.unsubscribe_token(ann.pk, ["direct"]),
        "user_id": ann.pk,
        "version": 1,
        "rest": "nowhere/at/all",
    }
    pages = html_pages(client, values)
    assert set(pages) >= EXPECTED_PAGES, EXPECTED_PAGES - set(pages)
    for name, response in pages.items():
        assert (
            response["Content-Security-Policy"] == DEFAULTS["CONTENT_SECURITY_POLICY"]
        ), name
        assert response["X-Content-Type-Options"] == "nosniff", name
        assert response["Referrer-Policy"] == "same-origin", name
        assert inline_code(response.content.decode()) == [], name


def test_the_default_policy_is_strict():
    directives = dict(
        part.strip().split(" ", 1)
        for part in DEFAULTS["CONTENT_SECURITY_POLICY"].split(";")
    )
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["default-src"] == "'self'"
    assert directives["object-src"] == "'none'"
    assert directives["base-uri"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe" not in DEFAULTS["CONTENT_SECURITY_POLICY"]


def test_json_answers_have_no_policy_and_error_pages_do(ann):
    client = Client()
    client.force_login(ann)
    api = client.get("/api/rooms")
    assert "Content-Security-Policy" not in api  # not a document
    assert api["X-Content-Type-Options"] == "nosniff"
    missing = client.get("/no/such/page/")
    assert missing.status_code == 404
    assert missing["Content-Security-Policy"] == DEFAULTS["CONTENT_SECURITY_POLICY"]


def html_response(policy: str | None = None) -> HttpResponse:
    response = HttpResponse("<p>hi</p>", content_type="text/html; charset=utf-8")
    if policy is not None:
        response["Content-Security-Policy"] = policy
    return response


def test_a_project_sets_its_own_policy_or_none(settings):
    request = RequestFactory().get("/")
    settings.PARLEY_CONTENT_SECURITY_POLICY = "default-src 'self' cdn.example"
    middleware = ContentSecurityPolicyMiddleware(lambda r: html_response())
    assert middleware(request)["Content-Security-Policy"] == (
        "default-src 'self' cdn.example"
    )
    settings.PARLEY_CONTENT_SECURITY_POLICY = ""
    assert "Content-Security-Policy" not in middleware(request)
    assert middleware(request)["X-Content-Type-Options"] == "nosniff"


def test_a_views_own_policy_is_kept():
    request = RequestFactory().get("/")
    middleware = ContentSecurityPolicyMiddleware(
        lambda r: html_response("default-src 'none'")
    )
    assert middleware(request)["Content-Security-Policy"] == "default-src 'none'"


def test_no_page_script_hands_text_to_an_html_parser():
    """Text reaches the pages only through ``textContent`` and the DOM:
    none of the scripts uses a sink that parses HTML or code, except
    render.js for a message's sanitized ``html`` (``SANITIZED_HTML``)."""
    scripts = sorted(STATIC.glob("*.js"))
    assert {path.name for path in scripts} >= {
        "socket.js",
        "live.js",
        "room.js",
        "main.js",
    }
    for path in scripts:
        for number, line in enumerate(path.read_text().splitlines(), 1):
            code = line.split("//", 1)[0]
            if (path.name, True) == (SANITIZED_HTML[0], SANITIZED_HTML[1] in code):
                continue
            assert not HTML_SINKS.search(code), f"{path.name}:{number}: {line}"


def test_links_the_scripts_make_go_to_this_site_only():
    """Every ``href`` a script sets is a path it built, one ``safePath``
    let through (no ``javascript:``, no other site), or an icon of the
    sprite the page itself links (shell.js); the one exception is a URL
    in a message's text, which ``render.js`` links only when it is
    http(s) (``webUrl``, checked by its ``isWebUrl``)."""
    for path in sorted(STATIC.glob("*.js")):
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if re.search(r"\.href\s*=", line) or 'setAttribute("href"' in line:
                allowed = (
                    r"\.href = (path|page\.\w+\.replace\()"
                    r"|setAttribute\(\"href\", spriteUrl\(\)"
                )
                if path.name == "render.js":
                    allowed = r"\.href = webUrl;"
                assert re.search(allowed, line), f"{path.name}:{number}: {line}"
