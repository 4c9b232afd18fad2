"""Who a WebSocket belongs to: an API token, else the session cookie.

``websocket_application(inner)`` wraps WebSocket routes in the two checks
Parley's handshake needs, outermost first:

1. ``TokenAwareOriginValidator``: Channels' ``AllowedHostsOriginValidator``
   (an ``Origin`` header must match ``ALLOWED_HOSTS``), except that a
   handshake *without* ``Origin`` passes when it carries a bearer token.
   Browsers always send ``Origin`` on a WebSocket handshake, so a missing one
   means a non-browser client; and such a client authenticates with its own
   token, not with a cookie a browser attaches on its own, so there is no
   cross-site hijacking to prevent.
2. ``TokenAuthMiddleware``: with ``Authorization: Bearer <token>`` (RFC 6750,
   section 2.1) the socket's ``scope["user"]`` is the token's user, or
   ``AnonymousUser`` for a bad, revoked or inactive one, and cookies are
   ignored. Without that header, Channels' session authentication
   (``AuthMiddlewareStack``) applies.

Parley's consumers refuse an anonymous user before accepting, so a bad token
gets HTTP 403 at the handshake, as a missing sign-in does.
"""

from channels.auth import AuthMiddlewareStack
from channels.middleware import BaseMiddleware
from channels.security.websocket import (
    AllowedHostsOriginValidator,
    OriginValidator,
)
from django.contrib.auth.models import AnonymousUser

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


class TokenAwareOriginValidator(OriginValidator):
    """Channels' origin check, waived only for token clients without Origin.

    A present ``Origin`` is judged by Channels exactly as
    ``AllowedHostsOriginValidator`` does, token or not. Build it with
    ``websocket_application`` or ``token_aware_origin_validator``.
    """

    async def __call__(self, scope, receive, send):
        if (
            scope["type"] == "websocket"
            and _header(scope, b"origin") is None
            and bearer_token(scope) is not None
        ):
            return await self.application(scope, receive, send)
        return await super().__call__(scope, receive, send)


def token_aware_origin_validator(application) -> TokenAwareOriginValidator:
    """``AllowedHostsOriginValidator(application)``, waived as above.

    The allowed origins are Channels' own choice: ``ALLOWED_HOSTS``, or the
    local hosts when ``DEBUG`` is on and ``ALLOWED_HOSTS`` is empty.
    """
    allowed = AllowedHostsOriginValidator(application).allowed_origins
    return TokenAwareOriginValidator(application, allowed)


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
        scope = dict(scope)
        scope["user"] = await tokens.aauthenticate(token) or AnonymousUser()
        return await self.inner(scope, receive, send)


def websocket_application(inner):
    """Parley's WebSocket stack around ``inner`` (usually a ``URLRouter``).

    Use it as the ``"websocket"`` entry of ``ProtocolTypeRouter`` in place of
    ``AllowedHostsOriginValidator(AuthMiddlewareStack(inner))``::

        "websocket": websocket_application(URLRouter(websocket_urlpatterns))

    Reads ``ALLOWED_HOSTS`` when called, so call it after Django is set up.
    """
    return token_aware_origin_validator(TokenAuthMiddleware(inner))
