from pathlib import Path

import pytest

from tests.servers import ParleyServer, RedisServer, User, unique


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory):
    """One Parley under Uvicorn for the session, memory layer, SQLite."""
    parley = ParleyServer(tmp_path_factory.mktemp("parley")).start()
    yield parley
    parley.stop()


@pytest.fixture
def alice(server: ParleyServer) -> User:
    return User.sign_up(server, unique("alice"))


@pytest.fixture
def bob(server: ParleyServer) -> User:
    return User.sign_up(server, unique("bob"))


@pytest.fixture
def redis_server(tmp_path: Path):
    redis = RedisServer(tmp_path)
    redis.start()
    yield redis
    redis.stop()
