"""Run a core function for Excel: one readable line instead of any exception, cell by cell.

``excel_function`` wraps every UDF: whatever goes wrong becomes the text
"CLV_NAME: what was wrong" in the cell (xlwings would otherwise show a traceback).
``run_elementwise`` applies an element-wise core function over ranges, judging each cell with the
domains the core declared, so one bad cell gives one message in its own output cell.
"""

from __future__ import annotations

import contextvars
import functools
import inspect
import math
from collections.abc import Callable
from typing import Any

import numpy as np

from clv_xl.core.domains import ElementwiseFunction
from clv_xl.errors import CLVError, describe
from clv_xl.excel.convert import RaggedRangeError, common_shape, is_ragged, numeric_cells
from clv_xl.runtime import CollectorPaused

_current = contextvars.ContextVar("clv_function", default="CLV")


_refused: contextvars.ContextVar[CLVError | None] = contextvars.ContextVar(
    "clv_refused", default=None
)


def current_function() -> str:
    return _current.get()


def last_error() -> CLVError | None:
    """The error the last CLV_ function called in this context turned into its one line (None
    when it answered): the refresh reads its place to name the sheet row."""
    return _refused.get()


def one_line(text: str, limit: int = 250) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def excel_function(f: Callable[..., Any]) -> Callable[..., Any]:
    """Make ``f`` safe for a cell: it returns a value or one line naming the function."""
    name = f.__name__

    @functools.wraps(f)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        token = _current.set(name)
        _refused.set(None)
        try:
            with CollectorPaused():  # a range's answer: millions of small lists, no cycles
                result = f(*args, **kwargs)
            _refused.set(None)  # an inner call's refusal is not this call's
            if isinstance(result, float) and not math.isfinite(result):
                return one_line(
                    f"{name}: no finite result for these inputs (a parameter or the horizon is "
                    "too extreme); check the parameter table, or refit it with CLV_FIT"
                )
            return result
        except CLVError as exc:
            if isinstance(exc, RaggedRangeError):  # which argument: looked for on this path only
                exc = RaggedRangeError(_ragged(f, args, kwargs))
            _refused.set(exc)
            return one_line(f"{name}: {exc}")
        except Exception as exc:  # the last line of defence: never a traceback in a cell
            return one_line(f"{name}: unexpected {type(exc).__name__}: {exc} (please report)")
        finally:
            _current.reset(token)

    return wrapper


def _ragged(f: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> str:
    """The name of the first argument that is a ragged list of rows."""
    given = inspect.signature(f).bind_partial(*args, **kwargs).arguments
    return next((k for k, v in given.items() if is_ragged(v)), "a range")


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
    notes = _Notes(shape)
    all_required_blank = np.ones(shape, dtype=bool)
    required_ranges = 0
    values: dict[str, np.ndarray] = {}
    for arg, c in cells.items():
        dom = domains[arg]
        v, blank = _spread(c.values, shape), _spread(c.blank, shape)
        if dom.blank is None:
            notes.add(blank, f"{arg} is missing; expected {dom.allowed}")
            if c.values.size > 1:  # a row blank in every required range stays blank
                all_required_blank &= blank
                required_ranges += 1
        else:
            v = np.where(blank, dom.blank, v)
        odd = np.zeros(shape, dtype=bool)
        if c.has_problem:  # cells that are no number: text, bools, dates, errors, infinities
            problem = _spread(c.problem, shape)
            odd = problem != ""
            notes.add_each(odd, problem, functools.partial(_cell_text, arg, dom.allowed))
        good = dom.ok(v)
        if dom.blank is not None and np.isnan(dom.blank):
            good |= blank
        bad = ~good & ~blank & ~odd
        if bad.any():
            hint = f" ({dom.hint})" if dom.hint else ""
            notes.add_each(bad, v, functools.partial(_value_text, arg, dom.allowed + hint))
        values[arg] = v
    with np.errstate(all="ignore"):
        result = np.broadcast_to(
            np.asarray(core_fn.formula(**values, **(options or {})), dtype=np.float64), shape
        )
    notes.add(~np.isfinite(result), core_fn.infinite or "no finite result")
    if len(notes.texts) == 1 and not required_ranges:
        out = result.astype(object) if result.ndim == 0 or result.shape == (1, 1) else result
    else:
        out = notes.apply(result, name)
    if required_ranges and int(np.prod(shape)) > 1:
        out[all_required_blank] = ""  # empty rows of a range stay empty
    if out.ndim == 0 or out.shape == (1, 1):
        return out.reshape(()).item()
    return out.tolist()


def _cell_text(arg: str, allowed: str, problem: str) -> str:
    return f"{arg} {problem}; expected {allowed}"


def _value_text(arg: str, allowed: str, x: float) -> str:
    return f"{arg} got {describe(float(x))}; expected {allowed}"


class _Notes:
    """The first message of each cell, as a code into a list of texts: a range of a million
    cells with a few distinct problems costs a few array passes, not a string per cell."""

    def __init__(self, shape: tuple[int, ...]) -> None:
        self.code = np.zeros(shape, dtype=np.int64)
        self.texts: list[str] = [""]

    def add(self, where: np.ndarray, text: str) -> None:
        target = where & (self.code == 0)
        if target.any():
            self.texts.append(text)
            self.code[target] = len(self.texts) - 1

    def add_each(self, where: np.ndarray, by: np.ndarray, text: Callable[[Any], str]) -> None:
        """A text per distinct value of ``by`` among the cells in ``where``."""
        target = where & (self.code == 0)
        if not target.any():
            return
        distinct, inverse = np.unique(by[target], return_inverse=True)
        first = len(self.texts)
        self.texts.extend(text(x) for x in distinct.tolist())
        self.code[target] = first + inverse.ravel()

    def apply(self, result: np.ndarray, name: str) -> np.ndarray:
        out = result.astype(object)
        marked = np.flatnonzero(self.code)
        if marked.size:
            texts = np.array(["", *(f"{name}: {t}" for t in self.texts[1:])], dtype=object)
            out.reshape(-1)[marked] = texts[self.code.reshape(-1)[marked]]
        return out


_PLAIN = (int, float)


def _all_plain_numbers(
    core_fn: ElementwiseFunction, args: dict[str, Any], options: dict[str, Any] | None
) -> Any:
    """The commonest case, a call on single cells of plain numbers, without array machinery.
    Returns None for ranges and anything that needs judging (blanks, text, bools, bad values):
    ranges are converted once, at NumPy speed, by the general path."""
    values: dict[str, Any] = {}
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
        return None
    with np.errstate(all="ignore"):
        result = core_fn.formula(**values, **(options or {}))
    out = float(result)
    return out if out == out and abs(out) != float("inf") else None


def _spread(x: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    if x.size == 1:
        x = x.reshape(())
    return np.broadcast_to(x, shape).copy()
