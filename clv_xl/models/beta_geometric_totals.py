"""The BG/NBD family's log-likelihood summed over customers, with its gradient and Hessian.

BG/NBD (Fader, Hardie & Lee 2005, eq. 6) and MBG/NBD (Batislam et al. 2007) share one form. With
m = x + 1 - shift purchases after which a customer may have dropped out (m = x for BG/NBD,
x + 1 for MBG/NBD):

    ln L = A(x; r, alpha) + B(m; a, b) - (r + x) ln(alpha + T) + softplus(d)       (m > 0)
    ln L = r ln(alpha / (alpha + T))                                                 (m = 0)

    A = ln Gamma(r + x) - ln Gamma(r) + r ln alpha
    B = ln Gamma(a + b) + ln Gamma(b + m) - ln Gamma(b) - ln Gamma(a + b + m)
    d = ln a - ln(b + m - 1) - (r + x) [ln(alpha + t_x) - ln(alpha + T)]

so the Hessian is that of the smooth part, plus sigma(d) times the Hessian of d, plus
sigma(d)(1 - sigma(d)) times the outer product of d's gradient (softplus'' = sigma (1 - sigma)).
Terms of x alone are summed once per distinct x, terms of T alone once per distinct T (all of a
m = 0 customer's likelihood), and only what mixes x, t_x and T row by row. The exact Hessian
lets the solver take true Newton steps and the standard errors come from it directly.
"""

from __future__ import annotations

import numpy as np
from scipy.special import digamma, gammaln, polygamma

from clv_xl.models.grouped import Grouped, as_grouped
from clv_xl.models.logistic import sigmoid_and_softplus
from clv_xl.models.optimize import ExactTotals

Array = np.ndarray


class BetaGeometricTotals(ExactTotals):
    """Weighted totals of ln L over a fit's customers (see the module), from statistics taken
    once: ``totals(params)`` gives (total, gradient), ``totals.with_hessian(params)`` also the
    Hessian, in the model's own parameters (r, alpha, a, b)."""

    def __init__(
        self,
        shift: int,
        x: Array | Grouped,
        tx: Array | Grouped,
        T: Array | Grouped,
        weights: Array,
    ) -> None:
        self.shift = shift
        by_x, by_tx, by_t = as_grouped(x), as_grouped(tx), as_grouped(T)
        m = by_x.x + (1 - shift)
        none = m == 0
        # m = 0: r ln(alpha / (alpha + T)), once per distinct T
        t0 = by_t.subset(none)
        self.t0 = t0.values
        self.w_t0 = np.bincount(t0.inverse, weights=weights[none], minlength=t0.values.size)
        self.w_none = float(self.w_t0.sum())
        some = ~none
        self.w = weights[some]
        self.total = float(self.w.sum())
        self.by_x, self.by_tx, self.by_t = by_x.subset(some), by_tx.subset(some), by_t.subset(some)
        self.x_v = self.by_x.values  # the distinct x, and their weights
        self.m_v = self.x_v + (1 - shift)
        self.w_v = np.bincount(self.by_x.inverse, weights=self.w, minlength=self.x_v.size)
        self.x_rows = self.by_x.x

    def _evaluate(self, params: Array, hessian: bool) -> tuple[float, Array, Array | None]:
        r, alpha, a, b = (float(p) for p in params)
        t0, w_t0 = self.t0, self.w_t0
        it0 = 1.0 / (alpha + t0)
        log_ratio = np.log(alpha) - np.log(alpha + t0)  # ln(alpha / (alpha + T)), m = 0
        ll = r * float(w_t0 @ log_ratio)
        grad = np.array([float(w_t0 @ log_ratio), r * (self.w_none / alpha - float(w_t0 @ it0))])
        grad = np.r_[grad, 0.0, 0.0]
        hess = np.zeros((4, 4)) if hessian else None
        if hess is not None:
            hess[0, 1] = self.w_none / alpha - float(w_t0 @ it0)
            hess[1, 1] = r * (float(w_t0 @ (it0 * it0)) - self.w_none / alpha**2)
        if self.total:
            ll = ll + self._repeat_buyers(r, alpha, a, b, grad, hess)
        if hess is not None:
            hess = np.triu(hess) + np.triu(hess, 1).T
        return ll, grad, hess

    def _repeat_buyers(
        self, r: float, alpha: float, a: float, b: float, grad: Array, hess: Array | None
    ) -> float:
        """The m > 0 customers' total ln L; adds their gradient and Hessian (upper triangle)."""
        x_v, m_v, w_v, w, total = self.x_v, self.m_v, self.w_v, self.w, self.total
        # x alone, per distinct x
        psi_abm = digamma(a + b + m_v)
        a12 = (
            gammaln(r + x_v)
            + gammaln(b + m_v)
            - gammaln(a + b + m_v)
            + gammaln(a + b)
            - gammaln(b)
            - gammaln(r)
        )
        da_v = digamma(a + b) - psi_abm
        db_v = da_v + digamma(b + m_v) - digamma(b)
        shift = self.shift  # b + m - 1 = b + x - shift
        log_odds = self.by_x(lambda u: np.log(a) - np.log(b + u - shift))
        inv_bm = self.by_x(lambda u: 1.0 / (b + u - shift))
        # x, t_x and T together, row by row
        log_at = self.by_t(lambda u: np.log(alpha + u))
        log_atx = self.by_tx(lambda u: np.log(alpha + u))
        inv_at = self.by_t(lambda u: 1.0 / (alpha + u))
        inv_atx = self.by_tx(lambda u: 1.0 / (alpha + u))
        rx = r + self.x_rows
        gap = log_atx - log_at
        d = log_odds - rx * gap
        w4, softplus = sigmoid_and_softplus(d)
        w_w4, w_rx = w * w4, w * rx
        ll = (
            float(w_v @ a12)
            + total * r * np.log(alpha)
            - float(w_rx @ log_at)
            + float(w @ softplus)
        )
        grad[0] += (
            float(w_v @ (digamma(r + x_v) - digamma(r)))
            + total * np.log(alpha)
            - float(w @ log_at)
            - float(w_w4 @ gap)
        )
        d_inv = inv_atx - inv_at
        grad[1] += total * r / alpha - float(w_rx @ inv_at + (w_w4 * rx) @ d_inv)
        grad[2] += float(w_v @ da_v) + float(w_w4.sum()) / a
        grad[3] += float(w_v @ db_v) - float(w_w4 @ inv_bm)
        if hess is None:
            return ll
        tri_ab = float(polygamma(1, a + b))
        s_ab = tri_ab - polygamma(1, a + b + m_v)
        # the smooth part
        hess[0, 0] += float(w_v @ (polygamma(1, r + x_v) - polygamma(1, r)))
        hess[0, 1] += total / alpha - float(w @ inv_at)
        hess[1, 1] += float(w_rx @ (inv_at * inv_at)) - total * r / alpha**2
        hess[2, 2] += float(w_v @ s_ab)
        hess[2, 3] += float(w_v @ s_ab)
        hess[3, 3] += float(w_v @ (s_ab + polygamma(1, b + m_v) - polygamma(1, b)))
        # sigma(d) times the Hessian of d
        hess[0, 1] -= float(w_w4 @ d_inv)
        hess[1, 1] += float((w_w4 * rx) @ (inv_atx * inv_atx - inv_at * inv_at))
        hess[2, 2] -= float(w_w4.sum()) / a**2
        hess[3, 3] += float(w_w4 @ (inv_bm * inv_bm))
        # sigma(d)(1 - sigma(d)) times the outer product of d's gradient
        slope = np.empty((4, d.size))
        slope[0], slope[1], slope[2], slope[3] = -gap, -rx * d_inv, 1.0 / a, -inv_bm
        hess += np.triu((slope * (w_w4 * (1.0 - w4))) @ slope.T)
        return ll
