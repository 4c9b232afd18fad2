"""ASGI entry point of the standalone server: ``parley.site.asgi:application``.

HTTP goes to Django; WebSockets pass the origin check (``ALLOWED_HOSTS``;
a token client may omit ``Origin``), then authentication (a bearer token,
else the session cookie), then Parley's routes: see ``parley.realtime.auth``.
The worker channel ``parley-tasks`` goes to ``parley.bus.worker.TaskConsumer``,
for Channels' ``parley runworker parley-tasks`` (``parley worker`` needs no
route).
"""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "parley.site.settings")

from django.core.asgi import get_asgi_application

# Django must be set up before anything imports models.
django_asgi_app = get_asgi_application()

from channels.routing import (  # noqa: E402
    ChannelNameRouter,
    ProtocolTypeRouter,
    URLRouter,
)

from parley.bus.tasks import TASKS_CHANNEL  # noqa: E402
from parley.bus.worker import TaskConsumer  # noqa: E402
from parley.realtime.auth import websocket_application  # noqa: E402
from parley.realtime.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": websocket_application(URLRouter(websocket_urlpatterns)),
        # `parley runworker parley-tasks` on Redis: deferred tasks
        # (PARLEY_DEFER_TASKS); `parley worker` does it on Redis and RabbitMQ.
        "channel": ChannelNameRouter({TASKS_CHANNEL: TaskConsumer.as_asgi()}),
    }
)
