"""A covariate fit with a few distinct covariate rows (a channel) summed level by level from the
base model's own totals (issue 33): the same value and gradient as the rows one by one, an exact
Hessian, the same fit; many distinct rows keep the row-by-row sums."""

import numpy as np
import pytest

from clv_xl.models import BGNBD, MBGNBD, CovariateModel, ParetoNBD, covariate_levels
from tests.helpers.data import cdnow_summary

BASES = [BGNBD, MBGNBD, ParetoNBD]


@pytest.fixture(scope="module")
def channels():
    s = cdnow_summary()
    x, tx, big_t = (np.asarray(s[c], dtype=float) for c in ("x", "t_x", "T"))
    channel = np.random.default_rng(0).integers(0, 3, x.size)
    zp = np.column_stack([channel == 1, channel == 2]).astype(float)
    zd = (channel == 2).astype(float)[:, None]
    return [x, tx, big_t, zp, zd]


def _params(model):
    base = [0.6, 4.0, 0.8, 2.5] if model.base is not ParetoNBD else [0.6, 10.0, 0.6, 12.0]
    coefficients = [0.2, -0.3, 0.25, -0.1][: len(model.param_names) - 4]
    return np.array(base + coefficients)


@pytest.mark.parametrize("base", BASES)
def test_totals_by_level_are_the_rows_summed(channels, base):
    model = CovariateModel(base, ("web", "store"), ("store",))
    weights = np.random.default_rng(1).integers(1, 4, channels[0].size).astype(float)
    totals = model._totals(*channels, weights)
    assert isinstance(totals, covariate_levels.LevelTotals) and len(totals.totals) == 3
    params = _params(model)
    ll, grad = totals(params)
    rows_ll, rows_grad = model._value_and_gradient(params, *channels)
    assert ll == pytest.approx(weights @ rows_ll, rel=1e-13)
    np.testing.assert_allclose(grad, weights @ rows_grad, rtol=1e-11, atol=1e-9)


@pytest.mark.parametrize("base", BASES)
def test_the_hessian_by_level_is_the_gradient_s_derivative(channels, base):
    model = CovariateModel(base, ("web", "store"), ("store",))
    totals = model._totals(*channels, np.ones(channels[0].size))
    params = _params(model)
    ll, grad, hess = totals.with_hessian(params)
    assert (ll, grad.tolist()) == (totals(params)[0], totals(params)[1].tolist())
    differenced = np.empty_like(hess)
    for i in range(params.size):
        step = np.zeros(params.size)
        step[i] = 1e-6 * max(1.0, abs(params[i]))
        differenced[:, i] = (totals(params + step)[1] - totals(params - step)[1]) / (2 * step[i])
    np.testing.assert_allclose(hess, differenced, rtol=1e-5, atol=1e-5 * np.abs(hess).max())


@pytest.mark.parametrize("base", [BGNBD, ParetoNBD])
def test_a_fit_by_level_is_the_fit_row_by_row(channels, base, monkeypatch):
    x, tx, big_t, zp, zd = channels
    by_level = CovariateModel(base, ("web", "store"), ("store",)).fit(x, tx, big_t, None, zp, zd)
    monkeypatch.setattr(CovariateModel, "_totals", lambda self, *data: None)
    by_rows = CovariateModel(base, ("web", "store"), ("store",)).fit(x, tx, big_t, None, zp, zd)
    assert by_level.converged_ and by_rows.converged_
    for name, value in by_rows.params_.items():
        assert by_level.params_[name] == pytest.approx(value, rel=1e-6, abs=1e-8), name
        se = by_rows.standard_errors_[name]
        assert by_level.standard_errors_[name] == pytest.approx(se, rel=1e-5), name
    assert by_level.log_likelihood_ >= by_rows.log_likelihood_ - 1e-9 * abs(by_rows.log_likelihood_)


def test_many_levels_are_summed_row_by_row(channels):
    x, tx, big_t, _, _ = channels
    income = np.random.default_rng(2).normal(size=(x.size, 1))  # a number per customer
    model = CovariateModel(BGNBD, ("income",), ())
    assert model._totals(x, tx, big_t, income, np.zeros((x.size, 0)), np.ones(x.size)) is None


def test_no_covariates_is_one_level_the_base_model_s_totals(channels):
    x, tx, big_t, _, _ = channels
    model = CovariateModel(BGNBD, (), ())
    none = np.zeros((x.size, 0))
    totals = model._totals(x, tx, big_t, none, none, np.ones(x.size))
    params = np.array([0.6, 4.0, 0.8, 2.5])
    ll, grad = totals(params)
    base_ll, base_grad = BGNBD()._totals(x, tx, big_t, np.ones(x.size))(params)
    assert ll == base_ll
    np.testing.assert_array_equal(grad, base_grad)
