"""Turning results into words: the console summary and docs/performance.md.

``write_doc(results, path)`` writes the whole ``docs/performance.md`` from one
run's results (the dict ``python -m bench`` saves as JSON): machine and
versions, the table of medians with the ratios Parley/tutorial and
Parley/plain, the issue's targets marked met or not met, where the CPU went,
and how to reproduce.
"""

import inspect
import os
import platform
import subprocess
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DOC = REPO / "docs" / "performance.md"
PACKAGES = (
    "parley",
    "Django",
    "channels",
    "channels-redis",
    "redis",
    "uvicorn",
    "websockets",
    "uvloop",
    "orjson",
)
# A process using this share of one core (percent) is taken as CPU-bound.
CPU_BOUND_PCT = 85.0
# The whole machine this busy (percent of all cores) leaves nothing spare.
SATURATED_PCT = 95.0
# Other processes using more than this share of one core (percent) during a
# measurement disturb it: the doc flags such runs.
BUSY_MACHINE_PCT = 25.0


def _run(command: list[str]) -> str:
    try:
        return subprocess.run(
            command, capture_output=True, text=True, timeout=10, cwd=REPO
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def machine_and_versions() -> dict:
    """What the numbers were measured on: machine, versions, date, commit."""
    import uvicorn

    versions = {}
    for package in PACKAGES:
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = None
    versions["python"] = platform.python_version()
    redis_line = _run(["redis-server", "--version"])
    versions["redis-server"] = next(
        (w.split("=", 1)[1] for w in redis_line.split() if w.startswith("v=")), None
    )
    deflate_default = (
        inspect.signature(uvicorn.Config).parameters["ws_per_message_deflate"].default
    )
    memory_kb = 0
    try:
        with open("/proc/meminfo") as meminfo:
            memory_kb = int(meminfo.readline().split()[1])
    except OSError:
        pass
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpu": _cpu_model(),
            "cores": os.cpu_count(),
            "memory_gib": round(memory_kb / 2**20, 1),
            "kernel": platform.release(),
        },
        "versions": versions,
        "commit": _run(["git", "rev-parse", "--short", "HEAD"]),
        # The servers run the working tree: say if it differs from the commit.
        "src_modified": bool(_run(["git", "status", "--porcelain", "--", "src"])),
        "uvicorn_ws_per_message_deflate_default": deflate_default,
    }


def _median(outcome: dict, target: str, key: str):
    return (outcome.get(target) or {}).get("median", {}).get(key)


def summary(name: str, outcome: dict) -> str:
    """A few console lines: each target's medians for scenario ``name``."""
    if "error" in outcome:
        return f"   error: {outcome['error']}"
    lines = []
    for target, result in outcome.items():
        medians = ", ".join(
            f"{key}={value}" for key, value in result.get("median", {}).items()
        )
        lines.append(f"   {target:9} {medians}")
    return "\n".join(lines)


# (scenario, metric key, label, unit, better) for the main table.
ROWS = [
    ("fanout", "deliveries_per_s", "Fan-out, 1 room of 100", "deliveries/s", "higher"),
    (
        "rooms",
        "latency_p50_ms",
        "50 rooms x 10, 10 msg/s each, Redis",
        "p50 ms",
        "lower",
    ),
    ("rooms", "latency_p99_ms", "", "p99 ms", "lower"),
    ("rooms", "loss_pct", "", "loss %", "lower"),
    ("room500", "latency_p50_ms", "1 room of 500, 20 msg/s", "p50 ms", "lower"),
    ("room500", "latency_p99_ms", "", "p99 ms", "lower"),
    ("room500", "loss_pct", "", "loss %", "lower"),
    ("idle", "kb_per_connection", "Idle sockets (2,000)", "KB per socket", "lower"),
    (
        "connect",
        "connects_per_s",
        "Connect (+ sign-in for Parley)",
        "sockets/s",
        "higher",
    ),
    ("connect", "open_p99_ms", "", "p99 ms per socket", "lower"),
    (
        "history",
        "history.p50_ms",
        "History, latest 50 of 1,000,000, under load",
        "p50 ms",
        "lower",
    ),
    ("history", "history.p99_ms", "", "p99 ms", "lower"),
    (
        "search",
        "p50_ms",
        "Search in 1,000,000 messages, 6 queries",
        "p50 ms",
        "lower",
    ),
    ("search", "p99_ms", "", "p99 ms", "lower"),
    (
        "search",
        "queries.every_message.p50_ms",
        "",
        "p50 ms, a word in every message",
        "lower",
    ),
]


def _fmt(value) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        if abs(value) >= 100:
            return f"{value:,.0f}"
        if abs(value) >= 10:
            return f"{value:.1f}"
        return f"{value:.2f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def _ratio(a, b) -> str:
    if a is None or b is None or b == 0:
        return "-"
    ratio = a / b
    # Two significant digits below 0.1 (0.0037x), _fmt's precision above.
    return f"{ratio:.2g}x" if ratio < 0.1 else f"{_fmt(ratio)}x"


def _targets(scenarios: dict) -> list[tuple[str, str, str]]:
    """The issue's targets: (target, measured, verdict) rows."""

    def med(scenario, target, key):
        return _median(scenarios.get(scenario, {}).get("targets", {}), target, key)

    def verdict(value, ok) -> str:
        return "-" if value is None else ("met" if ok(value) else "**not met**")

    fan_parley = med("fanout", "parley", "deliveries_per_s")
    fan_tutorial = med("fanout", "tutorial", "deliveries_per_s")
    fan_plain = med("fanout", "plain", "deliveries_per_s")
    vs_tutorial = fan_parley / fan_tutorial if fan_parley and fan_tutorial else None
    vs_plain = fan_parley / fan_plain if fan_parley and fan_plain else None
    p99_500 = med("room500", "parley", "latency_p99_ms")
    loss = med("rooms", "parley", "loss_pct")
    idle = med("idle", "parley", "kb_per_connection")
    floor = med("heap", "accept-only", "total")
    floor_note = (
        f" (Python heap: Parley {_fmt(med('heap', 'parley', 'total') / 1024)} KB,"
        f" Uvicorn with an accept-only app {_fmt(floor / 1024)} KB)"
        if floor
        else ""
    )
    history = med("history", "parley", "history.p99_ms")
    search = med("search", "parley", "p50_ms")
    return [
        (
            "Fan-out in one room: ≥ 5x the tutorial's deliveries/s",
            _fmt(vs_tutorial) + "x" if vs_tutorial else "-",
            verdict(vs_tutorial, lambda v: v >= 5),
        ),
        (
            "Fan-out in one room: aim for ≥ 0.5x the plain server",
            _fmt(vs_plain) + "x" if vs_plain else "-",
            verdict(vs_plain, lambda v: v >= 0.5),
        ),
        (
            "1 room of 500 at 20 msg/s: p99 < 50 ms",
            f"{_fmt(p99_500)} ms",
            verdict(p99_500, lambda v: v < 50),
        ),
        (
            "50 rooms x 10 at 10 msg/s per room on Redis: zero loss",
            f"{_fmt(loss)} %",
            verdict(loss, lambda v: v == 0),
        ),
        (
            "Idle memory ≤ 20 KB per connection",
            f"{_fmt(idle)} KB{floor_note}",
            verdict(idle, lambda v: v <= 20),
        ),
        (
            "History: latest 50 of 1,000,000 under load, p99 < 15 ms",
            f"{_fmt(history)} ms",
            verdict(history, lambda v: v < 15),
        ),
        (
            "Search in a 1,000,000-message room: p50 < 100 ms (issue 13)",
            f"{_fmt(search)} ms",
            verdict(search, lambda v: v < 100),
        ),
    ]


def _heap_section(scenarios: dict) -> list[str]:
    """The idle socket's Python heap by package (the ``heap`` scenario)."""
    outcome = scenarios.get("heap", {}).get("targets") or {}
    parley = _median(outcome, "parley", "total")
    if parley is None:
        return []
    names = sorted(
        outcome["parley"]["median"], key=lambda name: (name == "total", name)
    )
    rows = [
        f"| {name} | {_fmt(_median(outcome, 'parley', name) / 1024)} | "
        f"{_fmt((_median(outcome, 'accept-only', name) or 0) / 1024)} |"
        for name in names
    ]
    return [
        "## Idle memory: whose it is",
        "",
        "The idle row reads the server's RSS. `python -m bench.heap` says whose "
        "it is: the Python heap that idle sockets add (tracemalloc), by the "
        "package of the code that allocated it, for Parley (signed in by "
        "token, subscribed to a room) and for an ASGI app that only accepts "
        "sockets, under the same Uvicorn with the same options. The second "
        "column is what Uvicorn and its `websockets` protocol keep per socket "
        "before any application code runs.",
        "",
        "| package | Parley, KB per socket | accept-only app, KB per socket |",
        "| --- | ---: | ---: |",
        *rows,
        "",
    ]


def _cpu_rows(scenarios: dict) -> list[str]:
    rows = []
    for name, scenario in scenarios.items():
        for target, result in (scenario.get("targets") or {}).items():
            if not isinstance(result, dict):
                continue
            for index, run in enumerate(result.get("runs", [])):
                cpu = run.get("cpu")
                if not cpu:
                    continue
                processes = cpu["processes"]
                server = processes.get("server", 0.0)
                generators = {k: v for k, v in processes.items() if k != "server"}
                notes = []
                if server >= CPU_BOUND_PCT:
                    notes.append("server CPU-bound")
                if any(v >= CPU_BOUND_PCT for v in generators.values()):
                    notes.append("**generator CPU-bound**")
                if cpu["machine_busy_pct"] >= SATURATED_PCT:
                    notes.append("all cores busy")
                if cpu.get("others_pct", 0) > BUSY_MACHINE_PCT:
                    notes.append("**machine busy with other work**")
                rows.append(
                    f"| {name} | {target} | {index + 1} | {_fmt(server)} | "
                    f"{' + '.join(_fmt(v) for v in generators.values())} | "
                    f"{_fmt(cpu.get('interrupts_pct'))} | "
                    f"{_fmt(cpu.get('others_pct'))} | "
                    f"{_fmt(cpu['machine_busy_pct'])} | "
                    f"{', '.join(notes) or 'not CPU-bound'} |"
                )
    return rows


def _disturbed(scenarios: dict) -> tuple[int, int]:
    """(runs measured beside other work, runs with a CPU reading)."""
    disturbed = total = 0
    for scenario in scenarios.values():
        for result in (scenario.get("targets") or {}).values():
            for run in result.get("runs", []) if isinstance(result, dict) else []:
                if cpu := run.get("cpu"):
                    total += 1
                    disturbed += cpu.get("others_pct", 0) > BUSY_MACHINE_PCT
    return disturbed, total


def _disturbed_warning(scenarios: dict) -> list[str]:
    disturbed, total = _disturbed(scenarios)
    if not disturbed:
        return []
    return [
        "",
        f"> **{disturbed} of {total} runs were measured while other processes "
        f"used more than {BUSY_MACHINE_PCT:.0f} % of a core** (the machine was "
        'shared; see "Where the CPU went"). Their servers got less than the '
        "CPU they would have had: re-run `make bench` on a quiet machine before "
        "drawing conclusions from them.",
    ]


def render(results: dict, results_path: Path) -> str:
    """The text of docs/performance.md for ``results``."""
    meta = results["meta"]
    scenarios = results["scenarios"]
    machine = meta["machine"]
    versions = meta["versions"]
    lines = [
        "# Performance",
        "",
        "<!-- Written by `make bench` (bench/report.py) from "
        f"bench/results/{results_path.name}; edit bench/report.py, not this. -->",
        "",
        "Parley, with persistence and sign-in on, against the Channels tutorial's "
        "chat and a plain `websockets` broadcast server, measured in one run by "
        "`make bench` on the same machine, the same ASGI server and the same "
        "channel layer.",
        "",
        f"- **Date:** {meta['date']}, Parley commit `{meta['commit']}`"
        + (" with uncommitted changes in src/" if meta.get("src_modified") else "")
        + ", "
        f"{results['total_secs']:.0f} s for the whole run.",
        f"- **Machine:** {machine['cpu']}, {machine['cores']} cores, "
        f"{machine['memory_gib']} GiB, Linux {machine['kernel']}.",
        "- **Versions:** "
        + ", ".join(f"{name} {value}" for name, value in versions.items() if value)
        + ".",
        *_disturbed_warning(scenarios),
        "",
        "## Results",
        "",
        "Medians over the runs of each scenario (runs per scenario in the raw "
        "results). A ratio is Parley's number divided by the other's; whether "
        "more is better is in the last column.",
        "",
        "| scenario | metric | Parley | tutorial | plain | Parley/tutorial "
        "| Parley/plain | better |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for scenario, key, label, unit, better in ROWS:
        outcome = scenarios.get(scenario, {}).get("targets") or {}
        values = [_median(outcome, t, key) for t in ("parley", "tutorial", "plain")]
        lines.append(
            f"| {label} | {unit} | {' | '.join(_fmt(v) for v in values)} | "
            f"{_ratio(values[0], values[1])} | {_ratio(values[0], values[2])} "
            f"| {better} |"
        )
    history = _median(
        scenarios.get("history", {}).get("targets") or {}, "parley", "latency_p99_ms"
    )
    lines += [
        "",
        "The tutorial and the plain server keep no history, so the history row "
        "has Parley alone; the load under it is the 50 rooms x 10 traffic on "
        f"Redis (its own p99 during that run: {_fmt(history)} ms).",
        "",
        "## Targets (issue 5)",
        "",
        "| target | measured | verdict |",
        "| --- | --- | --- |",
    ]
    lines += [f"| {t} | {m} | {v} |" for t, m, v in _targets(scenarios)]
    deflate = meta.get("uvicorn_ws_per_message_deflate_default")
    lines += [
        "",
        *_heap_section(scenarios),
        "## Where the CPU went",
        "",
        "Per run, over the measured window: the server process and each load "
        "generator process in percent of one core (100 = a core fully busy; "
        f"≥ {CPU_BOUND_PCT:.0f} counts as CPU-bound), the kernel's interrupt "
        "work that no process is charged for (mostly loopback networking), "
        "what other processes on the machine used meanwhile (same unit), and "
        "how busy the whole machine "
        f"was (percent of all {machine['cores']} cores). A run with other work "
        f"above {BUSY_MACHINE_PCT:.0f} % of a core measured a shared machine: "
        "re-run on a quiet one before trusting it.",
        "",
        "| scenario | target | run | server % | generators % | interrupts % "
        "| others % | machine % | bound |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
        *_cpu_rows(scenarios),
        "",
        "## How it is measured",
        "",
        "- **Servers.** Each is one process on 127.0.0.1 with a fresh state per "
        "scenario. Parley is started as its users start it, `parley serve` "
        "(Uvicorn), on a new SQLite data folder with 2,000 users, each signing "
        "in with an API token (`Authorization: Bearer`) on `/ws/`, subscribing "
        "with `subscribe` and sending with `send` (stored, acknowledged, then "
        "broadcast). The tutorial chat (`bench/tutorial/`) is the Channels "
        "tutorial's `ChatConsumer` (one `group_send` per message, groups "
        "`chat_<room>`, no sign-in, nothing stored) under the `uvicorn` command "
        "with the tutorial's layer settings (Channels' default capacity). The "
        "plain server (`bench/plain.py`) relays each message to its room with "
        "`websockets.broadcast`, with no channel layer at all: the ceiling.",
        "- **Same server, same layer.** Parley and the tutorial run under the "
        f"same Uvicorn {versions.get('uvicorn')} on uvloop, on the same layer "
        "per scenario: the in-memory layer, except the 50 rooms scenario and "
        "the history scenario, which run on channels_redis against a throwaway "
        "`redis-server` (no persistence) started for the run.",
        "- **Compression off for all three.** Uvicorn compresses WebSocket "
        "frames by default (`ws_per_message_deflate` defaults to "
        f"`{deflate}` in this Uvicorn); `parley serve` turns it off, the "
        "tutorial is run with `--ws-per-message-deflate false` and the plain "
        "server with `compression=None`. The generator offers no extension "
        "either, so nothing is compressed.",
        "- **Load generator.** Separate processes (`bench/load.py`, 2 by "
        "default) on uvloop with a minimal RFC 6455 client (`bench/wsclient.py`) "
        "that hands frames over as bytes without decoding them: it costs a few "
        "microseconds per received frame where the `websockets` client costs "
        "tens. Every message's text carries its send time and sender; latency "
        "is the time from the send to each receiver's delivery (one machine, "
        "one clock), including the sender's own copy.",
        "- **Scenarios.** *Fan-out*: 100 sockets in one room, 10 of them "
        "sending, each keeping 5 of its messages in flight (a slot frees when "
        "its own copy comes back); deliveries counted over 4 s after 1 s of "
        "warm-up. *50 rooms x 10* and *one room of 500*: 10 (resp. 20) "
        "senders per room at 1 message/s each, evenly spread, for 8 s "
        "(latency over every delivery); loss = the share of deliveries "
        "expected (messages sent x sockets in the room) that had not arrived "
        "when the drain ended (1 s without any delivery, at most 5 s after the "
        "last send). "
        "*Idle*: 2,000 sockets in 100 rooms of 20 (Parley: signed in and "
        "subscribed); the server's RSS growth divided by the sockets, after "
        "20 sockets opened and closed first. *Connect*: up to 1,000 sockets "
        "started within 5 s, 50 at a time: handshake, plus for Parley sign-in "
        "by token and "
        "`subscribe` → `subscribed`. *History*: `GET /api/rooms/history/"
        "messages?limit=50` 20 times a second, one at a time, in a room of "
        "1,000,000 messages bulk-inserted with SQL, while the 50 rooms x 10 "
        "traffic runs on the same server. *Search*: `GET /api/search?q=...` "
        "in a room of 1,000,000 messages bulk-inserted with SQL (and indexed "
        "by the FTS5 triggers as they go in), SQLite, no other load: each of "
        "six queries (words in 10,000, 1,000 and 100 messages, two words, a "
        "phrase, a word with `from:` and `in:`) 40 times in a row, one at a "
        "time; p50 and p99 over all of them. A word in every message is "
        "timed apart (the newest `PARLEY_SEARCH_RANK_WINDOW` matches are "
        "ranked).",
        "",
        "## Reproduce",
        "",
        "```sh",
        "make bench                          # everything (about 5 minutes); "
        "rewrites this file",
        ".venv/bin/python -m bench fanout    # one scenario, all three servers",
        ".venv/bin/python -m bench room500 --quick --targets parley,tutorial",
        'make bench BENCH_ARGS="fanout --quick"   # the same through make',
        ".venv/bin/python -m bench idle --workdir /tmp/b   # keep servers' logs",
        ".venv/bin/python -m bench --help",
        "```",
        "",
        "It needs `redis-server` (Debian's package) and a quiet machine: other "
        'work on the same cores shows up in the "others %" column above. Raw '
        f"results of every run are kept in `bench/results/` "
        f"(this page: `{results_path.name}`).",
        "",
    ]
    return "\n".join(lines)


def write_doc(results: dict, results_path: Path) -> Path:
    """Write docs/performance.md for ``results``; return its path."""
    DOC.write_text(render(results, results_path))
    return DOC
