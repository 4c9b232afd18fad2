"""Every error code has a sentence for the pages, in each language."""

import pytest
from django.utils import translation

from parley.web import reasons as pages
from parley.wire.errors import ErrorCode


@pytest.mark.parametrize("language", ["en", "ru"])
def test_every_error_code_has_a_reason_in_each_language(language):
    """The pages translate an error's code; every code has a sentence, and
    the Russian ones are Russian (not the English fallback)."""
    with translation.override(language):
        reasons = {code: str(text) for code, text in pages.error_reasons().items()}
    assert set(reasons) == {str(code) for code in ErrorCode}
    assert all(reasons.values())
    if language == "ru":
        with translation.override("en"):
            english = {code: str(text) for code, text in pages.error_reasons().items()}
        assert all(reasons[code] != english[code] for code in reasons)
