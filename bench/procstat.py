"""CPU time and memory of processes and of the machine, read from ``/proc``.

Linux only, and no dependency: the benchmark runs on the project's Linux
machines. CPU figures are in seconds of CPU time (user + system), memory in
bytes.
"""

import os

CLOCK_TICKS_PER_SEC = os.sysconf("SC_CLK_TCK")
PAGE_BYTES = os.sysconf("SC_PAGE_SIZE")


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time the process ``pid`` has used, in seconds.

    Raises:
        FileNotFoundError: no such process (any more).
    """
    with open(f"/proc/{pid}/stat", "rb") as stat:
        # The command name (field 2) may hold spaces; count fields after it.
        fields = stat.read().rsplit(b")", 1)[1].split()
    utime, stime = int(fields[11]), int(fields[12])
    return (utime + stime) / CLOCK_TICKS_PER_SEC


def rss_bytes(pid: int) -> int:
    """Resident set size of the process ``pid``, in bytes."""
    with open(f"/proc/{pid}/statm", "rb") as statm:
        return int(statm.read().split()[1]) * PAGE_BYTES


def machine_busy_seconds() -> tuple[float, float, float]:
    """(busy, interrupts, total) CPU seconds of the machine since boot, all
    cores.

    ``busy`` excludes idle and I/O wait; ``interrupts`` is the part of it
    spent in hard and soft interrupts, which no process is charged for (on
    loopback, much of the network's work). Compare two readings to get how
    busy the machine was between them.
    """
    with open("/proc/stat", "rb") as stat:
        fields = [int(value) for value in stat.readline().split()[1:]]
    idle = fields[3] + fields[4]
    total = sum(fields[:8])
    return (
        (total - idle) / CLOCK_TICKS_PER_SEC,
        (fields[5] + fields[6]) / CLOCK_TICKS_PER_SEC,
        total / CLOCK_TICKS_PER_SEC,
    )


class CpuMeter:
    """CPU use of some processes and of the machine over one time window.

    ``start()`` and ``stop()`` bracket the window; ``result()`` returns
    ``{"wall_s", "machine_busy_pct", "processes": {name: cpu_pct},
    "interrupts_pct", "others_pct"}``, where a process's percentage is of one
    core (100 = one core fully busy), the machine's is of all cores together,
    ``interrupts_pct`` (of one core) is interrupt handling (loopback
    networking) and ``others_pct`` (of one core) what processes not measured
    here used: anything else running on the machine at the same time.
    """

    def __init__(self, pids: dict[str, int]):
        self.pids = pids
        self.before: dict[str, float] = {}
        self.after: dict[str, float] = {}
        self.machine_before = self.machine_after = (0.0, 0.0, 0.0)
        self.wall_before = self.wall_after = 0.0

    def _read(self) -> dict[str, float]:
        values = {}
        for name, pid in self.pids.items():
            try:
                values[name] = cpu_seconds(pid)
            except FileNotFoundError:
                values[name] = float("nan")
        return values

    def start(self, now: float) -> None:
        """Open the window at wall time ``now`` (seconds)."""
        self.before, self.machine_before, self.wall_before = (
            self._read(),
            machine_busy_seconds(),
            now,
        )

    def stop(self, now: float) -> None:
        """Close the window at wall time ``now`` (seconds)."""
        self.after, self.machine_after, self.wall_after = (
            self._read(),
            machine_busy_seconds(),
            now,
        )

    def result(self) -> dict:
        wall = max(self.wall_after - self.wall_before, 1e-9)
        busy, interrupts, total = (
            after - before
            for after, before in zip(
                self.machine_after, self.machine_before, strict=True
            )
        )
        total = max(total, 1e-9)
        used = {name: self.after[name] - self.before[name] for name in self.pids}
        ours = sum(value for value in used.values() if value == value)  # not NaN
        return {
            "wall_s": round(wall, 3),
            "machine_busy_pct": round(100 * busy / total, 1),
            "processes": {
                name: round(100 * value / wall, 1) for name, value in used.items()
            },
            "interrupts_pct": round(interrupts * 100 / wall, 1),
            "others_pct": round(max(busy - interrupts - ours, 0.0) * 100 / wall, 1),
        }
