"""ASGI application of the compliance server: ``compliance.asgi:application``.

One WebSocket route, ``/echo/`` (``compliance.echo.EchoConsumer``), behind
Parley's own stack (``parley.realtime.auth.websocket_application``: origin
check, then bearer token or session sign-in); HTTP goes to Parley's Django
site, so ``/healthz`` answers as in production.
"""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "compliance.settings")

from django.core.asgi import get_asgi_application

# Django must be set up before anything imports models.
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.urls import path  # noqa: E402

from compliance.echo import EchoConsumer  # noqa: E402
from parley.realtime.auth import websocket_application  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": websocket_application(
            URLRouter([path("echo/", EchoConsumer.as_asgi())])
        ),
    }
)
