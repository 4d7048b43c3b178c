"""The CLV_ functions that read a transaction log (one row per purchase): CLV_SUMMARY and
CLV_HOLDOUT."""

from __future__ import annotations

import xlwings as xw

from clv_xl.data import holdout_check, summarize
from clv_xl.excel import argdocs as docs
from clv_xl.excel.arguments import (
    amount_cells,
    date_cell,
    transactions,
)
from clv_xl.excel.attributes import carried
from clv_xl.excel.cohorts import cohort_labels
from clv_xl.excel.declare import cell, cells
from clv_xl.excel.runner import excel_function
from clv_xl.excel.tables import (
    spill,
)


@xw.func(category=docs.CATEGORY)
@cells("customer_ids", "Customer of each transaction (one column of ids or names).")
@cells("dates", "Date of each transaction: date cells, 1997-01-01 text or 19970101 numbers.")
@cells("amounts", "Optional amount of each transaction; returns are negative and netted per day.")
@cell("as_of", docs.AS_OF)
@cell("period", docs.PERIOD)
@cell(
    "cohorts",
    'Optional: add a cohort column, the first purchase\'s "M" month (2024-03), "Q" quarter (2024-Q1) or "Y" year.',
)
@cells(
    "attributes",
    "Optional columns of the log to carry per customer (channel, region), with their header row; each customer's first row gives the value.",
)
@excel_function
def CLV_SUMMARY(
    customer_ids, dates, amounts=None, as_of=None, period=None, cohorts=None, attributes=None
):
    """One row per customer: frequency, recency, T, monetary value and more, with a header.

    From a transaction log (one row per purchase), the statistics the buy-till-you-die models are
    fitted to: frequency (repeat purchases: purchase days after the first), recency (first to last
    purchase) and T (first purchase to ``as_of``), in the time unit of ``period``; monetary_value
    (average repeat purchase), as lifetimes' ``summary_data_from_transaction_data`` defines them.

    Returns
    -------
    range
        A header row, then one row per customer, to spill (``=CLV_SUMMARY(...)`` in one cell).

    Examples
    --------
    >>> from datetime import datetime as d
    >>> table = CLV_SUMMARY([[1], [1], [2]], [[d(2024, 1, 1)], [d(2024, 1, 15)], [d(2024, 1, 8)]],
    ...                     [[8], [20], [5]], d(2024, 1, 29))
    >>> table[0][:5], table[1][:5]  # Mary: $8, then $20 two weeks later
    (['customer', 'frequency', 'recency', 'T', 'monetary_value'], [1.0, 1.0, 2.0, 4.0, 20.0])
    """
    rows, ids, days, n_cells = transactions(customer_ids, dates)
    amount_values = None if amounts is None else amount_cells(amounts, rows, n_cells)
    frame = summarize(ids, days, amount_values, date_cell(as_of, "as_of"), period)
    if cohorts not in (None, ""):
        frame["cohort"] = cohort_labels(frame["first_purchase"], cohorts)
    if attributes is not None:
        for name, values in carried(attributes, ids, rows, n_cells, frame["customer"]).items():
            frame[name] = values
    return spill(frame)


@xw.func(category=docs.CATEGORY)
@cells("customer_ids", "Customer of each transaction.")
@cells("dates", "Date of each transaction.")
@cell(
    "calibration_end", "Last date of the calibration period (the model is fitted on data up to it)."
)
@cell(
    "holdout_end",
    "Last date of the holdout period (actual purchases after calibration_end up to it).",
)
@cell("model", 'Optional "BG/NBD" (blank), "MBG/NBD" or "Pareto/NBD".')
@excel_function
def CLV_HOLDOUT(customer_ids, dates, calibration_end, holdout_end, model=None):
    """Calibration/holdout check: actual vs predicted holdout purchases by repeat purchases.

    The model is fitted to the log up to ``calibration_end``; customers are grouped by repeat
    purchases then (as Figure 4 of Fader, Hardie & Lee 2005) and their mean purchases in the
    holdout compared with the model's conditional expectation.

    Returns
    -------
    range
        Columns frequency, customers, actual, predicted, and a row for all customers.

    Examples
    --------
    >>> from datetime import datetime as d
    >>> CLV_HOLDOUT([[1], [1], [2], [2], [3]], [[d(2024, 1, 1)], [d(2024, 2, 1)], [d(2024, 1, 3)],
    ...              [d(2024, 3, 9)], [d(2024, 1, 20)]], d(2024, 2, 15), d(2024, 3, 31))[0]
    ['frequency', 'customers', 'actual', 'predicted']
    """
    _, ids, days, _ = transactions(customer_ids, dates)
    calibration_end = date_cell(calibration_end, "calibration_end")
    holdout_end = date_cell(holdout_end, "holdout_end")
    table, _ = holdout_check(
        ids, days, calibration_end, holdout_end, "BG/NBD" if model in (None, "") else model
    )
    return spill(table)
