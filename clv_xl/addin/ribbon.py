"""What the CLV tab's Refresh button runs inside Excel (through xlwings' RunPython).

``clv_xl.main()`` -> :func:`refresh_workbook` on the active workbook: drop cached fits, mark every
cell whose formula uses a CLV_ function dirty, recalculate once (Excel then recalculates what
depends on them, and each distinct fit is computed once, into the emptied cache), show progress
in the status bar, and end with a short report. No cell is written: Excel's own recalculation
puts the values in, so no input cell can change.

It talks to Excel only through a few xlwings calls (``sheets``, ``used_range``, ``formula``,
``api.Dirty``, ``app.calculate``, ``app.status_bar``, ``app.alert``), which the tests replace
with stand-ins.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from clv_xl.models.cache import clear_cache
from clv_xl.workbooks.refresh import error_lines


@dataclass
class RibbonReport:
    formulas: int = 0
    seconds: float = 0.0
    errors: list[tuple[str, str, str]] = field(default_factory=list)

    def text(self, limit: int = 15) -> str:
        head = f"{self.formulas} CLV formulas refreshed in {self.seconds:.1f} s"
        return "\n".join([head, *error_lines(self.errors, limit)])


def clv_cells(book: Any) -> list[tuple[Any, Any]]:
    """(sheet, cell) for every cell whose formula uses a CLV_ function."""
    found = []
    for sheet in book.sheets:
        used = sheet.used_range
        for cell in used:
            formula = cell.formula
            if isinstance(formula, str) and formula.startswith("=") and "CLV_" in formula.upper():
                found.append((sheet, cell))
    return found


def _is_error(value: Any) -> bool:
    return (isinstance(value, str) and (value.startswith("#") or value.startswith("CLV_"))) or (
        isinstance(value, int) and value < -2146826000  # a COM error code (#N/A, #VALUE!, ...)
    )


def refresh_workbook(book: Any) -> RibbonReport:
    started = time.perf_counter()
    app = book.app
    report = RibbonReport()
    clear_cache()
    try:
        app.status_bar = "CLV: finding CLV formulas..."
        cells = clv_cells(book)
        report.formulas = len(cells)
        for i, (_, cell) in enumerate(cells, 1):
            cell.api.Dirty()
            if i % 200 == 0:
                app.status_bar = f"CLV: marking {i} of {len(cells)} formulas..."
        app.status_bar = f"CLV: recalculating {len(cells)} formulas..."
        app.calculate()
        for sheet, cell in cells:
            value = cell.value
            first = (
                value[0][0]
                if isinstance(value, list) and value and isinstance(value[0], list)
                else value
            )
            if _is_error(first):
                report.errors.append((sheet.name, cell.address.replace("$", ""), str(first)))
    finally:
        app.status_bar = False
    report.seconds = time.perf_counter() - started
    return report


def main() -> None:
    """Entry point of the Refresh button: refresh the active workbook and show the report."""
    import xlwings as xw

    book = xw.books.active
    report = refresh_workbook(book)
    book.app.alert(report.text(), title="CLV refresh")
