"""Which sign-ins end (``parley.services.sessions.ended``): sessions, tokens
and users checked against the store, a few queries for any number of sockets.

``tests/unit/realtime/test_sessions.py`` tests the watch that applies session
events to a process's sockets; ``tests/live/test_sessions.py`` runs the same
against real servers.
"""

from datetime import timedelta
from importlib import import_module

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone

from parley.services import sessions as session_service
from parley.services import tokens
from parley.services.sessions import Credential, ended

pytestmark = pytest.mark.django_db


def sign_in(user) -> str:
    """A new session of ``user`` (as the login form makes it); its key."""
    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


def test_a_live_session_and_a_live_token_sign_in(ann):
    token, _ = tokens.create_token(user=ann, name="bot")
    alive = {
        Credential(ann.pk, session_key=sign_in(ann)),
        Credential(ann.pk, token_id=token.pk),
        Credential(ann.pk),  # signed in some other way: only is_active counts
    }
    assert ended(alive) == set()


def test_deleted_expired_and_unknown_sessions_end(ann):
    deleted, expired = sign_in(ann), sign_in(ann)
    Session.objects.filter(session_key=deleted).delete()
    Session.objects.filter(session_key=expired).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    gone = {Credential(ann.pk, session_key=key) for key in (deleted, expired, "x" * 32)}
    assert ended(gone) == gone


def test_a_session_of_someone_else_does_not_sign_in_this_user(ann, ben):
    borrowed = Credential(ann.pk, session_key=sign_in(ben))
    assert ended({borrowed}) == {borrowed}


def test_a_password_change_ends_the_sessions_made_before_it(ann):
    before = Credential(ann.pk, session_key=sign_in(ann))
    ann.set_password("second pass")
    ann.save()
    after = Credential(ann.pk, session_key=sign_in(ann))
    assert ended({before, after}) == {before}


def test_a_session_from_a_rotated_secret_key_still_signs_in(ann, settings):
    """SECRET_KEY_FALLBACKS: Django still accepts the old key's auth hash."""
    credential = Credential(ann.pk, session_key=sign_in(ann))
    old_key = settings.SECRET_KEY
    settings.SECRET_KEY = "a new secret key " * 4
    settings.SECRET_KEY_FALLBACKS = [old_key]
    assert ended({credential}) == set()
    settings.SECRET_KEY_FALLBACKS = []
    assert ended({credential}) == {credential}


def test_a_session_of_a_backend_no_longer_configured_ends(ann, settings):
    credential = Credential(ann.pk, session_key=sign_in(ann))
    settings.AUTHENTICATION_BACKENDS = ["tests.no.such.Backend"]
    assert ended({credential}) == {credential}


def test_an_inactive_or_deleted_user_signs_in_nowhere(ann, ben):
    token, _ = tokens.create_token(user=ann, name="bot")
    of_ann = {
        Credential(ann.pk, session_key=sign_in(ann)),
        Credential(ann.pk, token_id=token.pk),
        Credential(ann.pk),
    }
    of_ben = {Credential(ben.pk, session_key=sign_in(ben))}
    ann.is_active = False
    ann.save()
    assert ended(of_ann | of_ben) == of_ann
    ben.delete()
    assert ended(of_ben) == of_ben


def test_revoked_missing_and_borrowed_tokens_end(ann, ben):
    revoked, _ = tokens.create_token(user=ann, name="old")
    tokens.revoke_token(user=ann, token_id=revoked.pk)
    of_ben, _ = tokens.create_token(user=ben, name="ben's")
    gone = {
        Credential(ann.pk, token_id=revoked.pk),
        Credential(ann.pk, token_id=10**9),
        Credential(ann.pk, token_id=of_ben.pk),
    }
    assert ended(gone) == gone


def test_three_queries_check_any_number_of_sockets(ann, ben, django_assert_num_queries):
    """Users, sessions and tokens: one query each per QUERY_CHUNK values."""
    token, _ = tokens.create_token(user=ben, name="bot")
    credentials = {Credential(ann.pk, session_key=sign_in(ann)) for _ in range(3)}
    credentials.add(Credential(ben.pk, token_id=token.pk))
    with django_assert_num_queries(3):
        assert ended(credentials) == set()


def test_keys_beyond_one_chunk_take_another_query(
    ann, monkeypatch, django_assert_num_queries
):
    keys = [sign_in(ann) for _ in range(3)]
    monkeypatch.setattr(session_service, "QUERY_CHUNK", 2)
    credentials = {Credential(ann.pk, session_key=key) for key in keys}
    Session.objects.filter(session_key=keys[2]).delete()
    # One for the user, two for three sessions, none for tokens.
    with django_assert_num_queries(3):
        assert ended(credentials) == {Credential(ann.pk, session_key=keys[2])}


@pytest.mark.parametrize(
    "engine",
    ["django.contrib.sessions.backends.cache", "django.contrib.sessions.backends.file"],
)
def test_sessions_outside_the_database_are_read_one_by_one(
    ann, settings, tmp_path, engine
):
    settings.SESSION_ENGINE = engine
    settings.SESSION_FILE_PATH = str(tmp_path)
    kept, ended_key = sign_in(ann), sign_in(ann)
    import_module(engine).SessionStore(session_key=ended_key).delete()
    kept_credential = Credential(ann.pk, session_key=kept)
    gone = Credential(ann.pk, session_key=ended_key)
    assert ended({kept_credential, gone}) == {gone}
