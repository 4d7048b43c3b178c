"""A1 addresses: column letters and numbers, a cell's reference, the cells of a range."""

from __future__ import annotations

import re
from functools import lru_cache

from clv_xl.workbooks.xml_reader import WorkbookError

_REF = re.compile(r"^([A-Z]+)([0-9]+)$")


def col_number(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


@lru_cache(maxsize=16_384)
def col_letters(n: int) -> str:
    """A column's letters (28 -> "AB"), each worked out once (a sheet has at most 16,384)."""
    out = ""
    while n:
        n, rem = divmod(n - 1, 26)
        out = chr(65 + rem) + out
    return out


def split_ref(ref: str) -> tuple[int, int]:
    """(row, column) of ``A1`` or ``$A$1``."""
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
