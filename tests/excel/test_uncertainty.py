"""CLV_INTERVAL, CLV_FIT_COHORTS, CLV_SUMMARY's cohort column and fits that explain themselves."""

import datetime as dt

import numpy as np
import pytest

from clv_xl.excel.udfs import CLV_FIT, CLV_FIT_COHORTS, CLV_INTERVAL, CLV_SUMMARY
from clv_xl.models import BGNBD
from tests.helpers.data import cdnow_summary, cdnow_transactions


def column(values):
    return [[float(v)] for v in values]


@pytest.fixture(scope="module")
def cdnow_fit(cdnow):
    c = cdnow
    x, tx, t = column(c["x"]), column(c["t_x"]), column(c["T"])
    return CLV_FIT("BG/NBD", x, tx, t), x, tx, t


def test_interval_holds_the_published_forecast_and_a_total(cdnow_fit):
    params, x, tx, t = cdnow_fit
    out = CLV_INTERVAL(params, "purchases", 39, x, tx, t)
    assert out[0] == ["customer", "purchases", "lower 90%", "upper 90%"]
    first = out[1]  # x=2, t_x=30.43, T=38.86: 1.226 purchases (Fader, Hardie & Lee 2005)
    assert first[0] == 1 and first[1] == pytest.approx(1.226, abs=5e-4)
    assert first[2] < first[1] < first[3]
    total = out[-1]
    assert total[0] == "total" and total[2] < total[1] < total[3]
    assert len(out) == 2357 + 2
    assert CLV_INTERVAL(params, "purchases", 39, x, tx, t) == out  # seeded: the same every time


def test_a_wider_level_gives_wider_bounds_and_p_alive_stays_in_0_1(cdnow_fit):
    params, x, tx, t = cdnow_fit
    narrow = CLV_INTERVAL(params, "p_alive", 39, x, tx, t, 0.8, 400)
    wide = CLV_INTERVAL(params, "p_alive", 39, x, tx, t, 0.99, 400)
    assert wide[-1][3] - wide[-1][2] > narrow[-1][3] - narrow[-1][2]
    values = np.array([row[1:] for row in wide[1:-1]], dtype=float)
    assert values.min() >= 0 and values.max() <= 1


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"quantity": "worth"}, 'quantity got "worth"'),
        ({"level": 1.5}, "level got 1.5"),
        ({"draws": 10}, "draws got 10"),
        ({"params": "no corr"}, "corr_"),
    ],
)
def test_interval_mistakes_are_one_line(cdnow_fit, change, words):
    params, x, tx, t = cdnow_fit
    args = {"params": params, "quantity": "purchases", "level": None, "draws": None}
    args.update(change)
    if args["params"] == "no corr":
        args["params"] = [row for row in params if not str(row[0]).startswith("corr_")]
    out = CLV_INTERVAL(args["params"], args["quantity"], 39, x, tx, t, args["level"], args["draws"])
    assert isinstance(out, str) and out.startswith("CLV_INTERVAL: ") and words in out, out


def test_a_bad_customer_row_gets_its_message_and_the_rest_their_bounds(cdnow_fit):
    params, *_ = cdnow_fit
    out = CLV_INTERVAL(params, "purchases", 39, [[2], ["x"], [None]], [[30.4], [1], [None]],
                       [[38.9], [5], [None]])  # fmt: skip
    assert out[1][0] == 1 and out[2][0].startswith("CLV_INTERVAL: repeat_purchases got the text")
    assert out[3] == ["", "", "", ""]


def test_given_the_whole_summary_spill_each_row_is_named_by_its_customer_id(cdnow_fit):
    # the ids CLV_SUMMARY put in its customer column, not row numbers; a spill as Excel hands it
    # (rows of cells) and as the headless refresh does (a 2-D array)
    params, *_ = cdnow_fit
    header = ["customer", "frequency", "recency", "T", "monetary_value"]
    spill = [header, ["A-17", 2, 30.43, 38.86, 20.0], [9, 0, 0, 38.86, 0], ["Zoe", 1, 2, 30, 5.0]]
    for given in (spill, np.array(spill, dtype=object)):
        out = CLV_INTERVAL(params, "purchases", 39, given)
        assert [row[0] for row in out] == ["customer", "A-17", 9, "Zoe", "total"]
        assert out[1][1] == pytest.approx(1.226, abs=5e-4)
    spill[2][1] = "two"  # a row the model cannot use keeps its message where its id was
    out = CLV_INTERVAL(params, "purchases", 39, spill)
    assert out[1][0] == "A-17" and out[2][0].startswith("CLV_INTERVAL: repeat_purchases got")
    assert out[3][0] == "Zoe"


@pytest.fixture(scope="module")
def summary_with_cohorts():
    raw = cdnow_transactions()
    dates = [dt.datetime.strptime(str(d), "%Y%m%d") for d in raw["date"]]
    out = CLV_SUMMARY(column(raw["id"]), [[d] for d in dates], column(raw["amount"]),
                      dt.datetime(1997, 9, 30), None, "M")  # fmt: skip
    header, rows = out[0], out[1:]
    return {name: [[row[i]] for row in rows] for i, name in enumerate(header)}


def test_summary_adds_the_cohort_of_the_first_purchase(summary_with_cohorts):
    labels = [c[0] for c in summary_with_cohorts["cohort"]]
    assert sorted(set(labels)) == ["1997-01", "1997-02", "1997-03"]  # CDNOW's first quarter
    assert labels.count("1997-01") == 781


@pytest.mark.parametrize(("form", "first"), [("Q", "1997-Q1"), ("Y", "1997"), ("month", "1997-01")])
def test_summary_cohort_forms(form, first):
    out = CLV_SUMMARY([[1], [1]], [[dt.datetime(1997, 1, 5)], [dt.datetime(1997, 2, 5)]],
                      None, None, None, form)  # fmt: skip
    assert out[1][-1] == first
    assert 'cohorts got "week"' in CLV_SUMMARY([[1]], [[dt.datetime(1997, 1, 5)]], None, None,
                                               None, "week")  # fmt: skip


def test_cohorts_side_by_side(summary_with_cohorts):
    s = summary_with_cohorts
    out = CLV_FIT_COHORTS("BG/NBD", s["cohort"], s["frequency"], s["recency"], s["T"])
    table = {row[0]: row[1:] for row in out}
    assert table["cohort"] == ["1997-01", "1997-02", "1997-03"]
    assert table["customers"] == [781, 857, 719]
    assert table["status"] == ["converged"] * 3
    assert all(0.1 < r < 0.5 for r in table["r"])


def test_a_small_cohort_says_so_and_a_mismatch_is_one_line(summary_with_cohorts):
    s = summary_with_cohorts
    labels = [["big"]] * 2000 + [["tiny"]] * 357
    out = CLV_FIT_COHORTS("BG/NBD", labels[:2000] + [["tiny"]] * 10 + [[None]] * 347,
                          s["frequency"], s["recency"], s["T"])  # fmt: skip
    table = {row[0]: row[1:] for row in out}
    assert table["status"][1] == "too small to fit: 10 customers (needs 30)"
    assert table["r"][1] == ""
    short = CLV_FIT_COHORTS("BG/NBD", labels[:5], s["frequency"], s["recency"], s["T"])
    assert short.startswith("CLV_FIT_COHORTS: cohort got")


def test_fits_end_with_a_status_in_plain_words():
    c = cdnow_summary()
    fitted = BGNBD().fit(c["x"], c["t_x"], c["T"])
    assert fitted.status_ == "converged"
    rng = np.random.default_rng(0)
    t = rng.uniform(30, 40, 500)
    x = np.zeros(500)
    x[:3] = 1  # three repeat buyers among 500
    lonely = BGNBD().fit(x, np.where(x > 0, t / 2, 0), t)
    # whether a search settles on so flat a likelihood differs between processors: either
    # way the status says why the fit cannot be trusted
    if lonely.converged_:
        assert lonely.status_.startswith("converged") and ", but weak: " in lonely.status_
        assert "only 3 repeat buyers (fewer than 20)" in lonely.status_
    else:
        assert lonely.status_.startswith(
            "not converged: too few repeat buyers (3 of 500 customers bought again)"
        )
    assert ["status", lonely.status_] in lonely.table()


@pytest.fixture(scope="module")
def with_spend():
    import pandas as pd

    from clv_xl.datasets import __file__ as datasets

    path = datasets.replace("__init__.py", "cdnow_customers_summary_with_transactions.csv")
    c = pd.read_csv(path)
    x, tx, t, m = (column(c[k]) for k in ("x", "t_x", "T", "zbar"))
    from clv_xl.excel.udfs import CLV_FIT_SPEND

    return CLV_FIT("BG/NBD", x, tx, t), CLV_FIT_SPEND(x, m), x, tx, t, m


def test_value_and_spend_intervals_hold_the_point_predictions(with_spend):
    from clv_xl.excel.udfs import CLV_EXPECTED_SPEND, CLV_LIFETIME_VALUE

    params, spend, x, tx, t, m = with_spend
    value = CLV_INTERVAL(params, "value", 12, x, tx, t, None, 200, spend, m, 0.01, 0.3)
    direct = CLV_LIFETIME_VALUE(params, spend, x, tx, t, m, 12, 0.01, 0.3)
    assert [row[1] for row in value[1:-1]] == pytest.approx([row[0] for row in direct], rel=1e-12)
    assert all(row[2] <= row[1] <= row[3] for row in value[1:])
    per_purchase = CLV_INTERVAL(params, "spend", 12, x, tx, t, None, 200, spend, m)
    direct = CLV_EXPECTED_SPEND(spend, x, m)
    assert [row[1] for row in per_purchase[1:-1]] == pytest.approx(
        [r[0] for r in direct], rel=1e-12
    )


@pytest.mark.parametrize(
    ("args", "words"),
    [
        ({}, "spend_params is missing"),
        (
            {"horizon": 0.5},
            'horizon got 0.5; expected a whole number of months from 1 to 1,200 for "value"',
        ),
        ({"margin": 2}, "margin got 2"),
    ],
)
def test_value_interval_mistakes(with_spend, args, words):
    params, spend, x, tx, t, m = with_spend
    call = {"horizon": 12, "spend": spend, "margin": None}
    call.update(args)
    given = (call["spend"], m) if "horizon" in args or "margin" in args else (None, None)
    out = CLV_INTERVAL(params, "value", call["horizon"], x, tx, t, None, 100, *given, None,
                       call["margin"])  # fmt: skip
    assert isinstance(out, str) and words in out, out


def test_the_interval_cache_knows_the_spend_models_uncertainty(with_spend):
    """Two spend tables with the same parameters but different standard errors draw differently:
    the cached bounds of one must not be served for the other."""
    params, spend, x, tx, t, m = with_spend
    wider = [[k, v * 3 if str(k).startswith("se_") else v] for k, v in spend]
    narrow = CLV_INTERVAL(params, "spend", 12, x, tx, t, None, 100, spend, m)
    wide = CLV_INTERVAL(params, "spend", 12, x, tx, t, None, 100, wider, m)
    assert wide[-1][3] - wide[-1][2] > narrow[-1][3] - narrow[-1][2]


def test_cohort_labels_of_a_text_column_are_each_cells_own():
    from clv_xl.excel.uncertainty import _label, _labels

    texts = [" 2024-01", "2024-02 ", "2024-01", "", "x"] * 3
    mixed = [1.0, 2.5, None, "a", dt.datetime(2024, 1, 2)]
    for cells in (texts, mixed):
        assert _labels(cells).tolist() == [_label(v) for v in cells]
