"""The three servers under test, and the throwaway Redis they share.

Each server runs as one process on a free loopback port, started the way its
users start it, and is stopped by the pid this module started:

- **Parley**: ``parley serve`` (Uvicorn, per-message deflate off by Parley's
  own choice), SQLite in a fresh data folder, sign-in by API token.
- **The tutorial chat** (``bench/tutorial``): the Channels tutorial's
  consumer under the ``uvicorn`` command, ``--ws-per-message-deflate false``
  (Uvicorn's default is on).
- **Plain**: ``bench/plain.py``, a ``websockets`` broadcast server, no
  compression.
"""

import abc
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.prefix) / "bin"
HOST = "127.0.0.1"


def free_port() -> int:
    """A TCP port nothing listens on at the moment, on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen, timeout: float = 60) -> None:
    """Wait until something accepts TCP connections on ``port``.

    Raises:
        RuntimeError: ``process`` exited first.
        TimeoutError: nothing listened within ``timeout`` seconds.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"exited with {process.returncode} before listening")
        try:
            with socket.create_connection((HOST, port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"nothing listens on port {port} after {timeout} s")


class Process(abc.ABC):
    """A server subprocess with its log file; ``stop()`` ends it by pid."""

    name = "server"

    def __init__(self, workdir: Path):
        self.workdir = workdir
        self.port = free_port()
        self.process: subprocess.Popen | None = None
        self.log = workdir / f"{self.name}-{self.port}.log"

    @abc.abstractmethod
    def command(self) -> list[str]:
        """The command line that starts the server (subclasses say)."""

    def environment(self) -> dict[str, str]:
        """The server's environment: this process's, unless a subclass adds."""
        return dict(os.environ)

    @property
    def pid(self) -> int:
        """The server's process id (it runs in that one process)."""
        return self.process.pid

    def start(self) -> "Process":
        """Start the process and wait until it listens.

        Raises:
            RuntimeError: it exited or did not listen; the message ends with
                its log.
        """
        self.workdir.mkdir(parents=True, exist_ok=True)
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(
                self.command(),
                env=self.environment(),
                cwd=REPO,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        try:
            wait_for_port(self.port, self.process)
        except Exception as error:
            self.stop()
            raise RuntimeError(
                f"{self.name}: {error}\n{self.log.read_text()[-3000:]}"
            ) from error
        return self

    def stop(self) -> None:
        """SIGTERM, then SIGKILL after 10 s; a stopped process is left alone."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)


class RedisServer(Process):
    """A throwaway ``redis-server``: no persistence, its own folder."""

    name = "redis"

    @property
    def url(self) -> str:
        return f"redis://{HOST}:{self.port}/0"

    def command(self) -> list[str]:
        binary = shutil.which("redis-server") or "/usr/bin/redis-server"
        if not Path(binary).exists():
            raise RuntimeError("redis-server is not installed (apt-get install it)")
        return [
            binary,
            *("--port", str(self.port), "--bind", HOST),
            *("--save", "", "--appendonly", "no", "--dir", str(self.workdir)),
        ]

    def flush(self) -> None:
        """Forget every key (groups and channels of the previous server)."""
        import redis

        client = redis.Redis(host=HOST, port=self.port)
        try:
            client.flushall()
        finally:
            client.close()


# The script ``parley shell -c`` runs to create the benchmark's users: one
# token each, passwords unusable (sign-in is by token; hashing 2,000
# passwords would only slow the setup). It writes the tokens as JSON.
CREATE_USERS_SCRIPT = """
import json, sys
from django.contrib.auth import get_user_model
from django.db import transaction
from parley.services import tokens
count, path = {count}, {path!r}
User = get_user_model()
with transaction.atomic():
    users = [User(username=f"bench{{i}}") for i in range(count)]
    for user in users:
        user.set_unusable_password()
    User.objects.bulk_create(users)
    users = User.objects.filter(username__startswith="bench").order_by("id")
    plain = [tokens.create_token(user=user, name="bench")[1] for user in users]
with open(path, "w") as out:
    json.dump(plain, out)
"""


class ParleyServer(Process):
    """``parley serve`` on a copy of a prepared data folder.

    Args:
        workdir: this server's own folder (its data folder and log).
        template: a data folder made by ``prepare_parley_data``; copied, so
            every server starts from the same users and tokens.
        layer_url: ``CHANNEL_LAYER_URL``.
    """

    name = "parley"

    def __init__(self, workdir: Path, template: Path, layer_url: str):
        super().__init__(workdir)
        self.data_dir = workdir / "data"
        if self.data_dir.exists():
            shutil.rmtree(self.data_dir)
        shutil.copytree(template, self.data_dir)
        self.layer_url = layer_url

    @property
    def database(self) -> Path:
        return self.data_dir / "parley.sqlite3"

    def environment(self) -> dict[str, str]:
        env = parley_environment(self.data_dir)
        env["CHANNEL_LAYER_URL"] = self.layer_url
        return env

    def command(self) -> list[str]:
        return [str(BIN / "parley"), "serve", "--host", HOST, "--port", str(self.port)]


def parley_environment(data_dir: Path) -> dict[str, str]:
    """The environment ``parley`` commands run with on ``data_dir``."""
    env = dict(os.environ)
    for name in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE", "CHANNEL_LAYER_URL"):
        env.pop(name, None)
    env["PARLEY_DATA_DIR"] = str(data_dir)
    # The scenarios send far faster per user than Parley's default token
    # buckets allow (60 messages a minute, 20 frames a second). The limits
    # stay on, so their cost is measured, with budgets no scenario reaches.
    unreached = str(10**9)
    for name in (
        "USER_MESSAGES_PER_MIN",
        "USER_MESSAGE_BURST",
        "ROOM_MESSAGES_PER_MIN",
        "ROOM_MESSAGE_BURST",
        "SOCKET_FRAMES_PER_SEC",
        "SOCKET_FRAME_BURST",
        "API_REQUESTS_PER_MIN",
        "API_REQUEST_BURST",
        "MAX_SOCKETS_PER_USER",
    ):
        env[f"PARLEY_{name}"] = unreached
    return env


def prepare_parley_data(data_dir: Path, users: int) -> list[str]:
    """Make ``data_dir`` a freshly migrated Parley data folder with ``users`` users.

    Users are named ``bench0`` ... and each gets one API token.

    Returns:
        the tokens, in user order (``tokens[i]`` signs in as ``bench<i>``).

    Raises:
        subprocess.CalledProcessError: a ``parley`` command failed.
    """
    shutil.rmtree(data_dir, ignore_errors=True)
    data_dir.mkdir(parents=True)
    env = parley_environment(data_dir)
    parley = str(BIN / "parley")
    subprocess.run(
        [parley, "migrate", "--verbosity", "0"], env=env, check=True, cwd=REPO
    )
    path = data_dir.parent / "tokens.json"
    script = CREATE_USERS_SCRIPT.format(count=users, path=str(path))
    subprocess.run(
        [parley, "shell", "--no-imports", "-c", script], env=env, check=True, cwd=REPO
    )
    return json.loads(path.read_text())


class TutorialServer(Process):
    """The Channels tutorial chat under the ``uvicorn`` command."""

    name = "tutorial"

    def __init__(self, workdir: Path, layer_url: str):
        super().__init__(workdir)
        self.layer_url = layer_url

    def environment(self) -> dict[str, str]:
        env = dict(os.environ)
        env["DJANGO_SETTINGS_MODULE"] = "bench.tutorial.settings"
        env["TUTORIAL_CHANNEL_LAYER_URL"] = self.layer_url
        env["TUTORIAL_DATA_DIR"] = str(self.workdir)
        return env

    def command(self) -> list[str]:
        return [
            str(BIN / "uvicorn"),
            "bench.tutorial.asgi:application",
            *("--host", HOST, "--port", str(self.port)),
            # Uvicorn compresses frames by default; Parley turns it off, so
            # the comparison does too.
            *("--ws-per-message-deflate", "false"),
            *("--lifespan", "off"),
        ]


class PlainServer(Process):
    """``bench/plain.py``: websockets' ``broadcast`` to a room's sockets."""

    name = "plain"

    def command(self) -> list[str]:
        return [sys.executable, "-m", "bench.plain", "--port", str(self.port)]
