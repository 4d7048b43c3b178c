"""Batch refresh without Excel: compute every formula, write the values back, change nothing else.

What the ribbon's Refresh button does inside Excel, done by :mod:`clv_xl.workbooks.calculation`
(formualizer for Excel's functions, clv_xl for the CLV_ tables), so a workbook is refreshed on a
server, on a schedule, or on a machine with no Excel. Cached fits are dropped first; each
distinct fit is then computed once. Only formula cells and their spill ranges are written, by
the byte-preserving writer of :mod:`clv_xl.workbooks.xlsx`, to a temporary file that replaces
the workbook only if the workbook is still the file that was read (:mod:`clv_xl.files`).
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from clv_xl.excel.convert import using_date_system
from clv_xl.excel.error_texts import ERROR_STARTS, is_error
from clv_xl.excel.sources import allowed_folders
from clv_xl.files import FileIdentity, same_file
from clv_xl.models.cache import clear_cache
from clv_xl.runtime import CollectorPaused
from clv_xl.workbooks.addresses import cell_ref
from clv_xl.workbooks.area_index import AreaIndex
from clv_xl.workbooks.calculation import PASSES, Calculation
from clv_xl.workbooks.cell_xml import FEW, positions
from clv_xl.workbooks.functions import explained
from clv_xl.workbooks.inventory import Formula, Key, inventory, names_of
from clv_xl.workbooks.placing import ErrorLine
from clv_xl.workbooks.references import Area
from clv_xl.workbooks.sheet import Sheet
from clv_xl.workbooks.xlsx import EXTERNAL_REFERENCE, Package
from clv_xl.workbooks.xml_reader import WorkbookError

Progress = Callable[[str, float], None]
EXTERNAL_FORM = re.compile(r"^'?\[[^\]]*\][^!]*!")
"""A reference into another workbook as a file stores it: ``[1]Sheet1!A1``, ``'[2]My data'!B2``
(a Table's ``[@Amount]`` has no sheet)."""


class Timing(NamedTuple):
    """How long one computed formula took: its cell (Sheet!A1), its text and the seconds."""

    cell: str
    formula: str
    seconds: float


@dataclass
class Report:
    """What a refresh did: the same short report the ribbon shows."""

    workbook: str
    formulas: int = 0
    clv_formulas: int = 0
    seconds: float = 0.0
    load_seconds: float = 0.0
    compute_seconds: float = 0.0
    write_seconds: float = 0.0
    passes: int = 0
    errors: list[ErrorLine] = field(default_factory=list)
    written_to: str = ""
    kept: str = ""
    timings: list[Timing] = field(default_factory=list)
    """The computed formulas' times, slowest first."""

    def lines(self, limit: int = 20) -> list[str]:
        head = (
            f"{self.workbook}: {self.formulas} formulas refreshed ({self.clv_formulas} use CLV_"
            f" functions) in {self.seconds:.1f} s (load {self.load_seconds:.1f}, compute "
            f"{self.compute_seconds:.1f}, write {self.write_seconds:.1f})"
        )
        out = [head]
        if self.kept:
            out.append(self.kept)
        return [*out, *error_lines(self.errors, limit)]


def error_lines(errors: list[ErrorLine], limit: int) -> list[str]:
    """The error part of a refresh report, the same for the ribbon and the command line."""
    if not errors:
        return ["no errors"]
    out = [f"{len(errors)} cells show an error:"]
    out += [f"  {sheet}!{ref}: {text}" for sheet, ref, text in errors[:limit]]
    if len(errors) > limit:
        out.append(f"  ... and {len(errors) - limit} more")
    return out


def _say(progress: Progress | None, text: str, share: float) -> None:
    if progress is not None:
        progress(text, share)


def _refuse_external_links(package: Package, formulas: list[Formula]) -> None:
    """A refresh computes this workbook only: it never opens or fetches another file."""
    links = package.external_links()
    linked = [
        f"{f.sheet}!{f.ref}"
        for f in formulas
        if EXTERNAL_REFERENCE.search(f.text) or any(map(EXTERNAL_FORM.match, f.references))
    ]
    if links or linked:
        where = f" (e.g. {linked[0]})" if linked else ""
        raise WorkbookError(
            f"{package.path.name} links to other workbooks{where}; a refresh never follows "
            "external links: break them in Excel (Data > Edit Links > Break Link) and try again"
        )


def refresh(
    path: str | os.PathLike[str],
    output: str | os.PathLike[str] | None = None,
    progress: Progress | None = None,
    allow_files: list[Path] | None = None,
) -> Report:
    """Recalculate every formula of the workbook at ``path`` and write it to ``output``
    (default: in place). Input cells and everything that is not a computed value are kept.
    CLV_SUMMARY_FILE reads only under the folders in ``allow_files`` (none by default)."""
    started = time.perf_counter()
    source = Path(path)
    target = Path(output) if output is not None else source
    package = Package(source)  # a missing or broken file: one line, before anything else
    identity = FileIdentity.of(source)
    report = Report(source.name)
    # millions of small lists (a log's cells, values handed over and written), no cycle worth
    # collecting before the end: the collector would make 21 full passes, about 1 s at 100,000 rows
    with CollectorPaused():
        try:
            sheets = {name: package.sheet(name) for name in package.sheet_parts}
            names = names_of(package, sheets)
            formulas = inventory(sheets, names)
            _refuse_external_links(package, formulas)
            clear_cache()  # a refresh recomputes every fit once
            _say(progress, "loading", 0.05)
            calc = Calculation(package, sheets, names, formulas)
            calc.handover.prepare()
            for sheet in sheets.values():  # the engine has their values: a log's bytes go
                sheet.let_go()
            report.formulas = len(calc.formulas)
            report.clv_formulas = sum("CLV_" in f.text.upper() for f in calc.formulas)
            report.load_seconds = time.perf_counter() - started
            system = 1904 if calc.date1904 else 1900  # how the CLV_ functions read serials
            with allowed_folders(allow_files or []), using_date_system(system):
                _compute(calc, report, progress)
            report.compute_seconds = time.perf_counter() - started - report.load_seconds
            _say(progress, "writing values", 0.85)
            _write(calc, sheets, report)
            kept = package.save(
                target,
                {s.part: s.chunks for s in sheets.values() if s.touched},
                identity if target == source or same_file(target, source) else None,
            )
            report.written_to = str(kept)
            if kept != target:
                report.kept = (
                    f"{source.name} changed while it was refreshed (saved meanwhile?): "
                    f"your version is kept, the refreshed copy is {kept}"
                )
        finally:
            package.close()
    report.seconds = time.perf_counter() - started
    report.write_seconds = report.seconds - report.load_seconds - report.compute_seconds
    _say(progress, "done", 1.0)
    return report


def _compute(calc: Calculation, report: Report, progress: Progress | None) -> None:
    order = calc.plan.order(calc.plan.dependency_map())
    for number in range(1, PASSES + 1):
        report.passes = number
        calc.outputs.clear()
        calc.errors.clear()
        for i, f in enumerate(order):
            _say(progress, f"computing {f.sheet}!{f.ref}", 0.1 + 0.7 * i / max(len(order), 1))
            calc.compute(f)
            calc.forget(order, i)
        deps = calc.plan.dependency_map({k: o.area for k, o in calc.outputs.items()})
        position = {f.key: i for i, f in enumerate(order)}
        settled = all(
            position[k] < position[f.key] or k == f.key for f in order for k in deps[f.key]
        )
        again = calc.plan.order(deps)
        if settled or [f.key for f in again] == [f.key for f in order]:
            break
        order = again
    calc.circular |= {f.key for f in order if f.key in deps[f.key]}
    calc.engine.book.evaluate_all()
    report.errors.extend(calc.errors)
    texts = {f.key: f.text for f in calc.formulas}
    report.timings = sorted(
        (Timing(f"{k[0]}!{cell_ref(k[1], k[2])}", texts[k], t) for k, t in calc.timings.items()),
        key=lambda x: -x[2],
    )


def _write(calc: Calculation, sheets: dict[str, Sheet], report: Report) -> None:
    computed = calc.let_go()  # the engine's values; the engine and the cells read go
    placed = [f for f in calc.formulas if f.placed]
    areas = {f.key: calc.outputs[f.key].area for f in placed}
    # left to right on each sheet: a block's new cells then go to the end of their rows' text
    ordered = sorted(placed, key=lambda f: (f.sheet, areas[f.key].left, areas[f.key].top))
    found: dict[Key, list[ErrorLine]] = {}
    for run in _side_by_side(ordered, areas):
        grids = [calc.outputs[f.key].grid for f in run]
        first = areas[run[0].key]
        sheet = sheets[run[0].sheet]
        block = np.hstack(grids) if len(grids) > 1 else grids[0]
        sheet.write_block(first.top, first.left, block, calc.to_serial)
        del block, grids
        for f in run:
            found[f.key] = _shown(calc, sheet, f, areas[f.key])
            calc.outputs[f.key].grid = _WRITTEN  # its cells are text now: the values go
    results = AreaIndex(areas.items())
    for f in placed:  # once every result is in: what a spill no longer covers is cleared
        if f.dynamic:
            _clear_left_over(sheets[f.sheet], f, areas[f.key], results)
    circles: dict[str, list[str]] = {}
    for f in calc.formulas:
        sheet = sheets[f.sheet]
        if f.placed:
            if f.key in calc.circular:
                report.errors.append(
                    ErrorLine(
                        f.sheet,
                        f.ref,
                        f"circular reference: {f.sheet}!{f.ref} reads its own result",
                    )
                )
            report.errors.extend(found[f.key])
            continue
        value = computed[f.key]
        if value == "#CIRC":
            report.errors.append(
                ErrorLine(
                    f.sheet,
                    f.ref,
                    f"circular reference among {', '.join(_circular_cells(calc, computed, f, circles))}",
                )
            )
            value = 0.0
        elif is_error(value):
            report.errors.append(ErrorLine(f.sheet, f.ref, explained(f.text, str(value))))
        sheet.set_value(f.row, f.col, calc.to_serial(value))


_WRITTEN = np.empty((0, 0), dtype=object)
"""A result's grid once written: the sheet holds its cells, as text."""


def _circular_cells(
    calc: Calculation, computed: dict[Key, Any], f: Formula, found: dict[str, list[str]]
) -> list[str]:
    """The first cells of ``f``'s sheet in a circular reference, found once a sheet (a
    filled-down circular column of 10,000 cells is named in linear time, not quadratic)."""
    if f.sheet not in found:
        found[f.sheet] = []
        for g in calc.formulas:
            if g.sheet == f.sheet and not g.placed and computed[g.key] == "#CIRC":
                found[f.sheet].append(f"{g.sheet}!{g.ref}")
                if len(found[f.sheet]) == 6:
                    break
    return found[f.sheet]


def _side_by_side(ordered: list[Formula], areas: dict[Key, Area]) -> list[list[Formula]]:
    """Results written as one block: next to each other on the same rows (a sheet's columns
    of per-customer results, each its own spill), so each row's cells are joined once."""
    runs: list[list[Formula]] = []
    for f in ordered:
        area = areas[f.key]
        last = areas[runs[-1][-1].key] if runs else None
        if (
            last is not None
            and last.sheet == area.sheet
            and (last.top, last.bottom, last.right + 1) == (area.top, area.bottom, area.left)
        ):
            runs[-1].append(f)
        else:
            runs.append([f])
    return runs


def _shown(calc: Calculation, sheet: Sheet, f: Formula, area: Area) -> list[ErrorLine]:
    """A written result's cells shown in error; a dynamic array's ref set to its area."""
    grid = calc.outputs[f.key].grid
    said = calc.outputs[f.key].error
    errors: list[ErrorLine] = []
    # an error value starts with "#", a CLV_ function's message with "CLV_": looked for only in
    # the columns that hold such a text among their distinct values (a column of channels or
    # segments: a few), each check at C speed
    found = []
    for j in range(grid.shape[1]):
        column = grid[:, j].tolist()
        if _suspect(column):
            found += [
                (i, j, v)
                for i, v in enumerate(column)
                if v.__class__ is str and v[:1] in ERROR_STARTS
            ]
    for i, j, value in sorted(found):  # row by row, as the sheet reads
        if is_error(value) and not (said and i == 0 and j == 0):
            text = str(value)
            if text.startswith("#"):
                text = explained(f.text, text)
            errors.append(ErrorLine(f.sheet, cell_ref(area.top + i, area.left + j), text))
    if f.dynamic:
        ref = cell_ref(area.top, area.left)
        last = cell_ref(area.bottom, area.right)
        sheet.set_array_ref(f.row, f.col, ref if last == ref else f"{ref}:{last}")
    return errors


def _suspect(column: list[Any]) -> bool:
    """Whether a column may hold an error or a message: a text starting like one. Its texts
    are found by their type (a column of numbers under its header: the header alone, found by
    ``list.index``), and a column of texts looked at once per distinct text."""
    types = list(map(type, column))
    if types.count(str) > FEW:
        texts: Iterable[str] = {v for v in column if v.__class__ is str}
    else:
        texts = [column[at] for at in positions(types, str)]
    return any(v[:1] in ERROR_STARTS for v in texts)


def _clear_left_over(sheet: Sheet, f: Formula, area: Area, results: AreaIndex[Key]) -> None:
    """The cells of a dynamic array's last spill that neither its new spill nor another
    result covers: emptied."""
    old = f.old_area
    if old.within(area):
        return
    near = [results.area(k) for k in results.meeting(old)]
    for r in range(old.top, old.bottom + 1):
        for c in range(old.left, old.right + 1):
            if not any(a.contains(f.sheet, r, c) for a in near):
                sheet.set_value(r, c, None)


__all__ = ["Report", "WorkbookError", "refresh"]
