"""A book refreshed before is refreshed again as fast as a new one (issue 33): the last spills'
rows are recognised from their text (never split cell by cell), and the fast paths give the
bytes the cell-by-cell ones give."""

import shutil
import zipfile

import numpy as np
import pytest

from clv_xl.workbooks import cell_xml
from clv_xl.workbooks.refresh import refresh
from clv_xl.workbooks.sheet import Sheet
from clv_xl.workbooks.sheet_rows import _split_as_written, _split_by_grammar, only_values_within
from clv_xl.workbooks.xml_reader import MAIN
from tests.helpers import TEMPLATES

pytestmark = pytest.mark.filterwarnings("ignore:.*extension is not supported:UserWarning")

ROWS = [
    '<c r="A1" s="2"><v>1</v></c><c r="AB1"/><c r="C1" t="inlineStr"><is><t>x</t></is></c>',
    '<c r="A1"><f>B1</f><v>3</v></c>',
    "",
    '<c r="$A$1"/>',  # the grammar's
    '<c s="1" r="A1"/>',
    '<c r="A1"/> <c r="B1"/>',
    '<c r="A1"><v>1</v></c><c><v>2</v></c>',
    '<c r="A1"><v>1</v></c><extLst><ext uri="x"/></extLst>',
]


@pytest.mark.parametrize("body", ROWS)
def test_a_row_split_as_written_is_the_row_the_grammar_reads(body):
    fast = _split_as_written(body)
    assert fast is None or fast == _split_by_grammar(body, 1)
    if body.count("<c") != body.count('<c r="') or "$" in body or " <c" in body or "<ext" in body:
        assert fast is None  # anything else: the grammar


CELLS = [
    '<c r="B5" s="3"><v>1.5</v></c>',
    '<c r="B5"/>',
    '<c r="B5" s="12" t="inlineStr"><is><t>x</t></is></c>',
    '<c r="B5" t="e"><v>#N/A</v></c>',
    '<c r="B5" s="3" t="str"><f>A1</f><v>x</v></c>',
    '<c r="B5" s="3" cm="1"><v>1</v></c>',
    '<c r="XFD1048576" s="3"><v>1</v></c>',
    '<c s="3" r="B5"><v>1</v></c>',
]
VALUES = [None, "", 2.0, 3.25, "a<b", True, float("inf"), "#N/A", 7]


def _general_value(xml, value):
    attrs = cell_xml.head_attributes(xml)
    attrs.pop("t", None)
    where = cell_xml.formula_element(xml)
    formula = xml[where[0] : where[1]] if where else ""
    kind, body = cell_xml.encode(value, bool(formula))
    if kind:
        attrs["t"] = kind
    return cell_xml._element(attrs, formula + body)


@pytest.mark.parametrize("xml", CELLS)
def test_a_value_written_in_a_cell_as_excel_writes_it_is_the_general_path(xml):
    for value in VALUES:
        assert cell_xml.value_xml(xml, 5, 2, value) == _general_value(xml, value)
    attrs = {k: v for k, v in cell_xml.head_attributes(xml).items() if k not in ("t", "cm", "vm")}
    assert cell_xml.blank_xml(xml) == cell_xml._element(attrs, "")


def test_a_row_of_spill_values_is_told_from_its_text():
    row = '<c r="B9" s="7"><v>1</v></c><c r="C9"><v>2</v></c><c r="E9"><v>3</v></c>'
    assert only_values_within(row, [(2, 3), (5, 6)], 9)  # D (between) is not there
    assert not only_values_within(row, [(2, 3)], 9)  # E is outside
    assert not only_values_within(row.replace("E9", "D9"), [(2, 3), (5, 6)], 9)  # D is there
    assert not only_values_within('<c r="B9"><f>A1</f></c>', [(1, 9)], 9)  # a formula
    assert not only_values_within({2: "<c/>"}, [(1, 9)], 9)  # split already


def test_a_block_over_the_last_refresh_keeps_a_cell_styled_otherwise():
    rows = ('<row r="5"><c r="A5" s="1"><v>1</v></c><c r="B5" s="9"><v>2</v></c>'
            '<c r="D5"><v>5</v></c></row>'
            '<row r="6"><c r="A6" s="1"><v>3</v></c><c r="B6" s="1"><v>4</v></c>'
            '<c r="D6"><v>6</v></c></row>')  # fmt: skip
    before = '<cols><col min="1" max="2" style="1"/></cols>'
    sheet = Sheet.parse(
        "S",
        "p",
        f'<worksheet xmlns="{MAIN}">{before}<sheetData>{rows}</sheetData></worksheet>'.encode(),
    )
    sheet.write_block(5, 1, np.array([[10.0, 20.0], [30.0, None]], dtype=object))
    out = sheet.xml()
    # row 5: B5's own style (9) kept, cell by cell; row 6 in the columns' style: new cells
    # (a blank in the column's style is no cell, as a new one is)
    assert '<c r="A5" s="1"><v>10</v></c><c r="B5" s="9"><v>20</v></c><c r="D5"><v>5</v></c>' in out
    assert '<row r="6"><c r="A6" s="1"><v>30</v></c><c r="D6"><v>6</v></c></row>' in out


@pytest.mark.parametrize("name", ["customer_base", "dry_cleaner"])
def test_a_refreshed_book_refreshed_again_is_the_same_book(tmp_path, name):
    first, second = tmp_path / "1.xlsx", tmp_path / "2.xlsx"
    shutil.copy(TEMPLATES / f"{name}.xlsx", tmp_path / "t.xlsx")
    refresh(tmp_path / "t.xlsx", first)
    refresh(first, second)
    a, b = zipfile.ZipFile(first), zipfile.ZipFile(second)
    assert a.namelist() == b.namelist()
    assert [n for n in a.namelist() if a.read(n) != b.read(n)] == []


def test_spills_side_by_side_are_runs_of_rows_with_joined_spans():
    from clv_xl.workbooks.sheet_rows import span_runs, spans_of

    # Customers: one-column spills B..I from row 5, an interval K..N from row 4, a spill far right
    areas = [(5, c, 20004, c) for c in range(2, 10)] + [(4, 11, 20005, 14), (5, 30, 9, 30)]
    runs = span_runs(areas)
    assert runs == [
        (4, 4, [(11, 14)]),
        (5, 9, [(2, 9), (11, 14), (30, 30)]),
        (10, 20004, [(2, 9), (11, 14)]),
        (20005, 20005, [(11, 14)]),
    ]
    assert spans_of(runs, 3) == [] and spans_of(runs, 20006) == []
    assert spans_of(runs, 7) == [(2, 9), (11, 14), (30, 30)]
    assert spans_of(runs, 12345) == [(2, 9), (11, 14)]
    assert span_runs([(1, 1, 3, 2), (2, 3, 4, 4)]) == [
        (1, 1, [(1, 2)]),
        (2, 3, [(1, 4)]),
        (4, 4, [(3, 4)]),
    ]
