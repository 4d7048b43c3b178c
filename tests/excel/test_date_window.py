"""One window of dates for files and cells (issue 30): 1900-01-01 to 2199-12-31. A date cell,
a serial number or a YYYYMMDD number outside it is one line naming its row, never a summary
computed from an overflowed date."""

import datetime as dt

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from clv_xl.data.rules import DATE_WINDOW, FIRST_DAY, LAST_DAY
from clv_xl.excel import udfs

FIRST = dt.date(1900, 1, 1)
LAST = dt.date(2199, 12, 31)


def summary(cells):
    ids = [[1.0], [1.0], [2.0]]
    return udfs.CLV_SUMMARY(ids, [[c] for c in cells], None)


@settings(max_examples=60, deadline=None)
@given(
    odd=st.one_of(
        st.datetimes(min_value=dt.datetime(1, 1, 1), max_value=dt.datetime(9999, 12, 31)),
        st.floats(min_value=-1e7, max_value=1e8, allow_nan=False),
        st.integers(min_value=18000101, max_value=99991231).map(float),
    )
)
def test_a_date_cell_is_read_inside_the_window_or_named(odd):
    got = summary([dt.datetime(2024, 1, 1), odd, dt.datetime(2024, 2, 1)])
    if isinstance(got, str):
        assert got.startswith("CLV_SUMMARY: dates at row 2 got")
        assert DATE_WINDOW in got
        return
    last = got[1][8]  # the customer's last purchase: a real day inside the window
    first = got[1][7]
    for day in (first, last):
        assert FIRST <= day.date() <= LAST
    assert 0 <= got[1][2] <= got[1][3]  # recency within the customer's age


def test_the_window_is_the_same_for_files_and_cells():
    assert str(FIRST_DAY) == FIRST.isoformat() and str(LAST_DAY) == LAST.isoformat()
    for cell in (dt.datetime(2925, 1, 1), 376000.0, 22000101.0):
        got = summary([dt.datetime(2024, 1, 1), cell, dt.datetime(2024, 2, 1)])
        assert isinstance(got, str) and DATE_WINDOW in got, got
    assert not isinstance(summary([45000.0, 109574.0, 45100.0]), str)  # 2199-12-31: inside
    assert np.datetime64("2199-12-31") == LAST_DAY
