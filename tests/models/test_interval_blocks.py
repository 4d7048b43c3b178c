"""Intervals for more customers than fit in memory at once (issue 33: 200,000 customers x 500
draws, refused before): the customers are taken in blocks, and the answer is the one a single
block gives."""

import numpy as np
import pytest

from clv_xl.excel import udfs
from clv_xl.models import intervals
from tests.helpers.data import cdnow_summary


@pytest.fixture(scope="module")
def cdnow():
    s = cdnow_summary()
    return [[[float(v)] for v in s[c]] for c in ("x", "t_x", "T", "zbar")]


@pytest.mark.parametrize("quantity", ["purchases", "p_alive", "value"])
def test_blocks_give_the_single_block_answer(cdnow, monkeypatch, quantity):
    x, tx, big_t, m = cdnow
    fit = udfs.CLV_FIT("BG/NBD", x, tx, big_t)
    spend = udfs.CLV_FIT_SPEND(x, m)
    args = (fit, quantity, 12 if quantity == "value" else 39, x, tx, big_t, 0.9, 200)
    more = (spend, m) if quantity == "value" else ()
    whole = udfs.CLV_INTERVAL(*args, *more)
    intervals._cache.clear()
    monkeypatch.setattr(intervals, "MAX_VALUES", 200 * 97)  # 20 blocks of 118 customers
    blocked = udfs.CLV_INTERVAL(*args, *more)
    assert len(blocked) == len(whole) == len(x) + 2
    assert [r[0] for r in whole] == [r[0] for r in blocked]
    # per customer the same draws and order statistics (to the last bit but for BLAS's blocking
    # of a matrix product in lifetime value); totals summed block by block
    rows = np.array([r[1:] for r in whole[1:]], dtype=float)
    np.testing.assert_allclose(
        np.array([r[1:] for r in blocked[1:]], dtype=float), rows, rtol=1e-12
    )


@pytest.mark.parametrize("name", ["BG/NBD", "MBG/NBD"])
def test_a_forecast_on_pairs_found_once_is_the_forecast(cdnow, name):
    """A bootstrap finds the customers' (x, T) pairs once for all its draws: every draw's
    forecast is the one that evaluates each customer's 2F1 itself, to the last bits (the pairs'
    2F1s come from the grid of their x and T values, :meth:`Pairs.hyp2f1`)."""
    from clv_xl.models import model_class
    from clv_xl.models.intervals import parameter_draws
    from clv_xl.models.repeat_buying import Pairs

    x, tx, big_t = (np.ravel(c) for c in cdnow[:3])
    fitted = model_class(name)().fit(x, tx, big_t)
    pairs = Pairs.of(x, big_t)
    assert pairs.x.size < x.size / 2  # CDNOW: 2,357 customers, far fewer pairs
    on_grid = 0
    for params in parameter_draws(fitted, fitted.cov_log_, 20):
        one = fitted.with_params(params)
        plain = one.expected_purchases(39.0, x, tx, big_t)
        np.testing.assert_allclose(
            one.expected_purchases(39.0, x, tx, big_t, pairs=pairs), plain, rtol=1e-12, atol=0
        )
        r, alpha, a, b = one._params()
        z = 39.0 / (alpha + pairs.T_values + 39.0)
        on_grid += pairs.hyp2f1(a + b - one.shift - r, a - 1, a + b - one.shift, z) is not None
    assert on_grid == 20


@pytest.mark.parametrize(
    ("customers", "draws", "width"),
    [
        (8_804, 500, 8_804),  # a short tail (804 after 8,000) joins the block
        (10_000, 500, 10_000),  # a quarter over: still one block
        (10_001, 500, 5_001),  # more: two equal blocks
        (100_000, 500, 10_000),
        (2_357, 200, 2_357),
        (5, 10_000_000, 1),  # more draws than values a block: one customer at a time
    ],
)
def test_blocks_are_equal_and_at_most_a_quarter_over_the_budget(customers, draws, width):
    assert intervals.block_width(customers, draws) == width
    budget = max(1, intervals.MAX_VALUES // draws)
    assert width <= budget * 1.25


@pytest.mark.parametrize("name", ["BG/NBD", "MBG/NBD"])
def test_a_run_of_draws_at_once_is_each_draw_s_forecast(cdnow, name):
    """A model holding 20 draws at once (intervals.stacked_draws) forecasts a row per draw, each the
    draw's own forecast to the last bits (the draws' 2F1s from one grid)."""
    from clv_xl.models import model_class
    from clv_xl.models.intervals import parameter_draws
    from clv_xl.models.repeat_buying import Pairs

    x, tx, big_t = (np.ravel(c) for c in cdnow[:3])
    fitted = model_class(name)().fit(x, tx, big_t)
    pairs = Pairs.of(x, big_t)
    points = parameter_draws(fitted, fitted.cov_log_, 20)
    rows = intervals.stacked_draws(fitted, points).expected_purchases(
        39.0, x, tx, big_t, pairs=pairs
    )
    assert rows.shape == (20, x.size)
    for params, row in zip(points, rows, strict=True):
        alone = fitted.with_params(params).expected_purchases(39.0, x, tx, big_t, pairs=pairs)
        np.testing.assert_allclose(row, alone, rtol=1e-13, atol=0)


@pytest.mark.parametrize("blocks", [False, True])
def test_an_interval_by_runs_of_draws_is_the_interval_draw_by_draw(cdnow, monkeypatch, blocks):
    from clv_xl.models import model_class

    x, tx, big_t = (np.ravel(c) for c in cdnow[:3])
    fitted = model_class("BG/NBD")().fit(x, tx, big_t)
    if blocks:
        monkeypatch.setattr(intervals, "MAX_VALUES", 200 * 500)  # 2,357 customers: 5 blocks
    order = np.lexsort((big_t, x))
    found = {}

    def predict(model, part=slice(None)):
        from clv_xl.models.repeat_buying import Pairs

        return model.expected_purchases(
            39.0, x[part], tx[part], big_t[part], pairs=Pairs.of(x[part], big_t[part])
        )

    for stacked in (False, True):
        intervals._cache.clear()
        found[stacked] = intervals.bootstrap_interval(
            fitted, fitted.cov_log_, predict, 0.9, 200, order=order, stacked=stacked
        )
    for one, other in zip(found[False], found[True], strict=True):
        np.testing.assert_allclose(one, other, rtol=1e-12)
