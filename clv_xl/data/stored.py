"""The files the command line keeps between steps: summaries (`clv-xl summarize`), fits (`clv-xl
fit`, a JSON parameter table) and predictions, read and written with their checks."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pandas as pd

from clv_xl.core.timeunit import TimeUnit
from clv_xl.data.scoring import SCORING_COLUMNS
from clv_xl.data.sources import SourceError
from clv_xl.errors import InputError, first_line
from clv_xl.files import (
    PARQUET_SUFFIXES,
    TABLE_SUFFIXES,
    input_file,
    output_file,
    refused,
    write_atomically,
)
from clv_xl.models import BaseModel, GammaGamma, continuous_models, model_class
from clv_xl.models.params_table import rows_to_dict


def cli_models() -> dict[str, type[BaseModel]]:
    """The models the command line fits: those in continuous time, with per-customer lifetime
    value in weeks."""
    return continuous_models()


SUMMARY = "a summary file written by `clv-xl summarize` (.parquet or .csv)"


def read_summary(path: Path) -> pd.DataFrame:
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
        raise refused(
            "summary",
            f"{path} without the column {missing[0]}",
            f"{SUMMARY}; a raw transaction log goes to `clv-xl summarize` first",
        )
    for column in SCORING_COLUMNS[1:]:
        values = pd.to_numeric(frame[column], errors="coerce")
        bad = values.isna() & frame[column].notna() | ~np.isfinite(values.fillna(0))
        if bad.any():
            row = int(np.argmax(bad.to_numpy()))
            raise InputError(
                f"summary column {column}",
                frame[column].iloc[row],
                "a number",
                position=(first_row + row + 2,),
            )
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
        raise refused(
            "--params",
            f"a fit in period {stored['period']} for a summary in {unit}",
            "the fit of this summary (or of one with the same --period)",
        )
    return unit


def period_label(period: str | None) -> str:
    """ "W", "D", "M" or a number of days, as recorded in a summary and a parameter file."""
    return TimeUnit.parse(period).label  # refuses a bad period with one line


def write_fit(target: Path, model: BaseModel, spend: BaseModel | None, period: str) -> None:
    """The parameter tables of a fit (and its spend model) as JSON, with the summary's unit."""
    document = {"model": model.table(), "spend": spend.table() if spend else None, "period": period}
    text = json.dumps(document, indent=2, default=str)
    write_atomically(target, lambda tmp: tmp.write_text(text))


def write_summary(frame: pd.DataFrame, path: Path) -> None:
    target = output_file(path, "--output", tuple(TABLE_SUFFIXES))
    if TABLE_SUFFIXES[target.suffix.lower()] == "parquet":
        # microsecond timestamps: the form Spark and most readers take (pandas writes ns)
        write_atomically(
            target,
            lambda tmp: frame.to_parquet(
                tmp, index=False, coerce_timestamps="us", allow_truncated_timestamps=True
            ),
        )
    else:
        write_atomically(target, lambda tmp: frame.to_csv(tmp, index=False))


def count_rows(path: Path) -> int:
    if path.suffix.lower() in PARQUET_SUFFIXES:
        import pyarrow.parquet as pq

        return int(pq.ParquetFile(path).metadata.num_rows)
    with open(path, "rb") as handle:
        return max(sum(1 for _ in handle) - 1, 0)


PARAMS = "the .json file `clv-xl fit` wrote"


def read_params(path: Path) -> dict[str, object]:
    input_file(path, "--params", PARAMS, (".json",))
    try:
        stored = json.loads(path.read_text(encoding="utf-8"))
        table = rows_to_dict(stored["model"])
        cls = model_class(str(table["model"]), cli_models())
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
        raise refused(
            "--params", f"{path}, which is not a clv-xl fit ({type(exc).__name__})", PARAMS
        ) from None
    if table.get("converged") is False:  # its predictions would be NaN columns
        raise refused(
            "--params",
            f"{path}, a fit that did not converge ({table.get('status')})",
            "a converged fit: fit again with more customers or another --model",
        )
    return {"model": model, "spend": spend, "period": str(stored.get("period", "W"))}


def summary_batches(source: Path, rows: int, engine: str) -> tuple[int, Iterator[pd.DataFrame]]:
    """The summary file's customer count and its customers ``rows`` at a time, read by DuckDB
    or by pyarrow and pandas; an unreadable file is one line."""
    if engine == "duckdb":
        from clv_xl.data.engines.duckdb_engine import duckdb_batches

        try:
            total, batches = duckdb_batches(source, rows)
        except SourceError as exc:
            raise refused(
                "summary", f"{source}, which could not be read ({exc})", SUMMARY
            ) from None
        return total, _refusing(source, batches)
    try:
        total = count_rows(source)
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


def write_scored(
    chunks: Iterator[pd.DataFrame], target: Path, score: Callable[[pd.DataFrame], pd.DataFrame]
) -> None:
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
