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
from collections.abc import Callable
from typing import Any

import numpy as np
import schedula as sh

from clv_xl.excel import udfs

EXCEL_EPOCH = dt.datetime(1899, 12, 30)


def cell_in(x: Any) -> Any:
    """One engine value as xlwings would hand it over."""
    if x is sh.EMPTY:
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
    """Every CLV_ function, wrapped for the engine, by Excel name."""
    return {name: engine_function(getattr(udfs, name)) for name in udfs.__all__}


def register() -> None:
    """Make the CLV_ functions known to ``formulas`` (idempotent)."""
    import formulas

    functions = formulas.get_functions()
    functions.update(clv_functions())
