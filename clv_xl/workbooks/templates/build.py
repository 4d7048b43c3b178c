"""Build the template workbooks: write each with xlsxwriter, then compute its values.

``python -m clv_xl.workbooks.templates.build [FOLDER]`` (or ``clv-xl build-templates``) rebuilds
them all into ``workbook_templates/``. The values every formula cell carries come from the
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

DEFAULT_FOLDER = Path(__file__).resolve().parents[3] / "workbook_templates"


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
    folder = Path(args[0]) if args else DEFAULT_FOLDER
    failed = False
    for report in build_all(folder):
        print("\n".join(report.lines()))
        failed |= bool(report.errors)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
