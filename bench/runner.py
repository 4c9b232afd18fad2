"""The orchestrator: servers up, generator processes driven, numbers out.

``Bench`` holds what a whole run shares (a work folder, the Parley data
template with its users' tokens, the throwaway Redis); each scenario in
``bench.scenarios`` uses it to start a server, run generator processes
against it (``run_traffic``, ``run_idle``, ``run_connects``) and read the
server's and the generators' CPU and memory from ``/proc``.
"""

import asyncio
import multiprocessing
import shutil
import statistics
import tempfile
import time
from array import array
from pathlib import Path

from bench import load, procstat
from bench.servers import (
    HOST,
    ParleyServer,
    PlainServer,
    Process,
    RedisServer,
    TutorialServer,
    prepare_parley_data,
)
from bench.wsclient import connect

TARGETS = ("parley", "tutorial", "plain")
# Users (each with an API token) in the Parley data template: the idle
# scenario's connections each sign in as their own user.
USERS = 2000
# Seconds a generator process may take to open its sockets.
READY_TIMEOUT_SECS = 180
# Before each run, wait (at most QUIET_WAIT_SECS, and QUIET_BUDGET_SECS over
# the whole bench) until other processes use less than QUIET_PCT of one core:
# the machine may be shared, and a busy one measures the neighbours.
QUIET_PCT = 25.0
QUIET_WAIT_SECS = 10.0
QUIET_BUDGET_SECS = 90.0
# A generator gets this long after "go" to begin (process wake-up).
START_DELAY_SECS = 0.5


class BenchError(RuntimeError):
    """A server or a generator failed; the message says which and why."""


class Bench:
    """What one benchmark run shares.

    Args:
        generators: generator processes per scenario (the machine's cores
            are shared with the server under test).
        quick: shorter scenarios, one run each.
        workdir: where servers keep their data and logs (default: a
            temporary folder removed by ``close()``).
    """

    def __init__(self, generators: int = 2, quick: bool = False, workdir=None):
        self.generators = generators
        self.quick = quick
        self.keep_workdir = workdir is not None
        self.workdir = Path(workdir or tempfile.mkdtemp(prefix="parley-bench-"))
        self.template = self.workdir / "parley-template"
        self.tokens: list[str] = []
        self.redis: RedisServer | None = None
        self.run_counter = 0
        self.holding: Generator | None = None
        self.quiet_budget = QUIET_BUDGET_SECS
        load.raise_fd_limit()

    def __enter__(self) -> "Bench":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        """Stop Redis and remove the work folder (unless one was given)."""
        self.finish_holding()
        if self.redis is not None:
            self.redis.stop()
        if not self.keep_workdir:
            shutil.rmtree(self.workdir, ignore_errors=True)

    def parley_tokens(self) -> list[str]:
        """The tokens of ``bench0``...; made (once) with the data template."""
        if not self.tokens:
            self.tokens = prepare_parley_data(self.template, USERS)
        return self.tokens

    def redis_url(self) -> str:
        """A throwaway Redis, started on first use and emptied on each use."""
        if self.redis is None:
            self.redis = RedisServer(self.workdir / "redis").start()
        self.redis.flush()
        return self.redis.url

    def layer_url(self, layer: str) -> str:
        """``CHANNEL_LAYER_URL`` for ``layer``: ``memory`` or ``redis``."""
        return self.redis_url() if layer == "redis" else "memory://"

    def server(self, kind: str, layer: str, name: str) -> Process:
        """Start a fresh server of ``kind`` on ``layer`` (memory or redis)."""
        workdir = self.workdir / f"{name}-{kind}-{layer}"
        if kind == "parley":
            self.parley_tokens()
            return ParleyServer(workdir, self.template, self.layer_url(layer))
        if kind == "tutorial":
            return TutorialServer(workdir, self.layer_url(layer))
        return PlainServer(workdir)

    def finish_holding(self) -> None:
        """Close the sockets ``hold`` left open, if any."""
        if self.holding is not None:
            self.holding.send("stop")
            self.holding.stop()
            self.holding = None

    def wait_for_quiet(self) -> float:
        """Wait until the machine is quiet, within the budgets above.

        Returns:
            the seconds waited.
        """
        waited = 0.0
        limit = min(QUIET_WAIT_SECS, self.quiet_budget)
        while waited < limit:
            busy = procstat.machine_busy_seconds()[0]
            time.sleep(0.5)
            busy = procstat.machine_busy_seconds()[0] - busy
            if busy * 100 / 0.5 < QUIET_PCT:
                break
            waited += 0.5
        self.quiet_budget -= waited
        return waited

    def run_id(self) -> str:
        """A name unique to this run (room prefixes, client ids)."""
        self.run_counter += 1
        return f"b{int(time.time()) % 100000}x{self.run_counter}"

    def token(self, index: int) -> str | None:
        """The API token of user ``bench<index>`` (wrapping around), or None
        before Parley's data template exists."""
        return self.tokens[index % len(self.tokens)] if self.tokens else None


def create_rooms(server: Process, kind: str, rooms: list[str], token: str) -> None:
    """Create Parley's rooms before the crowd arrives (one subscribe each).

    A room is created by its first subscribe; doing it once, in order, keeps
    the scenario from measuring a hundred sockets racing to create it.
    Other servers need nothing.

    Raises:
        BenchError: a subscribe failed.
    """
    if kind != "parley":
        return

    async def run() -> None:
        pending: asyncio.Future | None = None

        def on_message(payload: bytes) -> None:
            if pending is not None and not pending.done():
                pending.set_result(payload)

        target = load.Target(kind, HOST, server.port)
        client = await connect(
            HOST, server.port, "/ws/", on_message, headers=target.headers(token)
        )
        for room in rooms:
            pending = asyncio.get_running_loop().create_future()
            client.send_text(target.subscribe_frame(room))
            async with asyncio.timeout(30):
                answer = await pending
            if b'"subscribed"' not in answer:
                raise BenchError(f"subscribe {room}: {answer[:300]!r}")
        client.close()

    asyncio.run(run())


class Generator:
    """Generator processes, one per spec, driven over pipes."""

    def __init__(self, specs: list[dict]):
        context = multiprocessing.get_context("spawn")
        self.connections = []
        self.processes = []
        for spec in specs:
            parent, child = context.Pipe()
            process = context.Process(
                target=load.run_worker, args=(child, spec), daemon=True
            )
            process.start()
            self.connections.append(parent)
            self.processes.append(process)

    @property
    def pids(self) -> dict[str, int]:
        return {f"generator{i}": p.pid for i, p in enumerate(self.processes)}

    def collect(self, expected: str, timeout: float) -> list:
        """Each process's next message, which must be ``expected``.

        Raises:
            BenchError: a process reported an error, died or was too slow.
        """
        answers = []
        deadline = time.monotonic() + timeout
        for index, connection in enumerate(self.connections):
            if not connection.poll(max(deadline - time.monotonic(), 0)):
                self.stop()
                raise BenchError(f"generator {index}: no {expected} in {timeout} s")
            try:
                kind, payload = connection.recv()
            except EOFError:
                self.stop()
                raise BenchError(f"generator {index} died") from None
            if kind != expected:
                self.stop()
                raise BenchError(f"generator {index}: {kind}: {payload}")
            answers.append(payload)
        return answers

    def send(self, command: str, payload=None) -> None:
        for connection in self.connections:
            connection.send((command, payload))

    def stop(self) -> None:
        """Wait a little for each process to end, then terminate it by pid."""
        for process in self.processes:
            process.join(5)
            if process.is_alive():
                process.terminate()
                process.join(5)


def split(items: list, parts: int) -> list[list]:
    """``items`` dealt round-robin into at most ``parts`` non-empty lists."""
    chunks = [items[i::parts] for i in range(parts)]
    return [chunk for chunk in chunks if chunk]


def sleep_until(wall_time: float) -> None:
    """Block until the wall clock reads ``wall_time`` (seconds since epoch)."""
    delay = wall_time - time.time()
    if delay > 0:
        time.sleep(delay)


def percentile(values: list[float], fraction: float) -> float | None:
    """The ``fraction`` quantile (0..1) of ``values`` by nearest rank."""
    if not values:
        return None
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))
    return ordered[index]


def ms(seconds: float | None) -> float | None:
    """Seconds as milliseconds rounded to 0.01 ms; None stays None."""
    return None if seconds is None else round(seconds * 1000, 2)


def run_traffic(
    bench: Bench,
    server: Process,
    kind: str,
    rooms: dict[str, int],
    senders_per_room: int,
    send: dict,
    duration: float,
    warmup: float,
    drain: float,
    track: bool,
    extra_specs: list[dict] | None = None,
) -> dict:
    """Clients in rooms, some sending, for ``duration`` seconds; counted.

    Args:
        rooms: room name -> number of clients in it.
        senders_per_room: how many of a room's clients send.
        send: the generator's ``send`` spec (window or rate).
        duration: seconds from the start to the end of sending; the
            measurement window is its part after ``warmup`` seconds.
        drain: at most this many seconds to wait for late deliveries.
        track: record latency and per-room counts (for latency and loss).
        extra_specs: more generator processes in the same run (history).

    Returns:
        deliveries/s, latency percentiles (ms), loss, errors, and the CPU use
        of the server and of each generator process over the window.
    """
    run_id = bench.run_id()
    waited = bench.wait_for_quiet()
    clients = []
    sid = 0
    for room, count in rooms.items():
        for index in range(count):
            clients.append(
                {
                    "sid": sid,
                    "room": room,
                    "token": bench.token(sid),
                    "sender": index < senders_per_room,
                }
            )
            sid += 1
    # Keep each room's clients in one process where rooms outnumber the
    # processes, so a room's deliveries are counted by one clock.
    if len(rooms) >= bench.generators:
        room_names = list(rooms)
        parts = [
            [c for c in clients if c["room"] in set(names)]
            for names in split(room_names, bench.generators)
        ]
    else:
        parts = split(clients, bench.generators)
    target = {"kind": kind, "host": HOST, "port": server.port}
    specs = [
        {
            "mode": "traffic",
            "target": target,
            "clients": part,
            "send": send,
            "track": track,
            "run_id": run_id,
        }
        for part in parts
    ] + (extra_specs or [])
    generator = Generator(specs)
    try:
        ready = generator.collect("ready", READY_TIMEOUT_SECS)
        failed = sum(r.get("failed", 0) for r in ready)
        errors = [e for r in ready for e in r.get("errors", [])]
        if failed:
            raise BenchError(
                f"{kind}: {failed} of {len(clients)} sockets failed to open: "
                f"{errors[:3]}"
            )
        start_at = time.time() + START_DELAY_SECS
        times = {
            "start_at": start_at,
            "measure_from": start_at + warmup,
            "measure_to": start_at + duration,
            "send_until": start_at + duration,
            "drain_s": drain,
        }
        generator.send("go", times)
        meter = procstat.CpuMeter({"server": server.pid, **generator.pids})
        sleep_until(times["measure_from"])
        meter.start(time.time())
        sleep_until(times["measure_to"])
        meter.stop(time.time())
        results = generator.collect("result", duration + drain + 60)
    finally:
        generator.stop()
    traffic = [r for r in results if "window_deliveries" in r]
    window = times["measure_to"] - times["measure_from"]
    outcome = {
        "clients": len(clients),
        "deliveries_per_s": round(
            sum(r["window_deliveries"] for r in traffic) / window, 1
        ),
        "errors": sum(r["errors"] for r in traffic),
        "duplicates": sum(r["duplicates"] for r in traffic),
        "window_stalls": sum(r["stalls"] for r in traffic),
        "cpu": meter.result(),
        "quiet_wait_s": waited,
    }
    if track:
        sent = sum_counters(r["sent_by_room"] for r in traffic)
        members = sum_counters(r["clients_by_room"] for r in traffic)
        received = sum(sum(r["received_by_room"].values()) for r in traffic)
        expected = sum(count * members.get(room, 0) for room, count in sent.items())
        latencies = []
        for r in traffic:
            values = array("d")
            values.frombytes(r["latencies"])
            latencies.extend(values)
        outcome.update(
            {
                "messages_sent": sum(sent.values()),
                "deliveries_expected": expected,
                "deliveries_received": received,
                "loss_pct": round(100 * (1 - received / expected), 3)
                if expected
                else None,
                "latency_p50_ms": ms(percentile(latencies, 0.50)),
                "latency_p99_ms": ms(percentile(latencies, 0.99)),
                "latency_max_ms": ms(max(latencies) if latencies else None),
            }
        )
    for r in results:
        if "statuses" in r:
            values = array("d")
            values.frombytes(r["latencies"])
            outcome["history"] = {
                "requests": len(values),
                "statuses": r["statuses"],
                "body_bytes": r["body_bytes"],
                "p50_ms": ms(percentile(list(values), 0.50)),
                "p99_ms": ms(percentile(list(values), 0.99)),
                "max_ms": ms(max(values) if values else None),
            }
    return outcome


def sum_counters(counters) -> dict[str, int]:
    """Add up ``{key: count}`` dicts key by key."""
    total: dict[str, int] = {}
    for counter in counters:
        for key, value in counter.items():
            total[key] = total.get(key, 0) + value
    return total


def run_idle(bench: Bench, server: Process, kind: str, rooms: dict[str, int]) -> dict:
    """Open idle sockets in ``rooms``; the server's RSS growth per socket.

    A few sockets are opened and closed first, so that code paths loaded on
    first use are not counted as per-socket memory.
    """
    target = {"kind": kind, "host": HOST, "port": server.port}

    def clients_for(room_sizes: dict[str, int]) -> list[dict]:
        clients, sid = [], 0
        for room, count in room_sizes.items():
            for _ in range(count):
                clients.append({"sid": sid, "room": room, "token": bench.token(sid)})
                sid += 1
        return clients

    first_room = next(iter(rooms))
    waited = bench.wait_for_quiet()
    hold(bench, target, clients_for({first_room: 20}))
    bench.finish_holding()
    time.sleep(1.0)
    before = procstat.rss_bytes(server.pid)
    clients = clients_for(rooms)
    # Let the server finish its per-socket work (joins, presence) first.
    opened = hold(bench, target, clients, settle=2.0)
    after = procstat.rss_bytes(server.pid)
    bench.finish_holding()
    return {
        "connections": opened,
        "failed": len(clients) - opened,
        "rss_before_mb": round(before / 2**20, 1),
        "rss_after_mb": round(after / 2**20, 1),
        "kb_per_connection": round((after - before) / max(opened, 1) / 1024, 1),
        "quiet_wait_s": waited,
    }


def hold(bench: Bench, target: dict, clients: list[dict], settle: float = 0.0):
    """Open ``clients`` as idle sockets; after ``settle`` seconds return how
    many opened. The sockets stay open until ``bench.finish_holding()``."""
    bench.finish_holding()
    generator = Generator(
        [
            {"mode": "idle", "target": target, "clients": part}
            for part in split(clients, bench.generators)
        ]
    )
    bench.holding = generator
    ready = generator.collect("ready", READY_TIMEOUT_SECS)
    time.sleep(settle)
    return sum(r["opened"] for r in ready)


def run_connects(
    bench: Bench,
    server: Process,
    kind: str,
    rooms: list[str],
    count: int,
    max_secs: float,
) -> dict:
    """Open up to ``count`` sockets (sign-in and subscribe for Parley), for at
    most ``max_secs`` seconds; the rate is those opened over the time taken."""
    clients = [
        {"sid": i, "room": rooms[i % len(rooms)], "token": bench.token(i)}
        for i in range(count)
    ]
    target = {"kind": kind, "host": HOST, "port": server.port}
    waited = bench.wait_for_quiet()
    generator = Generator(
        [
            {"mode": "connect", "target": target, "clients": part}
            for part in split(clients, bench.generators)
        ]
    )
    try:
        generator.collect("ready", READY_TIMEOUT_SECS)
        start_at = time.time() + START_DELAY_SECS
        generator.send("go", {"start_at": start_at, "deadline": start_at + max_secs})
        meter = procstat.CpuMeter({"server": server.pid, **generator.pids})
        sleep_until(start_at)
        meter.start(time.time())
        results = generator.collect("result", READY_TIMEOUT_SECS)
        meter.stop(max(r["finished"] for r in results))
    finally:
        generator.stop()
    opened = sum(r["opened"] for r in results)
    elapsed = max(r["finished"] for r in results) - min(r["started"] for r in results)
    durations = [d for r in results for d in r["open_secs"]]
    return {
        "connections": opened,
        "failed": sum(r["error_count"] for r in results),
        "errors": [e for r in results for e in r["errors"]][:3],
        "connects_per_s": round(opened / elapsed, 1),
        "open_p50_ms": ms(percentile(durations, 0.5)),
        "open_p99_ms": ms(percentile(durations, 0.99)),
        "cpu": meter.result(),
        "quiet_wait_s": waited,
    }


def median_of(runs: list[dict], key: str) -> float | None:
    """The median of ``key`` over runs (dotted keys reach into dicts)."""
    values = []
    for run in runs:
        value = run
        for part in key.split("."):
            value = value.get(part) if isinstance(value, dict) else None
        if isinstance(value, int | float):
            values.append(value)
    return round(statistics.median(values), 3) if values else None
