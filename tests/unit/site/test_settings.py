"""The standalone settings read the environment, with safe defaults."""

import json
import os
import stat
import subprocess
import sys

import pytest


def load_settings(tmp_path, **env: str) -> dict:
    """Import parley.site.settings in a fresh interpreter; return a few values."""
    code = (
        "import json, parley.site.settings as s; print(json.dumps({"
        "'key': s.SECRET_KEY, 'debug': s.DEBUG, 'hosts': s.ALLOWED_HOSTS,"
        "'db': s.DATABASES['default']['ENGINE'],"
        "'name': str(s.DATABASES['default']['NAME']),"
        "'layer': s.CHANNEL_LAYERS['default']['BACKEND']}))"
    )
    clean = {
        k: v
        for k, v in os.environ.items()
        if k
        not in {
            "SECRET_KEY",
            "DEBUG",
            "DATABASE_URL",
            "CHANNEL_LAYER_URL",
            "ALLOWED_HOSTS",
        }
    }
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={**clean, "PARLEY_DATA_DIR": str(tmp_path), **env},
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout)


def test_defaults_are_safe_and_the_secret_key_is_generated_once(tmp_path):
    first = load_settings(tmp_path)
    assert first["debug"] is False
    assert first["hosts"] == ["127.0.0.1", "localhost", "[::1]"]
    assert first["db"] == "django.db.backends.sqlite3"
    assert first["name"] == str(tmp_path / "parley.sqlite3")
    assert first["layer"] == "channels.layers.InMemoryChannelLayer"
    key_file = tmp_path / "secret_key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert len(first["key"]) >= 50
    assert load_settings(tmp_path)["key"] == first["key"]


def test_the_environment_overrides_every_default(tmp_path):
    values = load_settings(
        tmp_path,
        SECRET_KEY="from-env",
        DEBUG="true",
        ALLOWED_HOSTS="chat.example.com, .example.org",
        DATABASE_URL="postgres://u:p@db:5432/parley",
        CHANNEL_LAYER_URL="redis://cache:6379/1",
    )
    assert values["key"] == "from-env" and values["debug"] is True
    assert values["hosts"] == ["chat.example.com", ".example.org"]
    assert values["db"] == "django.db.backends.postgresql"
    assert values["layer"] == "channels_redis.core.RedisChannelLayer"
    assert not (tmp_path / "secret_key").exists()


def test_parley_limits_come_from_the_environment_too(tmp_path):
    code = (
        "import parley.site.settings as s;"
        "print(s.PARLEY_SEND_TIMEOUT_SECS, s.PARLEY_REPLAY_LIMIT,"
        " s.CHANNEL_LAYERS['default']['CONFIG']['capacity'])"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={
            **os.environ,
            "PARLEY_DATA_DIR": str(tmp_path),
            "PARLEY_SEND_TIMEOUT_SECS": "1.5",
            "PARLEY_REPLAY_LIMIT": "20",
            "PARLEY_CHANNEL_CAPACITY": "50",
        },
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.split() == ["1.5", "20", "50"]


@pytest.mark.parametrize(
    ("word", "value"), [("1", True), ("true", True), ("0", False), ("no", False)]
)
def test_parley_flags_from_the_environment_are_read_as_words(tmp_path, word, value):
    code = "import parley.site.settings as s; print(s.PARLEY_METRICS_PUBLIC)"
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={
            **os.environ,
            "PARLEY_DATA_DIR": str(tmp_path),
            "PARLEY_METRICS_PUBLIC": word,
        },
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip() == str(value)


def push_and_email(tmp_path, **env: str) -> dict:
    """The VAPID and e-mail settings of a fresh import."""
    names = ["EMAIL_BACKEND", "EMAIL_HOST", "EMAIL_PORT", "EMAIL_USE_TLS"]
    names += ["EMAIL_HOST_USER", "EMAIL_TIMEOUT", "PARLEY_VAPID_PRIVATE_KEY"]
    code = (
        "import json, parley.site.settings as s; print(json.dumps("
        f"{{name: getattr(s, name, None) for name in {names!r}}}))"
    )
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in {"EMAIL_URL", "PARLEY_VAPID_PRIVATE_KEY", "EMAIL_TIMEOUT"}
    }
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={**clean, "PARLEY_DATA_DIR": str(tmp_path), **env},
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout)


def test_the_vapid_key_is_generated_once_unless_given(tmp_path):
    first = push_and_email(tmp_path)
    key_file = tmp_path / "vapid_private_key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    key = first["PARLEY_VAPID_PRIVATE_KEY"]
    assert key == key_file.read_text().strip() and len(key) == 43
    assert push_and_email(tmp_path)["PARLEY_VAPID_PRIVATE_KEY"] == key
    given = push_and_email(tmp_path, PARLEY_VAPID_PRIVATE_KEY="A" * 42 + "E")
    assert given["PARLEY_VAPID_PRIVATE_KEY"] == "A" * 42 + "E"


def test_email_url_is_parsed(tmp_path):
    settings = push_and_email(
        tmp_path, EMAIL_URL="smtp://bot:secret@mail.example.com:587/?tls=True"
    )
    assert settings == settings | {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "mail.example.com",
        "EMAIL_PORT": 587,
        "EMAIL_USE_TLS": True,
        "EMAIL_HOST_USER": "bot",
        "EMAIL_TIMEOUT": 10.0,
    }
