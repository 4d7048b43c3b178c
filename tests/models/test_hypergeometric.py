"""2F1 on a grid of c and z values (a bootstrap's forecasts): against the series summed term by
term in 40-digit decimals, against SciPy, and None wherever the series does not suit."""

from decimal import Decimal, localcontext

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.special import hyp2f1

from clv_xl.models import hypergeometric
from clv_xl.models.hypergeometric import grid, powers, term_count


def exact(a: float, b: float, c: float, z: float) -> float:
    """The power series in 40-digit decimals, term by term, until a term is below 1e-30."""
    with localcontext() as ctx:
        ctx.prec = 40
        a_, b_, c_, z_ = (Decimal(v) for v in (a, b, c, z))
        term, total, k = Decimal(1), Decimal(1), 0
        while abs(term) > Decimal("1e-30") or k < 5:
            term *= (a_ + k) * (b_ + k) / ((c_ + k) * (k + 1)) * z_
            total += term
            k += 1
        return float(total)


parameters = st.tuples(
    st.floats(0.0, 40.0),  # a
    st.floats(-0.99, 6.0),  # b
    st.floats(0.01, 5.0),  # c - a, the smallest c
    st.floats(0.0, 0.9),  # the largest z
)


@settings(max_examples=60, deadline=None)
@given(parameters)
def test_every_value_is_the_series_to_the_last_digits(p):
    a, b, gap, top = p
    c = a + gap + np.array([0.0, 1.0, 7.0, 40.0])
    z = np.array([0.0, top / 3, top / 2, top])
    found = grid(a, b, c, z)
    if found is None:  # only where the sum cancels or needs too many terms
        assert b < 0 or term_count(a, b, c.min(), top) is None
        return
    want = np.array([[exact(a, b, ci, zj) for zj in z] for ci in c])
    np.testing.assert_allclose(found, want, rtol=4e-15)
    np.testing.assert_allclose(found, hyp2f1(a, b, c[:, None], z[None, :]), rtol=2e-14)


def test_a_bootstraps_grid_as_scipy_gives_it():
    """BG/NBD's forecast at 52 weeks for customers of 26-78 weeks: 74 x values by 365 ages."""
    a, b = 8.0, 0.21
    c = a + 1.39 + np.arange(74.0)
    z = 52.0 / (4.76 + np.linspace(26.0, 78.0, 365) + 52.0)
    np.testing.assert_allclose(
        grid(a, b, c, z), hyp2f1(a, b, c[:, None], z[None, :]), rtol=1e-14, atol=0
    )


@pytest.mark.parametrize(
    ("a", "b", "c", "z", "why"),
    [
        (-0.5, 1.0, [2.0], [0.5], "a < 0: terms of both signs"),
        (2.0, 1.0, [1.5], [0.5], "c <= a"),
        (1.0, -1.0, [2.0], [0.5], "b <= -1"),
        (1.0, 0.5, [2.0], [0.99], "z near 1: too many terms"),
        (1.0, 0.5, [2.0], [1.0], "z = 1"),
        (1.0, 0.5, [2.0], [-0.1], "z < 0"),
        (np.nan, 0.5, [2.0], [0.5], "a NaN"),
        (1.0, 0.5, [np.inf], [0.5], "c infinite"),
        (1.0, 0.5, [2.0], [np.nan], "z NaN"),
        (1.0, 0.5, [], [0.5], "no c"),
        (30.0, -0.9, [30.5], [0.9], "1 minus nearly 1"),
    ],
)
def test_none_where_the_series_does_not_suit(a, b, c, z, why):
    assert grid(a, b, np.array(c), np.array(z)) is None, why


def test_none_beyond_the_budget_of_cells_and_terms():
    c, z = np.arange(1.0, 11.0), np.linspace(0.1, 0.5, 20)
    terms = term_count(0.5, 0.5, 1.0, 0.5)
    assert grid(0.5, 0.5, c, z, budget=200 * terms) is not None
    assert grid(0.5, 0.5, c, z, budget=200 * terms - 1) is None


def test_the_terms_counted_leave_a_tail_below_the_bound():
    for a, b, c, z in [(8.0, 0.2, 9.4, 0.63), (0.5, 5.0, 0.6, 0.6), (20.0, -0.5, 21.0, 0.7)]:
        k = term_count(a, b, c, z)
        assert k is not None and k <= hypergeometric.MOST_TERMS
        ratios = [(a + j) * (b + j) / ((c + j) * (j + 1)) * z for j in range(2000)]
        tails = np.abs(np.cumsum(np.cumprod([1.0, *ratios])[::-1])[::-1])  # from t_k on
        needed = int(np.argmax(tails < hypergeometric.TAIL))
        assert needed <= k <= needed + 25  # enough, and not many more


def test_powers_are_the_powers():
    z = np.array([0.0, 0.3, 0.77, 0.999])
    for terms in (1, 2, 3, 7, 64, 97):
        np.testing.assert_allclose(
            powers(z, terms), z[None, :] ** np.arange(terms)[:, None], rtol=1e-14
        )
