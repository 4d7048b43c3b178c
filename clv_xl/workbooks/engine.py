"""The CLV_ functions inside the headless engine, fed exactly what xlwings feeds them.

A CLV_ call nested in an Excel formula (``=SUM(CLV_P_ALIVE(...))``) is computed by formualizer
calling the function; it passes a range as a list of rows (None for blanks) and a cell as its
value, which is xlwings' shape with ``ndim=2``. The adapter keeps to that shape (a range of one
cell as its value), turns omitted arguments back into None (see :func:`mark_omitted`) and hands
results back as lists of rows.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import numpy as np

from clv_xl.excel import udfs
from clv_xl.excel.error_texts import EXCEL_ERRORS

# Excel hands a function an omitted argument (``=CLV_RETENTION(100,0.8,0.1,,"end")``) as
# "missing", which xlwings turns into None and the function into its default. The engine reads
# an empty argument as 0, so before it sees a formula, every omitted argument of a CLV_ call
# becomes a call of CLV_OMITTED(), whose value the adapter turns back into None.
OMITTED_CALL = "CLV_OMITTED()"
OMITTED = "\u2400clv-omitted"
_CLV_CALL = re.compile(r"CLV_[A-Z0-9_]*\(", re.IGNORECASE)


def mark_omitted(formula: str) -> str:
    """``formula`` with each omitted argument of a CLV_ call replaced by CLV_OMITTED()."""
    if "," not in formula or "CLV_" not in formula.upper():
        return formula
    out: list[str] = []
    stack: list[bool] = []  # per open parenthesis: is it a CLV_ call's argument list?
    i, n = 0, len(formula)
    while i < n:
        ch = formula[i]
        if ch == '"':  # a string literal, "" inside it an escaped quote
            j = i + 1
            while j < n and not (formula[j] == '"' and formula[j + 1 : j + 2] != '"'):
                j += 2 if formula[j] == '"' else 1
            out.append(formula[i : j + 1])
            i = j + 1
            continue
        match = _CLV_CALL.match(formula, i)
        if match and (i == 0 or not (formula[i - 1].isalnum() or formula[i - 1] == "_")):
            out.append(match.group(0))
            stack.append(True)
            i = match.end()
            if formula[i : i + 1].isspace() or formula[i : i + 1] == ",":
                _omitted_here(formula, i, out)
            continue
        if ch == "(":
            stack.append(False)
        elif ch == ")" and stack:
            stack.pop()
        out.append(ch)
        i += 1
        if ch == "," and stack and stack[-1]:
            _omitted_here(formula, i, out)
    return "".join(out)


def _omitted_here(formula: str, i: int, out: list[str]) -> None:
    """After "(" or "," of a CLV_ call: an argument that is only spaces before "," or ")"."""
    j = i
    while j < len(formula) and formula[j] == " ":
        j += 1
    if j < len(formula) and formula[j] in ",)":
        if formula[j] == ")" and out[-1].endswith("("):
            return  # "CLV_X()": no arguments, not an omitted one
        out.append(OMITTED_CALL)


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


def rows_in(rows: list[list[Any]]) -> list[list[Any]]:
    """Rows of engine values as xlwings hands them (:func:`cell_in`), column by column where a
    column holds one kind (a log's 100,000 dates are converted in one pass)."""
    if not rows:
        return rows
    width = len(rows[0])
    if width == 1:
        column = [r[0] for r in rows]
        return [[v] for v in _column_in(column)]
    columns = [_column_in([r[j] for r in rows]) for j in range(width)]
    return [list(r) for r in zip(*columns, strict=True)]


def _column_in(values: list[Any], header: bool = True) -> list[Any]:
    if header and values and isinstance(values[0], str):  # a header over a column of one kind
        return [cell_in(values[0]), *_column_in(values[1:], header=False)]
    kinds = set(map(type, values))
    if kinds <= _AS_IS:
        return values
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
        rows = [r if isinstance(r, list) else [r] for r in arg]
        if len(rows) == 1 and len(rows[0]) == 1:
            return cell_in(rows[0][0])
        return [[cell_in(x) for x in row] for row in rows]
    return cell_in(arg)


def clv_functions() -> dict[str, Callable[..., Any]]:
    """Every CLV_ function by Excel name (and CLV_OMITTED, the mark of an omitted argument)."""
    functions = {name: getattr(udfs, name) for name in udfs.__all__}
    functions["CLV_OMITTED"] = lambda: OMITTED
    return functions
