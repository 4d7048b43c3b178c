"""Areas found by where they lie: which of many areas meet a given one, without asking each.

A refresh asks, for every range it reads and every result it lays out, which results and which
formulas lie there. Asking each of them makes a refresh quadratic in its formulas: a
filled-down column of 5,000 ``=CLV_VALUE(A2,B2)`` took 300 s. Here an area of one cell (most
formulas, and what they read in a filled-down column) is kept under its cell; a larger one in
the buckets of 16 rows by 4 columns of its sheet it covers; one that would cover more than
:data:`WIDE` buckets (a 100,000-row spill, a whole column) in a list of its sheet that every
question reads. A question about one cell is then a look-up, not a comparison with each of the
32 formulas a bucket of a filled-down sheet holds.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Hashable, Iterable
from typing import Generic, TypeVar

from clv_xl.workbooks.references import Area

K = TypeVar("K", bound=Hashable)

ROWS, COLS = 16, 4
"""A bucket's rows and columns."""

WIDE = 256
"""Buckets an area may cover before it is kept in its sheet's list instead."""


class AreaIndex(Generic[K]):
    """Areas by key; :meth:`meeting` the keys of those that meet an area, in the order the keys
    were first added (as a dict of them would list them)."""

    def __init__(self, items: Iterable[tuple[K, Area]] = ()) -> None:
        self._areas: dict[K, Area] = {}
        self._order: dict[K, int] = {}  # when a key was first added
        self._cells: dict[str, dict[tuple[int, int], set[K]]] = {}
        self._buckets: dict[str, dict[tuple[int, int], set[K]]] = {}
        self._wide: dict[str, set[K]] = {}
        for key, area in items:
            self.add(key, area)

    def __len__(self) -> int:
        return len(self._areas)

    def __contains__(self, key: object) -> bool:
        return key in self._areas

    def area(self, key: K) -> Area:
        return self._areas[key]

    def add(self, key: K, area: Area) -> None:
        """Keep ``area`` under ``key`` (in place of the area it had)."""
        self.discard(key)
        self._areas[key] = area
        self._order.setdefault(key, len(self._order))
        for keys in self._sets_of(area):
            keys.add(key)

    def discard(self, key: K) -> None:
        area = self._areas.pop(key, None)
        if area is not None:
            for keys in self._sets_of(area):
                keys.discard(key)

    def _sets_of(self, area: Area) -> list[set[K]]:
        """The sets ``area`` is kept in: its cell's, its buckets, or its sheet's list of wide
        areas."""
        if area.top == area.bottom and area.left == area.right:
            return [self._cells.setdefault(area.sheet, {}).setdefault((area.top, area.left), set())]
        rows, cols = _span(area)
        if len(rows) * len(cols) > WIDE:
            return [self._wide.setdefault(area.sheet, set())]
        buckets = self._buckets.setdefault(area.sheet, {})
        return [buckets.setdefault((r, c), set()) for r in rows for c in cols]

    def clear(self) -> None:
        self._areas.clear()
        self._order.clear()
        self._cells.clear()
        self._buckets.clear()
        self._wide.clear()

    def meeting(self, area: Area) -> list[K]:
        """The keys whose areas share a cell with ``area``, in the order first added."""
        if area.top == area.bottom and area.left == area.right:
            return self._meeting_cell(area)
        found = set(self._wide.get(area.sheet, ()))
        buckets = self._buckets.get(area.sheet, {})
        rows, cols = _span(area)
        if len(rows) * len(cols) <= len(buckets):
            for r in rows:
                for c in cols:
                    found |= buckets.get((r, c), set())
        else:  # an area wider than what is kept: the buckets kept, those it covers
            for (r, c), keys in buckets.items():
                if r in rows and c in cols:
                    found |= keys
        hits = [k for k in found if self._areas[k].overlaps(area)]
        cells = self._cells.get(area.sheet)
        if cells and area.rows * area.cols <= len(cells):  # the cells it covers, looked up
            for r in range(area.top, area.bottom + 1):
                for c in range(area.left, area.right + 1):
                    hits.extend(cells.get((r, c), ()))
        elif cells:  # an area larger than the cells kept: those kept, each asked
            for (r, c), keys in cells.items():
                if area.top <= r <= area.bottom and area.left <= c <= area.right:
                    hits.extend(keys)
        return sorted(hits, key=self._order.__getitem__) if len(hits) > 1 else hits

    def _meeting_cell(self, area: Area) -> list[K]:
        """:meth:`meeting` for one cell: its own keys, and those of its one bucket and of the
        wide areas that hold it (a filled-down sheet asks this some 14 times a formula)."""
        areas, sheet = self._areas, area.sheet
        hits = [k for k in self._wide.get(sheet, ()) if areas[k].overlaps(area)]
        buckets = self._buckets.get(sheet)
        if buckets:
            bucket = buckets.get(((area.top - 1) // ROWS, (area.left - 1) // COLS), ())
            hits.extend(k for k in bucket if areas[k].overlaps(area))
        cells = self._cells.get(sheet)
        if cells:
            hits.extend(cells.get((area.top, area.left), ()))
        return sorted(hits, key=self._order.__getitem__) if len(hits) > 1 else hits


def _span(area: Area) -> tuple[range, range]:
    """The rows and columns of buckets ``area`` covers."""
    return (
        range((area.top - 1) // ROWS, (area.bottom - 1) // ROWS + 1),
        range((area.left - 1) // COLS, (area.right - 1) // COLS + 1),
    )


class Corners:
    """Cells, asked whether any lies above and to the left of a cell (a dynamic array anchored
    there may spill down and right onto it)."""

    def __init__(self, cells: Iterable[tuple[str, int, int]]) -> None:
        by_sheet: dict[str, list[tuple[int, int]]] = {}
        for sheet, row, col in cells:
            by_sheet.setdefault(sheet, []).append((col, row))
        self._cols: dict[str, list[int]] = {}
        self._highest: dict[str, list[int]] = {}  # the top row among the columns so far
        for sheet, found in by_sheet.items():
            found.sort()
            self._cols[sheet] = [c for c, _ in found]
            top, highest = found[0][1], []
            for _, row in found:
                top = min(top, row)
                highest.append(top)
            self._highest[sheet] = highest

    def above_left(self, area: Area) -> bool:
        """Whether a cell lies at or above ``area``'s bottom and at or left of its right."""
        cols = self._cols.get(area.sheet)
        if not cols:
            return False
        k = bisect_right(cols, area.right)
        return k > 0 and self._highest[area.sheet][k - 1] <= area.bottom


__all__ = ["AreaIndex", "Corners"]
