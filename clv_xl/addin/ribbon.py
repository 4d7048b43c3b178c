"""What the CLV tab's Refresh button runs inside Excel (through xlwings' RunPython).

``clv_xl.main()`` -> :func:`refresh_workbook` on the active workbook. Every call to Excel is a
cross-process round trip, so the work is done in a fixed number of calls per sheet, whatever the
number of cells:

1. read the used range's formulas in one call (``Formula2``, so dynamic arrays read as typed);
2. re-enter the formulas that call a CLV_ function, one write per run of neighbouring cells in a
   column, with calculation set to manual. Re-entering marks them for recalculation and binds
   their names to the loaded add-in (a workbook opened before the add-in shows ``#NAME?`` until
   its formulas are entered again). Cells that repeat the formula of the cell above or to the
   left are left alone: those may be the spilled part of a dynamic array, and writing there
   would block the spill;
3. recalculate once (Excel recalculates what depends on them; each distinct fit is computed once);
4. read the used range's values in one call with errors as text (xlwings hands an error cell to
   Python as ``None`` otherwise) and report each error cell with its sheet, cell and the error,
   with the one-line ``CLV_...:`` messages the functions return.

On a Mac, xlwings has no user-defined functions, so Excel cannot compute a CLV_ formula and
re-entering one would replace its stored value with ``#NAME?``: there the button changes nothing,
names the workbook's CLV formulas, and says to run ``clv-xl refresh`` (which computes them without
Excel). It uses only xlwings' portable calls (``used_range``,
``formula2``, ``options(err_to_str=True).value``, ``app.calculation``, ``app.calculate``,
``app.status_bar``, ``app.alert``), which the tests replace with stand-ins that count them.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from typing import Any

from clv_xl.excel.error_texts import EXCEL_ERRORS
from clv_xl.models.cache import clear_cache
from clv_xl.workbooks.addresses import col_letters
from clv_xl.workbooks.placing import ErrorLine
from clv_xl.workbooks.refresh import error_lines

HINTS = {
    "#NAME?": "the CLV add-in is not loaded, or the function name is misspelt",
    "#SPILL!": "the result needs more room: clear the cells below and to the right",
    "#VALUE!": "Python could not run the function: run `clv-xl doctor`",
}


@dataclass
class RibbonReport:
    formulas: int = 0
    seconds: float = 0.0
    errors: list[ErrorLine] = field(default_factory=list)
    note: str = ""

    def text(self, limit: int = 15) -> str:
        if self.note:
            return self.note
        head = f"{self.formulas} CLV formulas refreshed in {self.seconds:.1f} s"
        return "\n".join([head, *error_lines(self.errors, limit)])


MAC_NOTE = (
    "Excel for Mac cannot run the CLV_ functions through this add-in (classic xlwings has no "
    "user-defined functions on a Mac), so this workbook's {count} CLV formulas keep the values "
    "they were saved with. To recompute them: save and close the workbook, run `clv-xl refresh "
    '"{name}"` in Terminal, and open it again. To have them live instead: xlwings Lite (run '
    "`clv-xl lite FOLDER` and follow the README)."
)


def grid(value: Any) -> list[list[Any]]:
    """What xlwings returns for a range (a scalar, a row or a list of rows) as rows."""
    if not isinstance(value, list | tuple):
        return [[value]]
    if value and all(isinstance(row, list | tuple) for row in value):
        return [list(row) for row in value]
    return [list(value)]


def is_clv_formula(formula: Any) -> bool:
    return isinstance(formula, str) and formula.startswith("=") and "CLV_" in formula.upper()


def clv_anchors(formulas: list[list[Any]]) -> list[tuple[int, int, str]]:
    """(row, column, formula), 0-based within the grid, of the CLV formulas to re-enter."""
    found = []
    for r, row in enumerate(formulas):
        for c, formula in enumerate(row):
            if not is_clv_formula(formula):
                continue
            above = formulas[r - 1][c] if r else None
            left = row[c - 1] if c else None
            if formula not in (above, left):
                found.append((r, c, formula))
    return found


def column_runs(anchors: list[tuple[int, int, str]]) -> list[tuple[int, int, list[str]]]:
    """Anchors grouped into runs of consecutive rows in one column: (first row, column, formulas)."""
    runs: list[tuple[int, int, list[str]]] = []
    for r, c, formula in sorted(anchors, key=lambda a: (a[1], a[0])):
        if runs and runs[-1][1] == c and runs[-1][0] + len(runs[-1][2]) == r:
            runs[-1][2].append(formula)
        else:
            runs.append((r, c, [formula]))
    return runs


def error_text(value: Any) -> str | None:
    """The error a cell shows, or None: Excel's errors (as xlwings' err_to_str gives them) and
    the one-line messages of the CLV_ functions."""
    if not isinstance(value, str):
        return None
    if value in EXCEL_ERRORS:
        hint = HINTS.get(value)
        return f"{value} ({hint})" if hint else value
    if value.startswith("CLV_") and ": " in value:
        return value
    return None


def refresh_sheet(sheet: Any, report: RibbonReport) -> None:
    """Step 2 for one sheet: re-enter its CLV formulas, one write per run of cells."""
    used = sheet.used_range
    reenter(sheet, (used.row, used.column), grid(used.formula2), report, "formula2")


def reenter(
    sheet: Any,
    corner: tuple[int, int],
    formulas: list[list[Any]],
    report: RibbonReport,
    attribute: str,
) -> None:
    """Write the CLV formulas of ``formulas`` (read from the used range whose top-left cell is
    ``corner``) back into ``sheet``, one write per run of cells, through ``attribute``
    (``formula2`` on desktop; ``formula`` in xlwings Lite, where Office.js writes dynamic arrays
    through it)."""
    anchors = clv_anchors(formulas)
    top, left = corner
    for r, c, run in column_runs(anchors):
        first, last = (top + r, left + c), (top + r + len(run) - 1, left + c)
        setattr(sheet.range(first, last), attribute, [[f] for f in run] if len(run) > 1 else run[0])
    report.formulas += len(anchors)


def sheet_errors(sheet: Any) -> list[ErrorLine]:
    """Step 4 for one sheet: every error cell, read in one call."""
    used = sheet.used_range
    return errors_in(sheet.name, (used.row, used.column), grid(used.options(err_to_str=True).value))


def errors_in(name: str, corner: tuple[int, int], values: list[list[Any]]) -> list[ErrorLine]:
    """(sheet, cell, error) of every error cell of a used range read as ``values``."""
    top, left = corner
    found = []
    for r, row in enumerate(values):
        for c, value in enumerate(row):
            text = error_text(value)
            if text:
                found.append(ErrorLine(name, f"{col_letters(left + c)}{top + r}", text))
    return found


def refresh_workbook(book: Any, platform: str = sys.platform) -> RibbonReport:
    started = time.perf_counter()
    app = book.app
    report = RibbonReport()
    if platform == "darwin":
        count = sum(len(clv_anchors(grid(s.used_range.formula2))) for s in book.sheets)
        report.formulas = count
        report.note = MAC_NOTE.format(count=count, name=book.name)
        return report
    clear_cache()
    mode = app.calculation
    try:
        app.status_bar = "CLV: re-entering CLV formulas..."
        app.calculation = "manual"
        sheets = list(book.sheets)
        for sheet in sheets:
            refresh_sheet(sheet, report)
        app.status_bar = f"CLV: recalculating {report.formulas} formulas..."
        app.calculate()
        app.status_bar = "CLV: checking for errors..."
        for sheet in sheets:
            report.errors.extend(sheet_errors(sheet))
    finally:
        app.calculation = mode
        app.status_bar = False
    report.seconds = time.perf_counter() - started
    return report


def main() -> None:
    """Entry point of the Refresh button: refresh the active workbook and show the report."""
    import xlwings as xw

    book = xw.books.active
    report = refresh_workbook(book)
    book.app.alert(report.text(), title="CLV refresh")
