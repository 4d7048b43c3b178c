"""Apache Spark (local mode: this machine's cores), for logs already kept as Spark reads them."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import sys
import tempfile
import warnings
from pathlib import Path
from typing import Any

import pandas as pd

from clv_xl.data.engines.sql import arrow_batches, finish, no_customers, summary_sql
from clv_xl.data.reading import transactions
from clv_xl.data.sources import Source, SourceError
from clv_xl.errors import first_line
from clv_xl.runtime import require

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


JVM_NOISE = ("WARNING: Using incubator modules",)
"""Lines the JVM itself writes on every start, before any log configuration applies."""


def _quiet_gateway(settings: dict[str, str]) -> None:
    """Start Spark's JVM with its standard error read by a thread that passes every line on
    except :data:`JVM_NOISE` (only where no JVM runs yet in this process)."""
    import subprocess
    import threading

    from pyspark import SparkConf, SparkContext
    from pyspark.java_gateway import launch_gateway

    if SparkContext._gateway is not None:
        return
    conf = SparkConf()
    for key, value in settings.items():
        conf.set(key, value)
    gateway = launch_gateway(conf, popen_kwargs={"stderr": subprocess.PIPE})
    stream = gateway.proc.stderr

    def forward() -> None:
        for raw in iter(stream.readline, b""):
            line = raw.decode("utf-8", errors="replace")
            if not line.startswith(JVM_NOISE) and sys.stderr is not None:
                sys.stderr.write(line)
                sys.stderr.flush()

    threading.Thread(target=forward, name="spark-stderr", daemon=True).start()
    SparkContext._gateway, SparkContext._jvm = gateway, gateway.jvm


def spark_session() -> Any:
    """A local Spark session, started once per process (local mode: this machine's cores).

    Unless verbose, the JVM starts with a log4j2 configuration of errors only (given before the
    JVM starts, so none of Spark's start-up lines reach the terminal)."""
    global _spark_session
    if _spark_session is None:
        SparkSession = require("pyspark.sql", "--engine spark", "pyspark").SparkSession
        # the workers run this Python (with clv_xl's packages), whoever starts the session first:
        # left to itself Spark starts `python3` from PATH, which an unactivated venv is not
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)

        if not verbose():
            quiet_pyspark_warnings()
            # the driver JVM is started by spark-submit: its Java options go on that command line
            option = f"-Dlog4j2.configurationFile={QUIET_LOG.as_uri()}"
            os.environ.setdefault(
                "PYSPARK_SUBMIT_ARGS", f'--driver-java-options "{option}" pyspark-shell'
            )
        settings = {
            "spark.master": "local[*]",
            "spark.app.name": "clv_xl",
            "spark.ui.enabled": "false",
            "spark.ui.showConsoleProgress": "false",
            "spark.sql.shuffle.partitions": "8",
            "spark.sql.session.timeZone": "UTC",
            "spark.driver.memory": os.environ.get("CLV_XL_SPARK_MEMORY", "4g"),
        }
        if not verbose():
            _quiet_gateway(settings)
        builder = SparkSession.builder
        for key, value in settings.items():
            builder = builder.config(key, value)
        _spark_session = builder.getOrCreate()
        _spark_session.sparkContext.setLogLevel("ERROR")
    return _spark_session


def spark_summary(src: Source, as_of: dt.date | None, step: float) -> pd.DataFrame:
    """The summary on Spark, of the batches :func:`clv_xl.data.reading.transactions` reads
    (handed to Spark as a temporary Parquet folder, removed whatever happens)."""
    import pyarrow.parquet as pq

    PySparkException = require("pyspark.errors", "--engine spark", "pyspark").PySparkException
    read = transactions(src)
    spark = spark_session()
    folder = Path(tempfile.mkdtemp(prefix="clv_xl_spark_"))
    try:
        writer = None
        for batch in arrow_batches(read.passes()):
            if writer is None:
                writer = pq.ParquetWriter(folder / "part-0.parquet", batch.schema)
            writer.write_batch(batch)
        if writer is None:
            raise SourceError("the log has no rows with a customer id")
        writer.close()
        view = "clv_transactions"
        try:
            spark.read.parquet(str(folder)).createOrReplaceTempView(view)
            sql = summary_sql("spark", "customer", "day", "amount", view, as_of, step)
            frame = spark.sql(sql).toPandas()
        except PySparkException as exc:
            raise SourceError(f"cannot summarise {src.location}: {first_line(exc, 1000)}") from None
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    if frame.empty:
        raise no_customers(as_of)
    frame = finish(frame)
    frame.attrs["notes"] = read.notes
    frame.attrs["customers"] = len(frame)
    return frame
