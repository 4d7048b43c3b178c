"""P(n purchases): the distribution of the number of purchases in the next t periods.

- A new customer (unconditional), Fader, Hardie & Lee (2005), eq. (8) for BG/NBD; the same
  derivation for MBG/NBD (Batislam, Denizel & Filiztekin 2007), where drop-out may also happen at
  the first purchase; for Pareto/NBD, the NBD count up to the drop-out time integrated over its
  Pareto (II) distribution (Fader & Hardie's note on P(X(t) = x) under the Pareto/NBD gives the
  same in closed form).
- A customer with a history (x, t_x, T), Fader & Hardie's notes on the conditional
  distributions: with probability 1 - P(alive) no purchase; otherwise the new-customer
  distribution of the same model with the posterior parameters of a customer alive at T:
  BG/NBD (r + x, alpha + T, a, b + x), Pareto/NBD (r + x, alpha + T, s, beta + T).
  MBG/NBD has no such result at hand: asking for it is one line saying so.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.special import betaln, gammaln

from clv_xl.errors import InputError
from clv_xl.models import catalog
from clv_xl.models.base import Array
from clv_xl.models.repeat_buying import RepeatBuyingModel, check_customers

GAUSS_POINTS = 64


def _nbd(n: Array, r: Array, alpha: Array, t: Array) -> Array:
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


def _nbd_below(n: Array, r: Array, alpha: Array, t: Array) -> Array:
    """P(NBD count < n), by summing the terms j = 0 .. n - 1."""
    top = int(np.max(n)) if np.size(n) else 0
    total = np.zeros(np.broadcast(n, r, alpha, t).shape)
    for j in range(top):
        total = total + np.where(j < n, _nbd(np.full(total.shape, float(j)), r, alpha, t), 0.0)
    return total


def beta_geometric_pmf(n: Any, t: Any, r: Any, alpha: Any, a: Any, b: Any, shift: int) -> Array:
    """P(X(t) = n) of a new customer; ``shift`` 1 for BG/NBD, 0 for MBG/NBD."""
    alive = np.exp(betaln(a, b + n + 1 - shift) - betaln(a, b))
    died = np.exp(betaln(a + 1, b + n - shift) - betaln(a, b))
    tail = 1.0 - _nbd_below(n, r, alpha, t)
    can_die = n >= shift  # BG/NBD: no drop-out before the first repeat purchase
    return alive * _nbd(n, r, alpha, t) + np.where(can_die, died * tail, 0.0)


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
    counts = _nbd(n.ravel()[:, None], r.ravel()[:, None], alpha.ravel()[:, None], tau)
    integral = (s_ * np.exp(-s_ * u) * counts) @ weights * top.ravel() / 2
    stay = (beta.ravel() / (beta.ravel() + t.ravel())) ** s.ravel()
    whole = stay * _nbd(n.ravel(), r.ravel(), alpha.ravel(), t.ravel()) + integral
    return whole.reshape(n.shape)


def purchase_probability(
    model: RepeatBuyingModel,
    n: Any,
    t: Any,
    frequency: Any = None,
    recency: Any = None,
    T: Any = None,
) -> Array:
    """P(exactly n purchases in the next t periods): for a new customer, or per customer with a
    history (frequency, recency, T)."""
    counts = np.asarray(n, dtype=float)
    if np.any(~np.isfinite(counts) | (counts < 0) | (np.floor(counts) != counts)):
        raise InputError("purchases", float(counts.ravel()[0]), "a whole number of purchases >= 0")
    if np.any(counts > 10_000):
        raise InputError("purchases", float(counts.max()), "at most 10,000 purchases")
    horizon = np.asarray(t, dtype=float)
    if np.any(~np.isfinite(horizon) | (horizon < 0)):
        raise InputError("horizon", float(horizon.ravel()[0]), "a number of periods >= 0")
    history = frequency is not None
    if history:
        x, tx, big_t = check_customers(frequency, recency, T)
        alive = model.p_alive(x, tx, big_t)
    else:
        x = big_t = np.zeros(1)
        alive = np.ones(1)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
        if not model.purchase_counts:
            allowed = catalog.spelled(catalog.models(purchase_counts=True), quoted=False)
            raise InputError("model", model.name, allowed)
        pmf = model.count_pmf(counts, horizon, x, big_t, history)
    result = alive * pmf + (1 - alive) * (counts == 0)
    return np.clip(result, 0.0, 1.0)
