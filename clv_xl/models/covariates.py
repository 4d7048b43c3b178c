"""Time-invariant covariates in BG/NBD, MBG/NBD and Pareto/NBD.

Fader, P. S. & Hardie, B. G. S. (2007), "Incorporating Time-Invariant Covariates into the
Pareto/NBD and BG/NBD Models" (note), and pymc-marketing's covariate BetaGeoModel and
ParetoNBDModel: each customer's parameters are the population's, scaled by the customer's
covariates z_i (one row of numbers):

- purchases: alpha_i = alpha_0 exp(-g' z_i), so a positive coefficient means a faster buyer;
- drop-out, BG/NBD and MBG/NBD: a_i = a_0 exp(g_a' z_i) and b_i = b_0 exp(g_b' z_i);
- drop-out, Pareto/NBD: beta_i = beta_0 exp(-g' z_i).

r (and s) are shared. The likelihood is the model's own, row by row with each row's
parameters; its gradient in the coefficients follows by the chain rule from the model's
per-row gradient. Customers with the same history and the same covariates are still fitted
once. The coefficients are searched as they are, the positive parameters as logs, and the
covariance (behind the ``corr_`` rows and the intervals) is on that scale.

Covariates are named: a numeric column keeps its name (``age``), a text column becomes one
indicator per level but the first in sorted order, the baseline (``channel=web``). Coefficient
rows are named ``alpha:NAME``, ``a:NAME``, ``b:NAME`` and ``beta:NAME``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Self

import numpy as np

from clv_xl.core.numbers import is_number
from clv_xl.errors import CellError, FitError, InputError
from clv_xl.models import catalog
from clv_xl.models.base import Array, BaseModel
from clv_xl.models.cache import fit_cached
from clv_xl.models.covariate_levels import LevelTotals
from clv_xl.models.grouped import distinct_rows, each_distinct
from clv_xl.models.params_table import CORR_PREFIX, SE_PREFIX
from clv_xl.models.repeat_buying import RepeatBuyingModel, row_problems
from clv_xl.models.validation import as_column, first_problem, same_length

PURCHASE, DROPOUT = "purchase", "dropout"


def coefficient_name(param: str, covariate: str) -> str:
    return f"{param}:{covariate}"


def links(model: type[BaseModel]) -> tuple[tuple[str, str, float], ...]:
    """Which parameters covariates scale in ``model`` (its ``covariate_links``)."""
    if not model.covariate_links:
        allowed = catalog.spelled(catalog.models(covariates=True), quoted=False)
        raise InputError("model", model.name, f"{allowed} for covariates")
    return model.covariate_links


# ----- covariates as numbers -----------------------------------------------------------------
@dataclass(frozen=True)
class Design:
    """Covariates as numbers: ``names`` and a customers x names ``matrix``."""

    names: tuple[str, ...]
    matrix: Array

    @classmethod
    def empty(cls, rows: int) -> Design:
        return cls((), np.zeros((rows, 0)))


def _text(v: Any) -> str:
    return str(v).strip()


def _first_blank(values: list[Any], distinct: dict[str, None] | None) -> int | None:
    """The first blank value's index (None, or a text of spaces), None when none is: a column
    of labels looked at once per ``distinct`` label."""
    if distinct is not None:
        blank = next((v for v in distinct if not v.strip()), None)
        return None if blank is None else values.index(blank)
    empty = (i for i, v in enumerate(values) if v is None or (isinstance(v, str) and not v.strip()))
    return next(empty, None)


def _levels(
    values: list[Any], distinct: dict[str, None] | None
) -> tuple[list[str], dict[str, str]]:
    """Each value's level (its text, case folded) and each level as first spelled; a column
    of labels made once per ``distinct`` label."""
    if distinct is None:
        keys = [_level(v) for v in values]
        pairs: Iterable[tuple[str, Any]] = zip(keys, values, strict=True)
    else:
        keys = each_distinct(_level, values)
        pairs = ((_level(v), v) for v in distinct)  # in the order first seen, as the values
    spelled: dict[str, str] = {}
    for k, v in pairs:
        spelled.setdefault(k, _text(v))
    return keys, spelled


def _level(v: Any) -> str:
    return _text(v).casefold()


def _row_at(rows: Sequence[int] | Array | None, i: int) -> tuple[int]:
    """The row a user sees for the i-th customer: ``rows[i]`` when given, else i + 1."""
    return (int(rows[i]) if rows is not None else i + 1,)


def design(
    header: Sequence[str],
    columns: Sequence[Sequence[Any]],
    argument: str,
    rows: Sequence[int] | Array | None = None,
) -> Design:
    """Named covariate columns as numbers: numbers as they are, text as indicators (see the
    module's docstring). Every value must be given; a column with one value for everybody
    says nothing the model's own parameters do not."""
    names: list[str] = []
    parts: list[Array] = []

    for name, column in zip(header, columns, strict=True):
        values = list(column)
        # a column of labels (a channel each): each distinct label judged once
        distinct = dict.fromkeys(values) if set(map(type, values)) == {str} else None
        blank = _first_blank(values, distinct)
        if blank is not None:
            allowed = "a value for every customer"
            raise CellError(argument, f"has a blank {name}", allowed, position=_row_at(rows, blank))
        numeric = [False] if distinct is not None else [is_number(v) for v in values]
        if all(numeric):
            x = np.asarray(values, dtype=float)
            if not np.all(np.isfinite(x)):
                raise CellError(argument, f"has a {name} that is not a finite number", "numbers")
            if np.ptp(x) == 0:
                raise CellError(
                    argument,
                    f"has {name} {x[0]:g} for every customer",
                    "a covariate that differs between customers",
                )
            names.append(name)
            parts.append(x)
            continue
        if any(numeric) and any(isinstance(v, str) for v in values):
            i = numeric.index(True) if not numeric[0] else numeric.index(False)
            raise CellError(
                argument,
                f"has a {name} column that mixes numbers and text",
                "a column of numbers or a column of labels",
                position=_row_at(rows, i),
            )
        keys, spelled = _levels(values, distinct)
        levels = sorted(spelled)
        if len(levels) < 2:
            raise CellError(
                argument,
                f"has {name} {spelled[levels[0]]!r} for every customer",
                "a covariate that differs between customers",
            )
        number = {level: i for i, level in enumerate(levels)}
        codes = np.fromiter(map(number.__getitem__, keys), dtype=np.intp, count=len(keys))
        for i in range(1, len(levels)):  # the first level is the baseline
            names.append(f"{name}={spelled[levels[i]]}")
            parts.append((codes == i).astype(float))
    count = len(columns[0]) if columns else 0
    matrix = np.column_stack(parts) if parts else np.zeros((count, 0))
    return Design(tuple(names), matrix)


def matrix_for(
    names: Sequence[str],
    header: Sequence[str],
    columns: Sequence[Sequence[Any]],
    argument: str,
    rows: Sequence[int] | Array | None = None,
) -> Array:
    """The covariates a fit named (``age``, ``channel=web``) from customers' columns, matched
    by header without regard to case, as Excel matches text."""
    by_header = {_text(h).casefold(): i for i, h in enumerate(header)}
    out = np.empty((len(columns[0]) if columns else 0, len(names)))
    for j, name in enumerate(names):
        key = name.casefold()
        if key in by_header:
            values = columns[by_header[key]]
            bad = [i for i, v in enumerate(values) if not is_number(v)]
            if bad:
                position = _row_at(rows, bad[0])
                raise CellError(
                    argument, f"has {name} {values[bad[0]]!r}", "a number", position=position
                )
            out[:, j] = np.asarray(values, dtype=float)
            continue
        column, _, level = name.partition("=")
        if not level or column.casefold() not in by_header:
            found = ", ".join(str(h) for h in header) or "none"
            raise CellError(
                argument,
                f"has no column for {name} (headers: {found})",
                "the covariate columns the fit was given, with their headers",
            )
        values = columns[by_header[column.casefold()]]
        out[:, j] = [_text(v).casefold() == level.casefold() for v in values]
    return out


def fit_with_covariates(
    base: type[BaseModel],
    data: Sequence[Any],
    weights: Any,
    designs: tuple[Design, Design],
    **settings: Any,
) -> CovariateModel:
    """``base`` (BG/NBD, MBG/NBD, Pareto/NBD) fitted with the purchase and drop-out covariates
    ``designs``, once per distinct content (:func:`~clv_xl.models.cache.fit_cached`)."""
    purchase, dropout = designs
    names = {"purchase_names": purchase.names, "dropout_names": dropout.names}
    fitted = fit_cached(
        CovariateModel,
        *data,
        weights,
        purchase.matrix,
        dropout.matrix,
        base=base,
        **names,
        **settings,
    )
    assert isinstance(fitted, CovariateModel)
    return fitted


# ----- the model -------------------------------------------------------------------------------
class CovariateModel(BaseModel):
    """A repeat-buying model (``base``: BG/NBD, MBG/NBD or Pareto/NBD) whose purchase and
    drop-out parameters depend on covariates.

    Parameters
    ----------
    base : the model class, e.g. :class:`~clv_xl.models.bgnbd.BGNBD`.
    purchase_names, dropout_names : the covariates' names (a :class:`Design`'s ``names``).

    Examples
    --------
    >>> from clv_xl.models import BGNBD
    >>> model = CovariateModel(BGNBD, ("channel=web",), ())
    >>> model.param_names
    ('r', 'alpha', 'a', 'b', 'alpha:channel=web')

    ``model.fit(frequency, recency, T, None, z_purchase)`` fits it; ``model.customers(z)`` is the
    base model with each customer's own parameters, which every prediction takes.

    References
    ----------
    Fader, P. S. & Hardie, B. G. S. (2007), "Incorporating Time-Invariant Covariates into the
    Pareto/NBD and BG/NBD Models" (note): alpha_i = alpha_0 exp(-g'z_i).
    """

    purchase_data = True
    role = "purchase"
    data_names = ("frequency", "recency", "T")

    def __init__(
        self,
        base: type[RepeatBuyingModel],
        purchase_names: Sequence[str] = (),
        dropout_names: Sequence[str] = (),
        penalizer: float = 0.0,
        tol: float = 1e-10,
        max_iter: int = 2000,
    ) -> None:
        super().__init__(penalizer, tol, max_iter)
        self.base = base
        self.purchase_names = tuple(purchase_names)
        self.dropout_names = tuple(dropout_names)
        self.links = links(base)
        self._core = base()
        self.coefficients: list[tuple[int, str, int, float]] = []
        """(parameter index in base, covariate group, column, sign) per coefficient."""
        names = list(base.param_names)
        for param, group, sign in self.links:
            for column, covariate in enumerate(self._names(group)):
                names.append(coefficient_name(param, covariate))
                self.coefficients.append((base.param_names.index(param), group, column, sign))
        self.param_names = tuple(names)  # type: ignore[misc]

    # what it is and can do: the base model's (read through, not copied over class variables)
    name = property(lambda self: self.base.name)
    dropout_params = property(lambda self: self.base.dropout_params)
    continuous_time = property(lambda self: self.base.continuous_time)
    purchase_counts = property(lambda self: self.base.purchase_counts)
    covariate_links = property(lambda self: self.base.covariate_links)

    def _names(self, group: str) -> tuple[str, ...]:
        return self.purchase_names if group == PURCHASE else self.dropout_names

    def positive(self) -> Array:
        k = len(self.base.param_names)
        return np.arange(len(self.param_names)) < k

    @staticmethod
    def row_problems(*data: Any) -> Array:
        return row_problems(*data[:3])

    # ----- fitting ---------------------------------------------------------------------------
    def fit(self, frequency: Any, recency: Any, T: Any, weights: Any = None, purchase: Any = None,
            dropout: Any = None) -> Self:  # fmt: skip
        """Fit by maximum likelihood; ``purchase`` and ``dropout`` are customers x covariates
        matrices (columns in the order of ``purchase_names`` and ``dropout_names``)."""
        x = as_column("frequency", frequency, integer=True)
        tx = as_column("recency", recency)
        big_t = as_column("T", T)
        w = np.ones_like(x) if weights is None else as_column("weights", weights)
        same_length(frequency=x, recency=tx, T=big_t, weights=w)
        zp = self._matrix(purchase, PURCHASE, x.size)
        zd = self._matrix(dropout, DROPOUT, x.size)
        first_problem(row_problems(x, tx, big_t), x, tx, big_t)
        if w.sum() < 2 or not np.any((x > 0) & (w > 0)):
            raise FitError(
                f"{self.name} with covariates needs at least 2 customers, some with "
                "a repeat purchase"
            )
        kp = zp.shape[1]
        columns, counts = distinct_rows(x, tx, big_t, *zp.T, *zd.T, weights=w)
        data = [
            *columns[:3],
            np.column_stack(columns[3 : 3 + kp]) if kp else np.zeros((counts.size, 0)),
            np.column_stack(columns[3 + kp :]) if zd.shape[1] else np.zeros((counts.size, 0)),
        ]
        return self._maximise(data, counts)

    def _matrix(self, z: Any, group: str, rows: int) -> Array:
        names = self._names(group)
        if z is None:
            z = np.zeros((rows, 0))
        z = np.asarray(z, dtype=float).reshape(rows, -1) if np.size(z) else np.zeros((rows, 0))
        if z.shape[1] != len(names):
            raise InputError(
                f"{group} covariates",
                f"{z.shape[1]} columns",
                f"{len(names)} columns: {', '.join(names) or 'none'}",
            )
        if not np.all(np.isfinite(z)):
            raise InputError(f"{group} covariates", "a value that is not finite", "numbers")
        return z

    def _totals(
        self, x: Array, tx: Array, T: Array, zp: Array, zd: Array, weights: Array
    ) -> LevelTotals | None:
        """Totals level by level of the covariates, from the base model's own (a few distinct
        covariate rows: :class:`~clv_xl.models.covariate_levels.LevelTotals`); else None, the
        rows summed one by one."""
        k, covariates = len(self.base.param_names), {PURCHASE: zp, DROPOUT: zd}
        return LevelTotals.of(
            self._core._totals, self.coefficients, k, (x, tx, T), covariates, weights
        )

    def _initial(self, *data: Array, weights: Array) -> Array:
        start = self._core._initial(*data[:3], weights=weights)
        return np.concatenate([start, np.zeros(len(self.coefficients))])

    def _per_row(self, params: Array, zp: Array, zd: Array) -> tuple[list[Any], list[Any]]:
        """Each row's base parameters, and per base parameter its factor exp(sign g' z)."""
        k = len(self.base.param_names)
        eta: list[Any] = [0.0] * k
        for (index, group, column, sign), g in zip(self.coefficients, params[k:], strict=True):
            z = zp if group == PURCHASE else zd
            eta[index] = eta[index] + sign * g * z[:, column]
        factors = [np.exp(e) if isinstance(e, np.ndarray) else 1.0 for e in eta]
        values = [params[i] * factors[i] for i in range(k)]
        return values, factors

    def _log_likelihood(
        self, params: Array, x: Array, tx: Array, T: Array, zp: Array, zd: Array
    ) -> Array:
        values, _ = self._per_row(params, zp, zd)
        return self._core._log_likelihood(values, x, tx, T)  # type: ignore[arg-type]

    def _value_and_gradient(
        self, params: Array, x: Array, tx: Array, T: Array, zp: Array, zd: Array
    ) -> tuple[Array, Array]:
        """ln L per row and its gradient: d/d theta_0 = d/d theta_i * exp(sign g' z_i), and
        d/d g_k = d/d theta_i * theta_i * sign * z_ik."""
        values, factors = self._per_row(params, zp, zd)
        ll, per_row = self._core._value_and_gradient(values, x, tx, T)  # type: ignore[arg-type]
        k = len(self.base.param_names)
        out = np.empty((np.size(ll), len(self.param_names)))
        for i in range(k):
            out[:, i] = per_row[:, i] * factors[i]
        for j, (index, group, column, sign) in enumerate(self.coefficients):
            z = zp if group == PURCHASE else zd
            out[:, k + j] = per_row[:, index] * values[index] * sign * z[:, column]
        return ll, out

    # ----- parameters given ---------------------------------------------------------------------
    @classmethod
    def from_params(cls, params: dict[str, float] | Sequence[float]) -> Self:
        raise TypeError("a CovariateModel is rebuilt with covariate_model_from_table")

    def with_params(self, params: dict[str, float] | Sequence[float]) -> Self:
        values = [params[k] for k in self.param_names] if isinstance(params, dict) else list(params)
        for key, v, positive in zip(self.param_names, values, self.positive(), strict=True):
            ok = isinstance(v, int | float | np.floating) and np.isfinite(v)
            if not ok or (positive and v <= 0):
                allowed = (
                    "a number > 0 from a fitted model"
                    if positive
                    else "a number from a fitted model"
                )
                raise InputError(f"params {key}", v, allowed)
        model = type(self)(self.base, self.purchase_names, self.dropout_names)
        return model._given({k: float(v) for k, v in zip(self.param_names, values, strict=True)})

    # ----- predictions ---------------------------------------------------------------------------
    def customers(self, purchase: Any = None, dropout: Any = None) -> RepeatBuyingModel:
        """The base model with each customer's own parameters (arrays, one value per row of
        the covariates), for every prediction the base model makes."""
        rows = _rows(purchase, dropout)
        zp = self._matrix(purchase, PURCHASE, rows)
        zd = self._matrix(dropout, DROPOUT, rows)
        values, _ = self._per_row(self._params(), zp, zd)
        own = {
            k: np.broadcast_to(np.asarray(v, dtype=float), (rows,)).copy()
            for k, v in zip(self.base.param_names, values, strict=True)
        }
        model = self.base()._given(own, "parameters per customer", float(rows))  # arrays
        model.per_customer = True
        return model


def _rows(*matrices: Any) -> int:
    sizes = {np.shape(m)[0] for m in matrices if m is not None and np.ndim(m) == 2 and np.size(m)}
    if len(sizes) > 1:
        raise InputError("covariates", f"{sorted(sizes)} rows", "one row per customer in each")
    if not sizes:
        raise InputError("covariates", None, "the customers' covariates, one row per customer")
    return sizes.pop()


def covariate_names(
    table: dict[str, Any], base: type[RepeatBuyingModel]
) -> tuple[list[str], list[str]]:
    """The purchase and drop-out covariates named by a table's coefficient rows."""
    purchase: list[str] = []
    dropout: list[str] = []
    groups = {param: group for param, group, _ in base.covariate_links}
    for key in table:
        param, sep, covariate = str(key).partition(":")
        if not sep or param.startswith((SE_PREFIX, CORR_PREFIX)):
            continue
        if param not in groups:
            raise InputError(
                "params",
                key,
                f"coefficient rows of {base.name} "
                f"({', '.join(p + ':NAME' for p in groups) or 'none'})",
            )
        names = purchase if groups[param] == PURCHASE else dropout
        if covariate not in names:
            names.append(covariate)
    return purchase, dropout


def covariate_model_from_table(
    table: dict[str, Any], base: type[RepeatBuyingModel], argument: str
) -> CovariateModel | None:
    """The covariate model a table's coefficient rows describe; None when it has none."""
    purchase, dropout = covariate_names(table, base)
    if not purchase and not dropout:
        return None
    model = CovariateModel(base, purchase, dropout)
    missing = [k for k in model.param_names if k not in table]
    if missing:
        raise InputError(argument, f"no {missing[0]} row", "CLV_FIT's whole table")
    try:
        return model.with_params({k: table[k] for k in model.param_names})
    except InputError as exc:
        raise InputError(argument, exc.value, exc.allowed) from None


def shaped(model: BaseModel, shape: tuple[int, ...]) -> BaseModel:
    """A per-customer model with its parameter arrays reshaped (e.g. to a column, (-1, 1), so
    that they broadcast against customers x horizons); other models as they are."""
    if not model.per_customer:
        return model
    out = type(model)()
    vars(out).update(vars(model))
    reshaped = {k: np.asarray(v).reshape(shape) for k, v in model.params_.items()}
    out.params_ = reshaped  # type: ignore[assignment]  # arrays: one value per customer
    return out
