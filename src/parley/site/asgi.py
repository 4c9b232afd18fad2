"""ASGI entry point of the standalone server: ``parley.site.asgi:application``.

HTTP goes to Django; WebSockets pass the origin check (``ALLOWED_HOSTS``),
then session authentication, then Parley's routes.
"""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "parley.site.settings")

from django.core.asgi import get_asgi_application

# Django must be set up before anything imports models.
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from parley.realtime.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": AllowedHostsOriginValidator(
            AuthMiddlewareStack(URLRouter(websocket_urlpatterns))
        ),
    }
)
