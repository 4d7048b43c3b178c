"""What a formula means in Excel is what it means in the headless refresh: one workbook per
behaviour, refreshed, read back (issue 20's list). Each of these failed with the old engine."""

import datetime as dt
import re
import zipfile

import openpyxl
import pytest
import xlsxwriter

from clv_xl.excel import udfs
from clv_xl.workbooks.refresh import refresh


def values(book, sheet):
    return openpyxl.load_workbook(book, data_only=True)[sheet]


def patch_sheet(book, part, change):
    """Rewrite one part of a saved workbook (what another writer would have stored)."""
    with zipfile.ZipFile(book) as z:
        parts = {i.filename: z.read(i.filename) for i in z.infolist()}
    parts[part] = change(parts[part].decode()).encode()
    with zipfile.ZipFile(book, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)


def log_book(path, date_1904=False, **options):
    """A six-row transaction log with a header on sheet Log, and a sheet Calc for formulas."""
    wb = xlsxwriter.Workbook(str(path), {"date_1904": date_1904, **options})
    log = wb.add_worksheet("Log")
    date = wb.add_format({"num_format": "yyyy-mm-dd"})
    log.write_row(0, 0, ["Customer", "Date", "Amount"])
    rows = [(1, dt.datetime(2024, 1, 3), 10), (1, dt.datetime(2024, 2, 1), 20),
            (2, dt.datetime(2024, 1, 10), 5), (1, dt.datetime(2024, 3, 1), 16),
            (3, dt.datetime(2024, 2, 20), 12), (2, dt.datetime(2024, 3, 15), 18)]  # fmt: skip
    for i, (c, d, a) in enumerate(rows, start=1):
        log.write_number(i, 0, c)
        log.write_datetime(i, 1, d, date)
        log.write_number(i, 2, a)
    return wb, log, wb.add_worksheet("Calc"), date


def test_a_range_to_the_last_row_reads_every_row(tmp_path):
    book = tmp_path / "last.xlsx"
    wb, _, calc, _ = log_book(book)
    calc.write_formula("A1", "=SUM(Log!C2:C1048576)")
    calc.write_formula("A2", "=SUM(Log!A2:XFD2)")
    calc.write_dynamic_array_formula("B1:B1", "=CLV_VALUE(SUM(Log!C2:C1048576), 1)")
    calc.write_dynamic_array_formula(
        "D1:D1", "=CLV_SUMMARY(Log!A2:A1048576, Log!B2:B1048576, Log!C2:C1048576)"
    )
    wb.close()
    report = refresh(book)
    assert report.errors == []
    sheet = values(book, "Calc")
    assert sheet["A1"].value == 81 and sheet["B1"].value == 81
    assert sheet["A2"].value == 1 + 10 + 45294  # the row's id, amount and date serial
    assert [sheet[f"D{r}"].value for r in range(1, 5)] == ["customer", 1, 2, 3]
    assert sheet["D5"].value is None


def test_whole_columns_mean_what_their_used_rows_mean(tmp_path):
    book = tmp_path / "whole.xlsx"
    wb, _, calc, _ = log_book(book)
    calc.write_dynamic_array_formula("A1:A1", "=CLV_SUMMARY(Log!A:A, Log!B:B, Log!C:C)")
    calc.write_dynamic_array_formula("L1:L1", "=CLV_SUMMARY(Log!A2:A7, Log!B2:B7, Log!C2:C7)")
    calc.write_formula("W1", "=SUM(Log!C:C)")
    wb.close()
    report = refresh(book)
    assert report.errors == []
    sheet = values(book, "Calc")
    whole = [[c.value for c in row] for row in sheet["A1:I4"]]
    explicit = [[c.value for c in row] for row in sheet["L1:T4"]]
    assert whole == explicit and whole[1][:2] == [1, 2]  # header skipped, customer 1: 2 repeats
    assert sheet["W1"].value == 81


def test_structured_references_read_the_table(tmp_path):
    book = tmp_path / "table.xlsx"
    wb, log, calc, _ = log_book(book)
    log.add_table(0, 0, 6, 2, {"name": "Sales", "columns": [{"header": h} for h in
                                                            ("Customer", "Date", "Amount")]})  # fmt: skip
    calc.write_formula("A1", "=SUM(Sales[Amount])")
    calc.write_dynamic_array_formula(
        "B1:B1", "=CLV_SUMMARY(Sales[Customer], Sales[Date], Sales[Amount])"
    )
    calc.write_formula("M1", "=ROWS(Sales[#All])")
    wb.close()
    report = refresh(book)
    assert report.errors == []
    sheet = values(book, "Calc")
    assert sheet["A1"].value == 81 and sheet["M1"].value == 7
    assert [sheet[f"B{r}"].value for r in range(1, 5)] == ["customer", 1, 2, 3]


def test_spill_references_resolve_to_the_range_written(tmp_path):
    book = tmp_path / "spill.xlsx"
    wb = xlsxwriter.Workbook(str(book))
    ws = wb.add_worksheet("S")
    ws.write_column("A1", [8, 20, 14])
    ws.write_dynamic_array_formula("C1:C1", "=CLV_VALUE(A1:A3, 2)")
    ws.write_formula("E1", "=SUM(C1#)")
    ws.write_formula("E2", "=ROWS(S!C1#)")
    ws.write_dynamic_array_formula("F1:F1", "=CLV_HEADROOM(C1#, 10)")
    ws.write_dynamic_array_formula("H1:H1", "=SEQUENCE(3)")
    ws.write_dynamic_array_formula("I1:I1", "=CLV_VALUE(H1#, 10)")
    wb.close()
    report = refresh(book)
    assert report.errors == []
    sheet = values(book, "S")
    assert sheet["E1"].value == 84 and sheet["E2"].value == 3
    assert [sheet[f"F{r}"].value for r in (1, 2, 3)] == [6, 30, 18]
    assert [sheet[f"I{r}"].value for r in (1, 2, 3)] == [10, 20, 30]


def test_shared_formulas_then_an_omitted_argument(tmp_path):
    """A filled-down column as Excel stores it (one formula shared by the cells below), then a
    CLV_ call with an omitted argument."""
    book = tmp_path / "shared.xlsx"
    wb = xlsxwriter.Workbook(str(book))
    ws = wb.add_worksheet("S")
    ws.write_column("A1", [1, 2, 3])
    for r in range(1, 4):
        ws.write_formula(f"B{r}", f"=A{r}*100")
    ws.write_dynamic_array_formula("C1:C1", "=CLV_HEADROOM(B3,,2)")
    wb.close()

    def share(xml):
        xml = re.sub(r"<f>A1\*100</f>", '<f t="shared" ref="B1:B3" si="0">A1*100</f>', xml)
        return re.sub(r"<f>A[23]\*100</f>", '<f t="shared" si="0"/>', xml)

    patch_sheet(book, "xl/worksheets/sheet1.xml", share)
    report = refresh(book)
    assert report.errors == []
    sheet = values(book, "S")
    assert [sheet[f"B{r}"].value for r in (1, 2, 3)] == [100, 200, 300]
    assert sheet["C1"].value == udfs.CLV_HEADROOM(300, None, 2) == 150


def test_a_one_cell_array_ref_is_computed(tmp_path):
    """``ref="C1:C1"``, as LibreOffice and openpyxl store a one-cell array formula."""
    book = tmp_path / "one.xlsx"
    wb = xlsxwriter.Workbook(str(book))
    ws = wb.add_worksheet("S")
    ws.write_dynamic_array_formula("C1:C1", "=CLV_HEADROOM(500, 50)")
    ws.write_array_formula("D1:D1", "{=CLV_VALUE(8, 2)}")
    wb.close()
    patch_sheet(book, "xl/worksheets/sheet1.xml",
                lambda x: x.replace('ref="C1"', 'ref="C1:C1"').replace('ref="D1"', 'ref="D1:D1"'))  # fmt: skip
    report = refresh(book)
    assert report.errors == []
    sheet = values(book, "S")
    assert sheet["C1"].value == 450 and sheet["D1"].value == 16


def test_colliding_spills_one_shows_spill_and_nothing_is_overwritten(tmp_path):
    book = tmp_path / "collide.xlsx"
    wb = xlsxwriter.Workbook(str(book))
    ws = wb.add_worksheet("S")
    ws.write_column("X1", [1, 2, 3])
    ws.write_dynamic_array_formula("B1:B1", "=CLV_VALUE(X1:X3, 1)")  # B1:B3
    ws.write_dynamic_array_formula("A2:A2", "=CLV_VALUE({5,6}, 1)")  # A2:B2, across B1's spill
    ws.merge_range("E2:F2", "merged")
    ws.write_dynamic_array_formula("E1:E1", "=CLV_VALUE(X1:X3, 1)")  # into the merged cells
    ws.write_dynamic_array_formula("H1:H1", "=SEQUENCE(3)")
    ws.write_dynamic_array_formula("G2:G2", "=CLV_VALUE({7,8}, 1)")  # across H1's spill
    wb.close()
    report = refresh(book)
    spills = {ref for _, ref, text in report.errors if text.startswith("#SPILL!")}
    assert len(spills & {"A2", "B1"}) == 1  # one of the two, as Excel picks one
    assert "E1" in spills
    assert spills & {"G2", "H1"}
    sheet = values(book, "S")
    winner = "B1" if "A2" in spills else "A2"
    if winner == "B1":
        assert [sheet[f"B{r}"].value for r in (1, 2, 3)] == [1, 2, 3]
    else:
        assert [sheet["A2"].value, sheet["B2"].value] == [5, 6]
    assert sheet["E2"].value == "merged"


def test_legacy_arrays_cut_or_fill_with_na(tmp_path):
    book = tmp_path / "legacy.xlsx"
    wb = xlsxwriter.Workbook(str(book))
    ws = wb.add_worksheet("S")
    ws.write_column("X1", [1, 2, 3])
    ws.write_array_formula("A1:A5", "{=CLV_VALUE(X1:X3, 1)}")
    ws.write_array_formula("B1:B2", "{=CLV_VALUE(X1:X3, 1)}")
    ws.write_array_formula("C1:C3", "{=X1:X2*10}")
    ws.write_array_formula("D1:D3", "{=CLV_HEADROOM(10, 1)}")  # one value: repeated
    wb.close()
    refresh(book)
    sheet = values(book, "S")
    assert [sheet[f"A{r}"].value for r in range(1, 6)] == [1, 2, 3, "#N/A", "#N/A"]
    assert [sheet[f"B{r}"].value for r in (1, 2, 3)] == [1, 2, None]
    assert [sheet[f"C{r}"].value for r in (1, 2, 3)] == [10, 20, "#N/A"]
    assert [sheet[f"D{r}"].value for r in (1, 2, 3)] == [9, 9, 9]


def test_a_plain_formula_shows_the_top_left_value(tmp_path):
    """Excel's implicit intersection: a table function typed as a plain formula."""
    book = tmp_path / "plain.xlsx"
    wb, _, calc, _ = log_book(book)
    calc.write_formula("A1", "=CLV_SUMMARY(Log!A2:A7, Log!B2:B7)")
    calc.write_formula("A2", "=CLV_VALUE(Log!C2:C4, 2)")
    wb.close()
    refresh(book)
    sheet = values(book, "Calc")
    assert sheet["A1"].value == "customer" and sheet["A2"].value == 20
    assert sheet["B1"].value is None and sheet["A3"].value is None


@pytest.mark.parametrize("gap", [" ", "\n", "\t", " \r\n  ", ""])
def test_an_omitted_argument_with_any_whitespace(tmp_path, gap):
    book = tmp_path / "gap.xlsx"
    wb = xlsxwriter.Workbook(str(book))
    ws = wb.add_worksheet("S")
    ws.write_dynamic_array_formula("A1:A1", f'=CLV_RETENTION(100,0.8,0.1,{gap},"end")')
    ws.write_dynamic_array_formula("A2:A2", f"=CLV_HEADROOM(3000,{gap},3)")
    wb.close()
    report = refresh(book)
    assert report.errors == []
    sheet = values(book, "S")
    assert sheet["A1"].value == pytest.approx(udfs.CLV_RETENTION(100, 0.8, 0.1, None, "end"))
    assert sheet["A2"].value == 1000


def test_1904_dates_are_read_and_written_in_1904(tmp_path):
    book = tmp_path / "mac.xlsx"
    wb, _, calc, date = log_book(book, date_1904=True)
    calc.write_dynamic_array_formula("A1:A1", '=CLV_SUMMARY(Log!A2:A7, Log!B2:B7, , "2024-03-31")')
    calc.write_formula("M1", "=YEAR(Log!B2)")
    calc.write_formula("M2", "=Log!B2+1", date)
    wb.close()
    report = refresh(book)
    assert report.errors == []
    sheet = values(book, "Calc")
    assert sheet["M1"].value == 2024
    assert sheet["M2"].value == dt.datetime(2024, 1, 4)
    header = [c.value for c in sheet[1]]
    first = header.index("first_purchase")
    # 2024-01-03 is 45294 in the 1900 system, 45294 - 1462 in 1904's (the cell is unstyled)
    assert sheet.cell(2, first + 1).value == 45294 - 1462
    with zipfile.ZipFile(book) as z:
        assert b'date1904="1"' in z.read("xl/workbook.xml")


@pytest.mark.parametrize("date_1904", [False, True])
def test_computed_dates_are_read_in_the_workbooks_date_system(tmp_path, date_1904):
    """A date a formula computes reaches a CLV_ function as a serial number: in a 1904
    workbook it is read as 1904's (before, as 1900's: four years early)."""
    book = tmp_path / "computed.xlsx"
    wb, _, calc, _ = log_book(book, date_1904=date_1904)
    calc.write_formula("M1", "=DATE(2024,3,31)")
    calc.write_formula("M2", "=M1+0")
    calc.write_dynamic_array_formula("A1:A1", "=CLV_SUMMARY(Log!A2:A7, Log!B2:B7+0, , M2)")
    wb.close()
    report = refresh(book)
    assert report.errors == []
    sheet = values(book, "Calc")
    header = [c.value for c in sheet[1]]
    recency, age = header.index("recency") + 1, header.index("T") + 1
    # customer 1 bought on 2024-01-03, 02-01 and 03-01; the period ends 2024-03-31
    assert sheet.cell(2, recency).value == pytest.approx(58 / 7)
    assert sheet.cell(2, age).value == pytest.approx(88 / 7)


def test_sheet_names_with_apostrophes(tmp_path):
    book = tmp_path / "apostrophe.xlsx"
    wb = xlsxwriter.Workbook(str(book))
    data = wb.add_worksheet("Mary's data")
    data.write_column("A1", [8, 20])
    ws = wb.add_worksheet("S")
    ws.write_formula("A1", "='Mary''s data'!A1*2")
    ws.write_dynamic_array_formula("A2:A2", "=CLV_VALUE('Mary''s data'!A2, 2)")
    ws.write_dynamic_array_formula("A3:A3", "=CLV_VALUE('Mary''s data'!A1:A2, 1)")
    wb.close()
    report = refresh(book)
    assert report.errors == []
    sheet = values(book, "S")
    assert [sheet[f"A{r}"].value for r in (1, 2, 3, 4)] == [16, 40, 8, 20]


def test_circular_references_are_named_by_their_cells(tmp_path):
    book = tmp_path / "circle.xlsx"
    wb = xlsxwriter.Workbook(str(book))
    ws = wb.add_worksheet("S")
    ws.write_formula("A1", "=B1+1")
    ws.write_formula("B1", "=A1+1")
    ws.write_dynamic_array_formula("D1:D1", "=CLV_VALUE(E1, 2)")
    ws.write_formula("E1", "=D1+1")
    wb.close()
    report = refresh(book)
    texts = {ref: text for _, ref, text in report.errors}
    assert "circular reference" in texts["A1"] and "S!A1" in texts["A1"] and "S!B1" in texts["A1"]
    assert "circular reference" in texts["D1"] and "S!D1" in texts["D1"]


def test_a_book_saved_from_xlwings_lite_refreshes(tmp_path):
    """A CLV_ call typed in xlwings Lite is an Office.js custom function: the saved file stores
    it as _xldudf_CLV_... (with a namespace, _xldudf_NS_CLV_...); the refresh computes it, alone
    and nested, and leaves the formula text as it was."""
    book = tmp_path / "lite.xlsx"
    wb, _, calc, _ = log_book(book)
    calc.write_dynamic_array_formula("A1:A1", "=_xldudf_CLV_VALUE(14, 2)")
    calc.write_formula("A2", "=SUM(_xldudf_CLV_VALUE(Log!C2:C3, 2))")
    calc.write_dynamic_array_formula("A3:A3", "=_xldudf_XLWINGS_CLV_VALUE(8, 2)")
    calc.write_dynamic_array_formula("C1:C1", "=_xldudf_CLV_SUMMARY(Log!A2:A7, Log!B2:B7)")
    wb.close()
    report = refresh(book)
    assert report.errors == []
    sheet = values(book, "Calc")
    assert [sheet[f"A{r}"].value for r in (1, 2, 3)] == [28, 60, 16]
    assert [sheet[f"C{r}"].value for r in range(1, 5)] == ["customer", 1, 2, 3]
    with zipfile.ZipFile(book) as z:
        assert b"_xldudf_CLV_VALUE(14, 2)" in z.read("xl/worksheets/sheet2.xml")


def test_if_computes_only_the_branch_its_test_picks(tmp_path, monkeypatch):
    """``IF(test, text, CLV_SUMMARY(...))``, as Excel computes IF: the test first, then only the
    branch it picks; a CLV_ call there is computed once, as the same call alone gives it (issue
    33: no trip of its cells through the formula engine)."""
    book = tmp_path / "if.xlsx"
    wb, _, calc, _ = log_book(book)
    summary = "CLV_SUMMARY(Log!A2:A7, Log!B2:B7, Log!C2:C7)"
    calc.write_dynamic_array_formula("A1:A1", f'=IF(COUNTA(Log!A2:A7)=0,"no log",{summary})')
    calc.write_dynamic_array_formula("K1:K1", f'=IF(COUNTA(Log!A2:A7)>0,"a log",{summary})')
    calc.write_dynamic_array_formula("L1:L1", f"=IF(SUM(Log!C2:C7)>1000,{summary})")
    calc.write_dynamic_array_formula("M1:M1", f"={summary}")
    wb.close()
    called = []
    real = udfs.CLV_SUMMARY
    monkeypatch.setattr(udfs, "CLV_SUMMARY", lambda *a: called.append(1) or real(*a))
    report = refresh(book)
    assert report.errors == []
    sheet = values(book, "Calc")
    rows = lambda col: [[c.value for c in r] for r in sheet[f"{col}1:{chr(ord(col) + 8)}4"]]  # noqa: E731
    assert rows("A") == rows("M") and rows("A")[0][0] == "customer"
    assert sheet["K1"].value == "a log" and sheet["K2"].value is None
    assert sheet["L1"].value is False
    assert len(called) == 2  # A1's branch and M1: never K1's nor L1's
