"""The standalone server's settings plus the shop app, for live tests: a
``parley serve`` and a ``parley shell`` in separate processes share them."""

from parley.site.settings import *  # noqa: F403

INSTALLED_APPS = [*INSTALLED_APPS, "tests.support.shop"]  # noqa: F405
