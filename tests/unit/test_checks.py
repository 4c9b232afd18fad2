"""The system checks tell a host project what its settings lack."""

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from parley import checks


def ids(found) -> set[str]:
    return {message.id for message in found}


def test_the_standalone_settings_pass_every_check():
    call_command("check")


def test_no_channel_layer_is_an_error_that_says_what_to_write(settings):
    settings.CHANNEL_LAYERS = {}
    found = checks.check_channel_layer()
    assert ids(found) == {"parley.E001"}
    assert 'channel_layers_from_url("memory://")' in found[0].hint
    with pytest.raises(SystemCheckError, match=r"parley\.E001"):
        call_command("check")


def test_daphne_runserver_without_an_asgi_application_is_an_error(settings):
    del settings.ASGI_APPLICATION
    assert ids(checks.check_asgi_application()) == {"parley.E002"}
    settings.INSTALLED_APPS = [
        app for app in settings.INSTALLED_APPS if app != "daphne"
    ]
    assert checks.check_asgi_application() == []


def test_each_missing_middleware_is_a_warning(settings):
    settings.MIDDLEWARE = [
        name
        for name in settings.MIDDLEWARE
        if name not in (checks.SESSION_SOCKETS, checks.CONTENT_SECURITY_POLICY)
    ]
    assert ids(checks.check_middleware()) == {"parley.W001", "parley.W002"}


def test_static_files_need_whitenoise_or_a_static_root(settings):
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if m != checks.WHITENOISE]
    settings.STATIC_ROOT = None
    assert ids(checks.check_static_files()) == {"parley.W003"}
    settings.STATIC_ROOT = "/srv/static"
    assert checks.check_static_files() == []


def test_a_malformed_retention_is_an_error_at_start_up(settings):
    assert checks.check_retention() == []
    settings.PARLEY_RETENTION = {"direct": "30"}
    assert ids(checks.check_retention()) == {"parley.E004"}
