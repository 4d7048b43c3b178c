"""New cells are written a column at a time, numbers and text formatted in bulk: each value
must come out exactly as the cell-by-cell encoding writes it."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from clv_xl.workbooks import cell_xml
from clv_xl.workbooks.cell_xml import new_cell, new_cells, new_rows, number_texts
from clv_xl.workbooks.xlsx import Package
from tests.helpers import TEMPLATES

VALUES = [1.0, 2.5, -0.0, 1e20, 1e-7, 3, -7, 2**60, True, False, None, "", "a&b<c>\"'", "é",
          " padded ", "#N/A", "#text", "CLV_FIT: a message", float("nan"), float("inf")]  # fmt: skip


@pytest.mark.parametrize("values", [VALUES, [*VALUES, "a\0b"], [1.5] * 5, ["x"] * 3, []])
def test_a_column_of_new_cells_is_written_as_cell_by_cell(values):
    bulk = new_cells(values, "AB", 7, ' s="4"')
    one_by_one = [new_cell(v, f"AB{7 + i}", ' s="4"') for i, v in enumerate(values)]
    assert bulk == one_by_one


@pytest.mark.parametrize(
    "columns",
    [
        [VALUES, VALUES[::-1]],
        [["header", *[float(i) / 3 for i in range(30)]], ["n", *(["web", "store"] * 15)]],
        [[1.0, 2.0, None, 4.0], ["a", "b", "c", "d"], [None] * 4],
        [["x\0y", 1.0], [2.0, 3.0]],
        [[], []],
        [[1.0, None] * 40, ["a", "b", "#N/A", "c"] * 20],  # many rows of another kind
    ],
)
def test_a_block_of_new_rows_is_its_columns_cells_joined(columns):
    """Issue 33: a block's rows made by one format call a row are the cells of each column
    joined, whatever the columns mix (a header, blanks, messages, a NUL)."""
    letters, styles = ["C", "AB", "D"][: len(columns)], [' s="4"', "", ' s="9"'][: len(columns)]
    rows = new_rows(columns, letters, 7, styles)
    cells = [new_cells(c, L, 7, st) for c, L, st in zip(columns, letters, styles, strict=True)]
    assert rows == ["".join(filter(None, row)) for row in zip(*cells, strict=True)]


def test_blocks_side_by_side_build_the_same_rows_in_any_order(tmp_path):
    package = Package(TEMPLATES / "customer_base.xlsx")
    rng = np.random.default_rng(1)
    blocks = [(5, col, rng.random((400, 1)).astype(object)) for col in (2, 3, 4)]
    blocks.append((4, 11, np.array([["x", 1.0]] * 401, dtype=object)))
    sheets = []
    for order in (blocks, blocks[::-1]):
        sheet = package.sheet("Customers")
        for top, left, grid in order:
            sheet.write_block(top, left, grid)
        sheets.append(sheet)
    package.close()
    left_first, right_first = sheets
    assert left_first.xml() == right_first.xml()
    assert left_first.get(300, 3) is not None and right_first.get(404, 12) is not None


def test_every_error_text_starts_as_the_refresh_looks_for_it():
    from clv_xl.excel.error_texts import ERROR_STARTS, EXCEL_ERRORS, is_error

    for text in [*EXCEL_ERRORS, "CLV_FIT: model got 'X'; expected BG/NBD"]:
        assert is_error(text) and text[0] in ERROR_STARTS


NUMBERS = st.lists(
    st.one_of(
        st.floats(allow_nan=False, allow_infinity=False),
        st.floats(min_value=1e-6, max_value=1e17),  # around the exponent form's edges
        st.sampled_from([1e-4, 0.0001 * (1 - 2**-52), 1e16, 1e16 * (1 - 2**-53), 0.0, -0.0]),
        st.integers(-(2**53) + 1, 2**53 - 1),
    ),
    max_size=60,
)


@given(NUMBERS)
def test_a_column_of_numbers_is_written_as_repr_writes_each(numbers):
    """Issue 33: the column's texts made at C speed (orjson, with repr's text for the
    exponent forms) are each number's own text, as the cell-by-cell encoding writes it."""
    assert cell_xml._orjson() is not None  # the desktop's fast path is the one tested here
    expected = [cell_xml.encode(v, False)[1][3:-4] for v in numbers]
    assert number_texts(numbers) == expected


@given(NUMBERS)
def test_without_orjson_the_numbers_are_written_alike(numbers):
    """Where orjson is missing (Pyodide) or writes numbers otherwise, repr writes them."""
    fast = number_texts(numbers)
    original = cell_xml._orjson
    cell_xml._orjson = lambda: None  # a stand-in with no orjson, restored below
    try:
        assert number_texts(numbers) == fast
    finally:
        cell_xml._orjson = original
