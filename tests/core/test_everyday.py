"""The everyday formulas of clv_xl.core, against the source articles' worked examples."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from clv_xl import core
from clv_xl.errors import InputError


def test_mary_the_dry_cleaner_seed_000():
    # Seed 000: $8 for slacks, then $20 for clothes and blouses: worth $28 so far,
    # average sale $14 x 2 purchases = $28.
    visits = np.array([8.0, 20.0])
    assert visits.sum() == 28.0
    assert core.value(visits.mean(), len(visits)) == 28.0


def test_headroom_examples_seeds_001_002():
    assert core.headroom(10000, 199) == 9801  # seed 001: the $199 free installation
    assert core.headroom(500, 50) == 450  # seed 002: $50 to win a $500 customer is sensible
    assert core.headroom(20, 50) == -30  # ... to win a $20 one is not
    assert core.headroom(3000, 100, 3) == 900  # the 3:1 LTV:CAC rule


def test_profit_with_costs_to_serve_and_retain():
    # 10 purchases of $50 at 40% margin, $5 delivery each, $30 of retention mailings
    assert core.profit(50, 10, 0.4, 5, 30) == pytest.approx(10 * (20 - 5) - 30)
    assert core.profit(50, 10, 0.4) == pytest.approx(200)


@pytest.mark.parametrize(
    ("timing", "expected"),
    [("retained", 266.67), ("end", 333.33), ("start", 366.67)],
)
def test_retention_three_timings_note_024(timing, expected):
    # Fader & Hardie note 024 conventions; worked check m=100, r=0.8, d=0.1 from issue 2.
    assert core.retention_value(100, 0.8, 0.1, timing=timing) == pytest.approx(expected, abs=0.005)


@pytest.mark.parametrize("timing", core.TIMINGS)
def test_finite_horizon_is_the_partial_sum_and_approaches_infinite(timing):
    m, r, d = 100.0, 0.8, 0.1
    first = {"retained": 1, "end": 1, "start": 0}[timing]
    power = {"retained": 0, "end": 1, "start": 0}[timing]
    for n in (1, 2, 5, 10):
        ts = np.arange(first, first + n)
        series = (
            m * r ** (ts - power) / (1 + d) ** ts
            if timing != "retained"
            else m * r**ts / (1 + d) ** ts
        )
        assert core.retention_value(m, r, d, n, timing) == pytest.approx(series.sum())
    values = [core.retention_value(m, r, d, n, timing) for n in (1, 10, 100, 1000)]
    assert values == sorted(values)
    assert values[-1] == pytest.approx(core.retention_value(m, r, d, timing=timing))


def test_retention_without_discount_and_full_retention_has_no_end():
    assert math.isinf(core.retention_value(100, 1.0, 0.0))
    assert core.retention_value(100, 1.0, 0.0, 12) == pytest.approx(1200)


def test_lifespan_counts_the_first_period():
    assert core.lifespan(0.2) == pytest.approx(5)
    assert core.lifespan(1.0) == 1


def test_payback_simple_and_discounted():
    assert core.payback(100, 25) == pytest.approx(4)
    assert core.payback(0, 25) == 0
    # r=0.8, d=0.1: cumulative 22.73, 39.26, 51.28 -> crosses 50 in period 3
    c1 = 25 / 1.1
    c2 = c1 + 25 * 0.8 / 1.1**2
    step3 = 25 * 0.8**2 / 1.1**3
    assert core.payback(50, 25, 0.8, 0.1) == pytest.approx(2 + (50 - c2) / step3)
    assert math.isinf(core.payback(100, 25, 0.8, 0.1))  # 83.33 at most: never
    assert math.isinf(core.payback(100, 0))


def test_ratio():
    assert core.ratio(500, 50) == 10
    assert math.isinf(core.ratio(500, 0))


def test_broadcasting_keeps_shape():
    out = core.value([[8.0], [20.0]], 1)
    assert out.shape == (2, 1)
    assert out.tolist() == [[8.0], [20.0]]


@pytest.mark.parametrize(
    ("call", "argument"),
    [
        (lambda: core.retention_value(100, 1.5, 0.1), "retention_rate"),
        (lambda: core.retention_value(100, 0.8, -0.1), "discount_rate"),
        (lambda: core.retention_value(100, 0.8, 0.1, 2.5), "periods"),
        (lambda: core.lifespan(0), "churn_rate"),
        (lambda: core.value(None, 2), "avg_purchase"),
        (lambda: core.value("abc", 2), "avg_purchase"),
        (lambda: core.value(10, -1), "expected_purchases"),
        (lambda: core.profit(10, 1, 40), "margin"),
        (lambda: core.headroom(10, 1, 0), "target_ratio"),
        (lambda: core.value(True, 1), "avg_purchase"),
    ],
)
def test_bad_inputs_name_the_argument(call, argument):
    with pytest.raises(InputError) as info:
        call()
    assert info.value.argument == argument
    assert str(info.value).startswith(argument)
    assert "\n" not in str(info.value)


def test_timing_is_checked():
    with pytest.raises(InputError, match="timing"):
        core.retention_value(100, 0.8, 0.1, timing="middle")
    assert core.retention_value(100, 0.8, 0.1, timing=" End ") == pytest.approx(333.333, abs=1e-3)


rates = st.floats(0, 0.99)
discounts = st.floats(0, 1)
margins = st.floats(0, 1e6)


@given(margins, rates, rates, discounts)
def test_retention_monotone_in_retention_rate(m, r1, r2, d):
    lo, hi = sorted((r1, r2))
    for timing in core.TIMINGS:
        assert (
            core.retention_value(m, lo, d, timing=timing)
            <= core.retention_value(m, hi, d, timing=timing) * (1 + 1e-12) + 1e-9
        )


@given(margins, rates, discounts, st.integers(0, 200))
def test_finite_below_infinite_and_ordered_by_timing(m, r, d, n):
    for timing in core.TIMINGS:
        assert (
            core.retention_value(m, r, d, n, timing)
            <= core.retention_value(m, r, d, timing=timing) * (1 + 1e-12) + 1e-9
        )
    retained, end, start = (core.retention_value(m, r, d, timing=t) for t in core.TIMINGS)
    assert retained <= end * (1 + 1e-12) + 1e-9 <= start * (1 + 1e-12) + 2e-9


@given(st.lists(st.floats(-1e6, 1e6), min_size=1, max_size=30), st.integers(1, 6))
def test_segment_shape_and_order(values, k):
    tiers = core.tier_numbers(np.array(values), k)
    assert tiers.shape == (len(values),)
    assert set(tiers.tolist()) <= set(range(1, k + 1))
    order = np.argsort(values)
    # higher value never gets a worse (larger) tier number
    assert np.all(np.diff(tiers[order]) <= 0)


def test_segment_equal_sizes_ties_and_blanks():
    labels = core.segment([10, 5, 5, 1, np.nan, 3, 8, 2], 4)
    assert labels.tolist() == [
        "Tier 1",
        "Tier 2",
        "Tier 2",
        "Tier 4",
        "",
        "Tier 3",
        "Tier 1",
        "Tier 3",
    ]


def test_segment_abc_shares():
    # 70 makes the first 50% of value; 10 and 10 take it past 80%; 5 to 95%; the rest after.
    labels = core.segment([70, 10, 10, 5, 3, 2], [0.5, 0.8, 0.95], ["A", "B", "C", "D"])
    assert labels.tolist() == ["A", "B", "B", "C", "D", "D"]
    with pytest.raises(InputError, match="labels"):
        core.segment([1, 2], 3, ["A"])
    with pytest.raises(InputError, match="tiers"):
        core.segment([1, 2], [0.8, 0.5])
