"""The formula engine's copy of the workbook: formualizer computes Excel's own functions.

formualizer (a Rust engine, pinned in the lock) loads an in-memory copy of the workbook in
which the cells the refresh lays out are empty: the placed formulas and the cells a dynamic
array spilled into last time (a stale value would block its new spill, as a typed value
would). Sheets read in a form Excel does not write are handed over in the plain form the
refresh read. The CLV_ functions are registered with the engine for calls inside Excel
formulas, with the shapes xlwings hands them (:mod:`clv_xl.workbooks.engine`), and so are
the spreadsheet functions the engine lacks (:mod:`clv_xl.workbooks.functions`).

An expression is computed in the cell of the formula it belongs to, so ``ROW()``,
``COLUMN()`` and an unqualified ``INDIRECT("B1")`` mean what they mean there; its value is
taken whole by a function the engine calls with it (CLV_XL_CAPTURE), never spilled.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from clv_xl.runtime import require
from clv_xl.workbooks import engine, functions
from clv_xl.workbooks.formula_text import OFFICE_JS_PREFIX, mark_omitted
from clv_xl.workbooks.inventory import Formula
from clv_xl.workbooks.references import Area, Names
from clv_xl.workbooks.sheet import Sheet
from clv_xl.workbooks.xlsx import MAX_PART_BYTES, MAX_TOTAL_BYTES, Package
from clv_xl.workbooks.xml_reader import WorkbookError

CAPTURE = "CLV_XL_CAPTURE"


class EngineBook:
    """The engine's workbook, and the few ways the refresh talks to it."""

    def __init__(
        self,
        package: Package,
        sheets: dict[str, Sheet],
        formulas: list[Formula],
        names: Names,
        date1904: bool,
    ) -> None:
        fz = require("formualizer", "the headless refresh")
        self.fz = fz
        config = fz.EvaluationConfig()
        config.date_system = "1904" if date1904 else "1900"
        copy = _engine_copy(package, sheets, formulas)
        limits = {
            "max_input_bytes": len(copy) + 1,
            "max_expanded_bytes": MAX_TOTAL_BYTES,
            "max_part_bytes": MAX_PART_BYTES,
        }  # the package's own limits, checked on open
        try:
            self.book = fz.Workbook.from_bytes(
                copy,
                backend="native",
                load_limits=limits,
                config=fz.WorkbookConfig(eval_config=config),
            )
        except Exception as exc:  # the engine's words, unless the one XML reader has better ones
            for sheet in sheets.values():
                sheet.before  # noqa: B018 (reading a sheet names what is wrong with it)
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise WorkbookError(
                f"{package.path.name}: the formula engine cannot read it ({first})"
            ) from None
        self.book.set_changelog_enabled(False)  # no undo history: values handed over 5x faster
        for table in names.tables.values():
            self.book.add_table(
                table.name,
                table.sheet,
                (table.top, table.left, table.bottom, table.right),
                list(table.columns),
                header_row=table.header_row,
                totals_row=table.totals_row,
            )
        for name, function in engine.clv_functions().items():
            self.book.register_function(name, nested(function))
            # a call saved from xlwings Lite (Office.js), nested in an Excel formula
            self.book.register_function(OFFICE_JS_PREFIX + name, nested(function))
        for name, function in functions.ADDED.items():
            self.book.register_function(name, function)
        self._captured: dict[str, Any] = {}
        self.book.register_function(CAPTURE, self._capture)
        self.dirty = True

    def _capture(self, value: Any) -> float:
        self._captured["value"] = value
        return 0.0

    def evaluate(self, text: str, at: Formula) -> Any:
        """The value of an expression (references qualified, without "=") computed in the cell
        of formula ``at``: an engine value, or a list of rows of them."""
        self._captured.clear()
        self.book.set_formula(at.sheet, at.row, at.col, f"={CAPTURE}({mark_omitted(text)})")
        self.dirty = True
        self.settle()
        if "value" in self._captured:
            value = engine.arg_in(self._captured["value"])
        else:  # the expression is an error: the engine never called the capture
            value = engine.cell_in(self.book.get_value(at.sheet, at.row, at.col))
        self.book.set_value(at.sheet, at.row, at.col, None)
        self.dirty = True
        return value

    def read(self, area: Area) -> list[list[Any]]:
        """The cells of ``area`` as xlwings hands them over, column by column (lists of
        values, no list made per row)."""
        raw = self.book.sheet(area.sheet).get_values(
            self.fz.RangeAddress(area.sheet, area.top, area.left, area.bottom, area.right)
        )
        return engine.columns_in(raw) if raw else []

    def put(self, area: Area, values: list[list[Any]] | None = None) -> None:
        """Values into ``area`` (None: its cells emptied)."""
        if values is None:
            values = [[None] * area.cols for _ in range(area.rows)]
        self.book.set_values_batch(area.sheet, area.top, area.left, values)
        self.dirty = True

    def set_formula(self, g: Formula, text: str) -> None:
        self.book.set_formula(g.sheet, g.row, g.col, text)
        self.dirty = True

    def settle(self) -> None:
        """Let the engine compute what changed since it last did."""
        if self.dirty:
            self.book.evaluate_all()
            self.dirty = False

    def value(self, sheet: str, row: int, col: int) -> Any:
        return engine.cell_in(self.book.get_value(sheet, row, col))

    def close(self) -> None:
        """Let the engine's workbook go (its memory with it); nothing is asked of it after."""
        self.book = None


def _engine_copy(package: Package, sheets: dict[str, Sheet], formulas: list[Formula]) -> bytes:
    """The workbook as the engine loads it, in memory (see the module's docstring)."""
    changed: dict[str, Sheet] = {n: s for n, s in sheets.items() if s.rewritten}
    spills: dict[str, list[Formula]] = {}
    for f in formulas:
        if f.placed:
            spills.setdefault(f.sheet, []).append(f)
    for name, placed in spills.items():
        changed[name] = sheets[name].copy()
        areas = [
            (g.old_area.top, g.old_area.left, g.old_area.bottom, g.old_area.right) for g in placed
        ]
        changed[name].blank_values(areas, {(g.row, g.col) for g in placed})
    parts = {s.part: s.xml().encode("utf-8") for s in changed.values()}
    return package.to_bytes(parts)  # a sheet not changed: as stored (a log stays deflated)


def nested(function: Callable[..., Any]) -> Callable[..., Any]:
    """A CLV_ function as the engine calls it inside an Excel formula (xlwings' shapes)."""

    def call(*args: Any) -> Any:
        handed = [engine.arg_in(a) for a in args]
        result = function(*handed)
        if isinstance(result, np.ndarray):
            result = result.tolist()
        if isinstance(result, list):
            return [[plain(v) for v in (row if isinstance(row, list) else [row])] for row in result]
        return plain(result)

    return call


def plain(v: Any) -> Any:
    """A NumPy scalar as the Python value it holds."""
    return v.item() if isinstance(v, np.generic) else v


__all__ = ["CAPTURE", "EngineBook", "nested", "plain"]
