"""The same summary as SQL, for DuckDB (embedded, out of core) and Apache Spark.

One statement per engine, differing only in dialect (``date_diff`` vs ``datediff``, ``arg_min``
vs ``min_by``); see ``clv_xl.data.sources`` for the conventions.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd

from clv_xl.data.sources import (
    PARQUET_SUFFIXES,
    Source,
    SourceError,
    date_form,
    mixed_dates,
    pick_columns,
)
from clv_xl.errors import first_line

SUMMARY_SQL = """
WITH tx AS (
    SELECT {customer} AS customer, {day} AS day, {amount} AS amount
    FROM {relation}
    WHERE {customer} IS NOT NULL
), bounds AS (
    {bounds}
), days AS (
    SELECT customer, day, SUM(amount) AS amount
    FROM tx CROSS JOIN bounds WHERE day <= as_of GROUP BY customer, day
), buys AS (
    SELECT * FROM days WHERE amount >= 0
), per AS (
    SELECT customer, COUNT(*) AS purchases, MIN(day) AS first_purchase, MAX(day) AS last_purchase,
           SUM(amount) AS buy_spend, {first_amount} AS first_amount
    FROM buys GROUP BY customer
), spend AS (
    SELECT customer, SUM(amount) AS total_spend FROM days GROUP BY customer
)
SELECT s.customer AS customer,
       CAST(p.purchases - 1 AS DOUBLE) AS frequency,
       {recency} / CAST({step} AS DOUBLE) AS recency,
       {age} / CAST({step} AS DOUBLE) AS T,
       CASE WHEN p.purchases > 1 THEN (p.buy_spend - p.first_amount) / (p.purchases - 1)
            ELSE 0.0 END AS monetary_value,
       CAST(p.purchases AS DOUBLE) AS purchases,
       s.total_spend AS total_spend,
       p.first_purchase AS first_purchase,
       p.last_purchase AS last_purchase
FROM spend s LEFT JOIN per p ON s.customer = p.customer CROSS JOIN bounds b
ORDER BY s.customer
"""


DIALECTS = {
    "duckdb": {
        "quote": lambda name: '"' + name.replace('"', '""') + '"',
        "first_amount": "arg_min(amount, day)",
        "recency": "date_diff('day', p.first_purchase, p.last_purchase)",
        "age": "date_diff('day', p.first_purchase, b.as_of)",
    },
    "spark": {
        "quote": lambda name: "`" + name.replace("`", "``") + "`",
        "first_amount": "min_by(amount, day)",
        "recency": "datediff(p.last_purchase, p.first_purchase)",
        "age": "datediff(b.as_of, p.first_purchase)",
    },
}


def summary_sql(
    dialect: str,
    customer: str,
    day: str,
    amount: str | None,
    relation: str,
    as_of: dt.date | None,
    step: float,
) -> str:
    """SUMMARY_SQL in one engine's dialect."""
    words = DIALECTS[dialect]
    quote = words["quote"]
    assert callable(quote)
    return SUMMARY_SQL.format(
        customer=quote(customer),
        day=day,
        amount=f"COALESCE(CAST({quote(amount)} AS DOUBLE), 0.0)" if amount else "0.0",
        relation=relation,
        bounds=_bounds(as_of),
        first_amount=words["first_amount"],
        recency=words["recency"],
        age=words["age"],
        step=repr(float(step)),
    )


def _quote(name: str) -> str:
    quote = DIALECTS["duckdb"]["quote"]
    assert callable(quote)
    return str(quote(name))


def _bounds(value: dt.date | None) -> str:
    """Exactly one row: the given as_of, or the last date in the data."""
    if value is None:
        return "SELECT MAX(day) AS as_of FROM tx"
    return f"SELECT DATE '{value.isoformat()}' AS as_of"


def _finish(frame: pd.DataFrame) -> pd.DataFrame:
    missing = frame["purchases"].isna()
    if missing.any():
        raise SourceError(
            f"customer {frame.loc[missing, 'customer'].iloc[0]} has only returns (amounts that "
            "net below zero every day); every customer needs at least one purchase"
        )
    for column in ("first_purchase", "last_purchase"):
        frame[column] = pd.to_datetime(frame[column])
    return frame


# ---- DuckDB ------------------------------------------------------------------------------------
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
                    _finish(pd.DataFrame({"customer": [checked[1]], "purchases": [None]}))
                kind = "PARQUET" if to_file.suffix.lower() in (".parquet", ".pq") else "CSV"
                target = str(to_file).replace("'", "''")
                if period is not None:
                    unit = str(period).replace("'", "''")
                    sql = f"SELECT *, '{unit}' AS period FROM ({sql})"
                con.execute(f"COPY ({sql}) TO '{target}' (FORMAT {kind})")
                return pd.DataFrame(columns=["customer"])
            frame = con.execute(sql).fetchdf()
        except duckdb.Error as exc:
            raise SourceError(f"cannot summarise {src.location}: {first_line(exc, 1000)}") from None
        return _finish(frame)
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
    column = _quote(date)
    kind = con.execute(
        f"SELECT typeof({column}) FROM {relation} WHERE {column} IS NOT NULL LIMIT 1"
    ).fetchone()
    first = con.execute(
        f"SELECT {column} FROM {relation} WHERE {_quote(customer)} IS NOT NULL AND {column} IS NOT NULL LIMIT 1"
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


# ---- Spark -------------------------------------------------------------------------------------
_spark_session: Any = None


def spark_session() -> Any:
    """A local Spark session, started once per process (local mode: this machine's cores)."""
    global _spark_session
    if _spark_session is None:
        from pyspark.sql import SparkSession

        _spark_session = (
            SparkSession.builder.master("local[*]")
            .appName("clv_xl")
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            .config("spark.sql.shuffle.partitions", "8")
            .config("spark.sql.session.timeZone", "UTC")
            .config("spark.driver.memory", os.environ.get("CLV_XL_SPARK_MEMORY", "4g"))
            .getOrCreate()
        )
        _spark_session.sparkContext.setLogLevel("ERROR")
    return _spark_session


def spark_summary(src: Source, as_of: dt.date | None, step: float) -> pd.DataFrame:
    if src.is_query:
        raise SourceError("a SQL query source is for DuckDB; with Spark, give files or a folder")
    from pyspark.errors import PySparkException

    spark = spark_session()
    kind, files = src.files()
    paths = [str(p) for p in files]
    try:
        if kind == "parquet":
            frame = spark.read.parquet(*paths)
        else:
            frame = spark.read.option("header", True).option("inferSchema", True).csv(paths)
    except PySparkException as exc:
        raise SourceError(f"cannot read {src.location}: {first_line(exc, 1000)}") from None
    customer, date, amount = pick_columns(list(frame.columns), src)
    view = "clv_transactions"
    frame.createOrReplaceTempView(view)
    column = f"`{date}`"
    kind_of_date = dict(frame.dtypes)[date]
    if kind_of_date in ("date", "timestamp", "timestamp_ntz"):
        day = f"CAST({column} AS DATE)"
    else:
        first = (
            frame.where(f"`{customer}` IS NOT NULL AND {column} IS NOT NULL").select(date).first()
        )
        if first is None:
            raise SourceError("the source has no dates")
        form = date_form(first[0])
        assert form is not None
        text = f"regexp_replace(trim(CAST({column} AS STRING)), '\\\\.0$', '')"
        day = f"to_date({text}, '{form[1]}')"
        bad = spark.sql(
            f"SELECT {column} AS value FROM {view} WHERE {column} IS NOT NULL AND try_to_timestamp({text}, '{form[1]}') IS NULL LIMIT 1"
        ).first()
        if bad is not None:  # Spark keeps no row order: the value is named, not the row
            raise SourceError(
                f"mixed date formats: {bad[0]!r} is not in the form {form[2]} of the column's "
                "first date; give every date in one form"
            )
    sql = summary_sql("spark", customer, day, amount, view, as_of, step)
    with warnings.catch_warnings():  # pyspark's notice about pandas 3; the conversion works
        warnings.simplefilter("ignore", FutureWarning)
        return _finish(spark.sql(sql).toPandas())
