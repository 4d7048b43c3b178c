"""Build the template workbooks: write each with xlsxwriter, then compute its values.

``python -m clv_xl.workbooks.templates.build [FOLDER]`` (or ``clv-xl build-templates [FOLDER]``)
rebuilds them all into FOLDER, by default ``workbook_templates/`` in the current folder (in a
checkout: the checkout's), and says where before it writes. The values every formula cell carries come from the
headless refresh (the ``formulas`` engine with the CLV_ functions), so each workbook shows its
numbers in any viewer and in Excel before the add-in loads.
"""

from __future__ import annotations

import re
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from clv_xl.workbooks.refresh import Report, refresh
from clv_xl.workbooks.templates import (
    acquisition_budget,
    customer_base,
    dry_cleaner,
    subscription_retention,
)
from clv_xl.workbooks.xlsx import Package

TEMPLATES: dict[str, Callable[[str], None]] = {
    "dry_cleaner.xlsx": dry_cleaner.build,
    "acquisition_budget.xlsx": acquisition_budget.build,
    "customer_base.xlsx": customer_base.build,
    "subscription_retention.xlsx": subscription_retention.build,
}

DEFAULT_FOLDER = Path("workbook_templates")
"""Relative to the current folder: run in a checkout, the checkout's templates."""


CALC_PR = re.compile(rb"<calcPr\b[^>]*/>")
CURRENT_CALC = b'<calcPr calcId="191029"/>'
"""Excel 365's calculation engine id, without fullCalcOnLoad: Excel opens the workbook with its
stored values instead of recalculating everything (which, before the add-in loads, would turn
every CLV_ cell into #NAME?). The add-in's Refresh button recalculates on demand."""


def keep_values_on_open(path: Path) -> None:
    package = Package(path)
    try:
        book = package.read("xl/workbook.xml")
        fixed = CALC_PR.sub(CURRENT_CALC, book, count=1)
        package.save(path, {"xl/workbook.xml": fixed})
    finally:
        package.close()


def build_one(name: str, folder: Path) -> Report:
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        draft = Path(scratch) / name
        TEMPLATES[name](str(draft))
        keep_values_on_open(draft)
        return refresh(draft, folder / name)


def build_all(folder: Path = DEFAULT_FOLDER) -> list[Report]:
    return [build_one(name, folder) for name in TEMPLATES]


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    quiet = "--quiet" in args or "-q" in args
    if any(a in ("-h", "--help") for a in args):
        print(
            "usage: python -m clv_xl.workbooks.templates.build [FOLDER] [-q]\n"
            f"Build the {len(TEMPLATES)} template workbooks into FOLDER (default: "
            f"{DEFAULT_FOLDER}/ in the current folder) and refresh them."
        )
        return 0
    names = [a for a in args if not a.startswith("-")]
    folder = Path(names[0]) if names else DEFAULT_FOLDER
    if not quiet:
        print(f"building {len(TEMPLATES)} templates into {folder.resolve()}")
    failed = False
    for report in build_all(folder):
        if not quiet:
            print("\n".join(report.lines()))
        failed |= bool(report.errors)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
