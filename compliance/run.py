"""Run Autobahn|Testsuite's fuzzing client against Parley under Uvicorn.

Two servers, each the real ``parley serve`` (Uvicorn with Parley's options:
per-message deflate off, ``PARLEY_WS_MAX_FRAME_BYTES`` as the largest
frame), on one SQLite database with one user and one API token:

- ``parley-echo``: ``compliance.asgi`` (``/echo/``, an echo
  ``FrameConsumer`` behind Parley's WebSocket stack). Every case runs, 1.*
  to 13.*: protocol conformance.
- ``parley-chat``: Parley's own application, unchanged, at ``/ws/``. It
  answers with JSON ``error`` frames where Autobahn expects echoes, so its
  verdicts mean little; what counts is that the server survives every case
  (13.* and 12.* are left out: deflate is off, as ``parley-echo`` shows).

The fuzzing client signs in with ``Authorization: Bearer <token>`` on every
handshake (``compliance.wstest_client``). After the run both servers must
still answer ``/healthz``, the chat server must still subscribe and
acknowledge a message, and the servers' logs are searched for errors.
"""

import json
import os
import resource
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

import httpx
import orjson
from websockets.exceptions import WebSocketException
from websockets.sync.client import connect

from parley.conf import DEFAULTS

REPO = Path(__file__).resolve().parent.parent
USERNAME = "autobahn"
# The cases take about three minutes on two cores, mostly Autobahn waiting
# out its own timeouts; far more means one hangs, and the run is stopped.
WSTEST_TIMEOUT_SECS = 20 * 60
SERVER_START_TIMEOUT_SECS = 60
CHAT_EXCLUDED_CASES = ["12.*", "13.*"]


@dataclass
class Server:
    """One ``parley serve`` process on a free loopback port.

    Args:
        agent: its name in Autobahn's reports.
        settings: ``DJANGO_SETTINGS_MODULE`` of the process.
        path: the WebSocket path the fuzzing client opens.
        env: the environment shared by both servers (data folder ...).
        out: where its log goes (``<agent>.log``).
    """

    agent: str
    settings: str
    path: str
    env: dict[str, str]
    out: Path
    port: int = field(default_factory=lambda: free_port())
    process: subprocess.Popen | None = None

    @property
    def log(self) -> Path:
        return self.out / f"{self.agent}.log"

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}{self.path}"

    def start(self) -> None:
        with open(self.log, "wb") as log:
            self.process = subprocess.Popen(
                [
                    *parley_command(),
                    "serve",
                    "--no-migrate",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(self.port),
                ],
                env={**self.env, "DJANGO_SETTINGS_MODULE": self.settings},
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        wait_for_port(self.port, self.process)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + SERVER_START_TIMEOUT_SECS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"nothing listens on port {port}")


def parley_command() -> list[str]:
    return [sys.executable, "-m", "parley"]


def parley_env(data_dir: Path) -> dict[str, str]:
    """The environment of every ``parley`` process of the run: Parley's
    default limits (no ``PARLEY_*`` of the caller's) but for the socket
    budgets, a fresh data folder (SQLite), the in-memory channel layer, and
    this checkout first on the path (``compliance`` is not installed).

    Autobahn sends up to 1,000 messages per connection as fast as it can
    (9.7, 9.8); within the default frame budget (burst 300, 20/s) Parley
    would answer them ``rate_limited``, then close with 1008, instead of
    echoing. Rate limits are tested in ``tests/live/test_flood.py``; here the
    budgets are set out of the protocol cases' way."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key != "DATABASE_URL" and not key.startswith("PARLEY_")
    }
    path = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    return {
        **env,
        "PYTHONPATH": path,
        "PARLEY_DATA_DIR": str(data_dir),
        "DJANGO_SETTINGS_MODULE": "parley.site.settings",
        "CHANNEL_LAYER_URL": "memory://",
        "LOG_LEVEL": "WARNING",
        "PARLEY_SOCKET_FRAME_BURST": "100000",
        "PARLEY_SOCKET_FRAMES_PER_SEC": "100000",
        "PARLEY_SOCKET_FLOOD_REFUSALS_PER_MIN": "100000",
    }


# Run by `parley shell` in one process (each Django start costs a second):
# migrate the fresh database, add the user, print a new API token for it.
SETUP_SCRIPT = f"""
from django.contrib.auth import get_user_model
from django.core.management import call_command
from parley.services import tokens
call_command("migrate", verbosity=0)
user = get_user_model().objects.create_user({USERNAME!r})
print(tokens.create_token(user=user, name="autobahn")[1])
"""


def create_user_and_token(env: dict[str, str]) -> str:
    """Migrate the run's fresh database, add ``USERNAME``; return a new API
    token (``pt_...``) for it."""
    return subprocess.run(
        [*parley_command(), "shell", "--verbosity", "0", "-c", SETUP_SCRIPT],
        env=env,
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    ).stdout.strip()


def spec(servers: list[Server], token: str, reports: Path) -> dict:
    """The fuzzing client's spec (Autobahn's ``fuzzingclient.json``)."""
    return {
        "outdir": str(reports),
        "servers": [
            {
                "agent": server.agent,
                "url": server.ws_url,
                "headers": {"Authorization": f"Bearer {token}"},
            }
            for server in servers
        ],
        "cases": ["*"],
        "exclude-cases": [],
        "exclude-agent-cases": {"parley-chat": CHAT_EXCLUDED_CASES},
    }


def chat_still_works(server: Server, token: str) -> bool:
    """Whether the chat server subscribes a client and acknowledges its
    message, as after any other client's visit."""
    try:
        return chat_round_trip(server, token)
    except (OSError, WebSocketException):  # refused, reset, timed out
        return False


def chat_round_trip(server: Server, token: str) -> bool:
    client_id = uuid.uuid4().hex
    with connect(
        server.ws_url,
        additional_headers={"Authorization": f"Bearer {token}"},
        open_timeout=10,
    ) as ws:
        ws.send(orjson.dumps({"type": "subscribe", "room": "autobahn"}).decode())
        subscribed = orjson.loads(ws.recv(timeout=10))
        ws.send(
            orjson.dumps(
                {
                    "type": "send",
                    "room": "autobahn",
                    "text": "still here",
                    "client_id": client_id,
                }
            ).decode()
        )
        while True:
            frame = orjson.loads(ws.recv(timeout=10))
            if frame["type"] in ("ack", "error"):
                break
    return (
        subscribed["type"] == "subscribed"
        and frame["type"] == "ack"
        and frame["client_id"] == client_id
    )


def healthy(server: Server) -> bool:
    try:
        return httpx.get(server.base_url + "/healthz", timeout=10).status_code == 200
    except httpx.HTTPError:
        return False


def versions(wstest_python: str) -> dict[str, str]:
    """Versions of the fuzzing client and of the stack under test."""
    autobahn = subprocess.run(
        [
            wstest_python,
            "-c",
            "import autobahn, autobahntestsuite; "
            "print(autobahntestsuite.__version__ + ' ' + autobahn.__version__)",
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    stack = {name: metadata.version(name) for name in ("uvicorn", "websockets")}
    stack["channels"] = metadata.version("channels")
    return {"autobahntestsuite": autobahn[0], "autobahn": autobahn[1], **stack}


def run(wstest_python: str, out: Path) -> dict:
    """Run the suite; return what ``compliance.summary`` reports.

    Args:
        wstest_python: the Python 2.7 interpreter that has
            ``autobahntestsuite`` (``make compliance`` builds it).
        out: a folder for the reports, logs and data, emptied first.

    Returns:
        ``{"versions": {name: version}, "max_frame_bytes", "duration_secs"
        (the fuzzing client's run), "cpu_secs" (every process the run
        started), "servers": {agent: {"url", "alive", "healthy",
        "chat_works" (parley-chat only)}}}``; each server's log is
        ``out/<agent>.log``, Autobahn's reports are in ``out/reports``.

    Raises:
        subprocess.CalledProcessError: ``wstest`` failed.
        subprocess.TimeoutExpired: it ran past ``WSTEST_TIMEOUT_SECS``.
    """
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    env = parley_env(out / "data")
    token = create_user_and_token(env)
    servers = [
        Server("parley-echo", "compliance.settings", "/echo/", env, out),
        Server("parley-chat", "parley.site.settings", "/ws/", env, out),
    ]
    spec_file = out / "fuzzingclient.json"
    spec_file.write_text(json.dumps(spec(servers, token, out / "reports"), indent=2))
    report: dict = {
        "versions": versions(wstest_python),
        "max_frame_bytes": DEFAULTS["WS_MAX_FRAME_BYTES"],
        "servers": {},
    }
    try:
        for server in servers:
            server.start()
        started = time.monotonic()
        with open(out / "wstest.log", "wb") as log:
            subprocess.run(
                [
                    wstest_python,
                    str(REPO / "compliance" / "wstest_client.py"),
                    "--mode",
                    "fuzzingclient",
                    "--spec",
                    str(spec_file),
                ],
                cwd=out,
                stdout=log,
                stderr=subprocess.STDOUT,
                check=True,
                timeout=WSTEST_TIMEOUT_SECS,
            )
        report["duration_secs"] = round(time.monotonic() - started)
        for server in servers:
            result = {
                "url": server.ws_url.replace(str(server.port), "<port>"),
                "alive": server.process.poll() is None,
                "healthy": healthy(server),
            }
            if server.agent == "parley-chat":
                result["chat_works"] = chat_still_works(server, token)
            report["servers"][server.agent] = result
    finally:
        for server in servers:
            server.stop()
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    report["cpu_secs"] = round(children.ru_utime + children.ru_stime)
    return report
