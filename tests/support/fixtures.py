"""Fixtures that start things, for every test folder (``tests/conftest.py``
registers this module as a plugin): a Parley server for the session, its
users, and Redis, PostgreSQL and RabbitMQ servers."""

from pathlib import Path

import pytest

from tests.support.engines import (
    SUITE_DATABASE,
    PostgresServer,
    RabbitMQServer,
    suite_postgres,
)
from tests.support.servers import ParleyServer, RedisServer, User, unique


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


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory: pytest.TempPathFactory):
    """One Redis shared by a module's tests (its URL); tests that must not
    share keys use ``redis_server``."""
    redis = RedisServer(tmp_path_factory.mktemp("redis"))
    redis.start()
    yield redis.url
    redis.stop()


@pytest.fixture(scope="session")
def postgres():
    """A running PostgreSQL cluster: the suite's own under
    PARLEY_TEST_DATABASE=postgres, else one started for the session.
    ``postgres.create_database(name)`` returns a new database's URL."""
    if SUITE_DATABASE == "postgres":
        yield suite_postgres()
        return
    cluster = PostgresServer().start()
    yield cluster
    cluster.stop()


@pytest.fixture
def rabbitmq_server(tmp_path: Path):
    """A RabbitMQ node of the test's own: no exchange or queue is shared."""
    rabbitmq = RabbitMQServer(tmp_path / "rabbitmq")
    rabbitmq.start()
    yield rabbitmq
    rabbitmq.stop()


@pytest.fixture(scope="module")
def rabbitmq(tmp_path_factory: pytest.TempPathFactory):
    """One RabbitMQ node shared by a module's tests (a node takes seconds
    to start); tests that must not share queues use ``rabbitmq_server``."""
    broker = RabbitMQServer(tmp_path_factory.mktemp("rabbitmq"))
    broker.start()
    yield broker
    broker.stop()
