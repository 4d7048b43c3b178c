"""Pareto/NBD: Schmittlein, Morrison & Colombo (1987), likelihood as in Fader, Hardie & Lee.

Schmittlein, D. C., Morrison, D. G. & Colombo, R. (1987), "Counting Your Customers: Who Are They
and What Will They Do Next?", Management Science 33(1), 1-24. The likelihood, P(alive) and
conditional expectation follow Fader & Hardie (2005), "A Note on Deriving the Pareto/NBD Model
and Related Expressions" (eqs. 11, 18 and 22 there), with the Gaussian hypergeometric A0 term
evaluated on the side that keeps its argument below 1 (:mod:`clv_xl.models.pareto_integral`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.special import digamma, expit, gammaln, polygamma

from clv_xl.models.base import Array, prediction
from clv_xl.models.count_distributions import pareto_pmf
from clv_xl.models.optimize import ExactTotals
from clv_xl.models.pareto_integral import (
    UPPER,
    Pairs,
    integral_and_derivatives,
    integral_with_hessian,
    log_integral,
)
from clv_xl.models.repeat_buying import (
    RepeatBuyingModel,
    check_customers,
    check_horizon,
    rate_moments,
)

LIMIT_SIZE = 1e4
"""s and beta both beyond this: the gamma mixing of drop-out rates has collapsed to one rate."""


class ParetoNBD(RepeatBuyingModel):
    """Pareto/NBD: gamma purchase rates (r, alpha) and gamma drop-out rates (s, beta).

    While active, a customer buys as a Poisson process with rate lambda ~ gamma(r, alpha); their
    lifetime is exponential with rate mu ~ gamma(s, beta).

    Examples
    --------
    >>> from clv_xl.datasets import cdnow_summary
    >>> c = cdnow_summary()
    >>> model = ParetoNBD().fit(c["frequency"], c["recency"], c["T"])
    >>> [round(model.params_[k], 3) for k in ("r", "alpha", "s")]  # Fader, Hardie & Lee (2005)
    [0.553, 10.578, 0.606]

    References
    ----------
    Schmittlein, D. C., Morrison, D. G. & Colombo, R. (1987), "Counting Your Customers: Who Are They
    and What Will They Do Next?", Management Science 33(1), 1-24; Fader, P. S. & Hardie, B. G. S.
    (2005), "A Note on Deriving the Pareto/NBD Model and Related Expressions": E[X(t)] eq. (17),
    P(alive) eq. (18), the conditional expectation eq. (22).
    """

    name = "Pareto/NBD"
    param_names = ("r", "alpha", "s", "beta")
    continuous_time = True
    covariate_links = (("alpha", "purchase", -1.0), ("beta", "dropout", -1.0))
    purchase_counts = True

    def _limit(self) -> str:
        _, _, s, beta = self._params()
        if np.ndim(s) or min(s, beta) <= LIMIT_SIZE:
            return ""
        return (
            f"s and beta grow without bound with s/beta = {s / beta:.4g}: every customer's "
            f"lifetime is exponential with the same drop-out rate {s / beta:.3g} per period; "
            "no standard errors"
        )

    def _log_likelihood(self, params: Array, x: Array, tx: Array, T: Array) -> Array:
        r, alpha, s, beta = params
        a1 = gammaln(r + x) - gammaln(r) + r * np.log(alpha) + s * np.log(beta)
        alive = -(r + x) * np.log(alpha + T) - s * np.log(beta + T)
        died = np.log(s) + log_integral(r + x, s + 1, alpha, beta, tx, T)  # s A0 / (r + s + x)
        # where the integral underflows (t_x == T) the second term is exactly 0
        died = np.where(np.isnan(died), -np.inf, died)
        return a1 + np.logaddexp(alive, died)

    def _totals(self, x: Array, tx: Array, T: Array, weights: Array) -> ParetoTotals:
        """The weighted totals of :meth:`_value_and_gradient` (:class:`ParetoTotals`)."""
        return ParetoTotals(x, tx, T, weights)

    def _value_and_gradient(
        self, params: Array, x: Array, tx: Array, T: Array, pairs: Pairs | None = None
    ) -> tuple[Array, Array]:
        """ln L per row and d ln L / d (r, alpha, s, beta) per row. ln L = A + ln(e^alive +
        e^died), died = ln s + ln I (the integral of :func:`log_integral`); I and its
        derivatives in all four parameters come from its hypergeometric series differentiated
        term by term (:func:`integral_and_derivatives`)."""
        ll, grad, _ = _rows(params, x, tx, T, pairs, second=False)
        return ll, grad

    def _initial(self, *data: Array, weights: Array) -> Array:
        """r and alpha from the purchase rates' moments (:func:`rate_moments`); s = 1 and
        beta = alpha, so the search starts where the likelihood's series converge at once
        (|alpha - beta| small): from (1, 1, 1, 1) it wandered where they take hundreds of terms,
        at twice the cost of the whole fit."""
        r, alpha = rate_moments(data[0], data[2], weights)
        return np.array([r, alpha, 1.0, alpha])

    def count_pmf(self, n: Array, t: Array, x: Array, big_t: Array, history: bool) -> Array:
        """P(n purchases in t) of a customer alive at T with x repeat purchases (all 0 for a new
        customer): the new-customer distribution with the posterior (r + x, alpha + T, s, beta + T)."""
        p = self.params_
        return pareto_pmf(n, t, p["r"] + x, p["alpha"] + big_t, p["s"], p["beta"] + big_t)

    @prediction
    def p_alive(self, frequency: Any, recency: Any, T: Any) -> Array:
        """P(alive | x, t_x, T), the note's eq. (18)."""
        x, tx, big_t = check_customers(frequency, recency, T)
        r, alpha, s, beta = self._params()
        with np.errstate(all="ignore"):
            log_odds = (
                np.log(s)
                + (r + x) * np.log(alpha + big_t)
                + s * np.log(beta + big_t)
                + log_integral(r + x, s + 1, alpha, beta, tx, big_t)
            )
        return expit(-np.where(np.isnan(log_odds), -np.inf, log_odds))

    @prediction
    def expected_purchases(self, t: Any, frequency: Any, recency: Any, T: Any) -> Array:
        """E[Y(t) | x, t_x, T], the note's eq. (22)."""
        x, tx, big_t = check_customers(frequency, recency, T)
        t = check_horizon(t)
        params = self._params()
        r, alpha, s, beta = params
        with np.errstate(all="ignore"):
            ll = self._log_likelihood(params, x, tx, big_t)
            first = (
                gammaln(r + x)
                - gammaln(r)
                + r * np.log(alpha)
                + s * np.log(beta)
                - (r + x) * np.log(alpha + big_t)
                - s * np.log(beta + big_t)
            )
            second = np.log(r + x) + np.log(beta + big_t) - np.log(alpha + big_t)
            third = np.log(
                -np.expm1((s - 1) * (np.log(beta + big_t) - np.log(beta + big_t + t))) / (s - 1)
            )
            result = np.exp(first + second + third - ll)
        return np.where(t == 0, 0.0, result)

    @prediction
    def expected_purchases_new(self, t: Any) -> Array:
        """E[X(t)] = r beta / (alpha (s - 1)) [1 - (beta / (beta + t))^(s-1)], eq. (17)."""
        t = check_horizon(t)
        r, alpha, s, beta = self._params()
        return r * beta / (alpha * (s - 1)) * (1 - (beta / (beta + t)) ** (s - 1))


class ParetoTotals(ExactTotals):
    """Weighted totals of ln L over a fit's rows, each series summed once per distinct
    (x, t_x) and (x, T) pair (:class:`Pairs`): ``totals(params)`` gives (total, gradient),
    ``totals.with_hessian(params)`` also the exact Hessian, in (r, alpha, s, beta), from the
    integral's second derivatives (:func:`integral_with_hessian`): the solver's Newton steps
    and the standard errors take it instead of differences of gradients (eight passes over
    the data for the standard errors, now about two)."""

    def __init__(self, x: Array, tx: Array, T: Array, weights: Array) -> None:
        self.data, self.weights = (x, tx, T), weights
        self.pairs = Pairs.of(x, tx, T)

    def _evaluate(self, params: Array, hessian: bool) -> tuple[float, Array, Array | None]:
        ll, grad, rows = _rows(params, *self.data, self.pairs, second=hessian)
        hess = None
        if rows is not None:
            hess = np.empty((4, 4))
            for (i, j), total in zip(UPPER, (rows @ self.weights).tolist(), strict=True):
                hess[i, j] = hess[j, i] = total
        return float(self.weights @ ll), self.weights @ grad, hess


def _rows(
    params: Array, x: Array, tx: Array, T: Array, pairs: Pairs | None, second: bool
) -> tuple[Array, Array, Array | None]:
    """ln L, its gradient (rows as rows) and, with ``second``, its Hessian's upper triangle
    (:data:`UPPER`, rows as columns) in (r, alpha, s, beta), row by row."""
    r, alpha, s, beta = params
    a, b = r + x, s + 1.0
    if second:
        log_i, d_i, h_i = integral_with_hessian(a, b, alpha, beta, tx, T, pairs)
    else:
        (log_i, d_i), h_i = integral_and_derivatives(a, b, alpha, beta, tx, T, pairs), None
    di_r, di_s, di_alpha, di_beta = d_i
    a1 = gammaln(r + x) - gammaln(r) + r * np.log(alpha) + s * np.log(beta)
    log_at, log_bt = np.log(alpha + T), np.log(beta + T)
    alive = -(r + x) * log_at - s * log_bt
    died = np.where(np.isnan(log_i), -np.inf, np.log(s) + log_i)
    top = np.logaddexp(alive, died)
    ll = a1 + top
    w_alive = np.exp(alive - top)
    w_died = np.exp(died - top)
    dead = w_died > 0
    share = lambda g: np.where(dead, w_died * g, 0.0)  # noqa: E731
    d_r = digamma(r + x) - digamma(r) + np.log(alpha) - w_alive * log_at + share(di_r)
    d_alpha = r / alpha - w_alive * (r + x) / (alpha + T) + share(di_alpha)
    d_s = np.log(beta) - w_alive * log_bt + share(1.0 / s + di_s)
    d_beta = s / beta - w_alive * s / (beta + T) + share(di_beta)
    grad = np.column_stack([d_r, d_alpha, d_s, d_beta])
    if h_i is None:
        return ll, grad, None
    # ln(e^alive + e^died)'' = w_alive alive'' + w_died died''
    #                          + w_alive w_died (alive' - died')(alive' - died')^T
    alive_1 = [-log_at, -(r + x) / (alpha + T), -log_bt, -s / (beta + T)]
    died_1 = [di_r, di_alpha, 1.0 / s + di_s, di_beta]
    alive_2 = {(0, 1): -1 / (alpha + T), (1, 1): (r + x) / (alpha + T) ** 2}
    alive_2 |= {(2, 3): -1 / (beta + T), (3, 3): s / (beta + T) ** 2}
    own = {(0, 0): polygamma(1, r + x) - polygamma(1, r), (0, 1): 1 / alpha}
    own |= {(1, 1): -r / alpha**2, (2, 3): 1 / beta, (3, 3): -s / beta**2}
    in_integral = (0, 2, 1, 3)  # (r, alpha, s, beta) as the integral's (a, b, alpha, beta)
    rows = []
    with np.errstate(invalid="ignore"):
        for i, j in UPPER:
            died_2 = h_i[UPPER.index(tuple(sorted((in_integral[i], in_integral[j]))))]
            if (i, j) == (2, 2):
                died_2 = died_2 - 1 / s**2
            apart = w_alive * (alive_1[i] - died_1[i]) * (alive_1[j] - died_1[j])
            rows.append(
                own.get((i, j), 0.0) + w_alive * alive_2.get((i, j), 0.0) + share(died_2 + apart)
            )
    return ll, grad, np.vstack([np.broadcast_to(v, np.shape(ll)) for v in rows])
