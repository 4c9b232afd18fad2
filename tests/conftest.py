"""Suite-wide fixtures: what every test needs reset. The fixtures that start
servers live in ``tests/support/fixtures.py``, registered here."""

import pytest
from asgiref.sync import SyncToAsync
from django.db import connections

from parley import ratelimit
from parley.db import close_connections

pytest_plugins = ["tests.support.fixtures"]


@pytest.fixture(scope="session", autouse=True)
def socket_database_thread_closed(django_db_setup):
    """Close the connections of the threads that outlive a test, the socket
    path's and asgiref's single thread for ``sync_to_async``, before the
    test database is dropped (PostgreSQL refuses to drop a database in use)."""
    yield
    close_connections()
    SyncToAsync.single_thread_executor.submit(connections.close_all).result()


@pytest.fixture(autouse=True)
def fresh_budgets():
    """Every test starts with full token buckets: they live in the process,
    and the test process is one."""
    ratelimit.clear_all()
