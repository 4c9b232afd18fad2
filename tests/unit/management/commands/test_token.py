"""``parley token <username>`` through Django's call_command."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from parley.models import ApiToken
from parley.services import tokens

pytestmark = pytest.mark.django_db


def run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("token", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_the_command_prints_a_working_token_once(django_user_model):
    user = django_user_model.objects.create_user("vera")
    out, err = run("vera", "--name", "deploy bot")
    plaintext = out.strip()
    assert out == plaintext + "\n" and plaintext.startswith("pt_")
    assert "not shown again" in err and plaintext not in err
    assert tokens.authenticate(plaintext) == user
    assert ApiToken.objects.get().name == "deploy bot"


def test_the_name_has_a_default(django_user_model):
    django_user_model.objects.create_user("walt")
    run("walt")
    assert ApiToken.objects.get().name == "parley token"


def test_an_unknown_or_inactive_user_is_a_clear_error(django_user_model):
    with pytest.raises(CommandError, match="No user named 'nobody'"):
        run("nobody")
    django_user_model.objects.create_user("xena", is_active=False)
    with pytest.raises(CommandError, match="inactive"):
        run("xena")
    django_user_model.objects.create_user("yuri")
    with pytest.raises(CommandError, match="name"):
        run("yuri", "--name", " ")
    assert not ApiToken.objects.exists()
