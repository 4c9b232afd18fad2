"""Settings of the tutorial chat project, as the tutorial has them.

``TUTORIAL_CHANNEL_LAYER_URL`` picks the channel layer, with the tutorial's
configuration (Channels' defaults: capacity 100, expiry 60 s):
``memory://`` for ``InMemoryChannelLayer``, ``redis://host:port/db`` for
channels_redis' ``RedisChannelLayer``. ``TUTORIAL_DATA_DIR`` holds the
SQLite file (sessions; the chat itself stores nothing).
"""

import os
from pathlib import Path

DATA_DIR = Path(os.environ.get("TUTORIAL_DATA_DIR", "."))
# A benchmark-only project on loopback: the key protects nothing.
SECRET_KEY = "bench-tutorial-not-secret"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "channels",
]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
]
ROOT_URLCONF = "bench.tutorial.urls"
ASGI_APPLICATION = "bench.tutorial.asgi.application"
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": DATA_DIR / "tutorial.sqlite3",
    }
}
USE_TZ = True


def _channel_layers(url: str) -> dict:
    if url.startswith("memory://"):
        return {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    if url.startswith(("redis://", "rediss://")):
        return {
            "default": {
                "BACKEND": "channels_redis.core.RedisChannelLayer",
                "CONFIG": {"hosts": [url]},
            }
        }
    raise ValueError(f"TUTORIAL_CHANNEL_LAYER_URL {url!r}: memory:// or redis://")


CHANNEL_LAYERS = _channel_layers(
    os.environ.get("TUTORIAL_CHANNEL_LAYER_URL", "memory://")
)
