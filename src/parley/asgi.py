"""Parley's ASGI applications for a host project's ``asgi.py``: one call.

``application()`` is the whole routing a project needs (HTTP to Django,
WebSockets to Parley behind the origin check and sign-in, the worker's
channel)::

    # myproject/asgi.py
    import os

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "myproject.settings")

    import parley.asgi

    application = parley.asgi.application()

A project that routes its own WebSockets too takes the parts:
``websocket_application()`` for Parley's routes (``/ws/`` and the Channels
tutorial's ``/ws/chat/<room>/``) and ``websocket_urlpatterns()`` to put them
in its own ``URLRouter``. Each function sets Django up first
(``django.setup()`` through ``get_asgi_application``), so importing this
module before the settings are known is safe.
"""

from typing import Any

ASGIApp = Any  # an ASGI 3 callable: ``async (scope, receive, send) -> None``


def _set_up_django() -> None:
    """``django.setup()`` as Django's ASGI handler does it; idempotent. The
    consumers import models, which needs the app registry ready."""
    import django

    django.setup(set_prefix=False)


def http_application() -> ASGIApp:
    """Django's ASGI handler for HTTP (``django.core.asgi``), Django set up.

    Returns:
        The ASGI application Django's ``get_asgi_application()`` returns.
    """
    from django.core.asgi import get_asgi_application

    return get_asgi_application()


def websocket_urlpatterns() -> list[Any]:
    """Parley's WebSocket routes, for a project's own ``URLRouter``.

    Returns:
        A new list of Django URL patterns: ``ws/`` (the protocol in
        ``docs/protocol.md``) and ``ws/chat/<room_name>/`` (the Channels
        tutorial's socket). Wrap the router in ``websocket_application``'s
        checks (``parley.realtime.auth.websocket_application``).
    """
    _set_up_django()
    from parley.realtime.routing import websocket_urlpatterns as patterns

    return list(patterns)


def websocket_application(inner: ASGIApp | None = None) -> ASGIApp:
    """Parley's WebSocket side: the origin check, sign-in, then the routes.

    Args:
        inner: the WebSocket router to protect; default: a ``URLRouter`` of
            Parley's routes (``websocket_urlpatterns()``).

    Returns:
        An ASGI application for ``"websocket"`` scopes. A handshake from a
        foreign origin or without a valid sign-in gets HTTP 403 (see
        ``parley.realtime.auth``).
    """
    from channels.routing import URLRouter

    router = inner if inner is not None else URLRouter(websocket_urlpatterns())
    from parley.realtime.auth import websocket_application as protect

    return protect(router)


def application(http: ASGIApp | None = None) -> ASGIApp:
    """The whole ASGI application of a project that runs Parley.

    Args:
        http: the project's HTTP application; default: Django's
            (``http_application()``).

    Returns:
        A Channels ``ProtocolTypeRouter``: ``"http"`` to ``http``,
        ``"websocket"`` to ``websocket_application()``, and ``"channel"``
        for the deferred-task channel of ``manage.py runworker parley-tasks``
        (Redis; ``manage.py worker`` needs no route).
    """
    django_http = http if http is not None else http_application()
    from channels.routing import ChannelNameRouter, ProtocolTypeRouter

    from parley.bus.tasks import TASKS_CHANNEL
    from parley.bus.worker import TaskConsumer

    return ProtocolTypeRouter(
        {
            "http": django_http,
            "websocket": websocket_application(),
            "channel": ChannelNameRouter({TASKS_CHANNEL: TaskConsumer.as_asgi()}),
        }
    )
