"""Covariates through the Excel layer: ranges with a header row, lined up with the customers,
handed over as xlwings hands them (lists of lists, None for blanks)."""

import datetime as dt

import numpy as np
import pytest

from clv_xl.excel.udfs import (
    CLV_COMPARE,
    CLV_EXPECTED_PURCHASES,
    CLV_FIT,
    CLV_FIT_SPEND,
    CLV_INTERVAL,
    CLV_LIFETIME_VALUE,
    CLV_P_ALIVE,
    CLV_PURCHASE_PROBABILITY,
    CLV_TRACKING,
)
from clv_xl.models import BGNBD, CovariateModel
from tests.helpers.data import cdnow_summary, cdnow_transactions


def column(values):
    return [[v] for v in values]


@pytest.fixture(scope="module")
def customers():
    s = cdnow_summary()
    channel = np.where(s["ID"] % 3 == 0, "web", np.where(s["ID"] % 3 == 1, "store", "catalog"))
    cells = [["channel"], *column(channel.tolist())]
    return column(s["x"].astype(float)), column(s["t_x"]), column(s["T"]), cells, s, channel


@pytest.fixture(scope="module")
def table(customers):
    x, tx, T, cov, _, _ = customers
    return CLV_FIT("BG/NBD", x, tx, T, None, cov, cov)


def test_fit_names_the_coefficient_rows(table):
    names = [row[0] for row in table]
    assert names[:9] == ["model", "r", "alpha", "a", "b", "alpha:channel=store",
                         "alpha:channel=web", "a:channel=store", "a:channel=web"]  # fmt: skip
    assert "se_b:channel=web" in names and "status" in names
    assert dict(table)["converged"] is True


def test_predictions_match_the_model_per_customer(customers, table):
    x, tx, T, cov, s, channel = customers
    fitted = CovariateModel(
        BGNBD, ("channel=store", "channel=web"), ("channel=store", "channel=web")
    )
    z = np.column_stack([channel == "store", channel == "web"]).astype(float)
    fitted.fit(s["x"], s["t_x"], s["T"], None, z, z)
    expected = fitted.customers(z, z).p_alive(s["x"], s["t_x"], s["T"])
    got = np.array(CLV_P_ALIVE(table, x, tx, T, cov, cov), dtype=float).ravel()
    np.testing.assert_allclose(got, expected, rtol=1e-6)


def test_customer_columns_with_their_header_line_up(customers, table):
    x, tx, T, cov, _, _ = customers
    plain = CLV_P_ALIVE(table, x[:5], tx[:5], T[:5], cov[:6], cov[:6])
    headed = CLV_P_ALIVE(table, [["frequency"], *x[:5]], [["recency"], *tx[:5]], [["T"], *T[:5]],
                         cov[:6], cov[:6])  # fmt: skip
    assert headed[1:] == plain


def test_a_whole_column_of_covariates_is_trimmed(customers, table):
    x, tx, T, cov, _, _ = customers
    long = cov[:6] + [[None]] * 1000
    assert CLV_P_ALIVE(table, x[:5], tx[:5], T[:5], long, long) == CLV_P_ALIVE(
        table, x[:5], tx[:5], T[:5], cov[:6], cov[:6]
    )


def test_misaligned_covariates_are_one_line(customers, table):
    x, tx, T, cov, _, _ = customers
    text = CLV_P_ALIVE(table, x[:5], tx[:5], T[:5], cov[:4], cov[:4])
    assert isinstance(text, str) and text.startswith("CLV_P_ALIVE: purchase_covariates has 3 rows")


def test_a_blank_covariate_marks_only_its_customer(customers, table):
    x, tx, T, cov, _, _ = customers
    holey = [row[:] for row in cov[:6]]
    holey[2] = [None]
    out = CLV_P_ALIVE(table, x[:5], tx[:5], T[:5], holey, holey)
    assert isinstance(out[1][0], str) and "blank" in out[1][0]
    assert all(isinstance(v[0], float) for i, v in enumerate(out) if i != 1)


def test_a_fit_refuses_a_blank_covariate(customers):
    x, tx, T, cov, _, _ = customers
    holey = [row[:] for row in cov]
    holey[10] = [None]
    text = CLV_FIT("BG/NBD", x, tx, T, None, holey)
    assert text == ("CLV_FIT: purchase_covariates at row 11 has a blank channel; "
                    "expected a value for every customer")  # fmt: skip


def test_covariates_need_a_covariate_fit(customers):
    x, tx, T, cov, _, _ = customers
    plain = CLV_FIT("BG/NBD", x, tx, T)
    text = CLV_P_ALIVE(plain, x[:3], tx[:3], T[:3], cov[:4])
    assert "covariates only with a table CLV_FIT made with covariates" in text
    missing = CLV_P_ALIVE(CLV_FIT("BG/NBD", x, tx, T, None, cov), x[:3], tx[:3], T[:3])
    assert missing.startswith("CLV_P_ALIVE: purchase_covariates is missing")
    bgbb = CLV_FIT("BG/BB", [[1], [2], [0]], [[3], [5], [0]], [[6], [6], [6]], None,
                   [["c"], ["a"], ["b"], ["a"]])  # fmt: skip
    assert "for covariates" in bgbb


def test_new_customers_get_a_row_each(table):
    cells = [["channel"], ["web"], ["store"], ["catalog"]]
    each = CLV_EXPECTED_PURCHASES(table, 52, None, None, None, cells, cells)
    assert len(each) == 3 and len({round(v[0], 9) for v in each}) == 3
    p0 = CLV_PURCHASE_PROBABILITY(table, 0, 52, None, None, None, cells, cells)
    assert all(0 < v[0] < 1 for v in p0)


def test_interval_value_and_comparison_take_covariates(customers, table):
    x, tx, T, cov, s, _ = customers
    iv = CLV_INTERVAL(table, "purchases", 26, x, tx, T, None, 100, None, None, None, None, None,
                      None, cov, cov)  # fmt: skip
    total = iv[-1]
    assert total[0] == "total" and total[2] < total[1] < total[3]
    spend = CLV_FIT_SPEND(x, column(s["zbar"]))
    value = CLV_LIFETIME_VALUE(table, spend, x, tx, T, column(s["zbar"]), 12, None, None, None,
                               cov, cov)  # fmt: skip
    assert len(value) == len(x) and all(isinstance(v[0], float) for v in value)
    rows = {r[0]: r[1:] for r in CLV_COMPARE(x, tx, T, None, None, None, None, cov, cov)}
    assert rows["parameters"] == [10, 10, 8]
    assert rows["alpha:channel=web"][0] == pytest.approx(dict(table)["alpha:channel=web"], rel=1e-9)


def test_tracking_takes_each_transactions_covariates(customers, table):
    _, _, _, _, s, channel = customers
    raw = cdnow_transactions()
    by_id = dict(zip(s["ID"], channel, strict=True))
    ids = column(raw["id"].astype(float))
    dates = column([dt.datetime.strptime(str(d), "%Y%m%d") for d in raw["date"]])
    cells = [["channel"], *column([by_id[i] for i in raw["id"]])]
    out = CLV_TRACKING(table, ids, dates, dt.datetime(1997, 9, 30), None, None, cells, cells)
    assert out[0][-1] == "cumulative_expected"
    # calibration: the model's total is close to what happened (Fader, Hardie & Lee 2005, Fig. 3)
    assert out[-1][-1] == pytest.approx(out[-1][-2], rel=0.05)


def test_the_documented_channel_example():
    """docs/functions.md, "Covariates": the seeded channel rule and its fit on CDNOW."""
    from clv_xl.datasets import example_channels

    s = cdnow_summary()
    channel = example_channels(s["ID"])
    assert [channel.count(c) for c in ("web", "store", "catalog")] == [1170, 719, 468]
    assert example_channels([5, 1]) == [channel[4], channel[0]]  # the same for any subset
    cells = [["channel"], *column(channel)]
    table = dict(CLV_FIT("BG/NBD", column(s["x"].astype(float)), column(s["t_x"]),
                         column(s["T"]), None, cells))  # fmt: skip
    assert round(table["r"], 4) == 0.2429 and round(table["alpha"], 3) == 4.637
    assert round(table["alpha:channel=store"], 3) == 0.114
    assert round(table["se_alpha:channel=web"], 3) == 0.139
    assert round(table["log_likelihood"], 2) == -9582.03
    new = [["channel"], ["catalog"], ["store"], ["web"]]
    each = CLV_EXPECTED_PURCHASES(CLV_FIT("BG/NBD", column(s["x"].astype(float)),
                                          column(s["t_x"]), column(s["T"]), None, cells),
                                  52, None, None, None, new)  # fmt: skip
    assert [round(v[0], 3) for v in each] == [1.401, 1.507, 1.422]


def test_blank_covariate_cells_are_judged_as_one_by_one():
    from clv_xl.excel.covariates import _blank, _blanks

    nan = float("nan")
    cells = np.array(
        [["web", None], ["  ", 1.0], [True, nan], [0, ""], [1, float("nan")]], dtype=object
    )
    assert _blanks(cells).tolist() == [[_blank(v) for v in row] for row in cells.tolist()]
    with_list = np.array([[["x"]], ["web"]], dtype=object)  # an unhashable cell
    assert _blanks(with_list).tolist() == [[False], [False]]
