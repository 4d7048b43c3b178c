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

from clv_xl.core import wording
from clv_xl.errors import InputError
from clv_xl.models import catalog
from clv_xl.models.base import Array
from clv_xl.models.repeat_buying import RepeatBuyingModel, check_customers


def purchase_probability(model: RepeatBuyingModel, n: Any, t: Any, frequency: Any = None,
                         recency: Any = None, T: Any = None) -> Array:  # fmt: skip
    """P(exactly n purchases in the next t periods): for a new customer, or per customer with a
    history (frequency, recency, T)."""
    counts = np.asarray(n, dtype=float)
    if np.any(~np.isfinite(counts) | (counts < 0) | (np.floor(counts) != counts)):
        raise InputError("purchases", float(counts.ravel()[0]), wording.PURCHASES)
    if np.any(counts > 10_000):
        raise InputError("purchases", float(counts.max()), "at most 10,000 purchases")
    horizon = np.asarray(t, dtype=float)
    if np.any(~np.isfinite(horizon) | (horizon < 0)):
        raise InputError("horizon", float(horizon.ravel()[0]), wording.HORIZON)
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
