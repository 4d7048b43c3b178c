"""Pareto/NBD's exact Hessian (issue 33): the integral's second derivatives from its series and
from its nodes, and the likelihood's Hessian the fit's Newton steps and standard errors take,
against central differences of the analytic gradient (good to about 1e-9 themselves)."""

import numpy as np
import pytest

from clv_xl.models import ParetoNBD, optimize, pareto_integral
from clv_xl.models.pareto_integral import UPPER, Pairs
from tests.helpers.data import cdnow_summary


def _rows(seed: int, n: int = 300):
    rng = np.random.default_rng(seed)
    a, b = rng.uniform(0.05, 60, n), rng.uniform(1.01, 30, n)
    alpha, beta = rng.uniform(0.5, 80, n), rng.uniform(0.5, 80, n)
    big_t = rng.uniform(1, 80, n)
    tx = big_t * rng.uniform(0, 0.9, n)  # T - t_x not tiny: differences stay accurate there
    return a, b, alpha, beta, tx, big_t


def _differenced(a, b, alpha, beta, tx, big_t):
    """The Hessian's upper triangle by central differences of the analytic gradient."""
    params = [a, b, alpha, beta]
    out = np.empty((len(UPPER), a.size))
    for k, (i, j) in enumerate(UPPER):
        h = 1e-6 * np.maximum(1.0, np.abs(params[j]))
        moved = []
        for step in (h, -h):
            p = [v.copy() for v in params]
            p[j] = p[j] + step
            moved.append(pareto_integral.integral_and_derivatives(*p, tx, big_t)[1][i])
        out[k] = (moved[0] - moved[1]) / (2 * h)
    return out


@pytest.mark.parametrize("seed", [0, 1])
def test_the_integral_s_hessian_is_the_gradient_s_derivative(seed):
    rows = _rows(seed)
    value, grads, hess = pareto_integral.integral_with_hessian(*rows)
    plain_value, plain_grads = pareto_integral.integral_and_derivatives(*rows)
    np.testing.assert_array_equal(value, plain_value)  # the same pass, bit for bit
    np.testing.assert_array_equal(grads, plain_grads)
    alpha, beta = rows[2], rows[3]
    assert (alpha > beta).any() and (alpha < beta).any()  # both sides of the series
    scale = np.sqrt(np.abs(hess[0] * hess[4]) + np.abs(hess[7] * hess[9]))  # the row's size
    err = np.abs(hess - _differenced(*rows)) / scale
    assert np.max(err) < 1e-5


def test_the_series_and_the_nodes_give_the_same_hessian():
    """Where both converge, the Hessian from the series' second sums is the one from the
    nodes' moments (a covariance under the normalized integrand)."""
    rows = _rows(2)
    _, _, series = pareto_integral.integral_with_hessian(*rows)
    _, _, nodes = pareto_integral._nodes(*rows, second=True)
    np.testing.assert_allclose(nodes, series, rtol=1e-8, atol=1e-12)


def test_the_hessian_by_pairs_is_the_hessian_row_by_row():
    rng = np.random.default_rng(4)
    x = rng.integers(0, 6, 400).astype(float)
    big_t = rng.integers(20, 40, 400).astype(float)
    tx = np.floor(big_t * rng.uniform(0, 1, 400)) * (x > 0)
    args = (0.6 + x, 1.7, 9.0, 14.0, tx, big_t)
    pairs = Pairs.of(x, tx, big_t)
    plain = pareto_integral.integral_with_hessian(*args)
    paired = pareto_integral.integral_with_hessian(*args, pairs)
    for one, other in zip(plain, paired, strict=True):  # the sums from the grid: the same to
        # the last bits, which differences of the sums (a derivative) bring forward
        np.testing.assert_allclose(one, other, rtol=1e-13, atol=1e-12 * np.abs(other).max())
    # the gradient's pass by pairs is the Hessian's, bit for bit
    value, grads = pareto_integral.integral_and_derivatives(*args, pairs)
    np.testing.assert_array_equal(value, paired[0])
    np.testing.assert_array_equal(grads, paired[1])
    at = pairs.x_rows  # beta > alpha: q = a
    on_grid = pairs.grid((0.6 + x + 0.7)[at], (0.6 + x)[at], 5.0 / (14.0 + pairs.t_values), 10)
    assert on_grid is not None and on_grid[1].all()


def test_the_second_sums_at_once_are_the_sums_one_by_one():
    rng = np.random.default_rng(3)
    c, q, z = rng.uniform(0.2, 30, 40), rng.uniform(0.05, 80, 40), rng.uniform(0.0, 0.97, 40)
    state = [rng.uniform(0.1, 2, 40), rng.uniform(0, 3, 40), rng.uniform(0, 2, 40)]
    sums = rng.uniform(0, 5, (6, 40))
    loop = [v.copy() for v in (*state, sums)]
    pareto_integral._second_terms(c, q, z, *loop, start=8, count=64)
    once = [v.copy() for v in (*state, sums)]
    pareto_integral._second_terms(c, q, z, *once, start=8, count=64, at_once=True)
    for one, other in zip(loop, once, strict=True):
        np.testing.assert_array_equal(one, other)
    np.testing.assert_array_equal(loop[0], state[0])  # u and D are the first sums' to move
    np.testing.assert_array_equal(loop[1], state[1])


@pytest.fixture(scope="module")
def cdnow_objective():
    s = cdnow_summary()
    caught = {}
    real = optimize.covariance

    def catch(objective, point):
        caught["objective"], caught["point"] = objective, point
        return real(objective, point)

    optimize.covariance = catch
    try:
        fitted = ParetoNBD().fit(s["x"], s["t_x"], s["T"])
    finally:
        optimize.covariance = real
    return fitted, caught["objective"], caught["point"]


@pytest.mark.parametrize("offset", [0.0, 0.4])
def test_the_fit_s_hessian_is_exact(cdnow_objective, offset):
    """At the optimum and away from it, the objective's Hessian (in the search's log scale)
    is the central differences' to their own accuracy."""
    _, objective, point = cdnow_objective
    assert objective.exact_hessian
    at = point + offset * np.array([1.0, -0.5, 1.0, -1.0])
    np.testing.assert_allclose(
        objective.hessian(at), optimize.accurate_hessian(objective, at), rtol=1e-7
    )


def test_standard_errors_come_from_the_exact_hessian(cdnow_objective):
    fitted, objective, point = cdnow_objective
    cov = np.linalg.inv(objective.hessian(point) * objective.total)
    np.testing.assert_allclose(fitted.cov_log_, cov, rtol=1e-12)
    # the errors central differences of the gradient gave (to their fourth digit)
    se = dict(zip(fitted.param_names, np.sqrt(np.diag(cov)) * np.exp(point), strict=True))
    for name, value in (("r", 0.0476), ("alpha", 0.8427), ("s", 0.1873), ("beta", 6.2110)):
        assert se[name] == pytest.approx(value, abs=1e-4)
