"""Model choice: several purchase models fitted to the same customers, side by side.

For each model: its parameters, log-likelihood, number of parameters, AIC = 2k - 2 LL and
BIC = k ln(N) - 2 LL (N customers, weights counted), the fit's status; with holdout purchases,
the predicted and actual holdout totals, the mean absolute error per customer and the
correlation of predicted and actual. The last row names the model with the lowest BIC.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from clv_xl.models.cache import fit_cached
from clv_xl.models.covariates import Design, fit_with_covariates
from clv_xl.models.registry import continuous_models, model_class
from clv_xl.models.repeat_buying import RepeatBuyingModel


def default_models() -> tuple[str, ...]:
    """The models compared when none are named: every continuous-time purchase model."""
    return tuple(continuous_models())


def compare(x: Any, tx: Any, big_t: Any, models: Any = None, weights: Any = None,
            holdout: Any = None, holdout_length: float | None = None,
            covariates: tuple[Design, Design] | None = None) -> list[list[Any]]:  # fmt: skip
    """The comparison table: a header row of model names, then one row per quantity. With
    ``covariates`` (purchase, drop-out), every model is fitted with them: their coefficients
    count as parameters."""
    chosen = default_models() if models is None else models
    classes = [model_class(m, continuous_models(), "models") for m in chosen]
    fits: list[Any] = []
    predictors: list[RepeatBuyingModel] = []
    for cls in classes:
        if covariates is None:
            fitted = fit_cached(cls, x, tx, big_t, weights)
            assert isinstance(fitted, RepeatBuyingModel)
            predictors.append(fitted)
        else:
            fitted = fit_with_covariates(cls, [x, tx, big_t], weights, covariates)
            predictors.append(fitted.customers(*(design.matrix for design in covariates)))
        fits.append(fitted)
    w = np.ones(np.size(x)) if weights is None else np.asarray(weights, dtype=float)
    n = float(w.sum())
    names: list[str] = []
    for f in fits:
        names += [k for k in f.param_names if k not in names]
    rows: list[list[Any]] = [["model", *(f.name for f in fits)]]
    for k in names:
        rows.append([k, *(f.params_.get(k, "") for f in fits)])
    ll = [f.log_likelihood_ for f in fits]
    k_params = [len(f.param_names) for f in fits]
    aic = [2 * k - 2 * v for k, v in zip(k_params, ll, strict=True)]
    bic = [float(k * np.log(n) - 2 * v) for k, v in zip(k_params, ll, strict=True)]
    rows += [
        ["log_likelihood", *ll],
        ["parameters", *k_params],
        ["AIC", *aic],
        ["BIC", *bic],
        ["status", *(f.message_ for f in fits)],
    ]
    if holdout is not None:
        actual = np.asarray(holdout, dtype=float)
        predicted = [f.expected_purchases(holdout_length, x, tx, big_t) for f in predictors]
        with np.errstate(invalid="ignore", over="ignore"):  # an absurd horizon: "n/a" cells
            rows.append(["holdout_predicted", *(_number(p @ w) for p in predicted)])
            rows.append(["holdout_actual", *([_number(actual @ w)] * len(fits))])
            rows.append(["holdout_mae", *(_number(np.abs(p - actual) @ w / n) for p in predicted)])
            rows.append(["holdout_correlation", *(_weighted_corr(p, actual, w) for p in predicted)])
    usable = [i for i, f in enumerate(fits) if f.converged_]
    best = min(usable or range(len(fits)), key=lambda i: bic[i])
    rows.append(["BIC prefers", fits[best].name, *([""] * (len(fits) - 1))])
    return rows


def _number(value: Any) -> Any:
    return float(value) if np.isfinite(value) else "n/a"


def _weighted_corr(a: np.ndarray, b: np.ndarray, w: np.ndarray) -> Any:
    ma, mb = (a @ w) / w.sum(), (b @ w) / w.sum()
    cov = ((a - ma) * (b - mb)) @ w
    scale = np.sqrt(((a - ma) ** 2 @ w) * ((b - mb) ** 2 @ w))
    return _number(cov / scale) if scale > 0 else "n/a"
