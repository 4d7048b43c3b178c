"""MBG/NBD: the modified BG/NBD of Batislam, Denizel & Filiztekin (2007).

Batislam, E. P., Denizel, M. & Filiztekin, A. (2007), "Empirical validation and comparison of
models for customer base analysis", International Journal of Research in Marketing 24(3),
201-209. Unlike BG/NBD, a customer may drop out right after the first purchase, so customers
with no repeat purchase can be inactive too. Expressions as in lifetimes' ModifiedBetaGeoFitter.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.special import digamma, gammaln, hyp2f1

from clv_xl.errors import InputError
from clv_xl.models.base import Array, prediction
from clv_xl.models.logistic import sigmoid_and_softplus
from clv_xl.models.repeat_buying import BetaGeometricFamily, check_horizon


class MBGNBD(BetaGeometricFamily):
    """MBG/NBD: BG/NBD in which a customer may also drop out right after the first purchase.

    Examples
    --------
    >>> from clv_xl.datasets import cdnow_summary
    >>> c = cdnow_summary()
    >>> model = MBGNBD().fit(c["frequency"], c["recency"], c["T"])
    >>> round(model.params_["r"], 3), round(model.params_["alpha"], 3)
    (0.525, 6.183)

    References
    ----------
    Batislam, E. P., Denizel, M. & Filiztekin, A. (2007), "Empirical validation and comparison of
    models for customer base analysis", International Journal of Research in Marketing 24(3),
    201-209 (the likelihood and P(alive) in their appendix, as lifetimes implements them; no
    equation numbers here).
    """

    name = "MBG/NBD"
    purchase_counts = True
    shift = 0  # drop-out possible after the first purchase too

    def count_pmf(self, n: Array, t: Array, x: Array, big_t: Array, history: bool) -> Array:
        """P(n purchases in t) of a new customer (see the base class); with a history there is
        no conditional distribution at hand, and asking is one line saying so."""
        if history:
            raise InputError(
                "model",
                "MBG/NBD",
                "BG/NBD or Pareto/NBD for a customer with a history (no conditional distribution "
                "of MBG/NBD is at hand; leave the customer columns blank for a new customer)",
            )
        return super().count_pmf(n, t, x, big_t, history)

    def _log_likelihood(self, params: Array, x: Array, tx: Array, T: Array) -> Array:
        return self._terms(params, x, tx, T)[0]

    def _value_and_gradient(
        self, params: Array, x: Array, tx: Array, T: Array
    ) -> tuple[Array, Array]:
        """ln L per row and d ln L / d (r, alpha, a, b) per row, the drop-out terms weighted by
        sigma(A4 - A3)."""
        r, alpha, a, b = params
        value, s4, ratio, log_at = self._terms(params, x, tx, T)
        d_r = digamma(r + x) - digamma(r) + np.log(alpha) - log_at + s4 * ratio
        d_alpha = (
            r / alpha - (r + x) / (alpha + T) + s4 * (r + x) * (1 / (alpha + T) - 1 / (alpha + tx))
        )
        d_a = digamma(a + b) - digamma(a + b + x + 1) + s4 / a
        d_b = (
            digamma(a + b) + digamma(b + x + 1) - digamma(b) - digamma(a + b + x + 1) - s4 / (b + x)
        )
        return value, np.column_stack([d_r, d_alpha, d_a, d_b])

    def _terms(self, params: Array, x: Array, tx: Array, T: Array) -> tuple[Array, ...]:
        """ln L per row (the appendix's likelihood, its two terms as A3 + softplus(A4 - A3)), and
        what the gradient takes from it: sigma(A4 - A3), ln((alpha + T) / (alpha + t_x)) and
        ln(alpha + T). The log-odds A4 - A3 is computed once for the value and the gradient."""
        r, alpha, a, b = params
        log_at = np.log(alpha + T)
        ratio = log_at - np.log(alpha + tx)
        s4, soft = sigmoid_and_softplus(np.log(a) - np.log(b + x) + (r + x) * ratio)
        a1 = gammaln(r + x) - gammaln(r) + r * np.log(alpha)
        a2 = gammaln(a + b) + gammaln(b + x + 1) - gammaln(b) - gammaln(a + b + x + 1)
        return a1 + a2 - (r + x) * log_at + soft, s4, ratio, log_at

    def _log_odds_dead(self, x: Array, tx: Array, T: Array) -> Array:
        r, alpha, a, b = self._params()
        return np.log(a) - np.log(b + x) + (r + x) * (np.log(alpha + T) - np.log(alpha + tx))

    @prediction
    def expected_purchases_new(self, t: Any) -> Array:
        t = check_horizon(t)
        r, alpha, a, b = self._params()
        p = self.limit_p()
        if p is not None:  # at the limit: ((1-p)/p) [1 - (alpha/(alpha + p t))^r]
            return -np.expm1(-r * np.log1p(p * t / alpha)) * (1 - p) / p
        hyp = hyp2f1(r, b + 1, a + b, t / (alpha + t))
        return b / (a - 1) * (1 - hyp * (alpha / (alpha + t)) ** r)
