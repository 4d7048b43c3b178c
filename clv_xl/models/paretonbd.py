"""Pareto/NBD: Schmittlein, Morrison & Colombo (1987), likelihood as in Fader, Hardie & Lee.

Schmittlein, D. C., Morrison, D. G. & Colombo, R. (1987), "Counting Your Customers: Who Are They
and What Will They Do Next?", Management Science 33(1), 1-24. The likelihood, P(alive) and
conditional expectation follow Fader & Hardie (2005), "A Note on Deriving the Pareto/NBD Model
and Related Expressions" (eqs. 11, 18 and 22 there), with the Gaussian hypergeometric A0 term
evaluated on the side that keeps its argument below 1.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.special import expit, gammaln, hyp2f1

from clv_xl.models.base import Array
from clv_xl.models.repeat_buying import RepeatBuyingModel, check_customers, check_horizon


def log_a0(params: Array, x: Array, tx: Array, T: Array) -> Array:
    """ln A0 of the note's eq. (11), for alpha >= beta and alpha < beta alike."""
    r, alpha, s, beta = params
    if alpha >= beta:
        big, small_term = alpha, s + 1
    else:
        big, small_term = beta, r + x
    diff = abs(alpha - beta)
    rsx = r + s + x
    p1 = hyp2f1(rsx, small_term, rsx + 1, diff / (big + tx))
    p2 = hyp2f1(rsx, small_term, rsx + 1, diff / (big + T))
    # A0 = [p1 / (big + tx)^rsx - p2 / (big + T)^rsx] / ... written in logs
    first = np.log(p1) - rsx * np.log(big + tx)
    second = np.log(p2) - rsx * np.log(big + T)
    with np.errstate(divide="ignore", invalid="ignore"):
        return first + np.log1p(-np.exp(second - first))


class ParetoNBD(RepeatBuyingModel):
    """Pareto/NBD with parameters r, alpha (purchase rates) and s, beta (drop-out rates)."""

    name = "Pareto/NBD"
    param_names = ("r", "alpha", "s", "beta")

    def _log_likelihood(self, params: Array, x: Array, tx: Array, T: Array) -> Array:
        r, alpha, s, beta = params
        a1 = gammaln(r + x) - gammaln(r) + r * np.log(alpha) + s * np.log(beta)
        alive = -(r + x) * np.log(alpha + T) - s * np.log(beta + T)
        died = np.log(s) - np.log(r + s + x) + log_a0(params, x, tx, T)
        # where A0 underflows (t_x == T) the second term is exactly 0
        died = np.where(np.isnan(died), -np.inf, died)
        return a1 + np.logaddexp(alive, died)

    def _initial(self, *data: Array, weights: Array) -> Array:
        return np.array([1.0, 1.0, 1.0, 1.0])

    def p_alive(self, frequency: Any, recency: Any, T: Any) -> Array:
        """P(alive | x, t_x, T), the note's eq. (18)."""
        x, tx, big_t = check_customers(frequency, recency, T)
        params = self._params()
        r, alpha, s, beta = params
        with np.errstate(all="ignore"):
            log_odds = (
                np.log(s)
                - np.log(r + s + x)
                + (r + x) * np.log(alpha + big_t)
                + s * np.log(beta + big_t)
                + log_a0(params, x, tx, big_t)
            )
        return expit(-np.where(np.isnan(log_odds), -np.inf, log_odds))

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

    def expected_purchases_new(self, t: Any) -> Array:
        """E[X(t)] = r beta / (alpha (s - 1)) [1 - (beta / (beta + t))^(s-1)], eq. (17)."""
        t = check_horizon(t)
        r, alpha, s, beta = self._params()
        return r * beta / (alpha * (s - 1)) * (1 - (beta / (beta + t)) ** (s - 1))
