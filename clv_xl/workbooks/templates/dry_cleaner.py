"""dry_cleaner.xlsx: Mary's visits (the article on customer service and lifetime value), her lifetime value and profit, then a customer list."""

from __future__ import annotations

import datetime as dt

from clv_xl.workbooks.templates import charts
from clv_xl.workbooks.templates.kit import Template

VISITS = [(dt.date(2026, 3, 2), "Slacks", 8.0), (dt.date(2026, 3, 9), "Clothes and blouses", 20.0)]
CUSTOMERS = [  # name, visits so far, spent so far, expected visits over the lifetime
    ("Mary", 2, 28.0, 24),
    ("Ahmed", 6, 93.0, 30),
    ("Beth", 1, 12.0, 4),
    ("Carlos", 12, 210.0, 40),
    ("Dana", 3, 36.0, 10),
    ("Eun-ji", 8, 152.0, 36),
    ("Farid", 2, 45.0, 6),
    ("Grace", 5, 61.0, 20),
]
LOG_ROWS = 6  # room for more visits


def build(path: str) -> None:
    t = Template(
        path, "Dry cleaner: what is a customer worth?", "Mary, the $8 and the $20: $28 so far"
    )
    t.cover(
        "How much a dry-cleaning customer is worth over the whole relationship, how much of that "
        "is profit, and so how much you can afford to spend to win another customer like her.",
        [
            "On 'Mary', replace the visit log and the assumptions (blue on yellow) with a customer of yours.",
            "Read the answers in green: lifetime value, lifetime profit, what you could spend to win her.",
            "On 'Customers', type your customer list; every column to the right follows.",
            "Keep the master check below at OK.",
        ],
        [
            ("Mary", "one customer, from her visits to her lifetime value"),
            ("Customers", "the same for a list of customers, with tiers and a chart"),
        ],
        [
            "Lifetime value = average sale x expected number of visits (the dry-cleaner example of the article on customer service and lifetime value).",
            "Lifetime profit = visits x (average sale x margin - cost per visit).",
            "Headroom = lifetime profit / target LTV:CAC ratio - acquisition cost already spent.",
        ],
    )
    mary(t)
    customers(t)
    t.close()


def mary(t: Template) -> None:
    ws = t.sheet("Mary", [2, 44, 16, 26, 14, 40], freeze=(3, 0))
    t.heading(ws, "Mary at the dry cleaner", "Her visits so far, and what she is worth")
    t.section(ws, "B4", "Inputs: visit log", 4)
    t.header_row(ws, "B5", ["Visit", "Date", "What she had cleaned", "Amount ($)"])
    for i in range(LOG_ROWS):
        row = 6 + i
        ws.write(f"B{row}", i + 1, t.fmt("label", "count"))
        date, item, amount = VISITS[i] if i < len(VISITS) else (None, None, None)
        t.input(ws, f"C{row}", date if date else "", "date", prompt="Date of the visit")
        t.input(ws, f"D{row}", item or "", "text", prompt="What was cleaned (optional)")
        t.input(
            ws,
            f"E{row}",
            amount if amount is not None else "",
            "money",
            prompt="Amount she paid, in dollars",
        )
    t.section(ws, "B13", "Inputs: assumptions", 4)
    rows = [
        (
            "Expected visits over her lifetime",
            24,
            "count",
            "visits",
            "ExpectedVisits",
            "How many visits you expect in all (2 so far; twice a month for a year is 24)",
        ),
        (
            "Profit margin on cleaning",
            0.6,
            "rate",
            "% of sales",
            "Margin",
            "Share of each sale left after materials and labour, e.g. 60%",
        ),
        (
            "Cost to serve per visit",
            1.5,
            "money",
            "$ per visit",
            "CostPerVisit",
            "Bags, hangers, reminders: cost of each visit beyond the margin",
        ),
        (
            "Already spent to win her",
            5.0,
            "money",
            "$",
            "AcquisitionCost",
            "Marketing spent to win this customer, e.g. a $5 coupon",
        ),
        (
            "Required LTV:CAC ratio",
            3,
            "number",
            "times",
            "TargetRatio",
            "Lifetime profit per $ of acquisition cost you insist on: 1 = break-even, 3 = the 3:1 rule",
        ),
    ]
    for i, (label, value, kind, unit, name, prompt) in enumerate(rows):
        row = 14 + i
        t.label(ws, f"B{row}", label, unit)
        t.input(ws, f"C{row}", value, kind, name=name, prompt=prompt)
    log = f"E6:E{5 + LOG_ROWS}"
    t.section(ws, "B20", "Calculations", 4)
    calcs = [
        ("Worth so far", f"=SUM({log})", "money", "$"),
        ("Visits so far", f"=COUNT({log})", "count", "visits"),
        ("Average sale", "=IF(C22=0,0,C21/C22)", "money", "$ per visit"),
        ("Average sale x visits so far", "=CLV_VALUE(C23, C22)", "money", "$"),
    ]
    for i, (label, formula, kind, unit) in enumerate(calcs):
        t.label(ws, f"B{21 + i}", label, unit)
        t.formula(ws, f"C{21 + i}", formula, kind)
    t.section(ws, "B26", "Outputs", 4)
    outputs = [
        ("Estimated lifetime value", "=CLV_VALUE(C23, ExpectedVisits)", "money", "$"),
        (
            "Estimated lifetime profit",
            "=CLV_PROFIT(C23, ExpectedVisits, Margin, CostPerVisit)",
            "money",
            "$",
        ),
        (
            "Most you could spend to win a customer like her",
            "=CLV_HEADROOM(C28, 0, TargetRatio)",
            "money",
            "$ at the target ratio",
        ),
        (
            "Left to spend after what was spent on her",
            "=CLV_HEADROOM(C28, AcquisitionCost, TargetRatio)",
            "money",
            "$",
        ),
        ("LTV:CAC for her", "=CLV_RATIO(C28, AcquisitionCost)", "number", "times"),
    ]
    for i, (label, formula, kind, unit) in enumerate(outputs):
        t.label(ws, f"B{27 + i}", label, unit)
        t.formula(ws, f"C{27 + i}", formula, kind, "output")
    t.section(ws, "B33", "Checks", 4)
    t.check(ws, "C34", "ABS(C24-C21)<0.005", "Average sale x visits = worth so far")
    t.check(ws, "C35", "C22>0", "At least one visit in the log")
    t.check(ws, "C36", "ISNUMBER(C27)", "Lifetime value computed")


def customers(t: Template) -> None:
    """The customer list is the Excel Table Clients: rows pasted or typed below it join it, and
    the calculations spill from its columns (Clients[Visits]), so the list has any length."""
    ws = t.sheet(
        "Customers",
        [2, 14, 11, 12, 13, 12, 14, 14, 16, 10, 3, 24, 14],
        landscape=True,
        freeze=(5, 2),
    )
    t.heading(ws, "A small customer list", "The same sums for every customer, with tiers")
    t.section(
        ws, "B4", "Inputs: customers                                    Calculations and outputs", 9
    )
    t.header_row(
        ws,
        "F5",
        [
            "Average sale ($)",
            "Lifetime value ($)",
            "Lifetime profit ($)",
            "Most to spend to win one ($)",
            "Tier",
        ],
    )
    ws.set_row(4, 46)
    last = 5 + len(CUSTOMERS)
    # number formats for the rows the list grows into (no fill: the example's cells carry it)
    t.column_formats(
        ws,
        "C",
        [
            ("count", 11),
            ("money", 12),
            ("count", 13),
            ("money", 12),
            ("money", 14),
            ("money", 14),
            ("money", 16),
        ],
    )
    for i, (name, n_visits, n_spent, n_expected) in enumerate(CUSTOMERS):
        row = 6 + i
        t.input(ws, f"B{row}", name, "text")
        t.input(ws, f"C{row}", n_visits, "count", prompt="Visits so far")
        t.input(ws, f"D{row}", n_spent, "money", prompt="Total spent so far")
        t.input(ws, f"E{row}", n_expected, "count", prompt="Visits you expect in all")
    headers = ["Customer", "Visits so far", "Spent so far ($)", "Expected visits (lifetime)"]
    t.table(ws, (4, 1, last - 1, 4), "Clients", headers)
    visits, spent = "Clients[Visits so far]", "Clients[Spent so far ($)]"
    expected = "Clients[Expected visits (lifetime)]"
    t.spill(ws, f"F6:F{last}", f'=IF({visits}="","",{spent}/{visits})', "money")
    t.spill(ws, f"G6:G{last}", f"=CLV_VALUE(F6#, {expected})", "money", "output")
    t.spill(
        ws, f"H6:H{last}", f"=CLV_PROFIT(F6#, {expected}, Margin, CostPerVisit)", "money", "output"
    )
    t.outputs_where_filled(ws, "G6:H1048576", "money")  # as the list grows
    t.spill(ws, f"I6:I{last}", "=CLV_HEADROOM(H6#, 0, TargetRatio)", "money")
    t.spill(ws, f"J6:J{last}", "=CLV_SEGMENT(G6#, 3, $M$6:$M$8)", "text")
    ws.write("L5", "Tier names", t.fmt("header"))
    ws.write("M5", "", t.fmt("header"))
    for i, label in enumerate(["Gold", "Silver", "Bronze"]):
        ws.write(f"L{6 + i}", f"Tier {i + 1}", t.fmt("label"))
        t.input(ws, f"M{6 + i}", label, "text", prompt="Name of this tier (best first)")
    # totals and checks beside the list, not under it: the list grows downwards
    ws.write("L10", "Totals", t.fmt("header"))
    ws.write("M10", "", t.fmt("header"))
    for i, (label, formula, kind) in enumerate(
        (
            ("Visits so far", f"=SUM({visits})", "count"),
            ("Spent so far ($)", f"=SUM({spent})", "money"),
            ("Lifetime value ($)", "=SUM(G6#)", "money"),
            ("Lifetime profit ($)", "=SUM(H6#)", "money"),
        )
    ):
        ws.write(f"L{11 + i}", label, t.fmt("label"))
        t.formula(ws, f"M{11 + i}", formula, kind, "output")
    t.section(ws, "L16", "Checks", 2)
    t.check(ws, "M17", f"COUNTA(Clients[Customer])=COUNT({visits})", "Every customer has visits")
    n = 5 + len(CUSTOMERS)
    labels = {"value": True, "num_format": "$#,##0"}
    series = [
        charts.bars(
            "Lifetime value",
            f"=Customers!$B$6:$B${n}",
            f"=Customers!$G$6:$G${n}",
            charts.BLUE,
            data_labels=labels,
        )
    ]
    x_axis = {"num_format": "$#,##0", "major_gridlines": charts.GRIDLINES}
    charts.add_chart(
        t.book,
        ws,
        "L20",
        "bar",
        series,
        "Lifetime value by customer",
        (480, 330),
        x_axis=x_axis,
        y_axis={"reverse": True},
        legend=False,
    )
