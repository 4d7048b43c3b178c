"""The model functions through the Excel layer: shapes, tables, caching, bad cells."""

import datetime as dt

import numpy as np
import pytest

from clv_xl.excel.udfs import (
    CLV_DERL,
    CLV_EXPECTED_PURCHASES,
    CLV_EXPECTED_SPEND,
    CLV_FIT,
    CLV_FIT_RETENTION,
    CLV_FIT_SPEND,
    CLV_HOLDOUT,
    CLV_LIFETIME_VALUE,
    CLV_P_ALIVE,
    CLV_RETENTION_CURVE,
    CLV_SUMMARY,
)
from clv_xl.models import cache
from tests.helpers.data import REGULAR, cdnow_summary, cdnow_transactions


def column(values):
    return [[v] for v in values]


@pytest.fixture(scope="module")
def log():
    raw = cdnow_transactions()
    dates = [dt.datetime.strptime(str(d), "%Y%m%d") for d in raw["date"]]
    return column(raw["id"].astype(float)), column(dates), column(raw["amount"])


@pytest.fixture(scope="module")
def summary(log):
    ids, dates, amounts = log
    blank = [[None]] * 3  # a range selected past the data
    return CLV_SUMMARY(ids + blank, dates + blank, amounts + blank, dt.datetime(1997, 9, 30))


def table_value(table, name):
    return dict((row[0], row[1]) for row in table)[name]


def test_summary_reproduces_the_published_cdnow_summary(summary):
    # Fader, Hardie & Lee (2005) CDNOW calibration summary (data README: conventions).
    header, rows = summary[0], summary[1:]
    assert header == [
        "customer", "frequency", "recency", "T", "monetary_value", "purchases", "total_spend",
        "first_purchase", "last_purchase",
    ]  # fmt: skip
    ref = cdnow_summary()
    assert len(rows) == len(ref) == 2357
    got = np.array([[r[1], r[2], r[3], r[4]] for r in rows], dtype=float)
    np.testing.assert_array_equal(got[:, 0], ref["x"])
    np.testing.assert_allclose(np.round(got[:, 1], 2), ref["t_x"], atol=1e-9)
    np.testing.assert_allclose(np.round(got[:, 2], 2), ref["T"], atol=1e-9)
    np.testing.assert_allclose(got[:, 3], ref["zbar"], atol=0.005 + 1e-9)
    assert isinstance(rows[0][7], dt.datetime)


def test_fit_predict_chain_in_cells(summary):
    rows = summary[1:]
    x, tx, big_t, m = (column([r[j] for r in rows]) for j in (1, 2, 3, 4))
    params = CLV_FIT("BG/NBD", x, tx, big_t)
    assert table_value(params, "model") == "BG/NBD"
    assert table_value(params, "r") == pytest.approx(0.243, abs=5e-4)
    assert table_value(params, "converged") is True
    assert table_value(params, "customers") == 2357
    # FHL 2005: x=2, t_x=30.43, T=38.86 expects 1.226 purchases in the next 39 weeks
    assert CLV_EXPECTED_PURCHASES(params, 39, 2, 30.43, 38.86) == pytest.approx(1.226, abs=5e-4)
    assert isinstance(CLV_EXPECTED_PURCHASES(params, 39), float)
    alive = CLV_P_ALIVE(params, x, tx, big_t)
    assert len(alive) == 2357 and all(0 <= v[0] <= 1 for v in alive)
    spend = CLV_FIT_SPEND(x, m)
    assert table_value(spend, "p") == pytest.approx(6.25, abs=5e-3)
    per_purchase = CLV_EXPECTED_SPEND(spend, x, m)
    value = CLV_LIFETIME_VALUE(params, spend, x, tx, big_t, m, 12, 0.01, 0.3)
    assert len(per_purchase) == len(value) == 2357
    assert all(v[0] >= 0 for v in value)


def test_a_fit_is_computed_once_per_content(summary):
    rows = summary[1:]
    x, tx, big_t = (column([r[j] for r in rows]) for j in (1, 2, 3))
    cache.clear_cache()
    first = CLV_FIT("Pareto/NBD", x, tx, big_t)
    again = CLV_FIT("pareto/nbd", x, tx, big_t)
    assert first == again
    assert cache.stats == {"hits": 1, "misses": 1}
    x[0] = [x[0][0] + 1]  # a changed cell is a new fit
    CLV_FIT("Pareto/NBD", x, tx, big_t)
    assert cache.stats["misses"] == 2


def test_cache_is_bounded():
    cache.clear_cache()
    for k in range(cache.MAX_FITS + 5):
        CLV_FIT_RETENTION(column([1000, 600 - k, 400 - k, 300 - k]))
    assert len(cache._fits) == cache.MAX_FITS


def test_bad_cells_give_one_line_per_row():
    params = [["model", "BG/NBD"], ["r", 0.243], ["alpha", 4.414], ["a", 0.793], ["b", 2.426]]
    out = CLV_P_ALIVE(
        params, [[2], ["x"], [None], [1]], [[30], [1], [None], [50]], [[38], [3], [None], [40]]
    )
    assert 0 < out[0][0] < 1
    assert out[1][0].startswith("CLV_P_ALIVE: repeat_purchases got the text")
    assert out[2][0] == ""
    assert "recency" in out[3][0] or "CLV_P_ALIVE" in out[3][0]


@pytest.mark.parametrize(
    ("call", "words"),
    [
        (lambda: CLV_FIT("XYZ", 1, 1, 1), 'model got "XYZ"'),
        (lambda: CLV_FIT("BG/NBD", [[0], [0]], [[0], [0]], [[5], [5]]), "nobody made a repeat"),
        (lambda: CLV_FIT("BG/NBD", [[1], [2]], [[1]], [[3], [4]]), "ranges differ in size"),
        (lambda: CLV_FIT("BG/NBD", [[1], ["abc"]], [[1], [2]], [[3], [4]]), "row 2"),
        (lambda: CLV_FIT("BG/NBD", [[1], [2]], [[1], [None]], [[3], [4]]), "row 2"),
        (lambda: CLV_FIT("BG/NBD", [[1], [2]], [[1], [5]], [[3], [4]]), "row 2"),
        (lambda: CLV_P_ALIVE(5, 1, 1, 1), "params"),
        (lambda: CLV_P_ALIVE([["model", "BG/NBD"], ["r", 1]], 1, 1, 1), "without alpha"),
        (lambda: CLV_SUMMARY([[1], [2]], [["1997-01-01"], ["not a date"]]), "dates at row 2"),
        (lambda: CLV_FIT_RETENTION([[1000], [1200]]), "never rise"),
        (lambda: CLV_RETENTION_CURVE([["model", "sBG"], ["alpha", 1], ["beta", 1]], 0), "periods"),
        (
            lambda: CLV_EXPECTED_PURCHASES(
                [["model", "BG/NBD"], ["r", 1], ["alpha", 1], ["a", 1.5], ["b", 1]], 10, 1
            ),
            "repeat_purchases, recency and age",
        ),
    ],
)
def test_failures_are_one_line(call, words):
    out = call()
    assert isinstance(out, str) and out.startswith("CLV_") and "\n" not in out
    assert words in out, out


def test_summary_date_forms_and_returns():
    ids = [["a"], ["a"], ["a"], ["b"], ["b"]]
    dates = [[dt.datetime(2024, 1, 1)], ["2024-01-08"], [45306], [20240101], [dt.date(2024, 1, 1)]]
    amounts = [[10], [20], [-5], [7], [-3]]
    out = CLV_SUMMARY(ids, dates, amounts, None, "D")
    a, b = out[1], out[2]
    # a: purchases on 1 and 8 January; 45306 is 2024-01-15, a pure return: not a purchase,
    # but it ends the data (T) and counts in total_spend. b: one day netting 7 - 3 = 4.
    assert a[:5] == ["a", 1.0, 7.0, 14.0, 20.0] and a[6] == 25.0
    assert b[:4] == ["b", 0.0, 0.0, 14.0] and b[6] == 4.0


def test_retention_functions_regular_cohort():
    params = CLV_FIT_RETENTION(column(REGULAR))
    assert table_value(params, "alpha") == pytest.approx(0.704, abs=5e-4)
    curve = CLV_RETENTION_CURVE(params, 12)
    assert curve[0] == ["period", "survival", "retention"] and len(curve) == 13
    derl = CLV_DERL(params, 0.1, column([0, 1, 4]))
    assert [len(r) for r in derl] == [1, 1, 1] and derl[0][0] < derl[1][0] < derl[2][0]


def test_holdout_table(log):
    ids, dates, _ = log
    table = CLV_HOLDOUT(ids, dates, dt.datetime(1997, 9, 30), "1998-06-30")
    assert table[0] == ["frequency", "customers", "actual", "predicted"]
    assert [r[0] for r in table[1:]] == ["0", "1", "2", "3", "4", "5", "6", "7+", "all"]
    total = table[-1]
    assert total[1] == 2357
    assert total[3] == pytest.approx(total[2], rel=0.2)  # FHL 2005 Fig. 4: close in aggregate


def test_a_bad_date_is_reported_with_its_sheet_row():
    ids = [[1], [None], [2], [3]]  # a blank row before the bad date
    dates = [["1997-01-01"], [None], ["1997-02-01"], ["no date"]]
    assert "dates at row 4" in CLV_SUMMARY(ids, dates)
    assert "dates at row 4" in CLV_HOLDOUT(ids, dates, "1997-06-30", "1997-12-31")
    assert "dates at row 3 is missing" in CLV_HOLDOUT(
        [[1], [2], [3]], [["1997-01-01"], ["1997-01-02"], [None]], "1997-06-30", "1997-12-31"
    )


def test_model_functions_take_the_whole_spilled_summary():
    """=CLV_FIT("BG/NBD", Summary!A1#): the columns found by CLV_SUMMARY's headers give what
    the column arguments give (issue 20); a column left out otherwise is one line."""
    t = cdnow_transactions()
    ids = [[float(v)] for v in t["id"]]
    dates = [[dt.datetime.strptime(str(v), "%Y%m%d")] for v in t["date"]]
    amounts = [[float(v)] for v in t["amount"]]
    summary = CLV_SUMMARY(ids, dates, amounts, dt.datetime(1997, 9, 30))
    columns = {h: [[row[i]] for row in summary[1:]] for i, h in enumerate(summary[0])}
    x, tx, big_t, m = (columns[k] for k in ("frequency", "recency", "T", "monetary_value"))
    params = CLV_FIT("BG/NBD", summary)
    assert params == CLV_FIT("BG/NBD", x, tx, big_t)
    assert CLV_P_ALIVE(params, summary) == CLV_P_ALIVE(params, x, tx, big_t)
    assert CLV_EXPECTED_PURCHASES(params, 39, summary) == CLV_EXPECTED_PURCHASES(
        params, 39, x, tx, big_t
    )
    spend = CLV_FIT_SPEND(summary)
    assert spend == CLV_FIT_SPEND(x, m)
    assert CLV_LIFETIME_VALUE(params, spend, summary) == CLV_LIFETIME_VALUE(
        params, spend, x, tx, big_t, m
    )
    assert CLV_EXPECTED_SPEND(spend, summary) == CLV_EXPECTED_SPEND(spend, x, m)
    missing = CLV_FIT("BG/NBD", x)
    assert missing.startswith("CLV_FIT: recency is missing") and "Summary!A1#" in missing


def test_a_header_row_at_the_top_of_a_selection_is_skipped():
    """A:A, B:B, C:C with their headers: the first row, text no date or number reading takes,
    is the header (issue 20); blank rows below are no customers; text dates further down are
    data."""
    d = dt.datetime
    with_header = CLV_SUMMARY([["customer"], [1.0], [1.0], [2.0], [None], [None]],
                              [["date"], [d(2024, 1, 5)], ["2024-02-05"], [d(2024, 1, 9)], [None], [None]],
                              [["amount"], [10.0], [5.0], [3.0], [None], [None]])  # fmt: skip
    plain = CLV_SUMMARY([[1.0], [1.0], [2.0]], [[d(2024, 1, 5)], [d(2024, 2, 5)], [d(2024, 1, 9)]],
                        [[10.0], [5.0], [3.0]])  # fmt: skip
    assert with_header == plain
    spend = CLV_FIT_SPEND(
        [["frequency"], [1.0], [2.0], [None]], [["monetary_value"], [10.0], [12.0], [None]]
    )
    assert spend == CLV_FIT_SPEND([[1.0], [2.0]], [[10.0], [12.0]])
    assert "frequency" in CLV_FIT_SPEND([[1.0], ["frequency"]], [[10.0], [12.0]])  # not row 1: data
