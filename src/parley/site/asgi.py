"""ASGI entry point of the standalone server: ``parley.site.asgi:application``.

HTTP goes to Django; WebSockets pass the origin check (``ALLOWED_HOSTS``;
a token client may omit ``Origin``), then authentication (a bearer token,
else the session cookie), then Parley's routes; the worker channel
``parley-tasks`` goes to ``parley.bus.worker.TaskConsumer``, for Channels'
``parley runworker parley-tasks`` (``parley worker`` needs no route). It is
``parley.asgi.application()``, the call a host project makes too.
"""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "parley.site.settings")

import parley.asgi

application = parley.asgi.application()
