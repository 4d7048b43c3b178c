"""pandas: the whole log in memory, summarised by :func:`clv_xl.data.summary.summarize` (the
same code as CLV_SUMMARY), from the batches :func:`clv_xl.data.reading.transactions` reads."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from clv_xl.data.engines.sql import no_customers
from clv_xl.data.reading import read_all
from clv_xl.data.sources import Source
from clv_xl.data.summary import summarize
from clv_xl.errors import InputError


def pandas_summary(src: Source, as_of: dt.date | None, step: float) -> pd.DataFrame:
    frame, notes = read_all(src)
    try:
        summary = summarize(
            frame["customer"].to_numpy(),
            frame["day"].to_numpy(),
            frame["amount"].to_numpy(),
            as_of,
            step,
        )
    except InputError as exc:
        if exc.argument == "as_of":
            raise no_customers(as_of) from None
        raise
    summary = summary.sort_values("customer", kind="stable")
    summary.attrs["notes"] = notes
    summary.attrs["customers"] = len(summary)
    return summary
