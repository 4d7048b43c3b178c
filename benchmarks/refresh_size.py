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
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from benchmarks.synthetic import transaction_log

ROOT = Path(__file__).resolve().parents[1]
CHILD = r"""
import json, resource, sys, time
from clv_xl.workbooks.refresh import refresh
started = time.perf_counter()
report = refresh(sys.argv[1])
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"seconds": report.seconds, "load": report.load_seconds,
                  "compute": report.compute_seconds, "write": report.write_seconds,
                  "errors": len(report.errors), "first_error": report.errors[:1],
                  "peak_mb": peak, "formulas": report.formulas,
                  "intervals": sum(t for _, f, t in report.timings if "CLV_INTERVAL" in f),
                  "cohorts": sum(t for _, f, t in report.timings if "CLV_FIT_COHORTS" in f),
                  "checks": sum(t for _, f, t in report.timings
                                if any(k in f for k in ("CLV_COMPARE", "CLV_TRACKING", "CLV_HOLDOUT"))),
                  "slowest": report.timings[:6]}))
"""


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


def measure(rows: int) -> dict:
    with tempfile.TemporaryDirectory() as scratch:
        book = prepared(rows, Path(scratch))
        done = subprocess.run([sys.executable, "-c", CHILD, str(book)], capture_output=True,
                              text=True, cwd=ROOT)  # fmt: skip
        if done.returncode:
            last = (done.stderr.strip().splitlines() or ["killed"])[-1]
            return {"rows": rows, "failed": f"exit {done.returncode}: {last}"}
        return {"rows": rows, **json.loads(done.stdout.strip().splitlines()[-1])}


def table(results: list[dict]) -> str:
    lines = ["| transactions | customers | refresh (s) | load | compute | write | intervals | "
             "cohort fits | model checks | the core | peak memory (MB) | errors |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|"]  # fmt: skip
    for r in results:
        if "failed" in r:
            lines.append(f"| {r['rows']:,} | {max(r['rows'] // 5, 10):,} | failed: {r['failed']} |"
                         " | | | | | | | | |")  # fmt: skip
            continue
        core = r["seconds"] - r["intervals"] - r["cohorts"] - r["checks"]
        lines.append(f"| {r['rows']:,} | {max(r['rows'] // 5, 10):,} | {r['seconds']:.2f} | "
                     f"{r['load']:.2f} | {r['compute']:.2f} | {r['write']:.2f} | "
                     f"{r['intervals']:.2f} | {r['cohorts']:.2f} | {r['checks']:.2f} | "
                     f"{core:.2f} | {r['peak_mb']:,.0f} | {r['errors']} |")  # fmt: skip
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
    args = parser.parse_args(argv)
    results = []
    for rows in args.rows:
        results.append(measure(rows))
        print(json.dumps(results[-1]), flush=True)
    text = table(results)
    print(text)
    if args.out:
        args.out.write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
