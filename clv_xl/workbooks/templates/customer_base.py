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
from clv_xl.models import continuous_models
from clv_xl.models.catalog import spelled
from clv_xl.workbooks.templates.customer_base_checks import (
    AMOUNTS,
    CHANNELS,
    DATES,
    LOG,
    MAX_TIERS,
    PARAMS,
    SPEND,
    SUMMARY,
    channels,
    cohorts,
    holdout,
    model_choice,
    segments,
    tracking_plot,
)
from clv_xl.workbooks.templates.kit import Template

CUSTOMERS_SHIPPED = 300

FIT_NOTES = [
    "r, alpha: how often customers buy (gamma-distributed rates).",
    "a, b (or s, beta): how soon they drop out.",
    "p, q, gamma: how much they spend per purchase.",
    "se_: standard errors; converged must be TRUE; status says why not.",
    "corr_: correlations of the estimates (CLV_INTERVAL uses them).",
]
"""The Model sheet's reading of the fitted tables."""
MODELS = continuous_models()  # the Settings drop-down: every model CLV_HOLDOUT can check


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
    t = Template(
        path,
        "Customer base: what is each customer worth?",
        "Who are your most valuable customers: the BG/NBD and Gamma-Gamma models",
    )
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


def settings(t: Template) -> None:
    ws = t.sheet("Settings", [2, 44, 16, 16, 60], tab="#FFC000")
    t.heading(ws, "Settings", "Every input that is not the transaction log")
    t.section(ws, "B4", "Inputs", 4)
    rows = [
        (
            "End of calibration period",
            dt.date(1997, 9, 30),
            "date",
            "date",
            "AsOf",
            "Transactions after this date are the holdout; the models learn from those before",
        ),
        (
            "End of holdout period",
            dt.date(1998, 6, 30),
            "date",
            "date",
            "HoldoutEnd",
            "Last date of the data used to check the predictions",
        ),
        (
            "Time unit of recency and T",
            "W",
            "text",
            "W, D or M",
            "Period",
            "W for weeks, D for days, M for 30 days",
        ),
        ("Purchase model", "BG/NBD", "text", "", "ModelName", spelled(MODELS, quoted=False)),
        (
            "Prediction window",
            52,
            "count",
            "weeks",
            "Window",
            "Expected purchases are counted over this window",
        ),
        (
            "Lifetime value horizon",
            12,
            "count",
            "months",
            "Months",
            "Months of future purchases counted in the value",
        ),
        (
            "Monthly discount rate",
            0.01,
            "rate",
            "per month",
            "MonthlyDiscount",
            "Cost of money per month, e.g. 1%",
        ),
        (
            "Profit margin on sales",
            0.3,
            "rate",
            "of spend",
            "Margin",
            "Share of spend that is profit",
        ),
        (
            "Cost to serve per purchase",
            1.0,
            "money",
            "$ per purchase",
            "ServeCost",
            "Packing, shipping, support per order",
        ),
        (
            "Number of tiers",
            4,
            "count",
            "tiers",
            "Tiers",
            f"Customers split into this many tiers of equal size (at most {MAX_TIERS})",
        ),
        (
            "Fit penalizer",
            0,
            "general",
            "0 = none",
            "Penalizer",
            "A small value such as 0.001 keeps a fit whose parameters run off finite",
        ),
    ]
    rules: dict[str, dict[str, Any]] = {
        "Period": {"validate": "list", "source": ["W", "D", "M"]},
        "ModelName": {"validate": "list", "source": list(MODELS)},
        "Penalizer": {
            "validate": "decimal",
            "criteria": ">=",
            "value": 0,
            "error_message": "Enter 0 (no penalty) or a small positive number.",
        },
        "Tiers": {
            "validate": "integer",
            "criteria": "between",
            "minimum": 1,
            "maximum": MAX_TIERS,
            "error_message": f"Enter a whole number of tiers from 1 to {MAX_TIERS}.",
        },
    }
    for i, (label, value, kind, unit, name, prompt) in enumerate(rows):
        t.label(ws, f"B{5 + i}", label, unit, prompt)
        t.input(ws, f"C{5 + i}", value, kind, name=name, prompt=prompt, rule=rules.get(name))


def transactions(t: Template) -> None:
    log = example_log()
    ws = t.sheet(
        "Transactions",
        [12, 12, 12, 12, 4, 60],
        freeze=(1, 0),
        tab="#FFC000",
    )
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
    t.table(
        ws, (0, 0, len(ids), 3), "Sales", ["Customer", "Date", "Amount", "Channel"], styled=False
    )
    notes = [
        "The Table 'Sales': paste your rows right below it and it grows; every sheet follows.",
        "Amounts in dollars; returns are negative amounts.",
        "Channel: how the customer was won (optional; the Channels sheet uses it). The",
        "example's channels are drawn by a seeded rule: CDNOW has none (see Channels).",
    ]
    t.notes(ws, "F1", notes)
    ws.data_validation(
        1,
        2,
        1_048_575,
        2,
        {"validate": "decimal", "criteria": "between", "minimum": -1e9, "maximum": 1e9},
    )
    ws.data_validation(
        1, 1, 1_048_575, 1, {"validate": "date", "criteria": ">=", "value": dt.date(1900, 1, 1)}
    )


SUMMARY_COLUMNS = [
    "general",
    "count",
    "number",
    "number",
    "money",
    "count",
    "money",
    "date",
    "date",
    "general",
    "general",
]
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
    t.spill(
        ws,
        f"A1:K{customers + 1}",
        f'=CLV_SUMMARY({LOG}, {DATES}, {AMOUNTS}, AsOf, Period, "M", {CHANNELS})',
        columns=SUMMARY_COLUMNS,
        header=True,
    )
    ws.set_row(0, 30)  # the styled names, wrapped: monetary_value, first_purchase


def model(t: Template) -> None:
    ws = t.sheet("Model", [2, 16, 14, 4, 16, 14, 4, 48])
    t.heading(ws, "Fitted models", "Maximum likelihood on the calibration summary")
    t.section(ws, "B4", "Purchases", 2)
    t.fit_table(ws, "B5:C23", f"=CLV_FIT(ModelName, {SUMMARY}, , , , , , Penalizer)", 4)
    t.section(ws, "E4", "Spend (Gamma-Gamma)", 2)
    t.fit_table(ws, "E5:F18", f"=CLV_FIT_SPEND({SUMMARY})", 3)
    t.notes(ws, "H5", FIT_NOTES)
    t.section(ws, "B26", "Checks", 5)
    t.check(ws, "C27", "AND(C16=TRUE,F14=TRUE)", "Both fits converged")


def customers(t: Template) -> None:
    ws = t.sheet(
        "Customers",
        [2, 11, 10, 13, 13, 13, 15, 15, 10, 3, 10, 12, 12, 12],
        freeze=(4, 2),
        landscape=True,
    )
    t.heading(ws, "Customers", "What each customer is worth")
    ws.write_formula(
        "B3",
        '=IF(ModelName="BG/NBD","Under BG/NBD a one-time buyer has P(alive) '
        '100%: the model lets a customer drop out only after a repeat purchase.",'
        '"Under "&ModelName&" a one-time buyer\'s P(alive) falls with the time since '
        'the first purchase: drop-out can happen before any repeat purchase.")',
        t.fmt("note", text_wrap=False),
    )
    t.header_row(
        ws,
        "B4",
        [
            "Customer",
            "P(alive)",
            "Expected purchases (window)",
            "Expected spend per purchase ($)",
            "Cost to serve (window, $)",
            "Lifetime value (profit, discounted, $)",
            "Net of cost to serve ($)",
            "Tier",
        ],
    )
    first, last = 5, 4 + example_log()["id"].nunique()
    kinds = {
        "B": ("general", 11),
        "C": ("rate", 10),
        "D": ("number", 13),
        "E": ("money", 13),
        "F": ("money", 13),
        "G": ("money", 15),
        "H": ("money", 15),
        "I": ("text", 10),
    }
    for col, (kind, width) in kinds.items():  # number formats: the spills grow formatted
        ws.set_column(f"{col}:{col}", width, t.fmt("calc", kind))
    t.spill(ws, f"B{first}:B{last}", f"=DROP(CHOOSECOLS({SUMMARY},1),1)", "general")
    t.spill(ws, f"C{first}:C{last}", f"=CLV_P_ALIVE({PARAMS}, {SUMMARY})", "rate")
    t.spill(
        ws, f"D{first}:D{last}", f"=CLV_EXPECTED_PURCHASES({PARAMS}, Window, {SUMMARY})", "number"
    )
    t.spill(ws, f"E{first}:E{last}", f"=CLV_EXPECTED_SPEND({SPEND}, {SUMMARY})", "money")
    t.spill(ws, f"F{first}:F{last}", f"=CLV_VALUE(ServeCost, D{first}#)", "money")
    t.spill(
        ws,
        f"G{first}:G{last}",
        f"=CLV_LIFETIME_VALUE({PARAMS}, {SPEND}, {SUMMARY}, , , , Months, MonthlyDiscount, Margin, Period)",
        "money",
        "output",
    )
    t.spill(ws, f"H{first}:H{last}", f"=G{first}#-F{first}#", "money", "output")
    t.spill(ws, f"I{first}:I{last}", f"=CLV_SEGMENT(H{first}#, Tiers)", "text")
    # how sure: expected purchases with bounds per customer, and for the total (the last row)
    bounds = ["general", "number", "number", "number"]  # the customer's id, as in column B
    for col, kind in zip("KLMN", bounds, strict=True):
        ws.set_column(f"{col}:{col}", 12, t.fmt("calc", kind))
    t.spill(
        ws,
        f"K4:N{last + 1}",
        f'=CLV_INTERVAL({PARAMS}, "purchases", Window, {SUMMARY})',
        "number",
        columns=bounds,
        header=True,
    )
    ws.conditional_format(
        f"C{first}:C1048576", {"type": "data_bar", "bar_color": "#9BC2E6", "bar_solid": True}
    )
    t.outputs_where_filled(ws, f"G{first}:H1048576", "money")  # past the example's customers
