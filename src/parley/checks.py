"""Django system checks (``manage.py check``, run by ``runserver`` and
``migrate``) for the settings a host project needs to run Parley.

Each finding names the setting and the line to add, so a project that
follows the README half-way hears what is missing at start-up instead of
a page stuck on "Connecting…". Registered in ``ParleyConfig.ready``; the
framework is Django's (``django.core.checks``).
"""

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Warning
from django.core.exceptions import ImproperlyConfigured

SESSION_SOCKETS = "parley.web.middleware.SessionSocketsMiddleware"
CONTENT_SECURITY_POLICY = "parley.web.middleware.ContentSecurityPolicyMiddleware"
WHITENOISE = "whitenoise.middleware.WhiteNoiseMiddleware"


def check_channel_layer(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    """``parley.E001``: ``CHANNEL_LAYERS`` has no ``"default"`` layer.

    Returns:
        One error, or none. Channels without a layer cannot carry an event
        from one socket to another.
    """
    layers = getattr(settings, "CHANNEL_LAYERS", None) or {}
    if "default" in layers:
        return []
    return [
        Error(
            "Parley needs a channel layer: CHANNEL_LAYERS has no 'default'.",
            hint="In settings.py: from parley.bus.config import "
            "channel_layers_from_url; CHANNEL_LAYERS = "
            'channel_layers_from_url("memory://") for one process, '
            '"redis://127.0.0.1:6379/0" for several.',
            id="parley.E001",
        )
    ]


def check_asgi_application(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    """``parley.E002``: Daphne's ``runserver`` is installed but
    ``ASGI_APPLICATION`` is not set, so it cannot serve WebSockets.

    Returns:
        One error, or none.
    """
    if "daphne" not in settings.INSTALLED_APPS:
        return []
    if getattr(settings, "ASGI_APPLICATION", None):
        return []
    return [
        Error(
            "ASGI_APPLICATION is not set: runserver cannot serve Parley's WebSockets.",
            hint='ASGI_APPLICATION = "myproject.asgi.application", with '
            "application = parley.asgi.application() in myproject/asgi.py.",
            id="parley.E002",
        )
    ]


def check_middleware(app_configs: Any = None, **kwargs: Any) -> list[Warning]:
    """``parley.W001``/``W002``: one of Parley's two middleware is missing.

    Returns:
        A warning per missing middleware: without ``SessionSocketsMiddleware``
        a password change does not keep the changer's sockets open (it
        closes them), and without ``ContentSecurityPolicyMiddleware`` the
        pages lack their Content-Security-Policy header.
    """
    middleware = list(getattr(settings, "MIDDLEWARE", []))
    found = []
    if SESSION_SOCKETS not in middleware:
        found.append(
            Warning(
                f"{SESSION_SOCKETS} is not in MIDDLEWARE.",
                hint="Add it just before SessionMiddleware.",
                id="parley.W001",
            )
        )
    if CONTENT_SECURITY_POLICY not in middleware:
        found.append(
            Warning(
                f"{CONTENT_SECURITY_POLICY} is not in MIDDLEWARE: Parley's "
                "pages are served without a Content-Security-Policy.",
                hint="Add it last.",
                id="parley.W002",
            )
        )
    return found


def check_static_files(app_configs: Any = None, **kwargs: Any) -> list[Warning]:
    """``parley.W003``: nothing serves ``/static/parley/`` under an ASGI
    server: no WhiteNoise and no ``STATIC_ROOT`` to ``collectstatic`` into.

    ``runserver`` serves static files itself while ``DEBUG`` is on; Uvicorn,
    Daphne and Granian do not, and the room page then stays on
    "Connecting…" (its scripts answer 404).

    Returns:
        One warning, or none.
    """
    if WHITENOISE in getattr(settings, "MIDDLEWARE", []):
        return []
    if getattr(settings, "STATIC_ROOT", None):
        return []
    return [
        Warning(
            "Nothing serves Parley's static files under an ASGI server.",
            hint=f'Add "{WHITENOISE}" right after SecurityMiddleware, or set '
            "STATIC_ROOT, run collectstatic and serve it.",
            id="parley.W003",
        )
    ]


def check_policy(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """``parley.E003``: ``PARLEY_POLICY`` does not import or names no
    subclass of ``parley.services.policy.Policy``; ``parley.W004``: it
    overrides ``can_see`` but not ``filter_visible``, so room lists ask
    ``can_see`` room by room.

    Returns:
        One error or warning, or none.
    """
    from parley.services.policy import Policy, policy

    try:
        found = policy()
    except ImproperlyConfigured as error:
        return [
            Error(
                str(error),
                hint='PARLEY_POLICY = "myproject.chat.Policy", a class that '
                "subclasses parley.services.policy.Policy.",
                id="parley.E003",
            )
        ]
    own = type(found)
    if (
        own.can_see is not Policy.can_see
        and own.filter_visible is Policy.filter_visible
    ):
        return [
            Warning(
                f"{own.__module__}.{own.__qualname__} overrides can_see but not "
                "filter_visible: room lists ask can_see once per room.",
                hint="Add filter_visible(user, rooms) returning the rooms "
                "can_see accepts as one query.",
                id="parley.W004",
            )
        ]
    return []


def check_retention(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    """``parley.E004``: ``PARLEY_RETENTION`` is not a dict of room kinds to
    days or None (``parley.services.retention.limits``).

    Returns:
        One error, or none: said at start-up, not at the first purge.
    """
    # Imported here: the services import the models, which this module
    # (read by parley.apps) must not need.
    from parley.services import retention

    try:
        retention.limits()
    except ImproperlyConfigured as error:
        return [
            Error(
                str(error),
                hint='For example PARLEY_RETENTION = {"direct": 30} (days; '
                "None keeps a kind's messages for ever).",
                id="parley.E004",
            )
        ]
    return []


ALL = (
    check_channel_layer,
    check_asgi_application,
    check_middleware,
    check_static_files,
    check_policy,
    check_retention,
)
