"""DuckDB: the default engine, embedded and out of core (past its memory cap it spills to disk,
so a log larger than memory still works, more slowly)."""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd

from clv_xl.data.engines.sql import finish, quote, summary_sql
from clv_xl.data.sources import Source, SourceError, date_form, mixed_dates, pick_columns
from clv_xl.errors import first_line
from clv_xl.files import PARQUET_SUFFIXES

DUCKDB_MEMORY = "4GB"  # beyond this DuckDB spills to disk: a log larger than memory still works


def duckdb_connection(memory_limit: str = DUCKDB_MEMORY) -> Any:
    """An in-process DuckDB that installs and loads no extensions, stays within
    ``memory_limit`` (spilling to the system temporary folder, not DuckDB's default ./.tmp) and
    draws no progress bar of its own."""
    import duckdb

    con = duckdb.connect(
        config={"autoinstall_known_extensions": False, "autoload_known_extensions": False}
    )
    con.execute(f"SET memory_limit = '{memory_limit}'")
    spill = Path(tempfile.gettempdir()) / "clv_xl_duckdb"
    con.execute(f"SET temp_directory = '{spill.as_posix()}'")
    con.execute("SET enable_progress_bar = false")  # a library does not draw on the console
    return con


def duckdb_batches(path: Path, rows: int) -> tuple[int, Iterator[pd.DataFrame]]:
    """A Parquet or CSV file's row count, and its rows ``rows`` at a time in file order, read by
    DuckDB: only one batch is held in Python, whatever the size of the file."""
    import duckdb

    con = duckdb_connection()
    name = "'" + str(path).replace("'", "''") + "'"
    kind = "parquet" if path.suffix.lower() in PARQUET_SUFFIXES else "csv"
    relation = (f"read_parquet({name})" if kind == "parquet"
                else f"read_csv({name}, header = true, sample_size = -1)")  # fmt: skip
    try:
        total = int(con.execute(f"SELECT count(*) FROM {relation}").fetchall()[0][0])
    except duckdb.Error as exc:
        con.close()
        raise SourceError(first_line(exc, 120) or type(exc).__name__) from None

    def batches() -> Iterator[pd.DataFrame]:
        try:
            reader = con.sql(f"SELECT * FROM {relation}").to_arrow_reader(rows)
            for batch in reader:
                yield batch.to_pandas()
        except duckdb.Error as exc:
            raise SourceError(first_line(exc, 120) or type(exc).__name__) from None
        finally:
            con.close()

    return total, batches()


def duckdb_summary(
    src: Source,
    as_of: dt.date | None,
    step: float,
    memory_limit: str = DUCKDB_MEMORY,
    to_file: Path | None = None,
    period: str | None = None,
) -> pd.DataFrame:
    """The summary as a DataFrame, or, with ``to_file``, written by DuckDB straight to a Parquet
    or CSV file (nothing materialised in Python: memory stays within ``memory_limit``); the
    returned frame is then empty. ``period`` adds a column recording the time unit."""
    import duckdb

    con = duckdb_connection(memory_limit)
    try:
        relation = _duckdb_relation(src)
        try:
            columns = [str(c) for c in con.sql(f"SELECT * FROM {relation} LIMIT 0").columns]
        except duckdb.Error as exc:
            raise SourceError(f"cannot read {src.location}: {first_line(exc, 1000)}") from None
        customer, date, amount = pick_columns(columns, src)
        relation = _duckdb_relation(src, text_column=date)  # dates as text: one form, checked
        try:
            day = _duckdb_day(con, relation, customer, date)
        except duckdb.Error as exc:
            raise SourceError(f"cannot read {src.location}: {first_line(exc, 1000)}") from None
        sql = summary_sql("duckdb", customer, day, amount, relation, as_of, step)
        try:
            if to_file is not None:
                checked = con.execute(
                    "SELECT count(*) FILTER (WHERE purchases IS NULL), any_value(customer) "
                    f"FILTER (WHERE purchases IS NULL) FROM ({sql})"
                ).fetchone()
                if checked and checked[0]:
                    finish(pd.DataFrame({"customer": [checked[1]], "purchases": [None]}))
                kind = "PARQUET" if to_file.suffix.lower() in PARQUET_SUFFIXES else "CSV"
                target = str(to_file).replace("'", "''")
                if period is not None:
                    unit = str(period).replace("'", "''")
                    sql = f"SELECT *, '{unit}' AS period FROM ({sql})"
                con.execute(f"COPY ({sql}) TO '{target}' (FORMAT {kind})")
                return pd.DataFrame(columns=["customer"])
            frame = con.execute(sql).fetchdf()
        except duckdb.Error as exc:
            raise SourceError(f"cannot summarise {src.location}: {first_line(exc, 1000)}") from None
        return finish(frame)
    finally:
        con.close()


def _duckdb_relation(src: Source, text_column: str | None = None) -> str:
    if src.is_query:
        return f"({src.location})"
    kind, files = src.files()
    listed = "[" + ", ".join("'" + str(p).replace("'", "''") + "'" for p in files) + "]"
    if kind == "parquet":
        return f"read_parquet({listed})"
    types = ""
    if text_column is not None:
        types = ", types = {'" + text_column.replace("'", "''") + "': 'VARCHAR'}"
    return f"read_csv({listed}, header = true, sample_size = -1{types})"


def _duckdb_day(con: Any, relation: str, customer: str, date: str) -> str:
    column = quote(date)
    kind = con.execute(
        f"SELECT typeof({column}) FROM {relation} WHERE {column} IS NOT NULL LIMIT 1"
    ).fetchone()
    first = con.execute(
        f"SELECT {column} FROM {relation} WHERE {quote(customer)} IS NOT NULL AND {column} IS NOT NULL LIMIT 1"
    ).fetchone()
    if kind is None or first is None:
        raise SourceError("the source has no dates")
    if kind[0].startswith(("DATE", "TIMESTAMP")):
        return f"CAST({column} AS DATE)"
    form = date_form(first[0])
    assert form is not None
    text = f"regexp_replace(trim(CAST({column} AS VARCHAR)), '\\.0$', '')"
    parsed = f"CAST(try_strptime({text}, '{form[0]}') AS DATE)"
    bad = con.execute(
        f"SELECT row, value FROM (SELECT row_number() OVER () + 1 AS row, {column} AS value, "
        f"{parsed} AS parsed FROM {relation}) WHERE value IS NOT NULL AND parsed IS NULL LIMIT 1"
    ).fetchone()
    if bad is not None:
        raise mixed_dates(int(bad[0]), bad[1], form)
    return parsed
