"""subscription_retention.xlsx: contractual cohorts, the sBG model, survival, DERL and value.

Data: Fader & Hardie (2007), "How to Project Customer Retention", the "regular" and "high end"
cohorts of 1,000 customers observed for 7 years.
"""

from __future__ import annotations

from typing import Any

from clv_xl.workbooks.templates import charts
from clv_xl.workbooks.templates.kit import Template

REGULAR = [1000, 631, 468, 382, 326, 289, 262, 241]
HIGH_END = [1000, 869, 743, 653, 593, 551, 517, 491]
# Fader & Hardie (2007), Table 1: survivors per 1,000 in years 8-12, not used in the fits
LATER = {"regular": [223, 207, 194, 183, 173], "high end": [468, 445, 427, 409, 394]}
YEARS = 12
RENEWALS = 6


def build(path: str) -> None:
    t = Template(
        path,
        "Subscription retention: project survival, value subscribers",
        "Fader & Hardie's sBG and BdW models on yearly cohorts",
    )
    t.cover(
        "Project how many subscribers of a cohort will still be with you in the years ahead, and "
        "what a subscriber is worth, from the numbers still active each year so far.",
        [
            "On 'Cohorts', type each cohort's customers still active at year 0, 1, 2, ... (blank after the last year observed).",
            "'Model' fits sBG (alpha, beta) and BdW (alpha, beta, c) to each cohort.",
            "'Projection' compares projected survival with the actual counts; 'sBG vs BdW' with the later years too.",
            "On 'Value', type the margin per renewal and a discount rate: DERL and value per subscriber follow.",
        ],
        [
            ("Cohorts", "active subscribers by year: the inputs"),
            ("Model", "fitted sBG and BdW parameters for each cohort"),
            ("Projection", "projected survival and retention vs actual"),
            ("sBG vs BdW", "both models fitted on years 0-7 against the actual years 8-12"),
            ("Value", "discounted expected residual lifetime (DERL) and value per subscriber"),
        ],
        [
            "Fader, P. S. & Hardie, B. G. S. (2007), How to Project Customer Retention, Journal of "
            "Interactive Marketing 21(1): regular alpha 0.704, beta 1.182; high end 0.668, 3.806.",
            "Fader & Hardie (2010), Customer-Base Valuation in a Contractual Setting, Marketing "
            "Science 29(1): DERL.",
            "Fader, Hardie, Liu, Davin & Steenburgh (2018), How to Project Customer Retention "
            "Revisited: The Role of Duration Dependence, Journal of Interactive Marketing 43: BdW.",
        ],
    )
    cohorts(t)
    model(t)
    projection(t)
    tenure(t)
    value(t)
    t.close()


def cohorts(t: Template) -> None:
    """The survivors are the Excel Table Survivors: a year typed below it joins it, and the fits
    read its columns (Survivors[Regular]), so a longer history needs no formula edited."""
    ws = t.sheet("Cohorts", [2, 12, 16, 16, 50], freeze=(5, 0))
    t.heading(ws, "Cohorts", "Customers still active at the start of each year")
    t.section(ws, "B4", "Inputs", 3)
    for col in "BCD":  # number formats for the years the table grows into
        ws.set_column(f"{col}:{col}", 12 if col == "B" else 16, t.fmt("calc", "count"))
    for i, (regular, high) in enumerate(zip(REGULAR, HIGH_END, strict=True)):
        row = 6 + i
        t.input(ws, f"B{row}", i, "count", prompt="Years since acquisition")
        t.input(ws, f"C{row}", regular, "count", prompt="Active subscribers")
        t.input(ws, f"D{row}", high, "count", prompt="Active subscribers")
    t.table(ws, (4, 1, 4 + len(REGULAR), 3), "Survivors", ["Year", "Regular", "High end"])
    ws.set_row(4, 46)
    ws.write("E6", "Year 0 is the cohort's size when acquired.", t.fmt("note", text_wrap=False))
    ws.write(
        "E7",
        "Type a later year right below the table: it grows, and the fits use it.",
        t.fmt("note", text_wrap=False),
    )


def model(t: Template) -> None:
    ws = t.sheet(
        "Model",
        [2, 16, 14, 4, 16, 14, 4, 16, 14, 4, 16, 14],
        landscape=True,
    )
    t.heading(
        ws,
        "Retention models",
        "Maximum likelihood fit of each cohort: sBG, and BdW "
        "(churn that changes with tenure: c < 1 falls, c > 1 rises)",
    )
    t.section(ws, "B4", "sBG: regular", 2)
    t.fit_table(ws, "B5:C14", "=CLV_FIT_RETENTION(Survivors[Regular])", 2)
    t.section(ws, "E4", "sBG: high end", 2)
    t.fit_table(ws, "E5:F14", "=CLV_FIT_RETENTION(Survivors[High end])", 2)
    t.section(ws, "H4", "BdW: regular", 2)
    t.fit_table(ws, "H5:I18", '=CLV_FIT_RETENTION(Survivors[Regular], "BdW")', 3)
    t.section(ws, "K4", "BdW: high end", 2)
    t.fit_table(ws, "K5:L18", '=CLV_FIT_RETENTION(Survivors[High end], "BdW")', 3)
    t.section(ws, "B21", "Checks", 5)
    t.check(
        ws,
        "E22",
        "AND(C12=TRUE,F12=TRUE,I14=TRUE,L14=TRUE)",
        "All four fits converged",
        label_from="B22",
    )


def _curve(t: Template, ws: Any, col: str, title: str, params: str, width: int) -> None:
    """A fit's projected survival and retention for YEARS years, under its title, from ``col``."""
    t.section(ws, f"{col}4", title, width)
    last = chr(ord(col) + 2)
    t.spill(
        ws,
        f"{col}5:{last}{5 + YEARS}",
        f"=CLV_RETENTION_CURVE({params}, {YEARS})",
        "decimal",
        columns=["count", "rate", "rate"],
    )


def projection(t: Template) -> None:
    ws = t.sheet(
        "Projection",
        [2, 8, 12, 12, 12, 4, 8, 12, 12, 12, 4, 22, 12, 10],
        landscape=True,
        freeze=(5, 0),
    )
    t.heading(ws, "Projected survival", "Share of the cohort still active after each year")
    _curve(t, ws, "B", "Regular: projected", "Model!B5:C12", 4)
    _curve(t, ws, "G", "High end: projected", "Model!E5:F12", 4)
    ws.write("E5", "actual", t.fmt("header"))
    ws.write("J5", "actual", t.fmt("header"))
    first, last = 6, 5 + YEARS
    t.spill(
        ws,
        f"E{first}:E{last}",
        f'=IF(Cohorts!C7:C{6 + YEARS}="","",Cohorts!C7:C{6 + YEARS}/Cohorts!C6)',
        "rate",
    )
    t.spill(
        ws,
        f"J{first}:J{last}",
        f'=IF(Cohorts!D7:D{6 + YEARS}="","",Cohorts!D7:D{6 + YEARS}/Cohorts!D6)',
        "rate",
    )
    x, seen = f"=Projection!$B${first}:$B${last}", f"=Projection!$B${first}:$B${first + 6}"
    series = [
        charts.line(
            "Regular: projected", x, f"=Projection!$C${first}:$C${last}", charts.BLUE, "dash"
        ),
        charts.line(
            "High end: projected", x, f"=Projection!$H${first}:$H${last}", charts.ORANGE, "dash"
        ),
        charts.dots("Regular: actual", seen, f"=Projection!$E${first}:$E${first + 6}", charts.BLUE),
        charts.dots(
            "High end: actual", seen, f"=Projection!$J${first}:$J${first + 6}", charts.ORANGE
        ),
    ]
    y_axis = {"num_format": "0%", "min": 0, "max": 1, "major_gridlines": charts.GRIDLINES}
    x_axis = {"name": "year", "min": 0, "max": YEARS}
    title = "Survival: projected (dashed) vs actual (dots)"
    charts.add_chart(
        t.book,
        ws,
        f"B{last + 3}",
        "scatter",
        series,
        title,
        (620, 340),
        x_axis=x_axis,
        y_axis=y_axis,
    )
    t.section(ws, "L4", "Checks", 3)
    t.check(ws, "M5", f"C{first}>=C{last}", "Projected survival falls")


def tenure(t: Template) -> None:
    ws = t.sheet(
        "sBG vs BdW",
        [2, 8, 11, 11, 11, 4, 8, 11, 11, 11, 4, 8, 13, 11, 11, 13, 11, 11],
        landscape=True,
        freeze=(5, 0),
    )
    t.heading(ws, "sBG vs BdW", "Both fitted on years 0-7; years 8-12 are what happened next")
    _curve(t, ws, "B", "BdW regular: projected", "Model!H5:I18", 3)
    _curve(t, ws, "G", "BdW high end: projected", "Model!K5:L18", 3)
    t.section(ws, "L4", "Survivors per 1,000", 7)
    t.header_row(
        ws, "L5", ["Year", "Regular: actual", "sBG", "BdW", "High end: actual", "sBG", "BdW"]
    )
    first, last = 6, 5 + YEARS
    for i in range(1, YEARS + 1):
        row = 5 + i
        ws.write_number(f"L{row}", i, t.fmt("label", "count"))
        for col, source, key in (("M", "C", "regular"), ("P", "D", "high end")):
            if i < len(REGULAR):
                ws.write_formula(
                    f"{col}{row}",
                    f"=1000*Cohorts!{source}{6 + i}/Cohorts!{source}6",
                    t.fmt("calc", "count"),
                )
            else:
                t.input(
                    ws,
                    f"{col}{row}",
                    LATER[key][i - len(REGULAR)],
                    "count",
                    prompt="Actual survivors per 1,000 (not used in the fits)",
                )
    t.spill(ws, f"N{first}:N{last}", f"=1000*Projection!C{first}:C{last}", "count")
    t.spill(ws, f"O{first}:O{last}", f"=1000*C{first}:C{last}", "count")
    t.spill(ws, f"Q{first}:Q{last}", f"=1000*Projection!H{first}:H{last}", "count")
    t.spill(ws, f"R{first}:R{last}", f"=1000*H{first}:H{last}", "count")
    ws.write(
        f"L{last + 2}",
        "Years 8-12 (yellow): Fader & Hardie (2007), Table 1, typed in; the "
        "fits use years 0-7 only.",
        t.fmt("note", text_wrap=False),
    )
    x = f"='sBG vs BdW'!$L${first}:$L${last}"

    def y(col: str) -> str:
        return f"='sBG vs BdW'!${col}${first}:${col}${last}"

    series = [
        charts.line("Regular: sBG", x, y("N"), charts.BLUE, "dash"),
        charts.line("Regular: BdW", x, y("O"), charts.BLUE),
        charts.line("High end: sBG", x, y("Q"), charts.ORANGE, "dash"),
        charts.line("High end: BdW", x, y("R"), charts.ORANGE),
        charts.dots("Regular: actual", x, y("M"), charts.BLUE),
        charts.dots("High end: actual", x, y("P"), charts.ORANGE),
    ]
    title = "Survivors per 1,000: sBG (dashed), BdW (solid), actual (dots)"
    y_axis = {"min": 100, "max": 900, "major_gridlines": charts.GRIDLINES}
    x_axis = {"name": "year", "min": 0, "max": YEARS}
    charts.add_chart(
        t.book,
        ws,
        f"B{last + 7}",
        "scatter",
        series,
        title,
        (720, 360),
        x_axis=x_axis,
        y_axis=y_axis,
    )
    t.section(ws, f"B{last + 3}", "Checks", 8)
    t.check(
        ws,
        f"I{last + 4}",
        f"ABS(O{last}-M{last})<=ABS(N{last}-M{last})+5",
        "BdW's year-12 projection is no worse than sBG's by more than 5 per 1,000",
        label_from=f"B{last + 4}",
    )


def value(t: Template) -> None:
    ws = t.sheet("Value", [2, 34, 14, 16, 16, 16, 16])
    t.heading(ws, "What a subscriber is worth", "Discounted expected residual lifetime (DERL)")
    t.section(ws, "B4", "Inputs", 4)
    t.label(ws, "B5", "Margin per renewal", "$ per year")
    t.input(
        ws,
        "C5",
        100,
        "money",
        name="MarginPerRenewal",
        prompt="Profit from one more year of a subscriber",
    )
    t.label(ws, "B6", "Discount rate", "per year")
    t.input(
        ws, "C6", 0.1, "rate", name="DiscountRate", prompt="Your cost of money per year, e.g. 10%"
    )
    t.section(ws, "B8", "Outputs, by renewals made so far", 6)
    t.header_row(
        ws,
        "B9",
        [
            "Renewals so far",
            "DERL regular (years)",
            "DERL high end (years)",
            "Value regular ($)",
            "Value high end ($)",
        ],
    )
    first, last = 10, 9 + RENEWALS + 1
    for i in range(RENEWALS + 1):
        ws.write_number(f"B{first + i}", i, t.fmt("calc", "count"))
    t.spill(
        ws,
        f"C{first}:C{last}",
        f"=CLV_DERL(Model!B5:C12, DiscountRate, B{first}:B{last})",
        "number",
    )
    t.spill(
        ws,
        f"D{first}:D{last}",
        f"=CLV_DERL(Model!E5:F12, DiscountRate, B{first}:B{last})",
        "number",
    )
    t.spill(
        ws,
        f"E{first}:E{last}",
        f"=CLV_VALUE(MarginPerRenewal, C{first}:C{last})",
        "money",
        "output",
    )
    t.spill(
        ws,
        f"F{first}:F{last}",
        f"=CLV_VALUE(MarginPerRenewal, D{first}:D{last})",
        "money",
        "output",
    )
    ws.write(
        f"B{last + 2}",
        "DERL counts the renewals still to come, each discounted; the value multiplies it by the margin per renewal.",
        t.fmt("note", text_wrap=False),
    )
    t.section(ws, f"B{last + 4}", "Checks", 4)
    t.check(
        ws,
        f"E{last + 5}",
        f"AND(C{first}<C{last},D{first}<D{last})",
        "Loyal subscribers are worth more (DERL rises with renewals)",
        label_from=f"B{last + 5}",
    )
    chart = t.book.add_chart({"type": "column"})
    for col, name, color in (("E", "Regular", "#2F5597"), ("F", "High end", "#C55A11")):
        chart.add_series(
            {
                "name": name,
                "categories": f"=Value!$B${first}:$B${last}",
                "values": f"=Value!${col}${first}:${col}${last}",
                "fill": {"color": color},
            }
        )
    chart.set_title({"name": "Value per subscriber by renewals made"})
    chart.set_x_axis({"name": "renewals so far"})
    chart.set_y_axis({"num_format": "$#,##0"})
    chart.set_legend({"position": "bottom"})
    chart.set_size({"width": 560, "height": 300})
    ws.insert_chart(f"B{last + 8}", chart)
