"""clv_xl in xlwings Lite (Excel on Windows, Mac and the web, no Python installed).

xlwings Lite keeps a workbook's Python in two tabs, ``main.py`` and ``requirements.txt``.
:func:`write_lite_files` writes both for ``clv-xl lite FOLDER``:

- ``requirements.txt`` names clv_xl at this version (PyPI and micropip find the distribution
  ``clv_xl`` also as ``clv-xl``; a private index or a wheel hosted elsewhere is given as the
  requirement line) and xlwings at the desktop add-in's pin. Pyodide's own packages (numpy,
  scipy, pandas) are not pinned: their versions are Pyodide's.
- ``main.py`` imports every CLV_ function (xlwings Lite registers the functions it finds in
  main.py, with their descriptions and each argument's help), sets the workbook's date system
  (Office.js hands a function dates as serial numbers and does not say which system the
  workbook counts in), and defines the ``clv_refresh`` script.

:func:`refresh_book` is that script's work, the desktop Refresh button's steps (see
:mod:`clv_xl.addin.ribbon`) through xlwings Lite's asynchronous calls: read each sheet's formulas,
re-enter the CLV formulas (which binds them to the functions just registered: a workbook saved
before shows ``#NAME?`` until then), recalculate, read the values again and report each error
cell, printed in Lite's output pane.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from clv_xl import __version__
from clv_xl.addin.doctor import PINNED_XLWINGS
from clv_xl.addin.ribbon import RibbonReport, errors_in, grid, reenter
from clv_xl.excel.convert import checked_date_system
from clv_xl.files import write_atomically
from clv_xl.models.cache import clear_cache

XLWINGS_PIN = f"xlwings=={PINNED_XLWINGS}"
"""The xlwings release the desktop add-in is built with (pyproject.toml pins the same)."""


def requirement_line(requirement: str | None = None) -> str:
    """clv_xl as requirements.txt names it: this version from PyPI, or the line given."""
    return requirement.strip() if requirement else f"clv_xl=={__version__}"


def requirements_txt(requirement: str | None = None) -> str:
    return (
        "# clv_xl for xlwings Lite: paste into the requirements.txt tab, then restart xlwings "
        "Lite.\n# numpy, scipy and pandas come with Pyodide (their versions are Pyodide's).\n"
        f"{requirement_line(requirement)}\n{XLWINGS_PIN}\n"
    )


def main_py(date_system: int = 1900) -> str:
    date_system = checked_date_system(date_system)
    return f'''"""clv_xl {__version__} in xlwings Lite: every CLV_ function, and the clv_refresh script.

Written by `clv-xl lite`. Paste into xlwings Lite's main.py tab (requirements.txt goes into its
own tab), then restart xlwings Lite: type =CLV_VALUE(14, 2) in a cell to check (28).
"""

import xlwings as xw
from xlwings import script

from clv_xl.addin.lite import refresh_book
from clv_xl.excel.convert import set_date_system
from clv_xl.excel.udfs import *  # noqa: F403  every CLV_ function, registered from here

# The workbook's date system: 1900 (Excel's default) or 1904 (Excel > Options > Advanced >
# "Use 1904 date system", common in older Mac workbooks). Custom functions receive dates as
# serial numbers, and the same number is a different day in the two systems.
set_date_system({date_system})


@script
async def clv_refresh(book: xw.BookAsync):
    """Recalculate every CLV_ formula of this workbook and list the cells in error."""
    report = await refresh_book(book)
    print(report.text())
'''


def write_lite_files(
    folder: Path, requirement: str | None = None, date_system: int = 1900
) -> list[Path]:
    """Write main.py and requirements.txt into ``folder`` (created if missing)."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in (
        ("main.py", main_py(date_system)),
        ("requirements.txt", requirements_txt(requirement)),
    ):
        target = folder / name
        write_atomically(target, _text_writer(text))
        written.append(target)
    return written


def _text_writer(text: str) -> Callable[[Path], object]:
    return lambda tmp: tmp.write_text(text, encoding="utf-8")


async def refresh_book(book: Any) -> RibbonReport:
    """The desktop Refresh's steps in xlwings Lite (the module's docstring)."""
    started = time.perf_counter()
    clear_cache()
    report = RibbonReport()
    sheets = list(book.sheets)
    for sheet in sheets:
        used = sheet.used_range
        formulas = grid(await used.get_formula())
        reenter(sheet, (used.row, used.column), formulas, report, "formula")
    book.app.calculate()
    await book.flush()
    for sheet in sheets:
        used = sheet.used_range
        values = grid(await used.get_value())
        report.errors.extend(errors_in(sheet.name, (used.row, used.column), values))
    report.seconds = time.perf_counter() - started
    return report
