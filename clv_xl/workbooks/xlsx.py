"""Read formula cells from an .xlsx and write their computed values, touching nothing else.

An .xlsx is a zip of XML parts. This module never round-trips a workbook through a library that
rewrites it (openpyxl would drop charts): it edits the ``<v>`` values of the cells it is told
to, and the ``ref`` of dynamic-array formulas, in the sheet XML, and copies every other part
byte for byte. XML it reads for structure is parsed with defusedxml. Saving writes a temporary
file beside the target and renames it over, so a failure leaves the original untouched.
"""

from __future__ import annotations

import copy
import math
import os
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape, unescape

from defusedxml import ElementTree

from clv_xl.errors import CLVError
from clv_xl.excel.error_texts import EXCEL_ERRORS
from clv_xl.files import FileIdentity, write_atomically

NS = {
    "m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "rel": "http://schemas.openxmlformats.org/package/2006/relationships",
}
MAX_PART_BYTES = 200 * 1024 * 1024
MAX_TOTAL_BYTES = 1024 * 1024 * 1024
FAST_DEFLATE_BYTES = 1024 * 1024  # a larger part is deflated at level 1: 3x faster, 8% larger
MAX_RATIO = 200  # unpacked / packed: far above any real workbook, far below a zip bomb
EXTERNAL_REFERENCE = re.compile(r"\[[^\]]+\.xl\w*\]", re.I)

_CELL = re.compile(r"<c\b[^>]*?/>|<c\b[^>]*>.*?</c>", re.S)
_ATTR = re.compile(r'([\w:]+)="([^"]*)"')
_FORMULA = re.compile(r"<f\b[^>]*?/>|<f\b[^>]*>.*?</f>", re.S)
_REF = re.compile(r"^([A-Z]+)([0-9]+)$")
_SPANS = re.compile(r'\sspans="[^"]*"')
_ROW_NUMBER = re.compile(r'\sr="([0-9]+)"')
_CELL_REF = re.compile(r'\br="\$?([A-Z]+)\$?[0-9]+"')


class WorkbookError(CLVError):
    """The file is not a workbook clv_xl can read safely."""


def col_number(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def col_letters(n: int) -> str:
    out = ""
    while n:
        n, rem = divmod(n - 1, 26)
        out = chr(65 + rem) + out
    return out


def split_ref(ref: str) -> tuple[int, int]:
    match = _REF.match(ref.replace("$", ""))
    if not match:
        raise WorkbookError(f"not a cell reference: {ref}")
    return int(match.group(2)), col_number(match.group(1))


def cell_ref(row: int, col: int) -> str:
    return f"{col_letters(col)}{row}"


def range_cells(ref: str) -> list[tuple[int, int]]:
    first, _, last = ref.partition(":")
    r1, c1 = split_ref(first)
    r2, c2 = split_ref(last or first)
    return [(r, c) for r in range(r1, r2 + 1) for c in range(c1, c2 + 1)]


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
        return "<v>" in self.xml or "<v " in self.xml or "<is>" in self.xml


def parse_cell(xml: str) -> Cell:
    head = xml[: xml.index(">") + 1]
    attrs = dict(_ATTR.findall(head))
    row, col = split_ref(attrs["r"])
    cell = Cell(row, col, xml)
    f = _FORMULA.search(xml)
    if f:
        f_head = f.group(0)[: f.group(0).index(">") + 1]
        f_attrs = dict(_ATTR.findall(f_head))
        text = re.sub(r"^<f\b[^>]*>|</f>$", "", f.group(0)) if not f_head.endswith("/>") else ""
        cell.formula = _ooxml_text(unescape(text, {"&quot;": '"', "&apos;": "'"}))
        if f_attrs.get("t") == "array":
            cell.array_ref = f_attrs.get("ref", cell.ref)
            cell.dynamic = "cm" in attrs
        elif f_attrs.get("t") == "shared":
            cell.shared = f_attrs.get("si")
            cell.shared_ref = f_attrs.get("ref")
    return cell


_PLAIN = (float, str, bool, int)
_ESCAPED = re.compile(r"_x005F(_x[0-9A-Fa-f]{4}_)|_x([0-9A-Fa-f]{4})_")


def _ooxml_text(text: str) -> str:
    """Text with OOXML's escapes of control characters decoded (``_x000D_`` is a carriage
    return, ``_x005F_x000D_`` the literal text "_x000D_")."""
    if "_x" not in text:
        return text
    return _ESCAPED.sub(lambda m: m.group(1) or chr(int(m.group(2), 16)), text)


def value_xml(cell_xml: str | None, row: int, col: int, value: Any) -> str:
    """The ``<c>`` element with ``value`` as its cached value; style and formula kept."""
    if cell_xml is None:
        cell_xml = f'<c r="{cell_ref(row, col)}"/>'
    head = cell_xml[: cell_xml.index(">") + 1].rstrip("/>").rstrip()
    attrs = [(k, v) for k, v in _ATTR.findall(head) if k != "t"]
    f = _FORMULA.search(cell_xml)
    formula = f.group(0) if f else ""
    kind, body = _encode(value, bool(formula))
    if kind:
        attrs.append(("t", kind))
    attr_text = "".join(f' {k}="{v}"' for k, v in attrs)
    inner = formula + body
    return f"<c{attr_text}>{inner}</c>" if inner else f"<c{attr_text}/>"


def _encode(value: Any, is_formula: bool) -> tuple[str, str]:
    if value is None or (isinstance(value, str) and value == ""):
        return ("str", "<v></v>") if is_formula else ("", "")
    if isinstance(value, bool):
        return "b", f"<v>{int(value)}</v>"
    if isinstance(value, int | float):
        x = float(value)
        if not math.isfinite(x):
            return "e", "<v>#NUM!</v>"
        text = repr(x)
        if text.endswith(".0"):
            text = text[:-2]
        return "", f"<v>{text}</v>"
    text = str(value)
    if text in EXCEL_ERRORS:
        return "e", f"<v>{text}</v>"
    if is_formula:
        return "str", f"<v>{escape(text)}</v>"
    return "inlineStr", f"<is><t>{escape(text)}</t></is>"


_SAFE_INT = 2**53  # an int below this in size is written as its float would be


def _new_cells(values: list[Any], letters: str, top: int, style: str) -> list[str | None]:
    """The ``<c>`` element of each value of a column as a new cell (None for a blank): numbers
    as Excel writes them (``2`` for 2.0), text inline, errors as errors. Finite numbers and
    text, most of a result, are formatted at C speed (one join, a few replaces per column)."""
    kinds = [_NUMBER if (v.__class__ is float and v - v == 0.0) or (
                 v.__class__ is int and -_SAFE_INT < v < _SAFE_INT)
             else _TEXT if v.__class__ is str and v and v[0] != "#" else _OTHER
             for v in values]  # fmt: skip
    numbers = [v for v, k in zip(values, kinds, strict=True) if k is _NUMBER]
    texts = [v for v, k in zip(values, kinds, strict=True) if k is _TEXT]
    number_text = iter(("\0".join(map(repr, numbers)) + "\0").replace(".0\0", "\0").split("\0"))
    escaped = "\0".join(texts).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    pieces = escaped.split("\0") if texts else []
    if len(pieces) != len(texts):  # a NUL inside a text: cell by cell
        return [_new_cell(v, f"{letters}{top + i}", style) for i, v in enumerate(values)]
    text_text = iter(pieces)
    head, number_middle = f'<c r="{letters}', f'"{style}><v>'
    text_middle = f'"{style} t="inlineStr"><is><t>'
    return [f"{head}{top + i}{number_middle}{next(number_text)}</v></c>" if k is _NUMBER
            else f"{head}{top + i}{text_middle}{next(text_text)}</t></is></c>" if k is _TEXT
            else _new_cell(v, f"{letters}{top + i}", style)
            for i, (v, k) in enumerate(zip(values, kinds, strict=True))]  # fmt: skip


_NUMBER, _TEXT, _OTHER = "number", "text", "other"


def _new_cell(value: Any, ref: str, style: str) -> str | None:
    if value is None or value == "":
        return None
    kind, body = _encode(value, False)
    t = f' t="{kind}"' if kind else ""
    return f'<c r="{ref}"{style}{t}>{body}</c>'


class _Rows(dict[int, Any]):
    """Row number -> (opening tag, {column: cell XML}); a row read from the file keeps its
    cells as one text until it is first asked for (a 100,000-row log is never split)."""

    def _split(self, rnum: int, value: tuple[str, Any]) -> tuple[str, dict[int, str]]:
        tag, cells = value
        if isinstance(cells, str):
            cells = _split_cells(cells, rnum)
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


def _raw_rows(rows: Any) -> Any:
    return rows.raw() if isinstance(rows, _Rows) else rows.items()


def _last_col(body: str) -> int:
    """The column of a row's last cell, from the row's text (0 for a row without cells)."""
    at = body.rfind('<c r="')
    if at < 0:
        return 0
    letters = body[at + 6 : at + 9].rstrip('0123456789"')
    if not letters.isalpha():  # not as Excel writes it: the general reading
        m = _CELL_REF.search(body, at)
        letters = m.group(1) if m else "A"
    return _COLUMN_NUMBERS.get(letters) or _COLUMN_NUMBERS.setdefault(letters, col_number(letters))


_COLUMN_NUMBERS: dict[str, int] = {}


def _split_cells(body: str, rnum: int) -> dict[int, str]:
    cells = {}
    for c in _CELL.finditer(body):
        text = c.group(0)
        where = _CELL_REF.search(text, 0, 40)
        if where is None:
            raise WorkbookError(f"a cell without its reference in row {rnum}")
        cells[col_number(where.group(1))] = text
    return cells


def _parse_rows(name: str, xml: str) -> _Rows:
    """The ``<row>`` elements of a sheetData body, each kept as text until it is asked for."""
    rows = _Rows()
    at = xml.find("<row")
    while at >= 0:  # a plain scan, not a regex: a 100,000-row log in a tenth of a second
        head_end = xml.index(">", at) + 1
        head = xml[at:head_end]
        number = _ROW_NUMBER.search(head)
        if number is None:
            raise WorkbookError(f"sheet {name} has a row without its number")
        if head.endswith("/>"):
            open_tag, body, end = head[:-2].rstrip() + ">", "", head_end
        else:
            end = xml.index("</row>", head_end)
            open_tag, body, end = head, xml[head_end:end], end + len("</row>")
        dict.__setitem__(rows, int(number.group(1)), (open_tag, body))  # split later
        at = xml.find("<row", end)
    return rows


@dataclass
class Sheet:
    """A worksheet part, its rows kept as text so untouched rows are written back verbatim."""

    name: str
    part: str
    before: str
    after: str
    _rows: _Rows | None = field(default_factory=_Rows, repr=False)
    touched: set[int] = field(default_factory=set)
    _cache: dict[tuple[int, int], Cell] = field(default_factory=dict, repr=False)
    _column_styles: list[tuple[int, int, str]] | None = field(default=None, repr=False)
    _body: str = field(default="", repr=False)  # the rows' XML, until they are first asked for

    @classmethod
    def parse(cls, name: str, part: str, xml: str) -> Sheet:
        """A sheet from its XML. Its rows are read when first asked for: a 100,000-row log
        that no formula reads cell by cell is never split into rows."""
        start = xml.find("<sheetData")
        if start < 0:
            raise WorkbookError(f"sheet {name} has no sheetData")
        if xml.startswith("<sheetData/>", start):
            body_start = body_end = start + len("<sheetData/>")
            before = xml[:start] + "<sheetData>"
            after = "</sheetData>" + xml[body_end:]
            return cls(name, part, before, after)
        body_start = xml.index(">", start) + 1
        body_end = xml.index("</sheetData>", body_start)
        return cls(
            name, part, xml[:body_start], xml[body_end:], None, _body=xml[body_start:body_end]
        )

    @property
    def rows(self) -> _Rows:
        if self._rows is None:
            self._rows = _parse_rows(self.name, self._body)
            self._body = ""
        return self._rows

    def cells(self) -> list[Cell]:
        return [
            self._parsed(r, c) for r, (_, cells) in sorted(self.rows.items()) for c in sorted(cells)
        ]

    def formula_cells(self) -> list[Cell]:
        """The cells holding a formula (only those are parsed: a 100,000-row log has none)."""
        if self._rows is None and "<f" not in self._body:
            return []
        rows = self.rows
        found = sorted(r for r, (_, cells) in _raw_rows(rows) if "<f" in (
            cells if isinstance(cells, str) else "".join(cells.values())))  # fmt: skip
        return [self._parsed(r, c) for r in found for c, xml in sorted(rows[r][1].items())
                if "<f" in xml]  # fmt: skip

    def extent(self) -> tuple[int, int]:
        """The last row and column that hold a cell."""
        bottom, right = 1, 1
        for r, (_, cells) in _raw_rows(self.rows):
            if not cells:
                continue
            bottom = max(bottom, r)
            if isinstance(cells, str):
                right = max(right, _last_col(cells))
            else:
                right = max(right, max(cells))
        return bottom, right

    def _parsed(self, row: int, col: int) -> Cell:
        xml = self.rows[row][1][col]
        cached = self._cache.get((row, col))
        if cached is None or cached.xml != xml:
            cached = self._cache[(row, col)] = parse_cell(xml)
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
            for tag in re.findall(r"<col\b[^>]*>", self.before):
                a = dict(_ATTR.findall(tag))
                if "style" in a:
                    styles.append((int(a.get("min", 0)), int(a.get("max", 0)), a["style"]))
            self._column_styles = styles
        return next((st for lo, hi, st in self._column_styles if lo <= col <= hi), None)

    def set_value(self, row: int, col: int, value: Any) -> None:
        open_tag, cells = self.rows.get(row, (f'<row r="{row}">', {}))
        if col not in cells and value is None:
            return  # nothing to clear
        existing = cells.get(col)
        if existing is None:
            style = self.column_style(col)
            existing = f'<c r="{cell_ref(row, col)}"' + (f' s="{style}"' if style else "") + "/>"
        new = value_xml(existing, row, col, value)
        if cells.get(col) == new:
            return
        cells[col] = new
        self.rows[row] = (open_tag, cells)
        self.touched.add(row)

    def write_block(self, top: int, left: int, grid: Any,
                    convert: Any = None) -> None:  # fmt: skip
        """Values (rows of a 2-D object array; ``convert`` applied to those that are not
        numbers, text or blank: dates to serial numbers) into the cells from (top, left).

        Cells that do not exist yet are made straight away, with their column's style, a column
        at a time. A spill of 20,000 rows is mostly such cells: a row that has no cells at or
        right of the block's columns (a new row, or one a block to its left just wrote) takes
        them as text added to its end, never split into cells."""
        height, width = grid.shape
        made: list[list[str | None]] = []
        columns: list[list[Any]] = []
        for j in range(width):
            values = grid[:, j].tolist()
            if convert is not None:
                values = [v if v is None or v.__class__ in _PLAIN else convert(v) for v in values]
            style = self.column_style(left + j)
            made.append(_new_cells(values, col_letters(left + j), top,
                                   f' s="{style}"' if style else ""))  # fmt: skip
            columns.append(values)
        appended = ["".join(filter(None, cells)) for cells in zip(*made, strict=True)]
        raw = dict.get
        for i in range(height):
            row = top + i
            entry = raw(self.rows, row)
            if entry is None or (isinstance(entry[1], str) and _last_col(entry[1]) < left):
                if appended[i]:
                    tag, body = entry or (f'<row r="{row}">', "")
                    dict.__setitem__(self.rows, row, (tag, body + appended[i]))
                    self.touched.add(row)
                continue
            cells = self.rows[row][1]
            changed = False
            for j in range(width):
                col = left + j
                existing = cells.get(col)
                if existing is None:
                    xml = made[j][i]
                    if xml is None:
                        continue
                else:
                    xml = value_xml(existing, row, col, columns[j][i])
                    if xml == existing:
                        continue
                cells[col] = xml
                changed = True
            if changed:
                self.touched.add(row)

    def set_array_ref(self, row: int, col: int, ref: str) -> None:
        cells = self.rows[row][1]
        xml = cells[col]
        f = _FORMULA.search(xml)
        assert f is not None
        new_f = re.sub(r'\bref="[^"]*"', f'ref="{ref}"', f.group(0), count=1)
        cells[col] = xml[: f.start()] + new_f + xml[f.end() :]
        self.touched.add(row)

    def copy(self) -> Sheet:
        """A copy whose cells can be changed without changing this sheet."""
        rows = _Rows()
        for r, (tag, cells) in _raw_rows(self.rows):
            dict.__setitem__(rows, r, (tag, cells if isinstance(cells, str) else dict(cells)))
        return Sheet(self.name, self.part, self.before, self.after, rows, set(self.touched))

    def blank(self, row: int, col: int) -> None:
        """Empty a cell: no formula, no value (its style kept)."""
        cells = self.rows.get(row, ("", {}))[1]
        xml = cells.get(col)
        if xml is None:
            return
        head = xml[: xml.index(">") + 1].rstrip("/>").rstrip()
        attrs = [(k, v) for k, v in _ATTR.findall(head) if k not in ("t", "cm", "vm")]
        cells[col] = "<c" + "".join(f' {k}="{v}"' for k, v in attrs) + "/>"
        self.touched.add(row)

    def merged(self) -> list[str]:
        """The ranges of merged cells ("A1:B2")."""
        return re.findall(r'<mergeCell\b[^>]*\bref="([^"]+)"', self.after)

    def xml(self) -> str:
        if self._rows is None:  # never read cell by cell: as it came
            return self.before + self._body + self.after
        parts = [self.before]
        touched = self.touched
        for rnum, (open_tag, cells) in sorted(_raw_rows(self.rows)):
            if rnum in touched and "spans=" in open_tag:
                open_tag = _SPANS.sub("", open_tag)
            body = cells if isinstance(cells, str) else "".join([cells[c] for c in sorted(cells)])
            parts.append(f"{open_tag}{body}</row>" if body else open_tag[:-1] + "/>")
        parts.append(self.after)
        return "".join(parts)


def _join(folder: str, target: str) -> str:
    """A relationship's target relative to its part's folder ("../tables/table1.xml")."""
    parts = folder.split("/")
    for piece in target.split("/"):
        if piece == "..":
            parts.pop()
        elif piece and piece != ".":
            parts.append(piece)
    return "/".join(parts)


class Package:
    """An .xlsx opened for reading sheets and writing a copy with some parts replaced."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        if not self.path.is_file():
            raise WorkbookError(f"no such workbook: {self.path}")
        try:
            self.zip = zipfile.ZipFile(self.path)
        except zipfile.BadZipFile:
            raise WorkbookError(
                f"{self.path.name} is not an .xlsx workbook (not a zip file)"
            ) from None
        infos = self.zip.infolist()
        total = sum(i.file_size for i in infos)
        if total > MAX_TOTAL_BYTES or any(i.file_size > MAX_PART_BYTES for i in infos):
            raise WorkbookError(
                f"{self.path.name} is too large to open safely ({total:,} bytes unpacked)"
            )
        packed = sum(i.compress_size for i in infos)
        if total > 10 * 1024 * 1024 and total > MAX_RATIO * max(packed, 1):
            raise WorkbookError(
                f"{self.path.name} unpacks to {total:,} bytes from {packed:,}: refused as a zip bomb"
            )
        names = {i.filename for i in infos}
        if "xl/workbook.xml" not in names:
            raise WorkbookError(f"{self.path.name} is not an .xlsx workbook (no xl/workbook.xml)")
        self.sheet_parts = self._sheet_parts()

    def read(self, part: str) -> bytes:
        data = self.zip.read(part)
        if part.endswith((".xml", ".rels")) and (b"<!DOCTYPE" in data or b"<!ENTITY" in data):
            raise WorkbookError(
                f"{self.path.name}: {part} declares a DTD or entities; refused (a workbook saved "
                "by Excel never does)"
            )
        return data

    def external_links(self) -> list[str]:
        """Parts that link this workbook to other files (refresh never follows them)."""
        return [n for n in self.zip.namelist() if n.startswith("xl/externalLinks/")]

    def _xml(self, part: str) -> Any:
        try:
            return ElementTree.fromstring(self.read(part))
        except ElementTree.ParseError as exc:
            raise WorkbookError(f"{self.path.name}: malformed XML in {part}: {exc}") from None

    def _sheet_parts(self) -> dict[str, str]:
        book = self._xml("xl/workbook.xml")
        rels = self._xml("xl/_rels/workbook.xml.rels")
        targets = {r.get("Id"): r.get("Target") for r in rels.findall("rel:Relationship", NS)}
        out = {}
        for sheet in book.findall("m:sheets/m:sheet", NS):
            target = targets.get(sheet.get(f"{{{NS['r']}}}id"), "")
            if not target:
                continue
            part = target.lstrip("/") if target.startswith("/") else "xl/" + target
            if part in self.zip.namelist() and "worksheets/" in part:
                out[sheet.get("name")] = part
        return out

    def date1904(self) -> bool:
        """Whether the workbook counts dates from 1904 (a Mac workbook's option)."""
        pr = self._xml("xl/workbook.xml").find("m:workbookPr", NS)
        return pr is not None and pr.get("date1904", "0").lower() in ("1", "true")

    def defined_names(self) -> dict[str, tuple[str, int | None]]:
        """Defined names: name -> (what it refers to, the index of its sheet when it is local)."""
        out: dict[str, tuple[str, int | None]] = {}
        for d in self._xml("xl/workbook.xml").findall("m:definedNames/m:definedName", NS):
            local = d.get("localSheetId")
            out[d.get("name", "")] = (d.text or "", int(local) if local is not None else None)
        return out

    def tables(self) -> list[dict[str, Any]]:
        """Every Excel Table: name, sheet, ref, columns, header and totals rows."""
        out = []
        for sheet, part in self.sheet_parts.items():
            folder, _, base = part.rpartition("/")
            rels_part = f"{folder}/_rels/{base}.rels"
            if rels_part not in self.zip.namelist():
                continue
            for rel in self._xml(rels_part).findall("rel:Relationship", NS):
                if not rel.get("Type", "").endswith("/table"):
                    continue
                target = rel.get("Target", "")
                table_part = target.lstrip("/") if target.startswith("/") else _join(folder, target)
                if table_part not in self.zip.namelist():
                    continue
                t = self._xml(table_part)
                columns = [c.get("name", "") for c in t.findall("m:tableColumns/m:tableColumn", NS)]
                out.append({"name": t.get("displayName") or t.get("name"), "sheet": sheet,
                            "ref": t.get("ref"), "columns": columns, "part": table_part,
                            "header_row": t.get("headerRowCount", "1") != "0",
                            "totals_row": t.get("totalsRowCount", "0") not in ("0", "")})  # fmt: skip
        return out

    def sheet(self, name: str) -> Sheet:
        part = self.sheet_parts[name]
        try:
            return Sheet.parse(name, part, self.read(part).decode("utf-8"))
        except WorkbookError:
            raise
        except (KeyError, ValueError, UnicodeDecodeError) as exc:
            raise WorkbookError(f"{self.path.name}: sheet {name} is malformed ({exc})") from None

    def save(self, target: str | os.PathLike[str], replace: dict[str, bytes],
             expect: FileIdentity | None = None) -> Path:  # fmt: skip
        """Write a copy with ``replace``d parts to ``target`` atomically (temp file + rename);
        with ``expect``, only over the file that was read (else beside it). Returns the path."""
        return write_atomically(Path(target), lambda tmp: self._write(tmp, replace), expect)

    def to_bytes(self, replace: dict[str, bytes]) -> bytes:
        """The package with ``replace``d parts, in memory and uncompressed (for an engine)."""
        import io

        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as out:
            for info in self.zip.infolist():
                data = replace.get(info.filename)
                out.writestr(
                    info.filename, data if data is not None else self.zip.read(info.filename)
                )
        return buffer.getvalue()

    def _write(self, path: Path, replace: dict[str, bytes]) -> None:
        with zipfile.ZipFile(path, "w") as out:
            for info in self.zip.infolist():
                data = replace.get(info.filename)
                if data is None and self._copy_stored(out, info):
                    continue
                if data is None:
                    data = self.zip.read(info.filename)
                # writestr fills in the ZipInfo it is given (offset, sizes, CRC): hand it a
                # copy, or this package's own directory would point into the new file.
                out.writestr(copy.copy(info), data, compress_type=zipfile.ZIP_DEFLATED,
                             compresslevel=1 if len(data) > FAST_DEFLATE_BYTES else None)  # fmt: skip

    def _copy_stored(self, out: zipfile.ZipFile, info: zipfile.ZipInfo) -> bool:
        """An unchanged part copied as it is stored, not inflated and deflated again (a
        17 MB log sheet: 0.25 s saved), its CRC checked as it is read. False when the part or
        this Python's zipfile does not allow it: the caller then copies it the ordinary way."""
        if (
            info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)
            or (
                info.flag_bits & 0x01  # encrypted
            )
            or not all(hasattr(out, a) for a in ("fp", "filelist", "NameToInfo", "start_dir"))
        ):
            return False
        source, target = self.zip.fp, out.fp
        if source is None or target is None:
            return False
        source.seek(info.header_offset)
        header = source.read(30)
        if len(header) < 30 or header[:4] != b"PK\x03\x04":
            return False
        name_length, extra_length = struct.unpack("<HH", header[26:30])
        source.seek(info.header_offset + 30 + name_length + extra_length)
        stored = source.read(info.compress_size)
        raw = stored if info.compress_type == zipfile.ZIP_STORED else zlib.decompressobj(-15)
        try:
            if not isinstance(raw, bytes):  # inflated only to check the CRC, in C
                crc, inflate = 0, raw
                for at in range(0, len(stored), 1 << 20):
                    crc = zlib.crc32(inflate.decompress(stored[at : at + (1 << 20)]), crc)
                crc = zlib.crc32(inflate.flush(), crc)
            else:
                crc = zlib.crc32(raw)
        except zlib.error:
            crc = None
        if crc != info.CRC:
            raise WorkbookError(f"{self.path.name}: {info.filename} is damaged (CRC mismatch)")
        clone = copy.copy(info)
        clone.flag_bits &= ~0x08  # sizes and CRC in the header, no data descriptor after
        clone.header_offset = target.tell()
        target.write(clone.FileHeader())
        target.write(stored)
        out.filelist.append(clone)
        out.NameToInfo[clone.filename] = clone
        out.start_dir = target.tell()
        out._didModify = True  # type: ignore[attr-defined]
        return True

    def close(self) -> None:
        self.zip.close()
