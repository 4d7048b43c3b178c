"""Batch refresh without Excel: compute every formula, write the values back, change nothing else.

What the ribbon's Refresh button does inside Excel, done here by the ``formulas`` engine with the
CLV_ functions plugged in (see ``engine``), so a workbook is refreshed on a server, on a schedule,
or on a machine with no Excel. Cached fits are dropped first; each distinct fit is then computed
once. Dynamic-array formulas spill to the size of their result (a conflict with a typed value is
``#SPILL!``, as in Excel). Only formula cells and their spill ranges are written; the workbook is
written to a temporary file and renamed over the target.
"""

from __future__ import annotations

import logging
import os
import re
import tempfile
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from clv_xl.excel.error_texts import is_error
from clv_xl.models.cache import clear_cache
from clv_xl.workbooks import engine
from clv_xl.workbooks.xlsx import (
    EXTERNAL_REFERENCE,
    Cell,
    Package,
    Sheet,
    WorkbookError,
    cell_ref,
    range_cells,
    split_ref,
)

MAX_PASSES = 5
Progress = Callable[[str, float], None]


@dataclass
class Report:
    """What a refresh did: the same short report the ribbon shows."""

    workbook: str
    formulas: int = 0
    clv_formulas: int = 0
    seconds: float = 0.0
    passes: int = 0
    errors: list[tuple[str, str, str]] = field(default_factory=list)
    values: dict[tuple[str, str], Any] = field(default_factory=dict)

    def lines(self, limit: int = 20) -> list[str]:
        head = (
            f"{self.workbook}: {self.formulas} formulas refreshed ({self.clv_formulas} use CLV_"
            f" functions) in {self.seconds:.1f} s"
        )
        return [head, *error_lines(self.errors, limit)]


def error_lines(errors: list[tuple[str, str, str]], limit: int) -> list[str]:
    """The error part of a refresh report, the same for the ribbon and the command line."""
    if not errors:
        return ["no errors"]
    out = [f"{len(errors)} cells show an error:"]
    out += [f"  {sheet}!{ref}: {text}" for sheet, ref, text in errors[:limit]]
    if len(errors) > limit:
        out.append(f"  ... and {len(errors) - limit} more")
    return out


def _key(text: str) -> str:
    """Normalise an engine reference: "'[book.xlsx]SHEET'!A1" and "SHEET!A1" -> "SHEET!A1"."""
    text = re.sub(r"^'?\[[^\]]*\]", "", text)
    return text.replace("'", "").replace("$", "").upper()


def _value(raw: Any) -> Any:
    return getattr(raw, "value", raw)


def _grid(raw: Any) -> np.ndarray:
    arr = np.asarray(_value(raw), dtype=object)
    if arr.ndim == 0:
        arr = arr.reshape(1, 1)
    elif arr.ndim == 1:
        arr = arr[None, :]
    return arr


def _scalar(raw: Any) -> Any:
    return engine.cell_in(_grid(raw)[0, 0])


def _say(progress: Progress | None, text: str, share: float) -> None:
    if progress is not None:
        progress(text, share)


class _Calculation:
    """One load and calculation of a workbook by the engine."""

    def __init__(self, path: Path) -> None:
        import formulas

        engine.register()
        # The engine logs each failed node with a traceback; failures show as errors in the
        # report instead (a formula cell left without a value is one).
        logging.getLogger("schedula").setLevel(logging.CRITICAL)
        logging.getLogger("formulas").setLevel(logging.CRITICAL)
        quiet = os.environ.get("TQDM_DISABLE")
        os.environ["TQDM_DISABLE"] = "1"  # the engine's own progress bars; ours is enough
        try:
            with warnings.catch_warnings():  # openpyxl, reading for the engine, on extensions
                warnings.simplefilter("ignore", UserWarning)
                model = formulas.ExcelModel().loads(str(path)).finish()
            solution = model.calculate()
        finally:
            if quiet is None:
                os.environ.pop("TQDM_DISABLE", None)
            else:
                os.environ["TQDM_DISABLE"] = quiet
        self.values = {_key(k): v for k, v in solution.items()}

    def lookup(self, sheet: str, ref: str) -> Any:
        return self.values.get(_key(f"{sheet}!{ref}"))

    def evaluate(self, sheet: str, formula: str) -> np.ndarray:
        """A formula's full result, evaluated on its own against the calculated cells."""
        import formulas

        marked = engine.mark_omitted("=" + formula)
        func = formulas.Parser().ast(marked, context={"sheet": sheet.upper()})[1].compile()
        inputs = [self._input(sheet, name) for name in func.inputs]
        return _grid(func(*inputs))

    def _input(self, sheet: str, name: str) -> Any:
        if "!" in name:
            return self.values.get(_key(name))
        # a cell on the formula's own sheet, or a defined name (workbook scope)
        return self.values.get(_key(f"{sheet}!{name}"), self.values.get(_key(f"!{name}")))


def _refuse_external_links(package: Package, sheets: dict[str, Sheet]) -> None:
    """A refresh computes this workbook only: it never opens or fetches another file."""
    links = package.external_links()
    linked = [
        f"{n}!{c.ref}"
        for n, s in sheets.items()
        for c in s.cells()
        if c.formula and EXTERNAL_REFERENCE.search(c.formula)
    ]
    if links or linked:
        where = f" (e.g. {linked[0]})" if linked else ""
        raise WorkbookError(
            f"{package.path.name} links to other workbooks{where}; a refresh never follows "
            "external links: break them in Excel (Data > Edit Links > Break Link) and try again"
        )


def _anchors(sheets: dict[str, Sheet]) -> list[tuple[str, Cell]]:
    return [(name, c) for name, s in sheets.items() for c in s.cells() if c.array_ref]


def _one_cell_ref(ref: str | None) -> str | None:
    """A range of one cell written as that cell ("C21:C21" -> "C21"), as ``_resize`` writes it."""
    first, _, last = (ref or "").partition(":")
    return first if last == first else ref


def _resize(sheets: dict[str, Sheet], calc: _Calculation, original: dict[tuple[str, str], str],
            report: Report) -> bool:  # fmt: skip
    """Give each dynamic array the ref of its true result; True if any ref changed."""
    changed = False
    for name, cell in _anchors(sheets):
        if not cell.dynamic or cell.formula is None:
            continue
        rows, cols = calc.evaluate(name, cell.formula).shape
        last = cell_ref(cell.row + rows - 1, cell.col + cols - 1)
        new_ref = cell.ref if last == cell.ref else f"{cell.ref}:{last}"
        if new_ref == _one_cell_ref(cell.array_ref):
            continue
        old = set(range_cells(original.get((name, cell.ref), cell.array_ref or cell.ref)))
        blocked = [
            rc for rc in range_cells(new_ref)
            if rc not in old and (other := sheets[name].get(*rc)) is not None
            and (other.formula is not None or other.has_value)
        ]  # fmt: skip
        if blocked:
            report.errors.append((name, cell.ref, f"#SPILL! the result needs {new_ref}, "
                                  f"but {cell_ref(*blocked[0])} is not empty"))  # fmt: skip
            continue
        sheets[name].set_array_ref(cell.row, cell.col, new_ref)
        changed = True
    return changed


def refresh(
    path: str | os.PathLike[str],
    output: str | os.PathLike[str] | None = None,
    progress: Progress | None = None,
) -> Report:
    """Recalculate every formula of the workbook at ``path`` and write it to ``output``
    (default: in place). Input cells and everything that is not a computed value are kept."""
    started = time.perf_counter()
    source = Path(path)
    target = Path(output) if output is not None else source
    package = Package(source)
    report = Report(source.name)
    try:
        sheets = {name: package.sheet(name) for name in package.sheet_parts}
        _refuse_external_links(package, sheets)
        original_refs = {(n, c.ref): c.array_ref or c.ref for n, c in _anchors(sheets)}
        formula_cells = [
            (n, c) for n, s in sheets.items() for c in s.cells() if c.formula is not None
        ]
        report.formulas = len(formula_cells)
        report.clv_formulas = sum("CLV_" in (c.formula or "").upper() for _, c in formula_cells)
        clear_cache()  # a refresh recomputes every fit once
        with tempfile.TemporaryDirectory() as scratch:
            # The engine reads a copy in which omitted CLV_ arguments are marked (see
            # engine.mark_omitted); the workbook written keeps the formulas as typed.
            calc_path = Path(scratch) / f"pass0{source.suffix}"
            package.save(calc_path, _for_engine(sheets))
            for number in range(1, MAX_PASSES + 1):
                _say(
                    progress, f"calculating (pass {number})", 0.1 + 0.7 * (number - 1) / MAX_PASSES
                )
                calc = _Calculation(calc_path)
                report.passes = number
                if not _resize(sheets, calc, original_refs, report):
                    break
                calc_path = Path(scratch) / f"pass{number}{source.suffix}"
                package.save(calc_path, _for_engine(sheets))
            _say(progress, "writing values", 0.85)
            _write_values(sheets, calc, original_refs, report)
        package.save(
            target, {s.part: s.xml().encode("utf-8") for s in sheets.values() if s.touched}
        )
    finally:
        package.close()
    report.seconds = time.perf_counter() - started
    _say(progress, "done", 1.0)
    return report


FORMULA_XML = re.compile(r"(<f\b[^>]*>)(.*?)(</f>)", re.S)


def _for_engine(sheets: dict[str, Sheet]) -> dict[str, bytes]:
    """Every sheet's XML with omitted CLV_ arguments marked for the engine."""
    from xml.sax.saxutils import escape, unescape

    def mark(match: re.Match[str]) -> str:
        text = unescape(match.group(2), {"&quot;": '"', "&apos;": "'"})
        marked = engine.mark_omitted(text)
        if marked == text:
            return match.group(0)
        return match.group(1) + escape(marked) + match.group(3)

    return {s.part: FORMULA_XML.sub(mark, s.xml()).encode("utf-8") for s in sheets.values()}


def _write_values(sheets: dict[str, Sheet], calc: _Calculation,
                  original: dict[tuple[str, str], str], report: Report) -> None:  # fmt: skip
    for name, sheet in sheets.items():
        for cell in sheet.cells():
            if cell.formula is None:
                continue
            if cell.array_ref:
                _write_array(name, sheet, cell, calc, original, report)
                continue
            value = _scalar(calc.lookup(name, cell.ref))
            if value is None:
                report.errors.append((name, cell.ref, "the formula engine computed no value"))
                continue
            sheet.set_value(cell.row, cell.col, value)
            report.values[(name, cell.ref)] = value
            if is_error(value):
                report.errors.append((name, cell.ref, str(value)))


def _write_array(name: str, sheet: Sheet, cell: Cell, calc: _Calculation,
                 original: dict[tuple[str, str], str], report: Report) -> None:  # fmt: skip
    assert cell.array_ref is not None
    grid = _grid(calc.lookup(name, cell.array_ref))
    top, left = split_ref(cell.array_ref.split(":")[0])
    new_cells = set(range_cells(cell.array_ref))
    if any(e[:2] == (name, cell.ref) and e[2].startswith("#SPILL!") for e in report.errors):
        sheet.set_value(cell.row, cell.col, "#SPILL!")
        return
    for r, c in sorted(new_cells):
        i, j = r - top, c - left
        value = engine.cell_in(grid[i, j]) if i < grid.shape[0] and j < grid.shape[1] else None
        sheet.set_value(r, c, value)
        report.values[(name, cell_ref(r, c))] = value
        if is_error(value):
            report.errors.append((name, cell_ref(r, c), str(value)))
    for r, c in range_cells(original.get((name, cell.ref), cell.array_ref)):
        if (r, c) not in new_cells:  # the spill shrank: clear what it no longer covers
            sheet.set_value(r, c, None)


__all__ = ["Report", "WorkbookError", "refresh"]
