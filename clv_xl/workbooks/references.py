"""What a reference means, as Excel reads it: a rectangle of one sheet.

``A1``, ``$A$1:$B$9``, ``A:A`` (the whole column), ``2:2``, ``Sheet 1!A1``, ``'Bob''s'!A1``,
``Summary!A1#`` (the spill of A1, whose extent the refresh knows), ``Sales[Date]`` and the other
structured references of an Excel Table (``Sales``, ``Sales[]``, ``Sales[#All]``,
``Sales[#Headers]``, ``Sales[[#Headers],[Date]]``, ``Sales[[Date]:[Amount]]``, ``Sales[@Date]``
and ``Sales[[#This Row],[Date]]`` in the formula's own row) and defined names that name a range.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from clv_xl.workbooks.addresses import col_number
from clv_xl.workbooks.xml_reader import WorkbookError

MAX_ROW, MAX_COL = 1_048_576, 16_384

_CELL = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d+)$")
_COLS = re.compile(r"^\$?([A-Za-z]{1,3}):\$?([A-Za-z]{1,3})$")
_ROWS = re.compile(r"^\$?(\d+):\$?(\d+)$")


@dataclass(frozen=True)
class Area:
    """Rows top..bottom and columns left..right of ``sheet``, 1-based and inclusive; ``spill``
    when it was written ``A1#`` (then it stands for the anchor until the spill is known)."""

    sheet: str
    top: int
    left: int
    bottom: int
    right: int
    spill: bool = False

    @property
    def rows(self) -> int:
        return self.bottom - self.top + 1

    @property
    def cols(self) -> int:
        return self.right - self.left + 1

    def overlaps(self, other: Area) -> bool:
        return (
            self.sheet == other.sheet
            and self.top <= other.bottom
            and other.top <= self.bottom
            and self.left <= other.right
            and other.left <= self.right
        )

    def within(self, other: Area) -> bool:
        """Every cell of this area is in ``other``."""
        return self.meet(other) == replace(self, spill=False)

    def meet(self, other: Area) -> Area | None:
        """The cells both areas hold (None when they share none)."""
        if not self.overlaps(other):
            return None
        top, left = max(self.top, other.top), max(self.left, other.left)
        return Area(
            self.sheet, top, left, min(self.bottom, other.bottom), min(self.right, other.right)
        )

    def hull(self, other: Area) -> Area:
        """The smallest area holding both (on this area's sheet)."""
        top, left = min(self.top, other.top), min(self.left, other.left)
        return Area(
            self.sheet, top, left, max(self.bottom, other.bottom), max(self.right, other.right)
        )

    def contains(self, sheet: str, row: int, col: int) -> bool:
        return (
            self.sheet == sheet
            and self.top <= row <= self.bottom
            and self.left <= col <= self.right
        )

    def part(self, top: int, left: int, bottom: int, right: int) -> Area:
        """The rows top..bottom and columns left..right of this area, counted from 0."""
        return Area(
            self.sheet, self.top + top, self.left + left, self.top + bottom, self.left + right
        )

    def a1(self) -> str:
        from clv_xl.workbooks.addresses import cell_ref

        first, last = cell_ref(self.top, self.left), cell_ref(self.bottom, self.right)
        return f"{quote_sheet(self.sheet)}!${_abs(first)}" + (
            "" if first == last else f":${_abs(last)}"
        )


def _abs(ref: str) -> str:
    m = _CELL.match(ref)
    assert m
    return f"{m.group(1)}${m.group(2)}"


def quote_sheet(name: str) -> str:
    """A sheet name as a formula writes it: quoted, an apostrophe doubled, where needed."""
    if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.]*", name) and not _CELL.match(name):
        return name
    return "'" + name.replace("'", "''") + "'"


@dataclass(frozen=True)
class Table:
    """An Excel Table: its name, sheet, area (header row included when it has one), columns."""

    name: str
    sheet: str
    top: int
    left: int
    bottom: int
    right: int
    columns: tuple[str, ...]
    header_row: bool = True
    totals_row: bool = False

    @property
    def data_top(self) -> int:
        return self.top + 1 if self.header_row else self.top

    @property
    def data_bottom(self) -> int:
        return self.bottom - 1 if self.totals_row else self.bottom


@dataclass
class Names:
    """What a workbook names: its sheets (any case), Tables and defined names."""

    sheets: dict[str, str] = field(default_factory=dict)  # upper-case name -> name
    tables: dict[str, Table] = field(default_factory=dict)  # upper-case name -> table
    defined: dict[str, Area] = field(default_factory=dict)  # upper-case name -> area

    def sheet(self, text: str) -> str:
        name = text[1:-1].replace("''", "'") if text.startswith("'") else text
        found = self.sheets.get(name.upper())
        if found is None:
            raise WorkbookError(f"no sheet named {name!r}")
        return found


def _structured(text: str) -> tuple[str, str] | None:
    m = re.fullmatch(r"([A-Za-z_\\][\w.\\]*)(\[.*\])?", text)
    if not m:
        return None
    return m.group(1), (m.group(2) or "")


def _specifiers(inner: str) -> list[str]:
    """``[[#Headers],[Date]]`` -> ["#Headers", "Date"]; ``[Date]`` -> ["Date"]; ``[]`` -> []."""
    inner = inner.strip()
    if inner.startswith("[") and inner.endswith("]"):
        inner = inner[1:-1]
    if "[" not in inner:
        return [inner.strip()] if inner.strip() else []
    return [p.strip() for p in re.findall(r"\[((?:[^\[\]']|'.)*)\]", inner)] + (
        [":"] if "]:[" in inner.replace(" ", "") else []
    )


def table_area(table: Table, spec: str, row: int | None) -> Area:
    """The rectangle a structured reference to ``table`` names (``row``: the formula's row,
    for ``[@Column]`` and ``[#This Row]``)."""
    parts = _specifiers(spec)
    special = [p for p in parts if p.startswith("#") or p.startswith("@")]
    names = [p.lstrip("@").strip() for p in parts if not p.startswith("#") and p != ":"]
    names = [n for n in names if n]
    top, bottom = table.data_top, table.data_bottom
    this_row = any(p.startswith("@") or p.lower() == "#this row" for p in special)
    kinds = {p.lower() for p in special if p.startswith("#")}
    if "#all" in kinds:
        top, bottom = table.top, table.bottom
    elif "#headers" in kinds and "#data" in kinds:
        top = table.top
    elif "#headers" in kinds:
        top = bottom = table.top
    elif "#totals" in kinds:
        top = bottom = table.bottom
    if this_row:
        if row is None or not table.data_top <= row <= table.data_bottom:
            raise WorkbookError(f"{table.name}[@...] outside the table's rows")
        top = bottom = row
    left, right = table.left, table.right
    if names:
        lookup = {c.upper(): i for i, c in enumerate(table.columns)}
        idx = []
        for n in names:
            clean = re.sub(r"'(.)", r"\1", n)
            if clean.upper() not in lookup:
                raise WorkbookError(f"table {table.name} has no column {clean!r}")
            idx.append(lookup[clean.upper()])
        left, right = table.left + min(idx), table.left + max(idx)
    return Area(table.sheet, top, left, bottom, right)


def resolve(text: str, sheet: str, names: Names, row: int | None = None) -> Area:
    """The area ``text`` names in a formula on ``sheet`` (``row``: the formula's row)."""
    spill = text.endswith("#")
    body = text[:-1] if spill else text
    where, bang, local = body.rpartition("!")
    if bang:
        if where.startswith("'[") or where.startswith("["):
            raise WorkbookError(f"{text} refers to another workbook")
        target = names.sheet(where)
    else:
        target = sheet
    local = local.replace("$", "")
    m = _CELL.match(local)
    if m:
        r, c = int(m.group(2)), col_number(m.group(1).upper())
        return Area(target, r, c, r, c, spill)
    first, colon, last = local.partition(":")
    if colon and _CELL.match(first) and _CELL.match(last):
        a, b = _CELL.match(first), _CELL.match(last)
        assert a and b
        r1, r2 = sorted((int(a.group(2)), int(b.group(2))))
        c1, c2 = sorted((col_number(a.group(1).upper()), col_number(b.group(1).upper())))
        return Area(target, r1, c1, r2, c2)
    m = _COLS.match(local)
    if m:
        c1, c2 = sorted((col_number(m.group(1).upper()), col_number(m.group(2).upper())))
        return Area(target, 1, c1, MAX_ROW, c2)
    m = _ROWS.match(local)
    if m:
        r1, r2 = sorted((int(m.group(1)), int(m.group(2))))
        return Area(target, r1, 1, r2, MAX_COL)
    if not bang:
        structured = _structured(body)
        if structured:
            name, spec = structured
            table = names.tables.get(name.upper())
            if table is not None:
                return table_area(table, spec, row)
            if not spec and name.upper() in names.defined:
                return names.defined[name.upper()]
    raise WorkbookError(f"cannot read the reference {text}")
