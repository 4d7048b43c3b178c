"""customer_base's analysis sheets: tiers (Segments), the holdout check, the model choice, the
tracking plot, cohorts and channels; and the names the workbook's formulas share (the Sales
Table's columns, the Summary and Model spills), which :mod:`customer_base` also uses."""

from __future__ import annotations

from xlsxwriter.utility import xl_range

from clv_xl.workbooks.templates import charts
from clv_xl.workbooks.templates.kit import Template

MAX_TIERS = 6
TRACKING_ROWS = 80  # weeks the tracking sheet has room for (calibration and holdout)
COHORT_COLUMNS = 60  # cohorts formatted ahead: five years of months
LOG, DATES, AMOUNTS = "Sales[Customer]", "Sales[Date]", "Sales[Amount]"
CHANNELS = "Sales[[#All],[Channel]]"
NO_CHANNEL = "COUNTA(Sales[Channel])=0"
"""The Channel column is optional: without it the Channels sheet says so instead of erring."""
SUMMARY = "Summary!$A$1#"
PARAMS, SPEND = "Model!$B$5#", "Model!$E$5#"


def cohorts(t: Template) -> None:
    ws = t.sheet(
        "Cohorts",
        [2, 16, 4, 16],
        landscape=True,
    )
    # a column per cohort, wide enough for its status: the first 12 (a year of months) laid
    # out cell by cell below, the rest of five years by their columns' format (cells laid out
    # there would widen the printed page to all of them)
    ws.set_column(4, 3 + COHORT_COLUMNS, 20, t.fmt("calc", "decimal"))
    t.heading(
        ws,
        "Cohorts and how sure the forecast is",
        "One model per month of first purchase; bounds from the fit's uncertainty",
    )
    # each customer's cohort: CLV_SUMMARY's cohort column (the month of the first purchase),
    # read in the formula itself rather than spilled down a helper column
    t.section(ws, "D4", "Fits per cohort (one column per month: as many as the data has)", 4)
    t.spill(
        ws,
        "D5:G16",
        f"=CLV_FIT_COHORTS(ModelName, DROP(CHOOSECOLS({SUMMARY},10),1), {SUMMARY})",
        "decimal",
        "output",
    )
    # each row's format (the customers row counts; the status row wrapped, so a long status,
    # "converged, but weak: ...", is read whole, not cut by the next cohort's), shaded as an
    # output only where a cohort is: the template's three cohorts look as the data's others
    ws.set_row(15, 135)  # 9 lines: a weak fit's status, 161 characters
    kinds = {4: "general", **dict.fromkeys(range(5, 13), "decimal"), 13: "count", 14: "decimal"}
    for r, kind in {**kinds, 15: "general"}.items():  # 15: the status
        wrap = {"text_wrap": True, "valign": "top"} if r == 15 else {}
        for c in range(4, 16):
            ws.write_blank(r, c, None, t.fmt("calc", kind, **wrap))
        t.outputs_where_filled(ws, xl_range(r, 4, r, 3 + COHORT_COLUMNS), kind)
    t.section(ws, "D19", "Expected purchases in the window: total", 4)
    t.header_row(ws, "E20", ["Estimate", "Lower 90%", "Upper 90%"])
    ws.write("D21", "All customers", t.fmt("label"))
    for col, k in (("E", 2), ("F", 3), ("G", 4)):  # the last row of Customers' interval table
        t.formula(
            ws, f"{col}21", f"=INDEX(Customers!$K$4#,ROWS(Customers!$K$4#),{k})", "number", "output"
        )
    notes = [
        "The bounds show how much the total could move because the model's parameters are",
        "estimated from a finite customer base (500 parameter draws, seeded). They do not",
        "include the chance in each customer's own purchases, nor a changing market.",
    ]
    t.notes(ws, "D23", notes)
    chart = t.book.add_chart({"type": "column"})
    chart.add_series(
        {
            "name": "r (shape of the purchase rates)",
            "categories": "=Cohorts!$E$5:$P$5",
            "values": "=Cohorts!$E$6:$P$6",
            "fill": {"color": "#2F5597"},
        }
    )
    line = t.book.add_chart({"type": "line"})
    line.add_series(
        {
            "name": "alpha (scale, right axis)",
            "categories": "=Cohorts!$E$5:$P$5",
            "values": "=Cohorts!$E$7:$P$7",
            "y2_axis": True,
            "line": {"color": "#C55A11", "width": 2.25},
            "marker": {"type": "circle"},
        }
    )
    chart.combine(line)
    chart.set_title({"name": "Purchase-rate parameters by cohort (the first 12)"})
    chart.set_x_axis({"name": "cohort (month of first purchase)"})
    chart.set_y_axis({"min": 0})  # from 0: a difference of 0.02 is not drawn as a factor of 3
    line.set_y2_axis({"min": 0})
    chart.set_legend({"position": "bottom"})
    chart.set_size({"width": 560, "height": 320})
    ws.insert_chart("D27", chart)
    t.section(ws, "D45", "Checks", 4)
    t.check(
        ws, "G46", "AND(E21>=F21,E21<=G21)", "The estimate lies within its bounds", label_from="D46"
    )
    ws.print_area("A1:K48")
    ws.fit_to_pages(1, 1)


def segments(t: Template) -> None:
    ws = t.sheet("Segments", [2, 12, 12, 16, 14, 16, 14])
    t.heading(ws, "Segments", "Customers and value per tier (Tier 1 = most valuable)")
    t.header_row(
        ws,
        "B4",
        [
            "Tier",
            "Customers",
            "Net value ($)",
            "Share of value",
            "Expected purchases",
            "Average P(alive)",
        ],
    )
    tiers, net, purchases, alive = (
        "Customers!$I$5#",
        "Customers!$H$5#",
        "Customers!$D$5#",
        "Customers!$C$5#",
    )
    for i in range(MAX_TIERS):
        row = 5 + i
        ws.write_formula(
            f"B{row}", f'=IF({i + 1}<=Tiers,"Tier {i + 1}","")', t.fmt("label"), f"Tier {i + 1}"
        )
        # a tier beyond the number of tiers shows nothing (blank, not 0 / $0.00)
        t.formula(ws, f"C{row}", f'=IF(B{row}="","",COUNTIF({tiers},B{row}))', "count")
        t.formula(ws, f"D{row}", f'=IF(B{row}="","",SUMIF({tiers},B{row},{net}))', "money")
        t.formula(
            ws,
            f"E{row}",
            f'=IF(B{row}="","",IF($D${6 + MAX_TIERS}=0,0,D{row}/$D${6 + MAX_TIERS}))',
            "rate",
        )
        t.formula(ws, f"F{row}", f'=IF(B{row}="","",SUMIF({tiers},B{row},{purchases}))', "number")
        t.formula(
            ws,
            f"G{row}",
            f'=IF(B{row}="","",IF(C{row}=0,0,SUMIF({tiers},B{row},{alive})/C{row}))',
            "rate",
        )
    ws.conditional_format(
        f"C5:G{4 + MAX_TIERS}",
        {
            "type": "formula",
            "criteria": '=$B5=""',
            "format": t.book.add_format({"bg_color": "#FFFFFF", "border": 0}),
        },
    )
    # the net values shaded as outputs on the tiers there are only (a border drawn on a row
    # beyond the number of tiers stays, whatever a rule says, in some viewers)
    t.outputs_where_filled(ws, f"D5:D{4 + MAX_TIERS}", "money")
    total = 6 + MAX_TIERS
    ws.write(f"B{total}", "Total", t.fmt("output"))
    t.formula(ws, f"C{total}", f"=SUM(C5:C{4 + MAX_TIERS})", "count", "output")
    t.formula(ws, f"D{total}", f"=SUM(D5:D{4 + MAX_TIERS})", "money", "output")
    t.formula(ws, f"F{total}", f"=SUM(F5:F{4 + MAX_TIERS})", "number", "output")
    t.section(ws, f"B{total + 2}", "Checks", 6)
    t.check(
        ws,
        f"F{total + 3}",
        f"C{total}=ROWS({SUMMARY})-1",
        "Every customer of the summary has a tier",
        f"B{total + 3}",
    )
    t.check(
        ws,
        f"F{total + 4}",
        f"ABS(D{total}-SUM({net}))<0.01",
        "Tier values add up to the total",
        f"B{total + 4}",
    )
    labels = {
        "value": True,
        "num_format": "$#,##0",
        "position": "inside_end",
        "font": {"color": "white", "bold": True},
    }
    series = [
        charts.bars(
            "Net value",
            "=Segments!$B$5:$B$8",
            "=Segments!$D$5:$D$8",
            charts.BLUE,
            gap=60,
            data_labels=labels,
        )
    ]
    title = {"name": "Net customer value per tier", "overlay": False}
    y_axis = {"num_format": "$#,##0", "min": 0}
    charts.add_chart(
        t.book,
        ws,
        f"B{total + 7}",
        "column",
        series,
        title,
        (600, 320),
        y_axis=y_axis,
        legend=False,
    )


def holdout(t: Template) -> None:
    ws = t.sheet("Holdout", [2, 12, 12, 12, 12, 4, 60])
    t.heading(
        ws,
        "Calibration / holdout check",
        "Mean purchases per customer after the calibration period: predicted vs actual",
    )
    t.spill(
        ws,
        "B4:E13",
        f"=CLV_HOLDOUT({LOG}, {DATES}, AsOf, HoldoutEnd, ModelName)",
        "number",
        columns=["general", "count", "number", "number"],
        header=True,
    )
    ws.write(
        "G4",
        "Customers grouped by repeat purchases in the calibration period (as Figure 4 of "
        "Fader, Hardie & Lee 2005).",
        t.fmt("note", text_wrap=False),
    )
    x = "=Holdout!$B$5:$B$12"
    series = [
        charts.bars("Actual", x, "=Holdout!$D$5:$D$12", charts.GREY),
        charts.bars("Predicted", x, "=Holdout!$E$5:$E$12", charts.BLUE),
    ]
    x_axis = {"name": "repeat purchases in calibration"}
    charts.add_chart(
        t.book,
        ws,
        "B16",
        "column",
        series,
        "Holdout purchases per customer",
        (560, 320),
        x_axis=x_axis,
        y_axis={"num_format": "0.0"},
    )
    t.section(ws, "G6", "Checks", 2)
    t.check(ws, "H7", "ABS(E13-D13)<=0.5*D13", "Predicted within 50% of actual, all customers")


def model_choice(t: Template) -> None:
    ws = t.sheet(
        "Model choice",
        [2, 20, 16, 16, 16, 4, 64],
        landscape=True,
    )
    t.heading(ws, "Which purchase model?", "Three models fitted to the same customers")
    t.section(ws, "B4", "Comparison", 4)
    t.spill(ws, "B5:E17", f"=CLV_COMPARE({SUMMARY})", "decimal", "output")
    for col in "CDE":  # the number of parameters is a count
        ws.write_blank(f"{col}13", None, t.fmt("output", "count"))
    notes = [
        "Lower AIC and BIC are better; BIC charges more for each parameter.",
        "The last row names the model BIC prefers among those that converged.",
        "Set the model the other sheets use on 'Settings' (Purchase model).",
        "The 'Holdout' sheet checks the chosen model against the purchases after the calibration.",
    ]
    t.notes(ws, "G5", notes)
    t.section(ws, "B20", "Checks", 4)
    t.check(
        ws,
        "E21",
        'COUNTIF(C16:E16,"converged*")>=1',
        "At least one model converged",
        label_from="B21",
    )


def tracking_plot(t: Template) -> None:
    ws = t.sheet("Tracking", {"A": 2, "H": 4, "I": 10, "J": 10}, landscape=True, freeze=(5, 0))
    # the spill's columns formatted past the weeks laid out below, as a longer log grows it
    columns: list[tuple[str, float]] = [
        ("count", 8),
        ("date", 12),
        ("count", 10),
        ("number", 10),
        ("count", 18),
        ("number", 20),
    ]
    t.column_formats(ws, "B", columns)
    t.heading(
        ws,
        "Tracking: repeat purchases per week",
        "Actual vs what the fitted model expects, over calibration and holdout",
    )
    last = 5 + TRACKING_ROWS
    t.spill(
        ws,
        f"B5:G{last}",
        f"=CLV_TRACKING({PARAMS}, {LOG}, {DATES}, AsOf, HoldoutEnd, Period)",
        "number",
        columns=[kind for kind, _ in columns],
        header=True,
    )
    ws.set_row(4, 30)  # the names wrapped: cumulative_expected
    t.section(ws, "I4", "Calibration end", 2)
    ws.write("I5", "week", t.fmt("header"))
    ws.write("J5", "y", t.fmt("header"))
    for row in (6, 7):
        ws.write_formula(f"I{row}", "=ROUNDUP((AsOf-C6+1)/7,0)", t.fmt("calc", "count"))
    ws.write_number("J6", 0, t.fmt("calc", "count"))
    ws.write_formula("J7", f"=MAX(D6:E{last})*1.1", t.fmt("calc", "count"))
    ws.write(
        "I9",
        "The dotted line marks the end of the calibration period: the model learnt "
        "from the weeks before it.",
        t.fmt("note", text_wrap=False),
    )
    for title, (actual, expected), anchor, marked in (
        ("Weekly repeat purchases", ("D", "E"), "I11", True),
        ("Cumulative repeat purchases", ("F", "G"), "I28", False),
    ):
        x = f"=Tracking!$B$6:$B${last}"
        series = [
            charts.line(
                "Actual", x, f"=Tracking!${actual}$6:${actual}${last}", charts.GREY, width=1.75
            ),
            charts.line(
                "Expected",
                x,
                f"=Tracking!${expected}$6:${expected}${last}",
                charts.BLUE,
                "dash",
                1.75,
            ),
        ]
        if marked:
            series.append(
                charts.line(
                    "Calibration end",
                    "=Tracking!$I$6:$I$7",
                    "=Tracking!$J$6:$J$7",
                    charts.RED,
                    "round_dot",
                    1.5,
                )
            )
        y_axis = {"min": 0, "major_gridlines": charts.GRIDLINES}
        charts.add_chart(
            t.book,
            ws,
            anchor,
            "scatter",
            series,
            title,
            (560, 300),
            x_axis={"name": "week", "min": 0},
            y_axis=y_axis,
        )


CHANNEL_COSTS = (("catalog", 3.0), ("store", 2.5), ("web", 2.0))


def channels(t: Template) -> None:
    """Seeds 001 and 002's question per acquisition channel: what the channel's customers are
    worth, so what a new customer from it may cost (CLV_HEADROOM), with a covariate fit."""
    ws = t.sheet(
        "Channels",
        [2, 12, 12, 16, 16, 14, 16, 16, 4, 46, 14],  # J: the covariate fit's longest label
        landscape=True,
    )
    t.heading(
        ws,
        "Channels: what may a new customer cost?",
        "Value of each channel's customers, and the most worth paying to win one more",
    )
    ws.write(
        "B3",
        "CDNOW has no channel: each example customer got one by a seeded draw "
        "(clv_xl.datasets.example_channels: web 50%, store 30%, catalog 20%), independent "
        "of what they bought. Paste your own channel column into the Sales table.",
        t.fmt("note", text_wrap=False),
    )
    t.section(ws, "B5", "Inputs", 2)
    t.label(ws, "B6", "Target LTV:CAC")
    t.input(
        ws,
        "C6",
        3,
        "number",
        name="ChannelTarget",
        prompt="Lifetime profit you require per $1 of acquisition cost (3 = the 3:1 rule)",
    )
    t.header_row(
        ws,
        "B8",
        [
            "Channel",
            "Customers",
            "Lifetime profit per customer ($)",
            "New customer's purchases (window)",
            "Cost to win one ($)",
            "Headroom at the target ($)",
            "Most worth paying ($)",
        ],
    )
    channel_col = f"DROP(CHOOSECOLS({SUMMARY},11),1)"
    for i, (name, cost) in enumerate(CHANNEL_COSTS):
        row = 9 + i
        t.input(ws, f"B{row}", name, "text")
        t.formula(ws, f"C{row}", f"=SUM(--({channel_col}=B{row}))", "count")
        t.formula(
            ws,
            f"D{row}",
            f"=IF(C{row}=0,0,SUM(({channel_col}=B{row})*Customers!$G$5#)/C{row})",
            "money",
            "output",
        )
        t.input(ws, f"F{row}", cost, "money")
        t.formula(ws, f"G{row}", f"=CLV_HEADROOM(D{row}, F{row}, ChannelTarget)", "money", "output")
        t.formula(ws, f"H{row}", f"=CLV_HEADROOM(D{row}, 0, ChannelTarget)", "money", "output")
    last = 8 + len(CHANNEL_COSTS)
    t.spill(
        ws,
        f"E9:E{last}",
        f'=IF({NO_CHANNEL},"",CLV_EXPECTED_PURCHASES(J9#, Window, , , , B8:B{last}))',
        "number",
    )
    notes = [
        "Lifetime profit per customer: the average of the Customers sheet's lifetime value",
        "(discounted profit over the horizon) among the channel's customers.",
        "Headroom = lifetime profit / target - cost to win: above 0, the channel may spend",
        "more per customer; below 0, it spends more than its customers are worth at the target.",
        "New customer's purchases: the covariate fit on the right, for a customer just won",
        "from that channel (the channel changes the purchase rate, alpha_i = alpha e^(-g'z)).",
    ]
    t.notes(ws, f"B{last + 2}", notes)
    t.section(ws, f"B{last + 9}", "Checks", 4)
    t.check(
        ws,
        f"E{last + 10}",
        f"OR({NO_CHANNEL},SUM(C9:C{last})=ROWS({SUMMARY})-1)",
        "Channels cover every customer (if given)",
        label_from=f"B{last + 10}",
    )
    t.section(ws, "J7", "Purchase model with channel (a covariate of the purchase rate)", 3)
    t.fit_table(
        ws,
        "J9:K40",
        f'=IF({NO_CHANNEL},"No Channel in the Sales table: nothing to fit",'
        f"CLV_FIT(ModelName, {SUMMARY}, , , , CHOOSECOLS({SUMMARY},11), , Penalizer))",
        6,
    )
