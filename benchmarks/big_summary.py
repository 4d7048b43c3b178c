"""Summaries past Excel's row limit: 50,000,000 transactions as Parquet, summarised by DuckDB
(and Spark local for comparison), BG/NBD fitted on the summary, then every customer of that
summary scored by `clv-xl predict` (DuckDB and pandas in chunks, and Spark with --spark).

    python -m benchmarks.big_summary [--rows 50000000] [--customers 5000000] [--spark]

Each engine runs in a child process so its peak memory (max RSS) is measured on its own. The
data is written in chunks (never all in memory) to a folder of Parquet files.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

CHUNK = 5_000_000


def write_log(folder: Path, rows: int, customers: int) -> int:
    """The seeded synthetic log of benchmarks/synthetic.py, written in chunks of customers."""
    from benchmarks.synthetic import transaction_log

    chunks = max(1, rows // CHUNK)
    for part in range(chunks):
        n, k = rows // chunks, customers // chunks
        log = transaction_log(n, k, seed=100 + part)
        log["customer"] += part * k
        table = pa.Table.from_pandas(log, preserve_index=False)
        pq.write_table(table, folder / f"part-{part:03d}.parquet")
    return sum(p.stat().st_size for p in folder.glob("*.parquet"))


# A child's own peak memory: /proc's VmHWM belongs to the process's new address space, while
# getrusage's ru_maxrss on Linux starts from the parent's size at the fork (so a child started
# by a parent holding a 5M-customer summary would report at least that).
PEAK_MB = """
def PEAK():
    try:
        with open("/proc/self/status") as status:
            return next(int(x.split()[1]) / 1024 for x in status if x.startswith("VmHWM:"))
    except OSError:
        import resource
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
"""

CHILD = (
    PEAK_MB
    + """
import json, sys, time
from pathlib import Path
import pyarrow.parquet as pq
from clv_xl.data.engines import summarize_source
from clv_xl.data.engines.duckdb_engine import duckdb_summary
from clv_xl.data.sources import Source
start = time.perf_counter()
if sys.argv[2] == "duckdb":  # as `clv-xl summarize` does: DuckDB writes the file itself
    duckdb_summary(Source(sys.argv[1]), None, 7.0, sys.argv[4], to_file=Path(sys.argv[3]))
else:
    summarize_source(sys.argv[1], sys.argv[2]).to_parquet(sys.argv[3])
seconds = time.perf_counter() - start
customers = pq.ParquetFile(sys.argv[3]).metadata.num_rows
print("RESULT " + json.dumps({"seconds": seconds, "customers": customers, "max_rss_mb": PEAK()}))
"""
)


def run_engine(folder: Path, engine: str, out: Path, memory: str = "4GB") -> dict[str, float]:
    done = subprocess.run([sys.executable, "-c", CHILD, str(folder), engine, str(out), memory],
                          capture_output=True, text=True, check=True)  # fmt: skip
    line = next(x for x in done.stdout.splitlines() if "RESULT " in x)
    result = json.loads(line.split("RESULT ", 1)[1])
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    result["children_max_rss_mb"] = children  # includes a Spark JVM, started by the child
    return result


PREDICT = (
    PEAK_MB
    + """
import json, sys, time
from clv_xl.cli import main
start = time.perf_counter()
code = main(sys.argv[1:])
print("RESULT " + json.dumps({"seconds": time.perf_counter() - start, "code": code,
                              "max_rss_mb": PEAK()}))
"""
)


def run_cli(*args: str) -> dict[str, float]:
    """One `clv-xl` command in a child process: its time and its own peak memory."""
    done = subprocess.run([sys.executable, "-c", PREDICT, *args],
                          capture_output=True, text=True, check=True)  # fmt: skip
    line = next(x for x in done.stdout.splitlines() if "RESULT " in x)
    return json.loads(line.split("RESULT ", 1)[1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=50_000_000)
    parser.add_argument("--customers", type=int, default=5_000_000)
    parser.add_argument("--spark", action="store_true", help="also run Spark local (slow)")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "big_results.json")
    args = parser.parse_args()
    results: dict[str, object] = {"rows": args.rows, "customers": args.customers}
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch) / "log"
        folder.mkdir()
        t = time.perf_counter()
        size = write_log(folder, args.rows, args.customers)
        in_memory_mb = args.rows * (8 + 8 + 8) / 2**20
        results["parquet_mb"] = size / 2**20
        results["in_memory_mb"] = in_memory_mb
        print(f"wrote {args.rows:,} rows as {size / 2**20:.0f} MB of Parquet in {time.perf_counter() - t:.0f} s "
              f"({in_memory_mb:.0f} MB as in-memory arrays)", flush=True)  # fmt: skip
        for engine, memory in [
            ("duckdb", "4GB"),
            ("duckdb", "500MB"),
            *([("spark", "-")] if args.spark else []),
        ]:
            out = Path(scratch) / f"summary-{engine}.parquet"
            label = f"{engine} (memory limit {memory})" if engine == "duckdb" else engine
            results[label] = run_engine(folder, engine, out, memory)
            print(label, results[label], flush=True)
        import pandas as pd

        from clv_xl.models import BGNBD

        summary = pd.read_parquet(Path(scratch) / "summary-duckdb.parquet")
        t = time.perf_counter()
        model = BGNBD().fit(summary["frequency"], summary["recency"], summary["T"])
        results["bgnbd_fit_seconds"] = time.perf_counter() - t
        results["bgnbd"] = model.params_
        print(
            f"BG/NBD on {len(summary):,} customers: {results['bgnbd_fit_seconds']:.1f} s, {model}",
            flush=True,
        )
        # predictions for every customer of the 50M-row log's summary, as a user runs them
        summary_file = str(Path(scratch) / "summary-duckdb.parquet")
        params = str(Path(scratch) / "params.json")
        results["clv-xl fit"] = run_cli("fit", summary_file, "-o", params)
        print("clv-xl fit", results["clv-xl fit"], flush=True)
        for engine in ["duckdb", "pandas", *(["spark"] if args.spark else [])]:
            out = str(Path(scratch) / f"scores-{engine}.parquet")
            label = f"clv-xl predict --engine {engine}"
            results[label] = run_cli("predict", summary_file, "--params", params, "-o", out,
                                     "--engine", engine)  # fmt: skip
            print(label, results[label], flush=True)
        scores = [pd.read_parquet(Path(scratch) / f"scores-{e}.parquet").sort_values("customer")
                  for e in ["duckdb", "pandas", *(["spark"] if args.spark else [])]]  # fmt: skip
        numbers = ["p_alive", "expected_purchases", "lifetime_value"]
        results["predict_max_rel_diff"] = max(
            float(np.max(np.abs(s[numbers].to_numpy() - scores[0][numbers].to_numpy())
                         / np.maximum(np.abs(scores[0][numbers].to_numpy()), 1e-12)))
            for s in scores[1:]
        )  # fmt: skip
        print("engines agree to", results["predict_max_rel_diff"], flush=True)
    args.out.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
