"""Gamma-Gamma spend model: Fader, Hardie & Lee (2005), and Hardie's note 025.

Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005), "RFM and CLV: Using Iso-Value Curves for
Customer Base Analysis", Journal of Marketing Research 42(4), 415-430; Fader & Hardie (2013),
"The Gamma-Gamma Model of Monetary Value". A customer's x repeat purchases average m-bar; spend
per purchase is gamma(p, nu) with nu ~ gamma(q, gamma) across customers.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Self

import numpy as np
from scipy.special import digamma, gammaln

from clv_xl.errors import FitError, InputError
from clv_xl.models.base import Array, BaseModel, prediction
from clv_xl.models.grouped import Grouped, distinct_rows, per_value, plain
from clv_xl.models.validation import as_column, same_length


class GammaGamma(BaseModel):
    """Gamma-Gamma: the value of a customer's repeat purchases (p, q, gamma).

    Each transaction's value is gamma(p, nu) with nu ~ gamma(q, gamma) per customer, independent of
    the purchase process; it is fitted to customers with at least one repeat purchase.

    Examples
    --------
    >>> from clv_xl.datasets import cdnow_summary
    >>> import numpy as np
    >>> c = cdnow_summary()
    >>> x, m = np.ravel(c["frequency"]), np.ravel(c["monetary_value"])
    >>> model = GammaGamma().fit(x[x > 0], m[x > 0])
    >>> [round(model.params_[k], 2) for k in ("p", "q")]  # the note: 6.25, 3.74, 15.44
    [6.25, 3.74]

    References
    ----------
    Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005), "RFM and CLV: Using Iso-Value Curves for
    Customer Base Analysis", Journal of Marketing Research 42(4), 415-430; Fader & Hardie (2013),
    "The Gamma-Gamma Model of Monetary Value" (note 025): the density of the average eq. (3).
    """

    name = "Gamma-Gamma"
    role = "spend"
    param_names = ("p", "q", "gamma")
    data_names = ("frequency", "monetary_value")

    def fit(self, frequency: Any, monetary_value: Any, weights: Any = None) -> Self:
        """Fit to repeat customers (frequency > 0); others are left out as the model requires."""
        x = as_column("frequency", frequency, integer=True)
        m = as_column("monetary_value", monetary_value)
        w = np.ones_like(x) if weights is None else as_column("weights", weights)
        same_length(frequency=x, monetary_value=m, weights=w)
        use = (x > 0) & (w > 0)
        if np.any(use & (m <= 0)):
            i = int(np.argmax(use & (m <= 0)))
            raise InputError(
                "monetary_value",
                float(m[i]),
                "an average spend > 0 for customers with repeat purchases",
                position=(i + 1,),
            )
        if w[use].sum() < 2:
            raise FitError(
                "Gamma-Gamma needs at least 2 customers with repeat purchases to fit; "
                f"got {w[use].sum():g}"
            )
        rows, counts = distinct_rows(x[use], m[use], weights=w[use])
        return self._maximise(rows, counts)

    groups_columns = True  # functions of the frequency are evaluated per distinct value

    def _log_likelihood(self, params: Array, x: Array | Grouped, m: Array) -> Array:
        """Note 025, eq. (3): the density of m-bar given x, integrated over nu."""
        p, q, gamma = params
        xs = plain(x)
        px = p * xs
        log_xm = np.log(xs * m + gamma)
        constant = per_value(x, lambda v: gammaln(p * v + q) - gammaln(p * v) + p * v * np.log(v))
        return constant - gammaln(q) + q * np.log(gamma) + (px - 1) * np.log(m) - (px + q) * log_xm

    def _value_and_gradient(
        self, params: Array, x: Array | Grouped, m: Array
    ) -> tuple[Array, Array]:
        """ln f per row and d ln f / d (p, q, gamma) per row."""
        p, q, gamma = params
        xs = plain(x)
        px = p * xs
        log_m, log_xm = np.log(m), np.log(xs * m + gamma)
        constant = per_value(x, lambda v: gammaln(p * v + q) - gammaln(p * v) + p * v * np.log(v))
        ll = constant - gammaln(q) + q * np.log(gamma) + (px - 1) * log_m - (px + q) * log_xm
        shared = per_value(x, lambda v: digamma(p * v + q))
        d_p = xs * (shared - per_value(x, lambda v: digamma(p * v) - np.log(v)) + log_m - log_xm)
        d_q = shared - digamma(q) + np.log(gamma) - log_xm
        d_gamma = q / gamma - (px + q) / (xs * m + gamma)
        return ll, np.column_stack([d_p, d_q, d_gamma])

    def _totals(
        self, x: Array | Grouped, m: Array, weights: Array
    ) -> Callable[[Array], tuple[float, Array]]:
        """The weighted total of ln f and of its gradient, from sums taken once: ln f is linear
        in everything but ln(x m + gamma), so an evaluation is one logarithm, one division and
        four dot products over the customers (and special functions per distinct x)."""
        grouped = x if isinstance(x, Grouped) else Grouped(np.asarray(x))
        v = grouped.values
        w_v = np.bincount(grouped.inverse, weights=weights, minlength=v.size)  # weight per x
        xs = plain(x)
        w, wx, xm = weights, weights * xs, xs * m
        total = float(w.sum())
        log_m = np.log(m)
        wx_log_m, w_log_m = float(wx @ log_m), float(w @ log_m)
        log_v = np.log(v)

        def totals(params: Array) -> tuple[float, Array]:
            p, q, gamma = params
            t = xm + gamma
            log_t = np.log(t)
            inv_t = 1.0 / t
            wx_log_t, w_log_t = float(wx @ log_t), float(w @ log_t)
            constant = gammaln(p * v + q) - gammaln(p * v) + p * v * log_v
            ll = (
                w_v @ constant
                + total * (q * np.log(gamma) - gammaln(q))
                + p * wx_log_m
                - w_log_m
                - p * wx_log_t
                - q * w_log_t
            )
            shared = digamma(p * v + q)
            d_p = (w_v * v) @ (shared - digamma(p * v) + log_v) + wx_log_m - wx_log_t
            d_q = w_v @ shared + total * (np.log(gamma) - digamma(q)) - w_log_t
            d_gamma = total * q / gamma - p * float(wx @ inv_t) - q * float(w @ inv_t)
            return float(ll), np.array([d_p, d_q, d_gamma])

        return totals

    @prediction
    def expected_spend(self, frequency: Any, monetary_value: Any) -> Array:
        """E[M | x, m-bar] (note 025, eq. 5): a weighted mean of the customer's average and the
        population mean p gamma / (q - 1); frequency 0 gives the population mean."""
        p, q, gamma = self._params()
        x = np.asarray(frequency, dtype=float)
        m = np.asarray(monetary_value, dtype=float)
        if np.any(x < 0) or np.any(~np.isfinite(x)):
            raise InputError("frequency", float(np.min(x)), "numbers >= 0")
        if np.any(~np.isfinite(m)):
            raise InputError("monetary_value", "a non-finite value", "numbers")
        if q <= 1:
            raise InputError("spend params q", q, "q > 1 (otherwise the mean spend is infinite)")
        weight = p * x / (p * x + q - 1)
        return (1 - weight) * (p * gamma / (q - 1)) + weight * m
