"""CLV_ functions for Excel, as xlwings user-defined functions (category "CLV").

Each function is a short wrapper: conversion is declared with ``xw.arg`` (``ndim=2`` so a range
always arrives as rows of cells and results keep the range's shape), the maths is the core's, and
``excel_function`` turns any failure into one line of text in the cell. Arguments carry no type
hints on purpose: xlwings reads hints as converters.
"""

from __future__ import annotations

from typing import Any

import xlwings as xw

from clv_xl import core
from clv_xl.core.everyday import check_timing
from clv_xl.errors import CellError
from clv_xl.excel import argdocs as docs
from clv_xl.excel.convert import numeric_cells, to_excel, to_grid
from clv_xl.excel.declare import cell, cells
from clv_xl.excel.runner import excel_function, run_elementwise


@xw.func(category=docs.CATEGORY)
@cells(
    "avg_purchase", "Average amount of one purchase, e.g. 14. A range gives one answer per cell."
)
@cells(
    "expected_purchases",
    "Expected number of purchases over the customer's lifetime, e.g. 2 (>= 0).",
)
@excel_function
def CLV_VALUE(avg_purchase, expected_purchases):
    """Lifetime value: average purchase x expected number of purchases.

    In a cell: ``=CLV_VALUE(B2, C2)``; ranges give one answer per cell (seed 001's Mary).

    Returns
    -------
    number or range
        Value in the purchases' currency, the shape of the larger argument.

    Examples
    --------
    >>> CLV_VALUE(8, 1) + CLV_VALUE(20, 1)  # Mary: $8, then $20
    28.0
    >>> CLV_VALUE([[14], [50]], 2)
    [[28.0], [100.0]]
    """
    return run_elementwise(core.value, **locals())  # the arguments, by name


@xw.func(category=docs.CATEGORY)
@cells("avg_purchase", "Average amount of one purchase (revenue), e.g. 14.")
@cells("expected_purchases", "Expected number of purchases over the lifetime (>= 0).")
@cells("margin", "Gross margin as a fraction of revenue: 40% or 0.4 (0 to 1).")
@cells(
    "cost_per_purchase", "Optional cost to serve each purchase, e.g. delivery (>= 0; blank = 0)."
)
@cells(
    "fixed_costs",
    "Optional one-off costs per customer over the lifetime, e.g. retention mailings (>= 0; blank = 0).",
)
@excel_function
def CLV_PROFIT(avg_purchase, expected_purchases, margin, cost_per_purchase=None, fixed_costs=None):
    """Lifetime profit: purchases x (average purchase x margin - cost per purchase) - fixed costs.

    Returns
    -------
    number or range
        Profit in the purchases' currency (may be negative).

    Examples
    --------
    >>> CLV_PROFIT(50, 10, 0.4, 5, 30)  # 10 x (50 x 40% - 5) - 30
    120.0
    """
    return run_elementwise(core.profit, **locals())  # the arguments, by name


@xw.func(category=docs.CATEGORY)
@cells("lifetime_profit", "Lifetime profit of one customer, e.g. 10000.")
@cells(
    "acquisition_cost",
    "Optional amount already spent to win the customer, e.g. 199 (>= 0; blank = 0).",
)
@cells(
    "target_ratio",
    "Optional lifetime profit per unit of acquisition cost you require: 1 = break-even (blank), 3 = the 3:1 rule.",
)
@excel_function
def CLV_HEADROOM(lifetime_profit, acquisition_cost=None, target_ratio=None):
    """How much more you could spend to win such a customer: profit / target ratio - cost.

    Returns
    -------
    number or range
        Spare budget per customer; negative means the customer already cost too much.

    Examples
    --------
    >>> CLV_HEADROOM(10000, 199)  # a $10,000 customer easily justifies a $199 installation
    9801.0
    >>> round(CLV_HEADROOM(500, 50, 3), 2)  # the 3:1 rule on a $500 customer won for $50
    116.67
    """
    return run_elementwise(core.headroom, **locals())  # the arguments, by name


@xw.func(category=docs.CATEGORY)
@cells("lifetime_value", "Lifetime value (or profit) of a customer, e.g. 500.")
@cells("acquisition_cost", "Cost to acquire that customer, e.g. 50 (> 0).")
@excel_function
def CLV_RATIO(lifetime_value, acquisition_cost):
    """LTV:CAC, lifetime value divided by acquisition cost (3 or more is the usual target).

    Returns
    -------
    number or range
        The ratio; a cost of 0 is one line saying the ratio is unbounded.

    Examples
    --------
    >>> CLV_RATIO(500, 50), CLV_RATIO(20, 50)  # $50 to win $500 is sensible, to win $20 is not
    (10.0, 0.4)
    """
    return run_elementwise(core.ratio, **locals())  # the arguments, by name


@xw.func(category=docs.CATEGORY)
@cells("margin", "Margin a customer brings per period, e.g. 100.")
@cells(
    "retention_rate", "Share of customers kept from one period to the next: 80% or 0.8 (0 to 1)."
)
@cells("discount_rate", "Discount rate per period: 10% or 0.1 (>= 0).")
@cells(
    "periods",
    "Optional number of periods to count (whole number); blank = no end (infinite horizon).",
)
@cell(
    "timing",
    'Optional: "retained" (default, margin at the end of each period retained), "end" (end of every active period) or "start" (start of every period).',
)
@excel_function
def CLV_RETENTION(margin, retention_rate, discount_rate, periods=None, timing=None):
    """Retention-based CLV, infinite or over a number of periods, in one of three timings.

    With margin m, retention r and discount d per period, for no end: "retained" (margin at
    the end of each period the customer is retained) m r / (1 + d - r), "end" (at the end of
    every active period) m / (1 + d - r), "start" (at its start) m (1 + d) / (1 + d - r); with
    ``periods``, the same series' first terms.

    Returns
    -------
    number or range
        Value of one customer in the margin's currency.

    Examples
    --------
    >>> round(CLV_RETENTION(100, 0.8, 0.1), 2)
    266.67
    >>> round(CLV_RETENTION(100, 0.8, 0.1, None, "end"), 2)
    333.33

    References
    ----------
    Fader, P. S. & Hardie, B. G. S., "What's wrong with this CLV formula?" (a note on the timing
    of the margin, brucehardie.com).
    """
    key = "retained" if timing is None or timing == "" else check_timing(timing)
    return run_elementwise(
        core.retention_value,
        {"timing": key},
        margin=margin,
        retention_rate=retention_rate,
        discount_rate=discount_rate,
        periods=periods,
    )


@xw.func(category=docs.CATEGORY)
@cells("churn_rate", "Share of customers lost per period: 20% or 0.2 (above 0, up to 1).")
@excel_function
def CLV_LIFESPAN(churn_rate):
    """Expected number of periods a customer stays, counting the first: 1 / churn rate.

    Returns
    -------
    number or range
        Periods (the churn rate's period: a monthly rate gives months).

    Examples
    --------
    >>> CLV_LIFESPAN(0.2)
    5.0
    """
    return run_elementwise(core.lifespan, **locals())  # the arguments, by name


@xw.func(category=docs.CATEGORY)
@cells("acquisition_cost", "Cost to acquire one customer, e.g. 50 (>= 0).")
@cells("margin_per_period", "Margin the customer brings each period while active, e.g. 25.")
@cells("retention_rate", "Optional share of customers kept each period: 80% or 0.8 (blank = 100%).")
@cells("discount_rate", "Optional discount rate per period: 1% or 0.01 (blank = 0).")
@excel_function
def CLV_PAYBACK(acquisition_cost, margin_per_period, retention_rate=None, discount_rate=None):
    """Periods until expected discounted margin covers the acquisition cost.

    Returns
    -------
    number or range
        Periods, fractional; "never" (one line) when the margin never covers the cost.

    Examples
    --------
    >>> round(CLV_PAYBACK(50, 25, 0.8, 0.01), 3)
    2.363
    >>> CLV_PAYBACK(100, 25)  # every customer stays, no discount: cost / margin
    4.0
    """
    return run_elementwise(core.payback, **locals())  # the arguments, by name


@xw.func(category=docs.CATEGORY)
@cells("values", "Customer values to rank, e.g. lifetime values; blanks get no tier.")
@cells(
    "tiers",
    "Optional: a number of equal-size tiers (blank = 4), or a range of cumulative value shares such as 0.5, 0.8, 0.95 for ABC tiers.",
)
@cells(
    "labels",
    'Optional range of tier names, best first, e.g. "Gold", "Silver", "Bronze" (blank = Tier 1, Tier 2, ...).',
)
@excel_function
def CLV_SEGMENT(values, tiers=None, labels=None):
    """Tier label for every value, best first: equal-size tiers or ABC shares of total value.

    Returns
    -------
    range
        One label per value ("Tier 1" is the most valuable), blank for a blank value.

    Examples
    --------
    >>> CLV_SEGMENT([[10], [5], [1], [7]], 2)
    [['Tier 1'], ['Tier 2'], ['Tier 2'], ['Tier 1']]
    >>> CLV_SEGMENT([[10], [5], [1], [7]], [[0.5], [0.9]], [["A"], ["B"], ["C"]])
    [['A'], ['B'], ['C'], ['A']]
    """
    cells = numeric_cells(values)
    bad = cells.problem != ""
    if bad.any():
        raise CellError("values", cells.problem[bad].ravel()[0], "numbers or blanks")
    tier_arg = _tiers(tiers)
    label_list = None
    if labels is not None:
        label_list = [str(x) for x in to_grid(labels).ravel().tolist() if x not in (None, "")]
    return to_excel(core.segment(cells.values, tier_arg, label_list))


def _tiers(tiers: Any) -> Any:
    cells = numeric_cells(tiers if tiers is not None else 4)
    present = cells.values[~cells.blank]
    if (cells.problem != "").any():
        raise CellError(
            "tiers",
            cells.problem[cells.problem != ""].ravel()[0],
            "a number of tiers or a range of shares such as 0.5, 0.8",
        )
    if present.size == 0:
        return 4
    if present.size == 1 and present[0] >= 1:
        return float(present[0])  # the core checks it is a whole number in range
    return present.ravel().tolist()
