"""HTTP middleware: the pages' security headers, and sockets that follow a
session whose key changed.

Add both to ``MIDDLEWARE`` like this (the standalone settings do)::

    "django.middleware.security.SecurityMiddleware",
    ...
    "parley.web.middleware.SessionSocketsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    ...
    "parley.web.middleware.ContentSecurityPolicyMiddleware",  # last

Both are sync-only. With one of them innermost, Django runs the whole chain
in one thread under ASGI; with an async-capable middleware innermost, every
outer middleware's hooks would each cross to a thread and back.
"""

from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import SESSION_KEY, get_user_model
from django.http import HttpRequest, HttpResponse

from parley.conf import parley_settings
from parley.services import sessions

HTML_TYPE = "text/html"


class ContentSecurityPolicyMiddleware:
    """Send ``PARLEY_CONTENT_SECURITY_POLICY`` with every HTML response.

    The default policy lets a page load scripts, styles, images and
    connections (``fetch``, WebSockets) from its own origin only, and no
    inline script or style: text that slips into a page as markup still
    cannot run. CSP Level 3 (W3C, section 6.7.2.8) makes ``'self'`` match
    ``ws:``/``wss:`` of the page's own host, so ``connect-src 'self'``
    covers the socket. A response that already has a
    ``Content-Security-Policy`` (a view of the project's) keeps it; an empty
    setting sends none.

    Every response also gets ``X-Content-Type-Options: nosniff`` and
    ``Referrer-Policy: same-origin`` unless it has them already (Django's
    ``SecurityMiddleware`` sets both too, from its own settings).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        policy = parley_settings.CONTENT_SECURITY_POLICY
        if policy and response.get("Content-Type", "").startswith(HTML_TYPE):
            response.headers.setdefault("Content-Security-Policy", policy)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        return response


class SessionSocketsMiddleware:
    """Keep the sockets of a session whose key changed, and re-check users
    once the response is done (``parley.services.sessions``).

    Django gives a session a new key while it stays signed in as the same
    user: ``update_session_auth_hash`` after a password change, and
    ``get_user`` upgrading a session whose auth hash was made with a
    ``SECRET_KEY_FALLBACKS`` key. Sockets opened with the old key must move
    to the new one, or they would close as signed out. Since the session
    is saved by ``SessionMiddleware`` only as the response leaves, this
    middleware goes before it: it publishes the rekey, and the re-checks
    and sign-outs the request asked for (``services.sessions.check_user``,
    ``signed_out``), after that, in one event per user, rekey first. A
    sign-out so goes out after Django flushed the session: a tab whose
    socket closes loads its next page signed out.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with sessions.request_finished() as deferred:
            response = self.get_response(request)
        rekeyed_user, rekey = rekeyed(request)
        users = deferred.checks | deferred.signed_out.keys()
        if rekeyed_user is not None:
            users.add(rekeyed_user)
        for user_id in users:
            sessions.publish(
                user_id,
                sessions=sorted(deferred.signed_out.get(user_id, ())),
                rekey=rekey if user_id == rekeyed_user else None,
                check=user_id in deferred.checks,
            )
        return response


def rekeyed(request: HttpRequest) -> tuple[int | None, dict[str, str]]:
    """Whether ``request``'s session, signed in, got a new key.

    Returns:
        ``(user id, {digest of the old key: new key})``, or ``(None, {})``
        if the key is unchanged, or the session is gone or signed out.
    """
    old = request.COOKIES.get(settings.SESSION_COOKIE_NAME)
    session = getattr(request, "session", None)
    if not old or session is None:
        return None, {}
    new = session.session_key
    if not new or new == old:
        return None, {}
    # A new key means the session was written, so its data is loaded.
    raw_user_id = session.get(SESSION_KEY)
    if raw_user_id is None:
        return None, {}
    user_id = get_user_model()._meta.pk.to_python(raw_user_id)
    return user_id, {sessions.key_digest(old): new}
