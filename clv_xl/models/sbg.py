"""Shifted-beta-geometric (sBG) retention model for contractual cohorts.

Fader, P. S. & Hardie, B. G. S. (2007), "How to Project Customer Retention", Journal of
Interactive Marketing 21(1), 76-90; DERL from Fader & Hardie (2010), "Customer-Base Valuation in
a Contractual Setting: The Perils of Ignoring Heterogeneity", Marketing Science 29(1), 85-93.
"""

from __future__ import annotations

from typing import Any, Self

import numpy as np
from scipy.special import betaln, digamma, hyp2f1

from clv_xl.core.domains import WHOLE, Domain, elementwise
from clv_xl.errors import FitError, InputError
from clv_xl.models.base import Array, BaseModel
from clv_xl.models.validation import as_column

POSITIVE_RATE = Domain("a rate > 0", lo=0.0, lo_open=True, hint="enter 10% as 0.1 or 10%")


def cohort_counts(active_counts: Any, model: str) -> Array:
    """A cohort's customers still active at period 0, 1, 2, ...: checked for a retention fit."""
    counts = as_column("active_counts", active_counts)
    if counts.size < 2:
        raise InputError(
            "active_counts",
            f"{counts.size} period{'s' * (counts.size != 1)}",
            f"the active customers for at least 2 periods (0 and 1) to fit {model}",
        )
    if counts[0] <= 0:
        raise InputError("active_counts", float(counts[0]), "a cohort size > 0 at period 0")
    if np.any(np.diff(counts) > 0):
        i = int(np.argmax(np.diff(counts) > 0)) + 1
        raise InputError(
            "active_counts",
            float(counts[i]),
            "counts that never rise (a cohort only loses customers)",
            position=(i + 1,),
        )
    if counts[-1] == counts[0]:
        raise FitError(
            f"{model} cannot be fitted: no customer churned, so churn cannot be measured"
        )
    return counts


class ShiftedBetaGeometric(BaseModel):
    """sBG: each customer's churn probability per period theta ~ beta(alpha, beta).

    Fitted to one cohort's customers still active at periods 0, 1, 2, ...

    Examples
    --------
    >>> model = ShiftedBetaGeometric().fit([1000, 631, 468, 382, 326, 289, 262, 241])
    >>> round(model.params_["alpha"], 3), round(model.params_["beta"], 3)
    (0.704, 1.182)

    References
    ----------
    Fader, P. S. & Hardie, B. G. S. (2007), "How to Project Customer Retention", Journal of
    Interactive Marketing 21(1), 76-90: the likelihood eq. (6), the retention rate eq. (8);
    DERL: Fader & Hardie (2010), Marketing Science 29(1), eq. (6). The example is the paper's
    "regular" cohort, Table 1 (alpha 0.704, beta 1.182).
    """

    name = "sBG"
    role = "retention"
    param_names = ("alpha", "beta")
    data_names = ("active_counts",)
    rows_identify = False  # the likelihood is one total over the cohort's periods

    def fit(self, active_counts: Any) -> Self:
        """Fit to a cohort's customers still active at period 0, 1, 2, ... (eq. 6 of FH 2007)."""
        counts = cohort_counts(active_counts, self.name)
        lost = -np.diff(counts)
        periods = np.arange(1, counts.size)
        self._maximise([periods, lost, np.full(periods.shape, counts[-1])], np.ones(1))
        self.n_customers_ = float(counts[0])
        return self

    def _log_likelihood(self, params: Array, t: Array, lost: Array, survivors: Array) -> Array:
        """LL = sum_t lost_t ln P(T = t) + survivors ln S(n), as one total (weight 1)."""
        alpha, beta = params
        log_p = betaln(alpha + 1, beta + t - 1) - betaln(alpha, beta)
        log_s = betaln(alpha, beta + t[-1]) - betaln(alpha, beta)
        return np.atleast_1d(np.sum(lost * log_p) + survivors[-1] * log_s)

    def _value_and_gradient(
        self, params: Array, t: Array, lost: Array, survivors: Array
    ) -> tuple[Array, Array]:
        """LL and d LL / d (alpha, beta), from d ln B(a, b) / da = digamma(a) - digamma(a + b)."""
        alpha, beta = params
        n = t[-1]
        base_a = digamma(alpha) - digamma(alpha + beta)  # d ln B(alpha, beta) / d alpha
        base_b = digamma(beta) - digamma(alpha + beta)
        lost_a = digamma(alpha + 1) - digamma(alpha + beta + t) - base_a
        lost_b = digamma(beta + t - 1) - digamma(alpha + beta + t) - base_b
        kept_a = digamma(alpha) - digamma(alpha + beta + n) - base_a
        kept_b = digamma(beta + n) - digamma(alpha + beta + n) - base_b
        s = survivors[-1]
        grad = np.array([[np.sum(lost * lost_a) + s * kept_a, np.sum(lost * lost_b) + s * kept_b]])
        return self._log_likelihood(params, t, lost, survivors), grad

    def survival(self, t: Any) -> Array:
        """S(t) = B(alpha, beta + t) / B(alpha, beta): share of the cohort active after t periods."""
        alpha, beta = self._params()
        tt = np.asarray(t, dtype=float)
        return np.exp(betaln(alpha, beta + tt) - betaln(alpha, beta))

    def retention(self, t: Any) -> Array:
        """r(t) = (beta + t - 1) / (alpha + beta + t - 1): retention rate in period t (eq. 8)."""
        alpha, beta = self._params()
        tt = np.asarray(t, dtype=float)
        return (beta + tt - 1) / (alpha + beta + tt - 1)

    def derl(self, discount_rate: Any, renewals: Any) -> Any:
        """DERL for this model's alpha and beta: see :func:`derl`."""
        alpha, beta = self._params()
        return derl(discount_rate, renewals, alpha=alpha, beta=beta)


@elementwise(discount_rate=POSITIVE_RATE, renewals=WHOLE)
def derl(discount_rate: Any, renewals: Any, alpha: float, beta: float) -> Any:
    """DERL(d | alpha, beta, n - 1 renewals), Fader & Hardie (2010) eq. (6):

    (beta + n - 1) / (alpha + beta + n - 1) 2F1(1, beta + n; alpha + beta + n; 1 / (1 + d)),

    the discounted expected number of further periods of a subscriber who has renewed n - 1
    times, valued just before the next renewal decision (so the first term is that renewal's
    probability).
    """
    n = renewals + 1
    return (
        (beta + n - 1)
        / (alpha + beta + n - 1)
        * hyp2f1(1, beta + n, alpha + beta + n, 1 / (1 + discount_rate))
    )
