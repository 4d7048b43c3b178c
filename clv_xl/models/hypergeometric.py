"""Gauss's hypergeometric function 2F1(a, b; c; z) on a grid of c and z values, as one matrix
product of its power series: for the many forecasts of a bootstrap's draws, where c varies with
a customer's frequency and z with the customer's age, and a customer base has few of each.

The series is sum_k t_k with t_k = (a)_k (b)_k / ((c)_k k!) z^k. For 0 <= a < c, -1 < b
and 0 <= z < 1, every term after the first has the sign of b, and |t_k| falls as c grows
and rises with z: the terms of the smallest c and the largest z bound all others, and fix how
many terms every value needs. So the coefficients (c rows by k columns) times the powers of z
(k rows by z columns) give the whole grid, each value with its tail below 1e-17. Where this
does not hold (a < 0, c <= a, b <= -1, z near 1, a sum cancelling below 1/2), :func:`grid` answers
None and the caller takes SciPy's ``hyp2f1`` value by value.
"""

from __future__ import annotations

from typing import Any

import numpy as np

Array = np.ndarray
MOST_TERMS = 256
"""Terms beyond this (z close to 1): SciPy's function instead."""
TAIL = 1e-17
"""The series stops where the bound on all the terms left is below this (each sum is at least
1/2, so the relative error of stopping is below 2e-17)."""


def grid(a: Any, b: Any, c: Array, z: Array, budget: float = np.inf) -> Array | None:
    """2F1(a, b; c[i]; z[j]) for every i and j (a ``c.size`` by ``z.size`` array), or None
    where the power series does not suit (see the module's docstring) or would take more than
    ``budget`` cells times terms. With ``a`` and ``b`` arrays (a bootstrap's draws), ``c``
    and ``z`` have a row per draw, and so has the answer (draws by c by z); None if the series
    does not suit any one draw."""
    single = np.ndim(a) == 0
    a, b = np.asarray(a, dtype=float).reshape(-1), np.asarray(b, dtype=float).reshape(-1)
    c, z = (np.atleast_2d(np.asarray(v, dtype=float)) for v in (c, z))
    if not (c.size and z.size and np.isfinite(a).all() and np.isfinite(b).all()):
        return None
    low, high = c.min(axis=1), z.max(axis=1)
    if not (np.all((0 <= a) & (a < low) & (b > -1) & (high < 1)) and z.min() >= 0):
        return None
    terms = term_count(a, b, low, high) if np.isfinite(c).all() else None
    if terms is None or a.size * c.shape[1] * z.shape[1] * terms > budget:
        return None
    j = np.arange(terms - 1, dtype=float)
    coefficients = np.ones((a.size, c.shape[1], terms))
    rising = (a[:, None] + j) * (b[:, None] + j) / (j + 1)  # draws x terms
    np.cumprod(rising[:, None, :] / (c[:, :, None] + j), axis=2, out=coefficients[:, :, 1:])
    values = coefficients @ powers(z, terms)
    if np.any(b < 0) and not values[b < 0].min() >= 0.5:  # 1 minus nearly 1: digits cancel
        return None
    return values[0] if single else values


def term_count(a: Any, b: Any, c: Any, z: Any) -> int | None:
    """Terms t_0 ... t_{K-1} that leave every tail below :data:`TAIL`, for the smallest c and
    the largest z (whose terms bound the others'; per draw where they are arrays, the most
    any draw needs); None beyond :data:`MOST_TERMS`. The ratio
    |t_{k+1} / t_k| = z (a + k) / (c + k) |b + k| / (k + 1), with (a + k) / (c + k) < 1, is
    below z (b + K) / (K + 1) for every k >= K when b >= 1 and below z when b < 1, so the tail
    from t_K on is at most |t_K| / (1 - that)."""
    a, b, c, z = (np.asarray(v, dtype=float).reshape(-1, 1) for v in (a, b, c, z))
    k = np.arange(MOST_TERMS, dtype=float)
    ratio = z * (a + k) * np.abs(b + k) / ((c + k) * (k + 1))
    with np.errstate(under="ignore"):
        size = np.cumprod(ratio, axis=1)  # size[K - 1] bounds |t_K|
    after = z * np.maximum(1.0, (b + k + 1) / (k + 2))  # bounds the ratios from t_K on
    with np.errstate(divide="ignore"):
        tail = np.where(after < 1, size / np.maximum(1 - after, 1e-300), np.inf)
    settled = tail < TAIL
    if not settled.any(axis=1).all():
        return None
    return int(settled.argmax(axis=1).max()) + 1


def powers(z: Array, terms: int) -> Array:
    """z^k for k below ``terms`` (rows) and each z (columns), by doubling: each power is a
    product of at most 2 log2(terms) factors. A 2-D ``z`` (a row per draw) gives a row of
    such tables per draw."""
    out = np.empty((*z.shape[:-1], terms, z.shape[-1]))
    out[..., 0, :] = 1.0
    if terms > 1:
        out[..., 1, :] = z
    done = 2
    while done < terms:
        step = min(done, terms - done)
        factor = (out[..., done - 1, :] * z)[..., None, :]
        np.multiply(out[..., :step, :], factor, out=out[..., done : done + step, :])
        done += step
    return out


__all__ = ["grid", "powers", "term_count"]
