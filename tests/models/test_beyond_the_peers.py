"""P(n purchases), model comparison and the tracking plot (issue 22), each against an
independent reference: lifetimes where it has the quantity, identities the distribution must
satisfy, a simulation, or the published CDNOW figures."""

import numpy as np
import pytest

from clv_xl.data.tracking import tracking
from clv_xl.models import BGNBD, MBGNBD, ParetoNBD
from clv_xl.models.compare import compare
from clv_xl.models.counts import purchase_probability
from tests.helpers.data import cdnow_transactions

MODELS = [BGNBD, MBGNBD, ParetoNBD]
N = np.arange(0, 400, dtype=float)


@pytest.fixture(scope="module")
def fits(cdnow):
    return {m.name: m().fit(cdnow["x"], cdnow["t_x"], cdnow["T"]) for m in MODELS}


def test_new_customer_bgnbd_equals_lifetimes(cdnow, fits):
    lifetimes = pytest.importorskip("lifetimes")
    theirs = lifetimes.BetaGeoFitter().fit(cdnow["x"], cdnow["t_x"], cdnow["T"])
    ours = BGNBD.from_params([theirs.params_[k] for k in ("r", "alpha", "a", "b")])
    for t in (1.0, 39.0, 78.0):
        expected = [theirs.probability_of_n_purchases_up_to_time(t, n) for n in range(12)]
        np.testing.assert_allclose(purchase_probability(ours, np.arange(12.0), t), expected,
                                   rtol=1e-8, atol=1e-14)  # fmt: skip


@pytest.mark.parametrize("name", ["BG/NBD", "MBG/NBD", "Pareto/NBD"])
def test_new_customer_distribution_sums_to_1_with_the_models_mean(fits, name):
    model = fits[name]
    for t in (5.0, 39.0, 100.0):
        pmf = purchase_probability(model, N, t)
        assert pmf.sum() == pytest.approx(1.0, abs=1e-9)
        assert pmf @ N == pytest.approx(float(model.expected_purchases_new(t)), rel=1e-8)


@pytest.mark.parametrize("name", ["BG/NBD", "Pareto/NBD"])
def test_conditional_distribution_sums_to_1_with_the_conditional_mean(cdnow, fits, name):
    model = fits[name]
    rows = cdnow.iloc[[0, 1, 5, 20, 100, 1500]]
    x, tx, big_t = (rows[c].to_numpy(float) for c in ("x", "t_x", "T"))
    pmf = purchase_probability(model, N[:, None], 39.0, x, tx, big_t)
    np.testing.assert_allclose(pmf.sum(axis=0), 1.0, atol=1e-9)
    np.testing.assert_allclose(N @ pmf, model.expected_purchases(39.0, x, tx, big_t), rtol=1e-8)
    zero = purchase_probability(model, 0, 39.0, x, tx, big_t)
    assert np.all(zero >= 1 - model.p_alive(x, tx, big_t))  # a customer who left buys nothing


def test_pareto_nbd_new_customer_by_simulation():
    rng = np.random.default_rng(7)
    r, alpha, s, beta = 0.553, 10.578, 0.606, 11.669
    draws = 400_000
    lam = rng.gamma(r, 1 / alpha, draws)
    mu = rng.gamma(s, 1 / beta, draws)
    life = rng.exponential(1 / mu)
    counts = rng.poisson(lam * np.minimum(life, 39.0))
    model = ParetoNBD.from_params([r, alpha, s, beta])
    pmf = purchase_probability(model, np.arange(5.0), 39.0)
    observed = np.bincount(counts, minlength=5)[:5] / draws
    se = np.sqrt(pmf * (1 - pmf) / draws)
    assert np.all(np.abs(observed - pmf) < 4 * se), (observed, pmf)


def test_mbgnbd_with_a_history_is_refused_in_one_line(fits):
    from clv_xl.errors import InputError

    with pytest.raises(InputError, match="no conditional distribution of MBG/NBD"):
        purchase_probability(fits["MBG/NBD"], 1, 39.0, [2.0], [30.43], [38.86])


def test_compare_aic_bic_and_the_choice(cdnow, fits):
    table = compare(cdnow["x"], cdnow["t_x"], cdnow["T"])
    rows = {row[0]: row[1:] for row in table}
    assert rows["model"] == ["BG/NBD", "MBG/NBD", "Pareto/NBD"]
    n = len(cdnow)
    for i, name in enumerate(rows["model"]):
        ll = fits[name].log_likelihood_
        assert rows["log_likelihood"][i] == pytest.approx(ll, rel=1e-9)
        assert rows["AIC"][i] == pytest.approx(2 * 4 - 2 * ll, rel=1e-12)
        assert rows["BIC"][i] == pytest.approx(4 * np.log(n) - 2 * ll, rel=1e-12)
    assert rows["r"][0] == pytest.approx(0.243, abs=5e-4)  # Fader, Hardie & Lee (2005)
    assert rows["s"][0] == "" and rows["a"][2] == ""
    assert rows["BIC prefers"][0] == rows["model"][int(np.argmin(rows["BIC"]))]


def test_compare_with_holdout_and_weights(cdnow, fits):
    x, tx, big_t = (cdnow[c].to_numpy(float) for c in ("x", "t_x", "T"))
    actual = np.minimum(x, 3.0)  # any holdout counts will do for the arithmetic
    table = compare(x, tx, big_t, ["BG/NBD", "Pareto/NBD"], None, actual, 39.0)
    rows = {row[0]: row[1:] for row in table}
    predicted = fits["BG/NBD"].expected_purchases(39.0, x, tx, big_t)
    assert rows["holdout_predicted"][0] == pytest.approx(predicted.sum(), rel=1e-9)
    assert rows["holdout_actual"] == [actual.sum()] * 2
    assert rows["holdout_mae"][0] == pytest.approx(np.abs(predicted - actual).mean(), rel=1e-9)
    assert rows["holdout_correlation"][0] == pytest.approx(np.corrcoef(predicted, actual)[0, 1])
    doubled = compare(x, tx, big_t, ["BG/NBD"], np.full(x.size, 2.0))
    assert {r[0]: r[1] for r in doubled}["log_likelihood"] == pytest.approx(
        2 * fits["BG/NBD"].log_likelihood_, rel=1e-7)  # fmt: skip


@pytest.fixture(scope="module")
def log():
    import datetime as dt

    t = cdnow_transactions()
    days = np.array([dt.datetime.strptime(str(v), "%Y%m%d") for v in t["date"]],
                    dtype="datetime64[D]")  # fmt: skip
    return t["id"].to_numpy(object), days


def test_tracking_matches_the_summary_and_the_model(cdnow, fits, log):
    ids, days = log
    model = fits["BG/NBD"]
    calibration = tracking(model, ids, days, np.datetime64("1997-09-30"))
    assert len(calibration) == 39  # 1997-01-01 to 1997-09-30 in weeks
    assert calibration["cumulative_actual"].iloc[-1] == cdnow["x"].sum() == 2457
    # at the calibration end each customer has been around exactly T weeks (T from the log:
    # the published summary rounds it to 2 decimals)
    from clv_xl.data import summarize

    ages = summarize(ids, days, None, np.datetime64("1997-09-30"))["T"].to_numpy(float)
    expected = float(model.expected_purchases_new(ages).sum())
    assert calibration["cumulative_expected"].iloc[-1] == pytest.approx(expected, rel=1e-9)
    both = tracking(model, ids, days, np.datetime64("1997-09-30"), np.datetime64("1998-06-30"))
    assert len(both) == 78
    np.testing.assert_allclose(both["actual"].cumsum(), both["cumulative_actual"])
    np.testing.assert_allclose(both["expected"].cumsum(), both["cumulative_expected"])
    assert both["actual"].iloc[0] == 0  # week 1: first purchases only, no repeat yet


def test_pareto_nbd_conditional_equals_lifetimes(cdnow):
    """lifetimes' ParetoNBDFitter has the conditional P(n) in closed form (Fader & Hardie's note);
    ours integrates over the drop-out time: equal to 1e-11 relative (1e-15 absolute where the
    closed form's cancellation leaves only round-off)."""
    lifetimes = pytest.importorskip("lifetimes")
    theirs = lifetimes.ParetoNBDFitter().fit(cdnow["x"], cdnow["t_x"], cdnow["T"])
    ours = ParetoNBD.from_params([theirs.params_[k] for k in ("r", "alpha", "s", "beta")])
    x, tx, big_t = (cdnow[c].to_numpy(float) for c in ("x", "t_x", "T"))
    for t in (1.0, 39.0, 500.0):
        for n in (0, 1, 2, 10):
            expected = theirs.conditional_probability_of_n_purchases_up_to_time(n, t, x, tx, big_t)
            np.testing.assert_allclose(purchase_probability(ours, n, t, x, tx, big_t),
                                       np.asarray(expected), rtol=1e-11, atol=1e-15)  # fmt: skip
