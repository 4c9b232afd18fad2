"""Test settings: the standalone settings with a throwaway data folder."""

import os
import tempfile

os.environ.setdefault("PARLEY_DATA_DIR", tempfile.mkdtemp(prefix="parley-test-"))

if os.environ.get("PARLEY_TEST_DATABASE") == "postgres":
    # The whole suite on a throwaway PostgreSQL cluster, started before the
    # standalone settings read DATABASE_URL (tests/support/engines.py).
    from tests.support.engines import suite_postgres

    os.environ["DATABASE_URL"] = suite_postgres().url("parley")

from parley.site.settings import *  # noqa: F403

ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
# Tests create many users; the default hasher is slow on purpose.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
# The README's example app: orders that notify their owner.
INSTALLED_APPS = [*INSTALLED_APPS, "tests.support.shop"]  # noqa: F405

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    # A file, not shared-cache memory: concurrency tests need SQLite's real
    # locking with a busy timeout, as the server has.
    DATABASES["default"]["TEST"] = {  # noqa: F405
        "NAME": os.path.join(os.environ["PARLEY_DATA_DIR"], "test.sqlite3")
    }
