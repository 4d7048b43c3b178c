"""BdW retention (Fader, Hardie, Liu, Davin & Steenburgh 2018): no published estimates are at
hand, so it is checked against a direct maximisation of its likelihood, written independently
here, from several starting points, and against sBG as its case c = 1."""

import numpy as np
import pytest
from scipy import optimize
from scipy.special import beta as beta_fn

from clv_xl.models import BetaDiscreteWeibull, ShiftedBetaGeometric
from tests.helpers.data import HIGH_END, REGULAR

# Fader & Hardie (2007), Table 1: actual survivors per 1,000 in years 8-12
ACTUAL_8_12 = {"regular": [223, 207, 194, 183, 173], "high end": [468, 445, 427, 409, 394]}
COHORTS = {"regular": REGULAR, "high end": HIGH_END}


def direct_log_likelihood(params, counts):
    a, b, c = params
    survival = lambda t: beta_fn(a, b + t**c) / beta_fn(a, b)  # noqa: E731
    t = np.arange(1, len(counts))
    lost = -np.diff(counts)
    return np.sum(lost * np.log(survival(t - 1) - survival(t))) + counts[-1] * np.log(
        survival(t[-1])
    )


@pytest.mark.parametrize("name", COHORTS)
def test_the_fit_is_the_maximum_from_several_starts(name):
    counts = np.array(COHORTS[name], dtype=float)
    fitted = BetaDiscreteWeibull().fit(counts)
    assert fitted.converged_ and fitted.status_ == "converged"
    best = None
    for start in ([1.0, 1.0, 1.0], [0.2, 2.0, 2.0], [3.0, 0.5, 0.7], [0.5, 5.0, 1.5]):
        found = optimize.minimize(lambda z: -direct_log_likelihood(np.exp(z), counts),
                                  np.log(start), method="Nelder-Mead",
                                  options={"xatol": 1e-10, "fatol": 1e-12, "maxiter": 40_000,
                                           "maxfev": 80_000})  # fmt: skip
        if best is None or found.fun < best.fun:
            best = found
    assert fitted.log_likelihood_ == pytest.approx(-best.fun, abs=1e-6)
    np.testing.assert_allclose(list(fitted.params_.values()), np.exp(best.x), rtol=1e-4)


@pytest.mark.parametrize("name", COHORTS)
def test_c_equal_1_is_sbg(name):
    counts = np.array(COHORTS[name], dtype=float)
    sbg = ShiftedBetaGeometric().fit(counts)
    a, b = sbg.params_["alpha"], sbg.params_["beta"]
    bdw = BetaDiscreteWeibull.from_params([a, b, 1.0])
    t = np.arange(1, 13, dtype=float)
    np.testing.assert_allclose(bdw.survival(t), sbg.survival(t), rtol=1e-12)
    np.testing.assert_allclose(bdw.retention(t), sbg.retention(t), rtol=1e-12)
    assert direct_log_likelihood([a, b, 1.0], counts) == pytest.approx(
        sbg.log_likelihood_, rel=1e-12
    )
    for d, n in ((0.1, 0), (0.1, 4), (0.25, 10)):
        assert bdw.derl(d, n) == pytest.approx(sbg.derl(d, n), rel=1e-10)


def test_the_gradient_is_the_likelihoods_slope():
    counts = np.array(HIGH_END, dtype=float)
    t, lost, kept = np.arange(1, 8.0), -np.diff(counts), np.full(7, counts[-1])
    model = BetaDiscreteWeibull()
    for p in ([0.2, 1.4, 1.7], [2.0, 0.5, 0.6]):
        p = np.array(p)
        _, grad = model._value_and_gradient(p, t, lost, kept)
        h = 1e-6
        numeric = [(direct_log_likelihood(p + e, counts) - direct_log_likelihood(p - e, counts)) / (2 * h)
                   for e in np.eye(3) * h]  # fmt: skip
        np.testing.assert_allclose(grad[0], numeric, rtol=1e-6)


@pytest.mark.parametrize("name", COHORTS)
def test_projections_of_years_8_to_12_against_the_actual_survivors(name):
    """Fitted on years 0-7: BdW within 3% of the actual survivors of years 8-12 for both
    cohorts (regular 223.4 ... 177.3 for 223 ... 173; high end 467.8 ... 403.9 for 468 ... 394);
    for the high end it is closer than sBG (which falls to 378), for the regular cohort sBG's
    3 a year is as close (BdW is 4.3 above in year 12)."""
    counts = COHORTS[name]
    years = np.arange(8, 13, dtype=float)
    actual = np.array(ACTUAL_8_12[name], dtype=float)
    bdw = 1000 * BetaDiscreteWeibull().fit(counts).survival(years)
    sbg = 1000 * ShiftedBetaGeometric().fit(counts).survival(years)
    assert np.abs(bdw / actual - 1).max() < 0.03
    if name == "high end":
        assert np.abs(bdw - actual).max() < 10 < np.abs(sbg - actual).max()
