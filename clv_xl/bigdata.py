"""The command-line path for logs too big for a sheet: summarise where the data lives, then fit
and predict on the summary file. Used by ``clv-xl summarize | fit | predict``."""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pandas as pd

from clv_xl.data.scoring import SCORING_COLUMNS, score_frame, spark_score
from clv_xl.data.sources import Source, SourceError, summarize_source
from clv_xl.errors import InputError, first_line
from clv_xl.files import TABLE_SUFFIXES, input_file, output_file, refused, write_atomically
from clv_xl.models import (
    PURCHASE_MODELS,
    GammaGamma,
    RepeatBuyingModel,
    model_class,
)
from clv_xl.models.params_table import rows_to_dict
from clv_xl.progress import bar

SUMMARY = "a summary file written by `clv-xl summarize` (.parquet or .csv)"


def read_table(path: Path) -> pd.DataFrame:
    """A summary written by ``clv-xl summarize``: its columns and numbers checked."""
    input_file(path, "summary", SUMMARY, tuple(TABLE_SUFFIXES))
    try:
        if TABLE_SUFFIXES[path.suffix.lower()] == "parquet":
            frame = pd.read_parquet(path)
        else:
            frame = pd.read_csv(path)
    except Exception as exc:  # pyarrow, the CSV parser: the file is not what its name says
        first = first_line(exc, 120) or type(exc).__name__
        raise refused("summary", f"{path}, which could not be read ({first})", SUMMARY) from None
    if frame.empty:
        raise refused("summary", f"{path} with no customers", SUMMARY)
    return checked_summary(frame, path)


def checked_summary(frame: pd.DataFrame, path: Path, first_row: int = 0) -> pd.DataFrame:
    """The summary columns present and numeric; a bad cell is named by its row in the file
    (``first_row`` is the position of this chunk's first customer)."""
    missing = [c for c in SCORING_COLUMNS if c not in frame.columns]
    if missing:
        raise refused("summary", f"{path} without the column {missing[0]}",
                      f"{SUMMARY}; a raw transaction log goes to `clv-xl summarize` first")  # fmt: skip
    for column in SCORING_COLUMNS[1:]:
        values = pd.to_numeric(frame[column], errors="coerce")
        bad = values.isna() & frame[column].notna() | ~np.isfinite(values.fillna(0))
        if bad.any():
            row = int(np.argmax(bad.to_numpy()))
            raise InputError(f"summary column {column}", frame[column].iloc[row],
                             "a number", position=(first_row + row + 2,))  # fmt: skip
        frame[column] = values.fillna(0.0)
    return frame


def summary_period(frame: pd.DataFrame) -> str:
    """The time unit a summary was made in (its ``period`` column), "W" for older files."""
    if "period" not in frame.columns or frame["period"].isna().all():
        return "W"
    return str(frame["period"].iloc[0])


def fitted_unit(summary: pd.DataFrame, stored: dict[str, object]) -> str:
    """The summary's time unit, which must be the one the parameters were fitted in."""
    unit = summary_period(summary)
    if unit != stored["period"]:
        raise refused("--params", f"a fit in period {stored['period']} for a summary in {unit}",
                      "the fit of this summary (or of one with the same --period)")  # fmt: skip
    return unit


def period_label(period: str | None) -> str:
    """ "W", "D", "M" or a number of days, as recorded in a summary and a parameter file."""
    from clv_xl.data.summary import period_days

    days = period_days(period)  # refuses a bad period with one line
    key = str(period or "W").strip().upper()[:1]
    return key if key in ("W", "D", "M") else f"{days:g}"


def write_table(frame: pd.DataFrame, path: Path) -> None:
    target = output_file(path, "--output", tuple(TABLE_SUFFIXES))
    if TABLE_SUFFIXES[target.suffix.lower()] == "parquet":
        # microsecond timestamps: the form Spark and most readers take (pandas writes ns)
        write_atomically(target, lambda tmp: frame.to_parquet(
            tmp, index=False, coerce_timestamps="us", allow_truncated_timestamps=True))  # fmt: skip
    else:
        write_atomically(target, lambda tmp: frame.to_csv(tmp, index=False))


def cli_summarize(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    label = period_label(args.period)
    target = output_file(args.output, "--output", tuple(TABLE_SUFFIXES))
    as_of = None
    if args.as_of not in (None, ""):
        try:
            as_of = pd.Timestamp(args.as_of).date()
        except (ValueError, TypeError):
            raise InputError("--as-of", args.as_of, "a date such as 1997-09-30") from None
    if Path(args.source).is_file() or Path(args.source).is_symlink():
        input_file(Path(args.source), "source", "a CSV or Parquet transaction log")
    source = Source(args.source, args.customer, args.date, args.amount)
    bar(f"summarising with {args.engine}", 0.1)
    if args.engine == "duckdb":  # DuckDB writes the file itself: memory stays within its limit
        from clv_xl.data.engines import duckdb_summary
        from clv_xl.data.summary import period_days

        write_atomically(target, lambda tmp: duckdb_summary(
            source, as_of, period_days(args.period), args.memory_limit, to_file=tmp, period=label))  # fmt: skip
        count = _rows(target)
    else:
        summary = summarize_source(source, args.engine, as_of, args.period)
        summary["period"] = label
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


CLI_MODELS = {k: v for k, v in PURCHASE_MODELS.items() if k != "BG/BB"}


def cli_fit(args: argparse.Namespace) -> int:
    cls = model_class(args.model, CLI_MODELS)
    target = output_file(args.output, "--output", (".json",))
    summary = read_table(args.summary)
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
        print(
            f"  note: {dropped:,} repeat customers with an average spend of 0 or less are left out of the spend fit"
        )
    result = {
        "model": model.table(),
        "spend": spend.table() if spend else None,
        "period": summary_period(summary),
    }
    text = json.dumps(result, indent=2, default=str)
    write_atomically(target, lambda tmp: tmp.write_text(text))
    for name, value in model.table():
        print(f"  {name:<16} {value}")
    return 0 if model.converged_ else 1


PARAMS = "the .json file `clv-xl fit` wrote"


def read_params(path: Path) -> dict[str, object]:
    input_file(path, "--params", PARAMS, (".json",))
    try:
        stored = json.loads(path.read_text(encoding="utf-8"))
        table = rows_to_dict(stored["model"])
        cls = model_class(str(table["model"]), CLI_MODELS)
        model = cls.from_params({k: float(str(table[k])) for k in cls.param_names})
        spend = None
        if stored.get("spend"):
            spend_table = rows_to_dict(stored["spend"])
            spend = GammaGamma.from_params(
                [float(str(spend_table[k])) for k in GammaGamma.param_names]
            )
    except InputError:
        raise
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise refused("--params", f"{path}, which is not a clv-xl fit ({type(exc).__name__})",
                         PARAMS) from None  # fmt: skip
    return {"model": model, "spend": spend, "period": str(stored.get("period", "W"))}


def cli_predict(args: argparse.Namespace) -> int:
    """Score a summary in chunks of ``--chunk-rows`` customers: memory stays bounded however
    large the file, and the answers are those of one pass over the whole file."""
    for name in ("weeks", "months", "discount_rate", "margin"):
        value = getattr(args, name)
        if not np.isfinite(value) or value < 0 or (name == "margin" and value > 1):
            allowed = "a fraction from 0 to 1" if name == "margin" else "a number >= 0"
            raise InputError(f"--{name.replace('_', '-')}", value, allowed)
    if not 1 <= args.months <= 1200:
        raise InputError("--months", args.months, "a whole number of months from 1 to 1,200")
    if not 1_000 <= args.chunk_rows <= 100_000_000:
        raise InputError("--chunk-rows", args.chunk_rows, "a number of customers from 1,000 up")
    if args.engine == "spark":
        return _predict_on_spark(args)
    target = output_file(args.output, "--output", tuple(TABLE_SUFFIXES))
    stored = read_params(args.params)
    input_file(args.summary, "summary", SUMMARY, tuple(TABLE_SUFFIXES))
    model, spend = stored["model"], stored["spend"]
    assert isinstance(model, RepeatBuyingModel)
    scored = 0

    total, chunks = _chunks(args.summary, args.chunk_rows, args.engine)

    def score(chunk: pd.DataFrame) -> pd.DataFrame:
        nonlocal scored
        chunk = checked_summary(chunk, args.summary, scored)
        unit = fitted_unit(chunk, stored)
        out = score_frame(model, spend if isinstance(spend, GammaGamma) else None, chunk,
                          args.weeks, args.months, args.discount_rate, args.margin, unit)  # fmt: skip
        scored += len(chunk)
        bar(f"scored {scored:,} of {total:,} customers", min(scored / max(total, 1), 0.99))
        return out

    write_atomically(target, lambda tmp: stream(chunks, tmp, score))
    if not scored:
        raise refused("summary", f"{args.summary} with no customers", SUMMARY)
    bar("done", 1.0)
    print(f"{scored:,} customers -> {args.output}")
    return 0


def _chunks(source: Path, rows: int, engine: str) -> tuple[int, Iterator[pd.DataFrame]]:
    """The summary file's customer count and its customers ``rows`` at a time, read by DuckDB
    or by pyarrow and pandas; an unreadable file is one line."""
    if engine == "duckdb":
        from clv_xl.data.engines import duckdb_batches

        try:
            total, batches = duckdb_batches(source, rows)
        except SourceError as exc:
            raise refused(
                "summary", f"{source}, which could not be read ({exc})", SUMMARY
            ) from None
        return total, _refusing(source, batches)
    try:
        total = _rows(source)
    except (ValueError, OSError) as exc:
        first = first_line(exc, 120) or type(exc).__name__
        raise refused("summary", f"{source}, which could not be read ({first})", SUMMARY) from None
    return total, _refusing(source, _pandas_batches(source, rows))


def _pandas_batches(source: Path, rows: int) -> Iterator[pd.DataFrame]:
    import pyarrow.parquet as pq

    if TABLE_SUFFIXES[source.suffix.lower()] == "parquet":
        for batch in pq.ParquetFile(source).iter_batches(batch_size=rows):
            yield batch.to_pandas()
    else:
        yield from pd.read_csv(source, chunksize=rows)


def _refusing(source: Path, batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
    """``batches``, with a read failure on the way turned into one line naming the file."""
    try:
        yield from batches
    except (ValueError, OSError, pd.errors.ParserError, SourceError) as exc:
        if isinstance(exc, InputError):
            raise
        first = first_line(exc, 120) or type(exc).__name__
        raise refused("summary", f"{source}, which could not be read ({first})", SUMMARY) from None


def stream(chunks: Iterator[pd.DataFrame], target: Path,
           score: Callable[[pd.DataFrame], pd.DataFrame]) -> None:  # fmt: skip
    """Score each chunk and append it to ``target``."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    parquet_out = TABLE_SUFFIXES[target.suffix.lower()] == "parquet"
    writer = None
    first = True
    try:
        for chunk in chunks:
            out = score(chunk)
            if parquet_out:
                table = pa.Table.from_pandas(out, preserve_index=False)
                if writer is None:
                    writer = pq.ParquetWriter(target, table.schema)
                writer.write_table(table)
            else:
                out.to_csv(target, mode="w" if first else "a", header=first, index=False)
            first = False
    finally:
        if writer is not None:
            writer.close()


def _predict_on_spark(args: argparse.Namespace) -> int:
    """``--engine spark``: a Parquet summary scored partition by partition (``mapInPandas``),
    written as a Parquet folder, the form Spark writes and reads back."""
    allowed = "a .parquet summary (a file or a folder of Parquet files)"
    source = args.summary
    if not source.exists() or source.suffix.lower() not in (".parquet", ".pq"):
        raise refused("summary", str(source), allowed)
    target = args.output
    if target.suffix.lower() not in (".parquet", ".pq"):
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
    options = {"weeks": args.weeks, "months": args.months, "rate": args.discount_rate,
               "margin": args.margin, "unit": unit}  # fmt: skip
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
    print(f"{count:,} customers -> {target} (a Parquet folder)")
    return 0
