"""Settings of the standalone Parley server, 12-factor style.

Every value comes from the environment, with an embedded default that is
safe outside development:

==================== ====================================================
``PARLEY_DATA_DIR``  folder for the SQLite file and the generated secret
                     key (default ``./var``)
``DATABASE_URL``     any dj-database-url URL (default SQLite in the data
                     folder)
``CHANNEL_LAYER_URL`` ``memory://`` (default, one process only),
                     ``redis://host:port/db``, ``redis+pubsub://host:port/db``
                     or ``amqp://user:password@host:port/vhost``
                     (``parley.bus.config.channel_layers_from_url``)
``SECRET_KEY``       default: generated once, kept in the data folder
``PARLEY_VAPID_PRIVATE_KEY`` Web Push's key (base64url); default: generated
                     once, kept in the data folder
``EMAIL_URL``        where e-mail goes, as dj-email-url reads it
                     (``smtp://user:pass@host:587/?tls=True``); default:
                     SMTP on localhost:25
``DEFAULT_FROM_EMAIL`` the sender of Parley's e-mails
                     (default ``parley@localhost``)
``PARLEY_SITE_URL``  the absolute address of the site, for e-mail links
``ALLOWED_HOSTS``    comma-separated (default ``127.0.0.1,localhost,[::1]``)
``DEBUG``            ``1``/``true``/``yes`` to enable (default off)
``LOG_LEVEL``        the root logger's level (default ``INFO``)
``MEDIA_ROOT``       where attachments are stored (default ``media`` in the
                     data folder)
``PARLEY_LOG_FORMAT`` ``plain`` (default) or ``json``: one JSON object per
                     line (``parley.ops.jsonlog``)
``PARLEY_<NAME>``    any of Parley's settings (``parley.conf``); a dict
                     as JSON (``PARLEY_RETENTION='{"direct": 30}'``)
==================== ====================================================
"""

import base64
import json
import os
import secrets
from collections.abc import Callable
from pathlib import Path

import dj_database_url
import dj_email_url
from cryptography.hazmat.primitives.asymmetric import ec
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from parley.bus.config import channel_layers_from_url
from parley.conf import DEFAULTS as PARLEY_DEFAULTS

TRUE_WORDS = {"1", "true", "yes", "on"}


def _env_flag(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    return default if value is None else value.strip().lower() in TRUE_WORDS


def _env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item]


def _generated_once(path: Path, make: Callable[[], str]) -> str:
    """The text of ``path``, written first with ``make()`` if missing.

    The file is created with mode 0600 (and ``O_EXCL``: of two processes
    starting together, one writes it), so a key never ships in the code and
    survives restarts.
    """
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as f:
                f.write(make())
    return path.read_text().strip()


def _secret_key(data_dir: Path) -> str:
    """The ``SECRET_KEY`` env var, else a key generated once into the data dir."""
    if key := os.environ.get("SECRET_KEY"):
        return key
    return _generated_once(data_dir / "secret_key", lambda: secrets.token_urlsafe(50))


def _vapid_private_key() -> str:
    """A new VAPID private key: a P-256 scalar's 32 bytes, base64url (RFC
    8292 section 3.2 names the curve)."""
    key = ec.generate_private_key(ec.SECP256R1())
    raw = key.private_numbers().private_value.to_bytes(32, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


DATA_DIR = Path(os.environ.get("PARLEY_DATA_DIR", "var")).resolve()
DEBUG = _env_flag("DEBUG")
SECRET_KEY = _secret_key(DATA_DIR)
ALLOWED_HOSTS = _env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
CSRF_TRUSTED_ORIGINS = _env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "channels",
    # The API docs page (/api/docs) from django-ninja's own static files,
    # not from a CDN that the Content-Security-Policy would refuse.
    "ninja",
    "parley",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before SessionMiddleware: it acts once the session is saved.
    "parley.web.middleware.SessionSocketsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Innermost, and sync-only: under ASGI, Django then runs the whole chain
    # in one thread, where an async-capable innermost middleware would make
    # every outer hook its own trip to a thread and back (17 thread switches
    # per API request instead of 5, each waiting for a turn of a busy event
    # loop). It still sees every page, the CSRF failure page included.
    "parley.web.middleware.ContentSecurityPolicyMiddleware",
]

ROOT_URLCONF = "parley.site.urls"
ASGI_APPLICATION = "parley.site.asgi.application"

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
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{DATA_DIR / 'parley.sqlite3'}"),
        conn_max_age=0,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers run beside the writer, and IMMEDIATE transactions take
    # the write lock up front, so two processes wait (up to `timeout`
    # seconds) instead of failing with "database is locked" mid-transaction.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }

# Every Parley setting may come from the environment too: PARLEY_<NAME>.
for _name, _default in PARLEY_DEFAULTS.items():
    if (_value := os.environ.get(f"PARLEY_{_name}")) is not None:
        globals()[f"PARLEY_{_name}"] = (
            # bool("0") is True: flags are read as words.
            _env_flag(f"PARLEY_{_name}")
            if isinstance(_default, bool)
            # PARLEY_RETENTION='{"direct": 30}': JSON.
            else json.loads(_value)
            if isinstance(_default, dict)
            else type(_default)(_value)
        )

# Web Push: without a configured key pair, a private key generated once into
# the data folder (the public key is derived from it, parley.services.push).
if not globals().get("PARLEY_VAPID_PRIVATE_KEY"):
    PARLEY_VAPID_PRIVATE_KEY = _generated_once(
        DATA_DIR / "vapid_private_key", _vapid_private_key
    )
    PARLEY_VAPID_PUBLIC_KEY = ""

# E-mail (missed messages): EMAIL_URL as dj-email-url reads it, e.g.
# smtp://user:password@host:587/?tls=True, or console:// to print them.
# Without it, Django's default: SMTP on localhost:25.
if _email_url := os.environ.get("EMAIL_URL"):
    globals().update(dj_email_url.parse(_email_url))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "parley@localhost")
# An SMTP server that does not answer holds a sender this long, in seconds;
# then the e-mail is retried (parley.services.delivery).
EMAIL_TIMEOUT = globals().get("EMAIL_TIMEOUT") or float(
    os.environ.get("EMAIL_TIMEOUT", "10")
)

CHANNEL_LAYERS = channel_layers_from_url(
    os.environ.get("CHANNEL_LAYER_URL", "memory://"),
    capacity=globals().get("PARLEY_CHANNEL_CAPACITY"),
)

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": f"django.contrib.auth.password_validation.{name}"}
    for name in (
        "UserAttributeSimilarityValidator",
        "MinimumLengthValidator",
        "CommonPasswordValidator",
        "NumericPasswordValidator",
    )
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "parley-rooms"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("ru", _("Russian"))]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# Only `collectstatic` needs it; WhiteNoise serves from the packages.
STATIC_ROOT = os.environ.get("STATIC_ROOT") or None
# Serve app static files straight from their packages: `parley serve` works
# without a collectstatic step, and WhiteNoise still sets cache headers.
WHITENOISE_USE_FINDERS = True
# Uploaded attachments (parley.services.attachments): the default storage,
# in the data folder. Never served as static files: parley.web.attachments
# checks who may read each one.
MEDIA_ROOT = os.environ.get("MEDIA_ROOT") or str(DATA_DIR / "media")

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = _env_flag("SECURE_COOKIES")
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

LOG_FORMATS = ("plain", "json")
LOG_FORMAT = os.environ.get("PARLEY_LOG_FORMAT", "plain").strip().lower()
if LOG_FORMAT not in LOG_FORMATS:
    raise ImproperlyConfigured(
        f"PARLEY_LOG_FORMAT {LOG_FORMAT!r}: expected one of {', '.join(LOG_FORMATS)}"
    )
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "parley.ops.jsonlog.JsonFormatter"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT}
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}
