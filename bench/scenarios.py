"""The scenarios: each runs against every target and returns its numbers.

A scenario function takes the ``Bench`` and the targets to run, and returns
``{target: {"runs": [run, ...], "median": {metric: value}}}``. Each target
gets a fresh server (``parley serve``, the tutorial under ``uvicorn``, or
``bench.plain``), used for the scenario's runs and then stopped. Sizes and
durations are the full ones; ``Bench.quick`` shrinks them.
"""

import http.client
import json
import sqlite3
import subprocess
import sys
import time
import urllib.parse
from datetime import UTC, datetime

from bench.runner import (
    Bench,
    create_rooms,
    median_of,
    ms,
    percentile,
    run_connects,
    run_idle,
    run_traffic,
)
from bench.servers import HOST


def _rooms(prefix: str, count: int, size: int) -> dict[str, int]:
    # Letters and digits only: a Parley slug and a tutorial \w+ room alike.
    return {f"{prefix}r{i}": size for i in range(count)}


def _per_target(bench: Bench, targets, layer: str, name: str, runs: int, once):
    """Start each target's server, call ``once(server, kind, run_index)``
    ``runs`` times, stop it; collect the runs."""
    results = {}
    for kind in targets:
        server = bench.server(kind, layer, name).start()
        try:
            results[kind] = {"runs": [once(server, kind, i) for i in range(runs)]}
        finally:
            server.stop()
    return results


def _medians(results: dict, keys: list[str]) -> dict:
    for outcome in results.values():
        outcome["median"] = {key: median_of(outcome["runs"], key) for key in keys}
    return results


# Messages each fan-out sender keeps in flight: 10 senders x 5 = 50 at once,
# enough to keep any of the three servers busy (10 or 20 measured no
# higher), and under the tutorial's channel capacity (100), so its numbers
# are not about dropped events.
FANOUT_WINDOW = 5


def fanout(bench: Bench, targets) -> dict:
    """One room of 100 clients; 10 of them send as fast as their messages
    come back (a window of 5 each in flight); deliveries/s over 5 s."""
    duration, runs = (3.0, 1) if bench.quick else (5.0, 3)

    def once(server, kind, index):
        prefix = bench.run_id()
        rooms = _rooms(prefix, 1, 100)
        create_rooms(server, kind, list(rooms), bench.token(0))
        return run_traffic(
            bench,
            server,
            kind,
            rooms,
            senders_per_room=10,
            send={"style": "window", "window": FANOUT_WINDOW},
            duration=duration,
            warmup=1.0,
            drain=0.0,
            track=False,
        )

    results = _per_target(bench, targets, "memory", "fanout", runs, once)
    return _medians(
        results,
        [
            "deliveries_per_s",
            "cpu.processes.server",
            "cpu.machine_busy_pct",
            "window_stalls",
        ],
    )


def _rate_scenario(bench, targets, layer, name, rooms_count, size, senders, runs):
    """``rooms_count`` rooms of ``size`` clients; ``senders`` per room send 1
    message/s each, spread evenly; latency and loss."""
    duration = 5.0 if bench.quick else 8.0

    def once(server, kind, index):
        prefix = bench.run_id()
        rooms = _rooms(prefix, rooms_count, size)
        create_rooms(server, kind, list(rooms), bench.token(0))
        return run_traffic(
            bench,
            server,
            kind,
            rooms,
            senders_per_room=senders,
            send={"style": "rate", "rate": 1.0},
            duration=duration,
            warmup=1.0,
            drain=5.0,
            track=True,
        )

    results = _per_target(bench, targets, layer, name, runs, once)
    return _medians(
        results,
        [
            "latency_p50_ms",
            "latency_p99_ms",
            "loss_pct",
            "deliveries_per_s",
            "cpu.processes.server",
            "cpu.machine_busy_pct",
        ],
    )


def rooms(bench: Bench, targets) -> dict:
    """50 rooms x 10 clients at 10 messages/s per room, on Redis."""
    return _rate_scenario(
        bench, targets, "redis", "rooms", 50, 10, 10, 1 if bench.quick else 2
    )


def room500(bench: Bench, targets) -> dict:
    """One room of 500 clients at 20 messages/s (in-memory layer)."""
    return _rate_scenario(
        bench, targets, "memory", "room500", 1, 500, 20, 1 if bench.quick else 2
    )


def idle(bench: Bench, targets) -> dict:
    """2,000 idle sockets in 100 rooms of 20; server RSS growth per socket."""
    count = 500 if bench.quick else 2000

    def once(server, kind, index):
        prefix = bench.run_id()
        rooms = _rooms(prefix, count // 20, 20)
        create_rooms(server, kind, list(rooms), bench.token(0))
        return run_idle(bench, server, kind, rooms)

    results = _per_target(bench, targets, "memory", "idle", 1, once)
    return _medians(results, ["kb_per_connection", "connections"])


def connect(bench: Bench, targets) -> dict:
    """Sockets opened as fast as the server takes them, 50 at a time:
    handshake (with token sign-in for Parley) and, for Parley, ``subscribed``.
    Up to 1,000 sockets, started within 5 s."""
    count, runs, max_secs = (300, 1, 3.0) if bench.quick else (1000, 3, 5.0)

    def once(server, kind, index):
        prefix = bench.run_id()
        room_names = list(_rooms(prefix, 10, 0))
        create_rooms(server, kind, room_names, bench.token(0))
        outcome = run_connects(bench, server, kind, room_names, count, max_secs)
        # Let the server finish closing the previous run's sockets.
        time.sleep(1.0)
        return outcome

    results = _per_target(bench, targets, "memory", "connect", runs, once)
    return _medians(
        results,
        ["connects_per_s", "open_p50_ms", "open_p99_ms", "cpu.processes.server"],
    )


HISTORY_MESSAGES = 1_000_000
HISTORY_ROOM = "history"


def fill_history(
    database,
    messages: int,
    slug: str = HISTORY_ROOM,
    text_sql: str = "'history message number ' || x",
) -> None:
    """Insert a public room ``slug`` with ``messages`` messages, fast.

    Raw SQL into Parley's SQLite file, with the server stopped: one
    recursive ``INSERT ... SELECT`` (seq 1..N, ``Room.last_seq`` = N, as
    Parley's allocator keeps it; message ``x``'s text is ``text_sql``, SQL
    over ``x``). A NOT NULL column this code does not know (a later
    migration's) gets a zero value of its type. The search index's triggers
    (migration 0010) index each row as it goes in.
    """
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    db = sqlite3.connect(database)
    try:
        db.execute("PRAGMA synchronous=OFF")
        author = db.execute(
            "SELECT id FROM auth_user WHERE username = 'bench0'"
        ).fetchone()[0]
        room_values = {
            "slug": slug,
            "title": slug.title(),
            "kind": "public",
            "created_at": now,
            "last_seq": messages,
        }
        _insert(db, "parley_room", room_values)
        room_id = db.execute(
            "SELECT id FROM parley_room WHERE slug = ?", (slug,)
        ).fetchone()[0]
        known = {
            "room_id": str(room_id),
            "author_id": str(author),
            "seq": "x",
            "text": text_sql,
            "client_id": "''",
            "created_at": f"'{now}'",
        }
        columns = dict(known)
        for column, sql_type, notnull, default in _columns(db, "parley_message"):
            if column not in columns and column != "id" and notnull and default is None:
                columns[column] = _zero_sql(sql_type)
        db.execute(
            f"""
            WITH RECURSIVE numbers(x) AS (
                SELECT 1 UNION ALL SELECT x + 1 FROM numbers WHERE x < {messages}
            )
            INSERT INTO parley_message ({", ".join(columns)})
            SELECT {", ".join(columns.values())} FROM numbers
            """
        )
        db.commit()
    finally:
        db.close()


def _columns(db, table):
    return [
        (row[1], row[2].upper(), row[3], row[4])
        for row in db.execute(f"PRAGMA table_info({table})")
    ]


def _zero_sql(sql_type: str) -> str:
    if any(word in sql_type for word in ("INT", "BOOL", "REAL", "DECIMAL")):
        return "0"
    return "''"


def _insert(db, table: str, values: dict) -> None:
    values = dict(values)
    for column, sql_type, notnull, default in _columns(db, table):
        if column not in values and column != "id" and notnull and default is None:
            values[column] = 0 if _zero_sql(sql_type) == "0" else ""
    marks = ", ".join("?" for _ in values)
    db.execute(
        f"INSERT INTO {table} ({', '.join(values)}) VALUES ({marks})",
        list(values.values()),
    )


def history(bench: Bench, targets) -> dict:
    """The latest 50 of a 1,000,000-message room over HTTP, 20 requests/s,
    while 50 rooms x 10 clients talk at 10 messages/s per room on Redis.
    Parley only: the other two keep no history."""
    if "parley" not in targets:
        return {}
    messages = 100_000 if bench.quick else HISTORY_MESSAGES
    duration = 5.0 if bench.quick else 12.0
    server = bench.server("parley", "redis", "history")
    started = time.monotonic()
    fill_history(server.database, messages)
    fill_secs = round(time.monotonic() - started, 1)
    server.start()
    try:
        prefix = bench.run_id()
        rooms = _rooms(prefix, 50, 10)
        create_rooms(server, "parley", list(rooms), bench.token(0))
        history_spec = {
            "mode": "history",
            "target": {"kind": "parley", "host": HOST, "port": server.port},
            "path": f"/api/rooms/{HISTORY_ROOM}/messages?limit=50",
            "token": bench.token(1),
            "rate": 20.0,
        }
        outcome = run_traffic(
            bench,
            server,
            "parley",
            rooms,
            senders_per_room=10,
            send={"style": "rate", "rate": 1.0},
            duration=duration,
            warmup=1.0,
            drain=5.0,
            track=True,
            extra_specs=[history_spec],
        )
    finally:
        server.stop()
    outcome.update({"room_messages": messages, "fill_secs": fill_secs})
    results = {"parley": {"runs": [outcome]}}
    return _medians(
        results,
        [
            "history.p50_ms",
            "history.p99_ms",
            "latency_p99_ms",
            "loss_pct",
            "cpu.processes.server",
        ],
    )


SEARCH_ROOM = "search"
# Message x of the search room: "note" in every one; fruit<n> in 1 of 100
# (10,000 messages each in 1,000,000), topic<n> in 1 of 1,000, rare<n> in
# 1 of 10,000.
SEARCH_TEXT_SQL = (
    "'note ' || x || ' on fruit' || (x % 100) || ' and topic' || (x % 1000) "
    "|| ', rare' || (x % 10000)"
)
# (name, query): the queries timed, from 100 hits to 10,000; and "note",
# in every message, the worst case (bm25 ranks all 1,000,000 of them).
SEARCH_QUERIES = [
    ("word_10000", "fruit42"),
    ("word_1000", "topic421"),
    ("word_100", "rare4242"),
    ("two_words", "fruit42 topic142"),
    ("phrase", '"fruit7 and topic7"'),
    ("filters", "rare4242 from:bench0 in:search"),
    ("every_message", "note"),
]


def _time_searches(server, token: str, query: str, count: int) -> list[float]:
    """GET /api/search?q=``query`` ``count`` times, one at a time on one
    keep-alive connection; each answer's time in seconds."""
    connection = http.client.HTTPConnection(HOST, server.port, timeout=60)
    path = "/api/search?" + urllib.parse.urlencode({"q": query})
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    times = []
    try:
        for _ in range(count):
            started = time.perf_counter()
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            body = response.read()
            times.append(time.perf_counter() - started)
            if response.status != 200:
                raise RuntimeError(f"search {query!r}: {response.status} {body[:200]}")
    finally:
        connection.close()
    return times


def search(bench: Bench, targets) -> dict:
    """Full-text search (``GET /api/search``) in a 1,000,000-message room on
    SQLite FTS5: each query of ``SEARCH_QUERIES`` 40 times in a row (after
    3 unmeasured), no other load; p50 and p99 per query. Parley only."""
    if "parley" not in targets:
        return {}
    messages = 100_000 if bench.quick else HISTORY_MESSAGES
    count = 10 if bench.quick else 40
    server = bench.server("parley", "memory", "search")
    started = time.monotonic()
    fill_history(server.database, messages, SEARCH_ROOM, SEARCH_TEXT_SQL)
    fill_secs = round(time.monotonic() - started, 1)
    server.start()
    outcome: dict = {"room_messages": messages, "fill_secs": fill_secs}
    outcome["queries"] = queries = {}
    try:
        token = bench.token(0)
        every = []
        for name, query in SEARCH_QUERIES:
            _time_searches(server, token, query, 3)
            times = _time_searches(server, token, query, count)
            queries[name] = {
                "query": query,
                "p50_ms": ms(percentile(times, 0.5)),
                "p99_ms": ms(percentile(times, 0.99)),
            }
            if name != "every_message":
                every += times
        outcome["p50_ms"] = ms(percentile(every, 0.5))
        outcome["p99_ms"] = ms(percentile(every, 0.99))
    finally:
        server.stop()
    results = {"parley": {"runs": [outcome]}}
    per_query = [
        f"queries.{name}.{key}"
        for name, _ in SEARCH_QUERIES
        for key in ("p50_ms", "p99_ms")
    ]
    return _medians(results, ["p50_ms", "p99_ms", *per_query])


def heap(bench: Bench, targets) -> dict:
    """Whose memory an idle socket holds: ``bench.heap`` (Python heap by
    package, Parley against an accept-only app under the same Uvicorn)."""
    if "parley" not in targets:
        return {}
    count = 200 if bench.quick else 500
    output = subprocess.run(
        [sys.executable, "-m", "bench.heap", "--json", str(count)],
        check=True,
        capture_output=True,
        text=True,
        timeout=600,
    ).stdout
    sizes = json.loads(output.splitlines()[-1])
    return {
        "parley": {"runs": [sizes["parley"]], "median": sizes["parley"]},
        "accept-only": {
            "runs": [sizes["accept_only"]],
            "median": sizes["accept_only"],
        },
    }


SCENARIOS = {
    "fanout": fanout,
    "rooms": rooms,
    "room500": room500,
    "idle": idle,
    "connect": connect,
    "history": history,
    "search": search,
    "heap": heap,
}
