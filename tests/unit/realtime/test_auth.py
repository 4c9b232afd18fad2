"""The WebSocket stack's origin and sign-in rules, under WebsocketCommunicator.

``websocket_application`` around Parley's routes, as ``parley.site.asgi``
builds it; handshakes carry raw headers as a client would send them (a
``Host`` always, as HTTP/1.1 requires). ``tests/live/test_origins.py`` forges
the same headers against a real server.
"""

import pytest
from asgiref.sync import sync_to_async
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.test import Client

from parley.realtime.auth import (
    SameOriginValidator,
    bearer_token,
    websocket_application,
)
from parley.realtime.routing import websocket_urlpatterns
from parley.services import tokens

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("fresh_layer"),
]

HOST = b"testserver"
OWN_ORIGIN = b"http://testserver"


@pytest.fixture
def application():
    return websocket_application(URLRouter(websocket_urlpatterns))


@pytest.fixture
def user(django_user_model):
    return django_user_model.objects.create_user("otto")


@pytest.fixture
def token(user) -> str:
    return tokens.create_token(user=user, name="bot")[1]


@pytest.fixture
def session_cookie(django_user_model) -> bytes:
    """The session of another user than the token's, so that a socket's
    user shows which of the two signed it in."""
    client = Client()
    client.force_login(django_user_model.objects.create_user("sally"))
    return f"sessionid={client.cookies['sessionid'].value}".encode()


async def handshake(
    application,
    *,
    token: str | None = None,
    origin: bytes | None = None,
    cookie: bytes | None = None,
    authorization: bytes | None = None,
    path: str = "/ws/",
) -> WebsocketCommunicator | None:
    """The open socket, or ``None`` if the handshake was refused."""
    headers = [(b"host", HOST)]
    if token is not None:
        headers.append((b"authorization", f"Bearer {token}".encode()))
    if authorization is not None:
        headers.append((b"authorization", authorization))
    if origin is not None:
        headers.append((b"origin", origin))
    if cookie is not None:
        headers.append((b"cookie", cookie))
    communicator = WebsocketCommunicator(application, path, headers=headers)
    connected, _ = await communicator.connect()
    if not connected:
        await communicator.disconnect()  # ends the refused instance
        return None
    return communicator


async def signed_in_as(ws: WebsocketCommunicator) -> str:
    """Whom the socket is signed in as: the author its own message gets."""
    await ws.send_json_to({"type": "subscribe", "room": "whoami"})
    assert (await ws.receive_json_from())["type"] == "subscribed"
    await ws.send_json_to(
        {"type": "send", "room": "whoami", "text": "who am I", "client_id": "w1"}
    )
    answers = [await ws.receive_json_from(), await ws.receive_json_from()]
    frames = {frame["type"]: frame for frame in answers}
    assert set(frames) == {"ack", "message"}, frames
    assert frames["message"]["text"] == "who am I"
    return frames["message"]["author"]


async def test_a_token_without_origin_opens_a_socket_as_its_user(application, token):
    ws = await handshake(application, token=token)
    assert ws is not None
    await ws.send_json_to({"type": "subscribe", "room": "bots"})
    assert (await ws.receive_json_from())["type"] == "subscribed"
    await ws.send_json_to(
        {"type": "send", "room": "bots", "text": "beep", "client_id": "b1"}
    )
    assert (await ws.receive_json_from())["type"] == "ack"
    message = await ws.receive_json_from()
    assert (message["author"], message["text"]) == ("otto", "beep")
    await ws.disconnect()


async def test_a_token_with_the_sites_own_origin_is_accepted(application, token):
    ws = await handshake(application, token=token, origin=OWN_ORIGIN)
    assert ws is not None
    assert await signed_in_as(ws) == "otto"
    await ws.disconnect()


async def test_the_tutorial_socket_takes_a_token_too(application, token):
    ws = await handshake(application, token=token, path="/ws/chat/lobby/")
    assert ws is not None
    await ws.send_json_to({"message": "hello"})
    assert (await ws.receive_json_from())["author"] == "otto"
    await ws.disconnect()


async def test_without_a_token_a_missing_origin_is_refused(application, session_cookie):
    assert await handshake(application) is None
    # Even a valid session: only a token may go without Origin.
    assert await handshake(application, cookie=session_cookie) is None
    assert await handshake(application, authorization=b"Basic b3R0bzp4") is None


async def test_a_bad_or_revoked_token_is_refused(application, user, token):
    for bad in ("", "pt_nope", token + "x", token[3:]):
        assert await handshake(application, token=bad) is None, bad
        assert await handshake(application, token=bad, origin=OWN_ORIGIN) is None
    row, revoked = await sync_to_async(tokens.create_token)(user=user, name="old")
    await sync_to_async(tokens.revoke_token)(user=user, token_id=row.pk)
    assert await handshake(application, token=revoked) is None


async def test_an_inactive_users_token_is_refused(application, user, token):
    user.is_active = False
    await user.asave()
    assert await handshake(application, token=token) is None


async def test_a_bad_token_does_not_fall_back_to_the_cookie(
    application, session_cookie
):
    socket = await handshake(
        application, token="pt_nope", origin=OWN_ORIGIN, cookie=session_cookie
    )
    assert socket is None


async def test_a_foreign_origin_is_refused_even_with_a_token(application, token):
    for origin in (
        b"http://evil.example",
        b"http://testserver.evil.example",
        b"null",
        b"",
    ):
        assert await handshake(application, token=token, origin=origin) is None


async def test_a_session_still_works_with_the_sites_origin(application, session_cookie):
    ws = await handshake(application, origin=OWN_ORIGIN, cookie=session_cookie)
    assert ws is not None
    await ws.send_json_to({"type": "ping"})
    assert await ws.receive_json_from() == {"type": "pong"}
    assert await signed_in_as(ws) == "sally"
    await ws.disconnect()
    assert (
        await handshake(
            application, origin=b"http://evil.example", cookie=session_cookie
        )
        is None
    )


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ([], None),
        ([(b"authorization", b"Bearer pt_abc")], "pt_abc"),
        ([(b"authorization", b"bearer   pt_abc ")], "pt_abc"),
        ([(b"authorization", b"BEARER pt_abc")], "pt_abc"),
        ([(b"authorization", b"Bearer")], ""),
        ([(b"authorization", b"Basic b3R0bzp4")], None),
        ([(b"cookie", b"Bearer pt_abc")], None),
    ],
)
def test_bearer_token_reads_the_authorization_header(headers, expected):
    assert bearer_token({"headers": headers}) == expected


def test_the_stack_starts_with_the_origin_check():
    application = websocket_application(URLRouter(websocket_urlpatterns))
    assert isinstance(application, SameOriginValidator)


def scope(origin: str, *, host: str = "chat.example", scheme: str = "wss") -> dict:
    return {
        "type": "websocket",
        "scheme": scheme,
        "headers": [(b"host", host.encode()), (b"origin", origin.encode())],
    }


@pytest.mark.parametrize(
    ("origin", "allowed"),
    [
        ("https://chat.example", True),
        ("http://chat.example", False),  # the socket is wss: the page is https
        ("https://chat.example:8443", False),
        ("https://chat.example.evil.com", False),
        ("https://evil.com", False),
        ("https://sub.chat.example", False),
        ("null", False),
        ("", False),
        ("HTTPS://CHAT.EXAMPLE", False),  # browsers send it lowercase
    ],
)
def test_only_the_sites_own_origin_passes(settings, origin, allowed):
    """Django's CSRF origin rule: scheme, host and port all match."""
    settings.ALLOWED_HOSTS = ["chat.example"]
    settings.CSRF_TRUSTED_ORIGINS = []
    assert SameOriginValidator.allowed(scope(origin)) is allowed


def test_a_host_outside_allowed_hosts_has_no_own_origin(settings):
    settings.ALLOWED_HOSTS = ["chat.example"]
    assert not SameOriginValidator.allowed(scope("https://evil.com", host="evil.com"))


def test_trusted_origins_pass_as_for_csrf(settings):
    """CSRF_TRUSTED_ORIGINS: exact entries, and *.domain for subdomains."""
    settings.ALLOWED_HOSTS = ["chat.example"]
    settings.CSRF_TRUSTED_ORIGINS = ["https://app.example", "https://*.corp.example"]
    allowed = SameOriginValidator.allowed
    assert allowed(scope("https://app.example"))
    assert allowed(scope("https://a.corp.example"))
    assert not allowed(scope("http://a.corp.example"))
    assert not allowed(scope("https://corp.example.evil.com"))
    assert not allowed(scope("https://app.example:444"))


def test_behind_a_proxy_the_forwarded_host_counts_only_when_trusted(settings):
    settings.ALLOWED_HOSTS = ["chat.example", "internal"]
    forwarded = scope("https://chat.example", host="internal")
    forwarded["headers"].append((b"x-forwarded-host", b"chat.example"))
    settings.USE_X_FORWARDED_HOST = False
    assert not SameOriginValidator.allowed(forwarded)
    settings.USE_X_FORWARDED_HOST = True
    assert SameOriginValidator.allowed(forwarded)


def test_behind_a_proxy_djangos_ssl_header_makes_the_socket_secure(settings):
    """SECURE_PROXY_SSL_HEADER, as HttpRequest.is_secure reads it, for an
    ASGI server that leaves the scheme at ws."""
    settings.ALLOWED_HOSTS = ["chat.example"]
    proxied = scope("https://chat.example", scheme="ws")
    assert not SameOriginValidator.allowed(proxied)
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    assert not SameOriginValidator.allowed(proxied)  # no header: the scheme
    proxied["headers"].append((b"x-forwarded-proto", b"https, http"))
    assert SameOriginValidator.allowed(proxied)
    plain = scope("http://chat.example", scheme="ws")
    plain["headers"].append((b"x-forwarded-proto", b"https"))
    assert not SameOriginValidator.allowed(plain)
