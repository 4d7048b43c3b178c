"""A workbook calculated without Excel: Excel's functions by formualizer, the rest laid out here.

formualizer (a Rust engine, pinned in the lock) loads an in-memory copy of the workbook and
computes Excel's own functions in plain formulas, structured references included. Every
*placed* formula is computed here and laid out by clv_xl, at any size:

- a formula that is one CLV_ call (``=CLV_SUMMARY(Sales[Customer], Sales[Date])``): its
  arguments read as xlwings would hand them over (whole columns trimmed to the used rows), the
  function called at NumPy speed;
- a dynamic or legacy array formula of Excel's own (``=G5#-F5#``): its value taken from the
  engine whole, through a function the engine calls with it (the engine's own spills stop at
  10,000 cells).

A result is spilled from its anchor (``#SPILL!`` where something is in the way), fitted to a
legacy array's range, or reduced to its top-left value in a plain formula (Excel's implicit
intersection), and handed to the engine where Excel formulas read it, a spill reference to it
(``SUM(Customers!G5#)``) rewritten to the range it filled and array shaping of that range
folded into it. Placed formulas are computed in the order their references imply (through
Excel formulas too); when a result lands where an earlier one read, they are computed again in
the new order. A CLV_ call inside an Excel formula (``=SUM(CLV_P_ALIVE(...))``) is computed by
the engine calling the same function with the same argument shapes.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from clv_xl.excel import udfs
from clv_xl.runtime import require
from clv_xl.workbooks import engine
from clv_xl.workbooks.addresses import cell_ref, split_ref
from clv_xl.workbooks.formula_text import (
    OFFICE_JS_PREFIX,
    Argument,
    clv_call,
    fold,
    lone_reference,
    mark_omitted,
    mentions_clv,
    reference_texts,
    rewrite_references,
    shifted,
)
from clv_xl.workbooks.references import MAX_COL, MAX_ROW, Area, Names, Table, resolve
from clv_xl.workbooks.sheet import Sheet
from clv_xl.workbooks.xlsx import MAX_PART_BYTES, MAX_TOTAL_BYTES, Package
from clv_xl.workbooks.xml_reader import WorkbookError

SCRATCH = "clv_xl scratch"
CAPTURE = "CLV_XL_CAPTURE"
PASSES = 4
EPOCH_1900 = dt.datetime(1899, 12, 30)
EPOCH_1904 = dt.datetime(1904, 1, 1)
Key = tuple[str, int, int]


@dataclass
class Formula:
    """A formula cell: where, its text (without "="), and how its result is laid out."""

    sheet: str
    row: int
    col: int
    text: str
    array_ref: str | None = None
    dynamic: bool = False
    call: tuple[str, list[Argument]] | None = None
    reads: list[Area] = field(default_factory=list)

    @property
    def key(self) -> Key:
        return (self.sheet, self.row, self.col)

    @property
    def placed(self) -> bool:
        """Computed and laid out here: a CLV_ call, a dynamic array, a legacy array formula.
        (The engine caps a spill at 10,000 cells; placed here, a result has any size.)"""
        return self.call is not None or self.array_ref is not None

    @property
    def ref(self) -> str:
        return cell_ref(self.row, self.col)

    @property
    def old_area(self) -> Area:
        first, _, last = (self.array_ref or self.ref).partition(":")
        r1, c1 = split_ref(first)
        r2, c2 = split_ref(last or first)
        return Area(self.sheet, r1, c1, r2, c2)


@dataclass
class Output:
    """Where a CLV_ formula's result went and what it is (an object grid)."""

    area: Area
    grid: np.ndarray
    error: str = ""


class Calculation:
    """One calculation of a workbook (see the module's docstring)."""

    def __init__(self, package: Package, sheets: dict[str, Sheet]) -> None:
        fz = require("formualizer", "the headless refresh")
        self.fz = fz
        self.package, self.sheets = package, sheets
        self.date1904 = package.date1904()
        self.epoch = EPOCH_1904 if self.date1904 else EPOCH_1900
        config = fz.EvaluationConfig()
        config.date_system = "1904" if self.date1904 else "1900"
        self.names = self._names()
        self.formulas = self._inventory()
        copy = self._engine_copy()
        limits = {
            "max_input_bytes": len(copy) + 1,
            "max_expanded_bytes": MAX_TOTAL_BYTES,
            "max_part_bytes": MAX_PART_BYTES,
        }  # the package's own limits, checked on open
        self.book = fz.Workbook.from_bytes(copy, backend="native", load_limits=limits,
                                           config=fz.WorkbookConfig(eval_config=config))  # fmt: skip
        self.book.set_changelog_enabled(False)  # no undo history: values handed over 5x faster
        for table in self.names.tables.values():
            self.book.add_table(table.name, table.sheet,
                                (table.top, table.left, table.bottom, table.right),
                                list(table.columns), header_row=table.header_row,
                                totals_row=table.totals_row)  # fmt: skip
        self.book.add_sheet(SCRATCH)
        self._scratch_row = 0
        for name, function in engine.clv_functions().items():
            self.book.register_function(name, _nested(function, self))
            # a call saved from xlwings Lite (Office.js), nested in an Excel formula
            self.book.register_function(OFFICE_JS_PREFIX + name, _nested(function, self))
        self._captured: dict[str, Any] = {}
        self.book.register_function(CAPTURE, self._capture)
        self.outputs: dict[Key, Output] = {}
        self.errors: list[tuple[str, str, str]] = []
        self.circular: set[Key] = set()
        self.timings: dict[Key, float] = {}  # seconds per placed formula, the last pass
        self._read_cache: dict[Area, np.ndarray] = {}
        self._used: dict[str, tuple[int, int]] = {}  # each sheet's extent, when first asked
        self._occupied: dict[str, set[tuple[int, int]]] = {}
        self._merged = {n: [_area(n, ref) for ref in s.merged()] for n, s in sheets.items()}
        self._runs: list[tuple[Area, list[Area]]] | None = None
        self.dirty = True
        self._excel_reads: list[Area] | None = None
        self._handed: dict[Key, list[Area]] = {}

    def _capture(self, value: Any) -> float:
        self._captured["value"] = value
        return 0.0

    # ----- the workbook's names and formulas -------------------------------------------------
    def _engine_copy(self) -> bytes:
        """The workbook as the engine loads it, in memory: the cells a dynamic array spilled
        into last time are emptied (a stale value would block its new spill, as a typed
        value would), and CLV_ formulas are emptied too (computed here)."""
        changed: dict[str, Sheet] = {n: s for n, s in self.sheets.items() if s.rewritten}
        for f in self.formulas:
            if not f.placed:
                continue
            sheet = changed[f.sheet] = (changed[f.sheet] if f.sheet in changed and changed[f.sheet]
                                        is not self.sheets[f.sheet] else self.sheets[f.sheet].copy())  # fmt: skip
            area = f.old_area
            for r in range(area.top, area.bottom + 1):
                for c in range(area.left, area.right + 1):
                    cell = sheet.get(r, c)
                    if (r, c) == (f.row, f.col) or (cell is not None and cell.formula is None):
                        sheet.blank(r, c)
        return self.package.to_bytes({s.part: s.xml().encode("utf-8") for s in changed.values()})

    def _names(self) -> Names:
        names = Names(sheets={n.upper(): n for n in self.sheets})
        for t in self.package.tables():
            top_left, _, bottom_right = t["ref"].partition(":")
            r1, c1 = split_ref(top_left)
            r2, c2 = split_ref(bottom_right or top_left)
            names.tables[t["name"].upper()] = Table(t["name"], t["sheet"], r1, c1, r2, c2,
                                                    tuple(t["columns"]), t["header_row"],
                                                    t["totals_row"])  # fmt: skip
        order = list(self.sheets)
        for name, (text, local) in self.package.defined_names().items():
            if name.startswith("_xlnm."):
                continue
            sheet = order[local] if local is not None and local < len(order) else order[0]
            try:
                names.defined[name.upper()] = resolve(text.strip(), sheet, names)
            except WorkbookError:
                continue  # a name for a constant or a formula: the engine evaluates it
        return names

    def _inventory(self) -> list[Formula]:
        out: list[Formula] = []
        masters: dict[tuple[str, str], tuple[int, int, str]] = {}
        for name, sheet in self.sheets.items():
            for cell in sheet.formula_cells():
                if cell.formula is None:
                    continue
                text = cell.formula
                if cell.shared is not None:
                    if text:
                        masters[(name, cell.shared)] = (cell.row, cell.col, text)
                    elif (name, cell.shared) in masters:
                        r, c, master = masters[(name, cell.shared)]
                        text = shifted(master, cell.row - r, cell.col - c)
                f = Formula(name, cell.row, cell.col, text, cell.array_ref, cell.dynamic,
                            clv_call(text) if "CLV_" in text.upper() else None)  # fmt: skip
                out.append(f)
        for f in out:
            f.reads = self._reads(f)
        return out

    def _reads(self, f: Formula) -> list[Area]:
        out = []
        for text in reference_texts(f.text):
            try:
                out.append(resolve(text, f.sheet, self.names, f.row))
            except WorkbookError:
                continue
        return out

    # ----- values as xlwings hands them over --------------------------------------------------
    def _extent(self, sheet: str) -> tuple[int, int]:
        """The sheet's last used row and column as stored (a log's rows are split only when a
        whole column of it is read)."""
        if sheet not in self._used:
            self._used[sheet] = self.sheets[sheet].extent() if sheet in self.sheets else (1, 1)
        return self._used[sheet]

    def used_bottom(self, sheet: str) -> int:
        bottom = self._extent(sheet)[0]
        return max(
            [bottom] + [o.area.bottom for o in self.outputs.values() if o.area.sheet == sheet]
        )

    def used_right(self, sheet: str) -> int:
        right = self._extent(sheet)[1]
        return max([right] + [o.area.right for o in self.outputs.values() if o.area.sheet == sheet])

    def _trim(self, area: Area, bottom: int | None = None) -> Area:
        """A whole column (or a range to the sheet's last row) read only as far as rows are
        used: ``bottom``, or the sheet's last used row; past it every cell is blank, and the
        functions drop trailing blanks, as they do when Excel hands them all 1,048,576."""
        if area.bottom == MAX_ROW:
            area = Area(area.sheet, area.top, area.left,
                        max(area.top, bottom or self.used_bottom(area.sheet)), area.right)  # fmt: skip
        if area.right == MAX_COL:
            area = Area(area.sheet, area.top, area.left, area.bottom,
                        max(area.left, self.used_right(area.sheet)))  # fmt: skip
        return area

    def read(self, area: Area, bottom: int | None = None) -> np.ndarray:
        """The cells of ``area`` as an object grid: None for blanks, datetimes for dates,
        Excel's error texts; CLV_ results where they spilled (a whole column to ``bottom``).
        A part of one result is read from it directly; cells that hold no formula (a log)
        are read once."""
        area = self._trim(area, bottom)
        for out in self.outputs.values():
            o = out.area
            if area.within(o):
                return out.grid[area.top - o.top : area.bottom - o.top + 1,
                                area.left - o.left : area.right - o.left + 1].copy()  # fmt: skip
        cached = self._read_cache.get(area)
        if cached is not None:
            return cached.copy()
        for table in self.names.tables.values():  # a Table's column: the whole Table read once
            body = Area(table.sheet, table.top, table.left, table.bottom, table.right)
            if body != area and area.within(body):
                whole = self.read(body)
                if body in self._read_cache:
                    part = whole[area.top - body.top : area.bottom - body.top + 1,
                                 area.left - body.left : area.right - body.left + 1]  # fmt: skip
                    self._read_cache[area] = part
                    return part.copy()
        raw = self.book.sheet(area.sheet).get_values(
            self.fz.RangeAddress(area.sheet, area.top, area.left, area.bottom, area.right)
        )
        grid = np.empty((area.rows, area.cols), dtype=object)
        if raw:
            grid[:] = engine.rows_in(raw)
        touched = False
        for out in self.outputs.values():
            if out.area.overlaps(area):
                _paste(grid, area, out.area, out.grid)
                touched = True
        still = not touched and not any(f.old_area.overlaps(area) or
                                        (f.placed and Area(f.sheet, f.row, f.col, MAX_ROW, MAX_COL).overlaps(area))
                                        for f in self.formulas)  # fmt: skip
        if still:  # no formula can change these cells: read once
            self._read_cache[area] = grid
            return grid.copy()
        return grid

    def argument(self, arg: Argument, f: Formula, bottom: int | None = None) -> Any:
        """One argument of a CLV_ call as xlwings hands it to the function (whole columns to
        ``bottom``, the same for every whole column of the call)."""
        if arg.text is None:
            return None
        ref = arg.reference
        if ref is not None:
            area = self._area_of(ref, f)
            grid = self.read(area, bottom)
            return _handed(grid)
        if len(arg.tokens) == 1 and arg.tokens[0].kind == "Operand":
            return _literal(arg.tokens[0])
        nested = clv_call(arg.text)
        if nested is not None:
            return _handed(self._call(nested, f, arg.text))
        folded = self.fold(rewrite_references("=" + arg.text, lambda r: self._qualified(r, f)))
        single = lone_reference(folded)
        if single is not None:  # CHOOSECOLS(A1#, 11): a range
            return _handed(self.read(resolve(single, f.sheet, self.names, f.row)))
        return _handed(self.evaluate_expression(arg.text, f))

    def _area_of(self, ref: str, f: Formula) -> Area:
        try:
            area = resolve(ref, f.sheet, self.names, f.row)
        except WorkbookError as exc:
            raise _RefError(str(exc)) from None
        if area.spill:
            key = (area.sheet, area.top, area.left)
            if key in self.outputs:
                return self.outputs[key].area
            raise _RefError(f"{ref}: {cell_ref(area.top, area.left)} holds no spilled result")
        return area

    def evaluate_expression(self, text: str, f: Formula) -> np.ndarray:
        """An Excel expression (``DATE(1997,9,30)``, ``Settings!B2*2``, a dynamic array's
        formula) computed by the engine in a scratch cell, references qualified with the
        formula's own sheet. The value is taken by a function the engine calls with it
        (CLV_CAPTURE), so an array of any size comes back whole, never spilled."""
        qualified = self.fold(rewrite_references("=" + text, lambda r: self._qualified(r, f))[1:])
        grid = self._part_of_result(qualified, f)
        if grid is not None:
            return grid
        self._hand_reads(self._reads_of("=" + qualified, f))
        self._scratch_row += 1
        row = self._scratch_row
        self._captured.clear()
        self.book.set_formula(SCRATCH, row, 1, f"={CAPTURE}({mark_omitted(qualified)})")
        self.dirty = True
        self.settle()
        if "value" in self._captured:
            grid = _grid(engine.arg_in(self._captured["value"]))
        else:  # the expression is an error: the engine never called the capture
            grid = _one(engine.cell_in(self.book.get_value(SCRATCH, row, 1)))
        self.book.set_value(SCRATCH, row, 1, None)
        self.dirty = True
        return grid

    def _part_of_result(self, text: str, f: Formula) -> np.ndarray | None:
        """A folded expression that is only a part of a laid-out result
        (``DROP(CHOOSECOLS(Summary!A1#,1),1)``): its cells, taken from the result without a
        trip through the engine (unless a cell is blank: Excel shows a referenced blank as 0)."""
        single = lone_reference("=" + text)
        if single is None:
            return None
        try:
            area = resolve(single, f.sheet, self.names, f.row)
        except WorkbookError:
            return None
        for out in self.outputs.values():
            if not area.spill and area.within(out.area):
                grid = self.read(area)
                return None if any(v is None for v in grid.ravel().tolist()) else grid
        return None

    def fold(self, text: str) -> str:
        """Array shaping of a written range folded into it (:func:`formula_text.fold`): the
        engine then reads (and is handed) only the column a formula uses."""
        return fold(text, lambda ref: resolve(ref, "", self.names))

    def _qualified(self, ref: str, f: Formula) -> str | None:
        try:
            area = resolve(ref, f.sheet, self.names, f.row)
        except WorkbookError:
            return None
        if area.spill and (area.sheet, area.top, area.left) in self.outputs:
            return self.outputs[(area.sheet, area.top, area.left)].area.a1()
        if "!" in ref or "[" in ref or ref.upper() in self.names.defined:
            return None  # on its sheet already, a Table's, or a name
        return f"{_quoted(f.sheet)}!{ref}"

    # ----- computing a CLV_ formula ------------------------------------------------------------
    def _call(self, call: tuple[str, list[Argument]], f: Formula, text: str) -> np.ndarray:
        name, args = call
        function = getattr(udfs, name, None) if name in udfs.__all__ else None
        if function is None:
            return _one("#NAME?")
        try:
            whole = [self._area_of(a.reference, f) for a in args if a.reference is not None]
            tall = [a for a in whole if a.bottom == MAX_ROW]
            bottom = max((self.used_bottom(a.sheet) for a in tall), default=None)
            values = [self.argument(a, f, bottom) for a in args]
        except _RefError as exc:
            self.errors.append((f.sheet, f.ref, f"#REF! {exc}"))
            return _one("#REF!")
        return _grid(function(*values))

    def compute(self, f: Formula) -> None:
        """Compute a placed formula (a CLV_ call here, an Excel array by the engine) and lay
        its result out."""
        started = time.perf_counter()
        self.settle()
        grid = self._call(f.call, f, f.text) if f.call else self.evaluate_expression(f.text, f)
        self.outputs[f.key] = self._place(f, grid)
        self.timings[f.key] = time.perf_counter() - started

    def _place(self, f: Formula, grid: np.ndarray) -> Output:
        anchor = Area(f.sheet, f.row, f.col, f.row, f.col)
        if f.array_ref and not f.dynamic:  # a legacy array: its range, as Excel fills it
            area = f.old_area
            return Output(area, _fitted(grid, area.rows, area.cols))
        if not f.dynamic:  # a plain formula: implicit intersection, the top-left value
            return Output(anchor, grid[:1, :1])
        rows, cols = grid.shape
        area = Area(f.sheet, f.row, f.col, f.row + rows - 1, f.col + cols - 1)
        if area.bottom > MAX_ROW or area.right > MAX_COL:
            return self._blocked(f, anchor, area, "the sheet's edge")
        blocker = self._blocker(f, area)
        if blocker:
            return self._blocked(f, anchor, area, blocker)
        return Output(area, grid)

    def _blocked(self, f: Formula, anchor: Area, area: Area, what: str) -> Output:
        self.errors.append((f.sheet, f.ref, f"#SPILL! the result needs {_local(area)}, but "
                            f"{what} is in the way"))  # fmt: skip
        return Output(anchor, _one("#SPILL!"), "#SPILL!")

    def _blocker(self, f: Formula, area: Area) -> str:
        """What stops a spill into ``area``: a typed value or formula, another spill, a merged
        cell ("" when nothing)."""
        for key, out in self.outputs.items():
            if key != f.key and out.area.overlaps(area):
                return f"the spill of {cell_ref(key[1], key[2])}"
        for merged in self._merged.get(f.sheet, []):
            if merged.overlaps(area):
                return f"the merged cells {_local(merged)}"
        occupied = self._occupied_cells(f.sheet)
        for r, c in occupied:
            if (
                area.top <= r <= area.bottom
                and area.left <= c <= area.right
                and (r, c) != (f.row, f.col)
            ):
                return f"{cell_ref(r, c)} (not empty)"
        return ""

    def _occupied_cells(self, sheet: str) -> set[tuple[int, int]]:
        """Cells holding a typed value or a formula: not those of a dynamic array's spill."""
        if sheet not in self._occupied:
            spills = [f.old_area for f in self.formulas if f.sheet == sheet and f.dynamic]
            cells = set()
            for cell in self.sheets[sheet].cells():
                if cell.formula is None and not cell.has_value:
                    continue
                if cell.formula is None and any(
                    s.contains(sheet, cell.row, cell.col) for s in spills
                ):
                    continue
                cells.add((cell.row, cell.col))
            self._occupied[sheet] = cells
        return self._occupied[sheet]

    # ----- the engine's side --------------------------------------------------------------------
    def hand_to_engine(self, key: Key) -> None:
        """Put a CLV_ result where the engine's own formulas read it, and rewrite their spill
        references. (An array formula placed here is handed what it reads when it is computed,
        and not at all when it only takes part of a result: ``DROP(CHOOSECOLS(A1#,1),1)``.)"""
        if self._excel_reads is None:
            self._excel_reads = [a for g in self.formulas if not g.placed for a in g.reads]
        for part in self._handed.pop(key, []):  # an earlier pass's result: gone
            self.book.set_values_batch(part.sheet, part.top, part.left,
                                       [[None] * part.cols for _ in range(part.rows)])  # fmt: skip
        readers = [g for g in self.formulas if not g.placed
                   and any(a.spill and (a.sheet, a.top, a.left) == key for a in g.reads)]  # fmt: skip
        wanted = [a for a in self._excel_reads if not a.spill]
        for g in readers:  # a spill reference: what the formula reads once folded
            wanted += self._reads_of(self.engine_text(g), g)
        self._hand(key, wanted)
        for g in readers:  # the engine computes it: give it the ranges for the spill
            self.book.set_formula(g.sheet, g.row, g.col, self.engine_text(g))
            self.dirty = True

    def _hand_reads(self, areas: list[Area]) -> None:
        """Give the engine the parts of CLV_ results an expression it evaluates reads."""
        for key in self.outputs:
            self._hand(key, areas)

    def _hand(self, key: Key, areas: list[Area]) -> None:
        """The parts of result ``key`` that ``areas`` cover, into the engine (once each)."""
        out = self.outputs[key]
        done = self._handed.setdefault(key, [])
        for part in _merge([p for p in (_intersection(a, out.area) for a in areas) if p]):
            if any(part.within(d) for d in done):
                continue
            values = np.empty((part.rows, part.cols), dtype=object)
            _paste(values, part, out.area, out.grid)
            self.book.set_values_batch(part.sheet, part.top, part.left, values.tolist())
            done.append(part)
            self.dirty = True

    def _reads_of(self, text: str, g: Formula) -> list[Area]:
        out = []
        for ref in reference_texts(text):
            try:
                area = resolve(ref, g.sheet, self.names, g.row)
            except WorkbookError:
                continue
            out.append(self.outputs[(area.sheet, area.top, area.left)].area if area.spill and
                       (area.sheet, area.top, area.left) in self.outputs else area)  # fmt: skip
        return out

    def engine_text(self, g: Formula) -> str:
        """An Excel formula as the engine is given it: spill references to CLV_ results as the
        ranges they filled, omitted CLV_ arguments marked."""

        def spill(ref: str) -> str | None:
            if not ref.endswith("#"):
                return None
            try:
                area = resolve(ref, g.sheet, self.names, g.row)
            except WorkbookError:
                return None
            out = self.outputs.get((area.sheet, area.top, area.left))
            return out.area.a1() if out is not None else None

        text = self.fold(rewrite_references("=" + g.text, spill))
        return mark_omitted(text) if mentions_clv(text) else text

    def prepare_engine(self) -> None:
        """Before the first calculation: CLV_ formulas leave the engine (computed here), stale
        spill cells of dynamic arrays are cleared, CLV_ calls inside Excel formulas marked."""
        for f in self.formulas:
            if not f.placed and mentions_clv(f.text):
                self.book.set_formula(f.sheet, f.row, f.col, self.engine_text(f))

    def settle(self) -> None:
        """Let the engine compute what changed since it last did (Excel formulas read by the
        next CLV_ formula)."""
        if self.dirty:
            self.book.evaluate_all()
            self.dirty = False

    def engine_value(self, sheet: str, row: int, col: int) -> Any:
        return engine.cell_in(self.book.get_value(sheet, row, col))

    # ----- order ----------------------------------------------------------------------------
    def dependency_map(self, actual: bool) -> dict[Key, set[Key]]:
        """Per placed formula, the placed formulas whose results it reads, directly or through
        Excel formulas (``actual``: where the results went; else where they were before)."""
        placed = [g for g in self.formulas if g.placed]
        writes = {g.key: (self.outputs[g.key].area if actual and g.key in self.outputs
                          else g.old_area) for g in placed}  # fmt: skip
        if self._runs is None:
            self._runs = _runs([g for g in self.formulas if not g.placed])
        runs = self._runs
        return {f.key: self._depends(f.reads, placed, runs, writes, set()) for f in placed}

    def order(self, deps: dict[Key, set[Key]]) -> list[Formula]:
        """The placed formulas in an order ``deps`` allows; those in a cycle last."""
        left = [f for f in self.formulas if f.placed]
        done: list[Formula] = []
        ready_keys: set[Key] = set()
        while left:
            ready = [f for f in left if deps[f.key] - {f.key} <= ready_keys]
            if not ready:
                break
            done += ready
            ready_keys |= {f.key for f in ready}
            left = [f for f in left if f.key not in ready_keys]
        return done + left

    def _depends(self, reads: list[Area], clv: list[Formula], runs: list[tuple[Area, list[Area]]],
                 writes: dict[Key, Area], seen: set[int]) -> set[Key]:  # fmt: skip
        out: set[Key] = set()
        for area in reads:
            for g in clv:
                target = writes[g.key]
                if (area.spill and (area.sheet, area.top, area.left) == g.key) or (
                        not area.spill and target.overlaps(area)):  # fmt: skip
                    out.add(g.key)
            for i, (run_area, run_reads) in enumerate(runs):
                if i in seen:
                    continue
                hit = (area.sheet == run_area.sheet and run_area.contains(area.sheet, area.top, area.left)) \
                    if area.spill else run_area.overlaps(area)  # fmt: skip
                if hit:
                    seen.add(i)
                    out |= self._depends(run_reads, clv, runs, writes, seen)
        return out

    def to_serial(self, v: Any) -> Any:
        """A value as the workbook stores it: dates as serial numbers of its date system."""
        if isinstance(v, dt.datetime):
            return (v - self.epoch).total_seconds() / 86400.0
        if isinstance(v, dt.date):
            return float((v - self.epoch.date()).days)
        return v


class _RefError(Exception):
    """An argument's reference cannot be resolved (#REF!)."""


def _nested(function: Callable[..., Any], calc: Calculation) -> Callable[..., Any]:
    """A CLV_ function as the engine calls it inside an Excel formula (xlwings' shapes)."""

    def call(*args: Any) -> Any:
        handed = [engine.arg_in(a) for a in args]
        result = function(*handed)
        if isinstance(result, np.ndarray):
            result = result.tolist()
        if isinstance(result, list):
            return [
                [_plain(v) for v in (row if isinstance(row, list) else [row])] for row in result
            ]
        return _plain(result)

    return call


def _plain(v: Any) -> Any:
    if isinstance(v, np.generic):
        return v.item()
    return v


def _literal(tok: Any) -> Any:
    if tok.subtype == "Number":
        return float(tok.text)
    if tok.subtype == "Text":
        return tok.text[1:-1].replace('""', '"')
    if tok.subtype == "Logical":
        return tok.text.upper() == "TRUE"
    return tok.text  # an error literal: "#N/A"


def _handed(grid: np.ndarray) -> Any:
    """A grid as xlwings hands a range: one cell as its value, else a list of rows."""
    if grid.size == 1:
        return grid.reshape(()).item()
    return grid.tolist()


def _one(value: Any) -> np.ndarray:
    grid = np.empty((1, 1), dtype=object)
    grid[0, 0] = value
    return grid


def _grid(result: Any) -> np.ndarray:
    """A function's answer as a 2-D object grid (a list of rows, or one value)."""
    if isinstance(result, np.ndarray):
        result = result.tolist()
    if isinstance(result, list):
        rows = [r if isinstance(r, list) else [r] for r in result]
        width = max((len(r) for r in rows), default=1)
        grid = np.empty((max(len(rows), 1), width), dtype=object)
        if rows and all(len(r) == width for r in rows):
            grid[:] = rows
        else:
            grid[:] = None
            for i, row in enumerate(rows):
                grid[i, : len(row)] = row
        if any(isinstance(v, np.generic) for v in grid.ravel()[:64]):
            grid = np.frompyfunc(_plain, 1, 1)(grid).astype(object)
        return grid
    return _one(_plain(result))


def _fitted(grid: np.ndarray, rows: int, cols: int) -> np.ndarray:
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


def _paste(grid: np.ndarray, at: Area, source: Area, values: np.ndarray | None) -> None:
    """Into ``grid`` (covering ``at``) the part of ``source`` that overlaps (None: blanks)."""
    top, bottom = max(at.top, source.top), min(at.bottom, source.bottom)
    left, right = max(at.left, source.left), min(at.right, source.right)
    if top > bottom or left > right:
        return
    target = grid[top - at.top : bottom - at.top + 1, left - at.left : right - at.left + 1]
    if values is None:
        target[:] = None
        return
    target[:] = values[top - source.top : bottom - source.top + 1,
                       left - source.left : right - source.left + 1]  # fmt: skip


def _intersection(a: Area, b: Area) -> Area | None:
    if not a.overlaps(b):
        return None
    return Area(a.sheet, max(a.top, b.top), max(a.left, b.left), min(a.bottom, b.bottom),
                min(a.right, b.right))  # fmt: skip


def _merge(areas: list[Area]) -> list[Area]:
    """Areas with those contained in another dropped (writing each cell once or twice)."""
    out: list[Area] = []
    for a in sorted(set(areas), key=lambda x: -(x.rows * x.cols)):
        if not any(a.within(o) for o in out):
            out.append(a)
    return out


def _runs(formulas: list[Formula]) -> list[tuple[Area, list[Area]]]:
    """Excel formulas grouped into runs down a column (a filled-down column is one): each run's
    cells and the bounding boxes of what it reads, per sheet."""
    by_col: dict[tuple[str, int], list[Formula]] = {}
    for f in formulas:
        by_col.setdefault((f.sheet, f.col), []).append(f)
    runs: list[tuple[Area, list[Area]]] = []
    for (sheet, col), group in by_col.items():
        group.sort(key=lambda f: f.row)
        start = 0
        for i in range(1, len(group) + 1):
            if i == len(group) or group[i].row != group[i - 1].row + 1:
                part = group[start:i]
                area = Area(sheet, part[0].row, col, part[-1].row, col)
                for f in part:
                    if f.dynamic and f.array_ref:
                        old = f.old_area
                        area = Area(sheet, area.top, area.left, max(area.bottom, old.bottom),
                                    max(area.right, old.right))  # fmt: skip
                runs.append((area, _boxes([a for f in part for a in f.reads])))
                start = i
    return runs


def _boxes(areas: list[Area]) -> list[Area]:
    """Spill reads kept as they are; the others as one bounding box per sheet."""
    spills = [a for a in areas if a.spill]
    by_sheet: dict[str, Area] = {}
    for a in areas:
        if a.spill:
            continue
        b = by_sheet.get(a.sheet)
        by_sheet[a.sheet] = a if b is None else Area(a.sheet, min(a.top, b.top), min(a.left, b.left),
                                                     max(a.bottom, b.bottom), max(a.right, b.right))  # fmt: skip
    return spills + list(by_sheet.values())


def _area(sheet: str, ref: str) -> Area:
    first, _, last = ref.partition(":")
    r1, c1 = split_ref(first)
    r2, c2 = split_ref(last or first)
    return Area(sheet, r1, c1, r2, c2)


def _local(area: Area) -> str:
    first, last = cell_ref(area.top, area.left), cell_ref(area.bottom, area.right)
    return first if first == last else f"{first}:{last}"


def _quoted(sheet: str) -> str:
    from clv_xl.workbooks.references import quote_sheet

    return quote_sheet(sheet)


__all__ = ["Calculation", "Formula", "Output"]
