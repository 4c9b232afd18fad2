"""Fixtures of the API's tests: alice, bob and carol, each with a signed-in
test client (``api["bob"]``). A module's own ``api`` fixture overrides it."""

import pytest
from django.test import Client


@pytest.fixture
def users(django_user_model):
    return {
        name: django_user_model.objects.create_user(name)
        for name in ("alice", "bob", "carol")
    }


@pytest.fixture
def api(users):
    clients = {}
    for name, user in users.items():
        clients[name] = Client()
        clients[name].force_login(user)
    return clients
