"""API tokens: creation, authentication, revocation (no HTTP, no socket)."""

import hashlib
from datetime import timedelta

import pytest
from django.utils import timezone

from parley.models import ApiToken
from parley.services import tokens
from parley.wire.errors import ErrorCode, NotFound, ParleyError

pytestmark = pytest.mark.django_db


@pytest.fixture
def user(django_user_model):
    return django_user_model.objects.create_user("tina")


@pytest.fixture
def other(django_user_model):
    return django_user_model.objects.create_user("uma")


def test_a_token_is_long_random_and_only_its_hash_is_stored(user):
    token, plaintext = tokens.create_token(user=user, name="  deploy   bot ")
    assert plaintext.startswith("pt_") and len(plaintext) >= 3 + 32
    assert plaintext[3:].replace("-", "").replace("_", "").isalnum()
    stored = ApiToken.objects.get(pk=token.pk)
    assert stored.key_hash == hashlib.sha256(plaintext.encode()).hexdigest()
    assert stored.prefix == plaintext[:10] and plaintext.startswith(stored.prefix)
    assert stored.name == "deploy bot" and stored.user == user
    assert (stored.last_used_at, stored.revoked_at) == (None, None)
    row = ApiToken.objects.filter(pk=token.pk).values().get()
    assert not any(plaintext in str(value) for value in row.values())
    assert tokens.create_token(user=user, name="again")[1] != plaintext


@pytest.mark.parametrize("name", ["", "   ", "x" * 101])
def test_a_token_needs_a_short_name(user, name):
    with pytest.raises(ParleyError) as refused:
        tokens.create_token(user=user, name=name)
    assert refused.value.code == ErrorCode.INVALID_REQUEST
    assert not ApiToken.objects.exists()


def test_a_token_authenticates_its_user_and_nothing_else_does(user):
    _, plaintext = tokens.create_token(user=user, name="bot")
    assert tokens.authenticate(plaintext) == user
    for wrong in (
        "",
        "pt_",
        plaintext[:-1],
        plaintext + "x",
        plaintext.upper(),
        plaintext[3:],
        "pt_" + "a" * 200,
        hashlib.sha256(plaintext.encode()).hexdigest(),
    ):
        assert tokens.authenticate(wrong) is None, wrong


def test_last_used_is_written_at_most_once_a_minute(user):
    token, plaintext = tokens.create_token(user=user, name="bot")
    tokens.authenticate(plaintext)
    first = ApiToken.objects.get(pk=token.pk).last_used_at
    assert first is not None
    tokens.authenticate(plaintext)
    assert ApiToken.objects.get(pk=token.pk).last_used_at == first
    ApiToken.objects.filter(pk=token.pk).update(
        last_used_at=first - timedelta(seconds=61)
    )
    tokens.authenticate(plaintext)
    assert ApiToken.objects.get(pk=token.pk).last_used_at >= first


def test_a_revoked_token_no_longer_authenticates(user):
    token, plaintext = tokens.create_token(user=user, name="bot")
    _, kept = tokens.create_token(user=user, name="kept")
    revoked = tokens.revoke_token(user=user, token_id=token.pk)
    assert revoked.revoked_at is not None
    assert tokens.authenticate(plaintext) is None
    assert tokens.authenticate(kept) == user
    assert [t.name for t in tokens.tokens_of(user)] == ["kept"]
    again = tokens.revoke_token(user=user, token_id=token.pk)
    assert again.revoked_at == revoked.revoked_at


def test_a_user_revokes_only_their_own_tokens(user, other):
    token, plaintext = tokens.create_token(user=user, name="bot")
    for token_id in (token.pk, token.pk + 1000):
        with pytest.raises(NotFound) as refused:
            tokens.revoke_token(user=other, token_id=token_id)
        assert refused.value.code == ErrorCode.NOT_FOUND
    assert tokens.authenticate(plaintext) == user


def test_an_inactive_users_token_does_not_authenticate(user):
    _, plaintext = tokens.create_token(user=user, name="bot")
    user.is_active = False
    user.save()
    assert tokens.authenticate(plaintext) is None


def test_tokens_of_lists_a_users_live_tokens_newest_first(user, other):
    for name in ("one", "two", "three"):
        tokens.create_token(user=user, name=name)
    tokens.create_token(user=other, name="not yours")
    listed = list(tokens.tokens_of(user))
    assert [t.name for t in listed] == ["three", "two", "one"]
    ApiToken.objects.filter(pk=listed[0].pk).update(
        created_at=timezone.now() - timedelta(days=1)
    )
    assert [t.name for t in tokens.tokens_of(user)] == ["two", "one", "three"]


def test_deleting_a_user_deletes_their_tokens(user):
    tokens.create_token(user=user, name="bot")
    user.delete()
    assert not ApiToken.objects.exists()
