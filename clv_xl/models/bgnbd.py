"""BG/NBD: the beta-geometric/negative binomial model of Fader, Hardie & Lee (2005).

Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005), "'Counting Your Customers' the Easy Way: An
Alternative to the Pareto/NBD Model", Marketing Science 24(2), 275-284. Equation numbers below
are the paper's.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.special import expit, gammaln, hyp2f1

from clv_xl.models.base import Array
from clv_xl.models.repeat_buying import RepeatBuyingModel, check_customers, check_horizon


class BGNBD(RepeatBuyingModel):
    """BG/NBD with parameters r, alpha (gamma purchase rates) and a, b (beta drop-out)."""

    name = "BG/NBD"
    param_names = ("r", "alpha", "a", "b")

    def _log_likelihood(self, params: Array, x: Array, tx: Array, T: Array) -> Array:
        """Eq. (6) in logs: ln L = A1 + A2 + ln(exp(A3) + [x > 0] exp(A4))."""
        r, alpha, a, b = params
        a1 = gammaln(r + x) - gammaln(r) + r * np.log(alpha)
        a2 = gammaln(a + b) + gammaln(b + x) - gammaln(b) - gammaln(a + b + x)
        a3 = -(r + x) * np.log(alpha + T)
        repeat = x > 0
        a4 = np.full_like(a3, -np.inf)
        xr = x[repeat]
        a4[repeat] = np.log(a) - np.log(b + xr - 1) - (r + xr) * np.log(alpha + tx[repeat])
        return a1 + a2 + np.logaddexp(a3, a4)

    def _initial(self, *data: Array, weights: Array) -> Array:
        return np.array([1.0, 1.0, 1.0, 1.0])

    def _log_odds_dead(self, x: Array, tx: Array, T: Array) -> Array:
        """ln of a/(b+x-1) ((alpha+T)/(alpha+t_x))^(r+x): the odds of having dropped out."""
        r, alpha, a, b = self._params()
        with np.errstate(divide="ignore", invalid="ignore"):
            odds = (
                np.log(a)
                - np.log(np.maximum(b + x - 1, 1e-300))
                + (r + x) * (np.log(alpha + T) - np.log(alpha + tx))
            )
        return np.where(x > 0, odds, -np.inf)

    def p_alive(self, frequency: Any, recency: Any, T: Any) -> Array:
        """P(alive | x, t_x, T), eq. (A4) of Fader, Hardie & Lee's note 2008."""
        x, tx, big_t = check_customers(frequency, recency, T)
        return expit(-self._log_odds_dead(x, tx, big_t))

    def expected_purchases(self, t: Any, frequency: Any, recency: Any, T: Any) -> Array:
        """E[Y(t) | x, t_x, T], eq. (10)."""
        x, tx, big_t = check_customers(frequency, recency, T)
        t = check_horizon(t)
        r, alpha, a, b = self._params()
        with np.errstate(all="ignore"):
            # ((alpha+T)/(alpha+T+t))^(r+x) 2F1(r+x, b+x; a+b+x-1; z) rewritten by Euler's
            # transformation as (1-z)^(a-1) 2F1(a+b-1-r, a-1; a+b+x-1; z): no overflow for
            # large x (z = t / (alpha + T + t)).
            z = t / (alpha + big_t + t)
            hyp = hyp2f1(a + b - 1 - r, a - 1, a + b + x - 1, z)
            growth = 1 - (1 - z) ** (a - 1) * hyp
            result = (a + b + x - 1) / (a - 1) * growth * expit(-self._log_odds_dead(x, tx, big_t))
        return np.where(t == 0, 0.0, np.maximum(result, 0.0))

    def expected_purchases_new(self, t: Any) -> Array:
        """E[X(t)] for a new customer, eq. (7)."""
        t = check_horizon(t)
        r, alpha, a, b = self._params()
        hyp = hyp2f1(r, b, a + b - 1, t / (alpha + t))
        return (a + b - 1) / (a - 1) * (1 - (alpha / (alpha + t)) ** r * hyp)
