"""The module xlwings imports (UDF_MODULES = clv_xl.excel.udfs): every CLV_ function.

The functions live in ``everyday`` (the everyday formulas) and ``models`` (the buy-till-you-die
models); xlwings finds them here by their ``__xlfunc__`` metadata.
"""

from clv_xl.excel.declare import document
from clv_xl.excel.diagnostics import CLV_COMPARE, CLV_PURCHASE_PROBABILITY, CLV_TRACKING
from clv_xl.excel.everyday import (
    CLV_HEADROOM,
    CLV_LIFESPAN,
    CLV_PAYBACK,
    CLV_PROFIT,
    CLV_RATIO,
    CLV_RETENTION,
    CLV_SEGMENT,
    CLV_VALUE,
)
from clv_xl.excel.logs import CLV_HOLDOUT, CLV_SUMMARY
from clv_xl.excel.models import (
    CLV_EXPECTED_PURCHASES,
    CLV_EXPECTED_SPEND,
    CLV_FIT,
    CLV_FIT_SPEND,
    CLV_LIFETIME_VALUE,
    CLV_P_ALIVE,
)
from clv_xl.excel.retention import CLV_DERL, CLV_FIT_RETENTION, CLV_RETENTION_CURVE
from clv_xl.excel.sources import CLV_SUMMARY_FILE
from clv_xl.excel.uncertainty import CLV_FIT_COHORTS, CLV_INTERVAL

__all__ = [
    "CLV_COMPARE",
    "CLV_DERL",
    "CLV_EXPECTED_PURCHASES",
    "CLV_EXPECTED_SPEND",
    "CLV_FIT",
    "CLV_FIT_COHORTS",
    "CLV_FIT_RETENTION",
    "CLV_FIT_SPEND",
    "CLV_HEADROOM",
    "CLV_HOLDOUT",
    "CLV_INTERVAL",
    "CLV_LIFESPAN",
    "CLV_LIFETIME_VALUE",
    "CLV_PAYBACK",
    "CLV_PROFIT",
    "CLV_PURCHASE_PROBABILITY",
    "CLV_P_ALIVE",
    "CLV_RATIO",
    "CLV_RETENTION",
    "CLV_RETENTION_CURVE",
    "CLV_SEGMENT",
    "CLV_SUMMARY",
    "CLV_SUMMARY_FILE",
    "CLV_TRACKING",
    "CLV_VALUE",
]


def _errors_as_text() -> None:
    """Excel's error values reach every argument as their text ("#N/A", xlwings' err_to_str),
    on the desktop and through Office.js alike, so an error cell is named in the answer instead
    of arriving as None, a blank a function would skip. Declared here once for every function
    (the decorators leave ``__xlfunc__`` only where xlwings registers functions)."""
    for name in __all__:
        for argument in getattr(globals()[name], "__xlfunc__", {}).get("args", []):
            argument["options"].setdefault("err_to_str", True)


_errors_as_text()
for _name in __all__:
    document(globals()[_name])
