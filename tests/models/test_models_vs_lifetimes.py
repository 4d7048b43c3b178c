"""Side by side with lifetimes 0.11.3 on the same data: parameters and predictions agree.

Parameters to 1e-3 relative (two optimisers stopping at the same optimum), predictions of one
model given the same parameters to 1e-8.
"""

import warnings

import numpy as np
import pandas as pd
import pytest

warnings.filterwarnings("ignore")
lifetimes = pytest.importorskip("lifetimes")

from clv_xl.models import BGBB, BGNBD, MBGNBD, GammaGamma, ParetoNBD, lifetime_value  # noqa: E402
from tests.helpers.data import donations  # noqa: E402

PAIRS = [
    (BGNBD, lifetimes.BetaGeoFitter, ("r", "alpha", "a", "b")),
    (MBGNBD, lifetimes.ModifiedBetaGeoFitter, ("r", "alpha", "a", "b")),
    (ParetoNBD, lifetimes.ParetoNBDFitter, ("r", "alpha", "s", "beta")),
]


@pytest.mark.parametrize(("ours", "theirs", "names"), PAIRS)
def test_repeat_buying_models_agree(cdnow, ours, theirs, names):
    x, tx, big_t = cdnow["x"], cdnow["t_x"], cdnow["T"]
    mine = ours().fit(x, tx, big_t)
    ref = theirs().fit(x, tx, big_t)
    for name in names:
        assert mine.params_[name] == pytest.approx(ref.params_[name], rel=1e-3)
    # predictions from identical parameters
    same = ours.from_params({k: ref.params_[k] for k in names})
    xs, txs, ts = x.to_numpy(), tx.to_numpy(), big_t.to_numpy()
    np.testing.assert_allclose(
        same.p_alive(xs, txs, ts),
        np.asarray(ref.conditional_probability_alive(xs, txs, ts), dtype=float),
        rtol=1e-8,
    )
    np.testing.assert_allclose(
        same.expected_purchases(39, xs, txs, ts),
        np.asarray(ref.conditional_expected_number_of_purchases_up_to_time(39, xs, txs, ts)),
        rtol=1e-8,
    )
    np.testing.assert_allclose(
        same.expected_purchases_new(np.array([1.0, 10, 52])),
        np.asarray(ref.expected_number_of_purchases_up_to_time(np.array([1.0, 10, 52]))),
        rtol=1e-8,
    )


def test_bgbb_agrees():
    d = donations()
    ref = lifetimes.BetaGeoBetaBinomFitter().fit(
        d["frequency"], d["recency"], d["periods"], d["weights"]
    )
    mine = BGBB().fit(d["frequency"], d["recency"], d["periods"], d["weights"])
    names = ("alpha", "beta", "gamma", "delta")
    for name in names:
        assert mine.params_[name] == pytest.approx(ref.params_[name], rel=1e-3)
    same = BGBB.from_params({k: ref.params_[k] for k in names})
    x, tx, n = (d[c].to_numpy() for c in ("frequency", "recency", "periods"))
    np.testing.assert_allclose(
        same.p_alive(x, tx, n),
        np.asarray(ref.conditional_probability_alive(0, x, tx, n)),
        rtol=1e-8,
    )
    np.testing.assert_allclose(
        same.expected_purchases(5, x, tx, n),
        np.asarray(ref.conditional_expected_number_of_purchases_up_to_time(5, x, tx, n)),
        rtol=1e-8,
    )


def test_gamma_gamma_and_lifetime_value_agree(cdnow):
    repeat = cdnow[cdnow["x"] > 0]
    ref_gg = lifetimes.GammaGammaFitter().fit(repeat["x"], repeat["zbar"])
    mine = GammaGamma().fit(cdnow["x"], cdnow["zbar"])
    for a, b in (("p", "p"), ("q", "q"), ("gamma", "v")):
        assert mine.params_[a] == pytest.approx(ref_gg.params_[b], rel=1e-3)
    ref_bg = lifetimes.BetaGeoFitter().fit(cdnow["x"], cdnow["t_x"], cdnow["T"])
    spend = GammaGamma.from_params([ref_gg.params_[k] for k in ("p", "q", "v")])
    bg = BGNBD.from_params({k: ref_bg.params_[k] for k in ("r", "alpha", "a", "b")})
    x, tx, big_t, m = (cdnow[c].to_numpy() for c in ("x", "t_x", "T", "zbar"))
    np.testing.assert_allclose(
        spend.expected_spend(x, m),
        ref_gg.conditional_expected_average_profit(cdnow["x"], cdnow["zbar"]).to_numpy(),
        rtol=1e-10,
    )
    ours = lifetime_value(bg, spend.expected_spend(x, m), x, tx, big_t, 12, 0.01)
    theirs = ref_gg.customer_lifetime_value(
        ref_bg,
        cdnow["x"],
        cdnow["t_x"],
        cdnow["T"],
        cdnow["zbar"],
        time=12,
        discount_rate=0.01,
        freq="W",
    )
    np.testing.assert_allclose(ours, np.asarray(theirs, dtype=float), rtol=1e-8, atol=1e-9)


def test_summary_agrees_with_lifetimes_daily_summary():
    from clv_xl.data import summarize
    from tests.helpers.data import cdnow_transactions

    raw = cdnow_transactions()
    raw["when"] = pd.to_datetime(raw["date"].astype(str), format="%Y%m%d")
    ref = lifetimes.utils.summary_data_from_transaction_data(
        raw,
        "id",
        "when",
        "amount",
        observation_period_end="1997-09-30",
        freq="D",
        freq_multiplier=7,
    )
    mine = summarize(raw["id"], raw["when"], raw["amount"], "1997-09-30").set_index("customer")
    mine = mine.loc[ref.index]
    for col in ("frequency", "recency", "T", "monetary_value"):
        np.testing.assert_allclose(mine[col], ref[col], rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize(
    ("ours", "theirs", "names"),
    [PAIRS[0], PAIRS[1]],
)
def test_standard_errors_match_lifetimes_exact_hessian(cdnow, ours, theirs, names):
    """lifetimes takes its Hessian from autograd (exact); ours is central differences of the
    analytic gradient. The two optima differ by about 1e-7, so 1e-5 is the honest tolerance
    (the old forward-difference Hessian was off by 1e-4)."""
    x, tx, big_t = cdnow["x"], cdnow["t_x"], cdnow["T"]
    mine = ours().fit(x, tx, big_t)
    ref = theirs().fit(x, tx, big_t)
    for name in names:
        assert mine.standard_errors_[name] == pytest.approx(
            float(ref.summary.loc[name, "se(coef)"]), rel=1e-5
        )
