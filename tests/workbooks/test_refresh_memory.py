"""What a refresh holds while it computes and writes (issue 33: a million-row log in 1 GB):
a log sheet's stored bytes are let go once the engine has its values, and the engine and the
cells read are let go before the results are written."""

import shutil

import numpy as np
import pytest

from clv_xl.workbooks import refresh as refreshing
from clv_xl.workbooks.calculation import Calculation
from clv_xl.workbooks.sheet import Sheet
from clv_xl.workbooks.xlsx import Package
from tests.helpers import TEMPLATES

pytestmark = pytest.mark.filterwarnings("ignore:.*extension is not supported:UserWarning")


def test_a_sheet_let_go_is_read_again_from_the_file_when_asked(tmp_path):
    book = tmp_path / "b.xlsx"
    shutil.copy(TEMPLATES / "customer_base.xlsx", book)
    package = Package(book)
    try:
        sales = package.sheet("Transactions")
        stored = package.read(sales.part)
        assert sales._raw == stored  # never read: held as stored
        sales.let_go()
        assert sales._raw is None  # not held
        assert sales.xml().encode() == stored  # read again
        read = package.sheet("Model")
        rows = read.rows  # read cell by cell: its rows are held, nothing is let go
        read.let_go()
        assert read.rows is rows
    finally:
        package.close()


def test_a_sheet_without_a_file_behind_it_keeps_its_bytes():
    sheet = Sheet.parse("S", "p", b"<worksheet><sheetData/></worksheet>")
    sheet.let_go()
    assert sheet.xml() == "<worksheet><sheetData/></worksheet>"


def test_the_log_the_engine_and_the_cells_read_are_let_go_before_writing(tmp_path, monkeypatch):
    book = tmp_path / "b.xlsx"
    shutil.copy(TEMPLATES / "customer_base.xlsx", book)
    seen = {}
    real_compute, real_write = Calculation.compute, Sheet.write_block

    def computing(calc, f):
        seen.setdefault("log held while computing", calc.sheets["Transactions"]._raw is not None)
        return real_compute(calc, f)

    def writing(sheet, *args, **kwargs):
        calc = seen["calc"]
        seen.setdefault("engine held while writing", calc.engine.book is not None)
        seen.setdefault("cells read held while writing", bool(calc._read_cache))
        return real_write(sheet, *args, **kwargs)

    real_let_go = Calculation.let_go
    monkeypatch.setattr(Calculation, "compute", computing)
    monkeypatch.setattr(Sheet, "write_block", writing)
    monkeypatch.setattr(
        Calculation, "let_go", lambda calc: seen.update(calc=calc) or real_let_go(calc)
    )
    report = refreshing.refresh(book)
    assert not report.errors
    assert seen == {
        "log held while computing": False,
        "calc": seen["calc"],
        "engine held while writing": False,
        "cells read held while writing": False,
    }


def test_ranges_are_handed_as_read_only_arrays_and_results_let_go_once_written(
    tmp_path, monkeypatch
):
    """A range a function declares (``cells``) comes as the cells read, a read-only 2-D object
    array, not as a list of one-cell lists (84 MB a million-row column); one-cell arguments as
    their values, as xlwings hands them. Once written, a result's values are let go."""
    import functools

    from clv_xl.excel import udfs

    book = tmp_path / "b.xlsx"
    shutil.copy(TEMPLATES / "customer_base.xlsx", book)
    handed = []
    real = udfs.CLV_SUMMARY

    @functools.wraps(real)  # its declarations with it
    def spying(*args):
        handed.append(args)
        return real(*args)

    monkeypatch.setattr(udfs, "CLV_SUMMARY", spying)
    kept = {}
    real_let_go = Calculation.let_go
    monkeypatch.setattr(
        Calculation, "let_go", lambda calc: kept.update(calc=calc) or real_let_go(calc)
    )
    report = refreshing.refresh(book)
    assert not report.errors and handed
    ids, dates, amounts, as_of, *_ = handed[0]
    for column in (ids, dates, amounts):
        assert isinstance(column, np.ndarray) and column.ndim == 2 and column.shape[1] == 1
        assert column.dtype == object and not column.flags.writeable
    assert not isinstance(as_of, np.ndarray | list)  # one cell: its value
    outputs = kept["calc"].outputs.values()
    assert outputs and all(o.grid.size == 0 for o in outputs)


def test_a_large_range_read_is_held_no_longer_than_its_last_reader(tmp_path, monkeypatch):
    """Ranges of FORGET_CELLS or more (a log's columns) leave the cells read once no later
    formula of the pass reads them; smaller ones are kept (looking for their readers after
    every formula of a filled-down column would cost more than they hold)."""
    from clv_xl.workbooks import calculation

    monkeypatch.setattr(calculation, "FORGET_CELLS", 50)  # the template's Sales columns count
    book = tmp_path / "b.xlsx"
    shutil.copy(TEMPLATES / "customer_base.xlsx", book)
    seen = []
    real = Calculation.compute

    def computing(calc, f):
        seen.append((f, {a for a in calc._read_cache if a in calc._large}))
        return real(calc, f)

    monkeypatch.setattr(Calculation, "compute", computing)
    report = refreshing.refresh(book)
    assert not report.errors
    first_pass = seen[: len(seen) // report.passes]
    order = [f for f, _ in first_pass]
    held = [(i, area) for i, (_, areas) in enumerate(first_pass) for area in areas]
    assert held  # the Sales table's columns were held for their readers
    for i, area in held:  # each held only while a formula from here on reads it
        assert any(area.overlaps(r) for g in order[i:] for r in g.reads)
