"""From a transaction log to one row per customer. Pure pandas/NumPy, no xlwings."""

from clv_xl.data.dates import to_dates
from clv_xl.data.holdout import holdout_check
from clv_xl.data.summary import SUMMARY_COLUMNS, period_days, summarize

__all__ = ["SUMMARY_COLUMNS", "holdout_check", "period_days", "summarize", "to_dates"]
