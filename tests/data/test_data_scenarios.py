"""The data a sales sheet really holds: duplicates, disorder, future dates, nobody repeating."""

import datetime as dt

import numpy as np

from clv_xl.excel.udfs import CLV_FIT, CLV_FIT_SPEND, CLV_HOLDOUT, CLV_SUMMARY
from clv_xl.models import ParetoNBD

IDS = [[1], [1], [2], [2], [3]]
DATES = [[dt.datetime(2024, 1, 1)], [dt.datetime(2024, 2, 1)], [dt.datetime(2024, 1, 5)],
         [dt.datetime(2024, 3, 1)], [dt.datetime(2024, 1, 7)]]  # fmt: skip
AMOUNTS = [[10], [20], [5], [7], [9]]


def rows(table):
    return {r[0]: r[1:] for r in table[1:]}


def test_duplicated_rows_are_one_purchase_day_with_the_amounts_added():
    once, twice = (
        rows(CLV_SUMMARY(IDS, DATES, AMOUNTS)),
        rows(CLV_SUMMARY(IDS * 2, DATES * 2, AMOUNTS * 2)),
    )
    for customer in once:
        assert twice[customer][:3] == once[customer][:3]  # frequency, recency, T unchanged
        assert twice[customer][5] == 2 * once[customer][5]  # total spend doubled: documented


def test_row_order_does_not_matter_and_customers_keep_sheet_order():
    forward, backward = (
        CLV_SUMMARY(IDS, DATES, AMOUNTS),
        CLV_SUMMARY(IDS[::-1], DATES[::-1], AMOUNTS[::-1]),
    )
    assert rows(forward) == rows(backward)
    assert [r[0] for r in backward[1:]] == [3, 2, 1]  # order of first appearance in the sheet


def test_future_dates_and_as_of():
    later = rows(CLV_SUMMARY(IDS, DATES, AMOUNTS, dt.datetime(2030, 1, 1)))
    assert later[1][2] > 300  # T runs to as_of, in weeks
    early = CLV_SUMMARY(IDS, DATES, AMOUNTS, dt.datetime(2020, 1, 1))
    assert early.startswith("CLV_SUMMARY: as_of got the date 2020-01-01")


def test_nobody_repeating_and_a_single_customer_are_explained():
    assert "nobody made a repeat purchase" in CLV_FIT("BG/NBD", [[0], [0]], [[0], [0]], [[5], [6]])
    assert "at least 2 customers" in CLV_FIT("BG/NBD", [[3]], [[10]], [[20]])
    assert "at least 2 customers with repeat purchases" in CLV_FIT_SPEND([[3]], [[10]])
    holdout = CLV_HOLDOUT([[1], [2]], [[dt.datetime(2024, 1, 1)], [dt.datetime(2024, 1, 2)]],
                          dt.datetime(2024, 6, 1), dt.datetime(2024, 12, 1))  # fmt: skip
    assert "nobody made a repeat purchase" in holdout
    single = CLV_SUMMARY([[7]], [[dt.datetime(2024, 1, 1)]], [[5]])
    assert single[1][:5] == [7, 0.0, 0.0, 0.0, 0.0]


def test_a_fit_that_cannot_converge_says_so_and_has_no_nan():
    m = ParetoNBD().fit([0, 1], [0, 1], [10, 10])
    table = dict((k, v) for k, v in m.table())
    assert table["converged"] is False
    assert all(np.isfinite(v) for v in m.params_.values())
    assert all(table[f"se_{k}"] == "n/a" for k in m.param_names)
