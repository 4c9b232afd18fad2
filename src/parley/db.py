"""Database calls from async code: one thread, one lasting connection.

Channels' ``database_sync_to_async`` closes the thread's connection after
every call unless ``CONN_MAX_AGE`` keeps it, and Django advises against
``CONN_MAX_AGE`` under ASGI, where each HTTP request's sync code may run in
a thread of its own whose connection would then outlive it. Parley's socket
path therefore runs its database calls on a thread of its own: they were
serialized on one thread already (Channels runs them thread-sensitive), and
that thread's connection is kept across calls and closed only when broken.
Opening a connection per call had cost more than the message's insert
itself (SQLite opens a file and runs its PRAGMAs; PostgreSQL a round trip
and authentication).
"""

from concurrent.futures import ThreadPoolExecutor

from asgiref.sync import SyncToAsync
from django.db import connections

_executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="parley-db")


def close_broken_connections() -> None:
    """Close this thread's connections that cannot be used as they are.

    A connection is closed if it was left inside a transaction, or if a
    database error occurred on it and it no longer answers (the server
    restarted, say); the next query opens a fresh one. This is Django's
    ``close_if_unusable_or_obsolete`` without the age limit.
    """
    for connection in connections.all(initialized_only=True):
        if connection.connection is None:
            continue
        if connection.get_autocommit() != connection.settings_dict["AUTOCOMMIT"]:
            connection.close()
        elif connection.errors_occurred:
            if connection.is_usable():
                connection.errors_occurred = False
            else:
                connection.close()


class DatabaseSyncToAsync(SyncToAsync):
    """``sync_to_async`` on Parley's database thread (see the module).

    Use it like Channels' ``database_sync_to_async``: as a decorator or a
    wrapper of a sync function touching the ORM; await the result.
    """

    def __init__(self, func):
        super().__init__(func, thread_sensitive=False, executor=_executor)

    def thread_handler(self, loop, *args, **kwargs):
        close_broken_connections()
        try:
            return super().thread_handler(loop, *args, **kwargs)
        finally:
            close_broken_connections()


database_sync_to_async = DatabaseSyncToAsync


def close_connections() -> None:
    """Close the database thread's connections (at the end of a test run)."""
    _executor.submit(connections.close_all).result()
