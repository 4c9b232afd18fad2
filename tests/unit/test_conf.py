"""Parley's settings with their defaults (``parley.conf``), read when used."""

import pytest

from parley.conf import parley_settings


def test_parley_settings_are_read_when_used(settings):
    assert parley_settings.MAX_MESSAGE_CHARS == 4000
    settings.PARLEY_MAX_MESSAGE_CHARS = 10
    assert parley_settings.MAX_MESSAGE_CHARS == 10
    with pytest.raises(AttributeError):
        parley_settings.NO_SUCH_SETTING  # noqa: B018
