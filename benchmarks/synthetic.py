"""A seeded synthetic transaction log with realistic purchase counts, dropout and spend.

Customers arrive over a year; each buys at a gamma-distributed rate (per day) until dropping out
after a geometric number of purchases (beta-distributed dropout chance), as the BG/NBD story
goes; spend per purchase is gamma around a gamma-distributed customer mean (Gamma-Gamma). The
counts are then nudged to exactly the requested number of transactions.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

START = np.datetime64("2024-01-01")


def transaction_log(
    transactions: int = 1_000_000, customers: int = 100_000, seed: int = 42
) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    first_day = rng.integers(0, 365, customers)
    rate = rng.gamma(shape=0.9, scale=0.045, size=customers)  # purchases per day
    dropout = rng.beta(1.2, 6.0, customers)  # chance of leaving after each purchase
    lifetime_purchases = rng.geometric(dropout)
    window = 730 - first_day
    possible = 1 + rng.poisson(rate * window)
    counts = np.minimum(lifetime_purchases, possible).astype(np.int64)
    counts = _exactly(counts, transactions, rng)
    owner = np.repeat(np.arange(customers), counts)
    # purchase days: the first on first_day, later ones spread over the active window
    offsets = rng.random(owner.size) * np.minimum(
        window[owner], counts[owner] / np.maximum(rate[owner], 1e-3)
    )
    is_first = np.r_[True, owner[1:] != owner[:-1]]
    offsets[is_first] = 0.0
    days = first_day[owner] + np.floor(np.minimum(offsets, window[owner] - 1)).astype(np.int64)
    mean_spend = rng.gamma(shape=3.7, scale=15.0 / 3.7 * 6.0, size=customers) / 6.0 * 6.25 / 3.7
    amounts = np.round(rng.gamma(shape=6.25, scale=mean_spend[owner] / 6.25), 2)
    order = rng.permutation(owner.size)  # a log comes in time order, not customer order
    frame = pd.DataFrame(
        {
            "customer": owner[order] + 1,
            "date": START + days[order].astype("timedelta64[D]"),
            "amount": amounts[order],
        }
    )
    return frame.sort_values("date", kind="stable").reset_index(drop=True)


def _exactly(counts: np.ndarray, total: int, rng: np.random.Generator) -> np.ndarray:
    counts = counts.copy()
    diff = total - int(counts.sum())
    while diff != 0:
        if diff > 0:
            idx = rng.integers(0, counts.size, diff)
            np.add.at(counts, idx, 1)
        else:
            candidates = np.flatnonzero(counts > 1)
            idx = rng.choice(candidates, min(-diff, candidates.size), replace=False)
            counts[idx] -= 1
        diff = total - int(counts.sum())
    return counts
