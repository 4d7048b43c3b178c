"""Where an expression is computed (issue 30): in its formula's own cell, as Excel computes it,
so ROW(), COLUMN(), ADDRESS and an unqualified INDIRECT mean what they mean there; functions
the engine lacks are added in one place or named in one line."""

import openpyxl
import xlsxwriter

from clv_xl.workbooks.refresh import refresh


def book(path):
    wb = xlsxwriter.Workbook(str(path))
    other = wb.add_worksheet("Other")
    other.write_number("B1", 999)
    ws = wb.add_worksheet("S")
    ws.write_number("B1", 14)
    ws.write_number("B2", 2)
    ws.write_dynamic_array_formula("D5:D6", "=SEQUENCE(2)+ROW()")
    ws.write_dynamic_array_formula("E7", "=ADDRESS(ROW(),COLUMN())")
    ws.write_formula("F3", '=CLV_VALUE(INDIRECT("B1"),2)')
    ws.write_formula("F4", "=CLV_VALUE(ROW()+10,COLUMN()-4)")  # 14 and 2, in F4
    ws.write_dynamic_array_formula("H1:I2", "=_xlfn.EXPAND(B1:B2,2,2,0)")
    ws.write_dynamic_array_formula("K1", "=_xlfn.MAP(B1:B2,_xlfn.LAMBDA(_xlpm.x,_xlpm.x*2))")
    wb.close()
    return path


def test_expressions_are_computed_in_their_own_cell(tmp_path):
    path = book(tmp_path / "positions.xlsx")
    report = refresh(path)
    s = openpyxl.load_workbook(path, data_only=True)["S"]
    assert [s["D5"].value, s["D6"].value] == [6, 7]
    assert s["E7"].value == "$E$7"
    assert s["F3"].value == 28 and s["F4"].value == 28  # 14 x 2, Mary's $28 from seed 001
    assert [[s["H1"].value, s["I1"].value], [s["H2"].value, s["I2"].value]] == [[14, 0], [2, 0]]
    lines = {cell: text for _, cell, text in report.errors}
    assert list(lines) == ["K1"]
    assert lines["K1"].startswith("LAMBDA is not computed without Excel") or lines[
        "K1"].startswith("MAP is not computed without Excel")  # fmt: skip


def test_a_long_chain_of_operands_and_a_circular_column_are_named(tmp_path, monkeypatch):
    """The engine stops at 256 operands joined by operators (Excel takes more): named in one
    line. A filled-down circular column is named with its cells, each sheet's cells found once
    (a linear number of questions to the engine, not one scan per circular cell)."""
    path = tmp_path / "limits.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("S")
    for i in range(300):
        ws.write_number(i, 0, 1)
    ws.write_formula("C1", "=" + "+".join(f"A{i + 1}" for i in range(256)))
    ws.write_formula("C2", "=" + "+".join(f"A{i + 1}" for i in range(257)))
    n = 1500
    for i in range(n):
        ws.write_formula(i, 4, f"=F{i + 1}+1")
        ws.write_formula(i, 5, f"=E{i + 1}*2")
    wb.close()
    from clv_xl.workbooks.engine_book import EngineBook

    asked = []
    real = EngineBook.value
    monkeypatch.setattr(EngineBook, "value", lambda self, *a: asked.append(a) or real(self, *a))
    report = refresh(path)
    lines = {cell: text for _, cell, text in report.errors}
    assert "C1" not in lines
    assert lines["C2"].startswith("#VALUE! the formula joins 257 operands with operators")
    circular = [c for c in lines if c.startswith(("E", "F"))]
    assert len(circular) == 2 * n
    assert lines["E7"].startswith("circular reference among S!E1, S!F1, S!E2")
    assert len(asked) < 3 * (2 * n + 2)


def test_a_clv_result_cut_by_a_legacy_array_range_is_named(tmp_path):
    """Issue 30: openpyxl saves a dynamic array as a legacy (fixed-range) one; a CLV_ result
    larger than the range is cut as Excel cuts it, and the report names the cell and why."""
    path = tmp_path / "legacy.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("S")
    ws.write_column("A1", ["Customer", 1, 1, 2, 3])
    ws.write_column("B1", ["Date", 45000, 45030, 45010, 45040])
    ws.write_array_formula("D1:E2", "{=CLV_SUMMARY(A2:A5,B2:B5)}")
    wb.close()
    report = refresh(path)
    lines = {cell: text for _, cell, text in report.errors}
    assert lines["D1"].startswith("the result has 4 rows and 9 columns but the legacy array "
                                  "formula's range D1:E2 holds 2 by 2: the rest is cut off")  # fmt: skip
    s = openpyxl.load_workbook(path, data_only=True)["S"]
    assert [s["D1"].value, s["E1"].value, s["D2"].value] == ["customer", "frequency", 1]
