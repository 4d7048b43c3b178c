"""Pareto/NBD's series for every distinct x and t at once (issue 33): each settled cell is the
row-by-row sum to the last bits, a cell that needs more terms says so, and every pair finds
its own cell."""

import numpy as np
import pytest

from clv_xl.models import pareto_integral
from clv_xl.models.pareto_pairs import Pairs, grid_sums


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_every_settled_cell_is_the_row_s_sums(seed):
    rng = np.random.default_rng(seed)
    q = np.sort(rng.uniform(0.05, 30.0, 12))
    c = q + rng.uniform(0.2, 4.0, 12)
    z = np.sort(rng.uniform(0.0, 0.9, 40))
    sums, settled = grid_sums(c, q, z, 128, 10)
    rows_c, rows_q, rows_z = (v.ravel() for v in np.broadcast_arrays(c[:, None], q[:, None], z))
    by_rows, done = pareto_integral._series(rows_c, rows_q, rows_z, second=True)
    settled = settled.ravel()
    assert settled.mean() > 0.5 and not settled.all()  # both kinds of cell
    assert done[settled].all()
    np.testing.assert_allclose(sums.reshape(10, -1)[:, settled], by_rows[:, settled], rtol=1e-13)


def test_a_cell_that_needs_more_terms_is_not_settled():
    _, settled = grid_sums(np.array([1.5]), np.array([0.5]), np.array([0.2, 0.99]), 64)
    assert settled.tolist() == [[True, False]]


def test_the_first_sums_are_the_same_with_the_second():
    c, q, z = np.array([1.2, 3.4]), np.array([0.7, 2.9]), np.array([0.1, 0.5, 0.7])
    np.testing.assert_array_equal(grid_sums(c, q, z, 96, 10)[0][:4], grid_sums(c, q, z, 96)[0])


def test_every_pair_finds_its_cell():
    rng = np.random.default_rng(3)
    x = rng.integers(0, 9, 300).astype(float)
    big_t = rng.integers(20, 40, 300).astype(float)
    tx = np.floor(big_t * rng.uniform(0, 1, 300)) * (x > 0)
    pairs = Pairs.of(x, tx, big_t)
    rows = np.concatenate([pairs.at_tx, pairs.at_t])
    t = np.concatenate([tx[pairs.at_tx], big_t[pairs.at_t]])
    width = pairs.t_values.size
    np.testing.assert_array_equal(x[pairs.x_rows][pairs.cells // width], x[rows])
    np.testing.assert_array_equal(pairs.t_values[pairs.cells % width], t)


def test_pairs_near_z_1_take_the_second_grid():
    """The 100,000-row book's case: alpha far below beta, so z = (beta - alpha) / (beta + t)
    is near 1 for t near 0; every pair settles, the stragglers in the second grid, and each
    pair's sums are the row-by-row sums."""
    rng = np.random.default_rng(5)
    x = rng.integers(0, 12, 3000).astype(float)
    big_t = rng.integers(26, 79, 3000).astype(float)
    tx = np.where(x > 0, np.floor(big_t * rng.uniform(0, 1, 3000) ** 3), 0.0)
    pairs = Pairs.of(x, tx, big_t)
    r, alpha, s, beta = 0.29, 2.37, 1.45, 36.97
    rows = np.concatenate([pairs.at_tx, pairs.at_t])
    q, c = r + x, r + s + x  # beta > alpha: q = a = r + x, c = a + b - 1
    z_of_t = (beta - alpha) / (beta + pairs.t_values)
    first_terms = grid_sums(c[pairs.x_rows], q[pairs.x_rows], z_of_t, 64)[1]
    assert not first_terms.ravel()[pairs.cells].all()  # some pairs need more than most
    sums, settled = pairs.grid(c[pairs.x_rows], q[pairs.x_rows], z_of_t, 10)
    assert settled.all()
    z = (beta - alpha) / (beta + np.concatenate([tx[pairs.at_tx], big_t[pairs.at_t]]))
    by_rows, done = pareto_integral._series(c[rows], q[rows], z, second=True)
    assert done.mean() > 0.99  # (the rest need more than the rows' 1,000 terms: nodes there)
    np.testing.assert_allclose(sums[:, done], by_rows[:, done], rtol=1e-12)
