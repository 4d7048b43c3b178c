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
from clv_xl.models.threads import one_blas_thread

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
    order = np.lexsort(columns[::-1])  # sorted by the first column, then the next, ...
    sorted_cols = [np.asarray(c)[order] for c in columns]
    new = np.zeros(order.size, dtype=bool)
    new[0] = True
    for col in sorted_cols:
        new[1:] |= col[1:] != col[:-1]
    group = np.cumsum(new) - 1
    summed = np.bincount(group, weights=np.asarray(weights)[order])
    keep = summed > 0
    return [col[new][keep] for col in sorted_cols], summed[keep]


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


def accurate_hessian(objective: Any, x: Array, scale: float = 1.0) -> Array:
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
) -> tuple[Array, float]:
    """Damped Newton steps on a smooth objective, from a point near its minimum.

    Quasi-Newton methods stop early where the likelihood is flat (the Gamma-Gamma q-gamma
    ridge); Newton steps reach the published digits. The Hessian (forward differences of the
    gradient) is computed once and reused (a chord method: linear convergence with a tiny rate
    this close), each step costing one pass for value and gradient together. Returns the point
    and its value; the standard errors take their own, accurate Hessian there
    (:func:`accurate_hessian`).
    """
    gradient = lambda z: value_and_gradient(z)[1]  # noqa: E731
    fx, grad = value_and_gradient(x)
    hess = hessian_from_gradient(gradient, x)
    for _ in range(steps):
        try:
            move = np.linalg.solve(hess, grad)
        except np.linalg.LinAlgError:
            break
        if not np.all(np.isfinite(move)) or np.max(np.abs(move)) < 1e-10:
            break
        for damping in (1.0, 0.5, 0.25, 0.1):
            trial = np.clip(x - damping * move, -LOG_BOUND, LOG_BOUND)
            f_trial, g_trial = value_and_gradient(trial)
            if f_trial <= fx:
                break
        else:
            break
        x, fx, grad = trial, f_trial, g_trial
    return x, fx


class Grouped:
    """A whole-number column (frequency) with few distinct values: special functions of it are
    evaluated once per distinct value and spread back (``gammaln(r + x)`` for 150 values instead
    of 100,000)."""

    def __init__(self, x: Array) -> None:
        self.x = x
        self.values, self.inverse = np.unique(x, return_inverse=True)

    def __call__(self, func: Callable[[Array], Array]) -> Array:
        return func(self.values)[self.inverse]


def per_value(x: Array | Grouped, func: Callable[[Array], Array]) -> Array:
    """``func(x)``, computed per distinct value when ``x`` is Grouped."""
    return x(func) if isinstance(x, Grouped) else func(x)


def plain(x: Array | Grouped) -> Array:
    return x.x if isinstance(x, Grouped) else x


WARM_START_ROWS = 10_000

# Starting points, as offsets of the log-parameters from the model's own initial guess: the
# first is the guess itself; the others are tried only when a search does not converge.
RESTARTS = [np.zeros(8), np.full(8, 1.0), np.full(8, -1.0), np.tile([1.5, -1.5], 4)]


class Objective:
    """Mean negative log-likelihood over log-parameters, its gradient, memoised per point:
    both from one pass over the data, the model's ``_value_and_gradient`` (or its ``_totals``,
    where the sums can be taken from statistics computed once)."""

    def __init__(self, model: Any, data: list[Any], weights: Array, penalizer: float) -> None:
        self.model, self.data, self.weights, self.penalizer = model, data, weights, penalizer
        self.total = float(weights.sum())
        # a model whose likelihood sums from statistics taken once gives the totals directly
        self._totals = model._totals(*data, weights) if hasattr(model, "_totals") else None
        self._memo: dict[bytes, tuple[float, Array | None]] = {}

    def _evaluate(self, log_params: Array, need_gradient: bool) -> tuple[float, Array | None]:
        key = log_params.tobytes()
        cached = self._memo.get(key)
        if cached is not None and (cached[1] is not None or not need_gradient):
            return cached
        params = np.exp(log_params)
        grad = None
        with np.errstate(all="ignore"):
            if self._totals is not None:
                ll_total, grad_total = self._totals(params)
                g = -grad_total / self.total + 2 * self.penalizer * params
                grad = np.where(np.isfinite(g), g * params, 0.0)  # computed anyway: kept
            elif need_gradient:
                ll, per_row = self.model._value_and_gradient(params, *self.data)
                ll_total = float(np.dot(self.weights, ll))
                g = -(self.weights @ per_row) / self.total + 2 * self.penalizer * params
                grad = np.where(np.isfinite(g), g * params, 0.0)  # chain rule to log-params
            else:
                ll_total = float(
                    np.dot(self.weights, self.model._log_likelihood(params, *self.data))
                )
        value = -ll_total / self.total + self.penalizer * float(np.sum(params**2))
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


def _lbfgsb(objective: Objective, x0: Array, tol: float, max_iter: int) -> Any:
    bounds = [(-LOG_BOUND, LOG_BOUND)] * x0.size
    # L-BFGS-B converges linearly near the optimum: it stops early here and the Newton polish
    # (quadratic) takes the last digits.
    options = {"ftol": 1e-12, "gtol": max(tol, 1e-7), "maxiter": max_iter}
    return optimize.minimize(objective.value_and_gradient, x0, method="L-BFGS-B", jac=True,
                             bounds=bounds, options=options)  # fmt: skip


def rule_messages(shape: tuple[int, ...], rules: list[tuple[Array, str]]) -> Array:
    """Per row "" or the first rule it breaks; nothing is built when every row is fine."""
    out = np.full(shape, "", dtype=object)
    if not any(bool(np.any(bad)) for bad, _ in rules):
        return out
    for bad, text in rules:
        out[bad & (out == "")] = text
    return out


class BaseModel:
    """Shared fitting machinery. Subclasses define ``name``, ``param_names``, the per-row
    ``_log_likelihood`` and its analytic gradient ``_value_and_gradient``."""

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
    purchase_data = False  # data are (frequency, recency, T): the diagnosis speaks of buyers
    # Each distinct data row is one customer type: with fewer types than parameters the
    # likelihood has a ridge, and a flat gradient on it is no maximum (sBG's data are one total).
    rows_identify = True

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
    # Each model defines these with its own data arguments:
    # ``_log_likelihood(params, *data)`` -> per-row log-likelihood,
    # ``_value_and_gradient(params, *data)`` -> it and its gradient per row (rows x params), and
    # ``row_problems(*data)`` -> per row "" or what is inconsistent in that row.
    _log_likelihood: Callable[..., Array]
    _value_and_gradient: Callable[..., tuple[Array, Array]]
    row_problems: Callable[..., Array]

    def _initial(self, *data: Array, weights: Array) -> Array:
        return np.ones(len(self.param_names))

    def _maximise(self, data: Sequence[Array], weights: Array) -> Self:
        """Maximise the weighted log-likelihood over log-parameters; set the learned state.

        L-BFGS-B within bounds (value and analytic gradient in one pass), warm-started on a
        fixed subsample for large data; then damped Newton steps with a Hessian from
        differences of the gradient, to reach the published digits and give the
        standard errors. Nelder-Mead only as a fallback when the quasi-Newton search fails.
        """
        with one_blas_thread():
            return self._maximise_all(data, weights)

    def _maximise_all(self, data: Sequence[Array], weights: Array) -> Self:
        objective = Objective(self, self._grouped(data), weights, self.penalizer)
        x0 = np.log(self._initial(*data, weights=weights))
        learned: list[tuple[bool, float, dict[str, Any]]] = []
        failure: FitError | None = None
        for attempt, offset in enumerate(RESTARTS):
            start = np.clip(x0 + offset[: x0.size], -LOG_BOUND + 1, LOG_BOUND - 1)
            try:
                self._search(objective, start, data, weights)
            except FitError as exc:
                failure = failure or exc
                continue
            self.restarts_ = attempt
            state = {k: v for k, v in vars(self).items() if k.endswith("_")}
            ll = self.log_likelihood_ if np.isfinite(self.log_likelihood_) else -np.inf
            learned.append((bool(self.converged_), ll, state))
            if self.converged_:
                break
        if not learned:
            assert failure is not None
            raise failure
        vars(self).update(max(learned, key=lambda item: (item[0], item[1]))[2])
        self.message_ = self._status(data, weights)
        return self

    def _search(
        self, objective: Objective, x0: Array, data: Sequence[Array], weights: Array
    ) -> Self:
        """One search from ``x0``: see :meth:`_maximise`."""
        polished = None
        if weights.size > WARM_START_ROWS:
            # The optimum of a fixed subsample is within sampling error of the full one; Newton
            # steps on the full data close that gap in a few passes over it.
            pick = np.random.default_rng(0).choice(weights.size, WARM_START_ROWS, replace=False)
            sample = Objective(self, self._grouped([np.asarray(d)[pick] for d in data]),
                               weights[pick], self.penalizer)  # fmt: skip
            x0 = _lbfgsb(sample, x0, self.tol, self.max_iter).x
            polished = newton_polish(objective.value_and_gradient, x0)
            if np.max(np.abs(objective.gradient(polished[0]))) > 1e-7:
                polished = None  # not there: search the full data the usual way
        if polished is not None:
            return self._learn(objective, *polished)
        best = _lbfgsb(objective, x0, self.tol, self.max_iter)
        if not best.success or not np.isfinite(best.fun) or best.fun >= 1e300:
            fallback = optimize.minimize(
                objective.value,
                best.x if np.isfinite(best.fun) else x0,
                method="Nelder-Mead",
                bounds=[(-LOG_BOUND, LOG_BOUND)] * x0.size,
                options={"xatol": 1e-10, "fatol": 1e-14, "maxiter": 4000, "maxfev": 8000},
            )
            if fallback.fun <= best.fun:
                best = fallback
        if not np.isfinite(best.fun) or best.fun >= 1e300:
            raise FitError(
                f"{self.name} could not be fitted: the likelihood is not finite for this data"
            )
        return self._learn(objective, *newton_polish(objective.value_and_gradient, best.x))

    def _learn(self, objective: Objective, point: Array, value: float) -> Self:
        """Set the learned state from the optimum found."""
        total_weight = objective.total
        params = np.exp(point)
        self.params_ = dict(zip(self.param_names, params.tolist(), strict=True))
        self.log_likelihood_ = -float(value) * total_weight
        self.n_customers_ = total_weight
        try:
            self.cov_log_ = np.linalg.inv(accurate_hessian(objective, point) * total_weight)
        except np.linalg.LinAlgError:
            self.cov_log_ = np.full((params.size, params.size), np.nan)
        self.standard_errors_ = self._standard_errors(self.cov_log_, params)
        flat = bool(np.max(np.abs(objective.gradient(point))) < 1e-5)
        self.converged_ = flat and bool(np.all(np.isfinite(list(self.standard_errors_.values()))))
        if np.any(np.abs(point) > LOG_BOUND - 1):  # a parameter ran off to 0 or infinity
            self.converged_ = False
        if self._too_few_rows(objective.weights):
            self.converged_ = False
        if not self.converged_:  # errors at a point that is no maximum mean nothing
            self.standard_errors_ = {k: float("nan") for k in self.param_names}
            self.cov_log_ = np.full((params.size, params.size), np.nan)
        return self

    def _status(self, data: Sequence[Array], weights: Array) -> str:
        """The fit's outcome in plain words, with what to try when it did not converge."""
        if self.converged_:
            done = "converged" if not self.restarts_ else "converged after a restart"
            few = self._few_repeaters(data, weights)
            return (
                f"{done}, but with {few}: the estimates are weak (see their se_)" if few else done
            )
        return "not converged: " + self._diagnosis(data, weights)

    def _few_repeaters(self, data: Sequence[Array], weights: Array) -> str:
        """ "" or "few repeat buyers (3 of 500 customers bought again)" below 5%."""
        if not self.purchase_data:
            return ""
        x = np.asarray(data[0], dtype=float)
        repeaters, total = float(weights[x > 0].sum()), max(float(weights.sum()), 1.0)
        if repeaters / total >= 0.05:
            return ""
        return f"few repeat buyers ({repeaters:,.0f} of {total:,.0f} customers bought again)"

    def _diagnosis(self, data: Sequence[Array], weights: Array) -> str:
        point = np.log(np.array(list(self.params_.values())))
        stuck = [k for k, v in zip(self.param_names, point, strict=True) if abs(v) > LOG_BOUND - 1]
        if self.purchase_data:
            few = self._few_repeaters(data, weights)
            if few:
                return f"too {few}: use a longer history or more customers"
            middle = float(np.median(np.asarray(data[2], dtype=float)))
            if middle > 2000 or middle < 0.5:
                return (f"the typical customer age T is {middle:,.4g} time units: measure "
                        "recency and T in weeks (period \"W\") and fit again")  # fmt: skip
            if weights.size <= 1:
                return "all customers look alike (one distinct row): there is nothing to fit"
        if self._too_few_rows(weights):
            return (f"only {np.count_nonzero(weights)} distinct customer rows for {len(self.param_names)} "
                    "parameters: the data cannot pin the model down; use more customers")  # fmt: skip
        if stuck:
            return (f"{', '.join(stuck)} ran off to 0 or infinity: the data cannot pin it down; "
                    "try another model or more data")  # fmt: skip
        return "the search did not settle after restarts: try more data or another model"

    def _too_few_rows(self, weights: Array) -> bool:
        return self.rows_identify and int(np.count_nonzero(weights)) < len(self.param_names)

    def _grouped(self, data: Sequence[Array]) -> list[Any]:
        """Data as the likelihood sees it during a fit: columns with few distinct values (the
        whole-number frequency, T in whole days) wrapped as Grouped when the model evaluates
        functions of them with ``per_value``."""
        out: list[Any] = list(data)
        if not getattr(self, "groups_columns", False):
            return out
        for i, column in enumerate(data):
            column = np.asarray(column)
            if column.size > 1000:
                grouped = Grouped(column)
                if grouped.values.size * 8 < column.size:
                    out[i] = grouped
        return out

    def _standard_errors(self, cov_log: Array, params: Array) -> dict[str, float]:
        """Delta method: cov(theta) = J cov(log theta) J with J = diag(theta)."""
        var = np.diag(cov_log) * params**2
        se = np.where(var >= 0, np.sqrt(np.abs(var)), np.nan)
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
            ["status", getattr(self, "message_", "converged" if self.converged_ else "")],
        ]
        # Correlations of the log-parameters: with the standard errors they rebuild the
        # covariance that CLV_INTERVAL draws parameters from.
        cov = getattr(self, "cov_log_", None)
        names = self.param_names
        for i in range(len(names)):
            for j in range(i):
                value: Any = "n/a"
                if cov is not None and self.converged_:
                    corr = cov[i, j] / np.sqrt(cov[i, i] * cov[j, j])
                    value = float(corr) if np.isfinite(corr) else "n/a"
                rows.append([f"corr_{names[j]}_{names[i]}", value])
        return rows

    @property
    def status_(self) -> str:
        """The fit's outcome in plain words ("converged", or why not and what to try)."""
        if not self.is_fitted:
            raise NotFittedError(self.name)
        return str(self.message_)

    def __repr__(self) -> str:
        if not self.is_fitted:
            return f"<{self.name} model, not fitted>"
        inner = ", ".join(f"{k}={v:.4g}" for k, v in self.params_.items())
        return f"<{self.name} model: {inner}>"
