"""A sheet's rows as text: found by a plain scan of the sheetData body, each row's cells split
out only when a cell of it is asked for (a 100,000-row log that no formula reads cell by cell is
never split). The text is in the plain form of :mod:`clv_xl.workbooks.xml_reader`, so its tags are
read by that module's exact grammar."""

from __future__ import annotations

import re
from typing import Any

from clv_xl.workbooks.addresses import col_number
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
    return _COLUMN_NUMBERS.get(letters) or _COLUMN_NUMBERS.setdefault(letters, col_number(letters))


_COLUMN_NUMBERS: dict[str, int] = {}


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


__all__ = ["Rows", "last_col", "parse_rows", "r_attribute", "split_cells"]
