"""Worksheet functions beyond the peers' basics: P(n purchases), model choice, the tracking plot."""

from __future__ import annotations

import numpy as np
import xlwings as xw

from clv_xl.core import wording
from clv_xl.data.tracking import tracking
from clv_xl.errors import InputError
from clv_xl.excel import argdocs as docs
from clv_xl.excel.arguments import (
    date_cell,
    number_argument,
    purchase_model,
    transactions,
)
from clv_xl.excel.convert import flatten
from clv_xl.excel.covariates import (
    fit_designs,
    transaction_covariates,
)
from clv_xl.excel.declare import cell, cells, covariates, history
from clv_xl.excel.forecast import History, forecast, horizon_argument
from clv_xl.excel.runner import excel_function
from clv_xl.excel.tables import customer_columns, require_clean, spill
from clv_xl.models import BGNBD, catalog, continuous_models
from clv_xl.models.compare import compare, default_models
from clv_xl.models.counts import purchase_probability
from clv_xl.models.covariates import CovariateModel
from clv_xl.models.repeat_buying import RepeatBuyingModel


@xw.func(category=docs.CATEGORY)
@cells("params", docs.PARAMS)
@cell("purchases", "The number of purchases n (0, 1, 2, ...) whose probability is wanted.")
@cell("horizon", "Periods ahead, in the unit the model was fitted in (39 weeks, say).")
@cells("repeat_purchases", "Optional: " + docs.REPEAT_PURCHASES + " Blank: a new customer.")
@cells("recency", "Optional: " + docs.RECENCY)
@cells("age", "Optional: " + docs.AGE)
@covariates(given=True)
@excel_function
def CLV_PURCHASE_PROBABILITY(params, purchases, horizon, repeat_purchases=None, recency=None,
                             age=None, purchase_covariates=None,
                             dropout_covariates=None):  # fmt: skip
    """P(exactly n purchases in the next horizon periods), for a new customer or per customer.

    BG/NBD: Fader, Hardie & Lee (2005), eq. (8); with a history, Fader & Hardie's note on the
    conditional distribution.

    Returns
    -------
    number or range
        A probability (one per customer with a history).

    Examples
    --------
    >>> bg = [["model", "BG/NBD"], ["r", 0.243], ["alpha", 4.414], ["a", 0.793], ["b", 2.426]]
    >>> round(CLV_PURCHASE_PROBABILITY(bg, 0, 39), 3)  # a new customer buys nothing in 39 weeks
    0.574
    """
    n = number_argument(purchases, "purchases", float("nan"), wording.PURCHASES)
    if not np.isfinite(n) or n != int(n):
        raise InputError("purchases", purchases, wording.PURCHASES)
    length = horizon_argument(horizon)
    history = History(repeat_purchases, recency, age, purchase_covariates, dropout_covariates)
    return forecast(
        params,
        history,
        lambda m, x, tx, t: purchase_probability(m, n, length, x, tx, t),
        lambda m: purchase_probability(m, n, length),
    )


@xw.func(category=docs.CATEGORY)
@history()
@cells(
    "models",
    'Optional models to compare, e.g. {"BG/NBD","Pareto/NBD"} (blank: '
    + catalog.spelled(default_models(), "and", quoted=False)
    + ").",
)
@cells(
    "holdout_purchases",
    "Optional actual purchases of each customer in a holdout period after the data.",
)
@cell(
    "holdout_length",
    "With holdout_purchases: the holdout period's length in the fitted unit (39 weeks, say).",
)
@cells("weights", docs.WEIGHTS)
@covariates(given=False)
@excel_function
def CLV_COMPARE(repeat_purchases, recency=None, age=None, models=None, holdout_purchases=None,
                holdout_length=None, weights=None, purchase_covariates=None,
                dropout_covariates=None):  # fmt: skip
    """Purchase models side by side: parameters, log-likelihood, AIC, BIC, holdout error.

    Returns
    -------
    range
        A header of models, one row per parameter and measure, and the model BIC prefers among
        those that converged.

    Examples
    --------
    >>> from clv_xl.datasets import cdnow_summary
    >>> c = cdnow_summary()
    >>> table = CLV_COMPARE(c["frequency"], c["recency"], c["T"])
    >>> table[0], table[-1][:2]
    (['model', 'BG/NBD', 'MBG/NBD', 'Pareto/NBD'], ['BIC prefers', 'MBG/NBD'])
    """
    names = (
        default_models()
        if models is None
        else tuple(str(v) for v in flatten(models)[0] if v not in (None, ""))
    )
    if not names:
        raise InputError("models", models, 'model names such as "BG/NBD" and "Pareto/NBD"')
    optional = {"weights": weights, "holdout_purchases": holdout_purchases}
    cols = customer_columns(
        {"repeat_purchases": repeat_purchases, "recency": recency, "age": age}, optional
    )
    x, tx, big_t = require_clean(cols, BGNBD)  # every model compared takes (x, t_x, T)
    used = cols.used
    w = cols.values["weights"][used] if "weights" in cols.values else None
    holdout = cols.values["holdout_purchases"][used] if "holdout_purchases" in cols.values else None
    length = None
    if holdout is not None:
        length = number_argument(
            holdout_length,
            "holdout_length",
            float("nan"),
            "the holdout period's length > 0 in the fitted unit",
        )
        if not np.isfinite(length) or length <= 0:
            raise InputError("holdout_length", holdout_length, "the holdout period's length > 0")
    designs = fit_designs(purchase_covariates, dropout_covariates, cols)
    return compare(x, tx, big_t, names, w, holdout, length, designs)


@xw.func(category=docs.CATEGORY)
@cells("params", docs.PARAMS)
@cells("customer_ids", "Customer of each transaction.")
@cells("dates", "Date of each transaction.")
@cell("calibration_end", "Last date of the calibration period (the data the model was fitted on).")
@cell("holdout_end", "Optional last date of the holdout period (blank: calibration only).")
@cell("period", 'Optional row length: "W" weeks (blank), "D" days, "M" 30 days: the fitted unit.')
@cells(
    "purchase_covariates",
    "With a covariate fit: the customer's covariates on each transaction row, with a header row.",
)
@cells(
    "dropout_covariates",
    "With a covariate fit: the drop-out covariates on each transaction row, with a header row.",
)
@excel_function
def CLV_TRACKING(params, customer_ids, dates, calibration_end, holdout_end=None, period=None,
                 purchase_covariates=None, dropout_covariates=None):  # fmt: skip
    """Repeat purchases per period, actual and expected, incremental and cumulative.

    The tracking plots of Fader, Hardie & Lee (2005), Figures 2 and 3.

    Returns
    -------
    range
        Columns period, start, actual, expected, cumulative_actual, cumulative_expected.

    Examples
    --------
    >>> from datetime import datetime as d
    >>> bg = [["model", "BG/NBD"], ["r", 0.243], ["alpha", 4.414], ["a", 0.793], ["b", 2.426]]
    >>> CLV_TRACKING(bg, [[1], [1], [2]], [[d(1997, 1, 1)], [d(1997, 2, 1)], [d(1997, 1, 5)]],
    ...              d(1997, 9, 30))[0][-1]
    'cumulative_expected'
    """
    model = purchase_model(params)
    if not model.continuous_time:
        allowed = catalog.spelled(continuous_models(), quoted=False)
        raise InputError("params", model.name, f"a {allowed} table")
    rows, ids, days, n_cells = transactions(customer_ids, dates)
    matrices = transaction_covariates(model, purchase_covariates, dropout_covariates, rows, n_cells)
    each = None
    if matrices is not None:
        assert isinstance(model, CovariateModel)
        fitted = model

        def each(at: np.ndarray) -> RepeatBuyingModel:  # rows of the transactions, as ids
            return fitted.customers(*(None if m is None else m[at] for m in matrices))

    end = date_cell(calibration_end, "calibration_end")
    hold = date_cell(holdout_end, "holdout_end")
    unit = "W" if period in (None, "") else period
    frame = tracking(model, ids, days, end, hold, unit, each)  # type: ignore[arg-type]
    return spill(frame)
