"""The command-line path for logs too big for a sheet: summarise where the data lives, then fit
and predict on the summary file. Used by ``clv-xl summarize | fit | predict``."""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import pandas as pd

from clv_xl.data.sources import Source, summarize_source
from clv_xl.errors import InputError
from clv_xl.models import (
    PURCHASE_MODELS,
    GammaGamma,
    RepeatBuyingModel,
    lifetime_value,
    model_class,
)
from clv_xl.progress import bar


def read_table(path: Path) -> pd.DataFrame:
    if not path.is_file():
        raise InputError("summary", str(path), "an existing .parquet or .csv summary file")
    return (
        pd.read_parquet(path) if path.suffix.lower() in (".parquet", ".pq") else pd.read_csv(path)
    )


def write_table(frame: pd.DataFrame, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    if path.suffix.lower() in (".parquet", ".pq"):
        frame.to_parquet(tmp, index=False)
    else:
        frame.to_csv(tmp, index=False)
    tmp.replace(path)


def cli_summarize(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    source = Source(args.source, args.customer, args.date, args.amount)
    bar(f"summarising with {args.engine}", 0.1)
    if args.engine == "duckdb":  # DuckDB writes the file itself: memory stays within its limit
        from clv_xl.data.engines import duckdb_summary
        from clv_xl.data.summary import period_days

        args.output.parent.mkdir(parents=True, exist_ok=True)
        tmp = args.output.with_name(f".{args.output.name}.tmp{args.output.suffix}")
        as_of = None if args.as_of in (None, "") else pd.Timestamp(args.as_of).date()
        duckdb_summary(source, as_of, period_days(args.period), args.memory_limit, to_file=tmp)
        tmp.replace(args.output)
        count = _rows(args.output)
    else:
        summary = summarize_source(source, args.engine, args.as_of, args.period)
        bar("writing", 0.9)
        write_table(summary, args.output)
        count = len(summary)
    bar("done", 1.0)
    print(f"{count:,} customers -> {args.output} ({time.perf_counter() - started:.1f} s)")
    return 0


def _rows(path: Path) -> int:
    if path.suffix.lower() in (".parquet", ".pq"):
        import pyarrow.parquet as pq

        return int(pq.ParquetFile(path).metadata.num_rows)
    with open(path, "rb") as handle:
        return max(sum(1 for _ in handle) - 1, 0)


def cli_fit(args: argparse.Namespace) -> int:
    summary = read_table(args.summary)
    cls = model_class(args.model, PURCHASE_MODELS)
    bar(f"fitting {cls.name}", 0.1)
    x, tx, big_t, m = (
        summary[c].to_numpy(float) for c in ("frequency", "recency", "T", "monetary_value")
    )
    model = cls()
    assert isinstance(model, RepeatBuyingModel)
    model.fit(x, tx, big_t)
    bar("fitting Gamma-Gamma", 0.6)
    usable = (x > 0) & (m > 0)  # the spend model needs a positive average spend
    spend = GammaGamma().fit(x[usable], m[usable]) if usable.sum() >= 2 else None
    bar("done", 1.0)
    dropped = int(((x > 0) & (m <= 0)).sum())
    if dropped:
        print(
            f"  note: {dropped:,} repeat customers with an average spend of 0 or less are left out of the spend fit"
        )
    result = {"model": model.table(), "spend": spend.table() if spend else None}
    args.output.write_text(json.dumps(result, indent=2))
    for name, value in model.table():
        print(f"  {name:<16} {value}")
    return 0 if model.converged_ else 1


def _from_table(rows: list[list[object]]) -> dict[str, object]:
    return {str(k): v for k, v in rows}


def cli_predict(args: argparse.Namespace) -> int:
    summary = read_table(args.summary)
    stored = json.loads(args.params.read_text())
    table = _from_table(stored["model"])
    cls = model_class(table["model"], PURCHASE_MODELS)
    model = cls.from_params({k: float(str(table[k])) for k in cls.param_names})
    assert isinstance(model, RepeatBuyingModel)
    x, tx, big_t, m = (
        summary[c].to_numpy(float) for c in ("frequency", "recency", "T", "monetary_value")
    )
    bar("P(alive)", 0.2)
    out = pd.DataFrame({"customer": summary["customer"], "p_alive": model.p_alive(x, tx, big_t)})
    bar("expected purchases", 0.4)
    out["expected_purchases"] = model.expected_purchases(args.weeks, x, tx, big_t)
    if stored.get("spend"):
        spend_table = _from_table(stored["spend"])
        spend = GammaGamma.from_params([float(str(spend_table[k])) for k in GammaGamma.param_names])
        bar("expected spend and lifetime value", 0.6)
        out["expected_spend"] = spend.expected_spend(x, m)
        out["lifetime_value"] = lifetime_value(
            model,
            out["expected_spend"].to_numpy(),
            x,
            tx,
            big_t,
            args.months,
            args.discount_rate,
            args.margin,
        )
    bar("writing", 0.9)
    write_table(out, args.output)
    bar("done", 1.0)
    print(f"{len(out):,} customers -> {args.output}")
    return 0
