"""The per-customer summary the repeat-buying models take (frequency, recency, T).

Conventions of the published CDNOW summary (Fader, Hardie & Lee 2005) and of lifetimes'
``summary_data_from_transaction_data``: transactions on the same day are one purchase;
frequency = purchase days - 1; recency = last - first purchase and T = as_of - first purchase,
in ``period`` units; monetary_value = mean value of the repeat purchase days (0 when none);
transactions after ``as_of`` are left out.

Returns (negative amounts) are netted into the same customer's same-day total. A day whose net
total is below 0 (a pure return) is not a purchase: it counts in total_spend but not in
frequency or monetary_value. Zero-value days are purchases (CDNOW has them).

Vectorised: rows ordered by customer and day in linear time
(:func:`clv_xl.data.ordering.customer_day_order`), then run boundaries and ``bincount``; no
per-customer Python.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from clv_xl.core.timeunit import TimeUnit
from clv_xl.data.dates import to_dates
from clv_xl.data.ordering import customer_day_order, in_date_order, stable_order
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


class PurchaseDays(NamedTuple):
    """Every customer's purchase days, sorted by customer and then day: what a per-customer
    statistic is computed from (:func:`statistic`)."""

    customer: np.ndarray
    """0 .. customers - 1 on each purchase day."""
    day: np.ndarray
    """The day's number (days since 1970-01-01)."""
    amount: np.ndarray
    """The day's net amount (0 without amounts)."""
    starts: np.ndarray
    """Each customer's first purchase day: an index into the arrays above."""
    step: float
    """Days per period (7 for weeks): statistics in time are in periods, as recency and T."""
    end: int
    """The last day of the period observed (``as_of``)."""


STATISTICS: dict[str, Callable[[PurchaseDays], np.ndarray]] = {}
"""Per-customer statistics beyond the standard columns, by name: CLV_SUMMARY adds a column for
each, and a model that names one in its ``data_names`` is fitted to it (none is built in)."""


def statistic(name: str) -> Callable[[Callable[[PurchaseDays], np.ndarray]], Any]:
    """Register a per-customer statistic (a function of :class:`PurchaseDays` giving one value
    per customer, in customer order) under ``name``, the summary's new column."""

    def register(compute: Callable[[PurchaseDays], np.ndarray]) -> Any:
        STATISTICS[name] = compute
        return compute

    return register


def _customer_codes(ids: np.ndarray, span: int) -> tuple[np.ndarray, Any]:
    """Integer codes for customer ids (a fresh int64 array) and a function from codes to ids.

    Whole-number ids with a moderate range are their own codes (no hash table: faster and
    lighter on a million rows); anything else is factorised.
    """
    if ids.dtype.kind in "iuf" and ids.size:
        low, high = ids.min(), ids.max()
        whole = ids.dtype.kind != "f" or bool(np.all(np.floor(ids) == ids))
        width = int(high) - int(low) + 1 if whole and np.isfinite(low) and np.isfinite(high) else 0
        if 0 < width and width * span < 2**62:  # Python ints: no overflow for 64-bit ids
            offset = ids.dtype.type(low)
            codes = (ids - offset).astype(np.int64, copy=False)
            return codes, lambda c: (c + offset).astype(ids.dtype)
    codes, uniques = pd.factorize(ids, sort=False)
    if (codes < 0).any():
        i = int(np.argmax(codes < 0))
        raise InputError("customer_ids", None, "an id on every row", position=(i + 1,))
    return codes.astype(np.int64, copy=False), lambda c: np.asarray(uniques)[c]


def as_ids(customer_ids: Any) -> np.ndarray:
    """The ids as given: numbers stay numbers beside text ids (each keeps its cell's type),
    64-bit integers stay exact."""
    if isinstance(customer_ids, list | tuple) and len(set(map(type, customer_ids))) > 1:
        ids = np.empty(len(customer_ids), dtype=object)
        ids[:] = customer_ids
        return ids
    ids = np.asarray(customer_ids).ravel()
    return ids if ids.dtype.kind in "iufO" else ids.astype(object)


def _day_totals(
    amounts: np.ndarray,
    order: np.ndarray,
    day_starts: np.ndarray,
    first_rows: np.ndarray,
    new_day: np.ndarray,
) -> np.ndarray:
    """Each purchase day's total: the amount of its first row (``first_rows``, the rows at
    ``order[day_starts]``), then the day's further rows' added one by one in row order (as a
    running total would; most days have one transaction, so only those few are added)."""
    totals = amounts[first_rows]
    further = np.flatnonzero(~new_day)  # positions, in the sorted order, of a day's later rows
    if further.size:
        day = np.searchsorted(day_starts, further, side="right") - 1
        np.add.at(totals, day, amounts[order[further]])
    return totals


def period_days(period: Any) -> float:
    """Days per period (:class:`~clv_xl.core.timeunit.TimeUnit`'s ``days``)."""
    return TimeUnit.parse(period).days


def summarize(
    customer_ids: Any,
    dates: Any,
    amounts: Any = None,
    as_of: Any = None,
    period: Any = "W",
) -> pd.DataFrame:
    """One row per customer, in order of first appearance, with the columns SUMMARY_COLUMNS."""
    ids = as_ids(customer_ids)
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
    day_num = days.view(np.int64)  # days since 1970-01-01 (the caller's array: not written)
    last_day = int(day_num.max())
    end = last_day if as_of is None else int(to_dates([as_of], "as_of")[0].astype(np.int64))
    if end < last_day:  # transactions after as_of left out
        keep = day_num <= end
        if not keep.any():
            raise InputError("as_of", as_of, "a date on or after the first transaction")
        ids, day_num, amt = ids[keep], day_num[keep], amt[keep]
        del keep
    del days
    first_day = int(day_num.min())
    span = end - first_day + 1
    codes, labels = _customer_codes(ids, span)
    # days since the first, in a new array of 32 bits (the date window is 110,000 days)
    day_num = day_num.astype(np.int32)
    day_num -= np.int32(first_day)

    # rows by customer, then day (linear-time orders); runs of equal pairs are the purchase days
    dated = in_date_order(day_num)  # then a customer's rows are in row order, too
    order = customer_day_order(codes, day_num, dated)
    codes, day_num = np.take(codes, order), np.take(day_num, order)
    new_day = np.empty(codes.size, dtype=bool)
    new_day[0] = True
    np.not_equal(codes[1:], codes[:-1], out=new_day[1:])
    new_day[1:] |= day_num[1:] != day_num[:-1]
    day_starts = np.flatnonzero(new_day)
    day_first_row = order[day_starts]  # a stable order: each day's first row, for appearance
    day_amount = _day_totals(amt, order, day_starts, day_first_row, new_day)
    del new_day
    day_cust_code, day_date = codes[day_starts], day_num[day_starts]
    del codes, day_num, order, day_starts
    day_date += first_day
    new_cust = np.empty(day_cust_code.size, dtype=bool)
    new_cust[0] = True
    np.not_equal(day_cust_code[1:], day_cust_code[:-1], out=new_cust[1:])
    cust_starts = np.flatnonzero(new_cust)
    day_cust = np.cumsum(new_cust)  # then 0..k-1, customers in code order (in place)
    day_cust -= 1
    k = cust_starts.size
    customer_label = labels(day_cust_code[cust_starts])
    del day_cust_code
    first_row = (  # each customer's first row, for the order of first appearance
        day_first_row[cust_starts] if dated else np.minimum.reduceat(day_first_row, cust_starts)
    )
    del day_first_row, new_cust
    total_spend = np.bincount(day_cust, weights=day_amount, minlength=k)

    is_purchase = day_amount >= 0
    if is_purchase.all():  # no return-only days: the days' customers, counts and sums as they are
        p_cust, p_date, p_amount, starts = day_cust, day_date, day_amount, cust_starts
        purchases = np.diff(cust_starts, append=day_cust.size)
        spend = total_spend
    else:
        p_cust, p_date, p_amount = (
            day_cust[is_purchase],
            day_date[is_purchase],
            day_amount[is_purchase],
        )
        purchases = np.bincount(p_cust, minlength=k)
        starts = np.flatnonzero(np.r_[True, p_cust[1:] != p_cust[:-1]])
        spend = np.bincount(p_cust, weights=p_amount, minlength=k)
    del is_purchase
    if np.any(purchases == 0):
        i = int(np.argmax(purchases == 0))
        raise InputError(
            "amounts",
            f"only returns for customer {customer_label[i]}",
            "at least one purchase (amount >= 0) per customer",
        )
    ends = np.r_[starts[1:], p_cust.size] - 1
    first, last = p_date[starts], p_date[ends]
    repeat_spend = spend - p_amount[starts]
    frequency = purchases - 1
    monetary = np.divide(repeat_spend, frequency, out=np.zeros(k), where=frequency > 0)
    appearance = stable_order(first_row)  # customers in order of first appearance
    uniques = customer_label[appearance]
    frequency, purchases, monetary, total_spend = (
        frequency[appearance],
        purchases[appearance],
        monetary[appearance],
        total_spend[appearance],
    )
    first, last = first[appearance], last[appearance]
    purchase_days = PurchaseDays(p_cust, p_date, p_amount, starts, step, end)
    more = {
        name: np.asarray(compute(purchase_days), dtype=np.float64)[appearance]
        for name, compute in STATISTICS.items()
    }
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
            **more,
        }
    )
