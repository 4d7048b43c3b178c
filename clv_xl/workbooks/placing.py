"""Where a placed formula's result goes, as Excel lays it out.

A dynamic array spills from its anchor (``#SPILL!`` where a typed value, a formula, another
spill, merged cells or the sheet's edge is in the way); a legacy array formula fills its
range (one row or column repeated, what does not fit cut off, cells beyond the result #N/A);
a plain formula shows the result's top-left value (Excel's implicit intersection).
"""

from __future__ import annotations

from collections.abc import Iterator, MutableMapping
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from clv_xl.workbooks.addresses import cell_ref
from clv_xl.workbooks.area_index import AreaIndex
from clv_xl.workbooks.inventory import Formula, Key, area_of
from clv_xl.workbooks.references import MAX_COL, MAX_ROW, Area
from clv_xl.workbooks.sheet import Sheet, holds_formula, holds_value, merged_ranges
from clv_xl.workbooks.sheet_rows import in_spans, only_values_within, span_runs, spans_of


class ErrorLine(NamedTuple):
    """One line of a refresh's report: the sheet, the cell and what is wrong there."""

    sheet: str
    cell: str
    text: str


"""(sheet, cell, text) of a cell the refresh reports."""


@dataclass
class Output:
    """Where a placed formula's result went and what it is (an object grid)."""

    area: Area
    grid: np.ndarray
    error: str = ""


class Outputs(MutableMapping[Key, Output]):
    """The results laid out so far, by formula, in the order computed; asked where they lie
    (:meth:`meeting`, :meth:`extent`) without looking at each."""

    def __init__(self) -> None:
        self._outputs: dict[Key, Output] = {}
        self._index: AreaIndex[Key] = AreaIndex()
        self._extents: dict[str, tuple[int, int]] = {}  # per sheet, while no result shrank

    def __getitem__(self, key: Key) -> Output:
        return self._outputs[key]

    def __setitem__(self, key: Key, out: Output) -> None:
        was = self._outputs.get(key)
        self._outputs[key] = out
        self._index.add(key, out.area)
        a = out.area
        if was is not None and was.area != a:
            self._extents.pop(a.sheet, None)
            self._extents.pop(was.area.sheet, None)
        elif a.sheet in self._extents:
            bottom, right = self._extents[a.sheet]
            self._extents[a.sheet] = (max(bottom, a.bottom), max(right, a.right))

    def __delitem__(self, key: Key) -> None:
        out = self._outputs.pop(key)
        self._index.discard(key)
        self._extents.pop(out.area.sheet, None)

    def __iter__(self) -> Iterator[Key]:
        return iter(self._outputs)

    def __len__(self) -> int:
        return len(self._outputs)

    def clear(self) -> None:
        self._outputs.clear()
        self._index.clear()
        self._extents.clear()

    def meeting(self, area: Area) -> list[Key]:
        """The results that share a cell with ``area``, in the order computed."""
        return self._index.meeting(area)

    def extent(self, sheet: str) -> tuple[int, int]:
        """The last row and column a result on ``sheet`` fills ((0, 0): none)."""
        if sheet not in self._extents:
            areas = [o.area for o in self._outputs.values() if o.area.sheet == sheet]
            self._extents[sheet] = (
                max((a.bottom for a in areas), default=0),
                max((a.right for a in areas), default=0),
            )
        return self._extents[sheet]


class Placer:
    """Lays out results on a workbook's sheets (what is in the way is read once a sheet)."""

    def __init__(self, sheets: dict[str, Sheet], formulas: list[Formula]) -> None:
        self.sheets = sheets
        self.formulas = formulas
        self._merged: dict[str, list[Area]] = {}  # per sheet a result spills on, when asked
        self._occupied: dict[str, set[tuple[int, int]]] = {}

    def place(
        self, f: Formula, grid: np.ndarray, outputs: Outputs, errors: list[ErrorLine]
    ) -> Output:
        """The result of ``f`` laid out; a blocked spill is reported in ``errors``."""
        anchor = Area(f.sheet, f.row, f.col, f.row, f.col)
        if f.array_ref and not f.dynamic:  # a legacy array: its range, as Excel fills it
            area = f.old_area
            rows, cols = grid.shape
            if f.call is not None and (rows > area.rows or cols > area.cols):  # data cut off
                errors.append(
                    ErrorLine(
                        f.sheet,
                        f.ref,
                        f"the result has {rows} rows and {cols} columns "
                        f"but the legacy array formula's range {local(area)} holds "
                        f"{area.rows} by {area.cols}: the rest is cut off, as Excel cuts "
                        "it; enter the formula again as a dynamic array (select the "
                        "range, delete it, type the formula in its first cell) to see "
                        "it all",
                    )
                )
            return Output(area, fitted(grid, area.rows, area.cols))
        if not f.dynamic:  # a plain formula: implicit intersection, the top-left value
            return Output(anchor, grid[:1, :1])
        rows, cols = grid.shape
        area = Area(f.sheet, f.row, f.col, f.row + rows - 1, f.col + cols - 1)
        blocker = "the sheet's edge" if area.bottom > MAX_ROW or area.right > MAX_COL else ""
        blocker = blocker or self._blocker(f, area, outputs)
        if not blocker:
            return Output(area, grid)
        errors.append(
            ErrorLine(
                f.sheet,
                f.ref,
                f"#SPILL! the result needs {local(area)}, but {blocker} is in the way",
            )
        )
        return Output(anchor, one("#SPILL!"), "#SPILL!")

    def _blocker(self, f: Formula, area: Area, outputs: Outputs) -> str:
        """What stops a spill into ``area`` ("" when nothing; of several, the result computed
        first, the merged cells listed first, the top-most then left-most cell)."""
        for key in outputs.meeting(area):
            if key != f.key:
                return f"the spill of {cell_ref(key[1], key[2])}"
        if f.sheet not in self._merged:
            ranges = merged_ranges(self.sheets[f.sheet])
            self._merged[f.sheet] = [area_of(f.sheet, r) for r in ranges]
        for merged in self._merged[f.sheet]:
            if merged.overlaps(area):
                return f"the merged cells {local(merged)}"
        occupied = self._occupied_cells(f.sheet)
        if area.rows * area.cols < len(occupied):
            cells = (
                (r, c)
                for r in range(area.top, area.bottom + 1)
                for c in range(area.left, area.right + 1)
                if (r, c) in occupied
            )
        else:
            cells = (rc for rc in sorted(occupied) if area.contains(f.sheet, *rc))
        for r, c in cells:
            if (r, c) != (f.row, f.col):
                return f"{cell_ref(r, c)} (not empty)"
        return ""

    def _occupied_cells(self, sheet: str) -> set[tuple[int, int]]:
        """Cells holding a typed value or a formula: not those of a dynamic array's spill
        (read from the cells' XML, each row against the columns spills cover there: a row of
        a 200,000-row spill from the last refresh is told from its text, not split)."""
        if sheet not in self._occupied:
            spills = [f.old_area for f in self.formulas if f.sheet == sheet and f.dynamic]
            runs = span_runs([(s.top, s.left, s.bottom, s.right) for s in spills])
            cells: set[tuple[int, int]] = set()
            found = self.sheets[sheet].rows
            for r, entry in found.raw():
                spans = spans_of(runs, r)
                if spans and only_values_within(entry[1], spans, r):
                    continue  # a row of a spill's values: not split
                for c, xml in found[r][1].items():
                    if holds_formula(xml) or (holds_value(xml) and not in_spans(c, spans)):
                        cells.add((r, c))
            self._occupied[sheet] = cells
        return self._occupied[sheet]


def one(value: object) -> np.ndarray:
    """A 1 x 1 object grid."""
    grid = np.empty((1, 1), dtype=object)
    grid[0, 0] = value
    return grid


def fitted(grid: np.ndarray, rows: int, cols: int) -> np.ndarray:
    """A result in a legacy array range as Excel fills it: one row or column repeated, what
    does not fit cut off, cells beyond the result #N/A."""
    out = np.empty((rows, cols), dtype=object)
    out[:] = "#N/A"
    src = grid
    if src.shape[0] == 1 and rows > 1:
        src = np.repeat(src, rows, axis=0)
    if src.shape[1] == 1 and cols > 1:
        src = np.repeat(src, cols, axis=1)
    r, c = min(rows, src.shape[0]), min(cols, src.shape[1])
    out[:r, :c] = src[:r, :c]
    return out


def paste(grid: np.ndarray, at: Area, source: Area, values: np.ndarray | None) -> None:
    """Into ``grid`` (covering ``at``) the part of ``source`` that overlaps (None: blanks)."""
    top, bottom = max(at.top, source.top), min(at.bottom, source.bottom)
    left, right = max(at.left, source.left), min(at.right, source.right)
    if top > bottom or left > right:
        return
    target = grid[top - at.top : bottom - at.top + 1, left - at.left : right - at.left + 1]
    if values is None:
        target[:] = None
        return
    target[:] = values[
        top - source.top : bottom - source.top + 1, left - source.left : right - source.left + 1
    ]


def intersection(a: Area, b: Area) -> Area | None:
    return a.meet(b)


def outermost(areas: list[Area]) -> list[Area]:
    """Areas with those contained in another dropped (writing each cell once or twice)."""
    out: list[Area] = []
    for a in sorted(set(areas), key=lambda x: -(x.rows * x.cols)):
        if not any(a.within(o) for o in out):
            out.append(a)
    return out


def local(area: Area) -> str:
    """An area without its sheet: ``B2`` or ``B2:D9``."""
    first, last = cell_ref(area.top, area.left), cell_ref(area.bottom, area.right)
    return first if first == last else f"{first}:{last}"


__all__ = [
    "ErrorLine",
    "Output",
    "Outputs",
    "Placer",
    "fitted",
    "intersection",
    "local",
    "one",
    "outermost",
    "paste",
]
