"""Real database and broker servers for tests: PostgreSQL and RabbitMQ.

Each listens on 127.0.0.1 at a free port, keeps its files in a temporary
folder, and is stopped by the pid this module started. Redis is in
``tests/support/servers.py``.

The whole suite runs on PostgreSQL with ``PARLEY_TEST_DATABASE=postgres``:
``tests/settings.py`` then calls :func:`suite_postgres` before Django reads
its settings, and every ``ParleyServer`` gets a database of its own on that
cluster (:func:`server_database_url`), as it gets its own SQLite file
otherwise.
"""

import atexit
import hashlib
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from tests.support.servers import (
    free_port,
    missing_service,
    require_binary,
    wait_for_port,
)

# "sqlite" (default) or "postgres": the database the whole suite runs on.
SUITE_DATABASE = os.environ.get("PARLEY_TEST_DATABASE", "sqlite")
# Debian installs PostgreSQL's server binaries out of PATH, per version.
POSTGRES_ROOT = Path("/usr/lib/postgresql")
# initdb refuses root; as root, the cluster runs as this (Debian's) user.
POSTGRES_USER = "postgres"
# Parley's test servers and the suite's own connections, with room to spare:
# a dozen live server processes each hold a few connections at most.
POSTGRES_MAX_CONNECTIONS = 300
RABBITMQ_SERVER = Path("/usr/lib/rabbitmq/bin/rabbitmq-server")


POSTGRES_MISSING = "PostgreSQL is not installed (apt-get install postgresql)"


def postgres_bindir() -> Path | None:
    """The newest ``/usr/lib/postgresql/<version>/bin`` with ``initdb``."""
    found = sorted(
        (path.parent for path in POSTGRES_ROOT.glob("*/bin/initdb")),
        key=lambda path: int(path.parent.name) if path.parent.name.isdigit() else 0,
    )
    return found[-1] if found else None


class PostgresServer:
    """A throwaway PostgreSQL cluster on a free loopback port.

    The cluster's files live in a new folder under the system's temporary
    folder (not pytest's, which other users cannot enter), owned by the
    ``postgres`` user when the tests run as root. Authentication is
    ``trust`` for the superuser ``parley``, on 127.0.0.1 only.
    """

    def __init__(self) -> None:
        """Skips the test without PostgreSQL (fails under ``CI=true``)."""
        bindir = postgres_bindir()
        if bindir is None:
            missing_service(POSTGRES_MISSING)
        self.bindir = bindir
        self.port = free_port()
        self.folder = Path(tempfile.mkdtemp(prefix="parley-pg-"))
        self.process: subprocess.Popen | None = None
        self.log = self.folder / "postgres.log"

    def url(self, database: str = "postgres") -> str:
        """A ``DATABASE_URL`` for ``database`` on this cluster."""
        return f"postgres://parley@127.0.0.1:{self.port}/{database}"

    def _run_as(self) -> dict:
        """``Popen`` arguments that drop root to the ``postgres`` user."""
        if os.geteuid() != 0:
            return {}
        try:
            user = pwd.getpwnam(POSTGRES_USER)
        except KeyError:
            missing_service(
                f"running as root needs a {POSTGRES_USER!r} user for initdb"
            )
        return {"user": user.pw_uid, "group": user.pw_gid}

    def start(self) -> "PostgresServer":
        run_as = self._run_as()
        if run_as:
            os.chown(self.folder, run_as["user"], run_as["group"])
        data = self.folder / "data"
        subprocess.run(
            [
                str(self.bindir / "initdb"),
                "--pgdata",
                str(data),
                "--username",
                "parley",
                "--auth",
                "trust",
                "--encoding",
                "UTF8",
                "--locale",
                "C",
                # A throwaway cluster: skip the fsyncs (seconds on CI disks).
                "--no-sync",
            ],
            check=True,
            capture_output=True,
            **run_as,
        )
        with open(self.log, "ab") as log:
            if run_as:
                os.chown(self.log, run_as["user"], run_as["group"])
            self.process = subprocess.Popen(
                [
                    str(self.bindir / "postgres"),
                    "-D",
                    str(data),
                    "-h",
                    "127.0.0.1",
                    "-p",
                    str(self.port),
                    "-k",
                    str(self.folder),
                    "-c",
                    f"max_connections={POSTGRES_MAX_CONNECTIONS}",
                    # Durability is not under test; speed is welcome.
                    "-c",
                    "fsync=off",
                    "-c",
                    "synchronous_commit=off",
                    "-c",
                    "full_page_writes=off",
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                **run_as,
            )
        try:
            wait_for_port(self.port, self.process)
            self._wait_until_accepting()
        except Exception as error:
            self.stop()
            raise RuntimeError(f"{error}\n{self.log.read_text()[-3000:]}") from error
        return self

    def _wait_until_accepting(self) -> None:
        """Wait for the end of recovery: the port opens a little before."""
        subprocess.run(
            [
                str(self.bindir / "pg_isready"),
                "-h",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-U",
                "parley",
                "-t",
                "30",
            ],
            check=True,
            capture_output=True,
        )

    def create_database(self, name: str) -> str:
        """Create database ``name`` unless it exists; return its URL."""
        import psycopg

        with psycopg.connect(self.url(), autocommit=True) as connection:
            exists = connection.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", [name]
            ).fetchone()
            if not exists:
                connection.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def stop(self) -> None:
        """Fast shutdown (SIGINT: disconnect clients), then remove the files."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        shutil.rmtree(self.folder, ignore_errors=True)


_suite_postgres: PostgresServer | None = None


def suite_postgres() -> PostgresServer:
    """The cluster the suite runs on, started on first use, stopped at exit.

    Raises:
        RuntimeError: PostgreSQL is not installed.
    """
    global _suite_postgres
    if _suite_postgres is None:
        if postgres_bindir() is None:
            raise RuntimeError(f"PARLEY_TEST_DATABASE=postgres: {POSTGRES_MISSING}")
        _suite_postgres = PostgresServer().start()
        atexit.register(_suite_postgres.stop)
    return _suite_postgres


def server_database_url(data_dir: Path) -> str | None:
    """The ``DATABASE_URL`` of a ``ParleyServer`` on ``data_dir``, or None.

    None on SQLite: the server keeps its file in ``data_dir``. On
    PostgreSQL, one database per data folder, named from its path, so two
    servers given one folder share a database, as they share a SQLite file.
    """
    if SUITE_DATABASE != "postgres":
        return None
    digest = hashlib.sha256(str(data_dir.resolve()).encode()).hexdigest()[:20]
    return suite_postgres().create_database(f"server_{digest}")


class RabbitMQServer:
    """A throwaway RabbitMQ node on free loopback ports.

    The node gets its own name, its own ``epmd`` (Erlang's port mapper, run
    in the foreground on a free port so that it is stopped by pid too), its
    own distribution port, Erlang cookie, database and logs in ``workdir``,
    and no plugins. ``url`` is the default user's (``guest``) on the
    default vhost.
    """

    def __init__(self, workdir: Path):
        self.epmd = require_binary("epmd")
        if not RABBITMQ_SERVER.exists():
            missing_service("rabbitmq-server is not installed (apt-get install it)")
        self.workdir = workdir
        self.port = free_port()
        self.epmd_port = free_port()
        self.dist_port = free_port()
        self.processes: list[subprocess.Popen] = []
        self.log = workdir / "rabbitmq.log"

    @property
    def url(self) -> str:
        return f"amqp://guest:guest@127.0.0.1:{self.port}/%2F"

    def start(self) -> "RabbitMQServer":
        self.workdir.mkdir(parents=True, exist_ok=True)
        (self.workdir / "enabled_plugins").write_text("[].\n")
        (self.workdir / "rabbitmq.conf").write_text(
            f"listeners.tcp.1 = 127.0.0.1:{self.port}\n"
        )
        env = {
            **os.environ,
            "HOME": str(self.workdir),  # the Erlang cookie goes there
            "ERL_EPMD_ADDRESS": "127.0.0.1",
            "ERL_EPMD_PORT": str(self.epmd_port),
            "RABBITMQ_NODENAME": f"parley-test-{self.port}@localhost",
            "RABBITMQ_DIST_PORT": str(self.dist_port),
            "RABBITMQ_CONFIG_FILE": str(self.workdir / "rabbitmq"),
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(self.workdir / "enabled_plugins"),
            "RABBITMQ_PLUGINS_EXPAND_DIR": str(self.workdir / "plugins"),
            "RABBITMQ_MNESIA_BASE": str(self.workdir / "mnesia"),
            "RABBITMQ_LOG_BASE": str(self.workdir / "logs"),
        }
        with open(self.log, "ab") as log:
            epmd = subprocess.Popen(
                [self.epmd, "-port", str(self.epmd_port), "-address", "127.0.0.1"],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
            self.processes.append(epmd)
            wait_for_port(self.epmd_port, epmd)
            broker = subprocess.Popen(
                [str(RABBITMQ_SERVER)],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
            self.processes.append(broker)
        try:
            # The AMQP listener opens last in the boot, once queues work.
            wait_for_port(self.port, broker, timeout=60)
        except Exception as error:
            self.stop()
            raise RuntimeError(f"{error}\n{self.log.read_text()[-3000:]}") from error
        return self

    def stop(self) -> None:
        """Stop the broker, then its epmd, each by pid."""
        for process in reversed(self.processes):
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(20)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(5)
        self.processes.clear()
