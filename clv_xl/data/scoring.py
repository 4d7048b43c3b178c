"""Per-customer predictions for a summary table: in memory, chunk by chunk, or on Spark.

One function, :func:`score_frame`, computes the predictions of a pandas chunk; the command line
feeds it Parquet or CSV chunks (``clv_xl.bigdata``), and :func:`spark_score` feeds it Spark's
partitions through ``mapInPandas``, so a cluster scores each partition where it lives with the
same code and the same numbers.
"""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path
from typing import Any

import pandas as pd

from clv_xl.core.timeunit import TimeUnit
from clv_xl.models import GammaGamma, RepeatBuyingModel, lifetime_value

# The summary columns scoring reads (a summary has more: purchases, dates, period).
SCORING_COLUMNS = ("customer", "frequency", "recency", "T", "monetary_value")


def score_frame(
    model: RepeatBuyingModel,
    spend: GammaGamma | None,
    summary: pd.DataFrame,
    weeks: float,
    months: int,
    rate: float,
    margin: float,
    unit: str,
) -> pd.DataFrame:
    """Per customer: P(alive), expected purchases, and with a spend model expected spend and
    lifetime value."""
    x, tx, big_t, m = (summary[c].to_numpy(float) for c in SCORING_COLUMNS[1:])
    out = pd.DataFrame({"customer": summary["customer"].to_numpy()})
    out["p_alive"] = model.p_alive(x, tx, big_t)
    out["expected_purchases"] = model.expected_purchases(weeks, x, tx, big_t)
    if spend is not None:
        per_purchase = spend.expected_spend(x, m)
        out["expected_spend"] = per_purchase
        out["lifetime_value"] = lifetime_value(
            model, per_purchase, x, tx, big_t, months, rate, margin, TimeUnit.parse(unit)
        )
    return out


def spark_score(
    source: Path,
    target: Path,
    model: RepeatBuyingModel,
    spend: GammaGamma | None,
    options: dict[str, Any],
) -> int:
    """Score a Parquet summary on Spark: each partition through :func:`score_frame` with
    ``mapInPandas``; written as a Parquet folder at ``target`` (through a temporary folder beside
    it, renamed when complete). Returns the number of customers."""
    from clv_xl.data.engines.spark_engine import spark_session

    spark = spark_session()
    frame = spark.read.parquet(str(source)).select(*SCORING_COLUMNS)
    customer = frame.schema["customer"].dataType.simpleString()
    columns = ["p_alive double", "expected_purchases double"]
    if spend is not None:
        columns += ["expected_spend double", "lifetime_value double"]
    schema = ", ".join([f"customer {customer}", *columns])

    def score(chunks: Any) -> Any:
        for chunk in chunks:
            yield score_frame(model, spend, chunk, **options)

    staging = target.with_name(f".{target.name}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        frame.mapInPandas(score, schema).write.parquet(str(staging))
        if target.exists():
            shutil.rmtree(target)
        staging.rename(target)
    finally:
        if staging.exists():
            shutil.rmtree(staging)
    return int(pd.read_parquet(target, columns=["customer"]).shape[0])
