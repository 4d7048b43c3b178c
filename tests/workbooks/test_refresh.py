"""`clv-xl refresh`: values computed, nothing else touched, the original safe on any failure."""

import os
import shutil
import signal
import subprocess
import sys
import time
import zipfile

import pytest

from clv_xl.workbooks.addresses import range_cells
from clv_xl.workbooks.refresh import refresh
from clv_xl.workbooks.xlsx import Package, WorkbookError
from tests.helpers import TEMPLATES

NAMES = sorted(p.name for p in TEMPLATES.glob("*.xlsx"))


def input_cells(path):
    """Every cell that is neither a formula nor inside a formula's spill range: its exact XML."""
    package = Package(path)
    out = {}
    for name in package.sheet_parts:
        cells = package.sheet(name).cells()
        computed = set()
        for c in cells:
            if c.formula is not None:
                computed.update(range_cells(c.array_ref or c.ref))
        out.update({(name, c.ref): c.xml for c in cells if (c.row, c.col) not in computed})
    package.close()
    return out


def other_parts(path):
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist() if not n.startswith("xl/worksheets/sheet")}


@pytest.mark.parametrize("name", NAMES)
def test_refresh_changes_no_input_cell_and_no_other_part(tmp_path, name):
    out = tmp_path / name
    report = refresh(TEMPLATES / name, out)
    assert report.errors == []
    before, after = input_cells(TEMPLATES / name), input_cells(out)
    assert before == after  # byte for byte, every input cell
    assert other_parts(TEMPLATES / name) == other_parts(out)  # styles, charts, names, validation


def test_cli_refreshes_in_place_and_reports(tmp_path):
    book = tmp_path / "dry_cleaner.xlsx"
    shutil.copy(TEMPLATES / "dry_cleaner.xlsx", book)
    done = subprocess.run(
        [sys.executable, "-m", "clv_xl.cli", "refresh", str(book)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert (
        "23 formulas refreshed (10 use CLV_ functions)" in done.stdout
        and "no errors" in done.stdout
    )


def test_cli_says_what_is_wrong_with_a_bad_file(tmp_path):
    bad = tmp_path / "notes.xlsx"
    bad.write_text("not a workbook")
    done = subprocess.run(
        [sys.executable, "-m", "clv_xl.cli", "refresh", str(bad)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "not an .xlsx workbook" in done.stderr and "Traceback" not in done.stderr
    assert bad.read_text() == "not a workbook"
    with pytest.raises(WorkbookError, match="no such workbook"):
        refresh(tmp_path / "missing.xlsx")


SLOW_WRITER = """
import sys, time, zipfile
from pathlib import Path
real, real_open = zipfile.ZipFile.writestr, zipfile.ZipFile.open
state = {"n": 0}
folder = Path(sys.argv[1]).parent
def written():
    if not any(folder.glob(".customer_base*")):
        return  # a scratch copy for the engine, not the output
    state["n"] += 1
    if state["n"] == 3:
        Path(sys.argv[2]).write_text("writing")  # tell the test we are mid-write
        time.sleep(60)
def slow(self, info, data, *a, **k):
    real(self, info, data, *a, **k)
    written()
class Streamed:  # a part written in pieces (a refreshed sheet): counted when it is closed
    def __init__(self, stream):
        self.stream = stream
    def write(self, data):
        return self.stream.write(data)
    def __enter__(self):
        return self
    def __exit__(self, *exc):
        self.stream.close()
        written()
def slow_open(self, name, mode="r", *a, **k):
    stream = real_open(self, name, mode, *a, **k)
    return Streamed(stream) if mode == "w" else stream
zipfile.ZipFile.writestr = slow
zipfile.ZipFile.open = slow_open
from clv_xl.workbooks.refresh import refresh
refresh(sys.argv[1])
"""


def test_killing_a_refresh_mid_write_leaves_the_original_intact(tmp_path):
    book = tmp_path / "customer_base.xlsx"
    shutil.copy(TEMPLATES / "customer_base.xlsx", book)
    original = book.read_bytes()
    signal_file = tmp_path / "mid-write"
    proc = subprocess.Popen([sys.executable, "-c", SLOW_WRITER, str(book), str(signal_file)])
    try:
        deadline = time.time() + 120
        while not signal_file.exists():
            assert proc.poll() is None, "the refresh ended before writing"
            assert time.time() < deadline, "the refresh never reached the write"
            time.sleep(0.05)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
    assert book.read_bytes() == original  # unchanged, byte for byte
    with zipfile.ZipFile(book) as z:
        assert z.testzip() is None  # and readable
    leftovers = [p.name for p in tmp_path.iterdir() if p.name.startswith(".customer_base")]
    assert leftovers, "the interrupted write was going to a temporary file beside the original"


def test_a_failing_refresh_leaves_the_original_intact(tmp_path, monkeypatch):
    book = tmp_path / "dry_cleaner.xlsx"
    shutil.copy(TEMPLATES / "dry_cleaner.xlsx", book)
    original = book.read_bytes()

    def explode(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(zipfile.ZipFile, "writestr", explode)
    with pytest.raises(OSError, match="disk full"):
        refresh(book)
    assert book.read_bytes() == original
    assert [p.name for p in tmp_path.iterdir()] == ["dry_cleaner.xlsx"]  # temp file removed


def test_a_spill_blocked_by_a_typed_value_is_spill_error_not_an_overwrite(tmp_path):
    import xlsxwriter

    path = tmp_path / "blocked.xlsx"
    book = xlsxwriter.Workbook(str(path))
    ws = book.add_worksheet("S")
    ws.write_column("A1", [1, 2, 3])
    ws.write_dynamic_array_formula("B1:B1", "=CLV_VALUE(A1:A3, 2)")
    ws.write("B3", "mine")  # a value in the way of the spill
    book.close()
    before = input_cells(path)[("S", "B3")]
    report = refresh(path)
    assert any(cell == "B1" and text.startswith("#SPILL!") for _, cell, text in report.errors)
    assert input_cells(path)[("S", "B3")] == before  # the typed value is untouched


def test_a_spill_that_grows_takes_two_passes_and_keeps_every_part(tmp_path):
    """Regression: zipfile's writestr fills in the ZipInfo it is given, so the first pass's save
    once pointed the source's directory into the pass file and the second save read garbage."""
    import openpyxl
    import xlsxwriter

    book = tmp_path / "grow.xlsx"
    workbook = xlsxwriter.Workbook(str(book))
    ws = workbook.add_worksheet("Data")
    for row, price in enumerate([8, 20, 14]):
        ws.write_number(row, 0, price)
    ws.write_dynamic_array_formula("C1:C1", "=CLV_VALUE(A1:A3, 2)")
    ws.write_dynamic_array_formula("E1:E1", "=CLV_HEADROOM(500, 50)")
    workbook.close()
    report = refresh(book, tmp_path / "out.xlsx")
    assert report.errors == [] and report.passes == 1
    sheet = openpyxl.load_workbook(tmp_path / "out.xlsx", data_only=True)["Data"]
    assert [sheet[f"C{r}"].value for r in (1, 2, 3)] == [16, 40, 28]
    assert sheet["E1"].value == 450
    with zipfile.ZipFile(tmp_path / "out.xlsx") as z:
        assert z.testzip() is None


def test_omitted_arguments_and_quoted_sheet_names_give_what_excel_gives(tmp_path):
    """Excel passes an omitted argument as missing (xlwings: None, the function's default); the
    engine would read it as 0. Each form is compared with the function called directly. (A sheet
    name with an apostrophe, 'Mary''s data'!A1, is a #REF! in the engine even for Excel's own
    functions; the refresh reports it as an error, see the README.)"""
    import openpyxl
    import xlsxwriter

    from clv_xl.excel import udfs

    book = tmp_path / "forms.xlsx"
    workbook = xlsxwriter.Workbook(str(book))
    data = workbook.add_worksheet("Mary data 2024-Q1")
    data.write_column("A1", [8, 20, 14])
    ws = workbook.add_worksheet("Forms")
    forms = {
        "A1": ('=CLV_RETENTION(100,0.8,0.1,,"end")', udfs.CLV_RETENTION(100, 0.8, 0.1, None, "end")),
        "A2": ('=CLV_RETENTION(100, 0.8, 0.1, , "start")', udfs.CLV_RETENTION(100, 0.8, 0.1, None, "start")),
        "A3": ("=CLV_RETENTION(100,0.8,0.1,)", udfs.CLV_RETENTION(100, 0.8, 0.1)),
        "A4": ("=CLV_HEADROOM(3000,,3)", udfs.CLV_HEADROOM(3000, None, 3)),
        "A5": ("=CLV_VALUE('Mary data 2024-Q1'!A2,2)", udfs.CLV_VALUE(20, 2)),
        "A6": ('=CLV_RETENTION(100,0.8,0.1,IF(TRUE,2,),"end")', udfs.CLV_RETENTION(100, 0.8, 0.1, 2, "end")),
    }  # fmt: skip
    for cell, (formula, _) in forms.items():
        ws.write_dynamic_array_formula(f"{cell}:{cell}", formula)
    workbook.close()
    report = refresh(book)
    assert report.errors == []
    sheet = openpyxl.load_workbook(book, data_only=True)["Forms"]
    for cell, (formula, expected) in forms.items():
        assert sheet[cell].value == pytest.approx(expected, rel=1e-12), formula
    assert forms["A1"][1] == pytest.approx(333.3333333)
    formulas_kept = openpyxl.load_workbook(book)["Forms"]
    assert "CLV_OMITTED" not in str(formulas_kept["A1"].value.text)  # the formula as typed
