"""Settings of the compliance server: Parley's standalone settings, serving
``compliance.asgi.application`` (the echo socket) instead of Parley's own."""

from parley.site.settings import *  # noqa: F403

ASGI_APPLICATION = "compliance.asgi.application"
