"""A worksheet part: its rows kept as text, so rows the refresh does not change are written back
byte for byte; cells read, and values written, one row at a time.

The sheet's XML is in the plain form of :mod:`clv_xl.workbooks.xml_reader` (expat surveyed it,
or rewrote it), so its tags are read by that module's exact grammar. Rows are found when first
asked for, and a row is split into cells only when a cell of it is: a 100,000-row log that no
formula reads cell by cell is never split.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from clv_xl.workbooks import cell_xml
from clv_xl.workbooks.addresses import cell_ref, col_letters, split_ref
from clv_xl.workbooks.sheet_rows import (
    Rows,
    first_col,
    in_spans,
    last_col,
    only_values_within,
    parse_rows,
    span_runs,
)
from clv_xl.workbooks.xml_reader import (
    WorkbookError,
    attributes,
    end_tag,
    plain_form,
    start_tag,
    unescape_text,
)

_PLAIN = (float, str, bool, int)
_AS_WRITTEN = {float, str, bool, int, type(None)}  # a column of these needs no convert
_SHEET_DATA = start_tag("sheetData")
_SHEET_DATA_END = end_tag("sheetData")
_COL = start_tag("col")
_MERGE = start_tag("mergeCell")
_DIMENSION = start_tag("dimension")
_SPANS = re.compile(r"""\sspans\s*=\s*(?:"[^"]*"|'[^']*')""")
_VALUE = re.compile(r"<(?:v|is)[\s/>]")
_ESCAPED = re.compile(r"_x005F(_x[0-9A-Fa-f]{4}_)|_x([0-9A-Fa-f]{4})_")


def ooxml_text(text: str) -> str:
    """Text with OOXML's escapes of control characters decoded (``_x000D_`` is a carriage
    return, ``_x005F_x000D_`` the literal text "_x000D_")."""
    if "_x" not in text:
        return text
    return _ESCAPED.sub(lambda m: m.group(1) or chr(int(m.group(2), 16)), text)


@dataclass
class Cell:
    """One ``<c>`` element: its position, XML and, for a formula cell, the formula."""

    row: int
    col: int
    xml: str
    formula: str | None = None
    array_ref: str | None = None
    dynamic: bool = False
    shared: str | None = None  # a shared formula's group (si); the first cell holds the text
    shared_ref: str | None = None  # on the group's first cell: the cells that share it

    @property
    def ref(self) -> str:
        return cell_ref(self.row, self.col)

    @property
    def has_value(self) -> bool:
        return holds_value(self.xml)


def _rewritten(
    body: Any,
    row: int,
    left: int,
    width: int,
    letters: list[str],
    written: Callable[[], re.Pattern[str]],
    new: str,
) -> str | None:
    """A row's text with the block's new cells (``new``) in place of its old ones, when those
    are value cells as this writer writes them in the block's columns, in their columns'
    styles (the last refresh's spill): found in the row's text by one regular expression,
    the row never split. None otherwise: the row is written cell by cell, each cell keeping
    its own style and formula."""
    if not isinstance(body, str) or "<f" in body:
        return None
    start = 0 if first_col(body) >= left else body.find(f'<c r="{letters[0]}{row}"')
    if start < 0:
        return None
    found = written().match(body, start)  # every part optional: it always matches
    end = found.end() if found else start
    if end < len(body) and first_col(body[end:]) < left + width:
        return None  # a cell of the block's columns written otherwise
    return body[:start] + new + body[end:]


def merged_ranges(sheet: Sheet) -> list[str]:
    """The ranges of a sheet's merged cells ("A1:B2")."""
    return [attributes(m.group(1)).get("ref", "") for m in _MERGE.finditer(sheet.after)]


def holds_value(xml: str) -> bool:
    """Whether a cell's XML holds a value (a ``<v>`` or an inline string)."""
    return _VALUE.search(xml) is not None


def holds_formula(xml: str) -> bool:
    """Whether a cell's XML holds a formula, without parsing the cell."""
    return "<f" in xml and cell_xml.formula_element(xml) is not None


def parse_cell(xml: str, row: int, col: int) -> Cell:
    cell = Cell(row, col, xml)
    where = cell_xml.formula_element(xml)
    if where is None:
        return cell
    f = cell_xml.FORMULA_TAG.match(xml, where[0])
    assert f is not None
    f_attrs = attributes(f.group(1))
    text = "" if f.group(2) else xml[f.end() : xml.rindex("</f", f.end(), where[1])]
    cell.formula = ooxml_text(unescape_text(text))
    if f_attrs.get("t") == "array":
        cell.array_ref = f_attrs.get("ref", cell.ref)
        cell.dynamic = "cm" in cell_xml.head_attributes(xml)
    elif f_attrs.get("t") == "shared":
        cell.shared = f_attrs.get("si")
        cell.shared_ref = f_attrs.get("ref")
    return cell


def _may_hold_formulas(raw: bytes) -> bool:
    """Whether a part's bytes could hold an ``<f>`` element in any XML form (``<f``, or
    ``<x:f`` under a prefix, then a space, "/" or ">"); False means surely none. Two scans at
    C speed (a 180 MB log sheet in 0.3 s, a quarter of reading it)."""
    for pattern in (b"<f", b":f"):
        at = raw.find(pattern)
        while at >= 0:
            if raw[at + 2 : at + 3] in (b" ", b"/", b">", b"\t", b"\n", b"\r"):
                return True
            at = raw.find(pattern, at + 2)
    return False


@dataclass
class Sheet:
    """A worksheet part, its rows kept as text so untouched rows are written back verbatim."""

    name: str
    part: str
    _before: str
    _after: str
    _rows: Rows | None = field(default_factory=Rows, repr=False)
    touched: set[int] = field(default_factory=set)
    _cache: dict[tuple[int, int], Cell] = field(default_factory=dict, repr=False)
    _column_styles: list[tuple[int, int, str]] | None = field(default=None, repr=False)
    _body: str = field(default="", repr=False)  # the rows' XML, until they are first asked for
    _written: list[int] = field(default_factory=list, repr=False)  # bounds of what was written
    _rewritten: bool = False

    _raw: bytes | None = field(default=None, repr=False)  # as stored, until first read
    _formula_free: bool = field(default=False, repr=False)  # its bytes hold no f element
    _reload: Callable[[], bytes] | None = field(default=None, repr=False)  # the bytes again
    _away: bool = field(default=False, repr=False)  # its stored bytes let go of

    @classmethod
    def parse(
        cls, name: str, part: str, data: bytes | str, reload: Callable[[], bytes] | None = None
    ) -> Sheet:
        """A sheet from its XML, read by the one XML reader when it is first asked for: a
        sheet no formula reads cell by cell (a log) is handed on as it is stored. ``reload``
        gives the stored bytes again (:meth:`let_go`)."""
        raw = data.encode("utf-8") if isinstance(data, str) else data
        return cls(name, part, "", "", None, _raw=raw, _reload=reload)

    def let_go(self) -> None:
        """Drop the stored bytes of a sheet never read (a log, once the engine has its values):
        a million-row log's 180 MB are not held while the workbook is computed and written.
        Asked for again, they are read again (``reload``)."""
        if self._raw is not None and self._reload is not None:
            self._raw, self._away = None, True

    @property
    def _stored(self) -> bytes | None:
        if self._away and self._reload is not None:
            self._raw, self._away = self._reload(), False
        return self._raw

    def _read(self) -> None:
        """The XML surveyed (or rewritten into the plain form) and split around its rows."""
        if self._stored is None:
            return
        xml, rewritten = plain_form(self._stored, f"sheet {self.name} ({self.part})")
        m = _SHEET_DATA.search(xml)
        if m is None:
            raise WorkbookError(f"sheet {self.name} has no sheetData")
        if m.group(2):
            before, body, after = (
                xml[: m.start()] + "<sheetData>",
                "",
                "</sheetData>" + xml[m.end() :],
            )
        else:
            close = _SHEET_DATA_END.search(xml, m.end())
            if close is None:
                raise WorkbookError(f"sheet {self.name}: sheetData is not closed")
            before, body, after = xml[: m.end()], xml[m.end() : close.start()], xml[close.start() :]
        self._raw = None
        self._before, self._after, self._body, self._rewritten = before, after, body, rewritten

    @property
    def before(self) -> str:
        """The XML before the rows."""
        self._read()
        return self._before

    @before.setter
    def before(self, text: str) -> None:
        self._read()
        self._before = text

    @property
    def after(self) -> str:
        """The XML after the rows."""
        self._read()
        return self._after

    @property
    def rewritten(self) -> bool:
        """Read from a form Excel does not write (the engine then gets the plain one)."""
        return self._rewritten

    @property
    def rows(self) -> Rows:
        self._read()
        if self._rows is None:
            self._rows = parse_rows(self.name, self._body)
            self._body = ""
        return self._rows

    def cells(self) -> list[Cell]:
        return [
            self._parsed(r, c) for r, (_, cells) in sorted(self.rows.items()) for c in sorted(cells)
        ]

    def formula_cells(self) -> list[Cell]:
        """The cells holding a formula (only those are parsed: a 100,000-row log has none)."""
        if self._formula_free:
            return []
        if self._stored is not None and not _may_hold_formulas(self._stored):
            self._formula_free = True  # asked again by the refresh: not scanned again
            return []  # no f element in any form: not read at all
        self._read()
        if self._rows is None and "<f" not in self._body:
            return []
        rows = self.rows
        found = sorted(
            r
            for r, (_, cells) in rows.raw()
            if "<f" in (cells if isinstance(cells, str) else "".join(cells.values()))
        )
        out = [  # a row's cells without an f element (its typed values) are not parsed
            self._parsed(r, c)
            for r in found
            for c, xml in sorted(rows[r][1].items())
            if "<f" in xml
        ]
        return [c for c in out if c.formula is not None]

    def extent(self) -> tuple[int, int]:
        """The last row and column that hold a cell."""
        bottom, right = 1, 1
        for r, (_, cells) in self.rows.raw():
            if not cells:
                continue
            bottom = max(bottom, r)
            right = max(right, last_col(cells) if isinstance(cells, str) else max(cells))
        return bottom, right

    def _parsed(self, row: int, col: int) -> Cell:
        xml = self.rows[row][1][col]
        cached = self._cache.get((row, col))
        if cached is None or cached.xml != xml:
            cached = self._cache[(row, col)] = parse_cell(xml, row, col)
        return cached

    def get(self, row: int, col: int) -> Cell | None:
        if col not in self.rows.get(row, ("", {}))[1]:
            return None
        return self._parsed(row, col)

    def column_style(self, col: int) -> str | None:
        """The style a column gives a cell that does not exist yet (Excel formats a spill's
        new cells so: a template's formatted columns show a grown spill formatted)."""
        if self._column_styles is None:
            styles: list[tuple[int, int, str]] = []
            for m in _COL.finditer(self.before):
                a = attributes(m.group(1))
                if "style" in a:
                    styles.append((int(a.get("min", 0)), int(a.get("max", 0)), a["style"]))
            self._column_styles = styles
        return next((st for lo, hi, st in self._column_styles if lo <= col <= hi), None)

    def _wrote(self, top: int, left: int, bottom: int, right: int) -> None:
        w = self._written
        self._written = (
            [top, left, bottom, right]
            if not w
            else [min(w[0], top), min(w[1], left), max(w[2], bottom), max(w[3], right)]
        )

    def set_value(self, row: int, col: int, value: Any) -> None:
        open_tag, cells = self.rows.get(row, (f'<row r="{row}">', {}))
        if col not in cells and value is None:
            return  # nothing to clear
        existing = cells.get(col)
        if existing is None:
            style = self.column_style(col)
            existing = f'<c r="{cell_ref(row, col)}"' + (f' s="{style}"' if style else "") + "/>"
        new = cell_xml.value_xml(existing, row, col, value)
        if cells.get(col) == new:
            return
        cells[col] = new
        self.rows[row] = (open_tag, cells)
        self.touched.add(row)
        self._wrote(row, col, row, col)

    def write_block(self, top: int, left: int, grid: Any, convert: Any = None) -> None:
        """Values (rows of a 2-D object array; ``convert`` applied to those that are not
        numbers, text or blank: dates to serial numbers) into the cells from (top, left).

        Cells that do not exist yet are made straight away, with their column's style, a row
        at a time (:func:`cell_xml.new_rows`). A row that has no cells at or right of the
        block's columns (a new row, or one a block to its left just wrote) takes them as text
        added to its end, never split."""
        height, width = grid.shape
        columns: list[list[Any]] = []
        for j in range(width):
            values = grid[:, j].tolist()
            if convert is not None and not set(map(type, values)) <= _AS_WRITTEN:
                values = [v if v is None or v.__class__ in _PLAIN else convert(v) for v in values]
            columns.append(values)
        letters = [col_letters(left + j) for j in range(width)]
        styles = [f' s="{st}"' if (st := self.column_style(left + j)) else "" for j in range(width)]
        self._wrote(top, left, top + height - 1, left + width - 1)
        appended = cell_xml.new_rows(columns, letters, top, styles)
        # compiled where a row has cells there already (once for blocks of these columns),
        # looked up once a block, not once a row
        written = functools.cache(
            functools.partial(cell_xml.written_cells, tuple(letters), tuple(styles))
        )
        raw, rows = dict.get, self.rows  # the property once, not once a row
        for i in range(height):
            row = top + i
            entry = raw(rows, row)
            if entry is None or (isinstance(entry[1], str) and last_col(entry[1]) < left):
                if appended[i]:
                    tag, body = entry or (f'<row r="{row}">', "")
                    dict.__setitem__(rows, row, (tag, body + appended[i]))
                    self.touched.add(row)
                continue
            body = _rewritten(entry[1], row, left, width, letters, written, appended[i])
            if body is not None:
                dict.__setitem__(rows, row, (entry[0], body))
                self.touched.add(row)
                continue
            cells = rows[row][1]
            changed = False
            for j in range(width):
                col = left + j
                existing = cells.get(col)
                if existing is None:
                    xml = cell_xml.new_cell(columns[j][i], f"{letters[j]}{row}", styles[j])
                    if xml is None:
                        continue
                else:
                    xml = cell_xml.value_xml(existing, row, col, columns[j][i])
                    if xml == existing:
                        continue
                cells[col] = xml
                changed = True
            if changed:
                self.touched.add(row)

    def set_array_ref(self, row: int, col: int, ref: str) -> None:
        cells = self.rows[row][1]
        cells[col] = cell_xml.with_array_ref(cells[col], ref)
        self.touched.add(row)

    def copy(self) -> Sheet:
        """A copy whose cells can be changed without changing this sheet."""
        rows = Rows()
        for r, (tag, cells) in self.rows.raw():
            dict.__setitem__(rows, r, (tag, cells if isinstance(cells, str) else dict(cells)))
        return Sheet(self.name, self.part, self.before, self.after, rows, set(self.touched))

    def blank_values(
        self, areas: list[tuple[int, int, int, int]], anchors: set[tuple[int, int]]
    ) -> None:
        """Empty the cells of the areas (top, left, bottom, right) that hold no formula, and the
        ``anchors``: the last spills of the sheet's dynamic arrays in the engine's copy (a stale
        value would block a new spill). A row whose cells all lie in the areas and hold no
        formula is emptied whole, unsplit (a 200,000-row spill from the last refresh)."""
        rows = self.rows
        for first, last, spans in span_runs(areas):
            for r in range(first, last + 1):
                entry = dict.get(rows, r)
                if entry is None:
                    continue
                if only_values_within(entry[1], spans, r):
                    dict.__setitem__(rows, r, (entry[0], ""))
                    self.touched.add(r)
                    continue
                cells = rows[r][1]
                for c in [c for c in cells if in_spans(c, spans)]:
                    xml = cells[c]
                    if (r, c) in anchors or not holds_formula(xml):
                        cells[c] = cell_xml.blank_xml(xml)
                        self.touched.add(r)

    def _head(self) -> str:
        """The XML before the rows, its ``<dimension>`` grown to cover what was written (a
        reader that trusts it, such as openpyxl's read-only mode, then sees every row)."""
        m = _DIMENSION.search(self.before) if self._written else None
        if m is None:
            return self.before
        ref = attributes(m.group(1)).get("ref", "A1")
        first, _, last = ref.partition(":")
        try:
            r1, c1 = split_ref(first)
            r2, c2 = split_ref(last or first)
        except WorkbookError:
            return self.before
        top, left, bottom, right = self._written
        grown = (min(r1, top), min(c1, left), max(r2, bottom), max(c2, right))
        if grown == (r1, c1, r2, c2):
            return self.before
        new = f'<dimension ref="{cell_ref(grown[0], grown[1])}:{cell_ref(grown[2], grown[3])}"/>'
        return self.before[: m.start()] + new + self.before[m.end() :]

    def xml(self) -> str:
        if self._stored is not None:  # never read: as it came
            return self._stored.decode("utf-8")
        if self._rows is None:  # never read cell by cell: as it came
            return self._before + self._body + self._after
        return "".join(self._pieces())

    def chunks(self, size: int = 1 << 22) -> Iterator[bytes]:
        """:meth:`xml` as UTF-8 in pieces of about ``size`` characters (4 MB), made as they
        are written: a sheet of 200,000 rows is never held whole a second time."""
        whole = self._stored is not None or self._rows is None  # as it came: one piece
        batch: list[str] = []
        length = 0
        for piece in [self.xml()] if whole else self._pieces():
            batch.append(piece)
            length += len(piece)
            if length >= size:
                yield "".join(batch).encode("utf-8")
                batch, length = [], 0
        yield "".join(batch).encode("utf-8")

    def _pieces(self) -> Iterator[str]:
        """The sheet's XML: its head, each row, its tail."""
        yield self._head()
        touched = self.touched
        for rnum, (open_tag, cells) in sorted(self.rows.raw()):
            if rnum in touched and "spans" in open_tag:
                open_tag = _SPANS.sub("", open_tag)
            body = cells if isinstance(cells, str) else "".join([cells[c] for c in sorted(cells)])
            yield f"{open_tag}{body}</row>" if body else open_tag[:-1] + "/>"
        yield self.after


__all__ = [
    "Cell",
    "Rows",
    "Sheet",
    "holds_formula",
    "holds_value",
    "merged_ranges",
    "ooxml_text",
    "parse_cell",
]
