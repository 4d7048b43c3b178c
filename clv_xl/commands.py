"""The handlers of ``clv-xl summarize | fit | predict``: the command-line path for logs too big
for a sheet. They check arguments, call :mod:`clv_xl.data`, and print what they did."""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import numpy as np
import pandas as pd

from clv_xl.core import wording
from clv_xl.data.engines import summarize_source
from clv_xl.data.scoring import SCORING_COLUMNS, score_frame, spark_score
from clv_xl.data.sources import Source, as_of_date
from clv_xl.data.stored import (
    SUMMARY,
    checked_summary,
    cli_models,
    count_rows,
    fitted_unit,
    period_label,
    read_params,
    read_summary,
    summary_batches,
    summary_period,
    write_fit,
    write_scored,
    write_summary,
)
from clv_xl.data.summary import period_days
from clv_xl.errors import InputError, first_line
from clv_xl.files import (
    PARQUET_SUFFIXES,
    TABLE_SUFFIXES,
    input_file,
    not_an_input,
    output_file,
    refused,
    write_atomically,
)
from clv_xl.models import GammaGamma, RepeatBuyingModel, model_class
from clv_xl.progress import bar, say


def summarize(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    label = period_label(args.period)
    target = not_an_input(
        output_file(args.output, "--output", tuple(TABLE_SUFFIXES)), [Path(args.source)], "--output"
    )
    folder = Path(args.source).expanduser()
    if folder.is_dir() and Path(os.path.realpath(folder)) in target.parents:
        raise refused(
            "--output",
            f"{args.output}, inside the log's folder {args.source}",
            "a file outside it (inside, the next summary would read it as sales)",
        )
    as_of = as_of_date(args.as_of)
    if Path(args.source).is_file() or Path(args.source).is_symlink():
        input_file(Path(args.source), "source", "a CSV or Parquet transaction log")
    source = Source(
        args.source,
        args.customer,
        args.date,
        args.amount,
        args.encoding,
        args.decimal,
        args.date_order,
    )
    bar(f"summarising with {args.engine}", 0.1)
    notes: list[str] = []
    if args.engine == "duckdb":  # DuckDB writes the file itself: memory stays within its limit
        from clv_xl.data.engines.duckdb_engine import duckdb_summary

        def write(tmp: Path) -> None:
            done = duckdb_summary(
                source,
                as_of,
                period_days(args.period),
                args.memory_limit,
                to_file=tmp,
                period=label,
            )
            notes.extend(done.attrs["notes"])

        write_atomically(target, write)
        count = count_rows(target)
    else:
        summary = summarize_source(source, args.engine, as_of, args.period)
        notes.extend(summary.attrs.get("notes", []))
        summary["period"] = label
        bar("writing", 0.9)
        write_summary(summary, args.output)
        count = len(summary)
    bar("done", 1.0)
    for note in notes:
        say(f"  note: {note}")
    say(f"{count:,} customers -> {args.output} ({time.perf_counter() - started:.1f} s)")
    return 0


def fit(args: argparse.Namespace) -> int:
    cls = model_class(args.model, cli_models())
    target = not_an_input(
        output_file(args.output, "--output", (".json",)), [args.summary], "--output"
    )
    summary = read_summary(args.summary)
    bar(f"fitting {cls.name}", 0.1)
    x, tx, big_t, m = (summary[c].to_numpy(float) for c in SCORING_COLUMNS[1:])
    model = cls()
    assert isinstance(model, RepeatBuyingModel)
    model.fit(x, tx, big_t)
    bar("fitting Gamma-Gamma", 0.6)
    usable = (x > 0) & (m > 0)  # the spend model needs a positive average spend
    spend = GammaGamma().fit(x[usable], m[usable]) if usable.sum() >= 2 else None
    bar("done", 1.0)
    dropped = int(((x > 0) & (m <= 0)).sum())
    if dropped:
        say(
            f"  note: {dropped:,} repeat customers with an average spend of 0 or less are left out of the spend fit"
        )
    write_fit(target, model, spend, summary_period(summary))
    for name, value in model.table():
        say(f"  {name:<16} {value}")
    return 0 if model.converged_ else 1


def predict(args: argparse.Namespace) -> int:
    """Score a summary in chunks of ``--chunk-rows`` customers: memory stays bounded however
    large the file, and the answers are those of one pass over the whole file."""
    for name in ("weeks", "months", "discount_rate", "margin"):
        value = getattr(args, name)
        if not np.isfinite(value) or value < 0 or (name == "margin" and value > 1):
            allowed = "a fraction from 0 to 1" if name == "margin" else "a number >= 0"
            raise InputError(f"--{name.replace('_', '-')}", value, allowed)
    if not 1 <= args.months <= 1200:
        raise InputError("--months", args.months, wording.MONTHS)
    if not 1_000 <= args.chunk_rows <= 100_000_000:
        raise InputError("--chunk-rows", args.chunk_rows, "a number of customers from 1,000 up")
    if args.engine == "spark":
        return _predict_on_spark(args)
    target = not_an_input(
        output_file(args.output, "--output", tuple(TABLE_SUFFIXES)),
        [args.summary, args.params],
        "--output",
    )
    stored = read_params(args.params)
    input_file(args.summary, "summary", SUMMARY, tuple(TABLE_SUFFIXES))
    model, spend = stored["model"], stored["spend"]
    assert isinstance(model, RepeatBuyingModel)
    scored = 0

    total, chunks = summary_batches(args.summary, args.chunk_rows, args.engine)

    def score(chunk: pd.DataFrame) -> pd.DataFrame:
        nonlocal scored
        chunk = checked_summary(chunk, args.summary, scored)
        unit = fitted_unit(chunk, stored)
        out = score_frame(
            model,
            spend if isinstance(spend, GammaGamma) else None,
            chunk,
            args.weeks,
            args.months,
            args.discount_rate,
            args.margin,
            unit,
        )
        scored += len(chunk)
        bar(f"scored {scored:,} of {total:,} customers", min(scored / max(total, 1), 0.99))
        return out

    write_atomically(target, lambda tmp: write_scored(chunks, tmp, score))
    if not scored:
        raise refused("summary", f"{args.summary} with no customers", SUMMARY)
    bar("done", 1.0)
    say(f"{scored:,} customers -> {args.output}")
    return 0


def _predict_on_spark(args: argparse.Namespace) -> int:
    """``--engine spark``: a Parquet summary scored partition by partition (``mapInPandas``),
    written as a Parquet folder, the form Spark writes and reads back."""
    allowed = "a .parquet summary (a file or a folder of Parquet files)"
    source = args.summary
    if not source.exists() or source.suffix.lower() not in PARQUET_SUFFIXES:
        raise refused("summary", str(source), allowed)
    target = args.output
    if target.suffix.lower() not in PARQUET_SUFFIXES:
        raise refused(
            "--output", str(target), "a folder name ending in .parquet (Spark writes a folder)"
        )
    if target.exists() and not (target / "_SUCCESS").exists():
        raise refused("--output", f"{target}, which is not a Spark output folder", "a new name")
    if not target.resolve().parent.is_dir():
        raise refused("--output", f"{target}, whose folder does not exist", "an existing folder")
    stored = read_params(args.params)
    import pyarrow.dataset as ds

    first = ds.dataset(source).head(1).to_pandas()
    checked_summary(first, source)
    unit = fitted_unit(first, stored)
    model, spend = stored["model"], stored["spend"]
    assert isinstance(model, RepeatBuyingModel)
    bar("scoring on Spark", 0.3)
    options = {
        "weeks": args.weeks,
        "months": args.months,
        "rate": args.discount_rate,
        "margin": args.margin,
        "unit": unit,
    }
    from pyspark.errors import PySparkException

    per_purchase = spend if isinstance(spend, GammaGamma) else None
    try:
        count = spark_score(source, target, model, per_purchase, options)
    except PySparkException as exc:
        first = first_line(exc) or type(exc).__name__
        raise refused(
            "summary", f"{source}, which Spark could not score ({first})", allowed
        ) from None
    bar("done", 1.0)
    say(f"{count:,} customers -> {target} (a Parquet folder)")
    return 0
