"""CLV_ functions for the buy-till-you-die models (issue: transaction log to predicted value).

Tables spill; a fitted model lives in cells as the two-column table CLV_FIT returns, so the model
is saved with the workbook and every prediction formula points at it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import xlwings as xw

from clv_xl.data import holdout_check, summarize
from clv_xl.errors import InputError
from clv_xl.excel import argdocs as docs
from clv_xl.excel.arguments import (
    amount_cells,
    customer_rows,
    date_cell,
    has_history,
    number_argument,
    one_cell,
    purchase_model,
    retention_model,
    spend_model_from,
    transactions,
    value_options,
)
from clv_xl.excel.attributes import carried
from clv_xl.excel.cohorts import cohort_labels
from clv_xl.excel.convert import numeric_cells, to_grid
from clv_xl.excel.covariates import fit_designs, for_customers, new_customers
from clv_xl.excel.declare import cell, cells
from clv_xl.excel.runner import excel_function, run_elementwise
from clv_xl.excel.tables import (
    customer_columns,
    per_customer,
    require_clean,
    spill,
)
from clv_xl.models import (
    GammaGamma,
    fit_cached,
    lifetime_value,
    model_class,
    purchase_models,
    retention_models,
)
from clv_xl.models.bdw import BetaDiscreteWeibull, bdw_derl
from clv_xl.models.covariates import CovariateModel
from clv_xl.models.sbg import derl


@xw.func(category=docs.CATEGORY)
@cells("customer_ids", "Customer of each transaction (one column of ids or names).")
@cells("dates", "Date of each transaction: date cells, 1997-01-01 text or 19970101 numbers.")
@cells("amounts", "Optional amount of each transaction; returns are negative and netted per day.")
@cell("as_of", docs.AS_OF)
@cell("period", docs.PERIOD)
@cell(
    "cohorts",
    'Optional: add a cohort column, the first purchase\'s "M" month (2024-03), "Q" quarter (2024-Q1) or "Y" year.',
)
@cells(
    "attributes",
    "Optional columns of the log to carry per customer (channel, region), with their header row; each customer's first row gives the value.",
)
@excel_function
def CLV_SUMMARY(
    customer_ids, dates, amounts=None, as_of=None, period=None, cohorts=None, attributes=None
):
    """One row per customer: frequency, recency, T, monetary value and more, with a header."""
    rows, ids, days, n_cells = transactions(customer_ids, dates)
    amount_values = None if amounts is None else amount_cells(amounts, rows, n_cells)
    frame = summarize(ids, days, amount_values, date_cell(as_of, "as_of"), period)
    if cohorts not in (None, ""):
        frame["cohort"] = cohort_labels(frame["first_purchase"], cohorts)
    if attributes is not None:
        for name, values in carried(attributes, ids, rows, n_cells, frame["customer"]).items():
            frame[name] = values
    return spill(frame)


def _fit_table(
    model_name,
    repeat_purchases,
    recency,
    age,
    weights,
    purchase_covariates=None,
    dropout_covariates=None,
    penalizer=None,
):
    cls = model_class(model_name, purchase_models())
    shrink = number_argument(penalizer, "penalizer", 0.0, "a number >= 0 (0: no penalty)")
    settings = {"penalizer": shrink} if shrink else {}
    cols = customer_columns(
        {"repeat_purchases": repeat_purchases, "recency": recency, "age": age}, {"weights": weights}
    )
    data = require_clean(cols, cls)
    used = cols.used
    w = cols.values["weights"][used] if "weights" in cols.values else None
    designs = fit_designs(purchase_covariates, dropout_covariates, cols)
    if designs is None:
        return fit_cached(cls, *data, w, **settings).table()
    purchase, dropout = designs
    return fit_cached(
        CovariateModel,
        *data,
        w,
        purchase.matrix,
        dropout.matrix,
        base=cls,
        purchase_names=purchase.names,
        dropout_names=dropout.names,
        **settings,
    ).table()


@xw.func(category=docs.CATEGORY)
@cell("model", docs.PURCHASE_MODEL)
@cells("repeat_purchases", "Repeat purchases of each customer (CLV_SUMMARY's frequency column).")
@cells("recency", "Time from first to last purchase (CLV_SUMMARY's recency column).")
@cells(
    "age",
    "Customer age T: time from first purchase to the end of the data (CLV_SUMMARY's T column); BG/BB: opportunities.",
)
@cells("weights", docs.WEIGHTS)
@cells("purchase_covariates", docs.PURCHASE_COVARIATES)
@cells("dropout_covariates", docs.DROPOUT_COVARIATES)
@cell("penalizer", docs.PENALIZER)
@excel_function
def CLV_FIT(
    model,
    repeat_purchases,
    recency=None,
    age=None,
    weights=None,
    purchase_covariates=None,
    dropout_covariates=None,
    penalizer=None,
):
    """Fit a repeat-purchase model; spills name/value rows: parameters, errors, log-likelihood."""
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
    """Fit the Gamma-Gamma spend model; spills name/value rows for p, q, gamma."""
    cols = customer_columns(
        {"repeat_purchases": repeat_purchases, "monetary_value": monetary_value},
        {"weights": weights},
    )
    data = require_clean(cols, GammaGamma)
    w = cols.values["weights"][cols.used] if "weights" in cols.values else None
    return fit_cached(GammaGamma, *data, w).table()


@xw.func(category=docs.CATEGORY)
@cells(
    "active_counts",
    "Customers of one cohort still active at period 0, 1, 2, ... e.g. 1000, 631, 468.",
)
@cell(
    "model",
    'Optional "sBG" (blank: constant churn per customer) or "BdW" (churn that rises or falls with tenure).',
)
@excel_function
def CLV_FIT_RETENTION(active_counts, model=None):
    """Fit a retention model to a cohort: sBG (alpha, beta) or BdW (alpha, beta, c)."""
    cls = model_class(
        "sBG" if model in (None, "") else one_cell(model, "model", "sBG or BdW"), retention_models()
    )
    cells = numeric_cells(active_counts)
    values = cells.values.ravel()
    if (cells.problem != "").any():
        i = int(np.argmax(cells.problem.ravel() != ""))
        raise InputError(
            "active_counts",
            to_grid(active_counts).ravel()[i],
            "counts of customers",
            position=(i + 1,),
        )
    counts = values[~cells.blank.ravel()]
    return fit_cached(cls, counts).table()


def _predict(
    params,
    repeat_purchases,
    recency,
    age,
    predict,
    purchase_covariates=None,
    dropout_covariates=None,
):
    model = purchase_model(params)
    cols, (x, tx, big_t), ok = customer_rows(model, repeat_purchases, recency, age)
    model, ok = for_customers(model, purchase_covariates, dropout_covariates, cols, ok)
    result = np.full(cols.length, np.nan)
    if ok.any():
        result[ok] = predict(model, x[ok], tx[ok], big_t[ok])
    return per_customer(result, cols)


@xw.func(category=docs.CATEGORY)
@cells("params", docs.PARAMS)
@cells("repeat_purchases", docs.REPEAT_PURCHASES)
@cells("recency", "Time from first to last purchase, in the unit the model was fitted in.")
@cells(
    "age", "Customer age T: time from first purchase to the end of the data (BG/BB: opportunities)."
)
@cells("purchase_covariates", docs.PURCHASE_COVARIATES_GIVEN)
@cells("dropout_covariates", docs.DROPOUT_COVARIATES_GIVEN)
@excel_function
def CLV_P_ALIVE(
    params,
    repeat_purchases,
    recency=None,
    age=None,
    purchase_covariates=None,
    dropout_covariates=None,
):
    """Probability that each customer is still active (has not silently left)."""
    return _predict(
        params,
        repeat_purchases,
        recency,
        age,
        lambda m, x, tx, t: m.p_alive(x, tx, t),
        purchase_covariates,
        dropout_covariates,
    )


@xw.func(category=docs.CATEGORY)
@cells("params", docs.PARAMS)
@cell(
    "horizon",
    "Length of the future period, in the fitted time unit (e.g. 52 weeks; BG/BB: opportunities).",
)
@cells("repeat_purchases", "Optional repeat purchases of each customer; blank = a new customer.")
@cells("recency", "Optional time from first to last purchase.")
@cells("age", "Optional customer age T: time from first purchase to the end of the data.")
@cells("purchase_covariates", docs.PURCHASE_COVARIATES_GIVEN)
@cells("dropout_covariates", docs.DROPOUT_COVARIATES_GIVEN)
@excel_function
def CLV_EXPECTED_PURCHASES(
    params,
    horizon,
    repeat_purchases=None,
    recency=None,
    age=None,
    purchase_covariates=None,
    dropout_covariates=None,
):
    """Expected purchases in the next horizon periods per customer, or for a new customer."""
    length = number_argument(horizon, "horizon", float("nan"), "a number of periods >= 0")
    if not np.isfinite(length):
        raise InputError("horizon", None, "a number of periods >= 0")
    if not has_history(repeat_purchases, recency, age):
        model = purchase_model(params)
        each = new_customers(model, purchase_covariates, dropout_covariates)
        if each is None:
            return float(model.expected_purchases_new(length))
        return [[float(v)] for v in each.expected_purchases_new(length)]
    return _predict(
        params,
        repeat_purchases,
        recency,
        age,
        lambda m, x, tx, big_t: m.expected_purchases(length, x, tx, big_t),
        purchase_covariates,
        dropout_covariates,
    )


@xw.func(category=docs.CATEGORY)
@cells("spend_params", docs.SPEND_PARAMS)
@cells("repeat_purchases", docs.REPEAT_PURCHASES)
@cells("monetary_value", docs.MONETARY_VALUE)
@excel_function
def CLV_EXPECTED_SPEND(spend_params, repeat_purchases, monetary_value=None):
    """Expected value per purchase for each customer (Gamma-Gamma)."""
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
@cells("repeat_purchases", docs.REPEAT_PURCHASES)
@cells("recency", docs.RECENCY)
@cells("age", docs.AGE)
@cells("monetary_value", docs.MONETARY_VALUE)
@cell("months", "Optional horizon in months (blank = 12).")
@cell("discount_rate", "Optional monthly discount rate: 1% or 0.01 (blank = 1%).")
@cell("margin", "Optional profit margin on spend: 30% or 0.3 (blank = 100%, value not profit).")
@cell("period", docs.PERIOD)
@cells("purchase_covariates", docs.PURCHASE_COVARIATES_GIVEN)
@cells("dropout_covariates", docs.DROPOUT_COVARIATES_GIVEN)
@excel_function
def CLV_LIFETIME_VALUE(
    params,
    spend_params,
    repeat_purchases,
    recency=None,
    age=None,
    monetary_value=None,
    months=None,
    discount_rate=None,
    margin=None,
    period=None,
    purchase_covariates=None,
    dropout_covariates=None,
):
    """Discounted expected profit per customer over the coming months."""
    model = purchase_model(params)
    spend = spend_model_from(spend_params)
    n_months = number_argument(
        months, "months", 12, "a whole number of months from 1 to 1,200", lo=1
    )
    rate, share, unit = value_options(discount_rate, margin, period)
    cols, _, ok = customer_rows(
        model, repeat_purchases, recency, age, {"monetary_value": monetary_value}
    )
    model, ok = for_customers(model, purchase_covariates, dropout_covariates, cols, ok)
    result = np.full(cols.length, np.nan)
    if ok.any():
        x, tx, big_t, m = (
            cols.values[k][ok] for k in ("repeat_purchases", "recency", "age", "monetary_value")
        )
        per_purchase = spend.expected_spend(x, m)
        result[ok] = lifetime_value(model, per_purchase, x, tx, big_t, n_months, rate, share, unit)  # type: ignore[arg-type]
    return per_customer(result, cols)


@xw.func(category=docs.CATEGORY)
@cells("retention_params", docs.RETENTION_PARAMS)
@cell("periods", "How many periods to project, e.g. 12.")
@excel_function
def CLV_RETENTION_CURVE(retention_params, periods):
    """Projected survival and retention rate for periods 1..n, with a header."""
    model = retention_model(retention_params)
    n = number_argument(
        periods, "periods", float("nan"), "a whole number of periods from 1 to 1000", lo=1
    )
    if not np.isfinite(n) or n != int(n) or n > 1000:
        raise InputError("periods", periods, "a whole number of periods from 1 to 1000")
    t = np.arange(1, int(n) + 1, dtype=float)
    frame = pd.DataFrame(
        {"period": t, "survival": model.survival(t), "retention": model.retention(t)}
    )
    return spill(frame)


@xw.func(category=docs.CATEGORY)
@cells("retention_params", docs.RETENTION_PARAMS)
@cells("discount_rate", "Discount rate per period: 10% or 0.1 (> 0).")
@cells(
    "renewals",
    "Renewals the subscriber has made so far (0 = just acquired, before the first renewal).",
)
@excel_function
def CLV_DERL(retention_params, discount_rate, renewals):
    """Discounted expected residual lifetime of a subscriber, in periods (Fader & Hardie 2010)."""
    model = retention_model(retention_params)
    if isinstance(model, BetaDiscreteWeibull):
        return run_elementwise(
            bdw_derl, dict(model.params_), discount_rate=discount_rate, renewals=renewals
        )
    alpha, beta = model.params_["alpha"], model.params_["beta"]
    return run_elementwise(
        derl, {"alpha": alpha, "beta": beta}, discount_rate=discount_rate, renewals=renewals
    )


@xw.func(category=docs.CATEGORY)
@cells("customer_ids", "Customer of each transaction.")
@cells("dates", "Date of each transaction.")
@cell(
    "calibration_end", "Last date of the calibration period (the model is fitted on data up to it)."
)
@cell(
    "holdout_end",
    "Last date of the holdout period (actual purchases after calibration_end up to it).",
)
@cell("model", 'Optional "BG/NBD" (blank), "MBG/NBD" or "Pareto/NBD".')
@excel_function
def CLV_HOLDOUT(customer_ids, dates, calibration_end, holdout_end, model=None):
    """Calibration/holdout check: actual vs predicted holdout purchases by repeat purchases."""
    _, ids, days, _ = transactions(customer_ids, dates)
    calibration_end = date_cell(calibration_end, "calibration_end")
    holdout_end = date_cell(holdout_end, "holdout_end")
    table, _ = holdout_check(
        ids, days, calibration_end, holdout_end, "BG/NBD" if model in (None, "") else model
    )
    return spill(table)
