"""``python -m compliance --wstest-python PY2``: run Autobahn|Testsuite
against Parley (``compliance.run``), then write the summary
(``compliance.summary``). ``make compliance`` calls it.

Options: ``--out`` (default ``build/autobahn``): reports, logs and data;
``--summary`` (default ``docs/compliance/autobahn.md``); ``--summary-only``:
rewrite the summary from the last run in ``--out``. Exits with 1 when the
summary finds a problem it cannot explain (``compliance.summary.problems``).
"""

import argparse
import json
import os
import sys
from pathlib import Path

from compliance import run, summary


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m compliance")
    parser.add_argument(
        "--wstest-python", help="path of a Python 2.7 with autobahntestsuite"
    )
    parser.add_argument("--out", type=Path, default=Path("build/autobahn"))
    parser.add_argument(
        "--summary", type=Path, default=Path("docs/compliance/autobahn.md")
    )
    parser.add_argument("--summary-only", action="store_true")
    args = parser.parse_args()
    out = args.out.resolve()
    if not args.summary_only:
        if not args.wstest_python:
            parser.error("--wstest-python is required to run the suite")
        # The client runs in --out: a relative path must not depend on it
        # (and a virtualenv's python must not be resolved past its link).
        wstest_python = os.path.abspath(args.wstest_python)
        report = run.run(wstest_python, out)
        (out / "run.json").write_text(json.dumps(report, indent=2))
    problems = summary.write(out, args.summary)
    print(f"Summary: {args.summary}; Autobahn's report: {out / 'reports/index.html'}")
    for problem in problems:
        print(f"PROBLEM: {problem}", file=sys.stderr)
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
