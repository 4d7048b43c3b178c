"""The spreadsheet functions the headless refresh adds to its engine, and those it cannot compute.

The one place to add a function the engine (formualizer) lacks: write it here over the values
the engine hands a registered function (numbers, text, booleans, None for blanks, a range as a
list of rows) and list it in :data:`ADDED`. A function that cannot be added is listed in
:data:`UNSUPPORTED` with the reason, and a cell that uses one is reported in one line instead of
a bare ``#NAME?``. The README's "Where the refresh differs from Excel" lists both.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from clv_xl.core.numbers import is_number
from clv_xl.workbooks.formula_text import calls, tokens

NA = {"type": "Error", "kind": "NA"}  # how a registered function returns Excel's #N/A
_VALUE = ValueError("#VALUE!")


def _rows(value: Any) -> list[list[Any]]:
    if isinstance(value, list):
        return [r if isinstance(r, list) else [r] for r in value]
    return [[value]]


def _count(value: Any, default: int | None = None) -> int:
    if value is None and default is not None:
        return default
    if not is_number(value):
        raise _VALUE
    return int(value)


def expand(array: Any, rows: Any, cols: Any = None, pad: Any = NA) -> list[list[Any]]:
    """EXPAND(array, rows, [columns], [pad_with]): the array grown to rows x columns."""
    grid = _rows(array)
    height, width = len(grid), max(len(r) for r in grid)
    n, m = _count(rows, height), _count(cols, width)
    if n < height or m < width:
        raise _VALUE
    filler = NA if pad is None else pad
    return [[*r, *[filler] * (m - len(r))] for r in grid] + [[filler] * m] * (n - height)


def _wrap(vector: Any, count: Any, pad: Any, by_rows: bool) -> list[list[Any]]:
    values = [v for r in _rows(vector) for v in r]
    k = _count(count)
    if k < 1:
        raise _VALUE
    filler = NA if pad is None else pad
    values += [filler] * (-len(values) % k)
    rows = [values[i : i + k] for i in range(0, len(values), k)]
    return rows if by_rows else [list(c) for c in zip(*rows, strict=True)]


def wraprows(vector: Any, count: Any, pad: Any = None) -> list[list[Any]]:
    """WRAPROWS(vector, wrap_count, [pad_with])."""
    return _wrap(vector, count, pad, by_rows=True)


def wrapcols(vector: Any, count: Any, pad: Any = None) -> list[list[Any]]:
    """WRAPCOLS(vector, wrap_count, [pad_with])."""
    return _wrap(vector, count, pad, by_rows=False)


ADDED: dict[str, Callable[..., Any]] = {
    "EXPAND": expand,
    "_XLFN.EXPAND": expand,
    "WRAPROWS": wraprows,
    "_XLFN.WRAPROWS": wraprows,
    "WRAPCOLS": wrapcols,
    "_XLFN.WRAPCOLS": wrapcols,
}
"""Functions added to the engine, by the names a file stores them under."""

_LAMBDA = "it takes a LAMBDA, which the headless refresh does not compute"
UNSUPPORTED: dict[str, str] = {
    name: _LAMBDA
    for name in ("LAMBDA", "MAP", "MAKEARRAY", "BYROW", "BYCOL", "REDUCE", "SCAN", "ISOMITTED")
} | {
    "GROUPBY": "it takes a function (SUM, a LAMBDA) as an argument, which the headless refresh "
    "does not compute",
    "PIVOTBY": "it takes a function (SUM, a LAMBDA) as an argument, which the headless refresh "
    "does not compute",
}
"""Functions the refresh cannot compute, and why."""


MAX_ARGUMENTS = 255
"""Excel's limit on a function's arguments."""
MAX_OPERANDS = 256
"""The engine's limit on operands joined by operators (``=A1+A2+...``): past it, #VALUE!."""


def explained(formula: str, error: str) -> str:
    """The report's words for an error the engine gave a formula: a function it cannot
    compute, a call with more arguments than Excel takes, or the error itself."""
    found = calls(formula)
    if error == "#NAME?":
        return unsupported_in({c.name for c in found}) or error
    crowded = [c for c in found if len(c.arguments) > MAX_ARGUMENTS]
    if crowded:
        return (
            f"{error} {crowded[0].name} has {len(crowded[0].arguments)} arguments; Excel takes "
            f"at most {MAX_ARGUMENTS}: sum a range instead (SUM(A1:A300))"
        )
    operators = sum(t.kind == "OpInfix" for t in tokens(formula))
    if operators >= MAX_OPERANDS:
        return (
            f"{error} the formula joins {operators + 1} operands with operators; the headless "
            f"engine computes at most {MAX_OPERANDS} (Excel more): use SUM over a range, or "
            "refresh in Excel"
        )
    return error


def unsupported_in(names: set[str]) -> str | None:
    """One line naming the first function of ``names`` the refresh cannot compute."""
    for name in sorted(names):
        if name in UNSUPPORTED:
            return f"{name} is not computed without Excel: {UNSUPPORTED[name]}; refresh in Excel"
    return None


__all__ = [
    "ADDED",
    "MAX_ARGUMENTS",
    "UNSUPPORTED",
    "expand",
    "explained",
    "unsupported_in",
    "wrapcols",
    "wraprows",
]
