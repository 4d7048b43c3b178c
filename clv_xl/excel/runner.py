"""Run a core function for Excel: one readable line instead of any exception, cell by cell.

``excel_function`` wraps every UDF: whatever goes wrong becomes the text
"CLV_NAME: what was wrong" in the cell (xlwings would otherwise show a traceback).
``run_elementwise`` applies an element-wise core function over ranges, judging each cell with the
domains the core declared, so one bad cell gives one message in its own output cell.
"""

from __future__ import annotations

import contextvars
import functools
import math
from collections.abc import Callable
from typing import Any

import numpy as np

from clv_xl.core.domains import ElementwiseFunction
from clv_xl.errors import CLVError, describe
from clv_xl.excel.convert import common_shape, numeric_cells, to_excel

_current = contextvars.ContextVar("clv_function", default="CLV")


def current_function() -> str:
    return _current.get()


def one_line(text: str, limit: int = 250) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def excel_function(f: Callable[..., Any]) -> Callable[..., Any]:
    """Make ``f`` safe for a cell: it returns a value or one line naming the function."""
    name = f.__name__

    @functools.wraps(f)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        token = _current.set(name)
        try:
            result = f(*args, **kwargs)
            if isinstance(result, float) and not math.isfinite(result):
                return one_line(
                    f"{name}: no finite result for these inputs (a parameter or the horizon is "
                    "too extreme); check the parameter table, or refit it with CLV_FIT"
                )
            return result
        except CLVError as exc:
            return one_line(f"{name}: {exc}")
        except Exception as exc:  # the last line of defence: never a traceback in a cell
            return one_line(f"{name}: unexpected {type(exc).__name__}: {exc} (please report)")
        finally:
            _current.reset(token)

    return wrapper


def run_elementwise(
    core_fn: ElementwiseFunction, options: dict[str, Any] | None = None, **args: Any
) -> Any:
    """Apply an element-wise core function (see ``clv_xl.core.domains``) to Excel arguments."""
    fast = _all_plain_numbers(core_fn, args, options)
    if fast is not None:
        return fast
    name = current_function()
    domains = core_fn.domains
    cells = {arg: numeric_cells(value) for arg, value in args.items()}
    shape = common_shape(name, {arg: c.shape for arg, c in cells.items()})
    message = np.full(shape, "", dtype=object)
    all_required_blank = np.ones(shape, dtype=bool)
    required_ranges = 0
    values: dict[str, np.ndarray] = {}
    for arg, c in cells.items():
        dom = domains[arg]
        v, blank, problem = (_spread(x, shape) for x in (c.values, c.blank, c.problem))
        if dom.blank is None:
            _note(message, blank, f"{arg} is missing; expected {dom.allowed}")
            if c.values.size > 1:  # a row blank in every required range stays blank
                all_required_blank &= blank
                required_ranges += 1
        else:
            v = np.where(blank, dom.blank, v)
        _note(
            message,
            problem != "",
            np.char.add(f"{arg} ", problem.astype(str)).astype(object)
            + f"; expected {dom.allowed}",
        )
        good = dom.ok(v)
        if dom.blank is not None and np.isnan(dom.blank):
            good |= blank
        bad = ~good & ~blank & (problem == "")
        if bad.any():
            hint = f" ({dom.hint})" if dom.hint else ""
            texts = np.array(
                [f"{arg} got {describe(float(x))}; expected {dom.allowed}{hint}" for x in v[bad]],
                dtype=object,
            )
            fill = np.full(shape, "", dtype=object)
            fill[bad] = texts
            _note(message, bad, fill)
        values[arg] = v
    with np.errstate(all="ignore"):
        result = np.broadcast_to(
            np.asarray(core_fn.formula(**values, **(options or {})), dtype=np.float64), shape
        )
    infinite = core_fn.infinite or "no finite result"
    _note(message, ~np.isfinite(result), infinite)
    out = np.where(
        message == "",
        result.astype(object),
        np.char.add(f"{name}: ", message.astype(str)).astype(object),
    )
    if required_ranges and int(np.prod(shape)) > 1:
        out = np.where(all_required_blank, "", out)  # empty rows of a range stay empty
    return to_excel(np.asarray(out, dtype=object))


_PLAIN = (int, float)


def _all_plain_numbers(
    core_fn: ElementwiseFunction, args: dict[str, Any], options: dict[str, Any] | None
) -> Any:
    """The common cases, without the per-cell machinery: every argument a plain number (one
    cell), or every argument a range of plain numbers of one shape (or a single cell). Returns
    None when anything needs the careful path (blanks, text, bools, bad values, odd shapes)."""
    values: dict[str, Any] = {}
    shape: tuple[int, ...] | None = None
    for arg, value in args.items():
        dom = core_fn.domains[arg]
        if value is None:
            if dom.blank is None:  # required: the careful path says it is missing
                return None
            values[arg] = np.float64(dom.blank)
            continue
        kind = type(value)
        if kind is float or kind is int:
            if not dom.ok_number(float(value)):
                return None
            values[arg] = np.float64(value)  # NumPy scalars: inf, not ZeroDivisionError
            continue
        elif kind is list and value and type(value[0]) is list and len(value) * len(value[0]) > 1:
            kinds = {type(c) for row in value for c in row}
            if not kinds <= {float, int} or len({len(row) for row in value}) != 1:
                return None
            x = np.array(value, dtype=float)
            if shape is None:
                shape = x.shape
            elif x.shape != shape:
                return None
        elif (
            kind is list
            and len(value) == 1
            and type(value[0]) is list
            and len(value[0]) == 1
            and type(value[0][0]) in _PLAIN
        ):
            if not dom.ok_number(float(value[0][0])):
                return None
            values[arg] = np.float64(value[0][0])
            continue
        else:
            return None
        if not bool(np.all(dom.ok(np.asarray(x)))):
            return None
        values[arg] = x
    with np.errstate(all="ignore"):
        result = core_fn.formula(**values, **(options or {}))
    if shape is None:
        out = float(result)
        return out if out == out and abs(out) != float("inf") else None
    result = np.broadcast_to(np.asarray(result, dtype=np.float64), shape)
    if not np.all(np.isfinite(result)):
        return None
    return result.tolist()


def _spread(x: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    if x.size == 1:
        x = x.reshape(())
    return np.broadcast_to(x, shape).copy()


def _note(message: np.ndarray, where: np.ndarray, text: Any) -> None:
    """Record ``text`` for cells in ``where`` that have no message yet (first problem wins)."""
    target = where & (message == "")
    if np.ndim(text) == 0:
        message[target] = text
    else:
        message[target] = np.asarray(text, dtype=object)[target]
