"""The summary as one SQL statement, in DuckDB's and Spark's dialects (``date_diff`` vs
``datediff``, ``arg_min`` vs ``min_by``); see :mod:`clv_xl.data.sources` for the conventions."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd

from clv_xl.data.sources import NoPurchasesError, SourceError

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
    quoted = words["quote"]
    assert callable(quoted)
    return SUMMARY_SQL.format(
        customer=quoted(customer),
        day=day,
        amount=f"COALESCE(CAST({quoted(amount)} AS DOUBLE), 0.0)" if amount else "0.0",
        relation=relation,
        bounds=_bounds(as_of),
        first_amount=words["first_amount"],
        recency=words["recency"],
        age=words["age"],
        step=repr(float(step)),
    )


def _bounds(value: dt.date | None) -> str:
    """Exactly one row: the given as_of, or the last date in the data."""
    if value is None:
        return "SELECT MAX(day) AS as_of FROM tx"
    return f"SELECT DATE '{value.isoformat()}' AS as_of"


def finish(frame: pd.DataFrame) -> pd.DataFrame:
    missing = frame["purchases"].isna()
    if missing.any():
        raise SourceError(
            f"customer {frame.loc[missing, 'customer'].iloc[0]} has only returns (amounts that "
            "net below zero every day); every customer needs at least one purchase"
        )
    for column in ("first_purchase", "last_purchase"):
        frame[column] = pd.to_datetime(frame[column])
    return frame


def arrow_batches(frames: Iterator[pd.DataFrame]) -> Iterator[Any]:
    """The reader's frames (customer, day, amount) as Arrow record batches: customer int64 or
    text, day a date, amount a double."""
    import pyarrow as pa

    for frame in frames:
        ids = frame["customer"].to_numpy()
        customer = pa.array(ids, type=pa.int64() if ids.dtype.kind in "iu" else pa.string())
        day = pa.array(np.asarray(frame["day"].to_numpy(), dtype="datetime64[D]"), type=pa.date32())
        amount = pa.array(frame["amount"].to_numpy(dtype=float), type=pa.float64())
        yield pa.RecordBatch.from_arrays([customer, day, amount], ["customer", "day", "amount"])


def arrow_stream(frames: Iterator[pd.DataFrame]) -> Any:
    """The frames as one Arrow stream (DuckDB reads it batch by batch)."""
    import pyarrow as pa

    batches = arrow_batches(frames)
    try:
        first = next(batches)
    except StopIteration:
        raise SourceError("the log has no rows with a customer id") from None

    def all_batches() -> Iterator[Any]:
        yield first
        yield from batches

    return pa.RecordBatchReader.from_batches(first.schema, all_batches())


def no_customers(as_of: dt.date | None) -> NoPurchasesError:
    """A log with no purchase by ``as_of`` (or none at all), in the command line's words."""
    text = (
        f"--as-of {as_of} is before every purchase: no customer has a transaction by then"
        if as_of
        else "the log has no purchases"
    )
    return NoPurchasesError(text, as_of)
