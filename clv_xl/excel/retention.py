"""The CLV_ functions of contractual retention (a cohort's customers still active period by
period): CLV_FIT_RETENTION, CLV_RETENTION_CURVE and CLV_DERL."""

from __future__ import annotations

import numpy as np
import pandas as pd
import xlwings as xw

from clv_xl.core import wording
from clv_xl.errors import InputError
from clv_xl.excel import argdocs as docs
from clv_xl.excel.arguments import (
    number_argument,
    one_cell,
    retention_model,
)
from clv_xl.excel.convert import numeric_cells, to_grid
from clv_xl.excel.declare import cell, cells
from clv_xl.excel.runner import excel_function, run_elementwise
from clv_xl.excel.tables import (
    spill,
)
from clv_xl.models import (
    fit_cached,
    model_class,
    retention_models,
)
from clv_xl.models.bdw import BetaDiscreteWeibull, bdw_derl
from clv_xl.models.sbg import derl


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
    """Fit a retention model to a cohort: sBG (alpha, beta) or BdW (alpha, beta, c).

    Returns
    -------
    range
        Two columns, name and value, for CLV_RETENTION_CURVE and CLV_DERL.

    Examples
    --------
    >>> fit = dict(CLV_FIT_RETENTION([[1000], [631], [468], [382], [326], [289], [262], [241]]))
    >>> round(fit["alpha"], 3), round(fit["beta"], 3)  # Fader & Hardie (2007), "regular" cohort
    (0.704, 1.182)

    References
    ----------
    Fader, P. S. & Hardie, B. G. S. (2007), "How to Project Customer Retention", Journal of
    Interactive Marketing 21(1), eq. (6); the BdW: Fader, Hardie, Liu, Davin & Steenburgh (2018).
    """
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


@xw.func(category=docs.CATEGORY)
@cells("retention_params", docs.RETENTION_PARAMS)
@cell("periods", "How many periods to project, e.g. 12.")
@excel_function
def CLV_RETENTION_CURVE(retention_params, periods):
    """Projected survival and retention rate for periods 1..n, with a header.

    sBG: Fader & Hardie (2007), the retention rate eq. (8); BdW: its duration-dependent extension.

    Returns
    -------
    range
        Columns period, survival, retention.

    Examples
    --------
    >>> sbg = [["model", "sBG"], ["alpha", 0.704], ["beta", 1.182]]
    >>> [round(row[1], 3) for row in CLV_RETENTION_CURVE(sbg, 2)[1:]]
    [0.627, 0.474]
    """
    model = retention_model(retention_params)
    n = number_argument(periods, "periods", float("nan"), wording.PERIODS, lo=1)
    if not np.isfinite(n) or n != int(n) or n > 1000:
        raise InputError("periods", periods, wording.PERIODS)
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
    """Discounted expected residual lifetime of a subscriber, in periods (Fader & Hardie 2010).

    Returns
    -------
    number or range
        Periods, discounted; times the margin per period gives the subscriber's value.

    Examples
    --------
    >>> sbg = [["model", "sBG"], ["alpha", 0.704], ["beta", 1.182]]
    >>> round(CLV_DERL(sbg, 0.1, 1), 3)
    4.103

    References
    ----------
    Fader, P. S. & Hardie, B. G. S. (2010), "Customer-Base Valuation in a Contractual Setting: The
    Perils of Ignoring Heterogeneity", Marketing Science 29(1), eq. (6).
    """
    model = retention_model(retention_params)
    if isinstance(model, BetaDiscreteWeibull):
        return run_elementwise(
            bdw_derl, dict(model.params_), discount_rate=discount_rate, renewals=renewals
        )
    alpha, beta = model.params_["alpha"], model.params_["beta"]
    return run_elementwise(
        derl, {"alpha": alpha, "beta": beta}, discount_rate=discount_rate, renewals=renewals
    )
