"""Pareto/NBD's hypergeometric series summed two ways (issue 33): term by term over many rows,
and many terms at once over the few rows a long tail leaves; the same numbers, bit for bit."""

import numpy as np
import pytest

from clv_xl.models import pareto_integral


@pytest.mark.parametrize("start", [0, 8, 200])
def test_terms_at_once_are_the_terms_one_by_one(start):
    rng = np.random.default_rng(start)
    c, q, z = rng.uniform(0.2, 30, 40), rng.uniform(0.5, 80, 40), rng.uniform(0.0, 0.97, 40)
    state = [
        np.ones(40) * rng.uniform(0.1, 2, 40),
        rng.uniform(0, 3, 40),
        rng.uniform(0, 5, (4, 40)),
    ]
    loop = [v.copy() for v in state]
    pareto_integral._terms_one_by_one(c, q, z, *loop, start=start, count=64)
    once = [v.copy() for v in state]
    pareto_integral._terms_at_once(c, q, z, *once, start=start, count=64)
    for a, b in zip(loop, once, strict=True):
        assert np.array_equal(a, b)


def test_rows_leave_the_sum_when_settled_and_keep_their_sums():
    """Rows needing a few terms and rows needing hundreds, summed together, give what each
    summed alone gives."""
    rng = np.random.default_rng(1)
    z = np.sort(rng.uniform(0, 0.9, 300))[::-1].copy()
    c, q = rng.uniform(0.3, 20, 300), rng.uniform(0.5, 20, 300)
    together, done = pareto_integral._series_rows(c, q, z)
    assert done.all()
    for i in (0, 5, 150, 299):
        alone, _ = pareto_integral._series_rows(c[i : i + 1], q[i : i + 1], z[i : i + 1])
        np.testing.assert_array_equal(together[:, i], alone[:, 0])
