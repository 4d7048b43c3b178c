"""The headless refresh at a business's size: customer_base with 1,000 to 1,000,000
transactions pasted into its Sales table (a seeded synthetic log, about 5 transactions per
customer), refreshed by ``clv_xl.workbooks.refresh`` in a fresh process each, as
``clv-xl refresh`` runs.

    python -m benchmarks.refresh_size [--rows 1000 20000 100000] [--out docs/refresh_size.md]

Per size: the seconds of the whole refresh split into load, compute and write, the peak
memory of the process (its maximum resident set), and the costliest formulas. Timed on their
own: the intervals (500 parameter draws), the per-cohort fits, and the model checks (Model
choice's three fits, the Tracking and Holdout tables); "the core" is the rest: loading,
the summary, the fits, the per-customer predictions, the segments and channels, writing.
Then the refreshed book is refreshed again, as after every export (its sheets hold the last
refresh's spills): that refresh's seconds and peak too. And the whole command a user waits
for, ``clv-xl refresh -o`` from Python's start to its end (the imports included: about 0.8 s
of pandas, SciPy and the engine, whatever the book's size).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.synthetic import transaction_log

ROOT = Path(__file__).resolve().parents[1]
CHILD = r"""
import json, resource, sys, time
from clv_xl.workbooks.refresh import refresh
started = time.perf_counter()
report = refresh(sys.argv[1], sys.argv[2])  # as clv-xl refresh -o writes
try:  # this process's own peak: ru_maxrss keeps the parent's at the fork (Linux)
    peak = next(int(line.split()[1]) for line in open("/proc/self/status")
                if line.startswith("VmHWM:")) / 1024
except (OSError, StopIteration):
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
from python_calamine import CalamineWorkbook  # after the peak: the count is not the refresh's
ERRORS = ("#N/A", "#REF!", "#VALUE!", "#DIV/0!", "#NAME?", "#NUM!", "#NULL!", "#SPILL!", "#CALC!")
out = CalamineWorkbook.from_path(sys.argv[2])
error_cells = [(name, i, j) for name in out.sheet_names
               for i, row in enumerate(out.get_sheet_by_name(name).to_python())
               for j, v in enumerate(row) if isinstance(v, str) and v in ERRORS]
print(json.dumps({"seconds": report.seconds, "load": report.load_seconds,
                  "compute": report.compute_seconds, "write": report.write_seconds,
                  "errors": len(report.errors), "first_error": report.errors[:1],
                  "error_cells": len(error_cells), "first_error_cells": error_cells[:6],
                  "peak_mb": peak, "formulas": report.formulas,
                  "intervals": sum(t for _, f, t in report.timings if "CLV_INTERVAL" in f),
                  "cohorts": sum(t for _, f, t in report.timings if "CLV_FIT_COHORTS" in f),
                  "checks": sum(t for _, f, t in report.timings
                                if any(k in f for k in ("CLV_COMPARE", "CLV_TRACKING", "CLV_HOLDOUT"))),
                  "slowest": report.timings[:6]}))
"""


FLOOR = r"""
import json, sys, time
from python_calamine import CalamineWorkbook
started = time.perf_counter()
book = CalamineWorkbook.from_path(sys.argv[1], load_tables=True)
rows = book.get_table_by_name("Sales").to_python()
print(json.dumps({"seconds": time.perf_counter() - started, "rows": len(rows)}))
"""
"""The floor: python-calamine (a Rust reader) opens the book and reads the Sales table to Python
values, in a fresh process (imports not counted, as the refresh's are not)."""

COMMAND = r"""
import sys
from clv_xl.cli import main
sys.argv = ["clv-xl", "refresh", "-q", "-o", sys.argv[2], sys.argv[1]]
sys.exit(main())
"""
"""The whole command a user runs, ``clv-xl refresh -o``: Python's start, the imports, the
refresh (timed from outside, by the parent)."""


def _command(book: Path, out: Path, env: dict[str, str]) -> dict:
    """:data:`COMMAND`'s seconds, timed from here, as :func:`_child` answers."""
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", COMMAND, str(book), str(out)], cwd=ROOT,
                          capture_output=True, text=True, env=env)  # fmt: skip
    return _failed(done) or {"seconds": time.perf_counter() - started}


def _with_bytecode(scratch: Path) -> dict[str, str]:
    """An environment in which the command starts as on a user's machine: its modules' bytecode
    cached (in ``scratch``, written once by a first, untimed start), whatever
    PYTHONDONTWRITEBYTECODE this machine sets (a checkout's modules would be compiled from
    source on every start: about 0.05 s more)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(scratch / "bytecode")
    subprocess.run([sys.executable, "-c", "import clv_xl.cli, clv_xl.workbooks.refresh"],
                   cwd=ROOT, env=env, check=True, capture_output=True)  # fmt: skip
    return env


def _child(code: str, *args: str) -> dict:
    done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                          cwd=ROOT)  # fmt: skip
    return _failed(done) or json.loads(done.stdout.strip().splitlines()[-1])


def _failed(done: subprocess.CompletedProcess[str]) -> dict | None:
    """A child's failure as the table shows it (its exit status and last line), or None."""
    if not done.returncode:
        return None
    last = (done.stderr.strip().splitlines() or ["killed"])[-1]
    return {"failed": f"exit {done.returncode}: {last}"}


def prepared(rows: int, folder: Path) -> Path:
    """customer_base with a synthetic log of ``rows`` transactions pasted into Sales and the
    calibration and holdout ends set to fit the log (2025-06-30 and 2025-12-31)."""
    import datetime as dt

    sys.path.insert(0, str(ROOT))
    from clv_xl.workbooks.xlsx import Package
    from tests.helpers.paste import paste_into_table

    book = folder / f"customer_base_{rows}.xlsx"
    shutil.copy(ROOT / "workbook_templates" / "customer_base.xlsx", book)
    log = transaction_log(rows, max(rows // 5, 10), seed=7)
    channels = ("web", "store", "catalog")
    dates = [dt.datetime(d.year, d.month, d.day) for d in log["date"]]
    data = [[int(c), d, float(a), channels[int(c) % 3]]
            for c, d, a in zip(log["customer"], dates, log["amount"], strict=True)]  # fmt: skip
    paste_into_table(book, "Sales", data)
    package = Package(book)
    settings = package.sheet("Settings")
    epoch = dt.datetime(1899, 12, 30)
    settings.set_value(5, 3, (dt.datetime(2025, 6, 30) - epoch).days)
    settings.set_value(6, 3, (dt.datetime(2025, 12, 31) - epoch).days)
    package.save(book, {settings.part: settings.xml().encode()})
    package.close()
    return book


def measure(rows: int, repeats: int = 3) -> dict:
    """The refresh (``-o``) and the floor, each the median of ``repeats`` fresh processes."""
    with tempfile.TemporaryDirectory() as scratch:
        book = prepared(rows, Path(scratch))
        out = Path(scratch) / "refreshed.xlsx"
        runs = [_child(CHILD, str(book), str(out)) for _ in range(repeats)]
        floors = [_child(FLOOR, str(book)) for _ in range(repeats)]
        env = _with_bytecode(Path(scratch))
        commands = [_command(book, Path(scratch) / "command.xlsx", env) for _ in range(repeats)]
        # the book refreshed, refreshed again (as after every export): its sheets hold the
        # last refresh's spills, 20,000 rows each at 100,000 transactions
        again = [_child(CHILD, str(out), str(Path(scratch) / "again.xlsx")) for _ in range(repeats)]
    failed = [r for r in runs + floors + commands + again if "failed" in r]
    if failed:
        return {"rows": rows, "failed": failed[0]["failed"]}
    runs.sort(key=lambda r: r["seconds"])
    floor = sorted(f["seconds"] for f in floors)[repeats // 2]
    middle = runs[repeats // 2]
    second = sorted(r["seconds"] for r in again)[repeats // 2]
    command = sorted(c["seconds"] for c in commands)[repeats // 2]
    return {"rows": rows, **middle, "floor": floor, "times_floor": middle["seconds"] / floor,
            "command": command, "command_times_floor": command / floor,
            "again": second, "again_times_floor": second / floor,
            "again_error_cells": max(r["error_cells"] for r in again),
            "peak_mb": max(r["peak_mb"] for r in runs),
            "again_peak_mb": max(r["peak_mb"] for r in again)}  # fmt: skip


def table(results: list[dict]) -> str:
    lines = ["| transactions | customers | refresh (s) | calamine floor (s) | x floor | load | "
             "compute | write | intervals | cohort fits | model checks | the core | "
             "whole command (s) | command x floor | "
             "peak memory (MB) | refreshed again (s) | again x floor | again peak (MB) | "
             "error cells |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]  # fmt: skip
    for r in results:
        if "failed" in r:
            lines.append(f"| {r['rows']:,} | {max(r['rows'] // 5, 10):,} | failed: {r['failed']} |"
                         " | | | | | | | | | | | | | | | |")  # fmt: skip
            continue
        core = r["seconds"] - r["intervals"] - r["cohorts"] - r["checks"]
        lines.append(f"| {r['rows']:,} | {max(r['rows'] // 5, 10):,} | {r['seconds']:.2f} | "
                     f"{r['floor']:.2f} | {r['times_floor']:.1f} | "
                     f"{r['load']:.2f} | {r['compute']:.2f} | {r['write']:.2f} | "
                     f"{r['intervals']:.2f} | {r['cohorts']:.2f} | {r['checks']:.2f} | "
                     f"{core:.2f} | {r['command']:.2f} | {r['command_times_floor']:.1f} | "
                     f"{r['peak_mb']:,.0f} | {r['again']:.2f} | "
                     f"{r['again_times_floor']:.1f} | {r['again_peak_mb']:,.0f} | "
                     f"{r['error_cells'] + r['again_error_cells']} |")  # fmt: skip
    lines += ["", "Costliest formulas (seconds), per size:", ""]
    for r in results:
        if "failed" in r:
            continue
        parts = ", ".join(f"{cell} {seconds:.2f}" for cell, _, seconds in r["slowest"])
        lines.append(f"- {r['rows']:,}: {parts}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000, 20_000, 100_000])
    parser.add_argument("--out", type=Path, default=None, help="also write the table here")
    parser.add_argument("--repeats", type=int, default=3, help="runs of each, the median kept")
    args = parser.parse_args(argv)
    results = []
    for rows in args.rows:
        results.append(measure(rows, args.repeats))
        print(json.dumps(results[-1]), flush=True)
    text = table(results)
    print(text)
    if args.out:
        args.out.write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
