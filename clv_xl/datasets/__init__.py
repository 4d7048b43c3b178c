"""Bundled reference data; see README.md here for provenance and licence."""

from collections.abc import Iterable

import numpy as np

CHANNELS = ("web", "store", "catalog")
CHANNEL_SHARES = (0.5, 0.3, 0.2)
CHANNEL_SEED = 2005


def example_channels(customer_ids: Iterable[int]) -> list[str]:
    """An illustrative acquisition channel for CDNOW customers, who have none: customer id i
    gets the i-th of a seeded series of draws (NumPy ``default_rng(2005)``, web 50%, store 30%,
    catalog 20%), so any subset of the data gets the same channel per customer. The draw is
    independent of behaviour: a fit with it should find coefficients near 0."""
    ids = np.asarray(list(customer_ids), dtype=np.int64)
    if ids.size and ids.min() < 1:
        raise ValueError("CDNOW customer ids start at 1")
    top = int(ids.max()) if ids.size else 0
    draws = np.random.default_rng(CHANNEL_SEED).choice(len(CHANNELS), size=top, p=CHANNEL_SHARES)
    return [CHANNELS[k] for k in draws[ids - 1]]


def cdnow_summary() -> dict[str, list[list[float]]]:
    """CDNOW's 2,357 customers as Excel hands columns to a function (a list of rows each).

    The cohort of Fader, Hardie & Lee (2005) over 39 weeks: ``frequency`` (repeat purchases),
    ``recency`` and ``T`` (weeks), ``monetary_value`` (average repeat purchase, $; 0 for a
    customer with none). The examples in the CLV_ functions' docstrings use it.

    Returns
    -------
    dict of str to list of one-cell rows

    Examples
    --------
    >>> c = cdnow_summary()
    >>> len(c["frequency"]), c["frequency"][0], c["T"][0]
    (2357, [2.0], [38.86])
    """
    import csv
    from importlib import resources

    text = resources.files(__name__).joinpath("cdnow_customers_summary_with_transactions.csv")
    rows = list(csv.DictReader(text.read_text().splitlines()))
    names = {"frequency": "x", "recency": "t_x", "T": "T", "monetary_value": "zbar"}
    return {name: [[float(r[key])] for r in rows] for name, key in names.items()}
