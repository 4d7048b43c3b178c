"""The CLV_ functions inside the ``formulas`` Excel engine, fed exactly what xlwings feeds them.

The engine passes a range as a ``Ranges`` object (a 2-D object array with ``schedula.EMPTY``
for blanks), a scalar as a NumPy or Python value, an error as ``XlError`` (a str such as
"#N/A"), and dates as serial numbers. xlwings, with ``ndim=2``, passes lists of lists with None
for blanks. The adapter turns the first into the second, and results back (datetimes to serial
numbers), so the Excel layer is the same code under Excel and here.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Callable
from typing import Any

import numpy as np
import schedula as sh

from clv_xl.excel import udfs

EXCEL_EPOCH = dt.datetime(1899, 12, 30)

# Excel hands a function an omitted argument (``=CLV_RETENTION(100,0.8,0.1,,"end")``) as
# "missing", which xlwings turns into None and the function into its default. The engine reads
# an empty argument as 0, so before it sees a formula every omitted argument of a CLV_ call
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


def cell_in(x: Any) -> Any:
    """One engine value as xlwings would hand it over."""
    if x is sh.EMPTY or (isinstance(x, str) and x == OMITTED):
        return None
    if isinstance(x, np.generic):
        return x.item()
    if isinstance(x, str):
        return str(x)  # XlError is a str subclass: "#N/A" text
    return x


def arg_in(arg: Any) -> Any:
    """One argument as xlwings hands it over: a single cell as its value (what an argument
    without ``ndim=2`` gets; the ``ndim=2`` ones accept it too), a range as rows of cells."""
    value = getattr(arg, "value", arg)  # Ranges -> its 2-D array
    if isinstance(value, np.ndarray):
        grid = np.asarray(value, dtype=object)
        if grid.size == 1:
            return cell_in(grid.reshape(()).item())
        if grid.ndim == 1:
            grid = grid[None, :]
        return [[cell_in(x) for x in row] for row in grid.tolist()]
    return cell_in(value)


def cell_out(x: Any) -> Any:
    """A Python value as the engine (and an .xlsx) holds it: dates become serial numbers."""
    if isinstance(x, dt.datetime):
        return (x - EXCEL_EPOCH).total_seconds() / 86400.0
    if isinstance(x, dt.date):
        return float((x - EXCEL_EPOCH.date()).days)
    if x is None:
        return ""
    return x


def result_out(result: Any) -> Any:
    if isinstance(result, list):
        rows = [r if isinstance(r, list) else [r] for r in result]
        out = np.empty((len(rows), len(rows[0]) if rows else 0), dtype=object)
        for i, row in enumerate(rows):
            out[i, :] = [cell_out(x) for x in row]
        return out
    return cell_out(result)


def engine_function(f: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(f)
    def call(*args: Any) -> Any:
        return result_out(f(*(arg_in(a) for a in args)))

    return call


def clv_functions() -> dict[str, Callable[..., Any]]:
    """Every CLV_ function, wrapped for the engine, by Excel name (and CLV_OMITTED)."""
    functions = {name: engine_function(getattr(udfs, name)) for name in udfs.__all__}
    functions["CLV_OMITTED"] = lambda: OMITTED
    return functions


def register() -> None:
    """Make the CLV_ functions known to ``formulas`` (idempotent)."""
    import formulas

    functions = formulas.get_functions()
    functions.update(clv_functions())
