"""The socket path's database thread (``parley.db``): one thread, one
lasting connection, closed only when it cannot be used as it is."""

import asyncio
import threading

import pytest
from django.db import connection

from parley.db import close_broken_connections, database_sync_to_async

pytestmark = pytest.mark.django_db(transaction=True)


def in_a_thread(func):
    """Run ``func`` in a fresh thread (its own connections); its result."""
    result = []
    thread = threading.Thread(target=lambda: result.append(func()))
    thread.start()
    thread.join()
    return result[0]


def query() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def test_a_connection_left_in_a_transaction_is_closed():
    def left_in_a_transaction() -> bool:
        query()
        connection.set_autocommit(False)
        query()
        close_broken_connections()
        closed = connection.connection is None
        connection.close()
        return closed

    assert in_a_thread(left_in_a_transaction) is True


def test_a_healthy_connection_is_kept():
    def healthy() -> bool:
        query()
        close_broken_connections()
        kept = connection.connection is not None
        connection.close()
        return kept

    assert in_a_thread(healthy) is True


def test_a_connection_that_had_an_error_but_answers_is_kept():
    """The error flag is cleared; only a connection that no longer answers
    is closed."""

    def errored() -> tuple[bool, bool]:
        query()
        connection.errors_occurred = True
        close_broken_connections()
        result = (connection.connection is not None, connection.errors_occurred)
        connection.close()
        return result

    assert in_a_thread(errored) == (True, False)


async def test_every_call_runs_on_the_one_parley_db_thread():
    """Concurrent calls are serialized on one thread named parley-db."""
    threads = await asyncio.gather(
        *(database_sync_to_async(threading.current_thread)() for _ in range(5))
    )
    assert len(set(threads)) == 1
    assert threads[0].name.startswith("parley-db")
    assert threads[0] is not threading.current_thread()


def current_connection():
    query()
    return connection.connection


async def test_the_thread_keeps_its_connection_across_calls():
    """Opening a connection per call cost more than the insert itself."""
    first = await database_sync_to_async(current_connection)()
    assert await database_sync_to_async(current_connection)() is first


async def test_a_call_that_leaves_a_transaction_open_leaves_no_connection_behind():
    """The next call gets a fresh connection in autocommit."""

    def leave_a_transaction_open():
        query()
        connection.set_autocommit(False)
        return connection.connection

    left = await database_sync_to_async(leave_a_transaction_open)()
    after = await database_sync_to_async(current_connection)()
    assert after is not left
    assert await database_sync_to_async(connection.get_autocommit)() is True
