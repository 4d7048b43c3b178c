"""Fits at the model's limit (issue 30): customers who drop out at much the same rate drive
BG/NBD's a and b (and Pareto/NBD's s and beta) to infinity together. The fit says so, quickly,
and every prediction is the model's at that limit (one drop-out probability p = a/(a+b), one
drop-out rate s/beta), never an error cell nor a P(alive) of 1 from a lost closed form."""

import numpy as np
import pytest

from clv_xl.excel import udfs
from clv_xl.models import BGNBD, MBGNBD, ParetoNBD, pareto_integral


def same_dropout_log(n=20000, p=0.15, seed=1, keep=5000):
    """BG/NBD customers with gamma(2, 4) purchase rates and ONE drop-out probability p (the
    first ``keep`` of ``n`` drawn)."""
    rng = np.random.default_rng(seed)
    big_t = rng.uniform(30, 52, n)
    lam = rng.gamma(2.0, 1 / 4.0, n)
    x, tx = np.zeros(n), np.zeros(n)
    for i in range(n):
        t, k, last = 0.0, 0, 0.0
        while True:
            t += rng.exponential(1 / lam[i])
            if t > big_t[i]:
                break
            k, last = k + 1, t
            if rng.random() < p:
                break
        x[i], tx[i] = k, last
    return x[:keep], tx[:keep], big_t[:keep]


@pytest.fixture(scope="module")
def log():
    return same_dropout_log()


@pytest.mark.parametrize("model", [BGNBD, MBGNBD])
def test_the_fit_reaches_the_limit_and_says_so(model, log):
    fit = model().fit(*log)
    assert fit.converged_ and fit.params_["a"] + fit.params_["b"] > 1e6
    p = fit.params_["a"] / (fit.params_["a"] + fit.params_["b"])
    assert fit.status_.startswith("converged at the model's limit (a and b grow without bound")
    assert f"{p:.3g}" in fit.status_
    if model is BGNBD:
        assert abs(p - 0.15) < 0.02  # the drop-out probability the log was drawn with
    x, tx, big_t = log
    for t in (0.0, 10.0, 52.0):
        got = fit.expected_purchases(t, x, tx, big_t)
        assert np.all(np.isfinite(got)) and np.all(got >= 0)
    assert np.all(np.isfinite(fit.p_alive(x, tx, big_t)))
    assert np.isfinite(fit.expected_purchases_new(10.0))


def test_the_exact_formula_tends_to_the_limit():
    """Between the Euler form's overflow (a + b about 5e4) and the limit, the form before the
    transformation keeps the exact value, which tends to the closed-form limit."""
    x = np.array([0.0, 1, 3, 10, 40, 200])
    tx = np.array([0.0, 5, 20, 30, 39, 59])
    big_t = np.array([40.0, 40, 40, 40, 40, 60])
    r, alpha, p, t = 2.0, 4.0, 0.15, 10.0
    limit = -np.expm1((r + x) * np.log1p(-p * t / (alpha + big_t + p * t))) / p
    previous = None
    for size in (1e3, 5e4, 1e5, 1e7):
        m = BGNBD.from_params({"r": r, "alpha": alpha, "a": p * size, "b": (1 - p) * size})
        grown = m.expected_purchases(t, x, tx, big_t) / m.p_alive(x, tx, big_t)
        assert np.all(np.isfinite(grown))
        gap = np.max(np.abs(grown / limit - 1))
        assert previous is None or gap < previous
        previous = gap
    assert previous < 1e-4


def test_through_the_functions_no_error_cells_and_one_line_for_an_interval(log):
    x, tx, big_t = (np.asarray(v).reshape(-1, 1).tolist() for v in log)
    fit = udfs.CLV_FIT("BG/NBD", x, tx, big_t)
    table = dict(row for row in fit if len(row) == 2)
    assert table["converged"] is True
    values = udfs.CLV_EXPECTED_PURCHASES(fit, 10, x, tx, big_t)
    assert all(isinstance(v[0], float) and np.isfinite(v[0]) for v in values)
    interval = udfs.CLV_INTERVAL(fit, "purchases", 10, x[:3], tx[:3], big_t[:3])
    assert isinstance(interval, str) and "at the model's limit" in interval


def test_a_penalizer_through_clv_fit_keeps_the_parameters_finite(log):
    x, tx, big_t = (np.asarray(v).reshape(-1, 1).tolist() for v in log)
    fit = dict(row for row in udfs.CLV_FIT("BG/NBD", x, tx, big_t, None, None, None, 0.001)
               if len(row) == 2)  # fmt: skip
    assert fit["status"] == "converged with penalizer 0.001"
    assert fit["a"] + fit["b"] < 100 and np.isfinite(fit["se_a"])
    plain = dict(row for row in udfs.CLV_FIT("BG/NBD", x, tx, big_t, None, None, None, 0)
                 if len(row) == 2)  # fmt: skip
    assert plain["a"] + plain["b"] > 1e6  # 0 is no penalty: the limit, as without the argument
    assert udfs.CLV_FIT("BG/NBD", x, tx, big_t, None, None, None, -1) == (
        "CLV_FIT: penalizer got -1; expected a number >= 0 (0: no penalty)")  # fmt: skip


def test_pareto_nbd_reaches_its_limit_too_with_every_p_alive_right(log):
    """s and beta run off together (one exponential drop-out rate s/beta): the fit says so,
    and P(alive) there comes from the quadrature, not a lost closed form read as 1."""
    fit = ParetoNBD().fit(*log)
    assert fit.converged_ and fit.status_.startswith(
        "converged at the model's limit (s and beta grow without bound")  # fmt: skip
    x, tx, big_t = log
    alive = fit.p_alive(x, tx, big_t)
    assert np.all(np.isfinite(alive)) and alive.min() < 0.01 and np.all(alive <= 1)
    near = ParetoNBD.from_params({**fit.params_, "s": 166.3, "beta": 166.3 / fit.params_["s"]
                                  * fit.params_["beta"]})  # fmt: skip
    assert np.allclose(near.p_alive(x, tx, big_t), alive, atol=5e-3)


@pytest.mark.parametrize("params", [(0.55, 10.6, 0.6, 11.7), (2.5, 6.5, 166.0, 3431.0),
                                    (0.3, 50.0, 2.0, 3.0), (2.0, 4.0, 5.0, 400.0)])  # fmt: skip
def test_the_quadrature_agrees_with_the_series(params):
    rng = np.random.default_rng(3)
    x = rng.integers(0, 30, 300).astype(float)
    big_t = rng.uniform(30, 80, 300)
    tx = big_t * rng.uniform(0, 1, 300)
    r, alpha, s, beta = params
    a, b = r + x, s + 1.0
    series = pareto_integral.integral_and_derivatives(a, b, alpha, beta, tx, big_t)
    nodes = pareto_integral.quadrature(a, b, np.full(300, alpha), np.full(300, beta), tx, big_t)
    assert np.allclose(series[0], nodes[0], rtol=1e-12, atol=1e-10)
    assert np.allclose(series[1], nodes[1], rtol=1e-10, atol=1e-10)
