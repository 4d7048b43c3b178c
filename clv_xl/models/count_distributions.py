"""P(X(t) = n) of a new customer, in closed form or by quadrature (the formulas behind
:mod:`clv_xl.models.counts`; each model's ``count_pmf`` calls the one of its family).

Fader, Hardie & Lee (2005), eq. (8) for BG/NBD; the same derivation for MBG/NBD; for Pareto/NBD
the NBD count up to the drop-out time integrated over its Pareto (II) distribution.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.special import betaln, gammaln

Array = np.ndarray

GAUSS_POINTS = 64


def nbd_pmf(n: Array, r: Array, alpha: Array, t: Array) -> Array:
    """NBD probability of n purchases in t: Gamma(r + n)/(Gamma(r) n!) p^r (1-p)^n."""
    with np.errstate(divide="ignore", invalid="ignore"):
        log = (
            gammaln(r + n)
            - gammaln(r)
            - gammaln(n + 1)
            + r * (np.log(alpha) - np.log(alpha + t))
            + n * (np.log(t) - np.log(alpha + t))
        )
        return np.where(t > 0, np.exp(log), np.where(n == 0, 1.0, 0.0))


def nbd_below(n: Array, r: Array, alpha: Array, t: Array) -> Array:
    """P(NBD count < n), by summing the terms j = 0 .. n - 1."""
    top = int(np.max(n)) if np.size(n) else 0
    total = np.zeros(np.broadcast(n, r, alpha, t).shape)
    for j in range(top):
        total = total + np.where(j < n, nbd_pmf(np.full(total.shape, float(j)), r, alpha, t), 0.0)
    return total


def beta_geometric_pmf(n: Any, t: Any, r: Any, alpha: Any, a: Any, b: Any, shift: int) -> Array:
    """P(X(t) = n) of a new customer; ``shift`` 1 for BG/NBD, 0 for MBG/NBD."""
    alive = np.exp(betaln(a, b + n + 1 - shift) - betaln(a, b))
    died = np.exp(betaln(a + 1, b + n - shift) - betaln(a, b))
    tail = 1.0 - nbd_below(n, r, alpha, t)
    can_die = n >= shift  # BG/NBD: no drop-out before the first repeat purchase
    return alive * nbd_pmf(n, r, alpha, t) + np.where(can_die, died * tail, 0.0)


def pareto_pmf(n: Any, t: Any, r: Any, alpha: Any, s: Any, beta: Any) -> Array:
    """P(X(t) = n) of a new customer under the Pareto/NBD: alive throughout with probability
    (beta/(beta+t))^s, else dead at tau with the Pareto (II) density s/beta (beta/(beta+tau))^(s+1),
    having made an NBD count up to tau; the integral by Gauss-Legendre in u = ln(1 + tau/beta),
    where the density is s e^(-s u) (agrees with lifetimes' closed form to 1e-12)."""
    n, t, r, alpha, s, beta = np.broadcast_arrays(
        *(np.asarray(v, dtype=float) for v in (n, t, r, alpha, s, beta))
    )
    # u = ln(1 + tau / beta): the drop-out density becomes s e^(-s u), smooth on [0, ln(1 + t/beta)]
    nodes, weights = np.polynomial.legendre.leggauss(GAUSS_POINTS)
    b_, s_ = beta.ravel()[:, None], s.ravel()[:, None]
    top = np.log1p(t.ravel() / beta.ravel())[:, None]
    u = (nodes[None, :] + 1) / 2 * top
    tau = b_ * np.expm1(u)
    counts = nbd_pmf(n.ravel()[:, None], r.ravel()[:, None], alpha.ravel()[:, None], tau)
    integral = (s_ * np.exp(-s_ * u) * counts) @ weights * top.ravel() / 2
    stay = (beta.ravel() / (beta.ravel() + t.ravel())) ** s.ravel()
    whole = stay * nbd_pmf(n.ravel(), r.ravel(), alpha.ravel(), t.ravel()) + integral
    return whole.reshape(n.shape)
