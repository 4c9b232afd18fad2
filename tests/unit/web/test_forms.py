"""The sign-up form refuses look-alike and mixed-script usernames, with a
message in the visitor's language."""

import pytest
from django.utils import translation

from parley.web.forms import SignUpForm

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"


def form(username: str) -> SignUpForm:
    return SignUpForm(
        {"username": username, "password1": PASSWORD, "password2": PASSWORD}
    )


def test_a_new_name_signs_up(make_user):
    make_user("alice")
    assert form("bob").is_valid()


@pytest.mark.parametrize(
    ("username", "code"),
    [
        ("\u0430lice", "invalid_name"),  # Cyrillic a, then Latin
        ("a1ice", "name_confusable"),  # one for l
        ("\u0430\u0441\u0435", "name_confusable"),  # Cyrillic, drawn "ace"
    ],
)
def test_a_look_alike_name_is_refused_with_a_reason(make_user, username, code):
    make_user("alice")
    make_user("ace")
    signing_up = form(username)
    assert not signing_up.is_valid()
    assert signing_up.errors.as_data()["username"][0].code == code


def test_the_reason_is_translated(make_user):
    make_user("ace")
    with translation.override("ru"):
        signing_up = form("\u0430\u0441\u0435")
        assert not signing_up.is_valid()
        message = signing_up.errors["username"][0]
    assert any(
        "\u0400" <= char <= "\u04ff"
        for char in message.replace("\u0430\u0441\u0435", "")
    )
