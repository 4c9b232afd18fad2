"""Summarise a ``compliance.run`` into ``docs/compliance/autobahn.md``.

Reads Autobahn's ``reports/index.json`` and its per-case reports, the run's
``run.json`` and the servers' logs, and writes one Markdown page: for the echo
socket, each case group's verdicts with what explains them; for the chat
socket, how each group's connections ended and whether the server came
through. ``problems()`` names whatever the explanations here do not cover,
so that ``make compliance`` fails on a new failure instead of hiding it.
"""

import json
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

# Autobahn's verdicts, in the order its own report shows them.
VERDICTS = ("OK", "NON-STRICT", "INFORMATIONAL", "UNIMPLEMENTED", "FAILED")
GROUPS = {
    1: "Framing",
    2: "Pings/Pongs",
    3: "Reserved bits",
    4: "Opcodes",
    5: "Fragmentation",
    6: "UTF-8 handling",
    7: "Close handling",
    9: "Limits/performance",
    10: "Miscellaneous",
    12: "Compression (payloads)",
    13: "Compression (parameters)",
}
# Why a group has verdicts other than OK, when they are not failures.
GROUP_NOTES = {
    (3, "NON-STRICT"): "Uvicorn failed the connection (1002) on the bad frame "
    "before the valid message read with it reached the consumer, so that one "
    "was not echoed",
    (4, "NON-STRICT"): "as in 3",
    (5, "NON-STRICT"): "5.15: as in 3",
    (6, "NON-STRICT"): "6.4.*: invalid UTF-8 is found when the message ends, "
    "not in the fragment that holds it (the whole message is decoded at "
    "once), and closed with 1007",
    (7, "INFORMATIONAL"): "7.1.6: the close came before the 256 KiB echo; "
    "7.13.*: close codes 5000 and 65535 are answered with 1002 (the RFC "
    "leaves it open)",
    (12, "UNIMPLEMENTED"): "permessage-deflate is off (`parley serve`): the "
    "server declines the extension, and the socket works uncompressed",
    (13, "UNIMPLEMENTED"): "as in 12",
}
# A failed case whose cause lies in the server, not in Parley, by case id.
KNOWN_FAILURES = {
    "7.1.5": "a close frame in the middle of a fragmented message is answered "
    "with 1002 (`incomplete fragmented message`): the websockets library "
    "refuses it on purpose, Autobahn expects 1000",
}
# Lines Uvicorn logs on its own for a client's invalid UTF-8: ERROR with a
# traceback, once per such message (its `websockets-sansio` protocol).
UVICORN_UTF8 = "Invalid UTF-8 sequence received from client."
LOG_RECORD = re.compile(
    r"^(?:(?P<uvicorn>DEBUG|INFO|WARNING|ERROR|CRITICAL):"
    r"|\d{4}-\d\d-\d\d [\d:,]+ (?P<django>DEBUG|INFO|WARNING|ERROR|CRITICAL) )"
)
PROBLEM_LEVELS = {"WARNING", "ERROR", "CRITICAL"}
ORPHAN_TRACEBACK = "a traceback outside any log record"


@dataclass(frozen=True)
class Case:
    """One case's outcome for one server (from Autobahn's per-case report)."""

    id: str
    description: str
    behavior: str
    close_code: int | None
    close_reason: str | None
    clean: bool
    dropped_by_server: bool
    closed_by_client: bool

    @property
    def group(self) -> int:
        return int(self.id.split(".")[0])

    @property
    def sort_key(self) -> tuple[int, ...]:
        return tuple(int(part) for part in self.id.split("."))


def load_cases(reports: Path) -> dict[str, list[Case]]:
    """Every case of every agent, in case order: ``{agent: [Case, ...]}``."""
    index = json.loads((reports / "index.json").read_text())
    agents = {}
    for agent, entries in index.items():
        cases = []
        for entry in entries.values():
            report = json.loads((reports / entry["reportfile"]).read_text())
            cases.append(
                Case(
                    id=report["id"],
                    description=re.sub(r"<[^>]+>", "", report["description"]),
                    behavior=report["behavior"],
                    close_code=report["remoteCloseCode"],
                    close_reason=report["remoteCloseReason"],
                    clean=report["wasClean"],
                    dropped_by_server=not report["wasClean"]
                    and not report["droppedByMe"],
                    closed_by_client=report["closedByMe"],
                )
            )
        agents[agent] = sorted(cases, key=lambda case: case.sort_key)
    return agents


def explain_failure(case: Case, max_frame_bytes: int) -> str | None:
    """Why an echo case failed, or None when nothing here explains it."""
    if case.id in KNOWN_FAILURES:
        return KNOWN_FAILURES[case.id]
    if case.close_code == 1009 and over_cap(case, max_frame_bytes):
        return (
            f"the message is over the {max_frame_bytes}-byte frame cap "
            "(`PARLEY_WS_MAX_FRAME_BYTES`): closed with 1009, by design"
        )
    if reset_over_cap(case, max_frame_bytes):
        return (
            f"the message is over the {max_frame_bytes}-byte cap; Uvicorn sent "
            "1009 and closed TCP at once while the client was still sending, so "
            "the kernel reset the connection and the client saw the reset, not "
            "the close frame (failing a connection, RFC 6455 7.1.7, need not "
            "wait for the client)"
        )
    return None


def over_cap(case: Case, max_frame_bytes: int) -> bool:
    """Whether the case sends a message over the cap: Autobahn's 9.* name
    their size in the description ("payload of length 4 * 2**20")."""
    size = re.search(r"payload of length (\d+) \* 2\*\*(\d+)", case.description)
    return size is not None and int(size[1]) * 2 ** int(size[2]) > max_frame_bytes


def reset_over_cap(case: Case, max_frame_bytes: int) -> bool:
    """A case over the cap whose server closed TCP without a handshake."""
    return case.dropped_by_server and over_cap(case, max_frame_bytes)


def log_findings(log: Path) -> tuple[int, Counter]:
    """What a server log reports beyond routine.

    Returns:
        ``(count, others)``: how many times Uvicorn logged a client's invalid
        UTF-8 (``UVICORN_UTF8``), and every other record at WARNING or above
        by its first line, with a traceback that follows no such record
        (a crash printed on its own) counted as ``ORPHAN_TRACEBACK``.
    """
    utf8 = 0
    others: Counter = Counter()
    level = None
    for line in log.read_text(errors="replace").splitlines():
        if match := LOG_RECORD.match(line):
            level = match["uvicorn"] or match["django"]
            if level in PROBLEM_LEVELS and UVICORN_UTF8 in line:
                utf8 += 1
            elif level in PROBLEM_LEVELS:
                others[line] += 1
        elif line.startswith("Traceback") and level not in PROBLEM_LEVELS:
            others[ORPHAN_TRACEBACK] += 1
    return utf8, others


def problems(run: dict, cases: dict[str, list[Case]], out: Path) -> list[str]:
    """What the summary cannot explain: unexplained echo failures, a server
    that died or stopped serving, and unexpected log records."""
    found = []
    cap = run["max_frame_bytes"]
    for case in cases["parley-echo"]:
        if case.behavior == "FAILED" and explain_failure(case, cap) is None:
            found.append(f"echo case {case.id} failed: {case.description}")
    for case in cases["parley-chat"]:
        if not case.clean and not reset_over_cap(case, cap):
            found.append(f"chat case {case.id} ended without a close handshake")
    for agent, server in run["servers"].items():
        checks = {key: value for key, value in server.items() if key != "url"}
        found += [f"{agent}: not {key}" for key, value in checks.items() if not value]
        _, others = log_findings(out / f"{agent}.log")
        found += [f"{agent} logged {count}x: {line}" for line, count in others.items()]
    return found


def verdict_row(group: int, cases: list[Case], notes: list[str]) -> str:
    counts = Counter(case.behavior for case in cases)
    cells = [str(counts.get(verdict, 0) or "") for verdict in VERDICTS]
    return (
        f"| {group} {GROUPS.get(group, '')} | {len(cases)} | "
        + " | ".join(cells)
        + f" | {'; '.join(notes)} |"
    )


def echo_section(cases: list[Case], cap: int) -> list[str]:
    """The echo socket's table by group, then why each failure failed."""
    lines = [
        "| group | cases | " + " | ".join(VERDICTS) + " | notes |",
        "| --- | ---: | " + " | ".join("---:" for _ in VERDICTS) + " | --- |",
    ]
    failures: dict[str, list[str]] = {}
    for group in sorted({case.group for case in cases}):
        in_group = [case for case in cases if case.group == group]
        present = {case.behavior for case in in_group}
        notes = [
            f"{verdict}: {GROUP_NOTES[group, verdict]}"
            for verdict in VERDICTS
            if verdict in present and (group, verdict) in GROUP_NOTES
        ]
        for case in in_group:
            if case.behavior == "FAILED":
                reason = explain_failure(case, cap) or "UNEXPLAINED"
                failures.setdefault(reason, []).append(case.id)
        if "FAILED" in present:
            notes.append("FAILED: see below")
        lines.append(verdict_row(group, in_group, notes))
    if failures:
        lines += ["", "Why the failed cases failed:", ""]
        lines += [
            f"- {compact(ids, [case.id for case in cases])}: {reason}."
            for reason, ids in failures.items()
        ]
    return lines


def compact(ids: list[str], all_ids: list[str]) -> str:
    """``ids`` as a list, with ``9.3.*`` for every case of a subgroup."""
    parts: list[str] = []
    for prefix in dict.fromkeys(case_id.rpartition(".")[0] for case_id in ids):
        siblings = [i for i in all_ids if i.rpartition(".")[0] == prefix]
        chosen = [i for i in ids if i.rpartition(".")[0] == prefix]
        whole = prefix and len(siblings) > 1 and chosen == siblings
        parts += [f"{prefix}.*"] if whole else chosen
    return ", ".join(parts)


def chat_section(cases: list[Case]) -> list[str]:
    """The chat socket's table by group: how its connections ended."""
    lines = [
        "| group | cases | close handshake | closed by the server (code: cases) "
        "| closed by Autobahn | Autobahn's verdicts |",
        "| --- | ---: | ---: | --- | ---: | --- |",
    ]
    for group in sorted({case.group for case in cases}):
        in_group = [case for case in cases if case.group == group]
        by_server = Counter(
            case.close_code or "reset" for case in in_group if not case.closed_by_client
        )
        verdicts = Counter(case.behavior for case in in_group)
        lines.append(
            f"| {group} {GROUPS.get(group, '')} | {len(in_group)} "
            f"| {sum(case.clean for case in in_group)} | "
            + ", ".join(
                f"{code}: {n}" for code, n in sorted(by_server.items(), key=str)
            )
            + f" | {sum(case.closed_by_client for case in in_group)} | "
            + ", ".join(f"{v} {verdicts[v]}" for v in VERDICTS if verdicts[v])
            + " |"
        )
    return lines


def render(run: dict, cases: dict[str, list[Case]], out: Path) -> str:
    """The Markdown page for ``docs/compliance/autobahn.md``."""
    versions = run["versions"]
    cap = run["max_frame_bytes"]
    echo, chat = cases["parley-echo"], cases["parley-chat"]
    after = run["servers"]["parley-chat"]
    resets = [case.id for case in chat if reset_over_cap(case, cap)]
    lines = [
        "# Autobahn|Testsuite against Parley's WebSocket stack",
        "",
        "Written by `make compliance` (`compliance/`); do not edit by hand.",
        "",
        f"Autobahn|Testsuite {versions['autobahntestsuite']} (autobahn "
        f"{versions['autobahn']}), fuzzing client, against `parley serve`: "
        f"Uvicorn {versions['uvicorn']} (its `websockets-sansio` protocol) on "
        f"websockets {versions['websockets']}, Channels {versions['channels']}, "
        f"per-message deflate off, frames up to {cap} bytes "
        "(`PARLEY_WS_MAX_FRAME_BYTES`). Two servers ran side by side; the "
        "client signed in to both with a bearer token. The cases took "
        f"{run['duration_secs']} s; all the run's processes used "
        f"{run['cpu_secs']} s of CPU, on two cores.",
        "",
        "## Protocol conformance: the echo socket",
        "",
        "`compliance.echo.EchoConsumer` at `/echo/`: one of Parley's "
        "`FrameConsumer` sockets (sign-in check, outbox and writer task, close "
        "handling) behind Parley's WebSocket stack (origin check, token "
        f"sign-in), sending every message back. {len(echo)} cases, 1.* to 13.*.",
        "",
        *echo_section(echo, cap),
        "",
        "## Robustness: Parley's chat socket",
        "",
        f"`/ws/`, Parley's own application unchanged: {len(chat)} cases, 1.* to "
        "10.* (12.* and 13.* would add nothing: deflate is declined as above). "
        "It answers a message that is no protocol frame with an `error` frame "
        "(`invalid_json` ...) where Autobahn waits for an echo, then closes "
        "the connection itself; so Autobahn's verdicts say little here. What "
        "counts is how each connection ended: "
        f"{sum(case.clean for case in chat)} of {len(chat)} with a close "
        "handshake"
        + (
            f"; {', '.join(resets)} by a reset after the server's 1009, as "
            "explained for the echo socket"
            if resets
            else ""
        )
        + ".",
        "",
        *chat_section(chat),
        "",
        f"After the run the chat server was {'up' if after['alive'] else 'DOWN'}, "
        f"`/healthz` answered {'200' if after['healthy'] else 'NOT 200'}, and a "
        "new client subscribed and had a message acknowledged: "
        f"{'yes' if after['chat_works'] else 'NO'}.",
        "",
        "## Server logs",
        "",
    ]
    for agent in run["servers"]:
        utf8, others = log_findings(out / f"{agent}.log")
        lines.append(
            f"- {agent}: {utf8} times Uvicorn's own `ERROR: {UVICORN_UTF8}` "
            "with a traceback, one per text message of invalid UTF-8 (Uvicorn "
            "logs a client's bad frame as an error of its own); "
            + (
                "nothing else at WARNING or above."
                if not others
                else "and: " + "; ".join(f"{n}x `{line}`" for line, n in others.items())
            )
        )
    return "\n".join(lines) + "\n"


def write(out: Path, summary: Path) -> list[str]:
    """Write the summary of the run in ``out``; return ``problems()``."""
    run = json.loads((out / "run.json").read_text())
    cases = load_cases(out / "reports")
    summary.parent.mkdir(parents=True, exist_ok=True)
    summary.write_text(render(run, cases, out))
    return problems(run, cases, out)
