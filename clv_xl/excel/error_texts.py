"""Excel's error values as a cell shows them, and how clv_xl recognises an error in a cell."""

from __future__ import annotations

import re
from typing import Any

EXCEL_ERRORS = frozenset(
    {
        "#NULL!",
        "#DIV/0!",
        "#VALUE!",
        "#REF!",
        "#NAME?",
        "#NUM!",
        "#N/A",
        "#GETTING_DATA",
        "#SPILL!",
        "#CALC!",
        "#FIELD!",
        "#BLOCKED!",
        "#CONNECT!",
        "#BUSY!",
        "#UNKNOWN!",
    }
)
"""Every error value Excel 365 can show."""

_CLV_MESSAGE = re.compile(r"^CLV_[A-Z_]+: ")

ERROR_STARTS = frozenset("#C")
"""The first characters of every text :func:`is_error` accepts (a cheap test before it)."""


def is_error(value: Any) -> bool:
    """An Excel error value, or a CLV_ function's one-line message ("CLV_FIT: ...")."""
    return isinstance(value, str) and (value in EXCEL_ERRORS or bool(_CLV_MESSAGE.match(value)))
