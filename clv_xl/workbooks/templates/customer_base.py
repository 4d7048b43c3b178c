"""customer_base.xlsx: from a transaction log to each customer's predicted value.

Shipped with part of the CDNOW sample (Fader, Hardie & Lee 2005; see clv_xl/datasets): 100
customers from each month of first purchase (January to March 1997), every transaction to June
1998. Nothing is sized for the example: the log is an Excel Table that grows when rows are
pasted below it, and every sheet reads the spilled results (``Summary!$A$1#``), so 10 rows
and 100,000 work without editing a formula.
"""

from __future__ import annotations

import datetime as dt
from importlib import resources
from typing import Any

import numpy as np
import pandas as pd

from clv_xl.datasets import example_channels
from clv_xl.workbooks.templates.kit import Template

CUSTOMERS_SHIPPED = 300
MAX_TIERS = 6
TRACKING_ROWS = 80  # weeks the tracking sheet has room for (calibration and holdout)


def example_log() -> pd.DataFrame:
    path = resources.files("clv_xl.datasets") / "CDNOW_sample.txt"
    raw = pd.read_csv(
        str(path), sep=r"\s+", header=None, names=["orig", "id", "date", "cds", "amount"]
    )
    # the same number of customers from each month of first purchase (January to March 1997),
    # so the Cohorts sheet has cohorts to compare: a seeded sample of each month, whose fits
    # are all well determined (with the first ids, January's BG/NBD fit does not converge; with
    # the last ids, Gamma-Gamma's p and gamma correlate -0.9996): the digits of a fit on a
    # ridge differ from one processor to the next, and the stored values must not
    month = raw.groupby("id")["date"].min() // 100  # yyyymm of each customer's first purchase
    per_month = CUSTOMERS_SHIPPED // month.nunique()
    keep = np.concatenate(
        [group.sample(per_month, random_state=1).index for _, group in month.groupby(month)]
    )
    raw = raw[raw["id"].isin(keep)].copy()
    raw["date"] = pd.to_datetime(raw["date"].astype(str), format="%Y%m%d")
    return raw[["id", "date", "amount"]].reset_index(drop=True)


def build(path: str) -> None:
    t = Template(path, "Customer base: what is each customer worth?",
                 "Who are your most valuable customers: the BG/NBD and Gamma-Gamma models")  # fmt: skip
    t.cover(
        "From a sales history (customer, date, amount) to each customer's chance of still being "
        "active, expected purchases and spend, cost to serve, predicted lifetime value and tier, "
        "with totals per tier and a check of the model against later purchases.",
        [
            "Paste your sales history into 'Transactions' (customer, date, amount), replacing the CDNOW example.",
            "On 'Settings', set the end of the calibration period, the holdout end, margin, costs and horizon.",
            "'Summary' and 'Model' follow; 'Customers' values each customer; 'Segments' totals the tiers.",
            "'Holdout' compares predicted with actual purchases after the calibration period.",
            "With the add-in, press CLV > Refresh; without Excel, run: clv-xl refresh customer_base.xlsx",
        ],
        [
            ("Settings", "the inputs that drive every sheet"),
            ("Transactions", "the sales history to paste into"),
            ("Summary", "one row per customer: frequency, recency, T, average spend"),
            ("Model", "fitted BG/NBD (or Pareto/NBD, MBG/NBD) and Gamma-Gamma parameters"),
            ("Customers", "P(alive), expected purchases and spend, cost to serve, value, tier"),
            ("Segments", "customers and value per tier, with a chart"),
            ("Holdout", "calibration/holdout check, with a chart"),
            ("Model choice", "BG/NBD, MBG/NBD and Pareto/NBD side by side: AIC, BIC, the pick"),
            ("Tracking", "weekly repeat purchases, actual vs expected, with the calibration end"),
            ("Channels", "what a customer from each channel is worth, and may cost to win"),
            (
                "Cohorts",
                "one fit per month of first purchase, side by side, with a chart; how sure "
                "the total of expected purchases is",
            ),
        ],
        [
            "BG/NBD: Fader, Hardie & Lee (2005), Marketing Science 24(2).",
            "Gamma-Gamma: Fader, Hardie & Lee (2005), JMR 42(4); Hardie's note 025.",
            "Lifetime value month by month as lifetimes' customer_lifetime_value (a month is 4.345 weeks).",
            "Example data: CDNOW sample of Fader, Hardie & Lee (2005), via the MIT-licensed lifetimes package.",
        ],
    )
    settings(t)
    transactions(t)
    summary(t)
    model(t)
    customers(t)
    segments(t)
    holdout(t)
    model_choice(t)
    tracking_plot(t)
    cohorts(t)
    channels(t)
    t.close()


def cohorts(t: Template) -> None:
    ws = t.sheet("Cohorts", {"A": 2, "B": 16, "C": 4, "D": 16, "E": 14, "F": 14, "G": 14, "H": 14,
                             "I": 14, "J": 14}, landscape=True)  # fmt: skip
    t.heading(ws, "Cohorts and how sure the forecast is",
              "One model per month of first purchase; bounds from the fit's uncertainty")  # fmt: skip
    # each customer's cohort: CLV_SUMMARY's cohort column (the month of the first purchase),
    # read in the formula itself rather than spilled down a helper column
    t.section(ws, "D4", "Fits per cohort (one column per month: as many as the data has)", 4)
    t.spill(ws, "D5:G16", f"=CLV_FIT_COHORTS(ModelName, DROP(CHOOSECOLS({SUMMARY},10),1), "
            f"{SUMMARY})", "decimal", "output")  # fmt: skip
    for c in range(4, 16):  # the customers row counts, shaded only where a cohort is
        ws.write_blank(13, c, None, t.fmt("calc", "count"))
    ws.conditional_format(13, 4, 13, 15, {"type": "no_blanks", "format": t.fmt("output", "count")})
    t.section(ws, "D19", "Expected purchases in the window: total", 4)
    t.header_row(ws, "E20", ["Estimate", "Lower 90%", "Upper 90%"])
    ws.write("D21", "All customers", t.fmt("label"))
    for col, k in (("E", 2), ("F", 3), ("G", 4)):  # the last row of Customers' interval table
        t.formula(ws, f"{col}21", f"=INDEX(Customers!$K$4#,ROWS(Customers!$K$4#),{k})", "number",
                  "output")  # fmt: skip
    notes = ["The bounds show how much the total could move because the model's parameters are",
             "estimated from a finite customer base (500 parameter draws, seeded). They do not",
             "include the chance in each customer's own purchases, nor a changing market."]  # fmt: skip
    t.notes(ws, "D23", notes)
    chart = t.book.add_chart({"type": "column"})
    chart.add_series({"name": "r (shape of the purchase rates)", "categories": "=Cohorts!$E$5:$P$5",
                      "values": "=Cohorts!$E$6:$P$6", "fill": {"color": "#2F5597"}})  # fmt: skip
    line = t.book.add_chart({"type": "line"})
    line.add_series({"name": "alpha (scale, right axis)", "categories": "=Cohorts!$E$5:$P$5",
                     "values": "=Cohorts!$E$7:$P$7", "y2_axis": True,
                     "line": {"color": "#C55A11", "width": 2.25}, "marker": {"type": "circle"}})  # fmt: skip
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


def settings(t: Template) -> None:
    ws = t.sheet("Settings", {"A": 2, "B": 44, "C": 16, "D": 16, "E": 60}, tab="#FFC000")
    t.heading(ws, "Settings", "Every input that is not the transaction log")
    t.section(ws, "B4", "Inputs", 4)
    rows = [
        ("End of calibration period", dt.date(1997, 9, 30), "date", "date", "AsOf",
         "Transactions after this date are the holdout; the models learn from those before"),
        ("End of holdout period", dt.date(1998, 6, 30), "date", "date", "HoldoutEnd",
         "Last date of the data used to check the predictions"),
        ("Time unit of recency and T", "W", "text", "W, D or M", "Period", 'W for weeks, D for days, M for 30 days'),
        ("Purchase model", "BG/NBD", "text", "", "ModelName", "BG/NBD, MBG/NBD or Pareto/NBD"),
        ("Prediction window", 52, "count", "weeks", "Window", "Expected purchases are counted over this window"),
        ("Lifetime value horizon", 12, "count", "months", "Months", "Months of future purchases counted in the value"),
        ("Monthly discount rate", 0.01, "rate", "per month", "MonthlyDiscount", "Cost of money per month, e.g. 1%"),
        ("Profit margin on sales", 0.3, "rate", "of spend", "Margin", "Share of spend that is profit"),
        ("Cost to serve per purchase", 1.0, "money", "$ per purchase", "ServeCost", "Packing, shipping, support per order"),
        ("Number of tiers", 4, "count", "tiers", "Tiers", f"Customers split into this many tiers of equal size (at most {MAX_TIERS})"),
        ("Fit penalizer", 0, "general", "0 = none", "Penalizer", "A small value such as 0.001 keeps a fit whose parameters run off finite"),
    ]  # fmt: skip
    rules: dict[str, dict[str, Any]] = {
        "Period": {"validate": "list", "source": ["W", "D", "M"]},
        "ModelName": {"validate": "list", "source": ["BG/NBD", "MBG/NBD", "Pareto/NBD"]},
        "Penalizer": {"validate": "decimal", "criteria": ">=", "value": 0,
                      "error_message": "Enter 0 (no penalty) or a small positive number."},
        "Tiers": {"validate": "integer", "criteria": "between", "minimum": 1, "maximum": MAX_TIERS,
                  "error_message": f"Enter a whole number of tiers from 1 to {MAX_TIERS}."},
    }  # fmt: skip
    for i, (label, value, kind, unit, name, prompt) in enumerate(rows):
        t.label(ws, f"B{5 + i}", label, unit, prompt)
        t.input(ws, f"C{5 + i}", value, kind, name=name, prompt=prompt, rule=rules.get(name))


def transactions(t: Template) -> None:
    log = example_log()
    ws = t.sheet("Transactions", {"A": 12, "B": 12, "C": 12, "D": 12, "E": 4, "F": 60},
                 freeze=(1, 0), tab="#FFC000")  # fmt: skip
    ws.set_row(0, 30)
    money, date, ident = t.fmt("input", "money"), t.fmt("input", "date"), t.fmt("input", "general")
    ws.set_column("B:B", 12, t.fmt("calc", "date"))  # pasted dates show as dates
    ws.set_column("C:C", 12, t.fmt("calc", "money"))
    ids = log["id"].astype(int).tolist()
    days = [d.to_pydatetime() for d in pd.to_datetime(log["date"])]
    amounts = log["amount"].astype(float).tolist()
    channels = example_channels(ids)
    for i, (ident_value, day, amount, channel) in enumerate(
        zip(ids, days, amounts, channels, strict=True), start=1
    ):
        ws.write_number(i, 0, ident_value, ident)
        ws.write_datetime(i, 1, day, date)
        ws.write_number(i, 2, amount, money)
        ws.write_string(i, 3, channel, ident)
    ws.add_table(0, 0, len(ids), 3, {
        "name": "Sales", "style": "Table Style Light 1", "autofilter": False,
        "columns": [{"header": "Customer"}, {"header": "Date"}, {"header": "Amount"},
                    {"header": "Channel"}],
    })  # fmt: skip
    notes = ["The Table 'Sales': paste your rows right below it and it grows; every sheet follows.",
             "Amounts in dollars; returns are negative amounts.",
             "Channel: how the customer was won (optional; the Channels sheet uses it). The",
             "example's channels are drawn by a seeded rule: CDNOW has none (see Channels)."]  # fmt: skip
    t.notes(ws, "F1", notes)
    ws.data_validation(1, 2, 1_048_575, 2, {"validate": "decimal", "criteria": "between",
                                            "minimum": -1e9, "maximum": 1e9})  # fmt: skip
    ws.data_validation(1, 1, 1_048_575, 1, {"validate": "date", "criteria": ">=",
                                            "value": dt.date(1900, 1, 1)})  # fmt: skip


LOG, DATES, AMOUNTS = "Sales[Customer]", "Sales[Date]", "Sales[Amount]"
CHANNELS = "Sales[[#All],[Channel]]"
NO_CHANNEL = "COUNTA(Sales[Channel])=0"
"""The Channel column is optional: without it the Channels sheet says so instead of erring."""
SUMMARY = "Summary!$A$1#"
PARAMS, SPEND = "Model!$B$5#", "Model!$E$5#"
SUMMARY_COLUMNS = ["general", "count", "number", "number", "money", "count", "money", "date", "date",
                   "general", "general"]  # fmt: skip
"""customer, frequency, recency, T, monetary_value, purchases, total_spend, first and last
purchase, cohort, channel."""


def summary(t: Template) -> None:
    widths: dict[str, float] = dict(
        zip("ABCDEFGHIJK", [11, 11, 11, 11, 15, 11, 13, 14, 14, 10, 10], strict=True)
    )
    ws = t.sheet("Summary", widths, freeze=(1, 1), landscape=True)
    for i, kind in enumerate(SUMMARY_COLUMNS):  # formatted columns: the spill grows formatted
        ws.set_column(i, i, widths["ABCDEFGHIJK"[i]], t.fmt("calc", kind))
    customers = example_log()["id"].nunique()
    t.spill(ws, f"A1:K{customers + 1}",
            f'=CLV_SUMMARY({LOG}, {DATES}, {AMOUNTS}, AsOf, Period, "M", {CHANNELS})',
            columns=SUMMARY_COLUMNS)  # fmt: skip


def model(t: Template) -> None:
    ws = t.sheet("Model", {"A": 2, "B": 16, "C": 14, "D": 4, "E": 16, "F": 14, "G": 4, "H": 48})
    t.heading(ws, "Fitted models", "Maximum likelihood on the calibration summary")
    t.section(ws, "B4", "Purchases", 2)
    t.fit_table(ws, "B5:C23", f"=CLV_FIT(ModelName, {SUMMARY}, , , , , , Penalizer)", 4)
    t.section(ws, "E4", "Spend (Gamma-Gamma)", 2)
    t.fit_table(ws, "E5:F18", f"=CLV_FIT_SPEND({SUMMARY})", 3)
    notes = ["r, alpha: how often customers buy (gamma-distributed rates).",
             "a, b (or s, beta): how soon they drop out.",
             "p, q, gamma: how much they spend per purchase.",
             "se_: standard errors; converged must be TRUE; status says why not.",
             "corr_: correlations of the estimates (CLV_INTERVAL uses them)."]  # fmt: skip
    t.notes(ws, "H5", notes)
    t.section(ws, "B26", "Checks", 5)
    t.check(ws, "C27", "AND(C16=TRUE,F14=TRUE)", "Both fits converged")


def customers(t: Template) -> None:
    ws = t.sheet("Customers", {"A": 2, "B": 11, "C": 10, "D": 13, "E": 13, "F": 13, "G": 15, "H": 15, "I": 10,
                               "J": 3, "K": 10, "L": 12, "M": 12, "N": 12},
                 freeze=(4, 2), landscape=True)  # fmt: skip
    t.heading(ws, "Customers", "What each customer is worth")
    ws.write_formula("B3", '=IF(ModelName="BG/NBD","Under BG/NBD a one-time buyer has P(alive) '
                     '100%: the model lets a customer drop out only after a repeat purchase.",'
                     '"Under "&ModelName&" a one-time buyer\'s P(alive) falls with the time since '
                     'the first purchase: drop-out can happen before any repeat purchase.")',
                     t.fmt("note", text_wrap=False))  # fmt: skip
    t.header_row(ws, "B4", ["Customer", "P(alive)", "Expected purchases (window)", "Expected spend per purchase ($)",
                            "Cost to serve (window, $)", "Lifetime value (profit, discounted, $)",
                            "Net of cost to serve ($)", "Tier"])  # fmt: skip
    first, last = 5, 4 + example_log()["id"].nunique()
    kinds = {"B": ("general", 11), "C": ("rate", 10), "D": ("number", 13), "E": ("money", 13),
             "F": ("money", 13), "G": ("money", 15), "H": ("money", 15), "I": ("text", 10)}  # fmt: skip
    for col, (kind, width) in kinds.items():  # number formats: the spills grow formatted
        ws.set_column(f"{col}:{col}", width, t.fmt("calc", kind))
    t.spill(ws, f"B{first}:B{last}", f"=DROP(CHOOSECOLS({SUMMARY},1),1)", "general")
    t.spill(ws, f"C{first}:C{last}", f"=CLV_P_ALIVE({PARAMS}, {SUMMARY})", "rate")
    t.spill(ws, f"D{first}:D{last}", f"=CLV_EXPECTED_PURCHASES({PARAMS}, Window, {SUMMARY})",
            "number")  # fmt: skip
    t.spill(ws, f"E{first}:E{last}", f"=CLV_EXPECTED_SPEND({SPEND}, {SUMMARY})", "money")
    t.spill(ws, f"F{first}:F{last}", f"=CLV_VALUE(ServeCost, D{first}#)", "money")
    t.spill(ws, f"G{first}:G{last}",
            f"=CLV_LIFETIME_VALUE({PARAMS}, {SPEND}, {SUMMARY}, , , , Months, MonthlyDiscount, Margin, Period)",
            "money", "output")  # fmt: skip
    t.spill(ws, f"H{first}:H{last}", f"=G{first}#-F{first}#", "money", "output")
    t.spill(ws, f"I{first}:I{last}", f"=CLV_SEGMENT(H{first}#, Tiers)", "text")
    # how sure: expected purchases with bounds per customer, and for the total (the last row)
    for col, kind in zip("KLMN", ["count", "number", "number", "number"], strict=True):
        ws.set_column(f"{col}:{col}", 12, t.fmt("calc", kind))
    t.spill(ws, f"K4:N{last + 1}", f'=CLV_INTERVAL({PARAMS}, "purchases", Window, {SUMMARY})',
            "number", columns=["count", "number", "number", "number"])  # fmt: skip
    ws.conditional_format(
        f"C{first}:C1048576", {"type": "data_bar", "bar_color": "#9BC2E6", "bar_solid": True}
    )


def segments(t: Template) -> None:
    ws = t.sheet("Segments", {"A": 2, "B": 12, "C": 12, "D": 16, "E": 14, "F": 16, "G": 14})
    t.heading(ws, "Segments", "Customers and value per tier (Tier 1 = most valuable)")
    t.header_row(ws, "B4", ["Tier", "Customers", "Net value ($)", "Share of value", "Expected purchases",
                            "Average P(alive)"])  # fmt: skip
    tiers, net, purchases, alive = ("Customers!$I$5#", "Customers!$H$5#", "Customers!$D$5#",
                                    "Customers!$C$5#")  # fmt: skip
    for i in range(MAX_TIERS):
        row = 5 + i
        ws.write_formula(
            f"B{row}", f'=IF({i + 1}<=Tiers,"Tier {i + 1}","")', t.fmt("label"), f"Tier {i + 1}"
        )
        # a tier beyond the number of tiers shows nothing (blank, not 0 / $0.00)
        t.formula(ws, f"C{row}", f'=IF(B{row}="","",COUNTIF({tiers},B{row}))', "count")
        t.formula(
            ws, f"D{row}", f'=IF(B{row}="","",SUMIF({tiers},B{row},{net}))', "money", "output"
        )
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
    ws.conditional_format(f"C5:G{4 + MAX_TIERS}", {
        "type": "formula", "criteria": '=$B5=""',
        "format": t.book.add_format({"bg_color": "#FFFFFF", "border": 0}),
    })  # fmt: skip
    total = 6 + MAX_TIERS
    ws.write(f"B{total}", "Total", t.fmt("output"))
    t.formula(ws, f"C{total}", f"=SUM(C5:C{4 + MAX_TIERS})", "count", "output")
    t.formula(ws, f"D{total}", f"=SUM(D5:D{4 + MAX_TIERS})", "money", "output")
    t.formula(ws, f"F{total}", f"=SUM(F5:F{4 + MAX_TIERS})", "number", "output")
    t.section(ws, f"B{total + 2}", "Checks", 6)
    t.check(ws, f"F{total + 3}", f"C{total}=ROWS({SUMMARY})-1",
            "Every customer of the summary has a tier", f"B{total + 3}")  # fmt: skip
    t.check(
        ws,
        f"F{total + 4}",
        f"ABS(D{total}-SUM({net}))<0.01",
        "Tier values add up to the total",
        f"B{total + 4}",
    )
    chart = t.book.add_chart({"type": "column"})
    chart.add_series({"name": "Net value", "categories": "=Segments!$B$5:$B$8", "values": "=Segments!$D$5:$D$8",
                      "fill": {"color": "#2F5597"}, "gap": 60,
                      "data_labels": {"value": True, "num_format": "$#,##0", "position": "inside_end",
                                      "font": {"color": "white", "bold": True}}})  # fmt: skip
    chart.set_title({"name": "Net customer value per tier", "overlay": False})
    chart.set_legend({"none": True})
    chart.set_y_axis({"num_format": "$#,##0", "min": 0})
    chart.set_size({"width": 600, "height": 320})
    ws.insert_chart(f"B{total + 7}", chart)


def holdout(t: Template) -> None:
    ws = t.sheet("Holdout", {"A": 2, "B": 12, "C": 12, "D": 12, "E": 12, "F": 4, "G": 60})
    t.heading(ws, "Calibration / holdout check",
              "Mean purchases per customer after the calibration period: predicted vs actual")  # fmt: skip
    t.spill(ws, "B4:E13", f"=CLV_HOLDOUT({LOG}, {DATES}, AsOf, HoldoutEnd, ModelName)", "number",
            columns=["general", "count", "number", "number"])  # fmt: skip
    ws.write("G4", "Customers grouped by repeat purchases in the calibration period (as Figure 4 of "
                   "Fader, Hardie & Lee 2005).", t.fmt("note", text_wrap=False))  # fmt: skip
    chart = t.book.add_chart({"type": "column"})
    for col, name, color in (("D", "Actual", "#7F7F7F"), ("E", "Predicted", "#2F5597")):
        chart.add_series({"name": name, "categories": "=Holdout!$B$5:$B$12",
                          "values": f"=Holdout!${col}$5:${col}$12", "fill": {"color": color}})  # fmt: skip
    chart.set_title({"name": "Holdout purchases per customer"})
    chart.set_x_axis({"name": "repeat purchases in calibration"})
    chart.set_y_axis({"num_format": "0.0"})
    chart.set_legend({"position": "bottom"})
    chart.set_size({"width": 560, "height": 320})
    ws.insert_chart("B16", chart)
    t.section(ws, "G6", "Checks", 2)
    t.check(ws, "H7", "ABS(E13-D13)<=0.5*D13", "Predicted within 50% of actual, all customers")


def model_choice(t: Template) -> None:
    ws = t.sheet("Model choice", {"A": 2, "B": 20, "C": 16, "D": 16, "E": 16, "F": 4, "G": 64},
                 landscape=True)  # fmt: skip
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
    t.check(ws, "E21", 'COUNTIF(C16:E16,"converged*")>=1', "At least one model converged",
            label_from="B21")  # fmt: skip


def tracking_plot(t: Template) -> None:
    ws = t.sheet("Tracking", {"A": 2, "B": 8, "C": 12, "D": 10, "E": 10, "F": 18, "G": 20,
                              "H": 4, "I": 10, "J": 10}, landscape=True, freeze=(5, 0))  # fmt: skip
    t.heading(ws, "Tracking: repeat purchases per week",
              "Actual vs what the fitted model expects, over calibration and holdout")  # fmt: skip
    last = 5 + TRACKING_ROWS
    t.spill(ws, f"B5:G{last}",
            f"=CLV_TRACKING({PARAMS}, {LOG}, {DATES}, AsOf, HoldoutEnd, Period)", "number",
            columns=["count", "date", "count", "number", "count", "number"])  # fmt: skip
    t.section(ws, "I4", "Calibration end", 2)
    ws.write("I5", "week", t.fmt("header"))
    ws.write("J5", "y", t.fmt("header"))
    for row in (6, 7):
        ws.write_formula(f"I{row}", "=ROUNDUP((AsOf-C6+1)/7,0)", t.fmt("calc", "count"))
    ws.write_number("J6", 0, t.fmt("calc", "count"))
    ws.write_formula("J7", f"=MAX(D6:E{last})*1.1", t.fmt("calc", "count"))
    ws.write("I9", "The dotted line marks the end of the calibration period: the model learnt "
             "from the weeks before it.", t.fmt("note", text_wrap=False))  # fmt: skip
    for title, (actual, expected), anchor, marked in (
        ("Weekly repeat purchases", ("D", "E"), "I11", True),
        ("Cumulative repeat purchases", ("F", "G"), "I28", False),
    ):
        chart = t.book.add_chart({"type": "scatter", "subtype": "straight"})
        for col, name, color, dash in ((actual, "Actual", "#7F7F7F", "solid"),
                                       (expected, "Expected", "#2F5597", "dash")):  # fmt: skip
            chart.add_series({"name": name, "categories": f"=Tracking!$B$6:$B${last}",
                              "values": f"=Tracking!${col}$6:${col}${last}",
                              "line": {"color": color, "dash_type": dash, "width": 1.75},
                              "marker": {"type": "none"}})  # fmt: skip
        if marked:
            chart.add_series({"name": "Calibration end", "categories": "=Tracking!$I$6:$I$7",
                              "values": "=Tracking!$J$6:$J$7", "marker": {"type": "none"},
                              "line": {"color": "#C00000", "dash_type": "round_dot",
                                       "width": 1.5}})  # fmt: skip
        chart.set_title({"name": title})
        chart.set_x_axis({"name": "week", "min": 0})
        chart.set_y_axis({"min": 0, "major_gridlines": {"visible": True,
                                                        "line": {"color": "#D9D9D9"}}})  # fmt: skip
        chart.set_legend({"position": "bottom"})
        chart.set_size({"width": 560, "height": 300})
        ws.insert_chart(anchor, chart)


CHANNEL_COSTS = (("catalog", 3.0), ("store", 2.5), ("web", 2.0))


def channels(t: Template) -> None:
    """Seeds 001 and 002's question per acquisition channel: what the channel's customers are
    worth, so what a new customer from it may cost (CLV_HEADROOM), with a covariate fit."""
    ws = t.sheet("Channels", {"A": 2, "B": 12, "C": 12, "D": 16, "E": 16, "F": 14, "G": 16,
                              "H": 16, "I": 4, "J": 22, "K": 14}, landscape=True)  # fmt: skip
    t.heading(ws, "Channels: what may a new customer cost?",
              "Value of each channel's customers, and the most worth paying to win one more")  # fmt: skip
    ws.write("B3", "CDNOW has no channel: each example customer got one by a seeded draw "
             "(clv_xl.datasets.example_channels: web 50%, store 30%, catalog 20%), independent "
             "of what they bought. Paste your own channel column into the Sales table.",
             t.fmt("note", text_wrap=False))  # fmt: skip
    t.section(ws, "B5", "Inputs", 2)
    t.label(ws, "B6", "Target LTV:CAC")
    t.input(ws, "C6", 3, "number", name="ChannelTarget",
            prompt="Lifetime profit you require per $1 of acquisition cost (3 = the 3:1 rule)")  # fmt: skip
    t.header_row(ws, "B8", ["Channel", "Customers", "Lifetime profit per customer ($)",
                            "New customer's purchases (window)", "Cost to win one ($)",
                            "Headroom at the target ($)", "Most worth paying ($)"])  # fmt: skip
    channel_col = f"DROP(CHOOSECOLS({SUMMARY},11),1)"
    for i, (name, cost) in enumerate(CHANNEL_COSTS):
        row = 9 + i
        t.input(ws, f"B{row}", name, "text")
        t.formula(ws, f"C{row}", f"=SUM(--({channel_col}=B{row}))", "count")
        t.formula(ws, f"D{row}", f"=IF(C{row}=0,0,SUM(({channel_col}=B{row})*Customers!$G$5#)/C{row})",
                  "money", "output")  # fmt: skip
        t.input(ws, f"F{row}", cost, "money")
        t.formula(ws, f"G{row}", f"=CLV_HEADROOM(D{row}, F{row}, ChannelTarget)", "money", "output")
        t.formula(ws, f"H{row}", f"=CLV_HEADROOM(D{row}, 0, ChannelTarget)", "money", "output")
    last = 8 + len(CHANNEL_COSTS)
    t.spill(ws, f"E9:E{last}", f'=IF({NO_CHANNEL},"",CLV_EXPECTED_PURCHASES(J9#, Window, , , , '
            f'B8:B{last}))', "number")  # fmt: skip
    notes = ["Lifetime profit per customer: the average of the Customers sheet's lifetime value",
             "(discounted profit over the horizon) among the channel's customers.",
             "Headroom = lifetime profit / target - cost to win: above 0, the channel may spend",
             "more per customer; below 0, it spends more than its customers are worth at the target.",
             "New customer's purchases: the covariate fit on the right, for a customer just won",
             "from that channel (the channel changes the purchase rate, alpha_i = alpha e^(-g'z))."]  # fmt: skip
    t.notes(ws, f"B{last + 2}", notes)
    t.section(ws, f"B{last + 9}", "Checks", 4)
    t.check(ws, f"E{last + 10}", f"OR({NO_CHANNEL},SUM(C9:C{last})=ROWS({SUMMARY})-1)",
            "Channels cover every customer (if given)",
            label_from=f"B{last + 10}")  # fmt: skip
    t.section(ws, "J7", "Purchase model with channel (a covariate of the purchase rate)", 3)
    t.fit_table(ws, "J9:K40", f'=IF({NO_CHANNEL},"No Channel in the Sales table: nothing to fit",'
                f"CLV_FIT(ModelName, {SUMMARY}, , , , CHOOSECOLS({SUMMARY},11), , Penalizer))",
                6)  # fmt: skip
