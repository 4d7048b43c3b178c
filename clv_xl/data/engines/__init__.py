"""The engines that summarise a transaction source, behind one registry: the command line
takes its ``--engine`` choices from :data:`ENGINES`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pandas as pd

from clv_xl.data.engines.connection import DUCKDB_MEMORY
from clv_xl.data.sources import Source, as_of_date
from clv_xl.data.summary import SUMMARY_COLUMNS, period_days
from clv_xl.errors import InputError

Progress = Callable[[str, float], None]


def _duckdb(src: Source, as_of: dt.date | None, step: float, memory_limit: str) -> pd.DataFrame:
    from clv_xl.data.engines.duckdb_engine import duckdb_summary

    return duckdb_summary(src, as_of, step, memory_limit)


def _spark(src: Source, as_of: dt.date | None, step: float, memory_limit: str) -> pd.DataFrame:
    from clv_xl.data.engines.spark_engine import spark_summary

    return spark_summary(src, as_of, step)


def _pandas(src: Source, as_of: dt.date | None, step: float, memory_limit: str) -> pd.DataFrame:
    from clv_xl.data.engines.pandas_engine import pandas_summary

    return pandas_summary(src, as_of, step)


ENGINES: dict[str, Callable[[Source, dt.date | None, float, str], pd.DataFrame]] = {
    "duckdb": _duckdb,
    "spark": _spark,
    "pandas": _pandas,
}
"""Each engine's summary function (imported when first used: Spark is optional)."""
ENGINE_HELP = {
    "duckdb": "embedded, out of core",
    "spark": "Apache Spark in local mode (needs Java and pyspark)",
    "pandas": "everything in memory",
}


def summarize_source(
    source: Source | str,
    engine: str = "duckdb",
    as_of: Any = None,
    period: Any = "W",
    progress: Progress | None = None,
    memory_limit: str = DUCKDB_MEMORY,
) -> pd.DataFrame:
    """The per-customer summary (SUMMARY_COLUMNS) of a transaction source, sorted by customer.

    ``memory_limit`` caps DuckDB's working memory; past it DuckDB spills to disk, so a log larger
    than memory still works (more slowly)."""
    src = Source(source) if isinstance(source, str) else source
    if engine not in ENGINES:
        raise InputError("engine", engine, ", ".join(ENGINES))
    step = period_days(period)
    say = progress or (lambda text, share: None)
    say(f"reading with {engine}", 0.05)
    frame = ENGINES[engine](src, as_of_date(as_of), step, memory_limit)
    say("done", 1.0)
    return frame[list(SUMMARY_COLUMNS)].reset_index(drop=True)
