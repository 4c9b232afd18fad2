"""Who a WebSocket belongs to: an API token, else the session cookie.

``websocket_application(inner)`` wraps WebSocket routes in the two checks
Parley's handshake needs, outermost first:

1. ``SameOriginValidator``: the handshake's ``Origin`` must be the site's
   own, by the rule Django's CSRF check applies to a POST's ``Origin``
   (``CsrfViewMiddleware._origin_verified``): exactly ``<scheme>://<Host>``
   (``http`` for ``ws``, ``https`` for ``wss``), with ``Host`` in
   ``ALLOWED_HOSTS``, or one of ``CSRF_TRUSTED_ORIGINS`` (``*.`` wildcards as
   Django reads them). Another scheme, port or host, ``null`` and look-alike
   names (``127.0.0.1.evil.com``) are refused. A handshake *without*
   ``Origin`` passes only when it carries a bearer token: browsers always
   send ``Origin`` on a WebSocket handshake, so a missing one means a
   non-browser client, and such a client authenticates with its own token,
   not with a cookie a browser attaches on its own, so there is no
   cross-site hijacking to prevent.
2. ``TokenAuthMiddleware``: with ``Authorization: Bearer <token>`` (RFC 6750,
   section 2.1) the socket's ``scope["user"]`` is the token's user, or
   ``AnonymousUser`` for a bad, revoked or inactive one, and cookies are
   ignored; ``scope[TOKEN_ID_SCOPE_KEY]`` is then the token's database id.
   Without that header, Channels' session authentication
   (``AuthMiddlewareStack``) applies and ``scope["session"]`` holds the
   session the socket was opened with.

Parley's consumers refuse an anonymous user before accepting, so a bad token
or origin gets HTTP 403 at the handshake, as a missing sign-in does. What a
socket was opened with is watched afterwards: ``parley.realtime.sessions``.
"""

from urllib.parse import urlsplit

from channels.auth import AuthMiddlewareStack
from channels.middleware import BaseMiddleware
from channels.security.websocket import WebsocketDenier
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http.request import split_domain_port, validate_host
from django.utils.http import is_same_domain

from parley.db import database_sync_to_async
from parley.realtime.runtime import RuntimeMiddleware
from parley.realtime.sessions import TOKEN_ID_SCOPE_KEY
from parley.services import tokens

BEARER_SCHEME = "bearer"  # compared case-insensitively (RFC 7235, 2.1)


def _header(scope: dict, name: bytes) -> bytes | None:
    """The last ``name`` header of an ASGI scope (names are lowercase)."""
    value = None
    for header_name, header_value in scope.get("headers", ()):
        if header_name == name:
            value = header_value
    return value


def bearer_token(scope: dict) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header, else ``None``.

    Another scheme (``Basic ...``) or no header at all gives ``None``; a
    ``Bearer`` header with nothing after it gives ``""`` (a bad token).
    """
    value = _header(scope, b"authorization")
    if value is None:
        return None
    scheme, _, token = value.decode("latin-1").strip().partition(" ")
    if scheme.lower() != BEARER_SCHEME:
        return None
    return token.strip()


def allowed_hosts() -> list[str]:
    """``ALLOWED_HOSTS``, or the local hosts when it is empty and ``DEBUG`` is
    on: the list Django's ``HttpRequest.get_host`` checks."""
    if settings.DEBUG and not settings.ALLOWED_HOSTS:
        return [".localhost", "127.0.0.1", "[::1]"]
    return settings.ALLOWED_HOSTS


def site_origin(scope: dict) -> str | None:
    """The origin a page of this site has, as the handshake names the site.

    ``<http|https>://<host>``: ``https`` for a secure handshake (see
    ``secure``), the host from ``Host`` (or ``X-Forwarded-Host`` with
    ``USE_X_FORWARDED_HOST``, as Django reads it). ``None`` when that
    host is not in ``ALLOWED_HOSTS``: Django would refuse the request too.
    """
    raw = None
    if settings.USE_X_FORWARDED_HOST:
        raw = _header(scope, b"x-forwarded-host")
    raw = raw or _header(scope, b"host")
    if not raw:
        return None
    host = raw.decode("latin-1").strip()
    domain, _port = split_domain_port(host)
    if not domain or not validate_host(domain, allowed_hosts()):
        return None
    return f"{'https' if secure(scope) else 'http'}://{host}"


def secure(scope: dict) -> bool:
    """Whether the handshake came over TLS, as ``HttpRequest.is_secure``
    judges: Django's ``SECURE_PROXY_SSL_HEADER`` when set and present, else
    the socket's scheme (``wss``; Uvicorn sets it from ``X-Forwarded-Proto``
    sent by an address in ``FORWARDED_ALLOW_IPS``)."""
    if settings.SECURE_PROXY_SSL_HEADER:
        meta_name, secure_value = settings.SECURE_PROXY_SSL_HEADER
        name = meta_name.removeprefix("HTTP_").replace("_", "-").lower()
        value = _header(scope, name.encode("latin-1"))
        if value is not None:
            first = value.decode("latin-1").split(",", 1)[0].strip()
            return first == secure_value
    return scope.get("scheme") in ("wss", "https")


def trusted_origin(origin: str) -> bool:
    """Whether ``origin`` is one of ``CSRF_TRUSTED_ORIGINS``, read as Django's
    CSRF check reads it: exact entries, and ``scheme://*.domain`` entries
    for that domain's subdomains."""
    trusted = settings.CSRF_TRUSTED_ORIGINS
    if origin in trusted:
        return True
    try:
        parsed = urlsplit(origin)
    except ValueError:
        return False
    for entry in trusted:
        if "*" in entry:
            pattern = urlsplit(entry)
            if pattern.scheme == parsed.scheme and is_same_domain(
                parsed.netloc, pattern.netloc.lstrip("*")
            ):
                return True
    return False


class SameOriginValidator(BaseMiddleware):
    """Refuse (HTTP 403) a handshake whose ``Origin`` is not this site's.

    See the module docstring for the rule; it is Django's CSRF origin rule,
    so pages and sockets accept the same origins. The settings are read on
    each handshake.
    """

    async def __call__(self, scope, receive, send):
        if scope["type"] == "websocket" and not self.allowed(scope):
            denier = WebsocketDenier()
            return await denier(scope, receive, send)
        return await self.inner(scope, receive, send)

    @staticmethod
    def allowed(scope: dict) -> bool:
        """Whether the handshake in ``scope`` may go on to sign in."""
        raw = _header(scope, b"origin")
        if raw is None:
            return bearer_token(scope) is not None
        origin = raw.decode("latin-1")
        return origin == site_origin(scope) or trusted_origin(origin)


class TokenAuthMiddleware(BaseMiddleware):
    """Set ``scope["user"]`` from a bearer token, else from the session.

    Args:
        inner: the ASGI application to call; it gets Channels' session
            middleware stack when the handshake carries no bearer token.
    """

    def __init__(self, inner):
        super().__init__(inner)
        self.session_auth = AuthMiddlewareStack(inner)

    async def __call__(self, scope, receive, send):
        token = bearer_token(scope)
        if token is None:
            return await self.session_auth(scope, receive, send)
        return await self.inner(await token_scope(scope, token), receive, send)


async def token_scope(scope: dict, token: str) -> dict:
    """A copy of ``scope`` signed in with API ``token``: ``user`` is its
    user (``AnonymousUser`` for a bad one) and ``TOKEN_ID_SCOPE_KEY`` its id.

    A function of its own so that the token row it reads is not kept alive,
    for the socket's whole life, by the middleware's frame.
    """
    scope = dict(scope)
    found = await database_sync_to_async(tokens.authenticate_token)(token)
    if found is None:
        scope["user"] = AnonymousUser()
    else:
        scope["user"], scope[TOKEN_ID_SCOPE_KEY] = found.user, found.pk
    return scope


def websocket_application(inner):
    """Parley's WebSocket stack around ``inner`` (usually a ``URLRouter``).

    Use it as the ``"websocket"`` entry of ``ProtocolTypeRouter`` in place of
    ``AllowedHostsOriginValidator(AuthMiddlewareStack(inner))``::

        "websocket": websocket_application(URLRouter(websocket_urlpatterns))

    Innermost, ``RuntimeMiddleware`` gives each socket its event loop's
    ``Runtime`` (``parley.realtime.runtime``).
    """
    return SameOriginValidator(TokenAuthMiddleware(RuntimeMiddleware(inner)))
