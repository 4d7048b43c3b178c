"""Apache Spark (local mode: this machine's cores), for logs already kept as Spark reads them."""

from __future__ import annotations

import datetime as dt
import os
import warnings
from pathlib import Path
from typing import Any

import pandas as pd

from clv_xl.data.engines.sql import finish, summary_sql
from clv_xl.data.sources import Source, SourceError, date_form, pick_columns
from clv_xl.errors import first_line

_spark_session: Any = None


QUIET_LOG = Path(__file__).with_name("log4j2-quiet.properties")
KNOWN_WARNINGS = (
    (FutureWarning, r"PySpark does not yet fully support pandas"),
    (Warning, r"The copy keyword is deprecated"),  # pandas 3's Pandas4Warning, raised in pyspark
)
"""PySpark's notices about pandas 3 (its conversions work): filtered for pyspark's modules only."""


def verbose() -> bool:
    """``clv-xl --verbose``: Spark's own log and warnings, as Spark would show them."""
    return os.environ.get("CLV_XL_VERBOSE") == "1"


def quiet_pyspark_warnings() -> None:
    """Ignore KNOWN_WARNINGS where pyspark raises them; nothing else is filtered."""
    for category, message in KNOWN_WARNINGS:
        warnings.filterwarnings("ignore", message=message, category=category, module=r"pyspark\.")


def spark_session() -> Any:
    """A local Spark session, started once per process (local mode: this machine's cores).

    Unless verbose, the JVM starts with a log4j2 configuration of errors only (given before the
    JVM starts, so none of Spark's start-up lines reach the terminal)."""
    global _spark_session
    if _spark_session is None:
        from pyspark.sql import SparkSession

        if not verbose():
            quiet_pyspark_warnings()
            # the driver JVM is started by spark-submit: its Java options go on that command line
            option = f"-Dlog4j2.configurationFile={QUIET_LOG.as_uri()}"
            os.environ.setdefault("PYSPARK_SUBMIT_ARGS",
                                  f'--driver-java-options "{option}" pyspark-shell')  # fmt: skip
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
    return finish(spark.sql(sql).toPandas())
