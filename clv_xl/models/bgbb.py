"""BG/BB: the beta-geometric/beta-Bernoulli model of Fader, Hardie & Shang (2010).

Fader, P. S., Hardie, B. G. S. & Shang, J. (2010), "Customer-Base Analysis in a Discrete-Time
Noncontractual Setting", Marketing Science 29(6), 1086-1108. Customers have n discrete
opportunities to buy (yearly donation drives, say); x of them were taken, the last at t_x.
Equation numbers are the paper's.
"""

from __future__ import annotations

from typing import Any, Self

import numpy as np
from scipy.special import betaln, digamma, gammaln

from clv_xl.errors import FitError, InputError
from clv_xl.models.base import Array, BaseModel, prediction
from clv_xl.models.grouped import distinct_rows
from clv_xl.models.validation import as_column, first_problem, rule_messages, same_length

MAX_OPPORTUNITIES = 10_000


class BGBB(BaseModel):
    """BG/BB: discrete opportunities to buy; purchase probability ~ beta(alpha, beta), drop-out
    probability ~ beta(gamma, delta).

    The data are (frequency, recency, opportunities): repeat transactions, the last opportunity with
    one, and the opportunities after the first (a yearly donation drive, say).

    Examples
    --------
    >>> import csv
    >>> from importlib import resources
    >>> text = resources.files("clv_xl.datasets").joinpath("donations.csv").read_text()
    >>> rows = [[float(v) for v in r.values()] for r in csv.DictReader(text.splitlines())]
    >>> x, tx, n, w = zip(*rows)
    >>> model = BGBB().fit(x, tx, n, w)
    >>> [round(model.params_[k], 3) for k in ("alpha", "beta", "gamma", "delta")]
    [1.204, 0.75, 0.657, 2.783]

    References
    ----------
    Fader, P. S., Hardie, B. G. S. & Shang, J. (2010), "Customer-Base Analysis in a Discrete-Time
    Noncontractual Setting", Marketing Science 29(6), 1086-1108: the likelihood eq. (5), P(alive)
    eq. (11), the conditional expectation eq. (13); the donations data are the paper's Table 1.
    """

    name = "BG/BB"
    role = "purchase"
    param_names = ("alpha", "beta", "gamma", "delta")
    data_names = ("frequency", "recency", "opportunities")
    dropout_params = ("gamma", "delta")

    def fit(self, frequency: Any, recency: Any, n: Any, weights: Any = None) -> Self:
        """Fit to x purchases, last at t_x, out of n opportunities (weights: customers per row)."""
        x = as_column("frequency", frequency, integer=True)
        tx = as_column("recency", recency, integer=True)
        big_n = as_column("T", n, lo=1, integer=True)
        self._check(x, tx, big_n)
        w = np.ones_like(x) if weights is None else as_column("weights", weights)
        same_length(frequency=x, recency=tx, T=big_n, weights=w)
        self._check(x, tx, big_n)
        if w.sum() < 2:
            raise FitError(f"BG/BB needs at least 2 customers to fit; got {w.sum():g}")
        if not np.any((x > 0) & (w > 0)):
            raise FitError("BG/BB cannot be fitted: nobody made a purchase after the first")
        rows, counts = distinct_rows(x, tx, big_n, weights=w)
        return self._maximise(rows, counts)

    @staticmethod
    def row_problems(x: Array, tx: Array, n: Array) -> Array:
        """Per customer: "" or what is inconsistent in (x, t_x, n)."""
        whole = lambda v: np.isfinite(v) & (v >= 0) & (np.floor(v) == v)  # noqa: E731
        return rule_messages(
            np.shape(x),
            [
                (
                    ~whole(x) | ~whole(tx) | ~whole(n),
                    "frequency, recency and T must be whole numbers >= 0",
                ),
                (x > tx, "frequency is above recency; expected frequency <= recency"),
                (tx > n, "recency is above T; expected recency <= T (the opportunities)"),
                ((x == 0) & (tx > 0), "recency must be 0 when frequency is 0"),
            ],
        )

    @classmethod
    def _check(cls, x: Array, tx: Array, n: Array) -> None:
        if np.size(n) and np.nanmax(n) > MAX_OPPORTUNITIES:
            raise InputError(
                "T",
                float(np.nanmax(n)),
                f"at most {MAX_OPPORTUNITIES:,} opportunities (BG/BB is for a few discrete "
                "occasions, such as yearly drives; use BG/NBD for continuous time)",
            )
        first_problem(cls.row_problems(x, tx, n), x, tx, n)

    def _log_likelihood(self, params: Array, x: Array, tx: Array, n: Array) -> Array:
        """Eq. (5): ln L = ln[B(a+x, b+n-x)/B(a,b) B(g, d+n)/B(g,d) + sum_i ...]."""
        return self._value_and_gradient(params, x, tx, n, gradient=False)[0]

    def _value_and_gradient(
        self, params: Array, x: Array, tx: Array, n: Array, gradient: bool = True
    ) -> tuple[Array, Array]:
        """ln L per row (eq. 5) and d ln L / d (alpha, beta, gamma, delta) per row: ln L is the
        log of a sum of beta-function terms, so its gradient is the terms' gradients (digamma
        functions) weighted by each term's share of L."""
        alpha, beta, gamma, delta = params
        base = betaln(alpha, beta) + betaln(gamma, delta)
        alive = betaln(alpha + x, beta + n - x) + betaln(gamma, delta + n) - base
        span = (n - tx).astype(int)
        width = int(span.max()) if span.size else 0
        i = np.arange(width)[None, :]
        mask = i < span[:, None]
        xi, txi = x[:, None], tx[:, None]
        terms = betaln(alpha + xi, beta + txi - xi + i) + betaln(gamma + 1, delta + txi + i) - base
        terms = np.where(mask, terms, -np.inf)
        top = np.max(np.maximum(terms, alive[:, None]), axis=1) if width else alive
        total = np.exp(alive - top) + np.exp(terms - top[:, None]).sum(axis=1)
        ll = top + np.log(total)
        if not gradient:
            return ll, np.empty((ll.size, 0))
        share_alive = np.exp(alive - ll)  # each term's share of L
        share = np.exp(terms - ll[:, None])
        d_ab = digamma(alpha + beta)
        d_gd = digamma(gamma + delta)
        base_grad = [
            digamma(alpha) - d_ab,
            digamma(beta) - d_ab,
            digamma(gamma) - d_gd,
            digamma(delta) - d_gd,
        ]
        # d/d(alpha, beta, gamma, delta) of the alive term (per row) and of each term i
        alive_grad = [
            digamma(alpha + x) - digamma(alpha + beta + n),
            digamma(beta + n - x) - digamma(alpha + beta + n),
            digamma(gamma) - digamma(gamma + delta + n),
            digamma(delta + n) - digamma(gamma + delta + n),
        ]
        ab_i = digamma(alpha + beta + txi + i)
        gd_i = digamma(gamma + delta + txi + i + 1)
        term_grad = [
            digamma(alpha + xi) - ab_i,
            digamma(beta + txi - xi + i) - ab_i,
            digamma(gamma + 1) - gd_i,
            digamma(delta + txi + i) - gd_i,
        ]
        columns = [
            share_alive * g_alive + np.sum(np.where(mask, share * g_term, 0.0), axis=1) - g_base
            for g_alive, g_term, g_base in zip(alive_grad, term_grad, base_grad, strict=True)
        ]
        return ll, np.column_stack(columns)

    def _data(self, frequency: Any, recency: Any, n: Any) -> tuple[Array, Array, Array]:
        x, tx, big_n = (np.atleast_1d(np.asarray(v, dtype=float)) for v in (frequency, recency, n))
        x, tx, big_n = np.broadcast_arrays(x, tx, big_n)
        self._check(x, tx, big_n)
        return x.ravel(), tx.ravel(), big_n.ravel()

    @prediction
    def p_alive(self, frequency: Any, recency: Any, n: Any, future: float = 0) -> Array:
        """P(alive at opportunity n + future | x, t_x, n), eq. (11)."""
        x, tx, big_n = self._data(frequency, recency, n)
        p = self._params()
        alpha, beta, gamma, delta = p
        log_p = (
            betaln(alpha + x, beta + big_n - x)
            - betaln(alpha, beta)
            + betaln(gamma, delta + big_n + future)
            - betaln(gamma, delta)
            - self._log_likelihood(p, x, tx, big_n)
        )
        alive = np.clip(np.exp(log_p), 0.0, 1.0)  # rounding put it at 1 + 4e-16 (issue 19)
        return np.reshape(alive, np.shape(np.broadcast(frequency, recency, n)))

    @prediction
    def expected_purchases(self, t: Any, frequency: Any, recency: Any, n: Any) -> Array:
        """E[X(n, n + t) | x, t_x, n]: purchases in the next t opportunities, eq. (13)."""
        x, tx, big_n = self._data(frequency, recency, n)
        p = self._params()
        alpha, beta, gamma, delta = p
        t = float(t)
        log_front = (
            betaln(alpha + x + 1, beta + big_n - x)
            - betaln(alpha, beta)
            + gammaln(gamma + delta)
            - gammaln(1 + delta)
            - self._log_likelihood(p, x, tx, big_n)
        )
        later = np.exp(gammaln(1 + delta + big_n) - gammaln(gamma + delta + big_n)) - np.exp(
            gammaln(1 + delta + big_n + t) - gammaln(gamma + delta + big_n + t)
        )
        result = delta / (gamma - 1) * np.exp(log_front) * later
        return np.reshape(result, np.shape(np.broadcast(frequency, recency, n)))

    @prediction
    def expected_purchases_new(self, t: Any) -> Array:
        """E[X(n)] for a new customer over n opportunities, eq. (7)."""
        n = np.asarray(t, dtype=float)
        alpha, beta, gamma, delta = self._params()
        ratio = np.exp(
            gammaln(gamma + delta)
            + gammaln(1 + delta + n)
            - gammaln(gamma + delta + n)
            - gammaln(1 + delta)
        )
        return alpha / (alpha + beta) * delta / (gamma - 1) * (1 - ratio)
