"""The load generator: one worker process of it, driven over a pipe.

``run_worker(conn, spec)`` is the entry point of a generator process. The
orchestrator (``bench.runner``) starts a few of them, each with a ``spec``
dict:

- ``target``: ``{"kind": "parley" | "tutorial" | "plain", "host", "port"}``
- ``mode``: ``traffic`` (clients in rooms, some of them sending), ``idle``
  (connect and hold), ``connect`` (open sockets as fast as allowed, timed)
  or ``history`` (time HTTP history requests).
- ``clients``: ``[{"sid": int, "room": str, "token": str | None,
  "sender": bool}]``; ``sid`` is unique across the whole run.
- ``send``: ``{"style": "window", "window": int}`` (keep that many own
  messages in flight; the sender's own delivery frees a slot) or
  ``{"style": "rate", "rate": float}`` (messages per second per sender).
- ``run_id``: a string that makes this run's client ids unique.

The protocol on the pipe: the worker sends ``("ready", info)``; the
orchestrator answers ``("go", times)`` with wall-clock times in seconds; the
worker sends ``("result", result)``. An ``idle`` worker then waits for
``("stop", None)``. Any failure is sent as ``("error", text)``.

Every message's text carries ``~<send time>~<sid>:<n>~`` so that each
receiver computes latency (same machine, same clock) and recognises
duplicates and its own messages without decoding JSON. The mark has no
``@``: like most chat lines, a bench message mentions nobody (Parley looks
the names of an ``@`` up in the database, one query per message).
"""

import asyncio
import re
import resource
import time
import traceback
from array import array
from collections import Counter
from multiprocessing.connection import Connection

from bench.wsclient import WebSocketClient, connect

MARK = re.compile(rb"~(\d+\.\d+)~(\d+):(\d+)~")
# About the length of a short chat line.
PADDING = "the quick brown fox jumps over the lazy dog"
# Sockets one generator process opens at once. More only queue in the
# server's listen backlog (websockets' is 100), where a dropped SYN costs a
# 1 s retransmission that would be measured as the server's slowness.
CONNECT_CONCURRENCY = 25
# A window sender whose messages have not come back for this long (a
# server that dropped them) refills its window, in seconds.
WINDOW_STALL_SECS = 1.0
# The drain after the senders stop ends once nothing arrived for this long.
DRAIN_QUIET_SECS = 1.0


def raise_fd_limit() -> int:
    """Raise this process's open-file limit to its hard limit; return it."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return hard


class Target:
    """How one kind of server is spoken to: paths, headers, frames."""

    def __init__(self, kind: str, host: str, port: int):
        if kind not in ("parley", "tutorial", "plain"):
            raise ValueError(f"unknown target kind {kind!r}")
        self.kind, self.host, self.port = kind, host, port

    def path(self, room: str) -> str:
        """The socket's URL path for ``room``."""
        if self.kind == "parley":
            return "/ws/"
        if self.kind == "tutorial":
            return f"/ws/chat/{room}/"
        return f"/{room}"

    def headers(self, token: str | None) -> dict[str, str]:
        """Handshake headers: Parley's bearer token, the tutorial's Origin."""
        if self.kind == "parley":
            return {"Authorization": f"Bearer {token}"}
        if self.kind == "tutorial":
            # The tutorial's AllowedHostsOriginValidator wants an Origin.
            return {"Origin": f"http://{self.host}:{self.port}"}
        return {}

    def subscribe_frame(self, room: str) -> bytes | None:
        """The frame that joins ``room`` after the handshake (Parley only)."""
        if self.kind == "parley":
            return b'{"type":"subscribe","room":"%s"}' % room.encode()
        return None

    def send_frame(self, room: str, text: str, client_id: str) -> str:
        """The frame that posts ``text`` to ``room``."""
        # The texts and ids the generator makes need no JSON escaping.
        if self.kind == "parley":
            return (
                f'{{"type":"send","room":"{room}","text":"{text}",'
                f'"client_id":"{client_id}"}}'
            )
        if self.kind == "tutorial":
            return f'{{"message":"{text}"}}'
        return text


class Client:
    """One generator socket: its room, whether it sends, what it received."""

    def __init__(self, worker: "Worker", sid: int, room: str, token, sender: bool):
        self.worker = worker
        self.sid = sid
        self.sid_bytes = str(sid).encode()
        self.room = room
        self.token = token
        self.sender = sender
        self.ws: WebSocketClient | None = None
        self.subscribed: asyncio.Future | None = None
        self.seen: set[int] = set()
        self.sent = 0
        self.in_flight = 0
        self.last_echo = 0.0

    async def open(self) -> None:
        """Connect, and for Parley subscribe and wait for ``subscribed``."""
        target = self.worker.target
        loop = asyncio.get_running_loop()
        frame = target.subscribe_frame(self.room)
        if frame is not None:
            self.subscribed = loop.create_future()
        self.ws = await connect(
            target.host,
            target.port,
            target.path(self.room),
            self.on_message,
            headers=target.headers(self.token),
        )
        if frame is not None:
            self.ws.send_text(frame)
            async with asyncio.timeout(30):
                await self.subscribed

    def on_message(self, payload: bytes) -> None:
        """Count a delivery; with tracking, its latency and duplicates."""
        worker = self.worker
        subscribed = self.subscribed
        if subscribed is not None and not subscribed.done():
            if b'"type":"subscribed"' in payload:
                subscribed.set_result(None)
                return
            if b'"type":"error"' in payload:
                subscribed.set_exception(RuntimeError(payload.decode()[:300]))
                return
        if not worker.track and not self.sender:
            if b"~" in payload:
                worker.deliveries += 1
            return
        match = MARK.search(payload)
        if match is None:
            if b'"type":"error"' in payload:
                worker.errors += 1
            return
        worker.deliveries += 1
        own = match[2] == self.sid_bytes
        if worker.track:
            key = (int(match[2]) << 32) | int(match[3])
            if key in self.seen:
                worker.duplicates += 1
                return
            self.seen.add(key)
            worker.latencies.append(time.time() - float(match[1]))
            worker.received_by_room[self.room] += 1
        if own and self.sender:
            self.on_echo()

    def send_one(self) -> None:
        """Send the next message, stamped with the time and its number."""
        self.sent += 1
        worker = self.worker
        text = f"~{time.time():.6f}~{self.sid}:{self.sent}~ {PADDING}"
        client_id = f"{worker.run_id}-{self.sid}-{self.sent}"
        self.ws.send_text(worker.target.send_frame(self.room, text, client_id))
        worker.sent_by_room[self.room] += 1
        self.in_flight += 1

    def on_echo(self) -> None:
        """Own message back: free its window slot and fill it again."""
        self.in_flight -= 1
        self.last_echo = time.monotonic()
        if self.worker.sending and self.worker.window:
            self.send_one()

    def fill_window(self) -> None:
        """Send until the window is full."""
        self.last_echo = time.monotonic()
        while self.in_flight < self.worker.window:
            self.send_one()


class Worker:
    """One generator process's clients and counters; see the module doc."""

    def __init__(self, conn: Connection, spec: dict):
        self.conn = conn
        self.spec = spec
        self.mode = spec["mode"]
        self.run_id = spec.get("run_id", "r")
        target = spec["target"]
        self.target = Target(target["kind"], target["host"], target["port"])
        send = spec.get("send") or {}
        self.window = send.get("window", 0) if send.get("style") == "window" else 0
        self.rate = send.get("rate", 0.0) if send.get("style") == "rate" else 0.0
        self.track = bool(spec.get("track", False))
        self.clients = [
            Client(self, c["sid"], c["room"], c.get("token"), c.get("sender", False))
            for c in spec.get("clients", [])
        ]
        self.deliveries = 0
        self.errors = 0
        self.duplicates = 0
        self.stalls = 0
        self.sending = False
        self.latencies = array("d")
        self.sent_by_room: Counter[str] = Counter()
        self.received_by_room: Counter[str] = Counter()

    async def receive_command(self) -> tuple[str, object]:
        """The orchestrator's next ``(command, payload)``, without blocking
        the event loop."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(None, self.conn.recv)

    async def open_all(
        self, deadline: float | None = None
    ) -> tuple[int, list[str], list[float]]:
        """Open every client, a bounded number at a time; none is started
        after the wall time ``deadline`` (seconds), if given.

        Returns:
            (opened, the first few error texts, seconds each open took).
        """
        semaphore = asyncio.Semaphore(CONNECT_CONCURRENCY)
        errors: list[str] = []
        durations: list[float] = []

        async def open_one(client: Client) -> None:
            async with semaphore:
                if deadline is not None and time.time() > deadline:
                    return
                started = time.perf_counter()
                try:
                    await client.open()
                except Exception as error:
                    errors.append(f"{type(error).__name__}: {error}"[:300])
                    client.ws = None
                    return
                durations.append(time.perf_counter() - started)

        await asyncio.gather(*(open_one(client) for client in self.clients))
        return len(durations), errors, durations

    def close_all(self) -> None:
        """Close every open socket (close frame 1000)."""
        for client in self.clients:
            if client.ws is not None:
                client.ws.close()

    async def run(self) -> None:
        """Do this worker's part of the run, as the module docstring says."""
        if self.mode == "connect":
            self.conn.send(("ready", {"clients": len(self.clients)}))
            _, times = await self.receive_command()
            await sleep_until(times["start_at"])
            started = time.time()
            opened, errors, durations = await self.open_all(times["deadline"])
            finished = time.time()
            self.close_all()
            result = {
                "opened": opened,
                "errors": errors[:5],
                "error_count": len(errors),
                "started": started,
                "finished": finished,
                "open_secs": list(durations),
            }
            self.conn.send(("result", result))
            await asyncio.sleep(0.5)
            return
        if self.mode == "history":
            self.conn.send(("ready", {}))
            _, times = await self.receive_command()
            result = await history_loop(self.spec, times)
            self.conn.send(("result", result))
            return
        opened, errors, _ = await self.open_all()
        self.conn.send(
            ("ready", {"opened": opened, "errors": errors[:5], "failed": len(errors)})
        )
        _, times = await self.receive_command()
        if self.mode == "idle":
            self.close_all()
            await asyncio.sleep(0.5)
            return
        await self.traffic(times)
        self.close_all()
        await asyncio.sleep(0.5)

    async def traffic(self, times: dict) -> None:
        """Send and count from ``start_at`` to ``send_until``, then drain."""
        loop = asyncio.get_running_loop()
        senders = [c for c in self.clients if c.sender and c.ws is not None]
        marks: dict[str, int] = {}

        def mark(name: str) -> None:
            marks[name] = self.deliveries

        offset = loop.time() - time.time()
        loop.call_at(times["measure_from"] + offset, mark, "from")
        loop.call_at(times["measure_to"] + offset, mark, "to")
        await sleep_until(times["start_at"])
        self.sending = True
        tasks = []
        if self.window:
            for sender in senders:
                sender.fill_window()
            tasks.append(asyncio.create_task(self.watch_windows(senders)))
        else:
            for index, sender in enumerate(senders):
                # Spread the senders' phases evenly over one interval.
                phase = index / max(len(senders), 1) / self.rate
                tasks.append(
                    asyncio.create_task(
                        self.send_at_rate(sender, times["start_at"] + phase)
                    )
                )
        await sleep_until(times["send_until"])
        self.sending = False
        for task in tasks:
            task.cancel()
        drain_until = time.time() + times.get("drain_s", 0.0)
        last_count, quiet_since = self.deliveries, time.time()
        while time.time() < drain_until:
            await asyncio.sleep(0.1)
            if self.deliveries != last_count:
                last_count, quiet_since = self.deliveries, time.time()
            elif time.time() - quiet_since >= DRAIN_QUIET_SECS:
                break
        window = times["measure_to"] - times["measure_from"]
        self.conn.send(
            (
                "result",
                {
                    "window_deliveries": marks.get("to", self.deliveries)
                    - marks.get("from", 0),
                    "window_s": window,
                    "deliveries": self.deliveries,
                    "sent_by_room": dict(self.sent_by_room),
                    "received_by_room": dict(self.received_by_room),
                    "clients_by_room": dict(
                        Counter(c.room for c in self.clients if c.ws is not None)
                    ),
                    "errors": self.errors,
                    "duplicates": self.duplicates,
                    "stalls": self.stalls,
                    "latencies": self.latencies.tobytes(),
                },
            )
        )

    async def send_at_rate(self, sender: Client, first_at: float) -> None:
        """Send from wall time ``first_at`` on at ``self.rate`` messages/s."""
        interval = 1.0 / self.rate
        next_at = first_at
        while True:
            await sleep_until(next_at)
            if sender.ws is None or sender.ws.closed:
                return
            sender.send_one()
            next_at += interval

    async def watch_windows(self, senders: list[Client]) -> None:
        """Refill the window of senders whose messages stopped coming back."""
        while True:
            await asyncio.sleep(WINDOW_STALL_SECS / 2)
            now = time.monotonic()
            for sender in senders:
                if sender.in_flight and now - sender.last_echo > WINDOW_STALL_SECS:
                    self.stalls += 1
                    sender.in_flight = 0
                    sender.fill_window()


async def sleep_until(wall_time: float) -> None:
    """Sleep until the wall clock reads ``wall_time`` (seconds since epoch)."""
    delay = wall_time - time.time()
    if delay > 0:
        await asyncio.sleep(delay)


async def read_http_response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    """One HTTP/1.1 response: (status, body); Content-Length or chunked."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        headers[name.strip().lower()] = value.strip()
    if b"content-length" in headers:
        return status, await reader.readexactly(int(headers[b"content-length"]))
    body = bytearray()
    while True:
        size = int((await reader.readuntil(b"\r\n")).strip(), 16)
        chunk = await reader.readexactly(size + 2)
        if size == 0:
            return status, bytes(body)
        body += chunk[:-2]


async def history_loop(spec: dict, times: dict) -> dict:
    """GET the history page at ``spec["rate"]`` requests/s; time each one.

    One keep-alive connection, one request at a time (a slow answer delays
    the next one, it never piles up requests).
    """
    target = spec["target"]
    request = (
        f"GET {spec['path']} HTTP/1.1\r\nHost: {target['host']}:{target['port']}\r\n"
        f"Authorization: Bearer {spec['token']}\r\nAccept: application/json\r\n\r\n"
    ).encode()
    reader, writer = await asyncio.open_connection(target["host"], target["port"])
    latencies: list[float] = []
    statuses: Counter[int] = Counter()
    body_bytes = 0
    interval = 1.0 / spec["rate"]
    next_at = times["start_at"]
    while next_at < times["send_until"]:
        await sleep_until(next_at)
        started = time.perf_counter()
        writer.write(request)
        status, body = await read_http_response(reader)
        latencies.append(time.perf_counter() - started)
        statuses[status] += 1
        body_bytes = len(body)
        next_at += interval
    writer.close()
    return {
        "latencies": array("d", latencies).tobytes(),
        "statuses": dict(statuses),
        "body_bytes": body_bytes,
    }


def run_worker(conn: Connection, spec: dict) -> None:
    """Entry point of a generator process (see the module docstring)."""
    import uvloop

    raise_fd_limit()
    try:
        uvloop.run(Worker(conn, spec).run())
    except Exception:
        conn.send(("error", traceback.format_exc()))
