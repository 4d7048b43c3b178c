"""Engine values as xlwings hands them: a range of numbers as it is, other cells converted."""

import datetime as dt

from clv_xl.workbooks.engine import OMITTED, arg_in, cell_in


def test_a_range_of_numbers_is_handed_as_it_is():
    rows = [[1.5, 2], [True, -0.0]]
    assert arg_in(rows) == [[1.5, 2], [True, -0.0]]
    assert arg_in([1.5, 2.5]) == [[1.5], [2.5]]  # a column the engine gives as values


def test_other_cells_are_converted_one_by_one_as_alone():
    error = {"type": "Error", "kind": "Div"}
    rows = [[1.0, ""], [dt.date(2024, 1, 2), error], [OMITTED, "x"]]
    assert arg_in(rows) == [[cell_in(v) for v in row] for row in rows]
    assert arg_in(rows) == [[1.0, None], [dt.datetime(2024, 1, 2), "#DIV/0!"], [None, "x"]]
    assert arg_in([[7.0]]) == 7.0
