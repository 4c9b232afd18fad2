"""Real processes for tests: Parley under an ASGI server, Redis; and clients.

Everything listens on 127.0.0.1 at a free port and is stopped by the pid
this module started.
"""

import asyncio
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import orjson
import websockets
from websockets.asyncio.client import ClientConnection

from parley.client import ParleyClient

IN_CI = os.environ.get("CI", "").lower() == "true"
PASSWORD = "correct horse battery staple"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(
                f"process exited with {process.returncode} before listening"
            )
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"nothing listens on port {port} after {timeout} s")


def missing_service(message: str) -> None:
    """A system service the test needs is not installed: skip the test
    locally, fail it in CI (``CI=true``), where ``.ci/run`` installs it."""
    import pytest

    if IN_CI:
        pytest.fail(message)
    pytest.skip(message)


def require_binary(name: str) -> str:
    """Path of a system binary; skip without it, but fail in CI."""
    path = shutil.which(name) or (
        f"/usr/bin/{name}" if Path(f"/usr/bin/{name}").exists() else None
    )
    if path is None:
        missing_service(f"{name} is not installed (apt-get install it; .ci/run does)")
    return path


class RedisServer:
    """A throwaway redis-server on a free loopback port."""

    def __init__(self, workdir: Path):
        self.binary = require_binary("redis-server")
        self.workdir = workdir
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                self.binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.workdir),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for_port(self.port, self.process)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)


class ParleyServer:
    """``parley serve`` in a subprocess, on its own data folder and port.

    Args:
        data_dir: holds the SQLite file and the secret key; two servers given
            the same folder share the database and sessions.
        env: extra environment (``CHANNEL_LAYER_URL``, ``DATABASE_URL`` ...).
        server: ``uvicorn``, ``daphne`` or ``gunicorn``.
        args: more options of ``parley serve``.
    """

    def __init__(
        self,
        data_dir: Path,
        env: dict[str, str] | None = None,
        server: str = "uvicorn",
        args: list[str] | None = None,
    ):
        self.data_dir = data_dir
        self.port = free_port()
        self.server = server
        self.args = args or []
        self.env = {
            **os.environ,
            "PARLEY_DATA_DIR": str(data_dir),
            "DJANGO_SETTINGS_MODULE": "parley.site.settings",
            "CHANNEL_LAYER_URL": "memory://",
            "LOG_LEVEL": "WARNING",
            # No token buckets unless a test asks: tests that post in bulk
            # measure delivery, not budgets (tests/live/test_limits.py
            # turns them on).
            "PARLEY_RATE_LIMITS": "0",
            **(env or {}),
        }
        if "DATABASE_URL" not in (env or {}):
            # A DATABASE_URL meant for the test run is not this server's: on
            # PostgreSQL it gets a database of its own, as it gets its own
            # SQLite file otherwise (tests/support/engines.py).
            from tests.support.engines import server_database_url

            self.env.pop("DATABASE_URL", None)
            if url := server_database_url(data_dir):
                self.env["DATABASE_URL"] = url
        self.process: subprocess.Popen | None = None
        self.log = data_dir / f"server-{self.port}.log"

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def start(self) -> "ParleyServer":
        self.data_dir.mkdir(parents=True, exist_ok=True)
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "parley",
                    "serve",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(self.port),
                    "--server",
                    self.server,
                    *self.args,
                ],
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        try:
            wait_for_port(self.port, self.process, timeout=60)
        except Exception as error:
            raise RuntimeError(f"{error}\n{self.log.read_text()[-3000:]}") from error
        return self

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)

    def restart(self) -> None:
        self.stop()
        self.start()


@contextmanager
def two_servers(
    data_dir: Path, env: dict[str, str]
) -> Iterator[tuple[ParleyServer, ParleyServer]]:
    """Two Uvicorn processes on one data folder (so one database) with the
    same environment (a shared ``CHANNEL_LAYER_URL``); both stopped after."""
    first = ParleyServer(data_dir, env).start()
    try:
        second = ParleyServer(data_dir, env).start()
    except Exception:
        first.stop()
        raise
    try:
        yield first, second
    finally:
        first.stop()
        second.stop()


class User:
    """A person signed in over HTTP: their cookies open sockets and call the API."""

    def __init__(self, server: ParleyServer, username: str, cookies: httpx.Cookies):
        self.server = server
        self.username = username
        self.cookies = cookies

    @classmethod
    def sign_up(cls, server: ParleyServer, username: str) -> "User":
        with httpx.Client(base_url=server.base_url, follow_redirects=False) as http:
            http.get("/accounts/signup/").raise_for_status()
            response = http.post(
                "/accounts/signup/",
                data={
                    "username": username,
                    "password1": PASSWORD,
                    "password2": PASSWORD,
                    "csrfmiddlewaretoken": http.cookies["csrftoken"],
                },
                headers={"Referer": server.base_url + "/accounts/signup/"},
            )
            assert response.status_code == 302, response.text[-2000:]
            return cls(server, username, http.cookies)

    def http(self) -> httpx.Client:
        return httpx.Client(
            base_url=self.server.base_url,
            cookies=self.cookies,
            headers={"X-CSRFToken": self.cookies.get("csrftoken") or ""},
        )

    def cookie_header(self) -> str:
        return "; ".join(f"{name}={value}" for name, value in self.cookies.items())

    async def connect(
        self,
        path: str = "/ws/",
        server: ParleyServer | None = None,
        origin: str | None = None,
    ) -> ClientConnection:
        server = server or self.server
        return await websockets.connect(
            server.ws_url + path,
            additional_headers={
                "Cookie": self.cookie_header(),
                "Origin": origin or server.base_url,
            },
            open_timeout=10,
        )


def parley_command(
    server: ParleyServer, *args: str, timeout: float = 60
) -> subprocess.CompletedProcess:
    """Run ``parley <args>`` on ``server``'s data (its environment); check it."""
    return subprocess.run(
        [sys.executable, "-m", "parley", *args],
        env=server.env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=True,
    )


def create_token(server: ParleyServer, username: str, name: str = "live test") -> str:
    """A new API token for ``username``, from the real ``parley token`` command."""
    return parley_command(server, "token", username, "--name", name).stdout.strip()


async def connect_with_token(
    server: ParleyServer,
    token: str,
    path: str = "/ws/",
    origin: str | None = None,
) -> ClientConnection:
    """A socket signed in by ``Authorization: Bearer``: no cookie, and no
    ``Origin`` unless given (as a bot sends it)."""
    headers = {"Authorization": f"Bearer {token}"}
    if origin is not None:
        headers["Origin"] = origin
    return await websockets.connect(
        server.ws_url + path, additional_headers=headers, open_timeout=10
    )


async def recv(ws: ClientConnection, timeout: float = 10) -> dict[str, Any]:
    return orjson.loads(await asyncio.wait_for(ws.recv(), timeout))


async def send(ws: ClientConnection, **frame: Any) -> None:
    await ws.send(orjson.dumps(frame).decode())


async def recv_type(
    ws: ClientConnection, frame_type: str, timeout: float = 10
) -> dict[str, Any]:
    """The next frame of ``frame_type``; frames of other types are skipped."""
    async with asyncio.timeout(timeout):
        while True:
            frame = await recv(ws)
            if frame.get("type") == frame_type:
                return frame


async def collect(
    ws: ClientConnection, frame_type: str, count: int, timeout: float = 15
) -> list[dict]:
    return [await recv_type(ws, frame_type, timeout) for _ in range(count)]


async def subscribe(
    ws: ClientConnection, room: str, after: int | None = None
) -> dict[str, Any]:
    await send(ws, type="subscribe", room=room, after=after)
    frame = await recv(ws)
    assert frame["type"] == "subscribed", frame
    return frame


def unique(prefix: str) -> str:
    """A name no other test uses: ``prefix`` plus a counter."""
    unique.counter += 1
    return re.sub(r"\W", "", prefix)[:20] + str(unique.counter)


unique.counter = 0


# Shared by several test modules -----------------------------------------------

# The repository: the shop example app's package root, for subprocesses.
ROOT = Path(__file__).resolve().parents[2]


HEALTHY = {"status": "ok", "database": "ok", "channel_layer": "ok"}


def healthz(server: ParleyServer) -> tuple[int, dict]:
    response = httpx.get(server.base_url + "/healthz", timeout=30)
    assert response.headers["Cache-Control"] == "no-store"
    return response.status_code, response.json()


async def take(client: ParleyClient, count: int, timeout: float = 20) -> list:
    """The next ``count`` messages the client yields."""
    iterator = client.messages()
    async with asyncio.timeout(timeout):
        return [await anext(iterator) for _ in range(count)]


def client_for(user: User, server: ParleyServer | None = None) -> ParleyClient:
    return ParleyClient((server or user.server).base_url, cookies=dict(user.cookies))


def revoke_on_the_page(user: User, token: str) -> None:
    """Revoke ``token`` as its owner does: the settings page's form."""
    with user.http() as http:
        page = http.get("/settings/tokens/").text
        prefix = token[:10]
        assert f"<code>{prefix}…</code>" in page and token not in page
        rows = page.split("<tr>")
        row = next(row for row in rows if prefix in row)
        action = re.search(r'action="([^"]+/revoke/)"', row).group(1)
        response = http.post(action)
        assert response.status_code == 302, response.text[-2000:]


def shop_env(layer_url: str, **extra: str) -> dict[str, str]:
    """The environment of a ``parley`` process running the shop example
    (``tests/support/shop``) on the channel layer at ``layer_url``."""
    return {
        "DJANGO_SETTINGS_MODULE": "tests.support.shop.settings",
        "CHANNEL_LAYER_URL": layer_url,
        # The shop app; and the Parley under test, where PYTHONPATH has it.
        "PYTHONPATH": os.pathsep.join(
            filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])
        ),
        # Show ResourceWarnings too (unclosed connections at exit).
        "PYTHONWARNINGS": "default",
        **extra,
    }


# Far older than any other test makes a message (tests/browser/
# test_conversation.py backdates some by days), so that the purge below,
# which applies to every public room, takes only the room a test names.
BACKDATE_DAYS = 10_000

BACKDATE = """
import datetime as dt
from django.utils import timezone
from parley.models import Message
Message.objects.filter(room__slug={room!r}, seq__lte={upto}).update(
    created_at=timezone.now() - dt.timedelta(days={days})
)
"""


def purge_old_messages(server: ParleyServer, room: str, upto: int) -> str:
    """Make ``room``'s messages up to ``seq`` ``upto`` very old, then run the
    real ``parley purge`` with a limit on public rooms that only they pass;
    return what it printed (``"Purged N message(s)."``)."""
    code = BACKDATE.format(room=room, upto=upto, days=BACKDATE_DAYS)
    parley_command(server, "shell", "-c", code)
    limit = f'{{"public": {BACKDATE_DAYS - 1}}}'
    return subprocess.run(
        [sys.executable, "-m", "parley", "purge"],
        env={**server.env, "PARLEY_RETENTION": limit},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout.strip()
