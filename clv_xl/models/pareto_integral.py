"""The integral in Pareto/NBD's likelihood, with its derivatives: hypergeometric series summed
term by term, Gauss-Legendre nodes where the series would take too long.

The drop-out term of the likelihood (Fader & Hardie 2005, "A Note on Deriving the Pareto/NBD
Model and Related Expressions", eq. 11) is s times I = the integral from t_x to T of
(alpha + tau)^-a (beta + tau)^-b d tau, with a = r + x and b = s + 1. Its antiderivative is a
Gaussian hypergeometric function, evaluated on the side that keeps its argument below 1
(:func:`_side`); the series differentiated term by term gives the derivatives of ln I in a, b,
alpha and beta, and its second derivatives for the exact Hessian. A fit's pairs of (x, t) take
the series for every distinct x and t at once where the rates are the same for every row
(:mod:`clv_xl.models.pareto_pairs`), the rest row by row here.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy.special import hyp2f1

from clv_xl.models.pareto_pairs import Pairs, tail_settled

Array = np.ndarray


def _side(a: Array, b: Array, alpha: Array, beta: Array) -> tuple[Array, Array, Array]:
    """The larger rate, the hypergeometric parameter of its side, and |alpha - beta|: the side
    that keeps the argument |alpha - beta| / (larger + t) below 1 (A0 of the note's eq. 11 is
    r + s + x times :func:`log_integral`'s integral, for alpha >= beta and alpha < beta alike).
    alpha and beta may differ per customer (covariates): the side is then chosen per row."""
    up = np.asarray(alpha) >= np.asarray(beta)
    return np.where(up, alpha, beta), np.where(up, b, a), np.abs(np.subtract(alpha, beta))


def log_integral(a: Array, b: Array, alpha: Array, beta: Array, tx: Array, T: Array) -> Array:
    """ln of the integral from t_x to T of (alpha + tau)^-a (beta + tau)^-b d tau: with
    c = a + b - 1 its antiderivative is -(w^-c / c) 2F1(c, q; c + 1; d / w), w = larger + tau
    (:func:`_side`). The drop-out term of the likelihood is s times this integral with
    a = r + x, b = s + 1; its derivatives in alpha and beta are the same integral with a or b
    one higher."""
    big, q, d = _side(a, b, alpha, beta)
    c = a + b - 1
    p1 = hyp2f1(c, q, c + 1, d / (big + tx))
    p2 = hyp2f1(c, q, c + 1, d / (big + T))
    first = np.log(p1) - c * np.log(big + tx)
    second = np.log(p2) - c * np.log(big + T)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = first + np.log1p(-np.exp(second - first)) - np.log(c)
    lost = ~np.isfinite(out) & np.broadcast_to(np.asarray(T) > np.asarray(tx), np.shape(out))
    if np.any(lost):  # the closed form's digits are gone (s and beta far beyond T): nodes
        rows = [
            np.broadcast_to(np.asarray(v, dtype=float), np.shape(out))[lost]
            for v in (a, b, alpha, beta, tx, T)
        ]
        out = np.array(out, dtype=float)
        out[lost] = quadrature(*rows)[0]
    return out


SERIES_TERMS = 1_000  # beyond this (|alpha - beta| close to the larger rate): quadrature
CHECK_EVERY = 24  # terms summed between looks at which rows have settled (8: fit 8% slower)


def _series(c: Array, q: Array, z: Array, second: bool = False) -> tuple[Array, Array]:
    """The series of G = 2F1(c, q; c + 1; z) / c and of its derivatives, summed together:
    rows S0 = sum_k u_k / (c + k) = G, S1 = sum_k u_k / (c + k)^2 (-dG/dc),
    S2 = sum_k u_k D_k / (c + k) (dG/dq) and S3 = sum_k k u_k / (z (c + k)) (dG/dz), with
    u_k = (q)_k z^k / k! and D_k = digamma(q + k) - digamma(q); with ``second``, six more rows
    for G's second derivatives (:func:`_second_terms`). All rows at once, in falling order
    of z so that the rows still summing are always a leading slice (no copies), until each
    row's tails are below 1e-17 of its sums; ``done`` marks the rows that got there within
    SERIES_TERMS terms."""
    order = np.argsort(-z, kind="stable")
    c, q, z = c[order], q[order], z[order]
    n = c.size
    sums = np.zeros((SECOND_ROWS if second else 4, n))
    # rows whose terms fall by z a term cannot settle within SERIES_TERMS (z^k > 1e-17 there):
    # not summed at all (a leading slice, z falling), they take the fallback straight away
    with np.errstate(divide="ignore"):
        hopeless = int(np.count_nonzero(np.log(np.maximum(z, 1e-300)) * SERIES_TERMS > -39.0))
    done = np.zeros(n, dtype=bool)
    sums[:, hopeless:], done[hopeless:] = _series_rows(
        c[hopeless:], q[hopeless:], z[hopeless:], second
    )
    out = np.empty(sums.shape)
    out[:, order] = sums
    settled_rows = np.empty(n, dtype=bool)
    settled_rows[order] = done
    return out, settled_rows


def _series_rows(c: Array, q: Array, z: Array, second: bool = False) -> tuple[Array, Array]:
    """The sums of :func:`_series` for rows sorted by falling z (in that order). Each row sums
    until its tail is below 1e-17 of its sums (checked every few terms); the rows still summing
    are kept together, so the work follows them (a row with a large q or z needs hundreds of
    terms, most need a few dozen). The first four rows are the same with or without
    ``second``, bit for bit: the second derivatives' sums only ride along."""
    n = c.size
    height = SECOND_ROWS if second else 4
    sums = np.zeros((height, n))
    done = np.zeros(n, dtype=bool)
    rows = np.arange(n)  # the rows still summing, and their state
    c, q, z = c.copy(), q.copy(), z.copy()
    u, digs, squares, part = np.ones(n), np.zeros(n), np.zeros(n), np.zeros((height, n))
    start = 0
    while start < SERIES_TERMS and rows.size:
        if rows.size > TAIL_ROWS:
            count = min(CHECK_EVERY, SERIES_TERMS - start)
            if second:  # before the first sums move u and digs on
                _second_terms(c, q, z, u, digs, squares, part[4:], start, count)
            _terms_one_by_one(c, q, z, u, digs, part[:4], start, count)
        else:  # a few rows with many terms to go: terms at once, not row-sized NumPy calls
            count = min(TAIL_TERMS, SERIES_TERMS - start)
            if second:
                _second_terms(c, q, z, u, digs, squares, part[4:], start, count, at_once=True)
            _terms_at_once(c, q, z, u, digs, part[:4], start, count)
        k = start = start + count  # the next term's index
        done_now = tail_settled(c, q, z, u, digs, k, part[0], part[3])
        if done_now.any():
            sums[:, rows[done_now]], done[rows[done_now]] = part[:, done_now], True
            going = ~done_now
            rows, c, q, z, u, digs, squares = (v[going] for v in (rows, c, q, z, u, digs, squares))
            part = part[:, going]
    sums[:, rows] = part  # rows past SERIES_TERMS: not done
    return sums, done


TAIL_ROWS = 64  # rows still summing at most this many: their terms are taken TAIL_TERMS at once
TAIL_TERMS = 64


def _terms_one_by_one(
    c: Array, q: Array, z: Array, u: Array, dig: Array, sums: Array, start: int, count: int
) -> None:
    """Terms ``start`` .. ``start + count - 1`` added to ``sums`` (S0..S3, in place); ``u``
    (the term's (q)_k z^k / k!) and ``dig`` (digamma(q + k) - digamma(q)) move on with them.
    Terms past a row's tail add nothing."""
    s0, s1, s2, s3 = sums
    for k in range(start, start + count):
        ck = c + k
        term = u / ck
        s0 += term
        s1 += term / ck
        s2 += term * dig
        qk = q + k
        s3 += u * qk / (ck + 1)  # the (k+1)-th term of S3
        dig += 1.0 / qk
        u *= qk * z / (k + 1)


def _terms_at_once(
    c: Array, q: Array, z: Array, u: Array, dig: Array, sums: Array, start: int, count: int
) -> None:
    """:func:`_terms_one_by_one` as (terms x rows) arrays: the same numbers, bit for bit (the
    running products and sums are NumPy's accumulations, which go term by term as the loop)."""
    ks = np.arange(start, start + count, dtype=float)[:, None]
    ck = c + ks
    qk = q + ks
    us = np.multiply.accumulate(np.vstack([u, qk * z / (ks + 1)]), axis=0)
    digs = np.add.accumulate(np.vstack([dig, 1.0 / qk]), axis=0)
    term = us[:-1] / ck
    for i, added in enumerate((term, term / ck, term * digs[:-1], us[:-1] * qk / (ck + 1))):
        sums[i] = np.add.accumulate(np.vstack([sums[i], added]), axis=0)[-1]
    u[:], dig[:] = us[-1], digs[-1]


SECOND_ROWS = 10
"""Rows of the series with second derivatives: S0..S3, then S4..S9."""


def _second_terms(
    c: Array,
    q: Array,
    z: Array,
    u: Array,
    dig: Array,
    squares: Array,
    sums: Array,
    start: int,
    count: int,
    at_once: bool = False,
) -> None:
    """The sums for G's second derivatives, terms ``start`` .. ``start + count - 1`` added to
    ``sums`` (in place), from the state the first sums start from (``u`` and ``dig``, left as
    they are) and ``squares`` (E_k = sum_{j<k} 1/(q + j)^2, so dD_k/dq = -E_k), moved on:

    S4 = sum u_k / (c+k)^3 (G_cc / 2), S5 = sum u_k D_k / (c+k)^2 (-G_cq),
    S6 = sum u_k (D_k^2 - E_k) / (c+k) (G_qq), S7 = sum u_k (q+k) / (c+k+1)^2 (-G_cz),
    S8 = sum u_k (1 + (q+k) D_k) / (c+k+1) (G_qz), S9 = sum u_k (q+k)(q+k+1) / (c+k+2) (G_zz),

    the z-derivatives' terms taken one or two terms early, as S3's are: k u_k / z is
    (q + k - 1) u_(k-1). ``at_once``: as (terms x rows) arrays, the same numbers bit for bit
    (as :func:`_terms_at_once`), so a row's sums do not depend on the rows summed beside it."""
    if at_once:
        ks = np.arange(start, start + count, dtype=float)[:, None]
        ck, qk = c + ks, q + ks
        us = np.multiply.accumulate(np.vstack([u, qk * z / (ks + 1)]), axis=0)[:-1]
        inverse = 1.0 / qk
        digs = np.add.accumulate(np.vstack([dig, inverse]), axis=0)[:-1]
        running = np.add.accumulate(np.vstack([squares, inverse * inverse]), axis=0)
        term, c1, uq = us / ck, ck + 1, us * qk
        added = (
            term / (ck * ck),
            term * digs / ck,
            term * (digs * digs - running[:-1]),
            uq / (c1 * c1),
            (us + uq * digs) / c1,
            uq * (qk + 1) / (ck + 2),
        )
        for i, terms in enumerate(added):
            sums[i] = np.add.accumulate(np.vstack([sums[i], terms]), axis=0)[-1]
        squares[:] = running[-1]
        return
    u, dig = u.copy(), dig.copy()
    s4, s5, s6, s7, s8, s9 = sums
    for k in range(start, start + count):
        ck, qk = c + k, q + k
        term = u / ck
        s4 += term / (ck * ck)
        s5 += term * dig / ck
        s6 += term * (dig * dig - squares)
        c1, uq = ck + 1, u * qk
        s7 += uq / (c1 * c1)
        s8 += (u + uq * dig) / c1
        s9 += uq * (qk + 1) / (ck + 2)
        inverse = 1.0 / qk
        dig += inverse
        squares += inverse * inverse
        u *= qk * z / (k + 1)


def integral_and_derivatives(
    a: Array, b: Array, alpha: Array, beta: Array, tx: Array, T: Array, pairs: Pairs | None = None
) -> tuple[Array, Array]:
    """:func:`log_integral` and its derivatives in a, b, alpha and beta (rows of the second
    array), from the hypergeometric series differentiated term by term: the antiderivative at
    t_x and at T, both scaled by (larger + t_x)^c so nothing overflows. Rows whose series would
    need more than SERIES_TERMS terms take Gauss-Legendre nodes (:func:`quadrature`). With a
    fit's ``pairs`` (alpha and beta the same for every row), each series is summed once per
    pair."""
    value, grads, _ = _integral(a, b, alpha, beta, tx, T, pairs, second=False)
    return value, grads


def integral_with_hessian(
    a: Array, b: Array, alpha: Array, beta: Array, tx: Array, T: Array, pairs: Pairs | None = None
) -> tuple[Array, Array, Array]:
    """:func:`integral_and_derivatives` (the same numbers, bit for bit) and the Hessian of ln I
    in (a, b, alpha, beta): its upper triangle in the rows of a (10, n) array, in the order of
    :data:`UPPER`. From the series' second derivatives (:func:`_end_derivatives`): with
    H = w^-c G at each end, I = H(t_x) - H(T) and d2 ln I = [d2 H(t_x) - d2 H(T)] / I minus the
    product of the first derivatives of ln I."""
    value, grads, hess = _integral(a, b, alpha, beta, tx, T, pairs, second=True)
    assert hess is not None
    return value, grads, hess


UPPER = ((0, 0), (0, 1), (0, 2), (0, 3), (1, 1), (1, 2), (1, 3), (2, 2), (2, 3), (3, 3))
"""The upper triangle of a 4 x 4 Hessian, row by row."""

SWAP = (1, 0, 3, 2)
"""(a, b, alpha, beta) as the side's (P, Q, B, S) where beta > alpha (:func:`_side_to_params`)."""


def _integral(
    a: Array,
    b: Array,
    alpha: Array,
    beta: Array,
    tx: Array,
    T: Array,
    pairs: Pairs | None,
    second: bool,
) -> tuple[Array, Array, Array | None]:
    a, b, tx, T = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (a, b, tx, T)))
    big, q, d = _side(a, b, alpha, beta)
    up = np.asarray(alpha) >= np.asarray(beta)
    other = np.where(up, beta, alpha)
    c = a + b - 1
    q = np.broadcast_to(q, c.shape)
    n = c.size
    w_tx, w_t = big + tx, big + T
    if pairs is None:
        sums, done = _series(
            np.concatenate([c, c]),
            np.concatenate([q, q]),
            np.concatenate([d / w_tx, d / w_t]),
            second,
        )
        at_tx, at_t = sums[:, :n], sums[:, n:]  # S0..S3 (S9) at t_x and at T
    else:
        k, rows = pairs.at_tx.size, np.concatenate([pairs.at_tx, pairs.at_t])
        z = np.concatenate([(d / w_tx)[pairs.at_tx], (d / w_t)[pairs.at_t]])
        sums, settled = _pair_sums(c, q, z, rows, pairs, (big, d), second)
        at_tx, at_t = sums[:, :k][:, pairs.tx_inverse], sums[:, k:][:, pairs.t_inverse]
        done = np.concatenate([settled[:k][pairs.tx_inverse], settled[k:][pairs.t_inverse]])
    log_w, log_wt = np.log(w_tx), np.log(w_t)
    rho = np.exp(-c * (log_wt - log_w))  # (w_tx / w_T)^c
    with np.errstate(divide="ignore", invalid="ignore"):
        den = at_tx[0] - rho * at_t[0]
        value = np.log(den) - c * log_w
        d_c = ((-log_w * at_tx[0] - at_tx[1]) - rho * (-log_wt * at_t[0] - at_t[1])) / den
        d_q = (at_tx[2] - rho * at_t[2]) / den
        d_big = (
            (-c * at_tx[0] / w_tx + at_tx[3] * (other + tx) / w_tx**2)
            - rho * (-c * at_t[0] / w_t + at_t[3] * (other + T) / w_t**2)
        ) / den
        d_small = (-at_tx[3] / w_tx + rho * at_t[3] / w_t) / den
    d_a, d_b = np.where(up, d_c, d_c + d_q), np.where(up, d_c + d_q, d_c)
    d_alpha, d_beta = np.where(up, d_big, d_small), np.where(up, d_small, d_big)
    grads = np.vstack([d_a, d_b, d_alpha, d_beta])
    hess = None
    if second:
        with np.errstate(divide="ignore", invalid="ignore"):
            ends = (
                (at_tx[0] / den, _end_derivatives(at_tx, c, w_tx, other + tx, log_w)),
                (-rho * at_t[0] / den, _end_derivatives(at_t, c, w_t, other + T, log_wt)),
            )
            first = [sum(e * g[i] for e, (g, _) in ends) for i in range(4)]
            side = {
                (i, j): sum(e * (h[i, j] + g[i] * g[j]) for e, (g, h) in ends) - first[i] * first[j]
                for i, j in UPPER
            }
        hess = _side_to_params(side, up)
    slow = ~(done[:n] & done[n:])
    if slow.any():
        i = np.flatnonzero(slow)
        al, be = np.broadcast_to(alpha, a.shape)[i], np.broadcast_to(beta, a.shape)[i]
        value[i], grads[:, i], by_nodes = _nodes(a[i], b[i], al, be, tx[i], T[i], second)
        if hess is not None and by_nodes is not None:
            hess[:, i] = by_nodes
    return value, grads, hess


def _pair_sums(
    c: Array,
    q: Array,
    z: Array,
    rows: Array,
    pairs: Pairs,
    rates: tuple[Array, Array],
    second: bool,
) -> tuple[Array, Array]:
    """:func:`_series` for the pairs' ``rows``: from the grid of their x and t values where the
    rates are the same for every row and the grid suits (:meth:`Pairs.grid`), the pairs it
    did not settle row by row."""
    big, d = rates
    height = SECOND_ROWS if second else 4
    grid = None
    if np.ndim(big) == 0 and np.ndim(d) == 0:
        at = pairs.x_rows
        grid = pairs.grid(c[at], q[at], d / (big + pairs.t_values), height)
    if grid is None:
        return _series(c[rows], q[rows], z, second)
    sums, settled = grid
    rest = np.flatnonzero(~settled)
    if rest.size:
        sums[:, rest], settled[rest] = _series(c[rows[rest]], q[rows[rest]], z[rest], second)
    return sums, settled


def _end_derivatives(
    sums: Array, c: Array, w: Array, small_t: Array, log_w: Array
) -> tuple[list[Array], dict[tuple[int, int], Array]]:
    """ln H at one end of the integral, H = w^-c G(c, q, z), z = (B - S) / w, w = B + t: its
    gradient and Hessian (upper triangle) in the side's (P, Q, B, S), the larger rate's power,
    the smaller rate's power, the larger rate and the smaller (c = P + Q - 1, q = Q), from the
    series' sums (:func:`_series`; ``small_t`` is S + t). With g = ln G:
    d/dP = g_c - ln w, d/dQ = g_c + g_q - ln w, d/dB = g_z z_B - c/w, d/dS = g_z z_S, where
    z_B = (S + t)/w^2, z_S = -1/w, z_BB = -2(S + t)/w^3, z_BS = 1/w^2, z_SS = 0."""
    s0 = sums[0]
    gc, gq, gz = -sums[1] / s0, sums[2] / s0, sums[3] / s0
    cc = 2 * sums[4] / s0 - gc * gc
    cq = -sums[5] / s0 - gc * gq
    qq = sums[6] / s0 - gq * gq
    cz = -sums[7] / s0 - gc * gz
    qz = sums[8] / s0 - gq * gz
    zz = sums[9] / s0 - gz * gz
    z_b, z_s = small_t / w**2, -1.0 / w
    grad = [gc - log_w, gc + gq - log_w, gz * z_b - c / w, gz * z_s]
    hess = {
        (0, 0): cc,
        (0, 1): cc + cq,
        (0, 2): cz * z_b - 1.0 / w,
        (0, 3): cz * z_s,
        (1, 1): cc + 2 * cq + qq,
        (1, 2): (cz + qz) * z_b - 1.0 / w,
        (1, 3): (cz + qz) * z_s,
        (2, 2): c / w**2 + zz * z_b**2 - 2 * gz * small_t / w**3,
        (2, 3): zz * z_b * z_s + gz / w**2,
        (3, 3): zz * z_s**2,
    }
    return grad, hess


def _side_to_params(side: dict[tuple[int, int], Array], up: Array) -> Array:
    """A Hessian's upper triangle in the side's (P, Q, B, S) as rows in (a, b, alpha, beta):
    where alpha >= beta, P is a and B is alpha; else P is b and B is beta (:data:`SWAP`)."""
    rows = []
    for i, j in UPPER:
        si, sj = sorted((SWAP[i], SWAP[j]))
        rows.append(np.where(up, side[i, j], side[si, sj]))
    return np.vstack(rows)


QUADRATURE_NODES = 64
_NODES, _WEIGHTS = np.polynomial.legendre.leggauss(QUADRATURE_NODES)


def quadrature(
    a: Array, b: Array, alpha: Array, beta: Array, tx: Array, T: Array
) -> tuple[Array, Array]:
    """ln I and its gradient by nodes (:func:`_nodes`)."""
    value, grads, _ = _nodes(a, b, alpha, beta, tx, T, second=False)
    return value, grads


def _nodes(
    a: Array, b: Array, alpha: Array, beta: Array, tx: Array, T: Array, second: bool
) -> tuple[Array, Array, Array | None]:
    """:func:`integral_and_derivatives` by Gauss-Legendre, for the rows whose series would take
    too many terms: there the larger rate is far above the smaller one plus T, so its factor
    varies slowly over [t_x, T]. In v = ln((small + tau) / (small + t_x)) the smaller rate's
    power is e^(-lambda v) (lambda = power - 1) times that slow factor; where lambda is large
    the integral is taken over [0, 45 / lambda] only (what lies beyond is below e^-45 of it),
    so the nodes always see a smooth integrand. The derivatives of ln I are expectations under
    the normalized integrand (d/d power: -E[ln(rate + tau)]; d/d rate: -power E[1/(rate + tau)]);
    with ``second``, the Hessian's upper triangle too (:data:`UPPER`): the covariance of those
    derivatives of ln f under it, plus the expectation of ln f's own second derivatives
    (d2/d power d rate: -1/(rate + tau); d2/d rate^2: power/(rate + tau)^2)."""
    up = alpha >= beta  # the larger rate's side (as :func:`_side`)
    small, big = np.where(up, beta, alpha), np.where(up, alpha, beta)
    p_small, p_big = np.where(up, b, a), np.where(up, a, b)
    lam = p_small - 1.0
    top = np.log((small + T) / (small + tx))  # V
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        width = np.where(lam > 0, np.minimum(top, 45.0 / np.where(lam > 0, lam, 1.0)), top)
        v = (_NODES[:, None] + 1.0) / 2.0 * width  # nodes on [0, width], rows as columns
        tau = (small + tx) * np.exp(v) - small
        # the integrand in v relative to its value at t_x
        log_h = -lam * v - p_big * np.log1p((tau - tx) / (big + tx))
        h = np.exp(log_h) * (_WEIGHTS[:, None] * width / 2.0)
        total = h.sum(axis=0)
        value = np.log(total) - lam * np.log(small + tx) - p_big * np.log(big + tx)
        mean = lambda g: (h * g).sum(axis=0) / total  # noqa: E731
        log_small, log_big = np.log(small + tau), np.log(big + tau)
        to_small, to_big = 1.0 / (small + tau), 1.0 / (big + tau)
        d_small_pow = -mean(log_small)
        d_big_pow = -mean(log_big)
        d_small_rate = -p_small * mean(to_small)
        d_big_rate = -p_big * mean(to_big)
        side = None
        if second:  # in the side's (P, Q, B, S): ln f's derivatives, their means the gradient's
            g = [-log_big, -log_small, -p_big * to_big, -p_small * to_small]
            means = [d_big_pow, d_small_pow, d_big_rate, d_small_rate]
            own = {(0, 2): -to_big, (1, 3): -to_small, (2, 2): p_big * to_big**2}
            own[3, 3] = p_small * to_small**2
            side = _covariance(mean, g, means, own)
    d_a, d_b = np.where(up, d_big_pow, d_small_pow), np.where(up, d_small_pow, d_big_pow)
    d_alpha = np.where(up, d_big_rate, d_small_rate)
    d_beta = np.where(up, d_small_rate, d_big_rate)
    grads = np.vstack([d_a, d_b, d_alpha, d_beta])
    empty = ~(top > 0)  # t_x == T: no interval, the term is 0
    value = np.where(empty, -np.inf, value)
    hess = None if side is None else np.where(empty, 0.0, _side_to_params(side, up))
    return value, np.where(empty, 0.0, grads), hess


def _covariance(
    mean: Callable[[Array], Array],
    g: list[Array],
    means: list[Array],
    own: dict[tuple[int, int], Array],
) -> dict[tuple[int, int], Array]:
    """The Hessian of ln I from the nodes (upper triangle, :data:`UPPER`): the covariance of
    ln f's first derivatives ``g`` (with their ``means``) under the normalized integrand, plus
    the mean of ln f's ``own`` second derivatives (those not zero)."""
    centred = [gi - m for gi, m in zip(g, means, strict=True)]
    return {(i, j): mean(centred[i] * centred[j] + own.get((i, j), 0.0)) for i, j in UPPER}
