"""The headless refresh of a filled-down column: ``=CLV_VALUE(A2,B2)`` in column C of every
row (a dynamic-array formula, as Excel 365 saves one) and ``=C2*2`` beside it, from 1,000 to
20,000 rows, refreshed by ``clv_xl.workbooks.refresh`` as ``clv-xl refresh -o`` runs.

    python -m benchmarks.filled_down [--rows 1000 5000 20000] [--repeats 3]

A refresh should take time in proportion to its formulas: twice the rows, about twice the time.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import xlsxwriter

from clv_xl.workbooks.refresh import refresh


def book(path: Path, rows: int) -> Path:
    """A sheet S: Spent and Margin typed, Value and Twice as formulas, ``rows`` rows."""
    workbook = xlsxwriter.Workbook(path)
    ws = workbook.add_worksheet("S")
    ws.write_row(0, 0, ["Spent", "Margin", "Value", "Twice"])
    for i in range(2, rows + 2):
        ws.write_row(i - 1, 0, [10 + i % 7, 0.25])
        ws.write_dynamic_array_formula(f"C{i}", f"=CLV_VALUE(A{i},B{i})")
        ws.write_formula(f"D{i}", f"=C{i}*2")
    workbook.close()
    return path


def measure(rows: int, repeats: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as folder:
        source = book(Path(folder) / "in.xlsx", rows)
        times = []
        for _ in range(repeats):
            started = time.perf_counter()
            report = refresh(source, Path(folder) / "out.xlsx")
            times.append(time.perf_counter() - started)
            assert not report.errors, report.errors[:3]
    seconds = statistics.median(times)
    return {"rows": rows, "seconds": seconds, "per_1000_rows": seconds / rows * 1000}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000, 5_000, 20_000])
    parser.add_argument("--repeats", type=int, default=3, help="runs of each, the median kept")
    args = parser.parse_args(argv)
    print("| rows | refresh | per 1,000 rows |\n|---|---|---|")
    for rows in args.rows:
        r = measure(rows, args.repeats)
        print(f"| {rows:,} | {r['seconds']:.2f} s | {r['per_1000_rows']:.2f} s |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
