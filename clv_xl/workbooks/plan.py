"""In what order the placed formulas are computed: each after the results it reads.

A placed formula (a CLV_ call, an array formula) reads another's result directly, or through
Excel formulas between them (a filled-down column that reads a spill is one run of formulas).
The order is computed first from where results were when the workbook was saved, then again
from where they went; formulas in a cycle come last.
"""

from __future__ import annotations

from clv_xl.workbooks.area_index import AreaIndex
from clv_xl.workbooks.inventory import Formula, Key
from clv_xl.workbooks.references import Area

Run = tuple[Area, list[Area]]
"""A run of Excel formulas down a column: its cells, and the bounding boxes of what it reads."""


class Plan:
    """The dependencies among a workbook's placed formulas."""

    def __init__(self, formulas: list[Formula]) -> None:
        self.formulas = formulas
        self.placed = [f for f in formulas if f.placed]
        self._runs: list[Run] | None = None
        self._run_index: AreaIndex[int] = AreaIndex()

    def dependency_map(self, written: dict[Key, Area] | None = None) -> dict[Key, set[Key]]:
        """Per placed formula, the placed formulas whose results it reads, directly or through
        Excel formulas (``written``: where results went; else where they were before)."""
        written = written or {}
        writes = AreaIndex((g.key, written.get(g.key, g.old_area)) for g in self.placed)
        if self._runs is None:
            self._runs = runs([g for g in self.formulas if not g.placed])
            self._run_index = AreaIndex((i, area) for i, (area, _) in enumerate(self._runs))
        return {f.key: self._depends(f.reads, writes, set()) for f in self.placed}

    def order(self, deps: dict[Key, set[Key]]) -> list[Formula]:
        """The placed formulas in an order ``deps`` allows; those in a cycle last."""
        left = list(self.placed)
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

    def _depends(self, reads: list[Area], writes: AreaIndex[Key], seen: set[int]) -> set[Key]:
        out: set[Key] = set()
        assert self._runs is not None
        for area in reads:
            if area.spill:  # A1#: the result anchored there, and the runs holding its anchor
                where = Area(area.sheet, area.top, area.left, area.top, area.left)
                if (area.sheet, area.top, area.left) in writes:
                    out.add((area.sheet, area.top, area.left))
            else:
                where = area
                out.update(writes.meeting(area))
            for i in self._run_index.meeting(where):
                if i not in seen:
                    seen.add(i)
                    out |= self._depends(self._runs[i][1], writes, seen)
        return out


def runs(formulas: list[Formula]) -> list[Run]:
    """Excel formulas grouped into runs down a column (a filled-down column is one): each run's
    cells and the bounding boxes of what it reads, per sheet."""
    by_col: dict[tuple[str, int], list[Formula]] = {}
    for f in formulas:
        by_col.setdefault((f.sheet, f.col), []).append(f)
    out: list[Run] = []
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
                        area = Area(
                            sheet,
                            area.top,
                            area.left,
                            max(area.bottom, old.bottom),
                            max(area.right, old.right),
                        )
                out.append((area, boxes([a for f in part for a in f.reads])))
                start = i
    return out


def boxes(areas: list[Area]) -> list[Area]:
    """Spill reads kept as they are; the others as one bounding box per sheet."""
    spills = [a for a in areas if a.spill]
    by_sheet: dict[str, Area] = {}
    for a in areas:
        if a.spill:
            continue
        b = by_sheet.get(a.sheet)
        by_sheet[a.sheet] = a if b is None else a.hull(b)
    return spills + list(by_sheet.values())


__all__ = ["Plan", "boxes", "runs"]
