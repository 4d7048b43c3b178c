"""BG/NBD: the beta-geometric/negative binomial model of Fader, Hardie & Lee (2005).

Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005), "'Counting Your Customers' the Easy Way: An
Alternative to the Pareto/NBD Model", Marketing Science 24(2), 275-284. Equation numbers below
are the paper's.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.special import digamma, gammaln, hyp2f1

from clv_xl.models.base import Array, prediction
from clv_xl.models.grouped import Grouped, per_value, plain
from clv_xl.models.logistic import sigmoid_and_softplus
from clv_xl.models.repeat_buying import BetaGeometricFamily, check_horizon


class BGNBD(BetaGeometricFamily):
    """BG/NBD: gamma purchase rates (r, alpha) and beta-geometric drop-out (a, b).

    While active, a customer buys as a Poisson process with rate lambda ~ gamma(r, alpha); after each
    repeat purchase they drop out with probability p ~ beta(a, b).

    Examples
    --------
    >>> from clv_xl.datasets import cdnow_summary
    >>> c = cdnow_summary()
    >>> model = BGNBD().fit(c["frequency"], c["recency"], c["T"])
    >>> {k: round(v, 3) for k, v in model.params_.items()}
    {'r': 0.243, 'alpha': 4.414, 'a': 0.793, 'b': 2.426}
    >>> round(float(model.expected_purchases(39, 2, 30.43, 38.86)), 3)
    1.226

    References
    ----------
    Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005), "'Counting Your Customers' the Easy Way: An
    Alternative to the Pareto/NBD Model", Marketing Science 24(2), 275-284: the likelihood eq. (6),
    P(X(t) = x) eq. (8), E[X(t)] eq. (9), the conditional expectation eq. (10); P(alive): Fader,
    Hardie & Lee (2008), "Computing P(alive) Using the BG/NBD Model" (note).
    """

    name = "BG/NBD"
    purchase_counts = True
    shift = 1  # drop-out only after a repeat purchase

    def _terms(
        self, params: Array, x: Array | Grouped, tx: Array | Grouped, T: Array | Grouped
    ) -> tuple[Array, ...]:
        r, alpha, a, b = params
        xs = plain(x)
        a12 = per_value(
            x,
            lambda v: (
                gammaln(r + v)
                - gammaln(r)
                + gammaln(a + b)
                + gammaln(b + v)
                - gammaln(b)
                - gammaln(a + b + v)
            ),
        ) + r * np.log(alpha)
        log_at = per_value(T, lambda v: np.log(alpha + v))
        log_atx = per_value(tx, lambda v: np.log(alpha + v))
        odds = per_value(
            x,
            lambda v: np.where(v > 0, np.log(a) - np.log(np.where(v > 0, b + v - 1, 1.0)), -np.inf),
        )
        d = odds - (r + xs) * (log_atx - log_at)  # A4 - A3
        w4, softplus = sigmoid_and_softplus(d)  # w4: the "dropped out after the last" share
        top = -(r + xs) * log_at + softplus  # ln(exp(A3) + exp(A4))
        return a12 + top, w4, log_at, log_atx

    def _log_likelihood(self, params: Array, x: Array, tx: Array, T: Array) -> Array:
        """Eq. (6) in logs: ln L = A1 + A2 + ln(exp(A3) + [x > 0] exp(A4))."""
        return self._terms(params, x, tx, T)[0]

    def _value_and_gradient(
        self, params: Array, x: Array, tx: Array, T: Array
    ) -> tuple[Array, Array]:
        """ln L per row and d ln L / d (r, alpha, a, b) per row (digamma functions)."""
        r, alpha, a, b = params
        ll, w4, log_at, log_atx = self._terms(params, x, tx, T)
        xs = plain(x)
        w3 = 1.0 - w4
        inv_at = per_value(T, lambda v: 1.0 / (alpha + v))
        inv_atx = per_value(tx, lambda v: 1.0 / (alpha + v))
        d_r = (
            per_value(x, lambda v: digamma(r + v) - digamma(r))
            + np.log(alpha)
            - w3 * log_at
            - w4 * log_atx
        )
        d_alpha = r / alpha - (r + xs) * (w3 * inv_at + w4 * inv_atx)
        d_a = per_value(x, lambda v: digamma(a + b) - digamma(a + b + v)) + w4 / a
        inv_bx1 = per_value(x, lambda v: 1.0 / np.where(v > 0, b + v - 1, np.inf))
        d_b = per_value(
            x, lambda v: digamma(a + b) + digamma(b + v) - digamma(b) - digamma(a + b + v)
        )
        d_b = d_b - w4 * inv_bx1
        return ll, np.column_stack([d_r, d_alpha, d_a, d_b])

    def _initial(self, *data: Array, weights: Array) -> Array:
        return np.array([1.0, 1.0, 1.0, 1.0])

    def _log_odds_dead(self, x: Array, tx: Array, T: Array) -> Array:
        """ln of a/(b+x-1) ((alpha+T)/(alpha+t_x))^(r+x): the odds of having dropped out."""
        r, alpha, a, b = self._params()
        with np.errstate(divide="ignore", invalid="ignore"):
            odds = (
                np.log(a)
                - np.log(np.maximum(b + x - 1, 1e-300))
                + (r + x) * np.log((alpha + T) / (alpha + tx))
            )
        return np.where(x > 0, odds, -np.inf)

    @prediction
    def expected_purchases_new(self, t: Any) -> Array:
        """E[X(t)] for a new customer, eq. (7)."""
        t = check_horizon(t)
        r, alpha, a, b = self._params()
        p = self.limit_p()
        if p is not None:  # at the limit: (1/p) [1 - (alpha/(alpha + p t))^r]
            return -np.expm1(-r * np.log1p(p * t / alpha)) / p
        hyp = hyp2f1(r, b, a + b - 1, t / (alpha + t))
        return (a + b - 1) / (a - 1) * (1 - (alpha / (alpha + t)) ** r * hyp)
