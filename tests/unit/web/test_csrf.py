"""CSRF on every state-changing HTTP route, found by walking the site.

Cross-site request forgery: another site's page posts to Parley and the
browser attaches the user's session cookie. Every route of the URL resolver
and every state-changing operation of the API's OpenAPI schema is tried with
a session cookie and no CSRF token, a wrong one, or the right one from a
foreign ``Origin``: each is refused with 403 and the database is exactly as
before. With the right token each state-changing call succeeds; with an API
token (``Authorization: Bearer``) an API call needs no CSRF token at all.

The routes are enumerated, not listed by hand: a new route or operation
fails ``test_every_route_is_classified`` until it is given a case here.
Django's test client with ``enforce_csrf_checks`` runs the real middleware.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve

from parley.api.views import api
from parley.models import Room
from parley.services import (
    attachments,
    email,
    messages,
    moderation,
    notifications,
    pins,
    push,
    reactions,
    reads,
    rooms,
    tokens,
    webhooks,
)
from tests.support.push_service import BrowserKeys

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"
NEW_PASSWORD = "another horse, another staple"
UNSAFE_METHODS = ("post", "put", "patch", "delete")
WRONG_TOKEN = "w" * 64  # the form of a masked token, but not this session's
FOREIGN_ORIGIN = "http://evil.example"
# Django's admin (csrf_protect on every view) is walked with the rest for
# the refusals; its own forms are Django's, not given cases here.
ADMIN_NAMESPACE = "admin"
API_NAMESPACE = "parley-api"
# A browser's subscription on an allowed push service.
SUBSCRIPTION = BrowserKeys().subscription("https://fcm.googleapis.com/fcm/send/ann")
# Exempt from CSRF by design: the one-click unsubscribe of an e-mail (RFC
# 8058) is posted by a mail client, with no cookie; its signed token is the
# proof (tests/unit/web/test_notifications.py refuses a forged one).
SIGNED_ROUTES = {"parley-unsubscribe"}


# The site's routes --------------------------------------------------------


@dataclass(frozen=True)
class Route:
    namespace: str | None
    name: str | None
    pattern: URLPattern
    route: str  # the full pattern text, e.g. "settings/tokens/<int:token_id>/"

    @property
    def key(self) -> str:
        return f"{self.namespace}:{self.name}" if self.namespace else str(self.name)


def site_routes() -> list[Route]:
    """Every URL pattern of the root URLconf, with its full route text."""

    def walk(patterns, prefix: str, namespace: str | None):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(
                    pattern.url_patterns,
                    prefix + str(pattern.pattern),
                    pattern.namespace or namespace,
                )
            else:
                yield Route(
                    namespace, pattern.name, pattern, prefix + str(pattern.pattern)
                )

    return list(walk(get_resolver().url_patterns, "", None))


def unsafe_operations() -> dict[str, tuple[str, str]]:
    """The API's state-changing operations from its OpenAPI schema:
    ``{operation name: (method, path template)}``."""
    found = {}
    for path, operations in api.get_openapi_schema()["paths"].items():
        for method, operation in operations.items():
            if method in UNSAFE_METHODS:
                name = re.sub(
                    r"^parley_api_(views|push|details|attachments|threads|me|webhooks|moderation|notifications)_",
                    "",
                    operation["operationId"],
                )
                found[name] = (method, path)
    return found


ROUTES = site_routes()
OPERATIONS = unsafe_operations()


# The world the calls act on ------------------------------------------------


@dataclass
class World:
    """Users and rows the calls act on; ``values`` fills path parameters."""

    ann: Any
    private: Room
    token: str
    values: dict[str, Any] = field(default_factory=dict)


@pytest.fixture
def world(django_user_model, settings) -> World:
    """Ann (the signed-in user) and Ben; a public room where Ben wrote what
    Ann has not read; Ann's private room with her message; a notification
    and an API token of Ann's. Guest access is on."""
    settings.PARLEY_GUEST_ACCESS = True
    # Webhooks to a loopback address (none is sent here).
    settings.PARLEY_WEBHOOK_ALLOW_PRIVATE_ADDRESSES = True
    ann = django_user_model.objects.create_user("ann", password=PASSWORD)
    ben = django_user_model.objects.create_user("ben", password=PASSWORD)
    public = rooms.join_or_create(user=ben, name="lobby")
    messages.store(room=public, author=ben, text="unread by ann")
    private = rooms.create_room(user=ann, title="Ann's", kind=Room.Kind.PRIVATE)
    message = messages.store(room=private, author=ann, text="mine").message
    # Ann's reaction, for the call that takes one back (react adds another).
    reactions.toggle(user=ann, message_id=message.pk, emoji="👍", on=True)
    notification = notifications.notify(ann, kind="test", title="hello")
    token, plaintext = tokens.create_token(user=ann, name="bot")
    push.subscribe(user=ann, subscription=SUBSCRIPTION)
    return World(
        ann,
        private,
        plaintext,
        values={
            "room": public.slug,
            "slug": public.slug,
            "token_id": token.pk,
            "username": ben.username,
            "message_id": message.pk,
            "emoji": "👍",
            "notification_id": notification.pk,
            "attachment_id": 1,
            "webhook_id": 1,
            "user_id": ann.pk,
            "version": 1,
            # Django's admin
            "object_id": str(ann.pk),
            "id": ann.pk,
            "content_type_id": "1",
            "app_label": "auth",
            "url": "nowhere/",
            "token": email.unsubscribe_token(ann.pk, ["direct"]),
            "rest": "nowhere/at/all",
        },
    )


def signed_in(user) -> Client:
    """A browser signed in as ``user``: session and CSRF cookies set."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    client.get("/accounts/login/")  # sets the csrftoken cookie
    return client


def visitor() -> Client:
    """A browser that is not signed in, with a CSRF cookie."""
    client = Client(enforce_csrf_checks=True)
    client.get("/accounts/login/")
    return client


def csrf_token(client: Client) -> str:
    return client.cookies["csrftoken"].value


def concrete_path(route: Route, values: dict[str, Any]) -> str:
    """A path that resolves to ``route``, its parameters filled in from
    ``values`` (``<int:token_id>`` and ``(?P<app_label>...)`` alike)."""

    def fill(match: re.Match) -> str:
        return str(values[match.group(1)])

    path = re.sub(r"\(\?P<(\w+)>[^)]*\)", fill, route.route)
    path = re.sub(r"<(?:\w+:)?(\w+)>", fill, path)
    path = "/" + path.replace("^", "").replace("$", "")
    # The same route (the API serves each method of a path from one pattern).
    assert resolve(path).route == route.route.replace("^", ""), (route.route, path)
    return path


def database() -> dict[str, list[dict[str, Any]]]:
    """Every row of every table (sessions, users, Parley's models...)."""
    return {
        model._meta.label: list(model._default_manager.order_by("pk").values())
        for model in apps.get_models()
    }


# What each route does with the right token ---------------------------------


@dataclass(frozen=True)
class Case:
    """A state-changing call made right: who, what, and the answer."""

    data: Callable[[World], dict[str, Any]]
    status: int
    as_visitor: bool = False
    # A multipart form (an upload), not a JSON body.
    multipart: bool = False


def api_body(case: Case, world: World) -> dict[str, Any]:
    """The keyword arguments of the test client's call for ``case``."""
    if case.multipart:
        return {"data": case.data(world)}
    return {"data": case.data(world), "content_type": "application/json"}


PAGE_CASES: dict[str, Case] = {
    "parley-rooms": Case(lambda w: {"name": "created by form"}, 302),
    "parley-room": Case(lambda w: {"name": "visitor"}, 302, as_visitor=True),
    "parley-tokens": Case(lambda w: {"name": "new bot"}, 200),
    "parley-settings": Case(lambda w: {"display_name": "Ann Lee"}, 302),
    "parley-token-revoke": Case(lambda w: {}, 302),
    "login": Case(lambda w: {"username": "ann", "password": PASSWORD}, 302),
    "logout": Case(lambda w: {}, 302),
    "signup": Case(
        lambda w: {"username": "newbie", "password1": PASSWORD, "password2": PASSWORD},
        302,
    ),
    "password_change": Case(
        lambda w: {
            "old_password": PASSWORD,
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
        302,
    ),
    "parley-guest": Case(lambda w: {"name": "guesty"}, 302, as_visitor=True),
    "parley-delete-account": Case(
        lambda w: {"password": PASSWORD, "confirm": "on"}, 200
    ),
}
# Routes that change nothing whatever the method (read-only pages, probes).
READ_ONLY_ROUTES = {
    "parley-healthz",
    "parley-metrics",
    "parley-notification-settings",
    "parley-service-worker",
    "password_change_done",
    "parley-avatar",
    "parley-attachment",
    "parley-attachment-thumb",
    "parley-favicon",
    f"{API_NAMESPACE}:openapi-json",
    f"{API_NAMESPACE}:openapi-view",
    f"{API_NAMESPACE}:api-root",
    # Any other path under /api/: a JSON 404 (parley.api.errors).
    f"{API_NAMESPACE}:no-such-path",
}

API_CASES: dict[str, Case] = {
    "create_room": Case(lambda w: {"title": "Made over the API"}, 201),
    "mark_read": Case(lambda w: {"seq": 1}, 200),
    "add_member": Case(lambda w: {"username": "ben"}, 201),
    "open_direct": Case(lambda w: {}, 201),
    "post_message": Case(lambda w: {"text": "hello", "client_id": "c1"}, 201),
    "edit_message": Case(lambda w: {"text": "edited"}, 200),
    "delete_message": Case(lambda w: {}, 200),
    "react": Case(lambda w: {"emoji": "🎉"}, 200),
    "unreact": Case(lambda w: {}, 200),
    "mark_all_notifications_read": Case(lambda w: {}, 200),
    "mark_notification_read": Case(lambda w: {}, 200),
    "subscribe": Case(
        lambda w: {**SUBSCRIPTION, "endpoint": SUBSCRIPTION["endpoint"] + "2"}, 201
    ),
    "unsubscribe": Case(lambda w: {"endpoint": SUBSCRIPTION["endpoint"]}, 204),
    "update_notification_settings": Case(
        lambda w: {"kinds": [{"kind": "mention", "email": False}]}, 200
    ),
    "set_topic": Case(lambda w: {"topic": "plans"}, 200),
    "leave_room": Case(lambda w: {}, 200),
    "pin_message": Case(lambda w: {}, 200),
    "unpin_message": Case(lambda w: {}, 200),
    "upload_attachment": Case(
        lambda w: {"file": SimpleUploadedFile("a.txt", b"hello")}, 201, multipart=True
    ),
    "discard_attachment": Case(lambda w: {}, 204),
    "delete_my_account": Case(lambda w: {"password": PASSWORD}, 204),
    "create_webhook": Case(lambda w: {"url": "https://127.0.0.1:9/hook"}, 201),
    "delete_webhook": Case(lambda w: {}, 204),
    "remove_member": Case(lambda w: {}, 200),
    "ban": Case(lambda w: {}, 200),
    "unban": Case(lambda w: {}, 200),
    "mute": Case(lambda w: {"seconds": 60}, 200),
    "unmute": Case(lambda w: {}, 200),
    "set_role": Case(lambda w: {"role": "moderator"}, 200),
    "archive": Case(lambda w: {}, 200),
    "unarchive": Case(lambda w: {}, 200),
}


def member_of_lobby(world: World) -> dict[str, Any]:
    """Ann in the public room as a member, for her to leave it."""
    lobby = Room.objects.get(slug=world.values["slug"])
    reads.mark_read(user=world.ann, room=lobby, seq=1)
    return {}


def ben_in_private(world: World) -> dict[str, Any]:
    """Ben a member of Ann's private room, for her to moderate him."""
    rooms.admit(room=world.private, user=get_user_model().objects.get(username="ben"))
    return {"slug": world.private.slug}


def ben_sanctioned(world: World) -> dict[str, Any]:
    """Ben banned from, and muted in, Ann's private room (he is a member of
    it again), for her to lift both."""
    ben_in_private(world)
    moderation.ban(by=world.ann, room=world.private, username="ben")
    ben_in_private(world)
    moderation.mute(by=world.ann, room=world.private, username="ben", seconds=60)
    return {"slug": world.private.slug}


def archived(world: World) -> dict[str, Any]:
    """Ann's private room archived, for her to bring it back."""
    moderation.archive(by=world.ann, room=world.private)
    return {"slug": world.private.slug}


def pinned(world: World) -> dict[str, Any]:
    """Ann's message pinned, for her to unpin it."""
    pins.set_pinned(user=world.ann, message_id=world.values["message_id"], on=True)
    return {}


def webhook(world: World) -> dict[str, Any]:
    """A webhook of Ann's private room, for her to delete it."""
    made, _secret = webhooks.create_webhook(
        user=world.ann, slug=world.private.slug, url="https://127.0.0.1:9/hook"
    )
    return {"slug": world.private.slug, "webhook_id": made.pk}


# Path parameters of the API calls, by operation: which room, message...
API_PATH_VALUES: dict[str, Callable[[World], dict[str, Any]]] = {
    "add_member": lambda w: {"slug": w.private.slug},
    "post_message": lambda w: {"slug": w.private.slug},
    "set_topic": lambda w: {"slug": w.private.slug},
    "leave_room": member_of_lobby,
    "unpin_message": pinned,
    "create_webhook": lambda w: {"slug": w.private.slug},
    "delete_webhook": webhook,
    **dict.fromkeys(("remove_member", "ban", "mute", "set_role"), ben_in_private),
    "unban": ben_sanctioned,
    "unmute": ben_sanctioned,
    "archive": lambda w: {"slug": w.private.slug},
    "unarchive": archived,
    # One of Ann's uploads, not sent.
    "discard_attachment": lambda w: {
        "attachment_id": attachments.upload(
            user=w.ann, slug=w.private.slug, name="a.txt", data=b"unsent"
        ).pk
    },
}


def api_path(name: str, world: World) -> tuple[str, str]:
    method, template = OPERATIONS[name]
    values = world.values | API_PATH_VALUES.get(name, lambda w: {})(world)
    return method, template.format(**values)


# Classification -------------------------------------------------------------


def test_every_route_is_classified():
    """A new route or API operation needs a case here (or a reason to be
    read-only): none escapes the checks below unnoticed."""
    api_operations = {r.name for r in ROUTES if r.namespace == API_NAMESPACE} - {
        key.split(":")[1] for key in READ_ONLY_ROUTES if key.startswith(API_NAMESPACE)
    }
    page_routes = {
        r.key for r in ROUTES if r.namespace not in (API_NAMESPACE, ADMIN_NAMESPACE)
    }
    assert page_routes - READ_ONLY_ROUTES - SIGNED_ROUTES == set(PAGE_CASES)
    assert set(OPERATIONS) == set(API_CASES)
    assert set(OPERATIONS) <= api_operations


def test_only_api_operations_skip_djangos_csrf_middleware():
    """The API's views are exempt from the middleware because the API checks
    CSRF itself for cookie sign-ins (``django_auth``); nothing else is."""
    exempt = {
        r.key for r in ROUTES if getattr(r.pattern.callback, "csrf_exempt", False)
    }
    assert {key.split(":")[0] for key in exempt} <= {API_NAMESPACE} | SIGNED_ROUTES


# Refusals -------------------------------------------------------------------


def refusals(client: Client) -> list[tuple[str, dict[str, str]]]:
    """Ways to call without a valid CSRF proof, as headers."""
    token = csrf_token(client)
    return [
        ("no token", {}),
        ("wrong token", {"HTTP_X_CSRFTOKEN": WRONG_TOKEN}),
        (
            "right token, foreign origin",
            {
                "HTTP_X_CSRFTOKEN": token,
                "HTTP_ORIGIN": FOREIGN_ORIGIN,
            },
        ),
    ]


@pytest.mark.parametrize(
    "route",
    [r for r in ROUTES if r.key not in SIGNED_ROUTES],
    ids=lambda r: f"{r.key}:{r.route}",
)
def test_every_route_refuses_unsafe_methods_without_csrf(route, world):
    """POST, PUT, PATCH and DELETE with a session cookie but no valid CSRF
    proof: 403 and no change, on every route. An API path answers 405 to a
    method none of its operations takes (before any sign-in); the methods it
    takes are refused with 403 (next test)."""
    client = signed_in(world.ann)
    path = concrete_path(route, world.values)
    refused = {403, 405} if route.namespace == API_NAMESPACE else {403}
    if route.key == f"{API_NAMESPACE}:no-such-path":
        refused = {404}  # no operation there: nothing to protect
    before = database()
    for method in UNSAFE_METHODS:
        for how, headers in refusals(client):
            response = getattr(client, method)(
                path, {}, content_type="application/json", **headers
            )
            assert response.status_code in refused, (method, path, how)
    assert database() == before


@pytest.mark.parametrize("name", sorted(OPERATIONS))
def test_every_api_operation_refuses_a_cookie_without_csrf(name, world):
    client = signed_in(world.ann)
    method, path = api_path(name, world)
    before = database()
    for how, headers in refusals(client):
        response = getattr(client, method)(
            path, **api_body(API_CASES[name], world), **headers
        )
        assert (response.status_code, response.json()["code"]) == (
            403,
            "forbidden",
        ), how
    assert database() == before


# The right token ---------------------------------------------------------


@pytest.mark.parametrize("name", sorted(PAGE_CASES))
def test_each_page_form_works_with_the_right_token(name, world):
    case = PAGE_CASES[name]
    client = visitor() if case.as_visitor else signed_in(world.ann)
    route = next(r for r in ROUTES if r.key == name)
    before = database()
    response = client.post(
        concrete_path(route, world.values),
        {**case.data(world), "csrfmiddlewaretoken": csrf_token(client)},
    )
    assert response.status_code == case.status, response.content[-2000:]
    assert database() != before


@pytest.mark.parametrize("name", sorted(READ_ONLY_ROUTES))
def test_read_only_routes_change_nothing_even_with_the_right_token(name, world):
    client = signed_in(world.ann)
    route = next(r for r in ROUTES if r.key == name)
    before = database()
    for method in UNSAFE_METHODS:
        getattr(client, method)(
            concrete_path(route, world.values),
            HTTP_X_CSRFTOKEN=csrf_token(client),
        )
    assert database() == before


@pytest.mark.parametrize("name", sorted(OPERATIONS))
def test_each_api_operation_works_with_the_right_token(name, world):
    case = API_CASES[name]
    client = signed_in(world.ann)
    method, path = api_path(name, world)
    before = database()
    response = getattr(client, method)(
        path, **api_body(case, world), HTTP_X_CSRFTOKEN=csrf_token(client)
    )
    assert response.status_code == case.status, response.content
    assert database() != before


@pytest.mark.parametrize("name", sorted(OPERATIONS))
def test_each_api_operation_needs_no_csrf_with_an_api_token(name, world):
    """A bearer token is never attached by a browser on its own: no CSRF."""
    case = API_CASES[name]
    client = Client(enforce_csrf_checks=True)
    method, path = api_path(name, world)
    before = database()
    response = getattr(client, method)(
        path, **api_body(case, world), HTTP_AUTHORIZATION=f"Bearer {world.token}"
    )
    assert response.status_code == case.status, response.content
    assert database() != before
