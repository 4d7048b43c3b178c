"""``clv-xl doctor`` (and ``python install.py --check``): is clv_xl working on this machine?

One line per check, ``OK`` or ``TODO`` with what to do. Where Excel runs (Windows, macOS) the
doctor goes through the door users use: it opens a scratch workbook in Excel through xlwings,
types a few CLV_ formulas (a value, a headroom, a spilled fit on a tiny log), recalculates, reads
the results back with errors as text, compares them with the core's answers, and closes the
scratch workbook without saving (and quits Excel only if it started it). On Linux it says what
it cannot check there and checks the headless refresh instead.

Excel is reached only through ``connect``, which returns an xlwings ``App`` (or, in the tests, a
stand-in that behaves like one) and whether the doctor started it.
"""

from __future__ import annotations

import math
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from clv_xl.errors import first_line

PINNED_XLWINGS = "0.37.8"

LITE_ROUTE = (
    "to use the CLV_ functions live where classic xlwings cannot run them (Excel for Mac, Excel "
    "on the web, a PC without Python or macros), use the free xlwings Lite add-in: run "
    "`clv-xl lite FOLDER` and paste the two files it writes into xlwings Lite's tabs (README, "
    '"Excel on a Mac, on the web, or without Python")'
)
"""Where the desktop add-in cannot compute: install, doctor and the Refresh button say so."""

# A tiny transaction log: customer, week of purchase (as a date), amount.
LOG = [
    ("a", "1997-01-01", 10), ("a", "1997-02-01", 12), ("a", "1997-03-15", 9),
    ("b", "1997-01-05", 20), ("c", "1997-01-10", 7), ("c", "1997-05-01", 8),
    ("d", "1997-02-01", 30), ("d", "1997-02-20", 25), ("d", "1997-04-02", 28),
    ("d", "1997-06-01", 30), ("e", "1997-03-01", 5), ("f", "1997-03-03", 15),
    ("f", "1997-06-20", 14),
]  # fmt: skip
# Cell -> formula of the scalar checks, typed into the scratch sheet and read back.
SCALARS = {"A1": "=CLV_VALUE(14,2)", "A2": "=CLV_HEADROOM(500,50)"}
CUSTOMERS = len({c for c, _, _ in LOG})


@dataclass
class Check:
    ok: bool
    text: str

    def line(self) -> str:
        return f"  {'OK  ' if self.ok else 'TODO'}  {self.text}"


def python_checks() -> list[Check]:
    checks = [Check(sys.version_info >= (3, 11), f"Python {sys.version.split()[0]} (3.11+ needed)")]
    try:
        import xlwings

        ok = xlwings.__version__ == PINNED_XLWINGS
        fix = "" if ok else f": the add-in needs {PINNED_XLWINGS}; run `python install.py`"
        checks.append(Check(ok, f"xlwings {xlwings.__version__}{fix}"))
    except ImportError:
        checks.append(Check(False, "xlwings is not installed: run `python install.py`"))
    return checks


def expected_answers() -> dict[str, Any]:
    """What the scratch workbook must show: computed by the core, not by Excel."""
    from clv_xl.core import everyday
    from clv_xl.data import summarize, to_dates
    from clv_xl.models import BGNBD

    summary = summarize(
        [c for c, _, _ in LOG], to_dates([d for _, d, _ in LOG]), [float(a) for _, _, a in LOG]
    )
    cols = [summary[k].to_numpy(float) for k in ("frequency", "recency", "T")]
    fit = BGNBD().fit(*cols)
    return {
        "A1": float(everyday.value(14, 2)),
        "A2": float(everyday.headroom(500, 50)),
        "log_likelihood": fit.log_likelihood_,
        "customers": float(len(summary)),
    }


def excel_checks(connect: Callable[[], tuple[Any, bool]]) -> list[Check]:
    """Type CLV_ formulas into a scratch workbook in Excel and compare with the core."""
    try:
        app, started = connect()
    except Exception as exc:  # Excel missing, or xlwings cannot drive it
        first = first_line(exc, 1000) or type(exc).__name__
        return [
            Check(
                False,
                f"Excel could not be started through xlwings ({first}): install "
                "Excel, start it once by hand, then run `clv-xl doctor` again",
            )
        ]
    checks = [Check(True, f"Excel {getattr(app, 'version', '')} started through xlwings".strip())]
    book = None
    try:
        book = app.books.add()
        sheet = book.sheets[0]
        n = len(LOG)
        for cell, formula in SCALARS.items():
            sheet.range(cell).formula2 = formula
        sheet.range("B1").value = [[c, d, a] for c, d, a in LOG]
        sheet.range("E1").formula2 = f"=CLV_SUMMARY(B1:B{n},C1:C{n},D1:D{n})"
        last = CUSTOMERS + 1
        sheet.range("P1").formula2 = f'=CLV_FIT("BG/NBD",F2:F{last},G2:G{last},H2:H{last})'
        app.calculate()
        checks += _compare(sheet, expected_answers())
    except Exception as exc:
        checks.append(Check(False, f"the scratch workbook failed in Excel: {exc}"))
    finally:
        if book is not None:
            book.close()  # never saved
        if started:
            app.quit()
    return checks


def _compare(sheet: Any, expected: dict[str, Any]) -> list[Check]:
    checks = [
        _one(formula, sheet.range(cell).options(err_to_str=True).value, expected[cell])
        for cell, formula in SCALARS.items()
    ]
    fit = sheet.range("P1:Q20").options(err_to_str=True).value
    table = {row[0]: row[1] for row in fit or [] if isinstance(row, list | tuple) and row}
    first = fit[0][0] if fit and isinstance(fit[0], list | tuple) else fit
    if "log_likelihood" not in table:
        checks.append(_one("=CLV_FIT(...) spilled from =CLV_SUMMARY(...)", first, "a table"))
    else:
        close = all(
            isinstance(table.get(k), int | float)
            and math.isclose(table[k], expected[k], rel_tol=1e-6)
            for k in ("log_likelihood", "customers")
        )
        checks.append(
            Check(
                close,
                "=CLV_SUMMARY and =CLV_FIT spill the core's fit"
                if close
                else f"=CLV_FIT gave log-likelihood {table.get('log_likelihood')}, the core "
                f"{expected['log_likelihood']:.6g}: "
                "report this with `clv-xl doctor` output",
            )
        )
    return checks


def _one(formula: str, shown: Any, expected: Any) -> Check:
    if isinstance(shown, int | float) and isinstance(expected, float):
        ok = math.isclose(shown, expected, rel_tol=1e-9)
        return Check(ok, f"{formula} = {shown:g}" + ("" if ok else f", expected {expected:g}"))
    fixes = {
        "#NAME?": "the CLV_ functions are not in the add-in: run `python install.py` and allow "
        "the one-time VBA trust change, then restart Excel",
        "#VALUE!": "Excel could not run Python: check the interpreter on the add-in's config "
        "sheet (xlwings.conf) and run `python install.py` again",
        "#SPILL!": "the scratch sheet blocked a spill (should not happen): report it",
        None: "no value came back: is the add-in loaded (File > Options > Add-ins)?",
    }
    if isinstance(shown, str) and shown.startswith("CLV_"):
        fix = "the function answered with a message instead of a number: report it"
    elif isinstance(shown, str) and shown in fixes:
        fix = fixes[shown]
    else:
        fix = fixes[None]
    return Check(False, f"{formula} shows {shown!r}: {fix}")


def headless_checks() -> list[Check]:
    """Linux (or no Excel): the formula engine computes a scratch workbook instead."""
    try:
        import xlsxwriter

        from clv_xl.workbooks.refresh import refresh

        with tempfile.TemporaryDirectory() as folder:
            book = Path(folder) / "doctor.xlsx"
            workbook = xlsxwriter.Workbook(str(book))
            ws = workbook.add_worksheet("Doctor")
            ws.write_dynamic_array_formula("A1:A1", SCALARS["A1"])
            workbook.close()
            report = refresh(book)
            import openpyxl

            value = openpyxl.load_workbook(book, data_only=True)["Doctor"]["A1"].value
        return [
            Check(
                value == 28 and not report.errors,
                f"headless refresh (`clv-xl refresh`): {SCALARS['A1']} = {value}",
            )
        ]
    except Exception as exc:
        return [Check(False, f"headless refresh failed: {exc}; run `python install.py`")]


def default_connect() -> tuple[Any, bool]:
    import xlwings as xw

    if xw.apps.count:
        return xw.apps.active, False
    return xw.App(visible=False, add_book=False), True


def run(
    platform: str = sys.platform, connect: Callable[[], tuple[Any, bool]] | None = None
) -> list[Check]:
    checks = python_checks()
    if platform.startswith("win") or platform == "darwin":
        checks += excel_checks(connect or default_connect)
        if platform == "darwin":
            checks.append(Check(True, f"Excel for Mac: {LITE_ROUTE}"))
    else:
        checks.append(
            Check(
                True,
                f"{platform}: no Excel here, so the CLV_ formulas, the ribbon "
                "and the add-in cannot be checked; run `clv-xl doctor` on the Windows "
                "or Mac machine with Excel",
            )
        )
        checks.append(Check(True, f"Excel on the web or a Mac: {LITE_ROUTE}"))
        checks += headless_checks()
    return checks


def main(
    platform: str = sys.platform, connect: Callable[[], tuple[Any, bool]] | None = None
) -> int:
    checks = run(platform, connect)
    for check in checks:
        print(check.line())
    return 0 if all(c.ok for c in checks) else 1
