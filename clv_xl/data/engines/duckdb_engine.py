"""DuckDB: the default engine, embedded and out of core (past its memory cap it spills to disk,
so a log larger than memory still works, more slowly). It summarises the batches
:func:`clv_xl.data.reading.transactions` reads, as every engine does."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pandas as pd

from clv_xl.data.engines.connection import DUCKDB_MEMORY, duckdb_connection
from clv_xl.data.engines.sql import arrow_stream, finish, no_customers, summary_sql
from clv_xl.data.reading import transactions
from clv_xl.data.sources import Source, SourceError
from clv_xl.errors import first_line
from clv_xl.files import PARQUET_SUFFIXES


def duckdb_batches(path: Path, rows: int) -> tuple[int, Iterator[pd.DataFrame]]:
    """A Parquet or CSV file's row count, and its rows ``rows`` at a time in file order, read by
    DuckDB: only one batch is held in Python, whatever the size of the file."""
    import duckdb

    con = duckdb_connection()
    name = "'" + str(path).replace("'", "''") + "'"
    kind = "parquet" if path.suffix.lower() in PARQUET_SUFFIXES else "csv"
    relation = (
        f"read_parquet({name})"
        if kind == "parquet"
        else f"read_csv({name}, header = true, sample_size = -1)"
    )
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
    returned frame then holds no rows. ``period`` adds a column recording the time unit."""
    import duckdb

    read = transactions(src)
    con = duckdb_connection(memory_limit)
    try:
        con.register("clv_source", arrow_stream(read.passes()))
        con.execute("CREATE TEMP TABLE clv_tx AS SELECT * FROM clv_source")
        con.unregister("clv_source")
        sql = summary_sql("duckdb", "customer", "day", "amount", "clv_tx", as_of, step)
        checked = con.execute(
            "SELECT count(*), count(*) FILTER (WHERE purchases IS NULL), any_value(customer) "
            f"FILTER (WHERE purchases IS NULL) FROM ({sql})"
        ).fetchone()
        assert checked is not None
        if not checked[0]:
            raise no_customers(as_of)
        if checked[1]:
            finish(pd.DataFrame({"customer": [checked[2]], "purchases": [None]}))
        if to_file is not None:
            kind = "PARQUET" if to_file.suffix.lower() in PARQUET_SUFFIXES else "CSV"
            target = str(to_file).replace("'", "''")
            if period is not None:
                unit = str(period).replace("'", "''")
                sql = f"SELECT *, '{unit}' AS period FROM ({sql})"
            con.execute(f"COPY ({sql}) TO '{target}' (FORMAT {kind})")
            frame = pd.DataFrame(columns=["customer"])
        else:
            frame = finish(con.execute(sql).fetchdf())
    except duckdb.Error as exc:
        raise SourceError(f"cannot summarise {src.location}: {first_line(exc, 1000)}") from None
    finally:
        con.close()
    frame.attrs["notes"] = read.notes
    frame.attrs["customers"] = int(checked[0])
    return frame
