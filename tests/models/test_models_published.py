"""Every model against its paper's published numbers. Tolerances are the published digits."""

import numpy as np
import pytest
from scipy.special import betaln

from clv_xl.errors import FitError, InputError, NotFittedError
from clv_xl.models import BGBB, BGNBD, MBGNBD, GammaGamma, ParetoNBD, ShiftedBetaGeometric
from tests.helpers.data import HIGH_END, REGULAR, cdnow_summary, donations


@pytest.fixture(scope="module")
def bgnbd(cdnow):
    return BGNBD().fit(cdnow["x"], cdnow["t_x"], cdnow["T"])


def test_bgnbd_cdnow_fader_hardie_lee_2005(bgnbd):
    # Fader, Hardie & Lee (2005), Marketing Science, section 4: r=0.243, alpha=4.414,
    # a=0.793, b=2.426, LL=-9582.4.
    p = bgnbd.params_
    assert p["r"] == pytest.approx(0.243, abs=5e-4)
    assert p["alpha"] == pytest.approx(4.414, abs=5e-4)
    assert p["a"] == pytest.approx(0.793, abs=5e-4)
    assert p["b"] == pytest.approx(2.426, abs=5e-4)
    assert bgnbd.log_likelihood_ == pytest.approx(-9582.4, abs=0.05)
    assert bgnbd.converged_ and bgnbd.n_customers_ == 2357
    assert all(0 < se < 1 for se in bgnbd.standard_errors_.values())


def test_bgnbd_conditional_expectation_same_paper(bgnbd):
    # Same paper, section 5: x=2, t_x=30.43, T=38.86 expects 1.226 purchases in 39 weeks.
    assert bgnbd.expected_purchases(39, 2, 30.43, 38.86) == pytest.approx(1.226, abs=5e-4)


def test_pareto_nbd_cdnow_fader_hardie_lee_2005(cdnow):
    # Fader, Hardie & Lee (2005), Table 1 (Pareto/NBD on CDNOW): r=0.553, alpha=10.578,
    # s=0.606, beta=11.669, LL=-9595.0.
    m = ParetoNBD().fit(cdnow["x"], cdnow["t_x"], cdnow["T"])
    p = m.params_
    assert p["r"] == pytest.approx(0.553, abs=5e-4)
    assert p["alpha"] == pytest.approx(10.578, abs=5e-3)
    assert p["s"] == pytest.approx(0.606, abs=5e-4)
    assert p["beta"] == pytest.approx(11.669, abs=5e-3)
    assert m.log_likelihood_ == pytest.approx(-9595.0, abs=0.05)


def test_mbgnbd_cdnow_btydplus(cdnow):
    # Batislam et al. (2007) fitted other data; the CDNOW values are R BTYDplus's, as quoted
    # in lifetimes' own test suite: r=0.525, alpha=6.183, a=0.891, b=1.614.
    m = MBGNBD().fit(cdnow["x"], cdnow["t_x"], cdnow["T"])
    expected = {"r": 0.525, "alpha": 6.183, "a": 0.891, "b": 1.614}
    for key, value in expected.items():
        assert m.params_[key] == pytest.approx(value, abs=1e-3)


def test_bgbb_donations_fader_hardie_shang_2010():
    # Fader, Hardie & Shang (2010), Marketing Science, section 4: alpha=1.204, beta=0.750,
    # gamma=0.657, delta=2.783, LL=-33225.6 on 11,104 donors.
    d = donations()
    m = BGBB().fit(d["frequency"], d["recency"], d["periods"], d["weights"])
    p = m.params_
    assert p["alpha"] == pytest.approx(1.204, abs=5e-4)
    assert p["beta"] == pytest.approx(0.750, abs=5e-4)
    assert p["gamma"] == pytest.approx(0.657, abs=5e-4)
    assert p["delta"] == pytest.approx(2.783, abs=5e-4)
    assert m.log_likelihood_ == pytest.approx(-33225.6, abs=0.05)
    assert m.n_customers_ == 11104


def test_gamma_gamma_cdnow_note_025(cdnow):
    # Fader, Hardie & Lee (2005), JMR, and Hardie's note 025: p=6.25, q=3.74, gamma=15.44 on
    # the 946 CDNOW customers with repeat purchases.
    # The likelihood is nearly flat along q-gamma: the maximum is at gamma=15.4477, and the
    # published (Excel Solver) point has a lower likelihood, so gamma is held to 1e-2 and the
    # fit must beat the published point's likelihood.
    m = GammaGamma().fit(cdnow["x"], cdnow["zbar"])
    assert m.n_customers_ == 946
    assert m.params_["p"] == pytest.approx(6.25, abs=5e-3)
    assert m.params_["q"] == pytest.approx(3.74, abs=5e-3)
    assert m.params_["gamma"] == pytest.approx(15.44, abs=1e-2)
    repeat = cdnow[cdnow["x"] > 0]
    data = (repeat["x"].to_numpy(float), repeat["zbar"].to_numpy(float))
    published = m._log_likelihood(np.array([6.25, 3.74, 15.44]), *data).sum()
    assert m.log_likelihood_ >= published


@pytest.mark.parametrize(
    ("counts", "alpha", "beta"),
    [(REGULAR, 0.704, 1.182), (HIGH_END, 0.668, 3.806)],
)
def test_sbg_fader_hardie_2007(counts, alpha, beta):
    # Fader & Hardie (2007), "How to Project Customer Retention", section 3.
    m = ShiftedBetaGeometric().fit(counts)
    assert m.params_["alpha"] == pytest.approx(alpha, abs=5e-4)
    assert m.params_["beta"] == pytest.approx(beta, abs=5e-4)
    assert m.n_customers_ == 1000


def test_sbg_survival_retention_and_derl_match_their_definitions():
    m = ShiftedBetaGeometric().fit(REGULAR)
    a, b = m.params_["alpha"], m.params_["beta"]
    t = np.arange(1, 8)
    s = np.exp(betaln(a, b + t) - betaln(a, b))
    assert m.survival(t) == pytest.approx(s)
    assert m.retention(t[1:]) == pytest.approx(s[1:] / s[:-1])
    # DERL checked against the direct sum: sum_{t>=n} S(t)/S(n-1) / (1+d)^(t-n).
    for renewals in (0, 1, 4):
        n = renewals + 1
        tt = np.arange(n, n + 5000)
        direct = np.sum(np.exp(betaln(a, b + tt) - betaln(a, b + n - 1)) / 1.1 ** (tt - n))
        assert m.derl(0.1, renewals) == pytest.approx(direct, rel=1e-9)


def test_predictions_stay_in_range(bgnbd):
    x = np.array([0, 1, 10, 1000, 10000])
    tx = np.array([0, 5, 30, 38, 38.8])
    big_t = np.full(5, 38.86)
    alive = bgnbd.p_alive(x, tx, big_t)
    assert np.all((alive >= 0) & (alive <= 1))
    expected = bgnbd.expected_purchases(39, x, tx, big_t)
    assert np.all(np.isfinite(expected) & (expected >= 0))


def test_not_fitted_and_degenerate_data():
    with pytest.raises(NotFittedError, match="not fitted"):
        BGNBD().p_alive(1, 1, 2)
    with pytest.raises(FitError, match="nobody made a repeat purchase"):
        BGNBD().fit([0, 0, 0], [0, 0, 0], [5, 6, 7])
    with pytest.raises(FitError, match="at least 2 customers"):
        BGNBD().fit([2], [3], [5])
    with pytest.raises(InputError, match="recency"):
        BGNBD().fit([1, 2], [6, 3], [5, 5])
    with pytest.raises(InputError, match="never rise"):
        ShiftedBetaGeometric().fit([1000, 900, 950])


def test_degenerate_fit_is_flagged_not_nan():
    m = BGBB().fit([0, 1], [0, 1], [6, 6], [3464, 1091])
    assert not m.converged_
    assert all(np.isfinite(v) for v in m.params_.values())
    assert all(v == "n/a" or np.isfinite(v) for _, v in m.table()[5:9])


@pytest.mark.parametrize("scale", [0.5, 2.0])
def test_standard_errors_do_not_depend_on_the_difference_step(scale, monkeypatch):
    """The Hessian comes from central differences of the analytic gradient: halving or doubling
    the step moves the standard errors by less than 1e-5 (the old forward differences moved
    them 1e-4; Pareto/NBD's second differences of its likelihood, before it had a gradient,
    1.4e-4)."""
    import functools

    import clv_xl.models.optimize as optimize

    cdnow = cdnow_summary()
    fits = {
        "sBG": lambda: ShiftedBetaGeometric().fit(REGULAR),
        "Pareto/NBD": lambda: ParetoNBD().fit(cdnow["x"], cdnow["t_x"], cdnow["T"]),
    }
    reference = {k: fit().standard_errors_ for k, fit in fits.items()}
    monkeypatch.setattr(
        optimize, "accurate_hessian", functools.partial(optimize.accurate_hessian, scale=scale)
    )
    for key, fit in fits.items():
        again = fit().standard_errors_
        assert np.isfinite(list(reference[key].values())).all()
        for name, se in reference[key].items():
            assert again[name] == pytest.approx(se, rel=1e-5), (key, name)


def _gradient_cases():
    cdnow = cdnow_summary()
    purchases = [cdnow[c].to_numpy(float) for c in ("x", "t_x", "T")]
    gifts = donations()
    drives = [gifts[c].to_numpy(float) for c in ("frequency", "recency", "periods")]
    counts = np.array(HIGH_END, dtype=float)
    t = np.arange(1.0, counts.size)
    cohort = [t, -np.diff(counts), np.full(t.shape, counts[-1])]
    repeat = purchases[0] > 0
    spend = [purchases[0][repeat], cdnow["zbar"].to_numpy(float)[repeat]]
    return [
        (BGNBD(), [0.24, 4.4, 0.79, 2.4], purchases),
        (ParetoNBD(), [0.553, 10.578, 0.606, 11.669], purchases),  # alpha < beta
        (ParetoNBD(), [2.0, 50.0, 0.2, 0.5], purchases),  # alpha > beta, series to 0.99
        (ParetoNBD(), [0.5, 1.0, 0.8, 30.0], purchases),
        (ParetoNBD(), [1.0, 1.0, 1.0, 1.0], purchases),  # alpha == beta
        (MBGNBD(), [0.5, 6.0, 0.9, 1.6], purchases),
        (BGBB(), [1.2, 0.75, 0.66, 2.78], drives),
        (BGBB(), [0.3, 2.0, 5.0, 0.4], drives),
        (ShiftedBetaGeometric(), [0.67, 3.8], cohort),
        (ShiftedBetaGeometric(), [2.5, 0.3], cohort),
        (GammaGamma(), [6.25, 3.74, 15.44], spend),
    ]


@pytest.mark.parametrize(("model", "params", "data"), _gradient_cases())
def test_analytic_gradients_equal_differences_of_the_likelihood(model, params, data):
    """Each analytic gradient (Pareto/NBD, BG/BB and sBG since issue 13) against central differences of the
    model's own log-likelihood, away from the optimum as well as near it."""
    params = np.asarray(params, dtype=float)
    ll, grad = model._value_and_gradient(params, *data)
    assert ll == pytest.approx(model._log_likelihood(params, *data), rel=1e-12)
    step = 1e-6 * params
    numeric = np.column_stack(
        [
            (model._log_likelihood(params + e, *data) - model._log_likelihood(params - e, *data))
            / (2 * h)
            for e, h in zip(np.diag(step), step, strict=True)
        ]
    )
    assert grad.shape == numeric.shape
    np.testing.assert_allclose(grad, numeric, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("params", [[6.25, 3.74, 15.44], [0.5, 8.0, 2.0], [40.0, 1.2, 300.0]])
def test_gamma_gamma_totals_equal_the_weighted_per_row_sums(params):
    """The fit sums Gamma-Gamma's likelihood from statistics taken once (issue 13): value and
    gradient equal the weighted sums of the per-row definitions, grouped frequency or not."""
    from clv_xl.models.grouped import Grouped

    cdnow = cdnow_summary()
    repeat = cdnow["x"] > 0
    x = cdnow["x"][repeat].to_numpy(float)
    m = cdnow["zbar"][repeat].to_numpy(float)
    w = np.random.default_rng(1).integers(1, 4, x.size).astype(float)
    model, p = GammaGamma(), np.asarray(params)
    ll, per_row = model._value_and_gradient(p, x, m)
    for column in (x, Grouped(x)):
        total, grad = model._totals(column, m, w)(p)
        assert total == pytest.approx(float(w @ ll), rel=1e-12)
        np.testing.assert_allclose(grad, w @ per_row, rtol=1e-10)


@pytest.mark.parametrize("cls", [BGNBD, MBGNBD])
@pytest.mark.parametrize("params", [[0.243, 4.414, 0.793, 2.426], [2.0, 0.5, 5.0, 0.3]])
def test_beta_geometric_totals_equal_the_weighted_per_row_sums(cls, params):
    """BG/NBD's fit sums the customers without repeat purchases once per distinct T (issue 13),
    MBG/NBD's the same way (issue 33): value and gradient equal the weighted sums of the
    per-row definitions."""
    from clv_xl.models.grouped import Grouped

    cdnow = cdnow_summary()
    x, tx, t = (cdnow[c].to_numpy(float) for c in ("x", "t_x", "T"))
    w = np.random.default_rng(2).integers(1, 4, x.size).astype(float)
    model, p = cls(), np.asarray(params)
    ll, per_row = model._value_and_gradient(p, x, tx, t)
    for data in ((x, tx, t), (Grouped(x), Grouped(tx), Grouped(t))):
        total, grad = model._totals(*data, w)(p)
        assert total == pytest.approx(float(w @ ll), rel=1e-12)
        np.testing.assert_allclose(grad, w @ per_row, rtol=1e-10, atol=1e-9)


@pytest.mark.parametrize("cls", [BGNBD, MBGNBD])
@pytest.mark.parametrize(
    "params", [[0.243, 4.414, 0.793, 2.426], [2.0, 0.5, 5.0, 0.3], [0.05, 40.0, 0.2, 90.0]]
)
def test_beta_geometric_hessian_equals_differences_of_the_gradient(cls, params):
    """The exact Hessian the BG/NBD family's fits take Newton steps and standard errors from
    (issue 33) against central differences of the analytic gradient."""
    cdnow = cdnow_summary()
    x, tx, t = (cdnow[c].to_numpy(float) for c in ("x", "t_x", "T"))
    w = np.random.default_rng(3).integers(1, 4, x.size).astype(float)
    totals, p = cls()._totals(x, tx, t, w), np.asarray(params, dtype=float)
    total, grad, hess = totals.with_hessian(p)
    assert (total, list(grad)) == (totals(p)[0], list(totals(p)[1]))
    step = 1e-6 * p
    numeric = np.column_stack(
        [
            (totals(p + e)[1] - totals(p - e)[1]) / (2 * h)
            for e, h in zip(np.diag(step), step, strict=True)
        ]
    )
    np.testing.assert_allclose(hess, hess.T, rtol=0, atol=0)
    np.testing.assert_allclose(hess, numeric, rtol=1e-6, atol=1e-6 * np.abs(numeric).max())


@pytest.mark.parametrize("cls", [BGNBD, MBGNBD])
def test_forecasts_per_distinct_pair_equal_the_direct_ones(cls, monkeypatch):
    """Lifetime value takes the hypergeometric part once per distinct (x, T) pair for all its
    horizons (issue 13): exactly what computing it for every customer gives."""
    import clv_xl.models.repeat_buying as repeat_buying
    from clv_xl.models import lifetime_value

    cdnow = cdnow_summary()
    x, tx, t = (cdnow[c].to_numpy(float) for c in ("x", "t_x", "T"))
    x, tx, t = np.tile(x, 2), np.tile(tx, 2), np.tile(t, 2)  # 4,714 rows: past PAIR_ROWS
    model = cls.from_params({"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426})
    spend = np.full(x.size, 30.0)
    sizes = []
    real = repeat_buying.hyp2f1
    monkeypatch.setattr(
        repeat_buying, "hyp2f1", lambda *a: sizes.append(np.size(a[-1])) or real(*a)
    )
    grouped = lifetime_value(model, spend, x, tx, t, 24, 0.01)
    monkeypatch.setattr(repeat_buying, "PAIR_ROWS", 10**9)
    direct = lifetime_value(model, spend, x, tx, t, 24, 0.01)
    assert sizes[-1] == x.size * 25 and sizes[0] <= x.size * 25 / 2  # once per pair, then not
    assert np.array_equal(grouped, direct)


def test_fits_and_forecasts_run_on_one_blas_thread(monkeypatch):
    """OpenBLAS threads spinning after a dot product slowed fits three- to fourfold on two
    cores (issue 13): fits and lifetime value run with one BLAS thread, and the limit is
    lifted when they return."""
    from threadpoolctl import threadpool_info

    from clv_xl.models import lifetime_value

    def blas_threads():
        return {i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"}

    before = blas_threads()
    seen = []
    real = GammaGamma._totals

    def spying(self, *args):
        totals = real(self, *args)
        return lambda params: seen.append(blas_threads()) or totals(params)

    monkeypatch.setattr(GammaGamma, "_totals", spying)
    cdnow = cdnow_summary()
    repeat = cdnow["x"] > 0
    GammaGamma().fit(cdnow["x"][repeat], cdnow["zbar"][repeat])
    assert seen and all(s == {1} for s in seen)
    model = BGNBD.from_params({"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426})
    real_expected = BGNBD.expected_purchases
    inside = []
    monkeypatch.setattr(
        BGNBD, "expected_purchases", lambda *a: inside.append(blas_threads()) or real_expected(*a)
    )
    lifetime_value(model, np.ones(3), [1, 2, 3], [5, 6, 7], [10, 10, 10])
    assert inside == [{1}]
    assert blas_threads() == before
