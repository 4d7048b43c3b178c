"""The CLV_ functions inside the headless engine, fed exactly what xlwings feeds them.

A CLV_ call nested in an Excel formula (``=SUM(CLV_P_ALIVE(...))``) is computed by formualizer
calling the function; it passes a range as a list of rows (None for blanks) and a cell as its
value, which is xlwings' shape with ``ndim=2``. The adapter keeps to that shape (a range of one
cell as its value), turns omitted arguments back into None (see
:func:`clv_xl.workbooks.formula_text.mark_omitted`) and hands
results back as lists of rows.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from itertools import chain
from operator import itemgetter
from typing import Any

import numpy as np

from clv_xl.excel import udfs
from clv_xl.excel.error_texts import EXCEL_ERRORS

OMITTED = "\u2400clv-omitted"
"""The value of CLV_OMITTED(), the mark :func:`clv_xl.workbooks.formula_text.mark_omitted`
puts where a CLV_ call's argument is omitted: read back as None."""


ERROR_KINDS = {re.sub(r"[#!?/0]", "", e).lower(): e for e in EXCEL_ERRORS}
ERROR_KINDS["circ"] = "#CIRC"
"""formualizer's error kinds as Excel shows them ("#CIRC": a cell in a circular reference)."""


def cell_in(x: Any) -> Any:
    """One engine value as xlwings hands it over: None for a blank (and for an omitted
    argument's mark), datetimes for dates, Excel's error texts, Python numbers."""
    if x is None or (isinstance(x, str) and (x == OMITTED or x == "")):
        return None
    if isinstance(x, dict):
        if x.get("type") == "Error":
            return ERROR_KINDS.get(str(x.get("kind", "")).lower(), "#VALUE!")
        return str(x)
    if isinstance(x, dt.datetime):
        return x
    if isinstance(x, dt.date):
        return dt.datetime(x.year, x.month, x.day)
    if isinstance(x, np.generic):
        return x.item()
    return x


_AS_IS = frozenset({float, bool, int})
_UNIX_ORDINAL = dt.date(1970, 1, 1).toordinal()


def columns_in(rows: list[list[Any]]) -> list[list[Any]]:
    """Rows of engine values as xlwings hands them (:func:`cell_in`), given back as columns (no
    list made per row), each converted in one pass where it holds one kind (a log's 100,000
    dates at once)."""
    if not rows:
        return []
    return [_column_in(list(map(itemgetter(j), rows))) for j in range(len(rows[0]))]


def _column_in(values: list[Any], header: bool = True) -> list[Any]:
    if header and values and isinstance(values[0], str):  # a header over a column of one kind
        return [cell_in(values[0]), *_column_in(values[1:], header=False)]
    kinds = set(map(type, values))
    if kinds <= _AS_IS:
        return values
    if kinds == {dt.date}:  # a column of dates: datetimes by NumPy, 40% faster
        ordinals = np.fromiter(map(dt.date.toordinal, values), np.int64, len(values))
        days = (ordinals - _UNIX_ORDINAL).astype("datetime64[D]")
        return days.astype("datetime64[us]").astype(object).tolist()
    if kinds <= {dt.date, type(None)}:
        return [None if v is None else dt.datetime(v.year, v.month, v.day) for v in values]
    if kinds <= {str, type(None)}:
        return [v if v else None for v in values]
    return [v if v.__class__ in _AS_IS else cell_in(v) for v in values]


def arg_in(arg: Any) -> Any:
    """One argument as xlwings hands it over: a single cell as its value (what an argument
    without ``ndim=2`` gets; the ``ndim=2`` ones accept it too), a range as rows of cells."""
    if isinstance(arg, np.ndarray):
        arg = arg.tolist()
    if isinstance(arg, list):
        whole = set(map(type, arg)) == {list}
        rows = arg if whole else [r if isinstance(r, list) else [r] for r in arg]
        if len(rows) == 1 and len(rows[0]) == 1:
            return cell_in(rows[0][0])
        if set(map(type, chain.from_iterable(rows))) <= _AS_IS:
            return rows  # numbers and logical values only: as they are (20,000 cells: 20 ms)
        return [[cell_in(x) for x in row] for row in rows]
    return cell_in(arg)


def clv_functions() -> dict[str, Callable[..., Any]]:
    """Every CLV_ function by Excel name (and CLV_OMITTED, the mark of an omitted argument)."""
    functions = {name: getattr(udfs, name) for name in udfs.__all__}
    functions["CLV_OMITTED"] = lambda: OMITTED
    return functions
