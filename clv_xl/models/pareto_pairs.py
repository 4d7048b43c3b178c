"""A Pareto/NBD fit's distinct (x, t) pairs, and the integral's series summed for all of them at
once where that suits.

The series at t_x depends on a row only through (x, t_x), the one at T through (x, T): each is
summed once per pair (:class:`Pairs`). And where alpha and beta are the same for every row (a
fit without covariates), a pair's series depends on x through c and q alone, and on t through
z alone: the sums of :func:`pareto_integral._series` are then, for every distinct x and t, a
matrix of coefficients (x by term) times the powers of z (term by t) (:func:`grid_sums`). Each
cell's own tail bound says whether its terms settled within the grid's. The pairs whose cell did
not (t near 0, z near 1: hundreds of terms) take a second grid of their own few x and t values
with more terms, and any left after that are summed row by row as before.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from clv_xl.models.grouped import distinct_index
from clv_xl.models.hypergeometric import powers

Array = np.ndarray
MOST_TERMS = 256
"""Terms of the first grid at most (enough for the cells up to the 75th percentile of z);
pairs that need more take a second grid."""
MOST_TERMS_AFTER = 1024
"""Terms of the second grid at most (the row-by-row sums stop at 1,000 too); pairs that need
more are summed row by row, and past that take nodes."""
CELLS_PER_PAIR = 50
"""Cells of a grid allowed per pair it serves: a term costs a pair summed row by row about
25 ns, a cell of the grid a few tenths of a nanosecond (its matrix product)."""
MOST_CELLS = 1_000_000
"""Cells of a grid at most (8 MB a sum)."""
MOST_POWERS = 4_000_000
"""Terms times z values of a grid at most (its powers of z: 32 MB)."""


class Pairs(NamedTuple):
    """A fit's distinct (x, t_x) and (x, T) pairs, taken once; and the distinct x and t values
    of the pairs (the tx pairs' then the T pairs'), each pair's cell in the grid of them."""

    at_tx: Array
    """A row of each distinct (x, t_x)."""
    tx_inverse: Array
    """Each row's (x, t_x) pair: an index into ``at_tx``."""
    at_t: Array
    """A row of each distinct (x, T)."""
    t_inverse: Array
    """Each row's (x, T) pair: an index into ``at_t``."""
    x_rows: Array
    """A row of each distinct x (where c and q are read)."""
    t_values: Array
    """The distinct t values of the pairs, t_x's and T's together."""
    cells: Array
    """Each pair's cell (x index times the number of t values, plus its t index)."""

    @classmethod
    def of(cls, x: Array, tx: Array, T: Array) -> Pairs:
        at_tx, tx_inverse = distinct_index(x, tx)
        at_t, t_inverse = distinct_index(x, T)
        rows = np.concatenate([at_tx, at_t])
        _, x_rows, x_at = np.unique(x[rows], return_index=True, return_inverse=True)
        t_values, t_at = np.unique(np.concatenate([tx[at_tx], T[at_t]]), return_inverse=True)
        cells = x_at * t_values.size + t_at
        return cls(at_tx, tx_inverse, at_t, t_inverse, rows[x_rows], t_values, cells)

    def grid(self, c: Array, q: Array, z: Array, height: int) -> tuple[Array, Array] | None:
        """The first ``height`` sums per pair (the tx pairs' then the T pairs') from the grid of
        c and q (per row of ``x_rows``) and z (per ``t_values``), and which pairs settled there;
        None where the grid would cost more than summing the pairs row by row. The pairs that
        need more terms than most (t near 0: z near 1) take a second grid of their own x and t
        values, with up to :data:`MOST_TERMS_AFTER` terms."""
        width = self.t_values.size
        terms = _terms_wanted(q, z)
        if not _worth(self.x_rows.size, width, terms, self.cells.size):
            return None
        found, settled = grid_sums(c, q, z, terms, height)
        sums = found.reshape(height, -1)[:, self.cells]
        settled = settled.ravel()[self.cells]
        rest = np.flatnonzero(~settled)
        if rest.size:  # the second grid: the rest's own rows and columns
            x_at, t_at = np.divmod(self.cells[rest], width)
            xs, x_in = np.unique(x_at, return_inverse=True)
            ts, t_in = np.unique(t_at, return_inverse=True)
            if _worth(xs.size, ts.size, MOST_TERMS_AFTER, rest.size):
                found, done = grid_sums(c[xs], q[xs], z[ts], MOST_TERMS_AFTER, height)
                cell = x_in * ts.size + t_in
                sums[:, rest] = found.reshape(height, -1)[:, cell]
                settled[rest] = done.ravel()[cell]
        return sums, settled


def _worth(rows: int, columns: int, terms: int, pairs: int) -> bool:
    """Whether a grid of ``rows`` x values by ``columns`` t values pays for ``pairs``."""
    cells = rows * columns
    return cells <= min(MOST_CELLS, CELLS_PER_PAIR * pairs) and terms * columns <= MOST_POWERS


def _terms_wanted(q: Array, z: Array) -> int:
    """Terms for the first grid: enough for the cells up to the 75th percentile of z (a term's
    size peaks near k = q z / (1 - z), then falls by about z a term), in steps of 32, at most
    :data:`MOST_TERMS` (the 50th, 90th or 100th percentile: slower fits)."""
    if not z.size or not 0 <= float(np.max(z)) < 1:
        return MOST_TERMS
    middle = float(np.quantile(z, 0.75))
    falling = 39.0 / -np.log(max(middle, 1e-300))
    peak = float(np.max(q)) * middle / (1 - middle)
    wanted = 32 * int(np.ceil((peak + falling + 8) / 32))
    return int(min(max(wanted, 32), MOST_TERMS))


def grid_sums(c: Array, q: Array, z: Array, terms: int, height: int = 4) -> tuple[Array, Array]:
    """:func:`pareto_integral._series`' first ``height`` sums (4, or 10 with the second
    derivatives') for every (c[i], q[i]) and z[j] (height x c.size x z.size), summed over
    ``terms`` terms, and whether each cell's tail from there on is below 1e-17 of its sums
    (:func:`tail_settled`, the bound a row summed term by term takes too). With u_k = (q)_k z^k / k!,
    D_k = digamma(q + k) - digamma(q) and E_k = sum_{j<k} 1/(q + j)^2, the terms of each sum
    (its docstring's) are u_k times a coefficient of c, q and k alone."""
    k = np.arange(terms, dtype=float)
    qk, ck = q[:, None] + k, c[:, None] + k
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        rising = np.ones((c.size, terms))  # (q)_k / k!
        np.cumprod(qk[:, :-1] / (k[:-1] + 1), axis=1, out=rising[:, 1:])
        inverse_q = 1.0 / qk
        digs = np.zeros((c.size, terms))
        np.cumsum(inverse_q[:, :-1], axis=1, out=digs[:, 1:])
        term, c1 = rising / ck, ck + 1
        coefficients = [term, term / ck, term * digs, rising * qk / c1]
        if height > 4:
            squares = np.zeros((c.size, terms))
            np.cumsum(inverse_q[:, :-1] ** 2, axis=1, out=squares[:, 1:])
            uq = rising * qk
            coefficients += [
                term / (ck * ck),
                term * digs / ck,
                term * (digs * digs - squares),
                uq / (c1 * c1),
                (rising + uq * digs) / c1,
                uq * (qk + 1) / (ck + 2),
            ]
        power = powers(z, terms)
        sums = (np.stack(coefficients).reshape(-1, terms) @ power).reshape(-1, c.size, z.size)
        u = np.outer(rising[:, -1] * qk[:, -1] / terms, power[-1] * z)  # u_K
        dig = digs[:, -1] + inverse_q[:, -1]
        done = tail_settled(c[:, None], q[:, None], z, u, dig[:, None], terms, sums[0], sums[3])
    return sums, done


def tail_settled(
    c: Array, q: Array, z: Array, u: Array, digs: Array, k: int, first: Array, third: Array
) -> Array:
    """Whether sums of the series (:func:`pareto_integral._series`) taken up to term ``k``
    have settled: the terms from k on shrink at least by ``fall`` a term (from their ratio
    (q + k) z / (k + 1) and z), so the tails of S0..S2 are at most u_k (1 + D_k) / (c + k) /
    (1 - fall) and S3's u_k (q + k) / (c + k + 1) / (1 - fall), each below 1e-17 of its sum
    (``first``, ``third``). ``u`` and ``digs`` are u_k and D_k. A row summed term by term and
    a grid's cell alike."""
    ratio = (q + k) * z / (k + 1)
    fall = np.maximum(ratio, z) * (k + 2) / (k + 1)  # the terms shrink at least this fast
    room = np.maximum(1.0 - fall, 1e-300)
    with np.errstate(over="ignore"):  # no room yet: an infinite bound, not settled
        bound = u * (1.0 + digs) / (c + k) / room
        bound3 = u * (q + k) / (c + k + 1) / room
    return (bound <= 1e-17 * first) & (bound3 <= 1e-17 * third) & (fall < 1)


__all__ = ["Pairs", "grid_sums", "tail_settled"]
