"""Errors reported to clients (``parley.wire.errors``): a stable code, a
sentence for people, and the HTTP status of each kind."""

import re

import pytest
from django.utils.translation import gettext_lazy

from parley.wire.errors import Conflict, ErrorCode, Forbidden, NotFound, ParleyError


@pytest.mark.parametrize(
    ("kind", "status"),
    [(ParleyError, 400), (Forbidden, 403), (NotFound, 404), (Conflict, 409)],
)
def test_each_kind_of_refusal_has_its_http_status(kind, status):
    error = kind(ErrorCode.FORBIDDEN, "no", ref="r1")
    assert error.status == status
    assert isinstance(error, ParleyError)


def test_an_error_keeps_its_code_message_and_ref():
    error = NotFound(ErrorCode.ROOM_NOT_FOUND, gettext_lazy("Room not found."))
    assert (error.code, error.message, error.ref) == (
        "room_not_found",
        "Room not found.",
        None,
    )
    assert type(error.message) is str, "a lazy message is rendered once"
    assert str(error) == "Room not found."


def test_error_codes_are_unique_snake_case_words():
    """Clients match on codes: each is distinct and machine-friendly."""
    values = [code.value for code in ErrorCode]
    assert len(values) == len(set(values))
    assert all(re.fullmatch(r"[a-z]+(_[a-z]+)*", value) for value in values)
    assert all(code.value == code.name.lower() for code in ErrorCode)
