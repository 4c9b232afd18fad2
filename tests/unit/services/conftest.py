import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer


@pytest.fixture(autouse=True)
def empty_channel_layer():
    """Each test starts with an empty in-memory channel layer."""
    yield
    async_to_sync(get_channel_layer().flush)()
