"""CLV_ functions for how sure the predictions are and for cohorts side by side.

``CLV_INTERVAL`` draws parameters from the fit's uncertainty (see ``clv_xl.models.intervals``);
``CLV_FIT_COHORTS`` fits one model per cohort label and lays the parameters side by side.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import xlwings as xw

from clv_xl.core import wording
from clv_xl.errors import CLVError, InputError
from clv_xl.excel import argdocs as docs
from clv_xl.excel.arguments import (
    customer_rows,
    number_argument,
    one_cell,
    purchase_model,
    row_weights,
    spend_model_from,
    value_options,
)
from clv_xl.excel.convert import flatten
from clv_xl.excel.covariates import customer_matrices
from clv_xl.excel.declare import cell, cells, covariates, history
from clv_xl.excel.runner import current_function, excel_function
from clv_xl.excel.tables import customer_columns, read_table, require_clean, summary_ids
from clv_xl.models import fit_cached, lifetime_value, model_class, purchase_models
from clv_xl.models.cache import content_key
from clv_xl.models.grouped import distinct_index, each_distinct
from clv_xl.models.intervals import bootstrap_interval
from clv_xl.models.params_table import covariance_from_table
from clv_xl.models.repeat_buying import BetaGeometricFamily, Pairs, check_customers

QUANTITIES = ("purchases", "p_alive", "spend", "value")
ALLOWED_QUANTITY = '"purchases", "p_alive", "spend" or "value"'
MIN_COHORT = 30  # customers a cohort needs before it is fitted


@xw.func(category=docs.CATEGORY)
@cells("params", docs.PARAMS + " The whole spill (P1#): it holds the correlations.")
@cell(
    "quantity",
    '"purchases" in the horizon, "p_alive", "spend" per purchase or "value" (lifetime value over horizon months).',
)
@cell("horizon", "Purchases: periods ahead in the fitted unit. Value: months (1 to 1,200).")
@history()
@cell("level", "Optional share of the interval: 90% (blank) or e.g. 0.8, 0.95.")
@cell("draws", "Optional number of parameter draws: 500 (blank), 100 to 5,000.")
@cells("spend_params", 'For "spend" and "value": CLV_FIT_SPEND\'s whole spill.')
@cells("monetary_value", 'For "spend" and "value": average repeat purchase of each customer.')
@cell("discount_rate", 'For "value": optional monthly discount rate (blank = 1%).')
@cell("margin", 'For "value": optional profit margin (blank = 100%).')
@cell("period", 'For "value": ' + docs.PERIOD)
@cells("weights", docs.WEIGHTS + " The total counts each row that many times.")
@covariates(given=True)
@excel_function
def CLV_INTERVAL(params, quantity, horizon, repeat_purchases, recency=None, age=None, level=None,
                 draws=None, spend_params=None, monetary_value=None, discount_rate=None,
                 margin=None, period=None, weights=None, purchase_covariates=None,
                 dropout_covariates=None):  # fmt: skip
    """Estimate with lower and upper bounds per customer, and for the total, from the fit's uncertainty.

    Parameter draws from the fit's estimates and their covariance (the se_ and corr_ rows),
    each quantity computed per draw; the bounds are the draws' quantiles.

    Returns
    -------
    range
        A header, one row per customer (its id when the history is CLV_SUMMARY's whole spill,
        else its row number; estimate, lower, upper) and a total row.

    Examples
    --------
    >>> from clv_xl.datasets import cdnow_summary
    >>> c = cdnow_summary()
    >>> fit = CLV_FIT("BG/NBD", c["frequency"], c["recency"], c["T"])
    >>> rows = CLV_INTERVAL(fit, "purchases", 39, [[2]], [[30.43]], [[38.86]])
    >>> rows[0], rows[1][2] < rows[1][1] < rows[1][3]
    (['customer', 'purchases', 'lower 90%', 'upper 90%'], True)
    """
    kind = one_cell(quantity, "quantity", ALLOWED_QUANTITY)
    kind = kind.strip().lower() if isinstance(kind, str) else kind
    if kind not in QUANTITIES:
        raise InputError("quantity", quantity, ALLOWED_QUANTITY)
    share = number_argument(level, "level", 0.9, "a share between 50% and 99.9% (90% as 0.9)")
    if not 0.5 <= share <= 0.999:
        raise InputError("level", share, "a share between 50% and 99.9% (90% as 0.9)")
    n_draws = number_argument(draws, "draws", 500, wording.DRAWS)
    if not (100 <= n_draws <= 5000 and n_draws == int(n_draws)):
        raise InputError("draws", n_draws, wording.DRAWS)
    length = number_argument(horizon, "horizon", 0.0, wording.HORIZON)
    model = purchase_model(params)
    cov = covariance_from_table(read_table(params, "params"), model.param_names, model.positive())
    spend = None
    more = {}
    if kind in ("spend", "value"):
        if spend_params is None or monetary_value is None:
            missing = "spend_params" if spend_params is None else "monetary_value"
            raise InputError(
                missing, None, f"CLV_FIT_SPEND's table and each customer's average for \"{kind}\""
            )
        spend_model = spend_model_from(spend_params)
        spend = (
            spend_model,
            covariance_from_table(
                read_table(spend_params, "spend_params"), spend_model.param_names
            ),
        )
        more = {"monetary_value": monetary_value}
    cols, (x, tx, big_t), ok = customer_rows(model, repeat_purchases, recency, age, more)
    matrices, ok, _ = customer_matrices(model, purchase_covariates, dropout_covariates, cols, ok)
    if not ok.any():
        raise InputError("repeat_purchases", "no usable customer", "at least one customer row")
    xs, txs, ts = x[ok], tx[ok], big_t[ok]
    w = row_weights(weights, cols.length)[ok] if weights is not None else None
    ms = cols.values["monetary_value"][ok] if more else None
    # customers alike (the same history, spend and covariates: most one-time buyers of a
    # period) are drawn once, standing for all of them in the total
    alike = [v for v in (xs, txs, ts, ms, *(matrices or [])) if v is not None]
    first, each = distinct_index(*alike)
    per_row = np.bincount(each, weights=w, minlength=first.size)
    x1, tx1, t1 = xs[first], txs[first], ts[first]
    m1 = None if ms is None else ms[first]
    predict = _predictor(kind, length, x1, tx1, t1, m1, discount_rate, margin, period)
    if matrices is not None:  # each draw of a covariate fit, set to the customers' covariates
        predict = _per_customer(predict, [None if m is None else m[first] for m in matrices])
    settings = {
        "quantity": kind,
        "horizon": length,
        "rate": discount_rate,
        "margin": margin,
        "period": period,
    }
    columns = [xs, txs, ts] + ([ms] if ms is not None else []) + ([w] if w is not None else [])
    columns += [m for m in matrices or [] if m is not None]
    key = content_key(type(model), columns, {**settings, "weighted": w is not None})
    estimate, lower, upper, total, total_lo, total_hi = bootstrap_interval(
        model,
        cov,
        predict,
        share,
        int(n_draws),
        key=key,
        spend=spend,
        weights=per_row,
        order=np.lexsort((t1, x1)),  # customers alike together: a block shares 2F1s
        stacked=kind == "purchases" and matrices is None and _on_pairs(model),
    )
    estimate, lower, upper = estimate[each], lower[each], upper[each]
    name = current_function()
    rows: list[list[Any]] = [["customer", kind, f"lower {share:.0%}", f"upper {share:.0%}"]]
    bounds = zip(estimate.tolist(), lower.tolist(), upper.tolist(), strict=True)
    # each customer by its id where the history is CLV_SUMMARY's whole spill, else by its row
    ids = summary_ids(repeat_purchases) if recency is None and age is None else None
    labels = ids if ids is not None and len(ids) == cols.length else range(1, cols.length + 1)
    if ok.all():  # every row a customer: the rows at once
        rows.extend([i, *row] for i, row in zip(labels, bounds, strict=True))
    else:
        picked = iter(bounds)
        for i, label in enumerate(labels):
            if ok[i]:
                rows.append([label, *next(picked)])
            elif cols.used[i]:
                rows.append([f"{name}: {cols.problem[i]}", "", "", ""])
            else:
                rows.append(["", "", "", ""])
    rows.append(["total", total, total_lo, total_hi])
    found = np.concatenate([estimate, lower, upper, [total, total_lo, total_hi]])
    if np.isfinite(found).all():
        return rows
    nothing = f"{name}: no finite result (a parameter or the horizon is too extreme)"
    return [
        [v if not isinstance(v, float) or math.isfinite(v) else nothing for v in row]
        for row in rows
    ]


def _on_pairs(model):
    """Whether the purchases of a run of draws come at once (:func:`~clv_xl.models.intervals.stacked_draws`)."""
    return isinstance(model, BetaGeometricFamily) and not model.per_customer


def _per_customer(predict, matrices):
    def each(model, *spend, part=slice(None)):
        own = (None if m is None else m[part] for m in matrices)
        return predict(model.customers(*own), *spend, part=part)

    return each


def _predictor(kind, length, x, tx, big_t, m, discount_rate, margin, period):
    """What one draw of the parameters predicts for each customer (``part``: a block of them)."""
    if kind == "purchases":
        found: dict[Any, Pairs] = {}  # per block of customers: their (x, T) pairs, found once

        def purchases(model, part=slice(None)):
            xs, txs, ts = x[part], tx[part], big_t[part]
            if not _on_pairs(model):
                return model.expected_purchases(length, xs, txs, ts)
            block = None if isinstance(part, slice) else (int(part[0]), part.size)
            if block not in found:  # the histories checked once, with their pairs
                check_customers(xs, txs, ts)
                found[block] = Pairs.of(xs, ts)
            return model.expected_purchases(length, xs, txs, ts, pairs=found[block])

        return purchases
    if kind == "p_alive":
        return lambda model, part=slice(None): model.p_alive(x[part], tx[part], big_t[part])
    if kind == "spend":
        return lambda model, spend, part=slice(None): spend.expected_spend(x[part], m[part])
    if not (1 <= length <= 1200 and length == int(length)):
        raise InputError("horizon", length, f'{wording.MONTHS} for "value"')
    rate, share, unit = value_options(discount_rate, margin, period)
    months = int(length)

    def value(model, spend, part=slice(None)):
        each = spend.expected_spend(x[part], m[part])
        return lifetime_value(
            model, each, x[part], tx[part], big_t[part], months, rate, share, unit
        )

    return value


@xw.func(category=docs.CATEGORY)
@cell("model", docs.PURCHASE_MODEL)
@cells("cohort", "Cohort label of each customer, e.g. the month of the first purchase.")
@history()
@excel_function
def CLV_FIT_COHORTS(model, cohort, repeat_purchases, recency=None, age=None):
    """One fit per cohort, side by side: a row per parameter, a column per cohort, with status.

    Returns
    -------
    range
        A header of cohorts, then one row per parameter, the customers and each fit's status.

    Examples
    --------
    >>> from clv_xl.datasets import cdnow_summary
    >>> c = cdnow_summary()
    >>> halves = [["odd"] if i % 2 else ["even"] for i in range(len(c["frequency"]))]
    >>> CLV_FIT_COHORTS("BG/NBD", halves, c["frequency"], c["recency"], c["T"])[0]
    ['cohort', 'even', 'odd']
    """
    cls = model_class(model, purchase_models())
    labels, _ = flatten(cohort)
    cols = customer_columns({"repeat_purchases": repeat_purchases, "recency": recency, "age": age})
    if len(labels) != cols.length:
        raise InputError(
            "cohort",
            f"{len(labels)} cells for {cols.length} customers",
            "one cohort label per customer",
        )
    require_clean(cols, cls)
    keys = _labels(labels)
    used = cols.used & (keys != "")
    if not used.any():
        raise InputError("cohort", "only blanks", "a label on every customer row")
    order = sorted(set(keys[used].tolist()), key=_sort_key)
    names = list(cls.param_names)
    table: list[list[Any]] = [["cohort", *order]]
    columns: list[tuple[int, Any, str]] = []
    for label in order:
        rows = used & (keys == label)
        count = int(rows.sum())
        data = [cols.values[k][rows] for k in ("repeat_purchases", "recency", "age")]
        if count < MIN_COHORT:
            columns.append(
                (count, None, f"too small to fit: {count} customers (needs {MIN_COHORT})")
            )
            continue
        try:
            fitted = fit_cached(cls, *data)
        except CLVError as exc:
            columns.append((count, None, f"not fitted: {exc}"))
            continue
        columns.append((count, fitted, str(fitted.message_)))
    for name in names:
        table.append([name, *(f.params_[name] if f is not None else "" for _, f, _ in columns)])
    for name in names:
        table.append([f"se_{name}", *(_se(f, name) for _, f, _ in columns)])
    table.append(["customers", *(c for c, _, _ in columns)])
    table.append(
        ["log_likelihood", *(f.log_likelihood_ if f is not None else "" for _, f, _ in columns)]
    )
    table.append(["status", *(s for _, _, s in columns)])
    return table


def _se(fitted: Any, name: str) -> Any:
    if fitted is None:
        return ""
    value = fitted.standard_errors_[name]
    return value if np.isfinite(value) else "n/a"


def _labels(cells: list[Any]) -> np.ndarray:
    """Each cell's cohort label (:func:`_label`); a column of texts (CLV_SUMMARY's cohorts)
    labelled once per distinct text."""
    texts = set(map(type, cells)) == {str}
    return np.array(
        each_distinct(_label, cells) if texts else list(map(_label, cells)), dtype=object
    )


def _label(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if hasattr(value, "strftime"):
        return value.strftime("%Y-%m-%d")
    return str(value).strip()


def _sort_key(label: str) -> tuple[int, float, str]:
    try:
        return (0, float(label), label)
    except ValueError:
        return (1, 0.0, label)
