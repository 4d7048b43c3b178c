"""Checked by simulation: customers drawn from the models with known parameters (seeded).

- The fits recover the true parameters within two standard errors about as often as they should
  (95% nominal; the test asks for at least 85% over all parameters and repetitions).
- The 90% intervals of CLV_INTERVAL's total expected purchases cover the truth (the total that
  the true parameters give the same customers) in 80% to 97% of repetitions.

Seeded, so each run draws the same customers; the figures are in the README.
"""

import numpy as np
import pytest

from clv_xl.models import BGNBD, GammaGamma, ParetoNBD
from clv_xl.models.intervals import bootstrap_interval

BG_TRUE = {"r": 0.25, "alpha": 4.0, "a": 0.8, "b": 2.5}
PARETO_TRUE = {"r": 0.55, "alpha": 10.5, "s": 0.6, "beta": 11.7}
GG_TRUE = {"p": 6.0, "q": 4.0, "gamma": 15.0}


def simulate_bgnbd(n, rng, params=BG_TRUE, weeks=(30.0, 40.0)):
    """BG/NBD (Fader, Hardie & Lee 2005): Poisson purchases at rate lambda ~ Gamma(r, alpha);
    after each repeat purchase the customer leaves with probability p ~ Beta(a, b)."""
    lam = rng.gamma(params["r"], 1 / params["alpha"], n)
    p = rng.beta(params["a"], params["b"], n)
    big_t = rng.uniform(*weeks, n)
    t, x, tx = np.zeros(n), np.zeros(n), np.zeros(n)
    active = np.ones(n, dtype=bool)
    while active.any():
        t = t + rng.exponential(1 / np.maximum(lam, 1e-12))
        buy = active & (t <= big_t)
        x += buy
        tx = np.where(buy, t, tx)
        active = buy & (rng.uniform(size=n) >= p)
    return x, tx, big_t


def simulate_pareto(n, rng, params=PARETO_TRUE, weeks=(30.0, 40.0)):
    """Pareto/NBD (Schmittlein et al. 1987): purchases at rate lambda ~ Gamma(r, alpha) until an
    exponential lifetime with rate mu ~ Gamma(s, beta)."""
    lam = rng.gamma(params["r"], 1 / params["alpha"], n)
    mu = rng.gamma(params["s"], 1 / params["beta"], n)
    big_t = rng.uniform(*weeks, n)
    end = np.minimum(rng.exponential(1 / mu), big_t)
    t, x, tx = np.zeros(n), np.zeros(n), np.zeros(n)
    active = np.ones(n, dtype=bool)
    while active.any():
        t = t + rng.exponential(1 / np.maximum(lam, 1e-12))
        active = active & (t <= end)
        x += active
        tx = np.where(active, t, tx)
    return x, tx, big_t


def simulate_spend(x, rng, params=GG_TRUE):
    """Gamma-Gamma (Fader, Hardie & Lee 2005, JMR): each purchase ~ Gamma(p, nu), nu ~
    Gamma(q, gamma); the mean of x purchases is Gamma(p x, nu x)."""
    nu = rng.gamma(params["q"], 1 / params["gamma"], x.size)
    return rng.gamma(params["p"] * x, 1 / (nu * x))


def within_two_se(model, truth):
    return [abs(model.params_[k] - v) <= 2 * model.standard_errors_[k] for k, v in truth.items()]


def share_within_two_se(name, fit_once, truth, repetitions=20):
    """The share of the parameters within two standard errors of the truth, over repetitions."""
    hits = []
    for _ in range(repetitions):
        model = fit_once()
        assert model.converged_, model.message_
        hits += within_two_se(model, truth)
    share = float(np.mean(hits))
    print(f"{name}: {share:.0%} of parameters within 2 standard errors (95% nominal)")
    return share


@pytest.mark.parametrize(
    ("cls", "simulate", "truth", "customers"),
    [(BGNBD, simulate_bgnbd, BG_TRUE, 2000), (ParetoNBD, simulate_pareto, PARETO_TRUE, 2000)],
    ids=["BG/NBD", "Pareto/NBD"],
)
def test_fits_recover_the_parameters_within_their_standard_errors(cls, simulate, truth, customers):
    rng = np.random.default_rng(20261125)
    share = share_within_two_se(cls.name, lambda: cls().fit(*simulate(customers, rng)), truth)
    assert share >= 0.85


def test_gamma_gamma_recovers_its_parameters():
    rng = np.random.default_rng(7)

    def fit_once():
        x = rng.integers(1, 12, 3000).astype(float)
        return GammaGamma().fit(x, simulate_spend(x, rng))

    assert share_within_two_se("Gamma-Gamma", fit_once, GG_TRUE) >= 0.85


def test_intervals_for_total_purchases_cover_the_truth_at_about_their_level():
    rng = np.random.default_rng(1125)
    truth_model = BGNBD.from_params(BG_TRUE)
    covered, repetitions = 0, 60
    for _ in range(repetitions):
        x, tx, big_t = simulate_bgnbd(1000, rng)
        model = BGNBD().fit(x, tx, big_t)
        truth = float(truth_model.expected_purchases(39.0, x, tx, big_t).sum())

        def forecast(m, x=x, tx=tx, big_t=big_t):
            return m.expected_purchases(39.0, x, tx, big_t)

        _, _, _, _, low, high = bootstrap_interval(model, model.cov_log_, forecast, 0.9, 300)
        covered += low <= truth <= high
    coverage = covered / repetitions
    print(f"BG/NBD 90% interval of total expected purchases: covers the truth in {coverage:.0%}")
    assert 0.80 <= coverage <= 0.97


def test_simulated_bgnbd_matches_the_model_it_came_from():
    """The simulator itself: the share of customers with no repeat purchase matches the model's
    P(X(T) = 0) to sampling error, so the checks above test the fits, not the simulator."""
    rng = np.random.default_rng(3)
    x, _, _ = simulate_bgnbd(50_000, rng, weeks=(39.0, 39.0))
    r, alpha = BG_TRUE["r"], BG_TRUE["alpha"]
    # P(X(t)=0) for BG/NBD: (alpha / (alpha + t))^r (Fader, Hardie & Lee 2005, eq. 8 with x=0)
    p_zero = (alpha / (alpha + 39.0)) ** r
    assert np.mean(x == 0) == pytest.approx(p_zero, abs=0.01)
    expected = BGNBD.from_params(BG_TRUE).expected_purchases_new(39.0)
    assert np.mean(x) == pytest.approx(expected, rel=0.03)  # E[X(t)], eq. 9


@pytest.mark.parametrize("levels", [(0.05, 0.95), (0.0, 0.5, 1.0), (0.025, 0.975)])
@pytest.mark.parametrize("block", [1024, 16, 7])  # one block, or blocks over the cores
def test_column_quantiles_are_numpys_nanquantile_to_the_bit(levels, block, monkeypatch):
    from clv_xl.models import intervals
    from clv_xl.models.intervals import column_quantiles

    monkeypatch.setattr(intervals, "QUANTILE_BLOCK", block)

    rng = np.random.default_rng(3)
    samples = rng.gamma(2.0, size=(301, 40))
    samples[5, 2] = np.nan  # a draw with no finite result
    samples[:, 7] = np.nan  # a customer no draw could predict
    samples[:300, 9] = np.nan  # one finite draw
    samples[:, 11] = 4.25  # all the same
    with np.errstate(invalid="ignore"), pytest.warns(RuntimeWarning, match="All-NaN"):
        expected = np.nanquantile(samples, levels, axis=0)
    assert np.array_equal(column_quantiles(samples, levels), expected, equal_nan=True)
