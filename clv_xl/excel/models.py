"""CLV_ functions for the buy-till-you-die models (issue: transaction log to predicted value).

Tables spill; a fitted model lives in cells as the two-column table CLV_FIT returns, so the model
is saved with the workbook and every prediction formula points at it.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import xlwings as xw

from clv_xl.core import wording
from clv_xl.excel import argdocs as docs
from clv_xl.excel.arguments import (
    number_argument,
    purchase_model,
    spend_model_from,
    value_options,
)
from clv_xl.excel.covariates import fit_designs
from clv_xl.excel.declare import cell, cells, covariates, history
from clv_xl.excel.forecast import History, forecast, horizon_argument
from clv_xl.excel.runner import excel_function
from clv_xl.excel.tables import (
    STANDARD_DATA,
    customer_columns,
    per_customer,
    require_clean,
)
from clv_xl.models import (
    GammaGamma,
    fit_cached,
    lifetime_value,
    model_class,
    purchase_models,
)
from clv_xl.models.covariates import fit_with_covariates


def _fit_table(model_name, repeat_purchases, recency, age, weights, purchase_covariates=None,
               dropout_covariates=None, penalizer=None):  # fmt: skip
    cls = model_class(model_name, purchase_models())
    shrink = number_argument(penalizer, "penalizer", 0.0, "a number >= 0 (0: no penalty)")
    settings = {"penalizer": shrink} if shrink else {}
    history = {"repeat_purchases": repeat_purchases, "recency": recency, "age": age}
    more = {name: None for name in cls.data_names if name not in STANDARD_DATA}  # from the spill
    cols = customer_columns({**history, **more}, {"weights": weights})
    data = require_clean(cols, cls)
    used = cols.used
    w = cols.values["weights"][used] if "weights" in cols.values else None
    designs = fit_designs(purchase_covariates, dropout_covariates, cols)
    if designs is None:
        return fit_cached(cls, *data, w, **settings).table()
    return fit_with_covariates(cls, data, w, designs, **settings).table()


@xw.func(category=docs.CATEGORY)
@cell("model", docs.PURCHASE_MODEL)
@cells("repeat_purchases", "Repeat purchases of each customer (CLV_SUMMARY's frequency column).")
@cells("recency", "Time from first to last purchase (CLV_SUMMARY's recency column).")
@cells(
    "age",
    "Customer age T: time from first purchase to the end of the data (CLV_SUMMARY's T column); BG/BB: opportunities.",
)
@cells("weights", docs.WEIGHTS)
@covariates(given=False)
@cell("penalizer", docs.PENALIZER)
@excel_function
def CLV_FIT(model, repeat_purchases, recency=None, age=None, weights=None, purchase_covariates=None,
            dropout_covariates=None, penalizer=None):  # fmt: skip
    """Fit a repeat-purchase model; spills name/value rows: parameters, errors, log-likelihood.

    Maximum likelihood, as lifetimes' fitters and the papers: BG/NBD (Fader, Hardie & Lee 2005,
    eq. 6), MBG/NBD (Batislam, Denizel & Filiztekin 2007), Pareto/NBD (Schmittlein, Morrison &
    Colombo 1987), BG/BB (Fader, Hardie & Shang 2010, eq. 5). With
    covariates, each customer's purchase and drop-out parameters are scaled by exp(g'z) (Fader &
    Hardie 2007). The table has standard errors (se_), the correlations of the estimates (corr_,
    used by CLV_INTERVAL), the log-likelihood, the number of customers and a status line.

    Returns
    -------
    range
        Two columns, name and value, to spill; the other model functions take it as ``params``.

    Examples
    --------
    >>> from clv_xl.datasets import cdnow_summary
    >>> c = cdnow_summary()
    >>> fit = dict(CLV_FIT("BG/NBD", c["frequency"], c["recency"], c["T"]))
    >>> [round(fit[k], 3) for k in ("r", "alpha", "a", "b")]  # Fader, Hardie & Lee (2005), p. 280
    [0.243, 4.414, 0.793, 2.426]

    References
    ----------
    Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005), "'Counting Your Customers' the Easy Way",
    Marketing Science 24(2), 275-284.
    """
    return _fit_table(
        model,
        repeat_purchases,
        recency,
        age,
        weights,
        purchase_covariates,
        dropout_covariates,
        penalizer,
    )


@xw.func(category=docs.CATEGORY)
@cells(
    "repeat_purchases",
    "Repeat purchases of each customer; customers with 0 are left out of the fit.",
)
@cells(
    "monetary_value",
    "Average value of each customer's repeat purchases (CLV_SUMMARY's monetary_value).",
)
@cells("weights", docs.WEIGHTS)
@excel_function
def CLV_FIT_SPEND(repeat_purchases, monetary_value=None, weights=None):
    """Fit the Gamma-Gamma spend model; spills name/value rows for p, q, gamma.

    Customers without a repeat purchase are left out, as the model is of repeat purchases' values
    (Fader & Hardie's note 025, eq. 3).

    Returns
    -------
    range
        Two columns, name and value: p, q, gamma with their errors and the fit's status.

    Examples
    --------
    >>> from clv_xl.datasets import cdnow_summary
    >>> c = cdnow_summary()
    >>> fit = dict(CLV_FIT_SPEND(c["frequency"], c["monetary_value"]))
    >>> [round(fit[k], 2) for k in ("p", "q")]  # the note's 6.25, 3.74 (gamma 15.44)
    [6.25, 3.74]

    References
    ----------
    Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005c), "RFM and CLV: Using Iso-Value Curves for
    Customer Base Analysis", Journal of Marketing Research 42(4); "The Gamma-Gamma Model of Monetary
    Value" (note, 2013).
    """
    cols = customer_columns(
        {"repeat_purchases": repeat_purchases, "monetary_value": monetary_value},
        {"weights": weights},
    )
    data = require_clean(cols, GammaGamma)
    w = cols.values["weights"][cols.used] if "weights" in cols.values else None
    return fit_cached(GammaGamma, *data, w).table()


@xw.func(category=docs.CATEGORY)
@cells("params", docs.PARAMS)
@cells("repeat_purchases", docs.REPEAT_PURCHASES)
@cells("recency", "Time from first to last purchase, in the unit the model was fitted in.")
@cells(
    "age", "Customer age T: time from first purchase to the end of the data (BG/BB: opportunities)."
)
@covariates(given=True)
@excel_function
def CLV_P_ALIVE(params, repeat_purchases, recency=None, age=None, purchase_covariates=None,
                dropout_covariates=None):  # fmt: skip
    """Probability that each customer is still active (has not silently left).

    BG/NBD: Fader, Hardie & Lee's note "Computing P(alive) Using the BG/NBD Model" (2008);
    Pareto/NBD: Fader & Hardie's note on deriving it (2005), eq. (18); BG/BB: Fader, Hardie &
    Shang (2010), eq. (11).

    Returns
    -------
    range
        One probability per customer; a customer whose row cannot be used shows one line.

    Examples
    --------
    >>> bg = [["model", "BG/NBD"], ["r", 0.243], ["alpha", 4.414], ["a", 0.793], ["b", 2.426]]
    >>> [round(v[0], 3) for v in CLV_P_ALIVE(bg, [[0], [2]], [[0], [30.43]], [[38.86], [38.86]])]
    [1.0, 0.727]
    """
    history = History(repeat_purchases, recency, age, purchase_covariates, dropout_covariates)
    return forecast(params, history, lambda m, x, tx, t: m.p_alive(x, tx, t))


@xw.func(category=docs.CATEGORY)
@cells("params", docs.PARAMS)
@cell(
    "horizon",
    "Length of the future period, in the fitted time unit (e.g. 52 weeks; BG/BB: opportunities).",
)
@cells("repeat_purchases", "Optional repeat purchases of each customer; blank = a new customer.")
@cells("recency", "Optional time from first to last purchase.")
@cells("age", "Optional customer age T: time from first purchase to the end of the data.")
@covariates(given=True)
@excel_function
def CLV_EXPECTED_PURCHASES(params, horizon, repeat_purchases=None, recency=None, age=None,
                           purchase_covariates=None, dropout_covariates=None):  # fmt: skip
    """Expected purchases in the next horizon periods per customer, or for a new customer.

    BG/NBD: Fader, Hardie & Lee (2005), eq. (10) for a customer with a history, eq. (9) for a new
    one; the other models' equivalents.

    Returns
    -------
    number or range
        One number per customer (a number for a new customer).

    Examples
    --------
    >>> bg = [["model", "BG/NBD"], ["r", 0.243], ["alpha", 4.414], ["a", 0.793], ["b", 2.426]]
    >>> round(CLV_EXPECTED_PURCHASES(bg, 39, [[2]], [[30.43]], [[38.86]]), 3)
    1.226
    """
    length = horizon_argument(horizon)
    history = History(repeat_purchases, recency, age, purchase_covariates, dropout_covariates)
    return forecast(
        params,
        history,
        lambda m, x, tx, t: m.expected_purchases(length, x, tx, t),
        lambda m: m.expected_purchases_new(length),
    )


@xw.func(category=docs.CATEGORY)
@cells("spend_params", docs.SPEND_PARAMS)
@cells("repeat_purchases", docs.REPEAT_PURCHASES)
@cells("monetary_value", docs.MONETARY_VALUE)
@excel_function
def CLV_EXPECTED_SPEND(spend_params, repeat_purchases, monetary_value=None):
    """Expected value per purchase for each customer (Gamma-Gamma).

    Fader, Hardie & Lee (2005c): a weighted mean of the population's mean and the customer's own
    average, by how many repeat purchases back it.

    Returns
    -------
    number or range
        Expected average purchase value per customer.

    Examples
    --------
    >>> gg = [["model", "Gamma-Gamma"], ["p", 6.25], ["q", 3.74], ["gamma", 15.44]]
    >>> round(CLV_EXPECTED_SPEND(gg, [[2]], [[22.35]]), 2)
    24.66
    """
    model = spend_model_from(spend_params)
    cols = customer_columns(
        {"repeat_purchases": repeat_purchases, "monetary_value": monetary_value}
    )
    ok = cols.used & (cols.problem == "")
    result = np.full(cols.length, np.nan)
    if ok.any():
        result[ok] = model.expected_spend(
            cols.values["repeat_purchases"][ok], cols.values["monetary_value"][ok]
        )
    return per_customer(result, cols)


@xw.func(category=docs.CATEGORY)
@cells("params", docs.PARAMS)
@cells("spend_params", docs.SPEND_PARAMS)
@history()
@cells("monetary_value", docs.MONETARY_VALUE)
@cell("months", "Optional horizon in months (blank = 12).")
@cell("discount_rate", "Optional monthly discount rate: 1% or 0.01 (blank = 1%).")
@cell("margin", "Optional profit margin on spend: 30% or 0.3 (blank = 100%, value not profit).")
@cell("period", docs.PERIOD)
@covariates(given=True)
@excel_function
def CLV_LIFETIME_VALUE(params, spend_params, repeat_purchases, recency=None, age=None,
                       monetary_value=None, months=None, discount_rate=None, margin=None,
                       period=None, purchase_covariates=None, dropout_covariates=None):  # fmt: skip
    """Discounted expected profit per customer over the coming months.

    Expected purchases month by month from the purchase model, times the expected spend (Gamma-Gamma),
    times the margin, discounted monthly, as lifetimes' ``customer_lifetime_value``.

    Returns
    -------
    number or range
        One value per customer, in the purchases' currency.

    Examples
    --------
    >>> bg = [["model", "BG/NBD"], ["r", 0.243], ["alpha", 4.414], ["a", 0.793], ["b", 2.426]]
    >>> gg = [["model", "Gamma-Gamma"], ["p", 6.25], ["q", 3.74], ["gamma", 15.44]]
    >>> round(CLV_LIFETIME_VALUE(bg, gg, [[2]], [[30.43]], [[38.86]], [[22.35]], 12, 0.01), 1)
    36.3
    """
    model = purchase_model(params)  # the parameter tables are read in their order
    spend = spend_model_from(spend_params)
    n_months = number_argument(months, "months", 12, wording.MONTHS, lo=1)
    rate, share, unit = value_options(discount_rate, margin, period)
    more = {"monetary_value": monetary_value}
    history = History(repeat_purchases, recency, age, purchase_covariates, dropout_covariates, more)

    def value(m: Any, x: Any, tx: Any, big_t: Any, avg: Any) -> np.ndarray:
        per_purchase = spend.expected_spend(x, avg)
        return lifetime_value(m, per_purchase, x, tx, big_t, int(n_months), rate, share, unit)

    return forecast(model, history, value)
