"""acquisition_budget.xlsx: the marketing budget a customer's value allows (from the articles "How much is a customer relationship worth to you?", "Why customer lifetime value matters" and "Taking full advantage of the lifetime value of your customers")."""

from __future__ import annotations

from clv_xl.workbooks.templates import charts
from clv_xl.workbooks.templates.kit import Template

SCENARIOS = [
    ("Free installation for a $10,000 customer", 10000.0, 199.0),
    ("$50 to win a $500 customer", 500.0, 50.0),
    ("$50 to win a $20 customer", 20.0, 50.0),
]
YEARS = 15


def build(path: str) -> None:
    t = Template(
        path,
        "Acquisition budget: what may a new customer cost?",
        "Lifetime profit sets the marketing budget: the $10,000 customer, $50 for $500 or $20",
    )
    t.cover(
        "How much you can afford to spend to win a customer, given what that customer is worth "
        "over the whole relationship: headroom, LTV:CAC, payback, retention-based value and a "
        "campaign budget.",
        [
            "On 'Headroom', type each offer: the customer's lifetime profit and what winning them costs.",
            "On 'Retention', type your margin, retention and discount rates to value a customer.",
            "On 'Campaign', plan how many customers to win and compare acquiring with retaining.",
            "Blue on yellow cells are inputs; green cells are answers; keep the master check at OK.",
        ],
        [
            ("Headroom", "the articles' offers: worth it or not, LTV:CAC, payback"),
            ("Retention", "retention-based CLV in the three timing conventions, year by year"),
            ("Campaign", "budget for a campaign; acquiring vs retaining"),
        ],
        [
            "Headroom = lifetime profit / target ratio - acquisition cost (1 = break-even, 3 = 3:1).",
            'Retention CLV: Fader & Hardie, note 024 ("What\'s wrong with this CLV formula?"): '
            "m r/(1+d-r), m/(1+d-r), m(1+d)/(1+d-r).",
            "Payback: periods until discounted expected margin covers the acquisition cost.",
            'Acquiring a customer is often said to cost 3 to 8 times ("Taking full advantage of the lifetime value of your customers") or 5 times ("Customer lifetime value matters to your business") keeping one.',
        ],
    )
    headroom(t)
    retention(t)
    campaign(t)
    t.close()


def headroom(t: Template) -> None:
    """The offers are the Excel Table Offers: rows typed or pasted below it join it and the
    answers spill from its columns; payback and the checks sit beside it, not under it."""
    ws = t.sheet(
        "Headroom",
        [2, 48, 15, 14, 15, 15, 11, 14, 3, 44, 14, 14],
        landscape=True,
        freeze=(6, 2),
    )
    t.heading(
        ws, "Is the offer worth it?", "Lifetime profit against the cost of winning the customer"
    )
    t.section(ws, "B4", "Inputs", 3)
    t.label(ws, "B5", "Required LTV:CAC ratio", "")
    t.input(
        ws,
        "C5",
        3,
        "number",
        name="TargetRatio",
        prompt="Lifetime profit you want per $1 of acquisition cost: 3 is the common 3:1 rule",
    )
    t.header_row(
        ws,
        "E7",
        ["Headroom at break-even ($)", "Headroom at target ratio ($)", "LTV:CAC", "Verdict"],
    )
    last = 7 + len(SCENARIOS)
    t.column_formats(
        ws, "C", [("money", 15), ("money", 14), ("money", 15), ("money", 15), ("number", 11)]
    )  # for rows the table grows into
    for i, (name, value, price) in enumerate(SCENARIOS):
        row = 8 + i
        t.input(ws, f"B{row}", name, "text")
        t.input(ws, f"C{row}", value, "money", prompt="The customer's lifetime profit")
        t.input(ws, f"D{row}", price, "money", prompt="What winning the customer costs")
    t.table(ws, (6, 1, last - 1, 3), "Offers", ["Offer", "Lifetime profit ($)", "Cost to win ($)"])
    profit, cost = "Offers[Lifetime profit ($)]", "Offers[Cost to win ($)]"
    t.spill(ws, f"E8:E{last}", f"=CLV_HEADROOM({profit}, {cost})", "money", "output")
    t.spill(ws, f"F8:F{last}", f"=CLV_HEADROOM({profit}, {cost}, TargetRatio)", "money", "output")
    t.outputs_where_filled(ws, "E8:F1048576", "money")  # as the table grows
    t.outputs_where_filled(ws, "H8:H1048576", "text")
    t.spill(ws, f"G8:G{last}", f"=CLV_RATIO({profit}, {cost})", "number")
    t.spill(
        ws,
        f"H8:H{last}",
        f'=IF({profit}="","",IF(F8#>=0,"Worth it",IF(E8#>=0,"Marginal","Not worth it")))',
        "text",
        "output",
    )
    ws.write(
        f"B{last + 1}",
        "Type or paste more offers right below the table: it grows.",
        t.fmt("note", text_wrap=False),
    )
    t.section(ws, "J9", "Payback: how long until the customer has paid back", 3)
    rows = [
        (
            "Cost to win one customer",
            50,
            "money",
            "$",
            "PaybackCost",
            "What you spend to win one customer",
        ),
        (
            "Margin the customer brings each month",
            25,
            "money",
            "$ per month",
            "MonthlyMargin",
            "Profit per month while the customer stays",
        ),
        (
            "Monthly retention rate",
            0.9,
            "rate",
            "per month",
            "MonthlyRetention",
            "Share of customers still with you a month later",
        ),
        (
            "Monthly discount rate",
            0.01,
            "rate",
            "per month",
            "MonthlyDiscount",
            "Your cost of money per month, e.g. 1%",
        ),
    ]
    for i, (label, value, kind, unit, name, prompt) in enumerate(rows):
        row = 10 + i
        t.label(ws, f"J{row}", label, unit)
        t.input(ws, f"K{row}", value, kind, name=name, prompt=prompt)
    out = 15
    t.label(ws, f"J{out}", "Simple payback (no churn, no discounting)", "months")
    t.formula(ws, f"K{out}", "=CLV_PAYBACK(PaybackCost, MonthlyMargin)", "number", "output")
    t.label(ws, f"J{out + 1}", "Payback with retention and discounting", "months")
    t.formula(
        ws,
        f"K{out + 1}",
        "=CLV_PAYBACK(PaybackCost, MonthlyMargin, MonthlyRetention, MonthlyDiscount)",
        "number",
        "output",
    )
    t.section(ws, f"J{out + 3}", "Checks", 3)
    t.check(
        ws, f"K{out + 4}", f"COUNT({profit})=COUNT({cost})", "Every offer has a profit and a cost"
    )
    t.check(ws, f"K{out + 5}", f"ISNUMBER(K{out})", "Payback computed")
    n = len(SCENARIOS)
    x = f"=Headroom!$B$8:$B${7 + n}"
    series = [
        charts.bars("Lifetime profit", x, f"=Headroom!$C$8:$C${7 + n}", charts.BLUE),
        charts.bars("Cost to win", x, f"=Headroom!$D$8:$D${7 + n}", charts.ORANGE),
    ]
    title = "Lifetime profit vs cost to win (the articles' three offers)"
    x_axis = {"log_base": 10, "num_format": "$#,##0"}
    # beside the table, never over rows it grows into
    charts.add_chart(
        t.book, ws, "J22", "bar", series, title, (560, 300), x_axis=x_axis, y_axis={"reverse": True}
    )


def retention(t: Template) -> None:
    ws = t.sheet("Retention", [2, 40, 16, 16, 16, 12], freeze=(3, 0))
    t.heading(ws, "Retention-based customer value", "Three timing conventions side by side")
    t.section(ws, "B4", "Inputs", 4)
    rows = [
        (
            "Margin per customer per year",
            100,
            "money",
            "$ per year",
            "Margin",
            "Profit a customer brings each year",
        ),
        (
            "Retention rate",
            0.8,
            "rate",
            "per year",
            "Retention",
            "Share of customers who stay from one year to the next",
        ),
        ("Discount rate", 0.1, "rate", "per year", "Discount", "Your cost of money per year"),
        (
            "Horizon",
            10,
            "count",
            "years",
            "Horizon",
            f"A finite horizon to compare with no end (the year-by-year table shows up to {YEARS})",
        ),
    ]
    for i, (label, value, kind, unit, name, prompt) in enumerate(rows):
        t.label(ws, f"B{5 + i}", label, unit)
        t.input(ws, f"C{5 + i}", value, kind, name=name, prompt=prompt)
    t.section(ws, "B11", "Outputs", 4)
    t.header_row(
        ws, "B12", ["Timing", "No end ($)", "Over the horizon ($)", "Expected lifetime (years)"]
    )
    timings = [
        ("retained", "Margin at the end of each year the customer is retained"),
        ("end", "Margin at the end of every active year, the first included"),
        ("start", "Margin at the start of every active year, the first one now"),
    ]
    for i, (key, text) in enumerate(timings):
        row = 13 + i
        ws.write(f"B{row}", key, t.fmt("label"))
        t.formula(
            ws,
            f"C{row}",
            f"=CLV_RETENTION(Margin, Retention, Discount, , B{row})",  # periods omitted: no end
            "money",
            "output",
        )
        t.formula(
            ws,
            f"D{row}",
            f"=CLV_RETENTION(Margin, Retention, Discount, Horizon, B{row})",
            "money",
            "output",
        )
        ws.write(f"F{row}", text, t.fmt("note", text_wrap=False))
    t.formula(ws, "E13", "=CLV_LIFESPAN(1-Retention)", "number")
    t.section(ws, "B17", "Year by year up to the horizon: value counted up to each year", 4)
    t.header_row(ws, "B18", ["Years counted", "retained ($)", "end ($)", "start ($)"])
    first, last = 19, 18 + YEARS
    for i in range(YEARS):  # the rows past the horizon stay blank
        ws.write_formula(
            f"B{first + i}", f'=IF({i + 1}<=Horizon,{i + 1},"")', t.fmt("calc", "count"), i + 1
        )
    years = f"B{first}:B{last}"
    for col, key in (("C", "retained"), ("D", "end"), ("E", "start")):
        t.spill(
            ws,
            f"{col}{first}:{col}{last}",
            f'=IF({years}="","",CLV_RETENTION(Margin, Retention, Discount, {years}, "{key}"))',
            "money",
        )
    t.section(ws, f"B{last + 2}", "Checks", 4)
    t.check(ws, f"C{last + 3}", "AND(C13<=C14,C14<=C15)", "retained <= end <= start")
    t.check(ws, f"C{last + 4}", "D13<=C13+0.005", "A finite horizon is worth no more than no end")
    x = f"=Retention!$B${first}:$B${last}"
    series = [
        {
            "name": key,
            "categories": x,
            "values": f"=Retention!${col}${first}:${col}${last}",
            "line": {"color": color, "width": 2.25},
        }
        for col, key, color in (
            ("C", "retained", charts.BLUE),
            ("D", "end", charts.GREEN),
            ("E", "start", charts.ORANGE),
        )
    ]
    y_axis = {"num_format": "$#,##0", "major_gridlines": charts.GRIDLINES}
    charts.add_chart(
        t.book,
        ws,
        "G17",
        "line",
        series,
        "Customer value by years counted",
        (520, 320),
        x_axis={"name": "years counted"},
        y_axis=y_axis,
    )


def campaign(t: Template) -> None:
    ws = t.sheet("Campaign", [2, 52, 16, 16, 40])
    t.heading(ws, "Campaign planner", "How much a campaign may cost, and acquiring vs retaining")
    t.section(ws, "B4", "Inputs", 4)
    rows = [
        (
            "Customers to win",
            200,
            "count",
            "customers",
            "CustomersToWin",
            "How many new customers the campaign should bring",
        ),
        (
            "Lifetime profit of one such customer",
            500,
            "money",
            "$",
            "ProfitPerCustomer",
            "From the Retention sheet or your own estimate",
        ),
        (
            "Planned cost to win one customer",
            50,
            "money",
            "$",
            "PlannedCAC",
            "Your current cost per acquired customer",
        ),
        (
            "Cost to keep an existing customer a year",
            10,
            "money",
            "$ per year",
            "RetainCost",
            "Service, loyalty offers, reminders",
        ),
        (
            "Customers lost a year",
            100,
            "count",
            "customers",
            "LostPerYear",
            "Customers who leave each year",
        ),
    ]
    for i, (label, value, kind, unit, name, prompt) in enumerate(rows):
        t.label(ws, f"B{5 + i}", label, unit)
        t.input(ws, f"C{5 + i}", value, kind, name=name, prompt=prompt)
    t.section(ws, "B11", "Outputs: the campaign", 4)
    outputs = [
        (
            "Most to spend per customer at the target LTV:CAC",
            "=CLV_HEADROOM(ProfitPerCustomer, 0, TargetRatio)",
            "money",
            "$",
        ),
        ("Campaign budget: customers x that amount", "=CustomersToWin*C12", "money", "$"),
        ("Planned spend", "=CustomersToWin*PlannedCAC", "money", "$"),
        ("Left in the budget (negative: over budget)", "=C13-C14", "money", "$"),
        ("LTV:CAC of the plan", "=CLV_RATIO(ProfitPerCustomer, PlannedCAC)", "number", "times"),
    ]
    for i, (label, formula, kind, unit) in enumerate(outputs):
        t.label(ws, f"B{12 + i}", label, unit)
        t.formula(ws, f"C{12 + i}", formula, kind, "output")
    t.section(ws, "B18", "Outputs: acquiring vs retaining", 4)
    compare = [
        (
            "Cost to replace lost customers with new ones",
            "=LostPerYear*PlannedCAC",
            "money",
            "$ per year",
        ),
        ("Cost to keep them instead", "=LostPerYear*RetainCost", "money", "$ per year"),
        (
            "Acquiring costs this many times retaining",
            "=IF(RetainCost=0,0,PlannedCAC/RetainCost)",
            "number",
            "times (often said: 3 to 8)",
        ),
    ]
    for i, (label, formula, kind, unit) in enumerate(compare):
        t.label(ws, f"B{19 + i}", label, unit)
        t.formula(ws, f"C{19 + i}", formula, kind, "output")
    t.section(ws, "B23", "Checks", 4)
    t.check(ws, "C24", "ISNUMBER(C12)", "Headroom computed")
    t.check(ws, "C25", "C13>=0", "The budget is not negative")
