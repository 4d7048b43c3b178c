"""Calibration/holdout check: fit on one period, compare predicted with actual purchases after.

As in Fader, Hardie & Lee (2005), Figure 4: customers grouped by their number of repeat
purchases in calibration (0, 1, ..., 7+), and for each group the mean actual and mean predicted
purchases in the holdout period.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from clv_xl.data.dates import to_dates
from clv_xl.data.summary import as_ids, period_days, summarize
from clv_xl.errors import InputError
from clv_xl.models.cache import fit_cached
from clv_xl.models.registry import continuous_models, model_class
from clv_xl.models.repeat_buying import RepeatBuyingModel

TOP_GROUP = 7


def holdout_check(
    customer_ids: Any,
    dates: Any,
    calibration_end: Any,
    holdout_end: Any,
    model: Any = "BG/NBD",
    period: Any = "W",
) -> tuple[pd.DataFrame, RepeatBuyingModel]:
    """Table of frequency group, customers, actual and predicted mean holdout purchases."""
    cls = model_class(model, continuous_models())
    cal_end = to_dates([calibration_end], "calibration_end")[0]
    hold_end = to_dates([holdout_end], "holdout_end")[0]
    if hold_end <= cal_end:
        raise InputError("holdout_end", holdout_end, "a date after calibration_end")
    ids = as_ids(customer_ids)  # numbers stay numbers: hashed as numbers, 3x faster
    days = to_dates(dates)
    try:
        calibration = summarize(ids, days, None, cal_end, period)
    except InputError as exc:  # the summary's end is the calibration's
        if exc.argument != "as_of":
            raise
        raise InputError("calibration_end", calibration_end, exc.allowed) from None
    fitted = fit_cached(cls, calibration["frequency"], calibration["recency"], calibration["T"])
    assert isinstance(fitted, RepeatBuyingModel)

    # actual repeat purchase days in (cal_end, hold_end] for calibration customers
    in_holdout = (days > cal_end) & (days <= hold_end)
    log = pd.DataFrame({"c": ids[in_holdout], "d": days[in_holdout]}).drop_duplicates()
    actual_counts = log[log["c"].isin(calibration["customer"])].groupby("c").size()
    actual = calibration["customer"].map(actual_counts).fillna(0).to_numpy(dtype=float)
    horizon = float((hold_end - cal_end).astype(np.int64)) / period_days(period)
    predicted = fitted.expected_purchases(
        horizon,
        calibration["frequency"].to_numpy(),
        calibration["recency"].to_numpy(),
        calibration["T"].to_numpy(),
    )
    group = np.minimum(calibration["frequency"].to_numpy(), TOP_GROUP).astype(int)
    frame = pd.DataFrame({"group": group, "actual": actual, "predicted": predicted})
    table = frame.groupby("group").agg(
        customers=("actual", "size"), actual=("actual", "mean"), predicted=("predicted", "mean")
    )
    table = table.reset_index()
    table["frequency"] = [f"{g}+" if g == TOP_GROUP else str(g) for g in table["group"]]
    table = table[["frequency", "customers", "actual", "predicted"]]
    total = pd.DataFrame(
        [["all", len(frame), frame["actual"].mean(), frame["predicted"].mean()]],
        columns=table.columns,
    )
    return pd.concat([table, total], ignore_index=True), fitted
