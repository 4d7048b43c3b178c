"""CLV_SUMMARY_FILE: a transaction log too big for a sheet, summarised where it lives (DuckDB)."""

from __future__ import annotations

import os
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any

import pandas as pd
import xlwings as xw

from clv_xl.core import segment
from clv_xl.data.engines import summarize_source
from clv_xl.data.sources import NoPurchasesError, Source
from clv_xl.errors import CLVError, InputError
from clv_xl.excel import argdocs as docs
from clv_xl.excel.arguments import date_cell
from clv_xl.excel.declare import cell
from clv_xl.excel.runner import excel_function
from clv_xl.excel.tables import spill
from clv_xl.models import BGNBD, GammaGamma, fit_cached, lifetime_value
from clv_xl.runtime import in_pyodide

LITE_NO_FILES = (
    "xlwings Lite's Python runs inside Excel and cannot read this computer's files; paste the "
    "log into a sheet and use CLV_SUMMARY, or run clv-xl summarize FILE where Python is installed"
)

_summaries: OrderedDict[tuple[Any, ...], pd.DataFrame] = OrderedDict()
_allowed: ContextVar[list[Path] | None] = ContextVar("clv_xl_allowed_folders", default=None)
"""None in Excel (any file the user names); in a headless refresh, the folders allowed."""


@contextmanager
def allowed_folders(folders: list[Path]) -> Iterator[None]:
    """While a headless refresh runs: CLV_SUMMARY_FILE reads only under ``folders``."""
    token = _allowed.set([Path(os.path.realpath(f)) for f in folders])
    try:
        yield
    finally:
        _allowed.reset(token)


def _permitted(path: str) -> bool:
    folders = _allowed.get()
    if folders is None:
        return True
    real = Path(os.path.realpath(os.path.expanduser(path)))  # "~/x.csv" is the home folder's
    return any(real == f or f in real.parents for f in folders)


MAX_SUMMARIES = 8


def _text(value: Any, argument: str) -> str | None:
    if value in (None, ""):
        return None
    if isinstance(value, list):
        raise InputError(argument, "a range", "one cell of text")
    return str(value).strip()


def content_stamp(source: str) -> tuple[tuple[str, int, int], ...]:
    """(name, size, modification time) of the file, or of each file in the folder."""
    if not os.path.exists(source):
        return ()
    paths = sorted(os.scandir(source), key=lambda e: e.name) if os.path.isdir(source) else None
    if paths is None:
        stat = os.stat(source)
        return ((source, stat.st_size, stat.st_mtime_ns),)
    return tuple((e.name, e.stat().st_size, e.stat().st_mtime_ns) for e in paths if e.is_file())


def summary_of(
    source: str, as_of: Any, period: Any, columns: tuple[str | None, ...]
) -> pd.DataFrame:
    """The summary, computed once per content and options: the key holds the size and
    modification time of the file, or of every file in the folder (one changed file, one added
    or removed, means a new summary)."""
    key = (source, content_stamp(source), str(as_of), str(period), columns)
    if key not in _summaries:
        _summaries[key] = summarize_source(Source(source, *columns), "duckdb", as_of, period or "W")
        while len(_summaries) > MAX_SUMMARIES:
            _summaries.popitem(last=False)
    _summaries.move_to_end(key)
    return _summaries[key]


def tier_table(summary: pd.DataFrame) -> pd.DataFrame:
    """Customers, 12-month value and mean P(alive) per tier (4 equal-size tiers by value)."""
    x, tx, big_t, m = (
        summary[c].to_numpy(float) for c in ("frequency", "recency", "T", "monetary_value")
    )
    model = fit_cached(BGNBD, x, tx, big_t)
    usable = (x > 0) & (m > 0)
    spend = fit_cached(GammaGamma, x[usable], m[usable])
    value = lifetime_value(model, spend.expected_spend(x, m), x, tx, big_t, 12, 0.01)  # type: ignore[attr-defined,arg-type]
    alive = model.p_alive(x, tx, big_t)  # type: ignore[attr-defined]
    tiers = segment(value, 4)
    frame = pd.DataFrame({"tier": tiers, "value": value, "alive": alive})
    table = frame.groupby("tier").agg(
        customers=("value", "size"),
        value_12_months=("value", "sum"),
        mean_p_alive=("alive", "mean"),
    )
    table = table.reset_index()
    table["share_of_value"] = table["value_12_months"] / table["value_12_months"].sum()
    return table[["tier", "customers", "value_12_months", "share_of_value", "mean_p_alive"]]


@xw.func(category=docs.CATEGORY)
@cell(
    "source",
    "Path of a CSV or Parquet file, or a folder of them, holding customer, date and amount columns.",
)
@cell("as_of", docs.AS_OF)
@cell("period", docs.PERIOD)
@cell(
    "level",
    'Optional: "customers" (blank) spills one row per customer; "tiers" spills totals for 4 value tiers.',
)
@cell("customer_col", "Optional name of the customer column (blank: guessed, e.g. customer_id).")
@cell("date_col", "Optional name of the date column (blank: guessed).")
@cell("amount_col", "Optional name of the amount column (blank: guessed).")
@excel_function
def CLV_SUMMARY_FILE(
    source, as_of=None, period=None, level=None, customer_col=None, date_col=None, amount_col=None
):
    """Summary of a transaction file too big for a sheet, computed by DuckDB where it lives.

    The same columns as CLV_SUMMARY, from a CSV or Parquet file or a folder of them (millions of
    rows); in a headless refresh only under a folder ``--allow-files`` names. Not in xlwings Lite
    (no files there): one line says so.

    Returns
    -------
    range
        CLV_SUMMARY's table, or four value tiers with ``level`` "tiers".

    Examples
    --------
    >>> table = CLV_SUMMARY_FILE("sales.csv")  # doctest: +SKIP
    """
    if in_pyodide():
        raise CLVError(LITE_NO_FILES)
    path = _text(source, "source")
    if path is None:
        raise InputError("source", None, "the path of a CSV or Parquet file or folder")
    if not _permitted(path) and not Source(path).is_query:
        raise InputError(
            "source",
            path,
            "a file or folder under a folder the refresh allows "
            "(clv-xl refresh --allow-files FOLDER; links are followed first)",
        )
    if Source(path).is_query:
        raise InputError(
            "source", "a SQL query", "a file or folder (queries run from Python or clv-xl)"
        )
    columns = (
        _text(customer_col, "customer_col"),
        _text(date_col, "date_col"),
        _text(amount_col, "amount_col"),
    )
    kind = (_text(level, "level") or "customers").lower()
    if kind not in ("customers", "tiers"):
        raise InputError("level", level, '"customers" or "tiers"')
    if not Path(os.path.expanduser(path)).exists():
        raise InputError("source", path, "a CSV or Parquet file, or a folder of them, that exists")
    try:
        summary = summary_of(path, date_cell(as_of, "as_of"), _text(period, "period"), columns)
    except NoPurchasesError as exc:
        if exc.as_of is None:
            raise
        raise InputError("as_of", as_of, "a date on or after the first purchase") from None
    if kind == "tiers":
        return spill(tier_table(summary))
    return spill(summary)


__all__ = ["CLV_SUMMARY_FILE"]
