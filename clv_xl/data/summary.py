"""The per-customer summary the repeat-buying models take (frequency, recency, T).

Conventions of the published CDNOW summary (Fader, Hardie & Lee 2005) and of lifetimes'
``summary_data_from_transaction_data``: transactions on the same day are one purchase;
frequency = purchase days - 1; recency = last - first purchase and T = as_of - first purchase,
in ``period`` units; monetary_value = mean value of the repeat purchase days (0 when none);
transactions after ``as_of`` are left out.

Returns (negative amounts) are netted into the same customer's same-day total. A day whose net
total is below 0 (a pure return) is not a purchase: it counts in total_spend but not in
frequency or monetary_value. Zero-value days are purchases (CDNOW has them).

Vectorised: one sort of a combined (customer, day) integer key, then run boundaries and
``bincount``; no per-customer Python.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from clv_xl.data.dates import to_dates
from clv_xl.errors import InputError

SUMMARY_COLUMNS = (
    "customer",
    "frequency",
    "recency",
    "T",
    "monetary_value",
    "purchases",
    "total_spend",
    "first_purchase",
    "last_purchase",
)

PERIOD_DAYS = {"D": 1.0, "W": 7.0, "M": 30.0}


def period_days(period: Any) -> float:
    """Days per period: "D", "W" (default), "M" (30 days) or a positive number of days."""
    if period is None or period == "":
        return 7.0
    if isinstance(period, str):
        key = period.strip().upper()[:1]
        if key in PERIOD_DAYS:
            return PERIOD_DAYS[key]
        try:
            period = float(period)
        except ValueError:
            pass
    if isinstance(period, int | float) and not isinstance(period, bool) and period > 0:
        return float(period)
    raise InputError("period", period, '"D", "W", "M" (30 days) or a number of days > 0')


def summarize(
    customer_ids: Any,
    dates: Any,
    amounts: Any = None,
    as_of: Any = None,
    period: Any = "W",
) -> pd.DataFrame:
    """One row per customer, in order of first appearance, with the columns SUMMARY_COLUMNS."""
    ids = np.asarray(customer_ids).ravel()
    if ids.dtype.kind not in "iufO":  # numbers stay numbers; text ids become objects
        ids = ids.astype(object)
    days = to_dates(dates)
    n = ids.size
    if days.size != n:
        raise InputError("dates", f"{days.size} dates for {n} customer ids", "one date per row")
    if amounts is None:
        amt = np.zeros(n)
    else:
        amt = np.asarray(amounts, dtype=float).ravel()
        if amt.size != n:
            raise InputError("amounts", f"{amt.size} amounts for {n} rows", "one amount per row")
        if not np.all(np.isfinite(amt)):
            i = int(np.argmax(~np.isfinite(amt)))
            raise InputError("amounts", float(amt[i]), "numbers", position=(i + 1,))
    if n == 0:
        raise InputError("customer_ids", "no rows", "at least one transaction")
    step = period_days(period)
    day_num = days.astype(np.int64)
    end = day_num.max() if as_of is None else int(to_dates([as_of], "as_of")[0].astype(np.int64))
    keep = day_num <= end
    if not keep.any():
        raise InputError("as_of", as_of, "a date on or after the first transaction")
    codes, uniques = pd.factorize(ids[keep] if not keep.all() else ids, sort=False)
    if (codes < 0).any():
        i = int(np.argmax(codes < 0))
        raise InputError("customer_ids", None, "an id on every row", position=(i + 1,))
    day_num, amt = day_num[keep], amt[keep]

    first_day = day_num.min()
    span = np.int64(end - first_day + 1)
    key = codes.astype(np.int64) * span + (day_num - first_day)  # (customer, day) in one int
    order = np.argsort(key)
    c, d, a = codes[order], day_num[order], amt[order]
    new_day = np.empty(c.size, dtype=bool)
    new_day[0] = True
    new_day[1:] = (c[1:] != c[:-1]) | (d[1:] != d[:-1])
    day_id = np.cumsum(new_day) - 1
    day_amount = np.bincount(day_id, weights=a)
    day_cust, day_date = c[new_day], d[new_day]
    k = uniques.size
    total_spend = np.bincount(day_cust, weights=day_amount, minlength=k)

    is_purchase = day_amount >= 0
    p_cust, p_date, p_amount = day_cust[is_purchase], day_date[is_purchase], day_amount[is_purchase]
    purchases = np.bincount(p_cust, minlength=k)
    if np.any(purchases == 0):
        i = int(np.argmax(purchases == 0))
        raise InputError(
            "amounts",
            f"only returns for customer {uniques[i]}",
            "at least one purchase (amount >= 0) per customer",
        )
    starts = np.flatnonzero(np.r_[True, p_cust[1:] != p_cust[:-1]])
    ends = np.r_[starts[1:], p_cust.size] - 1
    first, last = p_date[starts], p_date[ends]
    repeat_spend = np.bincount(p_cust, weights=p_amount, minlength=k) - p_amount[starts]
    frequency = purchases - 1
    monetary = np.divide(repeat_spend, frequency, out=np.zeros(k), where=frequency > 0)
    return pd.DataFrame(
        {
            "customer": uniques,
            "frequency": frequency.astype(float),
            "recency": (last - first) / step,
            "T": (end - first) / step,
            "monetary_value": monetary,
            "purchases": purchases.astype(float),
            "total_spend": total_spend,
            "first_purchase": first.astype("datetime64[D]").astype("datetime64[ns]"),
            "last_purchase": last.astype("datetime64[D]").astype("datetime64[ns]"),
        }
    )
