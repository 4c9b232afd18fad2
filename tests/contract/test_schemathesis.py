"""schemathesis against the OpenAPI schema of a live server.

Its ``run`` command reads ``/api/openapi.json`` and sends generated requests
to every operation, valid and invalid ones, one at a time and in sequences
that follow the schema's links (create a room, post in it, edit the
message ...), and applies all its checks to each answer: no 5xx, status
codes, content types and bodies as documented, invalid requests refused,
valid ones accepted, deleted things gone, authentication not ignored. It
runs twice: signed in with an API token, and with a session cookie and its
CSRF token, as the pages call the API (``tests/support/schemathesis_hooks.py``).
Both passes add a check of Parley's (``tests/support/schemathesis_hooks.py``):
every answer, of every status and to methods the schema does not list, is
JSON with the documented error shape. The server's log must hold no failure
afterwards. ``test_undocumented_paths_and_methods_answer_json`` covers what
schemathesis cannot generate: paths under ``/api/`` the schema lacks, a
body too large, a body that is not JSON.
"""

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.hostile import assert_no_failures
from tests.support.servers import ParleyServer, User, create_token, unique

ROOT = Path(__file__).resolve().parents[2]
# Test cases per operation and phase (examples, coverage, fuzzing,
# stateful); with it a pass takes about 15 s.
MAX_EXAMPLES = 25
# A bound on one pass, in seconds; reached only if the server hangs.
RUN_TIMEOUT_SECS = 300
# positive_data_acceptance expects a schema-valid request to succeed. Parley
# refuses a well-formed one that breaks a rule of the domain with 400 (a
# blank message, inviting into a public room, a direct room with oneself)
# and one the caller may not make with 401, 403, 404 or 409; only 422 (and
# 5xx) would be wrong. Query parameters and body fields that an operation
# does not know are ignored, as clients ignore fields they do not know
# (docs/protocol.md): an extra one is no invalid request.
CONFIG = """
[generation]
allow-extra-parameters = false

[checks.positive_data_acceptance]
expected-statuses = ["2xx", "400", "401", "403", "404", "409"]
"""


@pytest.fixture(scope="module")
def target(tmp_path_factory: pytest.TempPathFactory):
    """A server with two users, a room with a message, and a notification
    for the first (so that the calls find something)."""
    server = ParleyServer(tmp_path_factory.mktemp("schemathesis")).start()
    try:
        alice, bob = (User.sign_up(server, unique(name)) for name in ("ann", "bob"))
        with bob.http() as http:
            room = http.post("/api/rooms", json={"title": unique("Schema")})
            path = f"/api/rooms/{room.json()['slug']}/messages"
            http.post(path, json={"text": f"@{alice.username} hi"})
        yield {
            "server": server,
            "alice": alice,
            "token": create_token(server, alice.username),
        }
    finally:
        server.stop()
    assert_no_failures(server)


def run_schemathesis(
    target: dict, workdir: Path, auth: str, env: dict[str, str] | None = None
) -> dict[str, Any]:
    """``st run`` with all checks, signed in as ``auth`` says.

    Args:
        auth: TOML for the config file: the ``[auth.openapi.<scheme>]``
            table, and ``hooks`` (before ``CONFIG``'s tables) if any.
        env: extra environment for ``st run`` (and so for its hooks).

    Returns:
        Its JSON report (``operations``, ``test_cases``, ``failures`` ...).
    """
    server: ParleyServer = target["server"]
    config = workdir / "schemathesis.toml"
    config.write_text(auth + CONFIG)
    report = workdir / "report.json"
    command = [
        sys.executable,
        "-m",
        "schemathesis.cli",
        "--config-file",
        str(config),
        "run",
        f"{server.base_url}/api/openapi.json",
        "--checks",
        "all",
        "--max-examples",
        str(MAX_EXAMPLES),
        "--workers",
        "1",
        "--generation-database",
        "none",
        "--report",
        "json",
        "--report-json-path",
        str(report),
        "--no-color",
    ]
    # The hooks module is tests/support/schemathesis_hooks.py: the repository's
    # root goes on the path of the `st` process.
    path = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    ran = subprocess.run(
        command,
        cwd=workdir,
        env={**os.environ, "PYTHONPATH": path, **(env or {})},
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT_SECS,
    )
    assert ran.returncode == 0, ran.stdout[-8000:] + ran.stderr[-2000:]
    result = json.loads(report.read_text())
    print(
        f"\nschemathesis: {result['operations']['tested']} operations, "
        f"{result['test_cases']['generated']} cases, "
        f"{result['test_cases']['with_failures']} failing, seed {result['seed']}"
    )
    return result


def assert_clean(result: dict[str, Any], target: dict) -> None:
    assert result["operations"]["tested"] == result["operations"]["total"]
    assert result["failures"] == [] and result["errors"] == []
    assert result["test_cases"]["generated"] > 0
    assert_no_failures(target["server"])


# The pass has its own bound (RUN_TIMEOUT_SECS), longer than pytest's.
@pytest.mark.timeout(RUN_TIMEOUT_SECS + 30)
def test_no_failure_signed_in_with_a_token(target: dict, tmp_path: Path):
    auth = (
        'hooks = "tests.support.schemathesis_hooks"\n'
        f'[auth.openapi.TokenAuth]\nbearer = "{target["token"]}"\n'
    )
    assert_clean(run_schemathesis(target, tmp_path, auth), target)


# The pass has its own bound (RUN_TIMEOUT_SECS), longer than pytest's.
@pytest.mark.timeout(RUN_TIMEOUT_SECS + 30)
def test_no_failure_signed_in_with_a_session(target: dict, tmp_path: Path):
    """State-changing calls carry the CSRF token, as a page sends them."""
    alice: User = target["alice"]
    auth = (
        'hooks = "tests.support.schemathesis_hooks"\n'
        f'[auth.openapi.SessionAuth]\napi_key = "{alice.cookies["sessionid"]}"\n'
    )
    csrf = {"PARLEY_TEST_CSRF_TOKEN": alice.cookies["csrftoken"]}
    assert_clean(run_schemathesis(target, tmp_path, auth, csrf), target)


# (method, path, content type, body) no operation of the schema documents.
UNDOCUMENTED = [
    ("GET", "/api/nope", None, None, 404, "not_found"),
    ("GET", "/api/rooms/lobby/", None, None, 404, "not_found"),
    ("GET", "/api/", None, None, 404, "not_found"),
    ("DELETE", "/api/no/such/path", None, None, 404, "not_found"),
    ("PUT", "/api/rooms", "application/json", b"{}", 405, "method_not_allowed"),
    ("DELETE", "/api/rooms", None, None, 405, "method_not_allowed"),
    ("PATCH", "/api/notifications", None, None, 405, "method_not_allowed"),
    ("POST", "/api/rooms", "text/plain", b"title=x", 415, "unsupported_media_type"),
    ("POST", "/api/rooms", "application/xml", b"<a/>", 415, "unsupported_media_type"),
]


@pytest.mark.parametrize(
    ("method", "path", "content_type", "body", "status", "code"),
    UNDOCUMENTED,
    ids=[f"{row[0]} {row[1]} {row[2]}" for row in UNDOCUMENTED],
)
def test_undocumented_paths_and_methods_answer_json(
    target: dict, method, path, content_type, body, status, code
):
    """Django's and ninja's own answers (HTML 404, a plain 405) are JSON
    with the error shape; a 405 keeps its ``Allow`` header."""
    headers = {"Authorization": f"Bearer {target['token']}"}
    if content_type:
        headers["Content-Type"] = content_type
    server: ParleyServer = target["server"]
    response = httpx.request(
        method, server.base_url + path, headers=headers, content=body, timeout=30
    )
    assert response.headers["content-type"].startswith("application/json")
    assert (response.status_code, response.json()["code"]) == (status, code)
    assert response.json()["message"]
    if status == 405:
        assert "GET" in response.headers["Allow"]


def test_a_body_over_the_limit_is_a_json_413_without_a_traceback(target: dict):
    """A body over Django's ``DATA_UPLOAD_MAX_MEMORY_SIZE`` (2.5 MB): 413,
    JSON, and no traceback logged (``target`` checks the log at the end)."""
    server: ParleyServer = target["server"]
    for _ in range(3):
        response = httpx.post(
            server.base_url + "/api/rooms",
            headers={
                "Authorization": f"Bearer {target['token']}",
                "Content-Type": "application/json",
            },
            content=b'{"title": "' + b"x" * 3_000_000 + b'"}',
            timeout=30,
        )
        assert response.status_code == 413
        assert response.json()["code"] == "request_too_large"
