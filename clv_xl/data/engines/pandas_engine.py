"""pandas: the whole log in memory, summarised by :func:`clv_xl.data.summary.summarize` (the
same code as CLV_SUMMARY)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from clv_xl.data.sources import (
    DATE_FORMS,
    Source,
    SourceError,
    date_form,
    mixed_dates,
    pick_columns,
)
from clv_xl.data.summary import summarize


def pandas_summary(src: Source, as_of: dt.date | None, step: float) -> pd.DataFrame:
    if src.is_query:
        raise SourceError("a SQL query needs the duckdb (or spark) engine")
    kind, files = src.files()
    read = (
        (lambda p: pd.read_parquet(p))
        if kind == "parquet"
        else (lambda p: pd.read_csv(p, sep=None, engine="python"))
    )
    frame = pd.concat([read(p) for p in files], ignore_index=True)
    customer, date, amount = pick_columns([str(c) for c in frame.columns], src)
    frame = frame[frame[customer].notna()]
    raw = frame[date]
    form = date_form(raw.iloc[0]) if len(raw) else None
    if form is None:
        days = pd.to_datetime(raw, errors="coerce")
    else:
        text = raw.astype(str).str.strip().str.replace(r"\.0$", "", regex=True)
        days = pd.to_datetime(text, format=form[0], errors="coerce")
    bad = days.isna().to_numpy()
    if bad.any():
        i = int(np.argmax(bad))
        raise mixed_dates(int(frame.index[i]) + 2, raw.iloc[i], form or DATE_FORMS[0])
    amounts = frame[amount].fillna(0.0).to_numpy(float) if amount else None
    summary = summarize(frame[customer].to_numpy(), days.to_numpy(), amounts, as_of, step)
    return summary.sort_values("customer", kind="stable")
