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

import numpy as np

Array = np.ndarray
MOST_TERMS = 256
"""Terms beyond this (z close to 1): SciPy's function instead."""
TAIL = 1e-17
"""The series stops where the bound on all the terms left is below this (each sum is at least
1/2, so the relative error of stopping is below 2e-17)."""


def grid(a: float, b: float, c: Array, z: Array, budget: float = np.inf) -> Array | None:
    """2F1(a, b; c[i]; z[j]) for every i and j (a ``c.size`` by ``z.size`` array), or None
    where the power series does not suit (see the module's docstring) or would take more than
    ``budget`` cells times terms."""
    c, z = np.asarray(c, dtype=float), np.asarray(z, dtype=float)
    if not (c.size and z.size and np.isfinite(a) and np.isfinite(b)):
        return None
    low, high = float(c.min()), float(z.max())
    if not (0 <= a < low and b > -1 and np.isfinite(c.max()) and z.min() >= 0 and high < 1):
        return None
    terms = term_count(a, b, low, high)
    if terms is None or c.size * z.size * terms > budget:
        return None
    j = np.arange(terms - 1, dtype=float)
    coefficients = np.ones((c.size, terms))
    np.cumprod((a + j) * (b + j) / (j + 1) / (c[:, None] + j), axis=1, out=coefficients[:, 1:])
    values = coefficients @ powers(z, terms)
    if b < 0 and not values.min() >= 0.5:  # 1 minus nearly 1: the digits cancel
        return None
    return values


def term_count(a: float, b: float, c: float, z: float) -> int | None:
    """Terms t_0 ... t_{K-1} that leave every tail below :data:`TAIL`, for the smallest c and
    the largest z (whose terms bound the others'); None beyond :data:`MOST_TERMS`. The ratio
    |t_{k+1} / t_k| = z (a + k) / (c + k) |b + k| / (k + 1), with (a + k) / (c + k) < 1, is
    below z (b + K) / (K + 1) for every k >= K when b >= 1 and below z when b < 1, so the tail
    from t_K on is at most |t_K| / (1 - that)."""
    k = np.arange(MOST_TERMS, dtype=float)
    ratio = z * (a + k) * np.abs(b + k) / ((c + k) * (k + 1))
    with np.errstate(under="ignore"):
        size = np.cumprod(ratio)  # size[K - 1] bounds |t_K|
    after = z * np.maximum(1.0, (b + k + 1) / (k + 2))  # bounds the ratios from t_K on
    with np.errstate(divide="ignore"):
        tail = np.where(after < 1, size / np.maximum(1 - after, 1e-300), np.inf)
    settled = np.flatnonzero(tail < TAIL)
    return int(settled[0]) + 1 if settled.size else None


def powers(z: Array, terms: int) -> Array:
    """z^k for k below ``terms`` (rows) and each z (columns), by doubling: each power is a
    product of at most log2(terms) factors."""
    out = np.empty((terms, z.size))
    out[0] = 1.0
    if terms > 1:
        out[1] = z
    done = 2
    while done < terms:
        step = min(done, terms - done)
        np.multiply(out[:step], out[done - 1] * z, out=out[done : done + step])
        done += step
    return out


__all__ = ["grid", "powers", "term_count"]
