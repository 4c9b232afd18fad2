"""Forms of Parley's account pages that add a rule to Django's own."""

from typing import Any

from django import forms
from django.contrib.auth.forms import UserCreationForm

from parley.services import names
from parley.wire.errors import ParleyError


class SignUpForm(UserCreationForm):
    """Django's ``UserCreationForm``, refusing a username with direction
    controls, a word of mixed scripts, or the look of an existing one
    (``parley.services.names.check_username``; ``\\u0430lice`` beside
    ``alice``)."""

    def clean_username(self) -> Any:
        username = super().clean_username()
        if not username or self.has_error("username"):
            return username
        try:
            return names.check_username(username)
        except ParleyError as error:
            raise forms.ValidationError(error.message, code=str(error.code)) from None
