"""Customer tiers from values (seed 003's "CLV groupings"), best first."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from clv_xl.errors import InputError

FloatArray = np.ndarray
MAX_TIERS = 10_000


def tier_numbers(values: FloatArray, tiers: int | Sequence[float] = 4) -> FloatArray:
    """Tier number (1 = best) for each finite value; NaN values get tier 0 (no tier).

    Parameters
    ----------
    values : array of customer values (any shape). NaN marks "no value" (a blank).
    tiers : a count k: customers ranked by value, highest first, split into k groups of
        near-equal size (rank-based quantiles). Or an increasing sequence of cumulative value
        shares such as (0.5, 0.8, 0.95): ABC analysis, where the customers who make the first 50%
        of total value are tier 1, the next 30% tier 2, and so on (len(shares) + 1 tiers).

    Equal values always share a tier: each customer takes the tier of the first of its ties.

    Examples
    --------
    >>> tier_numbers([10, 5, 1, 7], 2).tolist()
    [1.0, 2.0, 2.0, 1.0]
    """
    values = np.asarray(values, dtype=float)
    flat = values.ravel()
    valid = np.isfinite(flat)
    out = np.zeros(flat.shape, dtype=float)
    v = flat[valid]
    n = v.size
    if n == 0:
        return out.reshape(values.shape)
    order = np.argsort(-v, kind="stable")
    sorted_v = v[order]
    # first position (0-based) of each value's tie group in the sorted order
    first = np.searchsorted(-sorted_v, -sorted_v, side="left")
    if np.ndim(tiers) == 0:
        count = float(tiers)  # type: ignore[arg-type]
        if not (np.isfinite(count) and 1 <= count <= MAX_TIERS and count.is_integer()):
            raise InputError(
                "tiers",
                tiers,
                f"a whole number of tiers from 1 to {MAX_TIERS:,}, or a range of shares",
            )
        k = int(count)
        tier_sorted = np.floor(first * k / n) + 1.0
    else:
        shares = np.asarray(tiers, dtype=float)
        if shares.size == 0 or not (
            np.all(np.isfinite(shares))
            and np.all((shares > 0) & (shares < 1))
            and np.all(np.diff(shares) > 0)
        ):
            raise InputError(
                "tiers", list(shares), "increasing cumulative shares between 0 and 1, e.g. 0.5, 0.8"
            )
        if np.any(v < 0):
            raise InputError(
                "values", float(v.min()), "values >= 0 for shares of total value (ABC tiers)"
            )
        total = v.sum()
        if total <= 0:
            raise InputError("values", float(total), "a positive total for shares of total value")
        share_before = (np.cumsum(sorted_v) - sorted_v) / total
        tier_sorted = np.searchsorted(shares, share_before[first], side="right") + 1.0
    tier_valid = np.empty(n)
    tier_valid[order] = tier_sorted
    out[valid] = tier_valid
    return out.reshape(values.shape)


def tier_count(tiers: int | Sequence[float]) -> int:
    """How many tiers a ``tiers`` argument makes."""
    return int(tiers) if np.ndim(tiers) == 0 else len(tiers) + 1  # type: ignore[arg-type]


def segment(
    values: FloatArray,
    tiers: int | Sequence[float] = 4,
    labels: Sequence[str] | None = None,
) -> np.ndarray:
    """Tier label for each value, same shape; blanks (NaN) get ''. Labels default to 'Tier 1'..

    Parameters
    ----------
    values : array
        Customer values (NaN for a blank).
    tiers : int or sequence of float, default 4
        A number of equal-size tiers, or cumulative shares of total value (0.5, 0.8, 0.95:
        ABC tiers) at which each tier ends.
    labels : sequence of str, optional
        One name per tier, best first.

    Returns
    -------
    array of str

    Examples
    --------
    >>> segment([10, 5, 1, 7], 2).tolist()
    ['Tier 1', 'Tier 2', 'Tier 2', 'Tier 1']
    """
    numbers = tier_numbers(values, tiers)
    count = tier_count(tiers)
    if labels is None:
        names = [f"Tier {i}" for i in range(1, count + 1)]
    else:
        names = [str(x) for x in labels]
        if len(names) != count:
            raise InputError(
                "labels",
                f"{len(names)} labels",
                f"{count} labels, one per tier (tiers gives {count})",
            )
    lookup = np.array(["", *names], dtype=object)
    return lookup[numbers.astype(int).ravel()].reshape(numbers.shape)
