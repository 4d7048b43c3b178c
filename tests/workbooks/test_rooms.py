"""The refresh's rooms one by one, on small inputs (issue 31): the sheet reader and writer,
the inventory, the plan, the placing and the functions added to the engine."""

import numpy as np
import pytest

from clv_xl.workbooks import functions
from clv_xl.workbooks.formula_text import clv_call
from clv_xl.workbooks.inventory import Formula, area_of, inventory
from clv_xl.workbooks.placing import Output, Outputs, Placer, fitted
from clv_xl.workbooks.plan import Plan
from clv_xl.workbooks.references import Area, Names
from clv_xl.workbooks.sheet import Sheet
from clv_xl.workbooks.xml_reader import MAIN


def sheet(rows: str, name="S", before="", after="") -> Sheet:
    xml = f'<worksheet xmlns="{MAIN}">{before}<sheetData>{rows}</sheetData>{after}</worksheet>'
    return Sheet.parse(name, f"xl/worksheets/{name}.xml", xml.encode())


def formula(ref: str, text: str, dynamic=True, array_ref=None, sheet_name="S") -> Formula:
    area = area_of(sheet_name, ref)
    return Formula(sheet_name, area.top, area.left, text, array_ref or (ref if dynamic else None),
                   dynamic, clv_call(text) if "CLV_" in text else None)  # fmt: skip


# ----- the sheet: read as a parser reads it, written without touching other rows ------------
def test_untouched_rows_are_written_back_byte_for_byte_and_the_dimension_grows():
    rows = ('<row r="1" spans="1:2"><c r="A1" s="3"><v>1</v></c></row>'
            '<row r="2"><c r="A2"><f>A1*2</f><v>2</v></c></row>')  # fmt: skip
    s = sheet(rows, before='<dimension ref="A1:A2"/>')
    s.write_block(5, 2, np.array([[1.5], ["x<y"]], dtype=object))
    out = s.xml()
    assert rows[: rows.index("</row>") + 6] in out  # row 1 as it came
    assert '<dimension ref="A1:B6"/>' in out
    assert '<c r="B5"><v>1.5</v></c>' in out and "x&lt;y" in out
    back = Sheet.parse("S", "p", out.encode())
    assert [(c.ref, c.formula) for c in back.cells()] == [
        ("A1", None), ("A2", "A1*2"), ("B5", None), ("B6", None)]  # fmt: skip


def test_a_shared_formula_is_moved_to_each_cell_that_shares_it():
    rows = ('<row r="1"><c r="A1"><v>1</v></c><c r="B1"><f t="shared" ref="B1:B3" si="0">A1*2</f>'
            '</c></row><row r="2"><c r="B2"><f t="shared" si="0"/></c></row>'
            '<row r="3"><c r="B3"><f t="shared" si="0"/></c></row>')  # fmt: skip
    found = inventory({"S": sheet(rows)}, Names(sheets={"S": "S"}))
    assert [(f.ref, f.text) for f in found] == [("B1", "A1*2"), ("B2", "A2*2"), ("B3", "A3*2")]
    assert [f.reads for f in found][1] == [Area("S", 2, 1, 2, 1)]


# ----- the plan: each placed formula after the results it reads ------------------------------
def test_placed_formulas_are_ordered_by_what_they_read_and_a_cycle_comes_last():
    a = formula("A1", "CLV_X(C1#)")  # reads C1's spill
    c = formula("C1", "CLV_Y(1)")
    e = formula("E1", "CLV_Z(G1#)")  # E1 and G1 read each other
    g = formula("G1", "CLV_W(E1#)")
    a.reads, e.reads, g.reads = ([Area("S", 1, col, 1, col, spill=True)] for col in (3, 7, 5))
    plan = Plan([a, c, e, g])
    deps = plan.dependency_map()
    assert deps[a.key] == {c.key} and deps[e.key] == {g.key} and deps[g.key] == {e.key}
    assert [f.ref for f in plan.order(deps)] == ["C1", "A1", "E1", "G1"]
    moved = plan.dependency_map({c.key: Area("S", 1, 3, 9, 3)})  # where C1's result went
    assert moved[a.key] == {c.key}


# ----- placing: as Excel lays a result out -----------------------------------------------------
def test_a_spill_is_blocked_by_a_typed_value_another_spill_or_merged_cells():
    s = sheet('<row r="3"><c r="A3"><v>7</v></c></row>', after='<mergeCells count="1">'
              '<mergeCell ref="C1:C2"/></mergeCells>')  # fmt: skip
    f = formula("A1", "CLV_X()")
    placer = Placer({"S": s}, [f])
    grid = np.arange(3, dtype=object).reshape(3, 1)
    errors: list = []
    out = placer.place(f, grid, Outputs(), errors)
    assert out.error == "#SPILL!" and "A3 (not empty)" in errors[0][2]
    other = Outputs()
    other[("S", 1, 2)] = Output(Area("S", 1, 2, 2, 2), grid[:2])
    g = formula("B1", "CLV_X()")
    assert "the spill of" in _blocked(placer, formula("A2", "CLV_X()"), np.ones((1, 2)), other)
    assert "merged cells C1:C2" in _blocked(placer, g, np.ones((1, 2), dtype=object), Outputs())


def _blocked(placer, f, grid, outputs):
    errors: list = []
    placer.place(f, np.asarray(grid, dtype=object), outputs, errors)
    return errors[0][2] if errors else ""


def test_a_legacy_array_is_filled_as_excel_fills_it_and_a_cut_clv_result_is_named():
    assert fitted(np.array([[1, 2]], dtype=object), 2, 3).tolist() == [[1, 2, "#N/A"],
                                                                      [1, 2, "#N/A"]]  # fmt: skip
    f = formula("A1", "CLV_X()", dynamic=False, array_ref="A1:A2")
    errors: list = []
    out = Placer({"S": sheet("")}, [f]).place(f, np.arange(4, dtype=object).reshape(4, 1), Outputs(),
                                               errors)  # fmt: skip
    assert out.area == Area("S", 1, 1, 2, 1) and out.grid.ravel().tolist() == [0, 1]
    assert "the result has 4 rows" in errors[0][2] and "A1:A2 holds 2 by 1" in errors[0][2]


def test_a_plain_formula_shows_the_top_left_value():
    f = formula("B2", "CLV_X()", dynamic=False)
    out = Placer({"S": sheet("")}, [f]).place(f, np.ones((3, 3), dtype=object), Outputs(), [])
    assert out.area == Area("S", 2, 2, 2, 2) and out.grid.shape == (1, 1)


# ----- functions the engine lacks ---------------------------------------------------------------
def test_functions_added_to_the_engine_and_those_named_as_not_computed():
    assert functions.expand([[1.0], [2.0]], 3, 2, 0) == [[1.0, 0], [2.0, 0], [0, 0]]
    assert functions.wraprows([[1.0, 2.0, 3.0]], 2, "") == [[1.0, 2.0], [3.0, ""]]
    assert functions.wrapcols([[1.0], [2.0], [3.0]], 2, 0) == [[1.0, 3.0], [2.0, 0]]
    with pytest.raises(ValueError):
        functions.expand([[1.0], [2.0]], 1)
    line = functions.unsupported_in({"SUM", "MAP", "LAMBDA"})
    assert line is not None and line.startswith("LAMBDA is not computed without Excel")
    assert functions.unsupported_in({"SUM", "EXPAND"}) is None


# ----- computing: an answer laid out as a grid -----------------------------------------------
@pytest.mark.parametrize(
    ("answer", "grid"),
    [
        ([[1, "a"], [None, True]], [[1, "a"], [None, True]]),  # rows of one width: at C speed
        ([[1, 2], [3]], [[1, 2], [3, None]]),  # ragged rows: padded with blanks
        ([1, 2], [[1], [2]]),  # a flat list: a column
        ([(1, 2)], [[(1, 2)]]),  # not a row: one cell
        ([[[1, 2]]], [[[1, 2]]]),  # a cell holding a list stays one cell
        ([], [[None]]),
        ([[]], [[]]),
        ([[np.float64(1.5), np.int64(2)]], [[1.5, 2]]),  # NumPy scalars as Python's
        (np.array([[1.0, 2.0]]), [[1.0, 2.0]]),
        (7, [[7]]),
    ],
)
def test_an_answer_is_laid_out_as_excel_shows_it(answer, grid):
    from clv_xl.workbooks.calculation import _grid

    got = _grid(answer)
    assert got.dtype == object and got.ndim == 2
    assert got.tolist() == grid
    assert [type(v) for v in got.ravel()] == [type(v) for row in grid for v in row]
