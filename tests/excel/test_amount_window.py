"""One window of amounts for files and cells (issue 30): -1e15 to 1e15. Beyond it a sum over
a log would lose its cents or overflow (1e308 twice is infinity, shown as a blank): one line
naming the row instead, never a blank or a NumPy warning."""

import datetime as dt
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clv_xl.data.rules import AMOUNT_WINDOW, ReadError, parse_amounts
from clv_xl.excel import udfs

IDS = [[1], [1], [2], [2]]
DATES = [[dt.datetime(2024, 1, 1)], [dt.datetime(2024, 2, 1)], [dt.datetime(2024, 1, 5)],
         [dt.datetime(2024, 3, 1)]]  # fmt: skip


@settings(max_examples=80, deadline=None)
@given(amount=st.one_of(st.floats(allow_nan=False, allow_infinity=False),
                        st.floats(min_value=-1e16, max_value=1e16)))  # fmt: skip
def test_an_amount_cell_is_summed_inside_the_window_or_named(amount):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = udfs.CLV_SUMMARY(IDS, DATES, [[amount], [5.0], [5.0], [6.0]])
    if isinstance(got, str):
        assert abs(amount) > 1e15
        assert got == f"CLV_SUMMARY: amounts at row 1 got {amount:g}; expected {AMOUNT_WINDOW}"
        return
    assert abs(amount) <= 1e15
    assert all(isinstance(v, float) and np.isfinite(v) for v in got[1][1:4])
    assert all(v == "" or np.isfinite(v) for v in got[1][4:7])


def test_the_window_is_the_same_for_files():
    with pytest.raises(ReadError, match="too large; expected an amount from -1e15 to 1e15"):
        parse_amounts(["12.50", "1e308"], ".")
    with pytest.raises(ReadError, match="too large"):
        parse_amounts(np.array([1.0, -2e15]))
    assert parse_amounts(["1e15"], ".").tolist() == [1e15]
