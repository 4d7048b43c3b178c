"""What a workbook holds to compute: its names (Tables, defined names) and its formulas.

Every formula cell of every sheet, a shared formula's text moved to each cell that shares it,
each with the CLV_ call it is (when the whole formula is one), the references it names and the
areas they are. A formula's text is tokenized once for all of these (one after the other, while
its tokens are cached): a filled-down column of 10,000 formulas is not tokenized twice.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property

from clv_xl.workbooks.addresses import cell_ref, split_ref
from clv_xl.workbooks.formula_text import Argument, clv_call, reference_texts, shifted
from clv_xl.workbooks.references import Area, Names, Table, resolve
from clv_xl.workbooks.sheet import Sheet
from clv_xl.workbooks.xlsx import Package
from clv_xl.workbooks.xml_reader import WorkbookError

Key = tuple[str, int, int]
"""A formula's cell: (sheet, row, column)."""


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
    references: tuple[str, ...] = ()  # as written (a spill's "#" kept); ``reads`` resolves them

    @property
    def key(self) -> Key:
        return (self.sheet, self.row, self.col)

    @property
    def placed(self) -> bool:
        """Computed and laid out by the refresh: a CLV_ call, a dynamic array, a legacy array
        formula. (The engine caps a spill at 10,000 cells; placed, a result has any size.)"""
        return self.call is not None or self.array_ref is not None

    @property
    def ref(self) -> str:
        return cell_ref(self.row, self.col)

    @cached_property
    def old_area(self) -> Area:
        """The cells the formula's result filled when the workbook was saved."""
        return area_of(self.sheet, self.array_ref or self.ref)


def area_of(sheet: str, ref: str) -> Area:
    """The Area of an A1 range (``B2`` or ``B2:D9``) of ``sheet``."""
    first, _, last = ref.partition(":")
    r1, c1 = split_ref(first)
    r2, c2 = split_ref(last or first)
    return Area(sheet, r1, c1, r2, c2)


def names_of(package: Package, sheets: dict[str, Sheet]) -> Names:
    """The workbook's Tables and the defined names that name a range."""
    names = Names(sheets={n.upper(): n for n in sheets})
    for t in package.tables():
        a = area_of(t["sheet"], t["ref"])
        names.tables[t["name"].upper()] = Table(
            t["name"],
            t["sheet"],
            a.top,
            a.left,
            a.bottom,
            a.right,
            tuple(t["columns"]),
            t["header_row"],
            t["totals_row"],
        )
    order = list(sheets)
    for name, (text, local) in package.defined_names().items():
        if name.startswith("_xlnm."):
            continue
        sheet = order[local] if local is not None and local < len(order) else order[0]
        try:
            names.defined[name.upper()] = resolve(text.strip(), sheet, names)
        except WorkbookError:
            continue  # a name for a constant or a formula: the engine evaluates it
    return names


def inventory(sheets: dict[str, Sheet], names: Names) -> list[Formula]:
    """Every formula of the workbook, in sheet order, what it reads resolved."""
    out: list[Formula] = []
    masters: dict[tuple[str, str], tuple[int, int, str]] = {}
    for name, sheet in sheets.items():
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
            references = tuple(reference_texts(text))
            out.append(
                Formula(
                    name,
                    cell.row,
                    cell.col,
                    text,
                    cell.array_ref,
                    cell.dynamic,
                    clv_call(text) if "CLV_" in text.upper() else None,
                    resolved(references, name, cell.row, names),
                    references,
                )
            )
    return out


def resolved(references: Iterable[str], sheet: str, row: int, names: Names) -> list[Area]:
    """The areas the references of a formula in ``sheet``'s ``row`` name (those that
    resolve), spill references as their anchors."""
    out = []
    for ref in references:
        try:
            out.append(resolve(ref, sheet, names, row))
        except WorkbookError:
            continue
    return out


__all__ = ["Formula", "Key", "area_of", "inventory", "names_of", "resolved"]
