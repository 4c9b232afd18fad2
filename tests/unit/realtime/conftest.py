import pytest
from channels.layers import get_channel_layer


@pytest.fixture
async def fresh_layer():
    """Empty the in-memory channel layer after the test: its groups and
    channels outlive one test's consumers otherwise."""
    yield
    await get_channel_layer().flush()


@pytest.fixture
def user(django_user_model):
    return django_user_model.objects.create_user("carol")
