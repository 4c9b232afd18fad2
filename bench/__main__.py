"""``python -m bench [SCENARIO ...] [--quick] [--targets ...] [--no-doc]``.

Runs the named scenarios (all by default) against the chosen targets (all
three by default), saves the raw results as JSON in ``bench/results/`` and,
for a full run of every scenario and target, writes
``docs/performance.md``.
"""

import argparse
import json
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from bench import report
from bench.runner import TARGETS, Bench, BenchError
from bench.scenarios import SCENARIOS

RESULTS = Path(__file__).resolve().parent / "results"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench", description="Parley's benchmark."
    )
    parser.add_argument(
        "scenarios",
        nargs="*",
        metavar="SCENARIO",
        help=f"any of {', '.join(SCENARIOS)} (default: all)",
    )
    parser.add_argument(
        "--quick", action="store_true", help="shorter scenarios, one run each"
    )
    parser.add_argument(
        "--targets",
        default=",".join(TARGETS),
        help="comma-separated, any of parley,tutorial,plain (default: all)",
    )
    parser.add_argument(
        "--generators",
        type=int,
        default=2,
        help="load generator processes per scenario (default: 2)",
    )
    parser.add_argument(
        "--doc",
        choices=["auto", "yes", "no"],
        default="auto",
        help="write docs/performance.md: auto = after a full run of everything",
    )
    parser.add_argument("--workdir", help="keep servers' data and logs here")
    arguments = parser.parse_args(argv)
    scenarios = arguments.scenarios or list(SCENARIOS)
    if unknown := set(scenarios) - set(SCENARIOS):
        parser.error(f"unknown scenarios: {', '.join(sorted(unknown))}")
    targets = [t for t in arguments.targets.split(",") if t]
    if unknown := set(targets) - set(TARGETS):
        parser.error(f"unknown targets: {', '.join(sorted(unknown))}")

    started = time.monotonic()
    results = {
        "meta": report.machine_and_versions(),
        "settings": {
            "quick": arguments.quick,
            "generators": arguments.generators,
            "targets": targets,
            "scenarios": scenarios,
        },
        "scenarios": {},
    }
    with Bench(arguments.generators, arguments.quick, arguments.workdir) as bench:
        for name in scenarios:
            print(f"== {name}", flush=True)
            scenario_started = time.monotonic()
            try:
                outcome = SCENARIOS[name](bench, targets)
            except (BenchError, RuntimeError, subprocess.CalledProcessError) as error:
                # A server that would not start, a generator that failed:
                # recorded, and the other scenarios still run.
                print(f"   failed: {error}", file=sys.stderr, flush=True)
                outcome = {"error": str(error)}
            outcome_secs = round(time.monotonic() - scenario_started, 1)
            results["scenarios"][name] = {"secs": outcome_secs, "targets": outcome}
            print(report.summary(name, outcome), flush=True)
            print(f"   ({outcome_secs} s)", flush=True)
    results["total_secs"] = round(time.monotonic() - started, 1)
    RESULTS.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    suffix = "-quick" if arguments.quick else ""
    path = RESULTS / f"{stamp}{suffix}.json"
    path.write_text(json.dumps(results, indent=1) + "\n")
    print(f"results: {path} ({results['total_secs']} s)")
    complete = set(scenarios) == set(SCENARIOS) and set(targets) == set(TARGETS)
    if arguments.doc == "yes" or (
        arguments.doc == "auto" and complete and not arguments.quick
    ):
        doc = report.write_doc(results, path)
        print(f"wrote {doc}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
