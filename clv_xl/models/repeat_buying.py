"""Shared machinery of the non-contractual repeat-buying models (BG/NBD, MBG/NBD, Pareto/NBD).

Data per customer: frequency x (repeat purchases), recency t_x (time of the last purchase since
the first) and T (time since the first purchase), all in one time unit (weeks, say).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar, NamedTuple, Self

import numpy as np
from scipy.special import hyp2f1

from clv_xl.core import wording
from clv_xl.errors import FitError, InputError
from clv_xl.models import hypergeometric
from clv_xl.models.base import Array, BaseModel, prediction
from clv_xl.models.beta_geometric_totals import BetaGeometricTotals
from clv_xl.models.count_distributions import beta_geometric_pmf
from clv_xl.models.grouped import Grouped, distinct_rows
from clv_xl.models.logistic import sigmoid
from clv_xl.models.validation import as_column, first_problem, rule_messages, same_length


def row_problems(x: Array, tx: Array, T: Array) -> Array:
    """Per customer: "" or what is inconsistent in (x, t_x, T). One rule set for Python (raise
    on the first) and Excel (a message in that customer's cell)."""
    return rule_messages(np.shape(x), _rules(x, tx, T))


def rows_hold(x: Array, tx: Array, T: Array) -> bool:
    """Whether every customer's (x, t_x, T) holds together (:func:`row_problems` all "")."""
    return not any(bool(np.any(bad)) for bad, _ in _rules(x, tx, T))


def _rules(x: Array, tx: Array, T: Array) -> list[tuple[Array, str]]:
    with np.errstate(invalid="ignore"):
        return [
            (~np.isfinite(x) | (x < 0), "frequency must be a number >= 0"),
            (~np.isfinite(tx) | (tx < 0), "recency must be a number >= 0"),
            (~np.isfinite(T) | (T < 0), "age T must be a number >= 0"),
            (tx > T * (1 + 1e-9), "recency is after age T; expected recency <= T"),
            ((x == 0) & (tx > 0), "recency must be 0 when frequency is 0"),
        ]


def check_customers(frequency: Any, recency: Any, T: Any) -> tuple[Array, Array, Array]:
    """Broadcast and validate (x, t_x, T) for predictions; scalars stay 0-d."""
    x, tx, big_t = (np.asarray(v, dtype=float) for v in (frequency, recency, T))
    try:
        x, tx, big_t = np.broadcast_arrays(x, tx, big_t)
    except ValueError:
        raise InputError(
            "frequency, recency, T", "ranges of different sizes", "one value per customer"
        ) from None
    if rows_hold(x, tx, big_t):
        return x, tx, big_t  # the common case: no message is built
    first_problem(row_problems(x, tx, big_t), x, tx, big_t)
    return x, tx, big_t


class RepeatBuyingModel(BaseModel):
    """A model of repeat purchases fitted to (frequency, recency, T).

    Its predictions take each customer's history: ``p_alive``, ``expected_purchases`` (conditional
    on the history) and ``expected_purchases_new`` (a customer just acquired); ``count_pmf`` where
    the model declares ``purchase_counts``.

    Examples
    --------
    >>> from clv_xl.models import ParetoNBD
    >>> model = ParetoNBD.from_params({"r": 0.553, "alpha": 10.578, "s": 0.606, "beta": 11.669})
    >>> round(float(model.p_alive(2, 30.43, 38.86)), 3)
    0.869
    """

    purchase_data = True
    role = "purchase"
    data_names = ("frequency", "recency", "T")

    @staticmethod
    def row_problems(x: Array, tx: Array, T: Array, *more: Array) -> Array:
        """Per customer "" or what does not hold together in (x, t_x, T) (a model's statistics
        of its own, ``more``, are its to judge)."""
        return row_problems(x, tx, T)

    @classmethod
    def rows_hold(cls, x: Array, tx: Array, T: Array, *more: Array) -> bool:
        return rows_hold(x, tx, T)

    def fit(self, frequency: Any, recency: Any, T: Any, weights: Any = None) -> Self:
        """Fit by maximum likelihood; customers with identical (x, t_x, T) are fitted once."""
        x = as_column("frequency", frequency, integer=True)
        tx = as_column("recency", recency)
        big_t = as_column("T", T)
        w = np.ones_like(x) if weights is None else as_column("weights", weights)
        same_length(frequency=x, recency=tx, T=big_t, weights=w)
        check_customers(x, tx, big_t)
        if w.sum() < 2:
            raise FitError(f"{self.name} needs at least 2 customers to fit; got {w.sum():g}")
        if not np.any((x > 0) & (w > 0)):
            raise FitError(
                f"{self.name} cannot be fitted: nobody made a repeat purchase, so there is "
                "nothing to learn purchase rates or drop-out from"
            )
        rows, counts = distinct_rows(x, tx, big_t, weights=w)
        return self._maximise(rows, counts)

    # Predictions every repeat-buying model offers -------------------------------------------
    @prediction
    def p_alive(self, frequency: Any, recency: Any, T: Any) -> Array:
        """Probability that each customer is still active at T."""
        raise NotImplementedError

    @prediction
    def expected_purchases(self, t: Any, frequency: Any, recency: Any, T: Any) -> Array:
        """Expected purchases in the next t periods for customers with history (x, t_x, T)."""
        raise NotImplementedError

    @prediction
    def expected_purchases_new(self, t: Any) -> Array:
        """Expected purchases in t periods of a customer just acquired (unconditional)."""
        raise NotImplementedError

    def log_likelihood(self, frequency: Any, recency: Any, T: Any) -> Array:
        """Each customer's log-likelihood under the fitted parameters."""
        x, tx, big_t = check_customers(frequency, recency, T)
        return self._log_likelihood(self._params(), x, tx, big_t)

    def count_pmf(self, n: Array, t: Array, x: Array, big_t: Array, history: bool) -> Array:
        """P(n purchases in t) of a customer alive at T with x repeat purchases, 0 for a new
        customer (a model with ``purchase_counts`` gives it)."""
        raise InputError("model", self.name, "a model with a purchase-count distribution")


def rate_moments(x: Array, T: Array, weights: Array) -> tuple[float, float]:
    """Method-of-moments (r, alpha) of gamma purchase rates, from each customer's purchases per
    period x / T as if all were still alive: mean r / alpha, and the variance left after the
    Poisson noise (the mean of x / T^2), r / alpha^2. A start for a search, not an estimate:
    drop-out makes the rates look lower than they are. (1, 1 / mean) when the rates show no
    spread beyond the noise."""
    w = weights / weights.sum()
    rate = x / np.maximum(T, 1e-12)
    mean = float(w @ rate)
    spread = float(w @ (rate - mean) ** 2) - float(w @ (rate / np.maximum(T, 1e-12)))
    if not (mean > 0 and np.isfinite(mean)):
        return 1.0, 1.0
    if not (spread > 0 and np.isfinite(spread)):
        return 1.0, 1.0 / mean
    alpha = mean / spread
    return float(np.clip(mean * alpha, 1e-3, 1e3)), float(np.clip(alpha, 1e-6, 1e6))


class BetaGeometricFamily(RepeatBuyingModel):
    """BG/NBD and MBG/NBD: gamma purchase rates, beta-geometric drop-out at purchases.

    Their predictions differ only by where drop-out may happen: BG/NBD after a repeat purchase
    (``shift`` 1), MBG/NBD after any purchase, the first included (``shift`` 0). Each model gives
    its ``_log_odds_dead``, the log-odds of having dropped out by T.
    """

    shift: ClassVar[int] = 1
    param_names = ("r", "alpha", "a", "b")
    dropout_params = ("a", "b")
    continuous_time = True
    covariate_links = (("alpha", "purchase", -1.0), ("a", "dropout", 1.0), ("b", "dropout", 1.0))
    groups_columns = True  # functions of frequency, recency and T evaluated per distinct value

    def _totals(
        self, x: Array | Grouped, tx: Array | Grouped, T: Array | Grouped, weights: Array
    ) -> BetaGeometricTotals:
        """The weighted totals of ln L, its gradient and its exact Hessian
        (:class:`~clv_xl.models.beta_geometric_totals.BetaGeometricTotals`)."""
        return BetaGeometricTotals(self.shift, x, tx, T, weights)

    def _log_odds_dead(self, x: Array, tx: Array, T: Array) -> Array:
        raise NotImplementedError

    def count_pmf(self, n: Array, t: Array, x: Array, big_t: Array, history: bool) -> Array:
        """P(n purchases in t) of a customer alive at T with x repeat purchases (all 0 for a new
        customer): the new-customer distribution with the posterior (r + x, alpha + T, a, b + x)."""
        p = self.params_
        r, alpha, b = p["r"] + x, p["alpha"] + big_t, p["b"] + x
        return beta_geometric_pmf(n, t, r, alpha, p["a"], b, self.shift)

    def limit_p(self) -> Any:
        """The drop-out probability p = a/(a+b) when a + b is beyond :data:`LIMIT_SIZE`: the
        beta mixing has collapsed to one probability for every customer, and the predictions
        take their closed-form limits (a, b -> infinity with a/(a+b) = p); else None."""
        _, _, a, b = self._params()
        if not np.all(np.asarray(a + b) > LIMIT_SIZE):  # (per customer, with covariates)
            return None
        return a / (a + b)

    def _limit(self) -> str:
        p = self.limit_p()
        if p is None or np.ndim(p):
            return ""
        return (
            f"a and b grow without bound with a/(a+b) = {p:.4g}: every customer drops out "
            f"with the same probability {p:.3g} after each purchase; no standard errors"
        )

    @prediction
    def p_alive(self, frequency: Any, recency: Any, T: Any) -> Array:
        """P(alive | x, t_x, T) = 1 / (1 + odds of having dropped out)."""
        x, tx, big_t = check_customers(frequency, recency, T)
        return alive(self._log_odds_dead(x, tx, big_t))

    @prediction
    def expected_purchases(
        self, t: Any, frequency: Any, recency: Any, T: Any, *, pairs: Pairs | None = None
    ) -> Array:
        """E[Y(t) | x, t_x, T]: BG/NBD's eq. (10) (Fader, Hardie & Lee 2005), and its MBG/NBD
        counterpart, with k = a + b + x - shift:

        k / (a - 1) [1 - ((alpha+T)/(alpha+T+t))^(r+x) 2F1(r+x, b+x+1-shift; k; z)] P(alive),

        where the product is rewritten by Euler's transformation as
        (1-z)^(a-1) 2F1(a+b-shift-r, a-1; k; z), with z = t / (alpha + T + t): no overflow for
        large x. ``pairs``: the customers' distinct (x, T) pairs found once for many forecasts
        (a bootstrap's draws; :meth:`Pairs.of`), where the 2F1 is evaluated (as one matrix
        product over their x and T values where that suits, :meth:`Pairs.hyp2f1`); the customers'
        histories were checked where their pairs were found, and are not checked again.
        """
        if pairs is None:
            x, tx, big_t = check_customers(frequency, recency, T)
        else:
            x, tx, big_t = (np.asarray(v, dtype=float) for v in (frequency, recency, T))
        t = check_horizon(t)
        r, alpha, a, b = self._params()
        k = a + b + x - self.shift

        def growth(x: Array, big_t: Array, hyp: Array | None = None) -> Array:
            z = t / (alpha + big_t + t)
            if hyp is None:
                hyp = hyp2f1(a + b - self.shift - r, a - 1, a + b + x - self.shift, z)
            out = 1 - (1 - z) ** (a - 1) * hyp
            lost = ~np.isfinite(out)  # large a and b: the form before Euler's transformation
            if np.any(lost):
                direct = 1 - ((alpha + big_t) / (alpha + big_t + t)) ** (r + x) * hyp2f1(
                    r + x, b + x + 1 - self.shift, a + b + x - self.shift, z
                )
                out = np.where(lost, direct, out)
            return out

        with np.errstate(all="ignore"):
            horizons = 1 if self.per_customer else int(np.size(t))  # pairs share parameters
            if pairs is not None and not self.per_customer and np.size(t) == 1:
                z = t / (alpha + pairs.T_values + t)
                hyp = pairs.hyp2f1(a + b - self.shift - r, a - 1, a + b - self.shift, z)
                grown = growth(pairs.x, pairs.T, hyp)[..., pairs.inverse]  # (draws by) customers
                grown = grown.reshape(grown.shape[:-1] + np.shape(x))
            else:
                grown = per_pair(growth, x, big_t, horizons=horizons)
            result = k / (a - 1) * grown * alive(self._log_odds_dead(x, tx, big_t))
            result = np.maximum(result, 0.0)
        if np.ndim(result) and np.all(t != 0):
            return result  # (np.where's copy is 3% of a bootstrap's draw)
        return np.where(t == 0, 0.0, result)


LIMIT_SIZE = 1e6
"""a + b beyond this: the beta-geometric drop-out is taken at its limit (its spread below 0.05%
of p; the exact formulas lose their digits there)."""


def alive(log_odds_dead: Array) -> Array:
    """P(alive) from the log-odds of having dropped out: sigma(-odds) (:func:`logistic.sigmoid`,
    SciPy's ``expit`` to the last bit or two in a ninth of its time: a forecast's draws take it
    for every customer); 0 where the odds overflow, 1 where they are -inf (no repeat purchase)."""
    return sigmoid(-log_odds_dead)


GRID_WORK = 1000
"""Cells times terms of :meth:`Pairs.hyp2f1`'s grid allowed per pair: a third of what SciPy's
function costs a pair (74 x values by 365 T values, 70 terms: 0.2 ms a draw against 0.53 ms
for SciPy's 4,845 values)."""
PAIR_ROWS = 2048  # from this many customers, functions of (x, T) are taken per distinct pair


class Pairs(NamedTuple):
    """The distinct (x, T) pairs of some customers and, per customer, its pair: found once where
    many forecasts of the same customers follow (a bootstrap's draws). And the pairs' distinct
    x values and T values, each pair's place in the grid of them (x by T)."""

    x: Array
    T: Array
    inverse: Array
    x_values: Array
    T_values: Array
    at: Array

    @classmethod
    def of(cls, x: Array, big_t: Array) -> Pairs:
        pairs, inverse = distinct_pairs(np.asarray(x), np.asarray(big_t))
        x_values, x_at = np.unique(pairs.real, return_inverse=True)
        t_values, t_at = np.unique(pairs.imag, return_inverse=True)
        return cls(pairs.real, pairs.imag, inverse, x_values, t_values, x_at * t_values.size + t_at)

    def hyp2f1(self, a: Any, b: Any, c: Any, z: Array) -> Array | None:
        """Per pair, 2F1(a, b; c + x; z) with z given per distinct T (``T_values``), from the
        grid of x and T values (:func:`hypergeometric.grid`); None where the series does not
        suit, or where the grid would cost more than SciPy's function pair by pair (about
        100 ns a value, against a few hundredths of a nanosecond a cell and term). With a, b
        and c columns of draws (z a row per draw), a row of pairs per draw."""
        draws = np.size(a)
        budget = GRID_WORK * self.x.size * draws
        found = hypergeometric.grid(np.squeeze(a), np.squeeze(b), c + self.x_values, z, budget)
        if found is None:
            return None
        if np.ndim(a) == 0:
            return found.ravel().take(self.at)
        return found.reshape(draws, -1)[:, self.at]


def distinct_pairs(x: Array, big_t: Array) -> tuple[Array, Array]:
    """The distinct (x, T) pairs, as complex numbers x + iT in sorted order, and each
    customer's index into them."""
    pairs, inverse = np.unique((x + 1j * big_t).ravel(), return_inverse=True)
    return pairs, inverse


def per_pair(
    func: Callable[[Array, Array], Array], x: Array, big_t: Array, horizons: int = 1
) -> Array:
    """``func(x, T)``, evaluated once per distinct (x, T) pair and spread back. Frequencies
    are whole numbers and T is in whole days, so a customer base has far fewer pairs than
    customers (100,000 synthetic customers: 12,894): the hypergeometric function of a forecast
    runs on those, for every horizon at once. ``x`` and ``T`` are one customer per row; any
    further axes (``horizons`` of them) come from ``func``. Finding the pairs costs about what
    one horizon does, so a single horizon is computed directly."""
    if horizons < 2 or x.ndim == 0 or x.shape[0] < PAIR_ROWS or any(n != 1 for n in x.shape[1:]):
        return func(x, big_t)
    pairs, inverse = distinct_pairs(x, big_t)
    if pairs.size * 2 > x.shape[0]:
        return func(x, big_t)
    shape = (pairs.size, *x.shape[1:])
    return func(pairs.real.reshape(shape), pairs.imag.reshape(shape))[inverse]


def check_horizon(t: Any) -> Array:
    arr = np.asarray(t, dtype=float)
    if np.any(~np.isfinite(arr) | (arr < 0)):
        raise InputError("t", float(arr.ravel()[0]), wording.HORIZON)
    return arr
