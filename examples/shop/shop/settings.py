"""A small shop with customers and orders, and Parley for chat and
notifications: the README's "Use it in your Django project" steps, applied
to a new ``django-admin startproject``. Lines marked ``# Parley`` are the
ones Parley needs; the rest is Django's project template, trimmed.
"""

import os
from pathlib import Path

from parley.bus.config import channel_layers_from_url  # Parley

BASE_DIR = Path(__file__).resolve().parent.parent

SECRET_KEY = os.environ.get("SECRET_KEY", "insecure-example-key-change-me")
DEBUG = os.environ.get("DEBUG", "1") == "1"
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]"]

INSTALLED_APPS = [
    "daphne",  # Parley: `runserver` serves WebSockets (Daphne's runserver)
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "channels",  # Parley
    "parley",  # Parley
    "orders",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",  # Parley: static files
    "parley.web.middleware.SessionSocketsMiddleware",  # Parley
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "parley.web.middleware.ContentSecurityPolicyMiddleware",  # Parley: last
]

ROOT_URLCONF = "shop.urls"
ASGI_APPLICATION = "shop.asgi.application"  # Parley

# Parley: the channel layer. In memory for one process; Redis by one
# setting for several: CHANNEL_LAYER_URL=redis://127.0.0.1:6379/0
CHANNEL_LAYERS = channel_layers_from_url(
    os.environ.get("CHANNEL_LAYER_URL", "memory://")
)

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get("SHOP_DATABASE", BASE_DIR / "db.sqlite3"),
        # Parley writes from its socket thread beside the request threads.
        "OPTIONS": {"transaction_mode": "IMMEDIATE", "timeout": 20},
    }
}

# Parley: who may read and post where (an order's room: its customer and
# the staff), and how people appear. See shop/chat.py.
PARLEY_POLICY = "shop.chat.Policy"

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "orders"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"  # `manage.py collectstatic`, production
WHITENOISE_USE_FINDERS = True  # Parley: serve from the packages, no collectstatic

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
