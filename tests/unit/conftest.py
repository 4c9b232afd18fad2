"""Fixtures shared by the unit tests of every package: people, and an
in-memory channel layer emptied after the test."""

import pytest
from channels.layers import get_channel_layer


@pytest.fixture
async def fresh_layer():
    """Empty the in-memory channel layer after the test: its groups and
    channels outlive one test's consumers otherwise."""
    yield
    await get_channel_layer().flush()


@pytest.fixture
def make_user(django_user_model):
    def make(username: str):
        return django_user_model.objects.create_user(username)

    return make


@pytest.fixture
def alice(make_user):
    return make_user("alice")


@pytest.fixture
def bob(make_user):
    return make_user("bob")


@pytest.fixture
def carol(make_user):
    return make_user("carol")


# Two people with a password, for sign-in and password-change cases.
@pytest.fixture
def ann(django_user_model):
    return django_user_model.objects.create_user("ann", password="first pass")


@pytest.fixture
def ben(django_user_model):
    return django_user_model.objects.create_user("ben", password="first pass")
