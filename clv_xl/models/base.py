"""The estimator every clv_xl model derives from: settings, fit orchestration, learned state.

Conventions follow scikit-learn: settings in ``__init__``, validated in ``fit``; learned
attributes end in ``_``; ``fit`` returns ``self``; predictions before fitting raise
:class:`~clv_xl.errors.NotFittedError`. A fitted model can also be rebuilt from its parameters
(:meth:`BaseModel.from_params`), which is how a parameter table in Excel cells becomes a model.

The estimator only orchestrates: the search is :mod:`clv_xl.models.optimize`, the checks
:mod:`clv_xl.models.validation`, evaluation per distinct value :mod:`clv_xl.models.grouped`, and
the table CLV_FIT spills :mod:`clv_xl.models.params_table`.

A model declares, as class attributes, ``name``, ``param_names``, ``data_names`` (the
per-customer statistics it is fitted to, in order) and what it can do (``role``,
``continuous_time``, ``covariate_links``, ``purchase_counts``; every list of models is derived from
these by :mod:`clv_xl.models.catalog`), and implements ``fit`` and ``_log_likelihood``.
``_value_and_gradient`` (finite differences unless the model has an analytic gradient),
``row_problems``, ``_totals`` and ``_initial`` are optional.
"""

from __future__ import annotations

import functools
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from typing import Any, ClassVar, ParamSpec, Self, TypeVar

import numpy as np

from clv_xl.core.docstrings import with_section
from clv_xl.errors import FitError, InputError, NotFittedError
from clv_xl.models import fit_status, optimize
from clv_xl.models.grouped import grouped_columns
from clv_xl.models.optimize import LOG_BOUND, RESTARTS, WARM_START_ROWS, Objective, Totals
from clv_xl.models.params_table import table_rows
from clv_xl.models.threads import one_blas_thread
from clv_xl.models.validation import check_settings

Array = np.ndarray

P = ParamSpec("P")
R = TypeVar("R")


def prediction(method: Callable[P, R]) -> Callable[P, R]:
    """A prediction computed in floating point without warnings: at extreme parameters (a
    table a user typed, 1e308) it overflows to inf or nan, which is the expected outcome and
    every caller reports it (the Excel layer as one line naming the function), so the
    overflow is handled here rather than printed as a RuntimeWarning."""

    @functools.wraps(method)
    def quietly(*args: P.args, **kwargs: P.kwargs) -> R:
        with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
            return method(*args, **kwargs)

    return quietly


SETTINGS = (
    "The search's settings: an L2 penalty on the log-parameters (0, none), the tolerance and the "
    "iteration limit (:class:`BaseModel`)."
)


class BaseModel(ABC):
    """Shared fitting machinery (see the module's docstring for what a subclass declares).

    Parameters
    ----------
    penalizer : float, default 0
        L2 penalty on the log-parameters, weighted by the number of customers, as lifetimes'
        ``penalizer_coef``: a small value (0.001) keeps a fit whose parameters run off finite.
    tol : float, default 1e-10
        The search stops when the gradient's largest element is below this.
    max_iter : int, default 2000
        Iterations of the search at most.

    Attributes
    ----------
    params_ : dict of str to float
        The fitted parameters, by ``param_names``.
    standard_errors_ : dict of str to float
        From the inverse Hessian (NaN when the fit did not converge or reached a limit).
    cov_log_ : array
        The covariance of the estimates on the search's scale (logs of positive parameters).
    log_likelihood_ : float
        At the optimum (the penalty not included).
    n_customers_ : float
        The weighted number of rows fitted.
    converged_ : bool
        A maximum with a flat gradient and finite errors (or the model's limit, ``limit_``).
    status_ : str
        The outcome in words, and what to try when it did not converge.

    Examples
    --------
    >>> from clv_xl.models import BGNBD
    >>> model = BGNBD(penalizer=0.001).fit([1, 0, 3, 2, 0], [2.0, 0, 30, 10, 0], [38, 20, 38, 30, 8])
    >>> model.converged_, sorted(model.params_)
    (True, ['a', 'alpha', 'b', 'r'])
    """

    name: ClassVar[str] = ""
    param_names: ClassVar[tuple[str, ...]] = ()
    data_names: ClassVar[tuple[str, ...]] = ()
    # ----- what the model can do (read by clv_xl.models.catalog) ----------------------------
    role: ClassVar[str] = ""
    """"purchase" (fitted by CLV_FIT), "spend" (CLV_FIT_SPEND) or "retention" (CLV_FIT_RETENTION)."""
    continuous_time: ClassVar[bool] = False
    """A purchase model in continuous time: holdout checks, tracking, comparison, the CLI."""
    covariate_links: ClassVar[tuple[tuple[str, str, float], ...]] = ()
    """Per parameter that covariates scale: (parameter, "purchase" or "dropout", sign of g'z)
    (:mod:`clv_xl.models.covariates`); none: the model takes no covariates."""
    purchase_counts: ClassVar[bool] = False
    """The model gives P(exactly n purchases in t) (``count_pmf``)."""
    purchase_data: ClassVar[bool] = False
    """Data are (frequency, recency, T): the diagnosis speaks of buyers."""
    rows_identify: ClassVar[bool] = True
    """Each distinct data row is one customer type: with fewer types than parameters the
    likelihood has a ridge, and a flat gradient on it is no maximum (sBG's data are one total)."""
    groups_columns: ClassVar[bool] = False
    """The likelihood evaluates functions of its columns with ``per_value``, so large columns
    with few distinct values are handed to it as :class:`~clv_xl.models.grouped.Grouped`."""
    dropout_params: ClassVar[tuple[str, str] | None] = None
    """The two parameters of a beta drop-out mixture (BG/NBD's a and b, BG/BB's gamma and
    delta): when both are large, every customer has the same drop-out chance."""

    per_customer: bool = False
    """Parameters that differ per customer (arrays, one value per customer): a model with
    covariates set for given customers (:mod:`clv_xl.models.covariates`)."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """A model's docstring gets the settings and the learned parameters, said once here."""
        super().__init_subclass__(**kwargs)
        if cls.__doc__ and cls.param_names and "Examples" in cls.__doc__:
            settings = ["penalizer, tol, max_iter : float, float, int", f"    {SETTINGS}"]
            learned = ["params_ : dict of str to float", f"    {', '.join(cls.param_names)}."]
            doc = with_section(cls.__doc__, "Parameters", settings)
            cls.__doc__ = with_section(doc, "Attributes", learned)

    def __init__(self, penalizer: float = 0.0, tol: float = 1e-10, max_iter: int = 2000) -> None:
        self.penalizer = penalizer
        self.tol = tol
        self.max_iter = max_iter

    # ----- learned state -------------------------------------------------------------------
    params_: dict[str, float]
    standard_errors_: dict[str, float]
    cov_log_: Array
    log_likelihood_: float
    n_customers_: float
    converged_: bool
    limit_: str = ""  # the model's limit the fit reached (see :meth:`_limit`), "" when none
    restarts_: int
    message_: str

    # ----- what a model implements -----------------------------------------------------------
    @abstractmethod
    def fit(self, *data: Any, **options: Any) -> Self:
        """Fit to the model's data columns; returns ``self``."""

    @abstractmethod
    def _log_likelihood(self, params: Array, *data: Any) -> Array:
        """The log-likelihood per data row."""

    def _value_and_gradient(self, params: Array, *data: Any) -> tuple[Array, Array]:
        """The log-likelihood per row and its gradient per row (rows x params): by central
        differences here, for a model without an analytic gradient (step 1e-6 of each value)."""
        value = self._log_likelihood(params, *data)
        columns = []
        for j, p in enumerate(params):  # a value each, or one per customer (covariates)
            h = 1e-6 * np.maximum(np.abs(p), 1e-8)
            up: Any = list(params)
            down: Any = list(params)
            up[j], down[j] = p + h, p - h
            rise = self._log_likelihood(up, *data) - self._log_likelihood(down, *data)
            columns.append(np.broadcast_to(rise / (2 * h), np.shape(value)))
        return value, np.column_stack(columns) if columns else np.zeros((np.size(value), 0))

    @staticmethod
    def row_problems(*data: Any) -> Array:
        """Per row "" or what is inconsistent in that row (models whose rows cannot be
        inconsistent keep this)."""
        return np.full(np.shape(data[0]) if data else (0,), "", dtype=object)

    @classmethod
    def rows_hold(cls, *data: Any) -> bool:
        """Whether every row holds together (no :meth:`row_problems`), found without building
        the messages where a model's rules allow."""
        if cls.row_problems is BaseModel.row_problems:
            return True  # rows that cannot be inconsistent (Gamma-Gamma's): nothing to look at
        return not (np.asarray(cls.row_problems(*data)) != "").any()

    def _totals(self, *data_and_weights: Any) -> Totals | None:
        """Optionally, a function giving the weighted totals of value and gradient from
        statistics computed once over the data; None: the solver sums the rows."""
        return None

    def _initial(self, *data: Array, weights: Array) -> Array:
        return np.ones(len(self.param_names))

    # ----- the scale the search works on ---------------------------------------------------
    def positive(self) -> Array:
        """Per parameter: True where it is positive and searched as its log (all of a model's
        own parameters), False where it is searched as it is (covariate coefficients)."""
        return np.ones(len(self.param_names), dtype=bool)

    def to_point(self, params: Array) -> Array:
        """Parameters on the scale the search and the covariance use."""
        params = np.asarray(params, dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(self.positive(), np.log(np.abs(params)), params)

    def from_point(self, point: Array) -> Array:
        """Parameters from the scale the search uses (:meth:`to_point` reversed)."""
        point = np.asarray(point, dtype=float)
        return np.where(self.positive(), np.exp(np.clip(point, -700, 700)), point)

    def with_params(self, params: dict[str, float] | Sequence[float]) -> Self:
        """A model like this one with other parameter values (a draw of an interval)."""
        return type(self).from_params(params)

    # ----- state ---------------------------------------------------------------------------
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
        return model._given({k: float(v) for k, v in zip(cls.param_names, values, strict=True)})

    def _given(
        self,
        params: dict[str, Any],
        message: str = "parameters given",
        customers: float = float("nan"),
    ) -> Self:
        """The learned state of a model whose parameters are given, not fitted."""
        self.params_ = params
        self.standard_errors_ = {k: float("nan") for k in self.param_names}
        self.log_likelihood_ = float("nan")
        self.n_customers_ = customers
        self.converged_ = True
        self.message_ = message
        return self

    # ----- fitting --------------------------------------------------------------------------
    def _maximise(self, data: Sequence[Array], weights: Array) -> Self:
        """Maximise the weighted log-likelihood over log-parameters; set the learned state.

        Restarts from other starting points only when a search does not converge; the best
        converged search wins (:func:`clv_xl.models.optimize.search` does each search).
        """
        penalizer, tol, max_iter = check_settings(self.penalizer, self.tol, self.max_iter)
        with one_blas_thread():
            objective = Objective(self, self._grouped(data), weights, penalizer)
            sample = None
            if weights.size > WARM_START_ROWS:
                pick = np.random.default_rng(0).choice(weights.size, WARM_START_ROWS, replace=False)
                sample = Objective(
                    self,
                    self._grouped([np.asarray(d)[pick] for d in data]),
                    weights[pick],
                    penalizer,
                )
            x0 = self.to_point(self._initial(*data, weights=weights))
            learned: list[tuple[bool, float, dict[str, Any]]] = []
            failure: FitError | None = None
            for attempt, offset in enumerate(RESTARTS):
                start = np.clip(x0 + np.resize(offset, x0.size), -LOG_BOUND + 1, LOG_BOUND - 1)
                try:
                    point, value = optimize.search(
                        objective, start, tol, max_iter, sample, self.name
                    )
                except FitError as exc:
                    failure = failure or exc
                    continue
                self._learn(objective, point, value)
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
        self.message_ = fit_status.status(self, data, weights)
        return self

    def _learn(self, objective: Objective, point: Array, value: float) -> None:
        """Set the learned state from the optimum found."""
        total_weight = objective.total
        params = self.from_point(point)
        self.params_ = dict(zip(self.param_names, params.tolist(), strict=True))
        self.log_likelihood_ = -float(value) * total_weight
        self.n_customers_ = total_weight
        self.cov_log_ = optimize.covariance(objective, point)
        self.standard_errors_ = fit_status.standard_errors(self, self.cov_log_, params)
        flat = bool(np.max(np.abs(objective.gradient(point))) < 1e-5)
        self.converged_ = flat and bool(np.all(np.isfinite(list(self.standard_errors_.values()))))
        if np.any(np.abs(point) > LOG_BOUND - 1):  # a parameter ran off to 0 or infinity
            self.converged_ = False
        if self._too_few_rows(objective.weights):
            self.converged_ = False
        # at the model's limit the predictions are the limit's (a closed form): so is the fit,
        # whether the search stopped short of it (not converged) or at a flat point on the way
        self.limit_ = "" if self._too_few_rows(objective.weights) else self._limit()
        if self.limit_:  # the supremum is the limit: a fit, but no errors at a point at infinity
            self.converged_ = True
        if not self.converged_ or self.limit_:  # errors at a point that is no maximum mean nothing
            self.standard_errors_ = {k: float("nan") for k in self.param_names}
            self.cov_log_ = np.full((params.size, params.size), np.nan)

    def _too_few_rows(self, weights: Array) -> bool:
        return self.rows_identify and int(np.count_nonzero(weights)) < len(self.param_names)

    def _grouped(self, data: Sequence[Array]) -> list[Any]:
        """Data as the likelihood sees it during a fit (see ``groups_columns``)."""
        return grouped_columns(list(data)) if self.groups_columns else list(data)

    def _limit(self) -> str:
        """What the fit's parameters ran off to when that is a limit the model has in closed
        form (the words of the status; "" when none). A model with such a limit predicts
        from it."""
        return ""

    # ----- reporting ------------------------------------------------------------------------
    def table(self) -> list[list[Any]]:
        """The parameter table CLV_FIT spills (:mod:`clv_xl.models.params_table`)."""
        if not self.is_fitted:
            raise NotFittedError(self.name)
        summary = [
            ("log_likelihood", self.log_likelihood_),
            ("customers", self.n_customers_),
            ("converged", bool(self.converged_)),
            ("status", self.message_),
        ]
        return table_rows(
            self.name,
            self.params_,
            self.standard_errors_,
            summary,
            getattr(self, "cov_log_", None),
            bool(self.converged_),
        )

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
