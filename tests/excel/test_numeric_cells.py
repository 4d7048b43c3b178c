"""A numeric argument read at NumPy speed reads every cell as parse_number reads it alone."""

import datetime as dt
from decimal import Decimal

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from clv_xl.excel.convert import BLANK, numeric_cells, parse_number

cell = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0.0, 1.0, -0.0, 0, 1, 2, 10**400, None, True, False, np.float32(1.5)]),
    st.integers(-(10**6), 10**6),
    st.sampled_from(
        ["1.5", " 2 ", "nan", "inf", "-inf", "", "  ", "1,000", "12%", "#N/A", "0", "1"]
    ),
    st.sampled_from([Decimal("2.5"), Decimal("0"), Decimal("NaN"), b"3", dt.datetime(2024, 1, 2)]),
    st.sampled_from([{"type": "Error", "basicValue": "#DIV/0!"}, np.bool_(True), np.int64(7)]),
)


@settings(max_examples=400, deadline=None)
@given(st.lists(cell, min_size=1, max_size=30), st.booleans())
def test_a_range_reads_as_its_cells_one_by_one(cells, as_column):
    value = [[c] for c in cells] if as_column else cells
    read = numeric_cells(value)
    for i, c in enumerate(cells):
        alone = parse_number(c)
        got = (read.values.ravel()[i], read.blank.ravel()[i], read.problem.ravel()[i])
        if alone is BLANK:
            assert got[1] and got[2] == "", (c, got)
        elif isinstance(alone, str):
            assert not got[1] and got[2] == alone and np.isnan(got[0]), (c, got)
        else:
            assert got == (alone, False, ""), (c, got)
    assert read.has_problem == any(p != "" for p in read.problem.ravel())


def test_numbers_and_blanks_read_in_one_pass_as_cell_by_cell():
    column = [[float(i % 5)] for i in range(1000)] + [[None], [True], [float("inf")]]
    read = numeric_cells(column)
    assert read.shape == (1003, 1)
    assert read.values[:1000, 0].tolist() == [float(i % 5) for i in range(1000)]
    assert read.blank[1000, 0] and read.problem[1001, 0] == "got TRUE, a logical value"
    assert read.problem[1002, 0] == "got an infinite number" and read.has_problem


def test_a_logical_value_is_found_among_many_zeros_and_among_few():
    # a frequency column is mostly 0s and 1s (every cell's type is then looked at), a spend
    # column has few (only those cells are): a TRUE or FALSE is told apart from 1 or 0 in both
    for zeros in (900, 10):
        column = [[0.0 if i < zeros else 2.5] for i in range(1000)]
        for flag in (True, False):
            column[500] = [flag]
            read = numeric_cells(column)
            assert read.has_problem and np.isnan(read.values[500, 0])
            assert read.problem[500, 0] == f"got {str(flag).upper()}, a logical value"
            assert (read.problem != "").sum() == 1 and read.values[0, 0] == 0.0


def test_an_odd_cell_is_found_deep_in_a_column_of_one_number_type():
    # a column of floats (Excel) or ints (Office.js), mostly 0s and 1s and no blank, is counted by
    # type: a cell of any other type past the first ones is still read as it reads alone
    for zero, one in ((0.0, 1.0), (0, 1)):
        for odd in (True, False, "1", Decimal("1"), np.float64(1.0), 1.0 if one == 1 else 1):
            column = [[zero if i % 3 else one] for i in range(1000)]
            column[700] = [odd]
            read = numeric_cells(column)
            alone = parse_number(odd)
            if isinstance(alone, str):
                assert read.problem[700, 0] == alone and np.isnan(read.values[700, 0])
            else:
                assert read.values[700, 0] == alone and read.problem[700, 0] == ""
            assert (read.problem != "").sum() == isinstance(alone, str)
            assert read.values[:700, 0].tolist() == [float(c) for (c,) in column[:700]]
