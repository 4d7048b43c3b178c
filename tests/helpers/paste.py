"""Pasting rows into a workbook's Table as Excel does: the cells written (dates as date cells,
formatted as the column is), the Table's range extended to the last row pasted."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

from clv_xl.workbooks.addresses import cell_ref, col_letters, split_ref
from clv_xl.workbooks.xlsx import Package

EPOCH = dt.datetime(1899, 12, 30)


def paste_into_table(book: Path, table: str, rows: list[list[Any]]) -> None:
    """Replace the data rows of ``table`` by ``rows`` (the header kept) and size it to them."""
    package = Package(book)
    try:
        found = next(t for t in package.tables() if t["name"] == table)
        sheet = package.sheet(found["sheet"])
        top_left, _, bottom_right = found["ref"].partition(":")
        top, left = split_ref(top_left)
        old_bottom, right = split_ref(bottom_right)
        for i, row in enumerate(rows, start=top + 1):
            for j, value in enumerate(row):
                if isinstance(value, dt.datetime):
                    value = (value - EPOCH).days
                sheet.set_value(i, left + j, value)
        last = top + len(rows)
        for r in range(last + 1, old_bottom + 1):  # a shorter paste: the old rows cleared
            for c in range(left, right + 1):
                sheet.set_value(r, c, None)
        ref = f"{cell_ref(top, left)}:{col_letters(right)}{last}"
        xml = package.read(found["part"]).decode()
        xml = re.sub(r'(<table\b[^>]*\bref=")[^"]*"', rf'\g<1>{ref}"', xml, count=1)
        xml = re.sub(r'(<autoFilter\b[^>]*\bref=")[^"]*"', rf'\g<1>{ref}"', xml, count=1)
        sheet.before = re.sub(r'<dimension ref="[^"]*"/>', f'<dimension ref="A1:{col_letters(max(right, 6))}{last}"/>',
                              sheet.before)  # fmt: skip
        replace = {sheet.part: sheet.xml().encode(), found["part"]: xml.encode()}
        package.save(book, replace)
    finally:
        package.close()
