"""One way of naming a row (issue 32): a function names the row of the range as the user selected
it (its header row counted); the headless refresh, which knows the sheet, names the sheet row the
user sees. The same bad cell, reached three ways, is one row."""

import datetime as dt

import openpyxl
import xlsxwriter

from clv_xl.excel import udfs
from clv_xl.workbooks.refresh import refresh

FREQ, REC, AGE = [2, 1, 3, 0, 4], [30, 2, 40, 0, 35], [38, 20, 38, 10, 38]  # row 3: recency > T


def test_a_function_counts_rows_from_the_top_of_the_range_it_was_given():
    col = lambda v: [[x] for x in v]  # noqa: E731
    plain = udfs.CLV_FIT("BG/NBD", col(FREQ), col(REC), col(AGE))
    headed = udfs.CLV_FIT("BG/NBD", [["f"], *col(FREQ)], [["r"], *col(REC)], [["T"], *col(AGE)])
    spill = udfs.CLV_FIT(
        "BG/NBD", [["frequency", "recency", "T"], *map(list, zip(FREQ, REC, AGE, strict=True))]
    )
    gap = lambda v: [*col(v[:2]), [None], *col(v[2:])]  # noqa: E731
    with_gap = udfs.CLV_FIT("BG/NBD", gap(FREQ), gap(REC), gap(AGE))
    assert "at row 3 got (3, 40, 38): recency is after age T" in plain
    assert plain.startswith("CLV_FIT: repeat_purchases, recency, age at row 3 ")
    for text, row in ((headed, 4), (spill, 4), (with_gap, 4)):
        assert f"at row {row} got (3, 40, 38)" in text, text


def test_the_refresh_names_the_sheet_row(tmp_path):
    book = tmp_path / "rows.xlsx"
    wb = xlsxwriter.Workbook(str(book))
    ws = wb.add_worksheet("Data")
    ws.write_row("B4", ["frequency", "recency", "T"])
    for i, row in enumerate(zip(FREQ, REC, AGE, strict=True)):
        ws.write_row(4 + i, 1, row)  # customers on sheet rows 5..9: the bad one on row 7
    ws.add_table("B4:D9", {"name": "Customers", "columns": [{"header": h} for h in "frq"]})
    log = wb.add_worksheet("Log")
    log.write_row("A1", ["id", "date", "amount"])
    date = wb.add_format({"num_format": "yyyy-mm-dd"})
    for r, (c, a) in enumerate([(1, 5.0), (2, "abc"), (3, 7.0)], start=1):
        log.write_number(r, 0, c)
        log.write_datetime(r, 1, dt.datetime(2024, 1, r), date)
        log.write(r, 2, a)
    calc = wb.add_worksheet("Calc")
    calc.write_dynamic_array_formula(
        "A1:A1", '=CLV_FIT("BG/NBD", Customers[f], Customers[r], Customers[q])'
    )
    calc.write_dynamic_array_formula(
        "C1:C1", '=CLV_FIT("BG/NBD", Data!B5:B9, Data!C5:C9, Data!D5:D9)'
    )
    calc.write_dynamic_array_formula("E1:E1", "=CLV_SUMMARY(Log!A2:A4, Log!B2:B4, Log!C2:C4)")
    wb.close()
    refresh(book)
    sheet = openpyxl.load_workbook(book, data_only=True)["Calc"]
    for cell in ("A1", "C1"):
        assert "repeat_purchases, recency, age at row 7 got (3, 40, 38)" in sheet[cell].value
    assert sheet["E1"].value.startswith('CLV_SUMMARY: amounts at row 3 got "abc"')
