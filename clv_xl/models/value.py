"""Discounted expected lifetime value from a purchase model and a spend model.

Month by month exactly as lifetimes' ``customer_lifetime_value`` computes it: for month
i = 1..months, the expected purchases between (i-1) and i months (a month being 30 days, or
4.345 weeks, or 1 month) times the expected spend, discounted by (1 + d)^i, summed; times margin.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from clv_xl.core.timeunit import TimeUnit
from clv_xl.errors import InputError
from clv_xl.models.base import Array
from clv_xl.models.covariates import shaped
from clv_xl.models.repeat_buying import RepeatBuyingModel
from clv_xl.models.threads import one_blas_thread

MAX_MONTHS = 1200  # a hundred years


def month_length(period: Any) -> float:
    """The length of a month in the unit of recency and T (``TimeUnit.per_month``)."""
    return TimeUnit.parse(period).per_month


def lifetime_value(
    model: RepeatBuyingModel,
    expected_spend: Array,
    frequency: Any,
    recency: Any,
    T: Any,
    months: int = 12,
    discount_rate: float = 0.01,
    margin: float = 1.0,
    period: Any = "W",
) -> Array:
    """Discounted expected profit per customer over ``months`` months (vectorised over months).

    Parameters
    ----------
    model : RepeatBuyingModel
        The fitted purchase model.
    expected_spend : array
        Each customer's expected value per purchase (Gamma-Gamma's ``expected_spend``).
    frequency, recency, T : array
        Each customer's history, in ``period`` units.
    months : int, default 12
        The horizon, in months of 30 days.
    discount_rate : float, default 0.01
        Per month.
    margin : float, default 1
        Profit per unit of spend.
    period : str or float, default "W"
        The time unit of recency and T ("W", "D", "M" or a number of days).

    Returns
    -------
    array
        Each customer's value, as lifetimes' ``customer_lifetime_value``.

    Examples
    --------
    >>> from clv_xl.models import BGNBD
    >>> model = BGNBD.from_params({"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426})
    >>> round(float(lifetime_value(model, 24.66, 2, 30.43, 38.86, 12, 0.01)), 1)
    36.3
    """
    if not (
        isinstance(months, int | float) and 1 <= months <= MAX_MONTHS and float(months).is_integer()
    ):
        raise InputError("months", months, f"a whole number of months from 1 to {MAX_MONTHS:,}")
    if not (np.isfinite(discount_rate) and discount_rate >= 0):
        raise InputError("discount_rate", discount_rate, "a monthly rate >= 0 (1% as 0.01)")
    if not (np.isfinite(margin) and 0 <= margin <= 1):
        raise InputError("margin", margin, "a fraction from 0 to 1 (40% as 0.4)")
    factor = month_length(period)
    steps = np.arange(1, int(months) + 1, dtype=float)
    x, tx, big_t = (np.asarray(v, dtype=float)[..., None] for v in (frequency, recency, T))
    model = shaped(model, x.shape)  # type: ignore[assignment]  # per-customer parameters too
    # at extreme parameters the cumulative forecasts are inf, their differences nan: the caller
    # reports a non-finite value (the Excel layer as one line)
    with one_blas_thread(), np.errstate(invalid="ignore", over="ignore"):
        cumulative = model.expected_purchases(np.concatenate([[0.0], steps * factor]), x, tx, big_t)
        per_month = np.diff(cumulative, axis=-1)
        discount = (1.0 + discount_rate) ** -steps
        return margin * np.asarray(expected_spend, dtype=float) * (per_month @ discount)
