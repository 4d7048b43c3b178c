"""Beta-discrete-Weibull (BdW) retention model: churn that rises or falls with tenure.

Fader, P. S., Hardie, B. G. S., Liu, Y., Davin, J. & Steenburgh, T. (2018), "'How to Project
Customer Retention' Revisited: The Role of Duration Dependence", Journal of Interactive
Marketing 43, 1-16. Each customer's churn probability at tenure t follows a discrete Weibull with
a beta-distributed scale; the cohort's survival is (their eq. 7)

    S(t) = B(alpha, beta + t^c) / B(alpha, beta),

so c = 1 is the shifted-beta-geometric model (sBG, :mod:`clv_xl.models.sbg`), c < 1 churn that
falls with tenure for every customer, c > 1 churn that rises.

Parameters
----------
alpha, beta : the beta mixing distribution (as sBG's).
c : the duration dependence (1: none).

Example
-------
>>> from clv_xl.models import BetaDiscreteWeibull
>>> regular = [1000, 631, 468, 382, 326, 289, 262, 241]   # Fader & Hardie (2007), Table 1
>>> model = BetaDiscreteWeibull().fit(regular)
>>> round(1000 * float(model.survival(12)))  # of 1,000 customers, active after year 12
177

The actual count is 173 (Fader & Hardie 2007, Table 1); sBG projects 170.
"""

from __future__ import annotations

from typing import Any, Self

import numpy as np
from scipy.special import betaln, digamma

from clv_xl.core.domains import WHOLE, elementwise
from clv_xl.models.base import Array, BaseModel, prediction
from clv_xl.models.sbg import POSITIVE_RATE, ShiftedBetaGeometric, cohort_counts

MAX_DERL_TERMS = 200_000


class BetaDiscreteWeibull(BaseModel):
    """BdW: sBG with duration dependence: churn that rises (c > 1) or falls (c < 1) with tenure.

    Examples
    --------
    >>> model = BetaDiscreteWeibull().fit([1000, 631, 468, 382, 326, 289, 262, 241])
    >>> round(model.params_["c"], 2)  # above 1: churn rises with tenure in this cohort
    1.28

    References
    ----------
    Fader, P. S., Hardie, B. G. S., Liu, Y., Davin, J. & Steenburgh, T. (2018), "'How to Project
    Customer Retention' Revisited: The Role of Duration Dependence", Journal of Interactive
    Marketing 43, 1-16: the cohort's survival eq. (7).
    """

    name = "BdW"
    role = "retention"
    param_names = ("alpha", "beta", "c")
    data_names = ("active_counts",)
    rows_identify = False  # the likelihood is one total over the cohort's periods

    def fit(self, active_counts: Any) -> Self:
        """Fit to a cohort's customers still active at period 0, 1, 2, ..."""
        counts = cohort_counts(active_counts, self.name)
        # the likelihood is linear in the counts: fitted per customer of the cohort (shares,
        # weight the cohort size), so the solver sees a mean log-likelihood of order 1, as for
        # the purchase models (in totals of 1,600, L-BFGS-B's first step ran to the bounds)
        shares = counts / counts[0]
        lost = -np.diff(shares)
        periods = np.arange(1, counts.size, dtype=float)
        self._maximise([periods, lost, np.full(periods.shape, shares[-1])], np.array([counts[0]]))
        self.n_customers_ = float(counts[0])
        return self

    def _initial(self, *data: Array, weights: Array) -> Array:
        """sBG's fit with c = 1 (BdW's special case): the search starts from there."""
        _, lost, survivors = data
        counts = survivors[-1] + lost.sum() - np.concatenate([[0.0], np.cumsum(lost)])
        sbg = ShiftedBetaGeometric().fit(counts)
        return np.array([sbg.params_["alpha"], sbg.params_["beta"], 1.0])

    @staticmethod
    def _log_s(alpha: float, beta: float, c: float, t: Array) -> tuple[Array, Array]:
        """ln S(t) and its gradient in (alpha, beta, c), rows of t."""
        tc = np.power(t, c)
        log_s = betaln(alpha, beta + tc) - betaln(alpha, beta)
        common = digamma(alpha + beta) - digamma(alpha + beta + tc)
        d_alpha = common
        d_beta = (
            digamma(beta + tc) - digamma(alpha + beta + tc) - digamma(beta) + digamma(alpha + beta)
        )
        with np.errstate(divide="ignore", invalid="ignore"):
            d_c = np.where(
                t > 0,
                (digamma(beta + tc) - digamma(alpha + beta + tc))
                * tc
                * np.log(np.where(t > 0, t, 1.0)),
                0.0,
            )
        return log_s, np.column_stack([d_alpha, d_beta, d_c])

    def _value_and_gradient(
        self, params: Array, t: Array, lost: Array, survivors: Array
    ) -> tuple[Array, Array]:
        """LL = sum_t lost_t ln[S(t-1) - S(t)] + survivors ln S(n), and its gradient."""
        alpha, beta, c = params
        now, g_now = self._log_s(alpha, beta, c, t)
        before, g_before = self._log_s(alpha, beta, c, t - 1)
        q = np.exp(now - before)  # S(t) / S(t-1), below 1
        log_p = before + np.log1p(-q)
        g_p = (g_before - q[:, None] * g_now) / (1 - q)[:, None]
        ll = np.sum(lost * log_p) + survivors[-1] * now[-1]
        grad = lost @ g_p + survivors[-1] * g_now[-1]
        return np.atleast_1d(ll), grad[None, :]

    def _log_likelihood(self, params: Array, t: Array, lost: Array, survivors: Array) -> Array:
        return self._value_and_gradient(params, t, lost, survivors)[0]

    @prediction
    def survival(self, t: Any) -> Array:
        """S(t): the share of the cohort still active after t periods."""
        alpha, beta, c = self._params()
        tt = np.asarray(t, dtype=float)
        return np.exp(betaln(alpha, beta + np.power(tt, c)) - betaln(alpha, beta))

    @prediction
    def retention(self, t: Any) -> Array:
        """r(t) = S(t) / S(t - 1): the retention rate in period t."""
        tt = np.asarray(t, dtype=float)
        return self.survival(tt) / self.survival(tt - 1)

    def derl(self, discount_rate: Any, renewals: Any) -> Any:
        alpha, beta, c = self._params()
        return bdw_derl(discount_rate, renewals, alpha=alpha, beta=beta, c=c)


@elementwise(discount_rate=POSITIVE_RATE, renewals=WHOLE)
def bdw_derl(discount_rate: Any, renewals: Any, alpha: float, beta: float, c: float) -> Any:
    """DERL of a subscriber who has renewed n - 1 times, valued just before the next renewal
    decision (as sBG's, Fader & Hardie 2010): sum over k >= 0 of S(n + k) / S(n - 1) / (1 + d)^k,
    summed until the discounting leaves terms below 1e-15 of the first."""
    d = np.asarray(discount_rate, dtype=float)
    n = np.asarray(renewals, dtype=float) + 1
    d_b, n_b = np.broadcast_arrays(d, n)
    out = np.empty(d_b.shape)
    for idx in np.ndindex(d_b.shape):
        terms = int(min(MAX_DERL_TERMS, np.ceil(35.0 / np.log1p(d_b[idx])) + 1))
        k = np.arange(terms, dtype=float)
        t = n_b[idx] + k
        log_ratio = betaln(alpha, beta + t**c) - betaln(alpha, beta + (n_b[idx] - 1) ** c)
        out[idx] = float(np.sum(np.exp(log_ratio - k * np.log1p(d_b[idx]))))
    return out if out.shape else float(out)
