"""A fit's outcome in plain words: converged, weak (and why), at the model's limit, or not
converged (and what to try); and the standard errors of its parameters."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from clv_xl.models.optimize import LOG_BOUND

Array = np.ndarray


Model = Any
"""A fitted :class:`clv_xl.models.base.BaseModel` (not imported: base imports this module)."""

WEAK_SE_RATIO = 1.0
"""A parameter whose standard error exceeds the parameter itself is not pinned down."""
SAME_DROPOUT = 100.0
"""a and b both above this: the beta drop-out mixing has collapsed to one probability."""
FEW_CUSTOMERS, FEW_REPEATERS = 100, 20
"""Below these a purchase-model fit is called weak however well it converged."""


def status(model: Model, data: Sequence[Array], weights: Array) -> str:
    """The fit's outcome in plain words, with what to try when it did not converge or
    converged but cannot be trusted ("converged, but weak: ...")."""
    if not model.converged_:
        return "not converged: " + diagnosis(model, data, weights)
    done = "converged" if not model.restarts_ else "converged after a restart"
    if model.penalizer:
        done += f" with penalizer {model.penalizer:g}"
    weak = weaknesses(model, data, weights)
    if model.limit_:  # the limit names the collapsed drop-out itself
        done = f"converged at the model's limit ({model.limit_})"
        weak = [w for w in weak if "drop-out chance" not in w]
    if not weak:
        return done
    return (
        f"{done}, but weak: {'; '.join(weak)}. Predictions can be far off: add "
        "customers or a longer history, or try a simpler model"
    )


def weaknesses(model: Model, data: Sequence[Array], weights: Array) -> list[str]:
    """What makes a converged fit untrustworthy, in plain words (empty when nothing)."""
    out: list[str] = []
    params, se = model.params_, model.standard_errors_
    loose = [
        k
        for (k, v), pos in zip(params.items(), model.positive(), strict=True)
        if pos and se[k] > WEAK_SE_RATIO * v
    ]
    if len(loose) == 1:
        out.append(f"the standard error of {loose[0]} exceeds its estimate")
    elif loose:
        out.append(
            f"the standard errors of {', '.join(loose[:-1])} and {loose[-1]} exceed their estimates"
        )
    drop = model.dropout_params
    if drop and min(params[k] for k in drop) > SAME_DROPOUT:
        out.append(
            f"{' and '.join(drop)} both exceed {SAME_DROPOUT:g}, so every "
            "customer gets the same drop-out chance"
        )
    if model.purchase_data:
        x = np.asarray(data[0], dtype=float)
        total, repeaters = float(weights.sum()), float(weights[x > 0].sum())
        if total < FEW_CUSTOMERS:
            out.append(f"only {total:,.0f} customers (fewer than {FEW_CUSTOMERS})")
        elif repeaters < FEW_REPEATERS:
            out.append(f"only {repeaters:,.0f} repeat buyers (fewer than {FEW_REPEATERS})")
        elif few := few_repeaters(model, data, weights):
            out.append(few)
    return out


def few_repeaters(model: Model, data: Sequence[Array], weights: Array) -> str:
    """ "" or "few repeat buyers (3 of 500 customers bought again)" below 5%."""
    if not model.purchase_data:
        return ""
    x = np.asarray(data[0], dtype=float)
    repeaters, total = float(weights[x > 0].sum()), max(float(weights.sum()), 1.0)
    if repeaters / total >= 0.05:
        return ""
    return f"few repeat buyers ({repeaters:,.0f} of {total:,.0f} customers bought again)"


def diagnosis(model: Model, data: Sequence[Array], weights: Array) -> str:
    """Why a fit did not converge, and what to try."""
    point = model.to_point(np.array(list(model.params_.values())))
    stuck = [k for k, v in zip(model.param_names, point, strict=True) if abs(v) > LOG_BOUND - 1]
    if model.purchase_data:
        few = few_repeaters(model, data, weights)
        if few:
            return f"too {few}: use a longer history or more customers"
        middle = float(np.median(np.asarray(data[2], dtype=float)))
        if middle > 2000 or middle < 0.5:
            return (
                f"the typical customer age T is {middle:,.4g} time units: measure "
                'recency and T in weeks (period "W") and fit again'
            )
        if weights.size <= 1:
            return "all customers look alike (one distinct row): there is nothing to fit"
    if model._too_few_rows(weights):
        return (
            f"only {np.count_nonzero(weights)} distinct customer rows for "
            f"{len(model.param_names)} parameters: the data cannot pin the model down; "
            "use more customers"
        )
    if stuck:
        return (
            f"{', '.join(stuck)} ran off to 0 or infinity: the data cannot pin it down; "
            "try another model or more data"
        )
    return "the search did not settle after restarts: try more data or another model"


def standard_errors(model: Model, cov_log: Array, params: Array) -> dict[str, float]:
    """Delta method: cov(theta) = J cov(log theta) J with J = diag(theta) (1 for a parameter
    searched as it is)."""
    var = np.diag(cov_log) * np.where(model.positive(), params, 1.0) ** 2
    se = np.where(var >= 0, np.sqrt(np.abs(var)), np.nan)
    return dict(zip(model.param_names, se.tolist(), strict=True))
