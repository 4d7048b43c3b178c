"""What every template shares: one look, one way to lay out inputs, calculations and outputs.

Financial-modelling conventions (FAST standard, ICAEW's principles): a cover sheet; inputs,
calculations and outputs kept apart and flowing top to bottom; one visible style for inputs
(blue on light yellow, unlocked, with a unit, data validation and a prompt); key inputs named;
number formats for money, rates and counts; a checks area feeding one master check on the cover.
Formulas are typed as a user would type them, so replacing an input changes the answers.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import xlsxwriter
from xlsxwriter.worksheet import Worksheet

FIXED_DATE = dt.datetime(2026, 1, 1)  # document properties fixed: rebuilding gives the same file

NAVY = "#1F3864"
INPUT_FILL = "#FFF2CC"
INPUT_FONT = "#0000FF"
OUTPUT_FILL = "#E2EFDA"
CHECK_OK = "#C6EFCE"
CHECK_BAD = "#FFC7CE"
GREY = "#595959"

NUMBER_FORMATS = {
    "money": "$#,##0.00;[Red]-$#,##0.00",
    "money0": "$#,##0;[Red]-$#,##0",
    "rate": "0.0%",
    "count": "#,##0",
    "number": "#,##0.00",
    "decimal": "0.000",
    "date": "yyyy-mm-dd",
    "text": "@",
    "general": "General",
    "flag": '"TRUE";"TRUE";"FALSE"',
}

VALIDATION = {
    "rate": {
        "validate": "decimal",
        "criteria": "between",
        "minimum": 0,
        "maximum": 1,
        "error_message": "Enter a rate from 0% to 100% (80% or 0.8).",
    },
    "count": {
        "validate": "decimal",
        "criteria": ">=",
        "value": 0,
        "error_message": "Enter a number of 0 or more.",
    },
    "money": {
        "validate": "decimal",
        "criteria": ">=",
        "value": 0,
        "error_message": "Enter an amount of 0 or more.",
    },
    "date": {
        "validate": "date",
        "criteria": ">=",
        "value": dt.date(1900, 1, 1),
        "error_message": "Enter a date.",
    },
}


@dataclass
class Check:
    sheet: str
    cell: str
    text: str


@dataclass
class Template:
    """A template workbook being written (xlsxwriter), with the shared formats."""

    path: str
    title: str
    subtitle: str
    checks: list[Check] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.book = xlsxwriter.Workbook(self.path)
        self.book.set_properties(
            {
                "title": self.title,
                "subject": self.subtitle,
                "author": "clv_xl",
                "company": "clv_xl",
                "created": FIXED_DATE,
                "comments": "Built by clv_xl",
            }
        )
        self.book.set_calc_mode("auto")
        self.formats: dict[str, Any] = {}
        self._cover: Worksheet | None = None
        self._cover_check_cell = ""

    # formats ------------------------------------------------------------------------------
    def fmt(self, role: str, kind: str = "general", **extra: Any) -> Any:
        key = f"{role}:{kind}:{sorted(extra.items())}"
        if key not in self.formats:
            spec: dict[str, Any] = {
                "num_format": NUMBER_FORMATS[kind],
                "font_name": "Calibri",
                "font_size": 11,
                "valign": "vcenter",
            }
            spec.update(
                {
                    "input": {
                        "bg_color": INPUT_FILL,
                        "font_color": INPUT_FONT,
                        "locked": False,
                        "border": 1,
                        "border_color": "#BFBFBF",
                    },
                    "calc": {},
                    "output": {
                        "bold": True,
                        "bg_color": OUTPUT_FILL,
                        "border": 1,
                        "border_color": "#A9D08E",
                    },
                    "header": {
                        "bold": True,
                        "font_color": "white",
                        "bg_color": NAVY,
                        "text_wrap": True,
                    },
                    "title": {"bold": True, "font_size": 18, "font_color": NAVY},
                    "subtitle": {"italic": True, "font_color": GREY, "font_size": 11},
                    "section": {
                        "bold": True,
                        "font_size": 12,
                        "font_color": NAVY,
                        "bottom": 2,
                        "bottom_color": NAVY,
                    },
                    "label": {},
                    "unit": {"font_color": GREY, "italic": True},
                    "note": {
                        "font_color": GREY,
                        "italic": True,
                        "text_wrap": True,
                        "valign": "top",
                    },
                    "check": {"bold": True, "align": "center", "border": 1},
                    "wrap": {"text_wrap": True, "valign": "top"},
                    "link": {"font_color": "#0563C1", "underline": 1, "valign": "top"},
                }[role]
            )
            spec.update(extra)
            self.formats[key] = self.book.add_format(spec)
        return self.formats[key]

    # sheets -------------------------------------------------------------------------------
    def sheet(
        self,
        name: str,
        widths: list[float] | dict[str, float],
        *,
        landscape: bool = False,
        freeze: tuple[int, int] | None = None,
        tab: str | None = None,
    ) -> Worksheet:
        ws = self.book.add_worksheet(name)
        if isinstance(widths, list):  # one width a column from A
            widths = {_col(i): width for i, width in enumerate(widths)}
        for cols, width in widths.items():
            ws.set_column(f"{cols}:{cols}" if ":" not in cols else cols, width)
        ws.hide_gridlines(2)
        ws.set_paper(9)  # A4
        ws.fit_to_pages(1, 0)
        if landscape:
            ws.set_landscape()
        ws.set_margins(0.5, 0.5, 0.6, 0.6)
        ws.set_footer(f"&L{self.title}&C&A&RPage &P of &N")
        if freeze:
            ws.freeze_panes(*freeze)
            if freeze[0] > 0:
                ws.repeat_rows(0, freeze[0] - 1)  # headers on every printed page
        if tab:
            ws.set_tab_color(tab)
        return ws

    def heading(self, ws: Worksheet, title: str, subtitle: str = "") -> None:
        ws.set_row(0, 30)
        ws.write("B1", title, self.fmt("title"))
        if subtitle:
            ws.write("B2", subtitle, self.fmt("subtitle"))

    def section(self, ws: Worksheet, cell: str, text: str, width: int = 4) -> None:
        row, col = _rc(cell)
        ws.write(row, col, text, self.fmt("section"))
        for c in range(col + 1, col + width):
            ws.write_blank(row, c, None, self.fmt("section"))

    def header_row(self, ws: Worksheet, cell: str, names: list[str]) -> None:
        row, col = _rc(cell)
        ws.set_row(row, 46)
        for i, name in enumerate(names):
            ws.write(row, col + i, name, self.fmt("header"))

    def notes(self, ws: Worksheet, cell: str, lines: list[str]) -> None:
        """Lines of explanation, one per row down from ``cell``, unwrapped."""
        row, col = _rc(cell)
        for i, text in enumerate(lines):
            ws.write(row + i, col, text, self.fmt("note", text_wrap=False))

    def label(self, ws: Worksheet, cell: str, text: str, unit: str = "", note: str = "") -> None:
        row, col = _rc(cell)
        ws.write(row, col, text, self.fmt("label"))
        if unit:
            ws.write(row, col + 2, unit, self.fmt("unit"))
        if note:
            ws.write(row, col + 3, note, self.fmt("note", text_wrap=False))

    def input(
        self,
        ws: Worksheet,
        cell: str,
        value: Any,
        kind: str = "number",
        *,
        name: str | None = None,
        prompt: str = "",
        rule: dict[str, Any] | None = None,
    ) -> None:
        row, col = _rc(cell)
        fmt = self.fmt("input", kind)
        if isinstance(value, dt.datetime | dt.date):
            ws.write_datetime(row, col, _as_datetime(value), fmt)
        else:
            ws.write(row, col, value, fmt)
        rule = dict(rule or VALIDATION.get(_validation_kind(kind), {}))
        if rule or prompt:
            rule = rule or {"validate": "any"}
            if prompt:
                rule.update({"input_title": "Input", "input_message": prompt[:255]})
            ws.data_validation(row, col, row, col, rule)
        if name:
            sheet = ws.get_name()
            self.book.define_name(name, f"='{sheet}'!${_col(col)}${row + 1}")

    def formula(
        self, ws: Worksheet, cell: str, formula: str, kind: str = "number", role: str = "calc"
    ) -> None:
        """One cell. A formula that calls a CLV_ function is stored as a dynamic-array formula
        even when its answer is one value, or Excel 365 would show it as ``=@CLV_...``."""
        row, col = _rc(cell)
        if "CLV_" in formula.upper():
            ws.write_dynamic_array_formula(row, col, row, col, formula, self.fmt(role, kind), 0)
        else:
            ws.write_formula(row, col, formula, self.fmt(role, kind), 0)

    def spill(
        self,
        ws: Worksheet,
        ref: str,
        formula: str,
        kind: str = "number",
        role: str = "calc",
        columns: list[str] | None = None,
        header: bool = False,
    ) -> None:
        """A dynamic-array formula: spills in Excel 365, never opened with an implicit '@'.
        ``columns`` gives a number format per column of the result (default: ``kind``);
        ``header``: the result's first row is its column names, styled as the house's headers."""
        first, _, last = ref.partition(":")
        (r1, c1), (r2, c2) = _rc(first), _rc(last or first)
        kinds = columns or [kind] * (c2 - c1 + 1)

        def style(r: int, c: int) -> Any:
            return self.fmt("header") if header and r == r1 else self.fmt(role, kinds[c - c1])

        ws.write_dynamic_array_formula(ref, formula, style(r1, c1), 0)
        for r in range(r1, r2 + 1):  # spill cells styled (values come from the refresh)
            for c in range(c1, c2 + 1):
                if (r, c) != (r1, c1):
                    ws.write_blank(r, c, None, style(r, c))

    def outputs_where_filled(self, ws: Worksheet, ref: str, kind: str) -> None:
        """The cells of ``ref`` shaded as outputs where they hold a value: an output column
        that a spill grows down (or a table right) looks the same on the rows the data adds
        as on the example's, and an empty cell shows no box."""
        ws.conditional_format(ref, {"type": "no_blanks", "format": self.fmt("output", kind)})

    def column_formats(self, ws: Worksheet, first: str, formats: list[tuple[str, float]]) -> None:
        """Calculation formats and widths of the columns from ``first`` on, one (kind, width)
        each: the rows a list grows into take them."""
        start = _rc(f"{first}1")[1]
        for i, (kind, width) in enumerate(formats):
            col = _col(start + i)
            ws.set_column(f"{col}:{col}", width, self.fmt("calc", kind))

    def table(
        self,
        ws: Worksheet,
        area: tuple[int, int, int, int],
        name: str,
        headers: list[str],
        styled: bool = True,
    ) -> None:
        """An Excel Table over ``area`` (first row, first column, last row, last column), with
        the house's header style unless ``styled`` is False; no filter buttons."""
        fmt = {"header_format": self.fmt("header")} if styled else {}
        columns = [{"header": h, **fmt} for h in headers]
        options = {"name": name, "style": "Table Style Light 1", "autofilter": False}
        ws.add_table(*area, {**options, "columns": columns})

    def fit_table(self, ws: Worksheet, ref: str, formula: str, params: int) -> None:
        """A parameter table CLV_FIT spills (params_table's layout): estimates to 3 decimals,
        the customer count as a whole number, converged as TRUE or FALSE."""
        self.spill(ws, ref, formula, "decimal", "output")
        first = ref.partition(":")[0]
        row, col = _rc(first)
        customers = row + 1 + 2 * params + 1  # model, estimates, se_, log_likelihood
        ws.write_blank(customers, col + 1, None, self.fmt("output", "count"))
        ws.write_blank(customers + 1, col + 1, None, self.fmt("output", "flag"))

    def check(
        self, ws: Worksheet, cell: str, condition: str, text: str, label_from: str | None = None
    ) -> None:
        """A check cell showing OK or CHECK; all feed the master check on the cover.
        The label sits in the cell to the left, or across ``label_from`` up to it."""
        row, col = _rc(cell)
        if label_from:
            first_row, first_col = _rc(label_from)
            ws.merge_range(first_row, first_col, row, col - 1, text, self.fmt("label"))
        else:
            ws.write(row, col - 1, text, self.fmt("label"))
        ws.write_formula(row, col, f'=IF({condition},"OK","CHECK")', self.fmt("check"), "OK")
        self._colour_check(ws, f"{_col(col)}{row + 1}")
        self.checks.append(Check(ws.get_name(), f"${_col(col)}${row + 1}", text))

    # cover --------------------------------------------------------------------------------
    def cover(
        self, purpose: str, how_to: list[str], sheets: list[tuple[str, str]], sources: list[str]
    ) -> Worksheet:
        ws = self.sheet("Cover", [2, 26, 80], tab=NAVY)
        self.heading(ws, self.title, self.subtitle)
        row = 3
        ws.write(row, 1, "Purpose", self.fmt("section"))
        ws.write(row, 2, purpose, self.fmt("wrap"))
        ws.set_row(row, 48)
        row += 2
        ws.write(row, 1, "How to use it", self.fmt("section"))
        for i, step in enumerate(how_to, 1):
            ws.write(row, 2, f"{i}. {step}", self.fmt("wrap"))
            ws.set_row(row, 15 * _lines(f"{i}. {step}"))  # wrapped text gets its own height
            row += 1
        row += 1
        ws.write(row, 1, "Sheets", self.fmt("section"))
        for name, text in sheets:
            ws.write_url(
                row,
                2,
                f"internal:'{name}'!A1",
                string=f"{name}: {text}",
                cell_format=self.fmt("link", text_wrap=True),
            )
            ws.set_row(row, 15 * _lines(f"{name}: {text}"))
            row += 1
        row += 1
        ws.write(row, 1, "Colour key", self.fmt("section"))
        for role, text in (
            ("input", "Input: type your own numbers here (unlocked)"),
            ("calc", "Calculation: a formula, leave it"),
            ("output", "Output: the answer"),
            ("check", "Check: OK when the workbook is consistent"),
        ):
            ws.write(row, 2, text, self.fmt(role))
            row += 1
        row += 1
        ws.write(row, 1, "Master check", self.fmt("section"))
        self._cover_check_cell = f"C{row + 1}"
        row += 2
        ws.write(row, 1, "Method and sources", self.fmt("section"))
        for line in sources:
            ws.write(row, 2, line, self.fmt("wrap"))
            ws.set_row(row, 15 * _lines(line))
            row += 1
        row += 1
        ws.write(row, 1, "Computed by", self.fmt("section"))
        ws.write(
            row,
            2,
            "clv_xl: CLV_ functions through the xlwings add-in; `clv-xl refresh` "
            "recomputes the workbook without Excel.",
            self.fmt("wrap"),
        )
        self._cover = ws
        return ws

    def close(self) -> None:
        if self._cover is not None and self.checks:
            conditions = ",".join(f"'{c.sheet}'!{c.cell}=\"OK\"" for c in self.checks)
            self.formula(
                self._cover,
                self._cover_check_cell,
                f'=IF(AND({conditions}),"OK","CHECK")',
                "general",
                "check",
            )
            self._colour_check(self._cover, self._cover_check_cell)
        self.book.close()

    def _colour_check(self, ws: Worksheet, cell: str) -> None:
        """Green when a check cell says OK, red when it says CHECK."""
        for text, colour in (("OK", CHECK_OK), ("CHECK", CHECK_BAD)):
            key = f"check colour:{text}"
            if key not in self.formats:
                self.formats[key] = self.book.add_format({"bg_color": colour})
            rule = {
                "type": "cell",
                "criteria": "==",
                "value": f'"{text}"',
                "format": self.formats[key],
            }
            ws.conditional_format(cell, rule)


def _validation_kind(kind: str) -> str:
    return {
        "money": "money",
        "money0": "money",
        "rate": "rate",
        "count": "count",
        "date": "date",
    }.get(kind, "")


def _as_datetime(value: dt.date) -> dt.datetime:
    return (
        value if isinstance(value, dt.datetime) else dt.datetime(value.year, value.month, value.day)
    )


def _col(col: int) -> str:
    from xlsxwriter.utility import xl_col_to_name

    return str(xl_col_to_name(col))


def _lines(text: str, width: int = 88) -> int:
    """Lines a text takes in the cover's 80-wide column (about 88 characters a line)."""
    return max(1, -(-len(text) // width))


def _rc(cell: str) -> tuple[int, int]:
    from xlsxwriter.utility import xl_cell_to_rowcol

    row, col = xl_cell_to_rowcol(cell)
    return int(row), int(col)
