"""Time-invariant covariates in BG/NBD, MBG/NBD and Pareto/NBD (Fader & Hardie's note on
covariates; pymc-marketing's covariate models): simulated customers with known coefficients
are recovered, the gradient is the likelihood's, and each customer's predictions are the base
model's at that customer's parameters."""

import numpy as np
import pytest

from clv_xl.errors import CLVError
from clv_xl.models import BGNBD, MBGNBD, CovariateModel, ParetoNBD, lifetime_value
from clv_xl.models.counts import purchase_probability
from clv_xl.models.covariates import design, matrix_for
from clv_xl.models.params_table import rows_to_dict
from clv_xl.models.registry import model_from_table


def simulate_bgnbd(z_p, z_d, r, alpha, a, b, g_alpha, g_a, g_b, T, rng):
    """BG/NBD customers (Fader, Hardie & Lee 2005, section 3) with alpha_i = alpha exp(-g z),
    a_i = a exp(g_a z), b_i = b exp(g_b z): Poisson purchases at rate lambda ~ Gamma(r,
    alpha_i); after each purchase, drop-out with p ~ Beta(a_i, b_i). Of N Poisson arrivals in
    [0, T] the customer makes k = min(N, J), J ~ Geometric(p), and the last is the k-th order
    statistic of N uniforms: T Beta(k, N - k + 1)."""
    n = z_p.size
    lam = rng.gamma(r, 1 / (alpha * np.exp(-g_alpha * z_p)))
    p = rng.beta(a * np.exp(g_a * z_d), b * np.exp(g_b * z_d))
    arrivals = rng.poisson(lam * T)
    survive = rng.geometric(p)
    k = np.minimum(arrivals, survive)
    tx = np.where(k > 0, T * rng.beta(np.maximum(k, 1), np.maximum(arrivals - k + 1, 1)), 0.0)
    return k.astype(float), tx, np.full(n, T)


def simulate_pareto(z_p, z_d, r, alpha, s, beta, g_alpha, g_beta, T, rng):
    """Pareto/NBD customers: Poisson purchases at lambda ~ Gamma(r, alpha_i) until an
    exponential lifetime at mu ~ Gamma(s, beta_i), beta_i = beta exp(-g z)."""
    lam = rng.gamma(r, 1 / (alpha * np.exp(-g_alpha * z_p)))
    mu = rng.gamma(s, 1 / (beta * np.exp(-g_beta * z_d)))
    alive_for = np.minimum(rng.exponential(1 / mu), T)
    k = rng.poisson(lam * alive_for)
    tx = np.where(k > 0, alive_for * rng.random(k.size) ** (1 / np.maximum(k, 1)), 0.0)
    return k.astype(float), tx, np.full(k.size, T)


@pytest.fixture(scope="module")
def bgnbd_sample():
    rng = np.random.default_rng(11)
    n = 20_000
    web = (rng.random(n) < 0.5).astype(float)
    spend = rng.normal(0.0, 1.0, n)  # a numeric covariate of the drop-out
    data = simulate_bgnbd(web, spend, 0.5, 6.0, 0.8, 2.5, 0.8, 0.0, 0.4, 52.0, rng)
    return data, web, spend


def test_bgnbd_simulation_recovers_the_coefficients(bgnbd_sample):
    (x, tx, T), web, spend = bgnbd_sample
    model = CovariateModel(BGNBD, ("web",), ("spend",))
    model.fit(x, tx, T, None, web[:, None], spend[:, None])
    assert model.converged_, model.message_
    truth = {"r": 0.5, "alpha": 6.0, "a": 0.8, "b": 2.5, "alpha:web": 0.8, "a:spend": 0.0,
             "b:spend": 0.4}  # fmt: skip
    for name, value in truth.items():
        z = (model.params_[name] - value) / model.standard_errors_[name]
        assert abs(z) < 3.5, (name, model.params_[name], model.standard_errors_[name])
    assert model.params_["alpha:web"] / model.standard_errors_["alpha:web"] > 10


def test_pareto_simulation_recovers_the_coefficients():
    rng = np.random.default_rng(5)
    n = 20_000
    web = (rng.random(n) < 0.4).astype(float)
    x, tx, T = simulate_pareto(web, web, 0.6, 8.0, 0.7, 12.0, -0.5, 0.9, 40.0, rng)
    model = CovariateModel(ParetoNBD, ("web",), ("web",)).fit(x, tx, T, None, web[:, None],
                                                                web[:, None])  # fmt: skip
    assert model.converged_, model.message_
    truth = {"r": 0.6, "alpha": 8.0, "s": 0.7, "beta": 12.0, "alpha:web": -0.5, "beta:web": 0.9}
    for name, value in truth.items():
        z = (model.params_[name] - value) / model.standard_errors_[name]
        assert abs(z) < 3.5, (name, model.params_[name], model.standard_errors_[name])


@pytest.mark.parametrize("base", [BGNBD, MBGNBD, ParetoNBD])
def test_the_gradient_is_the_likelihoods(base, bgnbd_sample):
    (x, tx, T), web, spend = bgnbd_sample
    rows = slice(0, 300)
    model = CovariateModel(base, ("web",), ("web", "spend"))
    data = [x[rows], tx[rows], T[rows], web[rows, None], np.column_stack([web, spend])[rows]]
    params = np.array(
        [0.5, 6.0, 0.9, 3.0, *[0.3, -0.2, 0.1, 0.25, -0.15][: len(model.param_names) - 4]]
    )
    _, gradient = model._value_and_gradient(params, *data)
    for j in range(params.size):
        step = np.zeros(params.size)
        step[j] = 1e-6
        numeric = (model._log_likelihood(params + step, *data)
                   - model._log_likelihood(params - step, *data)) / 2e-6  # fmt: skip
        np.testing.assert_allclose(gradient[:, j], numeric, rtol=1e-5, atol=1e-7)


def test_without_covariates_it_is_the_base_model(cdnow):
    x, tx, T = (cdnow[k].to_numpy(dtype=float) for k in ("x", "t_x", "T"))
    plain = BGNBD().fit(x, tx, T)
    none = CovariateModel(BGNBD).fit(x, tx, T)
    assert none.param_names == plain.param_names
    for k in plain.param_names:
        assert none.params_[k] == pytest.approx(plain.params_[k], rel=1e-6)
    assert none.log_likelihood_ == pytest.approx(plain.log_likelihood_, rel=1e-10)


def test_each_customer_is_predicted_with_their_own_parameters(cdnow):
    x, tx, T = (cdnow[k].to_numpy(dtype=float) for k in ("x", "t_x", "T"))
    web = (np.arange(x.size) % 3 == 0).astype(float)[:, None]
    for base in (BGNBD, ParetoNBD):
        model = CovariateModel(base, ("web",), ("web",)).fit(x, tx, T, None, web, web)
        each = model.customers(web, web)
        p = model.params_
        for level in (0.0, 1.0):
            rows = web[:, 0] == level
            own = dict(zip(base.param_names, each._params()[:, np.argmax(rows)], strict=True))
            scale = {"alpha": np.exp(-p["alpha:web"] * level)}
            if base is BGNBD:
                scale |= {"a": np.exp(p["a:web"] * level), "b": np.exp(p["b:web"] * level)}
            else:
                scale |= {"beta": np.exp(-p["beta:web"] * level)}
            expected = {k: p[k] * scale.get(k, 1.0) for k in base.param_names}
            assert own == pytest.approx(expected, rel=1e-12)
            same = base.from_params(expected)
            args = (x[rows], tx[rows], T[rows])
            np.testing.assert_allclose(
                each.p_alive(x, tx, T)[rows], same.p_alive(*args), rtol=1e-12
            )
            np.testing.assert_allclose(each.expected_purchases(26.0, x, tx, T)[rows],
                                       same.expected_purchases(26.0, *args), rtol=1e-10)  # fmt: skip
            np.testing.assert_allclose(
                lifetime_value(each, np.ones(x.size), x, tx, T, 12)[rows],
                lifetime_value(same, np.ones(rows.sum()), *args, 12), rtol=1e-10)  # fmt: skip
            np.testing.assert_allclose(purchase_probability(each, 1, 10.0, x, tx, T)[rows],
                                       purchase_probability(same, 1, 10.0, *args), rtol=1e-10)  # fmt: skip


def test_the_table_rebuilds_the_model(cdnow):
    x, tx, T = (cdnow[k].to_numpy(dtype=float) for k in ("x", "t_x", "T"))
    web = (np.arange(x.size) % 2 == 0).astype(float)[:, None]
    model = CovariateModel(ParetoNBD, ("channel=web",), ()).fit(x, tx, T, None, web)
    rows = model.table()
    names = [r[0] for r in rows]
    assert "alpha:channel=web" in names and "se_alpha:channel=web" in names
    assert "corr_alpha_alpha:channel=web" in names
    rebuilt = model_from_table(rows_to_dict(rows))
    assert isinstance(rebuilt, CovariateModel) and rebuilt.param_names == model.param_names
    assert rebuilt.params_ == model.params_


def test_text_becomes_indicators_with_the_first_level_as_baseline():
    made = design(["channel", "age"], [["web", "Store", "catalog", "web"], [30, 41, 25, 60]], "z")
    assert made.names == ("channel=Store", "channel=web", "age")
    np.testing.assert_array_equal(made.matrix[:, 0], [0, 1, 0, 0])
    np.testing.assert_array_equal(made.matrix[:, 1], [1, 0, 0, 1])
    again = matrix_for(made.names, ["AGE", "Channel"], [[30, 41], ["WEB", "store"]], "z")
    np.testing.assert_array_equal(again, [[0, 1, 30], [1, 0, 41]])


@pytest.mark.parametrize("column, words", [
    (["web", "web"], "for every customer"),
    ([1.0, 1.0], "for every customer"),
    (["web", 3.0], "mixes numbers and text"),
    (["web", None], "at row 2 has a blank channel"),
    (["web", "store", "  ", "web"], "at row 3 has a blank channel"),
])  # fmt: skip
def test_a_covariate_that_cannot_be_used_is_one_line(column, words):
    with pytest.raises(CLVError, match=words):
        design(["channel"], [column], "purchase_covariates")


def test_a_prediction_needs_the_fits_columns():
    with pytest.raises(CLVError, match="no column for channel=web"):
        matrix_for(["channel=web"], ["region"], [["north"]], "purchase_covariates")


def test_a_label_is_spelled_as_first_seen_and_its_case_does_not_count():
    column = ["Web", "store", "web ", "WEB", "Store", "catalog"] * 1000
    made = design(["channel"], [column], "z")
    assert made.names == ("channel=store", "channel=Web")  # "catalog" is the baseline
    np.testing.assert_array_equal(made.matrix[:6], [[0, 1], [1, 0], [0, 1], [0, 1], [1, 0], [0, 0]])
