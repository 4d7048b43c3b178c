"""The solver behind every fit: maximum likelihood over log-parameters.

The estimator (:class:`~clv_xl.models.base.BaseModel`) only orchestrates; the search lives here,
as scikit-learn keeps its Newton solver in ``sklearn/utils/optimize.py``:

- :class:`Objective`: the mean negative log-likelihood of a :class:`Likelihood` over
  log-parameters, value and gradient from one pass, memoised per point; its exact Hessian where
  the model's totals give one (``with_hessian``: the BG/NBD family);
- :func:`search`: L-BFGS-B within bounds (warm-started on a subsample for large data), Nelder-Mead
  only when that fails, then damped Newton steps (:func:`newton_polish`) for the last digits;
- :func:`covariance`: the standard errors' Hessian, exact or by :func:`accurate_hessian` (central
  differences of the analytic gradient).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol

import numpy as np

from clv_xl.errors import FitError

Array = np.ndarray
LOG_BOUND = 18.0
"""Parameters are searched in [e^-18, e^18]; a fit that ends near that edge is not converged."""

WARM_START_ROWS = 10_000
"""Above this many distinct rows, a search starts on a fixed subsample of this size."""

RESTARTS = [np.zeros(8), np.full(8, 1.0), np.full(8, -1.0), np.tile([1.5, -1.5], 4)]
"""Starting points, as offsets of the log-parameters from the model's own initial guess: the
first is the guess itself; the others are tried only when a search does not converge."""

Totals = Callable[[Array], tuple[float, Array]]


class ExactTotals:
    """Weighted totals whose one pass gives the value, the gradient and, when asked, the exact
    Hessian (a model's ``_totals``): ``totals(params)`` and ``totals.with_hessian(params)``,
    both from ``_evaluate(params, hessian)``, in the model's own parameters."""

    def __call__(self, params: Array) -> tuple[float, Array]:
        ll, grad, _ = self._evaluate(params, hessian=False)
        return ll, grad

    def with_hessian(self, params: Array) -> tuple[float, Array, Array]:
        ll, grad, hess = self._evaluate(params, hessian=True)
        assert hess is not None
        return ll, grad, hess

    def _evaluate(self, params: Array, hessian: bool) -> tuple[float, Array, Array | None]:
        raise NotImplementedError


ROUNDING = 1e-13
"""Relative changes of the objective below this are rounding (a sum over many customers)."""


class Likelihood(Protocol):
    """What a model gives the solver: per-row log-likelihood, with its gradient per row, and
    optionally totals summed from statistics taken once (``_totals`` returns None if not)."""

    def _log_likelihood(self, params: Array, *data: Any) -> Array: ...

    def _value_and_gradient(self, params: Array, *data: Any) -> tuple[Array, Array]: ...

    def _totals(self, *data_and_weights: Any) -> Totals | None: ...

    def positive(self) -> Array: ...


def hessian_from_gradient(
    gradient: Callable[[Array], Array], x: Array, step: float = 1e-5
) -> Array:
    """Symmetrised forward differences of a gradient (n extra gradient evaluations)."""
    n = x.size
    h = step * np.maximum(1.0, np.abs(x))
    g0 = gradient(x)
    hess = np.empty((n, n))
    for i in range(n):
        e = np.zeros(n)
        e[i] = h[i]
        hess[:, i] = (gradient(x + e) - g0) / h[i]
    return (hess + hess.T) / 2


def accurate_hessian(objective: Objective, x: Array, scale: float = 1.0) -> Array:
    """The Hessian for standard errors: central differences of the analytic gradient (error
    O(h^2), not O(h)), h = 6e-6 (about eps^(1/3)), good to about 1e-10 relative, so a new SciPy
    that stops the search a hair elsewhere moves the errors far less than the tolerances the
    tests use (1e-5)."""
    n = x.size
    h = scale * 6e-6 * np.maximum(1.0, np.abs(x))
    hess = np.empty((n, n))
    for i in range(n):
        e = np.zeros(n)
        e[i] = h[i]
        hess[:, i] = (objective.gradient(x + e) - objective.gradient(x - e)) / (2 * h[i])
    return (hess + hess.T) / 2


def newton_polish(
    value_and_gradient: Callable[[Array], tuple[float, Array]],
    x: Array,
    steps: int = 12,
    hessian: Callable[[Array], Array] | None = None,
) -> tuple[Array, float]:
    """Damped Newton steps on a smooth objective, from a point near its minimum.

    Quasi-Newton methods stop early where the likelihood is flat (the Gamma-Gamma q-gamma
    ridge); Newton steps reach the published digits. With the model's exact ``hessian``, each
    step takes it afresh (quadratic convergence); without, the Hessian (forward differences of
    the gradient) is computed once and reused (a chord method: linear convergence with a tiny
    rate this close), each step costing one pass for value and gradient together. Returns the
    point and its value; the standard errors take their own, accurate Hessian there
    (:func:`covariance`).
    """
    gradient = lambda z: value_and_gradient(z)[1]  # noqa: E731
    fx, grad = value_and_gradient(x)
    hess = hessian(x) if hessian is not None else hessian_from_gradient(gradient, x)
    for step in range(steps):
        if hessian is not None and step:
            hess = hessian(x)
        try:
            move = np.linalg.solve(hess, grad)
        except np.linalg.LinAlgError:
            break
        if not np.all(np.isfinite(move)) or np.max(np.abs(move)) < 1e-10:
            break
        # the decrease a full step promises is at f's rounding: take it if it flattens the
        # gradient, and stop (comparing values there compares rounding errors)
        last = float(grad @ move) <= ROUNDING * max(1.0, abs(fx))
        for damping in (1.0,) if last else (1.0, 0.5, 0.25, 0.1):
            trial = np.clip(x - damping * move, -LOG_BOUND, LOG_BOUND)
            f_trial, g_trial = value_and_gradient(trial)
            if f_trial <= fx or (last and np.max(np.abs(g_trial)) < np.max(np.abs(grad))):
                break
        else:
            break
        x, fx, grad = trial, f_trial, g_trial
        if last:
            break
    return x, fx


class Objective:
    """Mean negative log-likelihood over log-parameters, its gradient, memoised per point:
    both from one pass over the data, the model's ``_value_and_gradient`` (or its ``_totals``,
    where the sums can be taken from statistics computed once)."""

    def __init__(
        self, model: Likelihood, data: Sequence[Any], weights: Array, penalizer: float
    ) -> None:
        self.model, self.data, self.weights, self.penalizer = model, list(data), weights, penalizer
        self.total = float(weights.sum())
        with np.errstate(all="ignore"):  # sums of extreme data overflow: their value is 1e300
            self._totals = model._totals(*self.data, weights)
        self._memo: dict[bytes, tuple[float, Array | None]] = {}
        # searched as logs (the models' own parameters) or as they are (coefficients)
        self.positive = model.positive()

    def _evaluate(self, log_params: Array, need_gradient: bool) -> tuple[float, Array | None]:
        key = log_params.tobytes()
        cached = self._memo.get(key)
        if cached is not None and (cached[1] is not None or not need_gradient):
            return cached
        grad = None
        with np.errstate(all="ignore"):  # BFGS may try wild points: their value is 1e300
            params = np.where(self.positive, np.exp(log_params), log_params)
            scale = np.where(self.positive, params, 1.0)  # d params / d point
            if self._totals is not None:  # the gradient comes with the value: kept
                value, g = self._in_params(params, *self._totals(params))
                grad = np.where(np.isfinite(g), g * scale, 0.0)
            elif need_gradient:
                ll, per_row = self.model._value_and_gradient(params, *self.data)
                ll_total = float(np.dot(self.weights, ll))
                value, g = self._in_params(params, ll_total, self.weights @ per_row)
                grad = np.where(np.isfinite(g), g * scale, 0.0)  # chain rule to the point
            else:
                ll = self.model._log_likelihood(params, *self.data)
                value, _ = self._in_params(params, float(np.dot(self.weights, ll)), 0.0)
        return self._remember(key, value, grad)

    def _in_params(self, params: Array, ll_total: float, grad_total: Any) -> tuple[float, Array]:
        """The objective and its gradient in the model's parameters, from the log-likelihood's
        weighted totals: the negative mean, plus the L2 penalty."""
        value = -ll_total / self.total + self.penalizer * float(np.sum(params**2))
        return value, -grad_total / self.total + 2 * self.penalizer * params

    def _remember(self, key: bytes, value: float, grad: Array | None) -> tuple[float, Array | None]:
        value = value if np.isfinite(value) else 1e300
        if len(self._memo) > 256:
            self._memo.clear()
        self._memo[key] = (value, grad)
        return value, grad

    def value(self, log_params: Array) -> float:
        return self._evaluate(np.asarray(log_params, dtype=float), False)[0]

    def gradient(self, log_params: Array) -> Array:
        log_params = np.asarray(log_params, dtype=float)
        grad = self._evaluate(log_params, True)[1]
        assert grad is not None
        return grad

    def value_and_gradient(self, log_params: Array) -> tuple[float, Array]:
        log_params = np.asarray(log_params, dtype=float)
        value, grad = self._evaluate(log_params, True)
        assert grad is not None
        return value, grad

    @property
    def exact_hessian(self) -> bool:
        """Whether the model's totals give their Hessian (``with_hessian``)."""
        return callable(getattr(self._totals, "with_hessian", None))

    def hessian(self, log_params: Array) -> Array:
        """The objective's exact Hessian in the search's coordinates (only where
        :attr:`exact_hessian`): with theta = e^u for a positive parameter, d2f/du_i du_j =
        theta_i theta_j d2f/dtheta_i dtheta_j + [i = j] theta_i df/dtheta_i."""
        log_params = np.asarray(log_params, dtype=float)
        with np.errstate(all="ignore"):
            params = np.where(self.positive, np.exp(log_params), log_params)
            scale = np.where(self.positive, params, 1.0)
            ll_total, grad_total, hess_total = self._totals.with_hessian(params)  # type: ignore[union-attr]
            value, g = self._in_params(params, ll_total, grad_total)
            h = -hess_total / self.total + 2 * self.penalizer * np.eye(params.size)
            out = h * np.outer(scale, scale) + np.diag(np.where(self.positive, scale * g, 0.0))
        if np.isfinite(value) and np.all(np.isfinite(g)):  # the pass gave these too: kept
            self._remember(log_params.tobytes(), value, g * scale)
        return out


def lbfgsb(objective: Objective, x0: Array, tol: float, max_iter: int) -> Any:
    """L-BFGS-B on log-parameters within [-LOG_BOUND, LOG_BOUND]."""
    bounds = [(-LOG_BOUND, LOG_BOUND)] * x0.size
    # L-BFGS-B converges linearly near the optimum: it stops early here and the Newton polish
    # (quadratic) takes the last digits.
    options = {"ftol": 1e-12, "gtol": max(tol, 1e-7), "maxiter": max_iter}
    return _minimize(
        objective.value_and_gradient,
        x0,
        method="L-BFGS-B",
        jac=True,
        bounds=bounds,
        options=options,
    )


def search(
    objective: Objective,
    x0: Array,
    tol: float,
    max_iter: int,
    sample: Objective | None = None,
    name: str = "the model",
) -> tuple[Array, float]:
    """One search from ``x0``: the minimising log-parameters and the objective's value there.

    With a ``sample`` objective (a fixed subsample of large data), L-BFGS-B runs on it and Newton
    steps on the full data close the gap; when they do not reach a flat point, the full data are
    searched the usual way. Raises FitError when the likelihood is nowhere finite.
    """
    if sample is not None:
        # The optimum of a fixed subsample is within sampling error of the full one; Newton
        # steps on the full data close that gap in a few passes over it.
        x0 = lbfgsb(sample, x0, tol, max_iter).x
        point, value = newton_polish(objective.value_and_gradient, x0, hessian=_exact(objective))
        if np.max(np.abs(objective.gradient(point))) <= 1e-7:
            return point, value
    best = lbfgsb(objective, x0, tol, max_iter)
    if not best.success or not np.isfinite(best.fun) or best.fun >= 1e300:
        fallback = _minimize(
            objective.value,
            best.x if np.isfinite(best.fun) else x0,
            method="Nelder-Mead",
            bounds=[(-LOG_BOUND, LOG_BOUND)] * x0.size,
            options={"xatol": 1e-10, "fatol": 1e-14, "maxiter": 4000, "maxfev": 8000},
        )
        if fallback.fun <= best.fun:
            best = fallback
    if not np.isfinite(best.fun) or best.fun >= 1e300:
        raise FitError(f"{name} could not be fitted: the likelihood is not finite for this data")
    return newton_polish(objective.value_and_gradient, best.x, hessian=_exact(objective))


def _minimize(*args: Any, **kwargs: Any) -> Any:
    """SciPy's ``minimize``, imported the first time a model is fitted: ``scipy.optimize`` takes
    about 0.13 s to import (with linprog, scipy.linalg and scipy.fft), and a workbook or command
    without a fit never needs it."""
    from scipy.optimize import minimize

    return minimize(*args, **kwargs)


def _exact(objective: Objective) -> Callable[[Array], Array] | None:
    return objective.hessian if objective.exact_hessian else None


def covariance(objective: Objective, point: Array) -> Array:
    """The covariance of the log-parameters at the optimum: the inverse of the total Hessian
    (NaN where it is singular)."""
    exact = objective.exact_hessian
    try:
        hess = objective.hessian(point) if exact else accurate_hessian(objective, point)
        return np.linalg.inv(hess * objective.total)
    except np.linalg.LinAlgError:
        return np.full((point.size, point.size), np.nan)
