"""The tracking plot of Fader, Hardie & Lee (2005, Figure 3): repeat purchases per period,
actual against what the model expects, incremental and cumulative, over calibration and holdout.

Expected: the sum over the calibration customers of the unconditional E[X(t)] since each one's
first purchase (the model's forecast for a customer just acquired), taken at each period's end.
Actual: repeat purchase days (CLV_SUMMARY's conventions: the first purchase day does not count,
same-day purchases are one).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from clv_xl.data.dates import to_dates
from clv_xl.data.summary import as_ids, period_days
from clv_xl.errors import InputError
from clv_xl.models.repeat_buying import RepeatBuyingModel

MAX_PERIODS = 5_000


def tracking(
    model: RepeatBuyingModel,
    customer_ids: Any,
    dates: Any,
    calibration_end: Any,
    holdout_end: Any = None,
    period: Any = "W",
    each: Callable[[np.ndarray], RepeatBuyingModel] | None = None,
) -> pd.DataFrame:
    """One row per period: period, start, actual, expected, cumulative_actual,
    cumulative_expected. With covariates, ``each`` gives the model of the customers whose
    first transaction rows (positions in ``customer_ids``) it is handed, one per customer."""
    days = to_dates(dates).astype(np.int64)  # day numbers
    ids = as_ids(customer_ids)  # numbers stay numbers: hashed as numbers, 3x faster
    cal_end = int(to_dates([calibration_end], "calibration_end")[0].astype(np.int64))
    end = (
        cal_end
        if holdout_end in (None, "")
        else int(to_dates([holdout_end], "holdout_end")[0].astype(np.int64))
    )
    if end < cal_end:
        raise InputError("holdout_end", holdout_end, "a date on or after calibration_end")
    log = pd.DataFrame({"c": ids, "d": days, "row": np.arange(ids.size)})
    log = log.drop_duplicates(["c", "d"])
    first = log.groupby("c")["d"].min()
    cohort = first[first <= cal_end]
    if cohort.empty:
        raise InputError("calibration_end", calibration_end, "a date after some first purchase")
    log = log[log["c"].isin(cohort.index) & (log["d"] <= end)]
    repeat = log[log["d"] > log["c"].map(cohort)]
    step = period_days(period)
    start = int(cohort.min())
    span = end - start + 1
    n_periods = int(np.ceil(span / step))
    if n_periods > MAX_PERIODS:
        raise InputError("period", period, f"a unit giving at most {MAX_PERIODS:,} periods")
    offsets = repeat["d"].to_numpy(dtype=np.int64) - start
    actual = np.bincount((offsets // step).astype(np.int64), minlength=n_periods)[:n_periods]
    # cumulative expected at each period's last day, per distinct first-purchase day
    last_day = np.minimum(np.arange(1, n_periods + 1) * step, span) - 1
    if each is None:  # one model for all: once per distinct first-purchase day
        joined, counts = np.unique(cohort.to_numpy(dtype=np.int64) - start, return_counts=True)
        forecast = model
    else:  # each customer's own parameters: customers along the last axis
        joined, counts = cohort.to_numpy(dtype=np.int64) - start, np.ones(cohort.size, np.int64)
        forecast = each(log.groupby("c")["row"].min().loc[cohort.index].to_numpy())
    ages = np.clip(last_day[:, None] - joined[None, :], 0, None) / step  # periods since joining
    if each is None:  # whole days apart: far fewer distinct ages than (period, day) pairs
        distinct, inverse = np.unique(ages, return_inverse=True)
        expected = forecast.expected_purchases_new(distinct)[inverse.reshape(ages.shape)]
    else:
        expected = forecast.expected_purchases_new(ages)
    cumulative = (expected * counts).sum(axis=1)
    starts = (start + np.arange(n_periods) * step).astype(np.int64).astype("datetime64[D]")
    return pd.DataFrame(
        {
            "period": np.arange(1, n_periods + 1, dtype=float),
            "start": starts.astype("datetime64[ns]"),
            "actual": actual.astype(float),
            "expected": np.diff(np.concatenate([[0.0], cumulative])),
            "cumulative_actual": np.cumsum(actual).astype(float),
            "cumulative_expected": cumulative,
        }
    )
