"""A sheet's rows as text: found by a plain scan of the sheetData body, each row's cells split
out only when a cell of it is asked for (a 100,000-row log that no formula reads cell by cell is
never split). The text is in the plain form of :mod:`clv_xl.workbooks.xml_reader`, so its tags are
read by that module's exact grammar."""

from __future__ import annotations

import bisect
import itertools
import re
from typing import Any

from clv_xl.workbooks.addresses import col_letters, col_number
from clv_xl.workbooks.xml_reader import WorkbookError, attributes, end_tag, start_tag

_ROW = start_tag("row")
_ROW_END = end_tag("row")
_CELL = start_tag("c")
_CELL_END = end_tag("c")
_R = re.compile(r'\sr\s*=\s*"\$?([A-Z]*)\$?([0-9]*)"')  # exact where a tag has no "'"


def r_attribute(tag: str) -> str | None:
    """A start tag's ``r`` (a row number or a cell reference), None when it has none."""
    if "'" not in tag:
        m = _R.search(tag)
        return m.group(1) + m.group(2) if m else None
    r = attributes(tag).get("r")
    return r.replace("$", "") if r is not None else None


def split_cells(body: str, rnum: int) -> dict[int, str]:
    """A row's cells by column: each ``<c>`` element's text, as it is in the row."""
    fast = _split_as_written(body)
    return fast if fast is not None else _split_by_grammar(body, rnum)


_DIGITS = "0123456789"


def _split_as_written(body: str) -> dict[int, str] | None:
    """:func:`split_cells` for a row as Excel writes one: every cell starts ``<c r="`` with
    its column, the cells follow one another with nothing between them. One ``str.split``
    instead of a regular expression a cell (a refreshed sheet of 200,000 rows, read again);
    None for any other row, which the grammar then reads."""
    pieces = body.split('<c r="')
    if pieces[0] or body.count("<c") != len(pieces) - 1:
        return None
    cells: dict[int, str] = {}
    numbers = _COLUMN_NUMBERS
    for piece in pieces[1:]:
        letters = piece[: piece.find('"')].rstrip(_DIGITS)
        col = numbers.get(letters)
        if col is None:
            if not letters.isalpha() or not letters.isupper():
                return None  # "$B$5", or no column: the grammar says what it is
            col = _column(letters)
        if not (piece.endswith("</c>") or piece.endswith("/>")):
            return None  # something between cells
        cells[col] = '<c r="' + piece
    return cells


def _split_by_grammar(body: str, rnum: int) -> dict[int, str]:
    cells: dict[int, str] = {}
    col = 0
    at = body.find("<c")
    while at >= 0:
        m = _CELL.match(body, at)
        if m is None:  # "<cx...": another element
            at = body.find("<c", at + 2)
            continue
        end = m.end() if m.group(2) else _CELL_END.search(body, m.end()).end()  # type: ignore[union-attr]
        where = r_attribute(m.group(1))
        if where:
            letters = where.rstrip("0123456789")
            if not letters:
                raise WorkbookError(f"a cell without its column in row {rnum}")
            col = col_number(letters)
        else:  # r is optional: the cell after the one before
            col += 1
        cells[col] = body[at:end]
        at = body.find("<c", end)
    return cells


def last_col(body: str) -> int:
    """The column of a row's last cell, from the row's text (0 for a row without cells)."""
    at = body.rfind('<c r="')
    if at < 0:
        return max(split_cells(body, 0), default=0) if "<c" in body else 0
    letters = body[at + 6 : at + 9].rstrip('0123456789"')
    if not letters.isalpha():
        return max(split_cells(body, 0), default=0)
    return _column(letters)


_COLUMN_NUMBERS: dict[str, int] = {}


def _column(letters: str) -> int:
    """A column's number from its letters, each worked out once."""
    return _COLUMN_NUMBERS.get(letters) or _COLUMN_NUMBERS.setdefault(letters, col_number(letters))


def first_col(body: str) -> int:
    """The column of a row's first cell, from the row's text (0 for a row without cells)."""
    if not body.startswith('<c r="'):
        return min(split_cells(body, 0), default=0)
    letters = body[6:9].rstrip('0123456789"')
    if not letters.isalpha():
        return min(split_cells(body, 0), default=0)
    return _column(letters)


Span = tuple[int, int]  # first and last column


def span_runs(areas: list[tuple[int, int, int, int]]) -> list[tuple[int, int, list[Span]]]:
    """Runs of rows (first, last) over which the same areas (top, left, bottom, right) cover
    the same columns, as spans joined where they touch (side-by-side spills: one span): the
    rows of a 200,000-row spill are one run, found without a look at each row."""
    cuts = sorted({top for top, _, _, _ in areas} | {bottom + 1 for _, _, bottom, _ in areas})
    starting = sorted(areas)
    runs, active, i = [], [], 0  # active: the areas that cover the rows from ``first``
    for first, after in itertools.pairwise(cuts):
        while i < len(starting) and starting[i][0] <= first:
            active.append(starting[i])
            i += 1
        active = [a for a in active if a[2] >= first]
        covering = sorted((lo, hi) for _, lo, _, hi in active)
        if not covering:
            continue
        joined = [covering[0]]
        for lo, hi in covering[1:]:
            if lo <= joined[-1][1] + 1:
                joined[-1] = (joined[-1][0], max(hi, joined[-1][1]))
            else:
                joined.append((lo, hi))
        runs.append((first, after - 1, joined))
    return runs


def spans_of(runs: list[tuple[int, int, list[Span]]], row: int) -> list[Span]:
    """The spans of :func:`span_runs` at ``row`` (none outside the runs)."""
    at = bisect.bisect_right(runs, row, key=lambda run: run[0]) - 1
    return runs[at][2] if at >= 0 and runs[at][1] >= row else []


def in_spans(col: int, spans: list[Span]) -> bool:
    return any(lo <= col <= hi for lo, hi in spans)


def only_values_within(body: Any, spans: list[Span], row: int) -> bool:
    """A row never split whose cells all lie in ``spans`` and hold no formula: a row of
    spills' values, told so from its text without splitting it (a column between two spans
    is looked for by its reference, where there are a few such columns)."""
    if body.__class__ is not str or not body or "<f" in body:
        return False
    first, last = first_col(body), last_col(body)
    if first < spans[0][0] or last > spans[-1][1]:
        return False
    if len(spans) == 1:
        return True
    for (_, hi), (lo, _) in itertools.pairwise(spans):
        gap = range(max(hi + 1, first), min(lo - 1, last) + 1)
        if len(gap) > GAP_LOOKS:
            return False
        if any(f'<c r="{col_letters(c)}{row}"' in body for c in gap):
            return False
    return True


GAP_LOOKS = 16
"""Columns between spans looked for by reference at most (more: the row is split)."""


class Rows(dict[int, Any]):
    """Row number -> (opening tag, {column: cell XML}); a row read from the file keeps its
    cells as one text until it is first asked for (a 100,000-row log is never split)."""

    def _split(self, rnum: int, value: tuple[str, Any]) -> tuple[str, dict[int, str]]:
        tag, cells = value
        if isinstance(cells, str):
            cells = split_cells(cells, rnum)
            dict.__setitem__(self, rnum, (tag, cells))
        return tag, cells

    def __getitem__(self, rnum: int) -> tuple[str, dict[int, str]]:
        return self._split(rnum, dict.__getitem__(self, rnum))

    def get(self, rnum: int, default: Any = None) -> Any:
        value = dict.get(self, rnum)
        return default if value is None else self._split(rnum, value)

    def items(self) -> Any:
        return [(r, self._split(r, v)) for r, v in dict.items(self)]

    def values(self) -> Any:
        return [self._split(r, v) for r, v in dict.items(self)]

    def raw(self) -> Any:
        """(row, (tag, cells)) with cells a text where the row was never split."""
        return dict.items(self)


def parse_rows(name: str, xml: str) -> Rows:
    """The ``<row>`` elements of a sheetData body, each kept as text until it is asked for."""
    rows = Rows()
    number = 0
    at = xml.find("<row")
    while at >= 0:  # a plain scan: a 100,000-row log in a tenth of a second
        m = _ROW.match(xml, at)
        if m is None:
            raise WorkbookError(f"sheet {name} has a malformed row near row {number + 1}")
        r = r_attribute(m.group(1))
        number = int(r) if r else number + 1  # r is optional: the row after the one before
        if m.group(2):
            open_tag, body, end = xml[at : m.end()][:-2].rstrip() + ">", "", m.end()
        else:
            close = _ROW_END.search(xml, m.end())
            if close is None:
                raise WorkbookError(f"sheet {name}: row {number} is not closed")
            open_tag, body, end = xml[at : m.end()], xml[m.end() : close.start()], close.end()
        if r is None:
            open_tag = f'<row r="{number}"' + open_tag[4:]
        dict.__setitem__(rows, number, (open_tag, body))  # split later
        at = xml.find("<row", end)
    return rows


__all__ = [
    "Rows",
    "first_col",
    "in_spans",
    "last_col",
    "only_values_within",
    "parse_rows",
    "r_attribute",
    "span_runs",
    "spans_of",
    "split_cells",
]
