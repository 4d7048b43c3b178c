"""The everyday CLV_ functions through the Excel layer, with the shapes xlwings hands them.

With ``ndim=2`` declared, xlwings passes a cell as [[v]] and a range as a list of rows; a plain
scalar or a flat list is what a Python caller (or a formula engine) may pass.
"""

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clv_xl.excel import everyday as udfs
from clv_xl.excel.everyday import (
    CLV_HEADROOM,
    CLV_LIFESPAN,
    CLV_PAYBACK,
    CLV_PROFIT,
    CLV_RATIO,
    CLV_RETENTION,
    CLV_SEGMENT,
    CLV_VALUE,
)


def is_message(value, function):
    return isinstance(value, str) and value.startswith(function + ":") and "\n" not in value


def test_seed_examples_as_cells():
    assert CLV_VALUE([[14.0]], [[2.0]]) == 28.0
    assert CLV_VALUE(14, 2) == 28.0
    assert CLV_HEADROOM([[10000.0]], [[199.0]], [[None]]) == 9801
    assert CLV_HEADROOM([[500.0], [20.0]], [[50.0]]) == [[450.0], [-30.0]]


def test_retention_timings_and_horizon():
    assert CLV_RETENTION(100, 0.8, 0.1) == pytest.approx(266.6667, abs=1e-4)
    assert CLV_RETENTION(100, 0.8, 0.1, None, "end") == pytest.approx(333.3333, abs=1e-4)
    assert CLV_RETENTION(100, 0.8, 0.1, [[None]], "START") == pytest.approx(366.6667, abs=1e-4)
    assert CLV_RETENTION(100, "80%", "10%", 1) == pytest.approx(72.7273, abs=1e-4)
    assert is_message(CLV_RETENTION(100, 0.8, 0.1, None, "middle"), "CLV_RETENTION")
    assert "periods" in CLV_RETENTION(100, 1, 0)


def test_other_functions():
    assert CLV_PROFIT(50, 10, "40%", 5, 30) == pytest.approx(120)
    assert CLV_RATIO(500, 50) == 10
    assert CLV_LIFESPAN("20%") == pytest.approx(5)
    assert CLV_PAYBACK(100, 25) == pytest.approx(4)
    assert "never" in CLV_PAYBACK(100, 25, 0.8, 0.1)
    assert CLV_SEGMENT([[10], [5], [None], [1]], 2) == [["Tier 1"], ["Tier 1"], [""], ["Tier 2"]]
    assert CLV_SEGMENT([[70, 10, 10, 5]], [[0.5], [0.8]], [["A", "B", "C"]]) == [
        ["A", "B", "B", "C"]
    ]


def test_a_range_works_element_wise_and_keeps_its_shape():
    assert CLV_VALUE([[8.0, 20.0]], 1) == [[8.0, 20.0]]
    assert CLV_VALUE([8.0, 20.0], [1, 2]) == [8.0, 40.0]
    assert CLV_VALUE([[1.0], [2.0]], [[3.0], [4.0]]) == [[3.0], [8.0]]


def test_ranges_of_different_sizes_are_one_message():
    out = CLV_VALUE([[1], [2]], [[1], [2], [3]])
    assert is_message(out, "CLV_VALUE") and "2x1" in out and "3x1" in out


@pytest.mark.parametrize(
    ("cell", "words"),
    [
        (None, "is missing"),
        ("", "is missing"),
        ("abc", 'got the text "abc"'),
        (True, "got TRUE"),
        ("#N/A", "Excel error #N/A"),
        (dt.datetime(2024, 1, 31), "date 2024-01-31"),
        (float("inf"), "infinite"),
        (-5, "got -5"),
    ],
)
def test_each_kind_of_bad_input_is_one_line(cell, words):
    out = CLV_VALUE(14, cell)
    assert is_message(out, "CLV_VALUE"), out
    assert "expected_purchases" in out and words in out


def test_rates_say_how_to_enter_them():
    out = CLV_RETENTION(100, 80, 0.1)
    assert is_message(out, "CLV_RETENTION") and "retention_rate" in out and "80%" in out


def test_bad_cells_in_a_range_stay_in_their_cells_and_blank_rows_stay_blank():
    out = CLV_VALUE([[1], [None], ["abc"], [2]], [[2], [None], [3], [None]])
    assert out[0] == [2.0]
    assert out[1] == [""]
    assert is_message(out[2][0], "CLV_VALUE") and "avg_purchase" in out[2][0]
    assert is_message(out[3][0], "CLV_VALUE") and "missing" in out[3][0]


def test_blank_rows_of_ranges_stay_blank_beside_a_single_cell():
    assert CLV_VALUE(2.5, [[4], [None], [2]]) == [[10.0], [""], [5.0]]
    # only an optional argument is a range: nothing is "blank row", every row computes
    out = CLV_RETENTION(100, 0.8, 0.1, [[1], [None]])
    assert out[0][0] == pytest.approx(72.7273, abs=1e-4) and out[1][0] == pytest.approx(
        266.6667, abs=1e-4
    )


def test_numeric_text_and_percentages_are_numbers():
    assert CLV_VALUE(" 1,400 ", "2") == 2800
    assert CLV_PROFIT("$50", 10, "40%") == pytest.approx(200)


def test_never_raises_even_on_unexpected_failures(monkeypatch):
    def boom(**kwargs):
        raise RuntimeError("kaboom")

    monkeypatch.setattr(udfs, "run_elementwise", lambda *a, **k: boom())
    out = CLV_VALUE(1, 2)
    assert is_message(out, "CLV_VALUE") and "kaboom" in out


cell_values = st.one_of(
    st.none(),
    st.booleans(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(-(10**12), 10**12),
    st.text(max_size=12),
    st.datetimes(),
)
cell_or_range = st.one_of(
    cell_values,
    st.lists(st.lists(cell_values, min_size=2, max_size=2), min_size=1, max_size=4),
)
functions = [
    CLV_VALUE,
    CLV_PROFIT,
    CLV_HEADROOM,
    CLV_RATIO,
    CLV_RETENTION,
    CLV_LIFESPAN,
    CLV_PAYBACK,
]


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(functions), st.lists(cell_or_range, min_size=1, max_size=5))
def test_any_cells_give_numbers_or_one_line(function, args):
    import inspect

    n = len(inspect.signature(function).parameters)
    out = function(*(args + [None] * n)[:n])
    flat = (
        [x for row in out for x in (row if isinstance(row, list) else [row])]
        if isinstance(out, list)
        else [out]
    )
    for x in flat:
        if isinstance(x, float):
            assert x == x and abs(x) != float("inf")
        else:
            assert isinstance(x, str) and "\n" not in x and "Traceback" not in x
            assert x == "" or x.startswith(function.__name__ + ":")
