"""The base of every clv_xl model: maximum likelihood in log-space over distinct rows.

Conventions follow scikit-learn: settings in ``__init__``, validation in ``fit``, learned
attributes end in ``_``, ``fit`` returns ``self``, predictions before fitting raise
:class:`~clv_xl.errors.NotFittedError`. A fitted model can also be rebuilt from its parameters
(:meth:`BaseModel.from_params`), which is how a parameter table in Excel cells becomes a model.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, ClassVar, Self

import numpy as np
from scipy import optimize

from clv_xl.errors import FitError, InputError, NotFittedError

Array = np.ndarray
LOG_BOUND = 18.0
"""Parameters are searched in [e^-18, e^18]; a fit that ends near that edge is not converged."""


def as_column(name: str, values: Any, *, lo: float = 0.0, integer: bool = False) -> Array:
    """A 1-D float array of finite values >= lo, or an InputError naming the first bad one."""
    try:
        arr = np.asarray(values, dtype=float).ravel()
    except (TypeError, ValueError):
        raise InputError(name, values, "numbers") from None
    bad = ~np.isfinite(arr) | (arr < lo)
    if integer:
        bad |= np.floor(arr) != arr
    if bad.any():
        i = int(np.argmax(bad))
        allowed = f"{'whole ' if integer else ''}numbers >= {lo:g}"
        raise InputError(name, float(arr[i]), allowed, position=(i + 1,))
    return arr


def same_length(**columns: Array) -> int:
    """The common length of the columns, or an InputError saying which differ."""
    lengths = {k: len(v) for k, v in columns.items()}
    if len(set(lengths.values())) > 1:
        parts = ", ".join(f"{k} has {n}" for k, n in lengths.items())
        raise InputError("ranges", parts, "one value per customer in every range")
    n = next(iter(lengths.values()))
    if n == 0:
        raise InputError("ranges", "no customers", "at least one customer")
    return n


def distinct_rows(*columns: Array, weights: Array) -> tuple[list[Array], Array]:
    """Collapse identical rows into one with the summed weight (customers fitted once)."""
    stacked = np.column_stack(columns)
    unique, inverse = np.unique(stacked, axis=0, return_inverse=True)
    summed = np.bincount(inverse.ravel(), weights=weights, minlength=len(unique))
    keep = summed > 0
    return [unique[keep, j] for j in range(unique.shape[1])], summed[keep]


def numeric_hessian(f: Callable[[Array], float], x: Array, step: float = 1e-4) -> Array:
    """Central-difference Hessian of a scalar function (used for standard errors)."""
    n = x.size
    h = step * np.maximum(1.0, np.abs(x))
    hess = np.empty((n, n))
    f0 = f(x)
    for i in range(n):
        ei = np.zeros(n)
        ei[i] = h[i]
        hess[i, i] = (f(x + ei) - 2 * f0 + f(x - ei)) / h[i] ** 2
        for j in range(i):
            ej = np.zeros(n)
            ej[j] = h[j]
            val = (f(x + ei + ej) - f(x + ei - ej) - f(x - ei + ej) + f(x - ei - ej)) / (
                4 * h[i] * h[j]
            )
            hess[i, j] = hess[j, i] = val
    return hess


def central_gradient(f: Callable[[Array], float], x: Array, step: float = 1e-5) -> Array:
    h = step * np.maximum(1.0, np.abs(x))
    eye = np.diag(h)
    return np.array([(f(x + e) - f(x - e)) / (2 * hi) for e, hi in zip(eye, h, strict=True)])


def newton_polish(
    f: Callable[[Array], float], x: Array, fx: float, steps: int = 8
) -> tuple[Array, float, Array]:
    """A few damped Newton steps on a smooth objective, from a point near its minimum.

    Quasi-Newton and simplex methods stop early where the likelihood is flat (the Gamma-Gamma
    q-gamma ridge); Newton's quadratic convergence reaches the published digits. Returns the
    point, its value and the Hessian there (for standard errors).
    """
    hess = numeric_hessian(f, x)
    for _ in range(steps):
        grad = central_gradient(f, x)
        try:
            move = np.linalg.solve(hess, grad)
        except np.linalg.LinAlgError:
            break
        if not np.all(np.isfinite(move)):
            break
        for damping in (1.0, 0.5, 0.25, 0.1):
            trial = np.clip(x - damping * move, -LOG_BOUND, LOG_BOUND)
            f_trial = f(trial)
            if f_trial <= fx:
                break
        else:
            break
        done = np.max(np.abs(trial - x)) < 1e-12
        x, fx = trial, f_trial
        hess = numeric_hessian(f, x)
        if done:
            break
    return x, fx, hess


class BaseModel:
    """Shared fitting machinery. Subclasses define ``name``, ``param_names`` and
    ``_log_likelihood(params, *data) -> per-row log-likelihood``."""

    name: ClassVar[str] = ""
    param_names: ClassVar[tuple[str, ...]] = ()
    data_names: ClassVar[tuple[str, ...]] = ()

    def __init__(self, penalizer: float = 0.0, tol: float = 1e-10, max_iter: int = 2000) -> None:
        self.penalizer = penalizer
        self.tol = tol
        self.max_iter = max_iter

    # ----- learned state -------------------------------------------------------------------
    params_: dict[str, float]
    standard_errors_: dict[str, float]
    log_likelihood_: float
    n_customers_: float
    converged_: bool
    message_: str

    @property
    def is_fitted(self) -> bool:
        return hasattr(self, "params_")

    def _params(self) -> Array:
        if not self.is_fitted:
            raise NotFittedError(self.name)
        return np.array([self.params_[k] for k in self.param_names])

    @classmethod
    def from_params(cls, params: dict[str, float] | Sequence[float]) -> Self:
        """A model with the given parameters, ready to predict (nothing fitted)."""
        model = cls()
        values = [params[k] for k in cls.param_names] if isinstance(params, dict) else list(params)
        if len(values) != len(cls.param_names):
            raise InputError(
                "params", values, f"{len(cls.param_names)} values: {', '.join(cls.param_names)}"
            )
        for key, v in zip(cls.param_names, values, strict=True):
            if not (isinstance(v, int | float | np.floating) and np.isfinite(v) and v > 0):
                raise InputError(f"params {key}", v, "a number > 0 from a fitted model")
        model.params_ = {k: float(v) for k, v in zip(cls.param_names, values, strict=True)}
        model.standard_errors_ = {k: float("nan") for k in cls.param_names}
        model.log_likelihood_ = float("nan")
        model.n_customers_ = float("nan")
        model.converged_ = True
        model.message_ = "parameters given"
        return model

    # ----- fitting --------------------------------------------------------------------------
    # Each model defines these two with its own data arguments:
    # ``_log_likelihood(params, *data)`` -> per-row log-likelihood, and
    # ``row_problems(*data)`` -> per row "" or what is inconsistent in that row.
    _log_likelihood: Callable[..., Array]
    row_problems: Callable[..., Array]

    def _initial(self, *data: Array, weights: Array) -> Array:
        return np.ones(len(self.param_names))

    def _maximise(self, data: Sequence[Array], weights: Array) -> Self:
        """Maximise the weighted log-likelihood over log-parameters; set the learned state."""
        total_weight = float(weights.sum())

        def objective(log_params: Array) -> float:
            params = np.exp(log_params)
            with np.errstate(all="ignore"):
                ll = self._log_likelihood(params, *data)
            value = -float(np.dot(weights, ll)) / total_weight
            value += self.penalizer * float(np.sum(params**2))
            return value if np.isfinite(value) else 1e300

        x0 = np.log(self._initial(*data, weights=weights))
        bounds = [(-LOG_BOUND, LOG_BOUND)] * x0.size
        best = optimize.minimize(
            objective,
            x0,
            method="L-BFGS-B",
            jac="3-point",
            bounds=bounds,
            options={"ftol": 1e-15, "gtol": self.tol, "maxiter": self.max_iter},
        )
        # A Nelder-Mead polish from that point guards against a flat, noisy gradient.
        polish = optimize.minimize(
            objective,
            best.x,
            method="Nelder-Mead",
            bounds=bounds,
            options={"xatol": 1e-10, "fatol": 1e-14, "maxiter": 4000, "maxfev": 8000},
        )
        start = polish if polish.fun <= best.fun else best
        if not np.isfinite(start.fun) or start.fun >= 1e300:
            raise FitError(
                f"{self.name} could not be fitted: the likelihood is not finite for this data"
            )
        neg_total = lambda lp: objective(lp) * total_weight  # noqa: E731
        point, value, hess = newton_polish(neg_total, start.x, start.fun * total_weight)
        params = np.exp(point)
        self.params_ = dict(zip(self.param_names, params.tolist(), strict=True))
        self.log_likelihood_ = -float(value)
        self.n_customers_ = total_weight
        self.standard_errors_ = self._standard_errors(hess, params)
        grad = central_gradient(objective, point)
        flat = bool(np.max(np.abs(grad)) < 1e-5)
        self.converged_ = flat and bool(np.all(np.isfinite(list(self.standard_errors_.values()))))
        self.message_ = "converged" if self.converged_ else "did not converge"
        if np.any(np.abs(point) > LOG_BOUND - 1):
            self.converged_ = False
            self.message_ = "a parameter ran off to 0 or infinity: the data cannot pin it down"
        return self

    def _standard_errors(self, hess_log: Array, params: Array) -> dict[str, float]:
        """Delta method: cov(theta) = J cov(log theta) J with J = diag(theta)."""
        try:
            cov_log = np.linalg.inv(hess_log)
            var = np.diag(cov_log) * params**2
            se = np.where(var >= 0, np.sqrt(np.abs(var)), np.nan)
        except np.linalg.LinAlgError:
            se = np.full(params.size, np.nan)
        return dict(zip(self.param_names, se.tolist(), strict=True))

    # ----- reporting ------------------------------------------------------------------------
    def table(self) -> list[list[Any]]:
        """The parameter table CLV_FIT spills: name and value rows."""
        if not self.is_fitted:
            raise NotFittedError(self.name)
        rows: list[list[Any]] = [["model", self.name]]
        rows += [[k, v] for k, v in self.params_.items()]
        rows += [
            [f"se_{k}", v if np.isfinite(v) else "n/a"] for k, v in self.standard_errors_.items()
        ]
        rows += [
            ["log_likelihood", self.log_likelihood_],
            ["customers", self.n_customers_],
            ["converged", bool(self.converged_)],
        ]
        return rows

    def __repr__(self) -> str:
        if not self.is_fitted:
            return f"<{self.name} model, not fitted>"
        inner = ", ".join(f"{k}={v:.4g}" for k, v in self.params_.items())
        return f"<{self.name} model: {inner}>"
