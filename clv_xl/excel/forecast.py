"""One way to forecast per customer from a fitted table: the history as a small record, the
model set to each customer's covariates, one answer per customer row (or for a new customer)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np

from clv_xl.core import wording
from clv_xl.errors import InputError
from clv_xl.excel.arguments import customer_rows, has_history, number_argument, purchase_model
from clv_xl.excel.covariates import for_customers, new_customers
from clv_xl.excel.tables import per_customer
from clv_xl.models.base import BaseModel

Each = Callable[..., np.ndarray]
"""A prediction per customer: ``each(model, frequency, recency, T, *more)``."""


class History(NamedTuple):
    """The customers' history as a CLV_ function takes it: the ranges as Excel hands them (all
    three blank: a new customer), their covariates, and other columns by name."""

    repeat_purchases: Any
    recency: Any = None
    age: Any = None
    purchase_covariates: Any = None
    dropout_covariates: Any = None
    more: dict[str, Any] | None = None


def horizon_argument(horizon: Any, argument: str = "horizon") -> float:
    """A forecast's horizon: a number of periods >= 0."""
    length = number_argument(horizon, argument, float("nan"), wording.HORIZON)
    if not np.isfinite(length):
        raise InputError(argument, None, wording.HORIZON)
    return length


def forecast(params: Any, history: History, each: Each, new: Each | None = None) -> Any:
    """With the model ``params`` (its table, or the model read from it), ``each`` per customer
    row of ``history`` (a row that cannot be used shows one line); with ``new`` and no history,
    ``new(model)`` for a new customer, one per row of covariates when the fit has them."""
    model = params if isinstance(params, BaseModel) else purchase_model(params)
    if new is not None and not has_history(history.repeat_purchases, history.recency, history.age):
        customers = new_customers(model, history.purchase_covariates, history.dropout_covariates)
        if customers is None:
            return float(np.ravel(new(model))[0])
        return [[float(v)] for v in new(customers)]
    cols, _, ok = customer_rows(
        model, history.repeat_purchases, history.recency, history.age, history.more
    )
    model, ok = for_customers(
        model, history.purchase_covariates, history.dropout_covariates, cols, ok
    )
    result = np.full(cols.length, np.nan)
    if ok.any():
        names = ("repeat_purchases", "recency", "age", *(history.more or {}))
        result[ok] = each(model, *(cols.values[k][ok] for k in names))
    return per_customer(result, cols)
