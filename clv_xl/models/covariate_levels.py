"""A covariate fit whose customers take a few distinct covariate rows (a channel each, say): the
log-likelihood summed level by level from the base model's own totals.

Customers with the same covariates share one set of the base model's parameters,
theta_i = base_i exp(eta_i) with eta_i the sum of sign g_j z_j over the coefficients on
parameter i (:mod:`clv_xl.models.covariates`). So the total over a level is the base model's
total at that level's parameters, from statistics taken once per level (its ``_totals``:
special functions per distinct frequency and age, not per customer), and the gradient and the
Hessian in (base, g) follow by the chain rule:

    grad = sum over levels of J' G,
    Hess = sum over levels of J' H J + sum_i G_i (second derivatives of theta_i),

with J the Jacobian of the level's theta in (base, g): d theta_i / d base_i = exp(eta_i),
d theta_i / d g_j = theta_i sign_j z_j; and d2 theta_i / d base_i d g_j = exp(eta_i) sign_j z_j,
d2 theta_i / d g_j d g_l = theta_i sign_j z_j sign_l z_l (j, l coefficients on parameter i).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from clv_xl.models.optimize import ExactTotals

Array = np.ndarray
MOST_LEVELS = 16
"""Distinct covariate rows at most for totals by level (a channel of a few labels); beyond
that, the rows are summed one by one."""


class LevelTotals(ExactTotals):
    """``totals(params)``: the weighted total of ln L and its gradient in the covariate model's
    parameters; ``totals.with_hessian(params)`` also its Hessian (see the module)."""

    def __init__(self, k: int, slopes: list[Array], totals: list[Any]) -> None:
        self.k = k  # base parameters
        self.slopes = slopes  # per level: A (k x coefficients), A[i, j] = sign_j z_j on i
        self.totals = totals  # per level: the base model's totals over its customers

    @classmethod
    def of(
        cls,
        base_totals: Callable[..., Any],
        coefficients: Sequence[tuple[int, str, int, float]],
        k: int,
        data: Sequence[Array],
        covariates: dict[str, Array],
        weights: Array,
    ) -> LevelTotals | None:
        """Totals by level of the rows' covariates (``covariates``: the purchase and drop-out
        matrices by group); None beyond :data:`MOST_LEVELS` levels, or where the base model
        has no totals with a Hessian."""
        rows = np.hstack([np.asarray(m, dtype=float) for m in covariates.values()])
        if rows.shape[1]:
            levels, inverse = np.unique(rows, axis=0, return_inverse=True)
            count, inverse = levels.shape[0], inverse.ravel()
        else:  # no covariates: one level
            count, inverse = 1, np.zeros(rows.shape[0], dtype=np.intp)
        if count > MOST_LEVELS:
            return None
        slopes, totals = [], []
        for level in range(count):
            at = inverse == level
            found = base_totals(*(np.asarray(d)[at] for d in data), weights[at])
            if found is None or not callable(getattr(found, "with_hessian", None)):
                return None
            slope = np.zeros((k, len(coefficients)))
            for j, (index, group, column, sign) in enumerate(coefficients):
                slope[index, j] = sign * covariates[group][at][0, column]
            slopes.append(slope)
            totals.append(found)
        return cls(k, slopes, totals)

    def _evaluate(self, params: Array, hessian: bool) -> tuple[float, Array, Array | None]:
        k = self.k
        base, g = np.asarray(params[:k], dtype=float), np.asarray(params[k:], dtype=float)
        ll, grad = 0.0, np.zeros(params.size)
        hess = np.zeros((params.size, params.size)) if hessian else None
        for slope, totals in zip(self.slopes, self.totals, strict=True):
            factor = np.exp(slope @ g)  # exp(eta_i) per base parameter
            theta = base * factor
            jacobian = np.hstack([np.diag(factor), theta[:, None] * slope])
            if hess is None:
                level_ll, level_grad = totals(theta)
            else:
                level_ll, level_grad, level_hess = totals.with_hessian(theta)
                hess += jacobian.T @ level_hess @ jacobian
                weighted = level_grad * factor  # sum_i G_i d2 theta_i
                hess[:k, k:] += weighted[:, None] * slope
                hess[k:, :k] += (weighted[:, None] * slope).T
                hess[k:, k:] += (slope.T * (level_grad * theta)) @ slope
            ll += float(level_ll)
            grad += jacobian.T @ level_grad
        return ll, grad, hess


__all__ = ["MOST_LEVELS", "LevelTotals"]
