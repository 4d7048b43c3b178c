"""Turn what Excel hands a function into arrays, cell by cell, and results back into cells.

On Windows desktop (xlwings' COM add-in) a cell arrives as a number, text, bool, datetime or
None (a blank; xlwings also turns Excel error values into None unless told otherwise, and a
formula engine may pass them as "#N/A" text); a range as a list (one row or column) or a list
of lists. Through Office.js (xlwings Lite on Windows, Mac and the web) every argument is a
matrix, a date is its serial number (a fraction for a time of day), a blank is None and an
error cell an error object: :func:`excel_error` reads both forms, and :func:`date_system` says
how a serial number is read (Office.js does not say which date system the workbook uses).
Nothing here raises for a bad cell: each cell gets a value or a one-line problem.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import itertools
import operator
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np

from clv_xl.errors import ShapeError, describe, no_problems
from clv_xl.excel.error_texts import EXCEL_ERRORS

BLANK = "blank"

# ----- the date system: one setting for every serial number a function reads ----------------
DATE_SYSTEMS = (1900, 1904)
SHIFT_1904 = 1462
"""Days from 1900-01-01 (1900 system's day 1 is 1900-01-01) to 1904-01-01 (1904 system's day 0):
a 1904-system serial plus this is the 1900-system serial of the same day."""
_date_system: contextvars.ContextVar[int | None] = contextvars.ContextVar(
    "clv_xl_date_system", default=None
)
_process_default = 1900


def date_system() -> int:
    """The date system serial numbers are read in: 1900 (Excel's default) or 1904 (a workbook
    with "Use 1904 date system" set). The headless refresh sets it per workbook
    (:func:`using_date_system`); in xlwings Lite, main.py sets it (:func:`set_date_system`)."""
    system = _date_system.get()
    return _process_default if system is None else system


def set_date_system(system: Any) -> None:
    """Set the date system for this Python process (xlwings Lite's main.py: one workbook)."""
    global _process_default
    _process_default = checked_date_system(system)


@contextmanager
def using_date_system(system: Any) -> Iterator[None]:
    """Read serial numbers in ``system`` inside the block (the headless refresh of one book)."""
    token = _date_system.set(checked_date_system(system))
    try:
        yield
    finally:
        _date_system.reset(token)


def checked_date_system(system: Any) -> int:
    """1900 or 1904 (also written as text); anything else is a ValueError."""
    value = int(system) if isinstance(system, str) and system.strip().isdigit() else system
    if isinstance(value, bool) or value not in DATE_SYSTEMS:
        raise ValueError(f"date system got {system!r}; expected 1900 or 1904")
    return int(value)


def as_1900_serials(cells: list[Any]) -> list[Any]:
    """Cells of a date argument with every serial number (a number below 10,000,000, so not a
    YYYYMMDD number) moved to the 1900 system the readers take; unchanged in a 1900 workbook."""
    if date_system() == 1900:
        return cells
    out = list(cells)
    for i, cell in enumerate(out):
        if type(cell) in (int, float) and 0 <= cell < 1e7:
            out[i] = cell + SHIFT_1904
    return out


# ----- error cells in both forms ------------------------------------------------------------
def excel_error(cell: Any) -> str | None:
    """The Excel error a cell holds ("#N/A"), or None: as text (xlwings' err_to_str, a formula
    engine) or as Office.js's error object ({"type": "Error", "basicValue": "#N/A", ...}, as
    xlwings' Office.js engine reads it when no converter has turned it into text)."""
    if isinstance(cell, str):
        return cell.strip() if cell.strip() in EXCEL_ERRORS else None
    if isinstance(cell, dict):
        for key in ("basicValue", "code"):
            value = cell.get(key)
            if isinstance(value, str) and value.startswith("#"):
                return value
        return "#VALUE!" if str(cell.get("type", "")).lower() == "error" else None
    return None


class RaggedRangeError(ShapeError):
    """A list of rows of different lengths (Excel never passes one; Office.js or a caller may):
    the function's wrapper names the argument (:func:`ragged_argument`)."""

    def __init__(self, argument: str = "a range") -> None:
        super().__init__(
            f"{argument} has rows of different lengths; expected a rectangular range", argument
        )


def is_ragged(value: Any) -> bool:
    """A list of rows of different lengths."""
    rows = value if isinstance(value, list | tuple) else ()
    return bool(rows) and set(map(type, rows)) <= {list, tuple} and len(set(map(len, rows))) > 1


def flatten(value: Any) -> tuple[list[Any], tuple[int, ...]]:
    """A cell, list or list of lists as one flat list of cells and its shape, at C speed."""
    if isinstance(value, np.ndarray):  # as the headless refresh hands a range: its cells
        cells = value if value.dtype == object else value.astype(object)
        return cells.ravel().tolist(), value.shape
    if isinstance(value, list | tuple):
        if value and type(value[0]) is list and len(value[0]) == 1:
            # a column, the common case: unpacking each row checks it holds one cell (2.5x
            # faster than checking the rows' types and lengths, then chaining them)
            try:
                return [cell for (cell,) in value], (len(value), 1)
            except (TypeError, ValueError):
                pass  # a row of another width, or not a row: the general path says which
        if value and set(map(type, value)) <= {list, tuple}:
            widths = set(map(len, value))
            if len(widths) != 1:
                raise RaggedRangeError()
            return list(itertools.chain.from_iterable(value)), (len(value), widths.pop())
        return list(value), (len(value),)
    return [value], ()


def to_grid(value: Any) -> np.ndarray:
    """A cell, list or list of lists as an object array of 0, 1 or 2 dimensions (a new one:
    the caller may change it)."""
    if isinstance(value, np.ndarray):
        return value.astype(object)  # a copy, as it is
    flat, shape = flatten(value)
    grid: np.ndarray = np.empty(len(flat), dtype=object)
    grid[:] = flat
    return grid.reshape(shape)


def parse_number(cell: Any) -> float | str:
    """A cell's number, ``BLANK``, or a short description of why it is not a number."""
    if cell is None:
        return BLANK
    if isinstance(cell, bool | np.bool_):
        return f"got {describe(bool(cell))}, a logical value"
    if isinstance(cell, dt.datetime | dt.date):
        return f"got the date {cell:%Y-%m-%d}"
    if isinstance(cell, dict):
        error = excel_error(cell)
        return f"got the Excel error {error}" if error else "got a linked data type, not a number"
    if isinstance(cell, str):
        text = cell.strip()
        if not text:
            return BLANK
        if text.startswith("#"):
            return f"got the Excel error {text[:12]}"
        cleaned = text.replace(",", "").replace("$", "").replace("€", "").replace("£", "")
        scale = 1.0
        if cleaned.endswith("%"):
            cleaned, scale = cleaned[:-1].strip(), 0.01
        try:
            x = float(cleaned) * scale
        except ValueError:
            return f"got the text {describe(text)}"
        if not np.isfinite(x):
            return f"got the text {describe(text)}"
        return x
    try:  # a number of any kind (a Decimal from Python too): its value, as NumPy reads it
        x = float(cell)
    except OverflowError:  # a Python int past a double's range
        return "got an infinite number"
    except (TypeError, ValueError):
        return f"got {describe(cell)}"
    if np.isnan(x):
        return BLANK
    if np.isinf(x):
        return "got an infinite number"
    return x


@dataclass
class Cells:
    """A numeric argument cell by cell: values (NaN where not a number), blanks, problems."""

    values: np.ndarray
    blank: np.ndarray
    problem: np.ndarray  # object array: "" or a description
    has_problem: bool = True  # False: every problem is "" (lets callers skip object passes)

    @property
    def shape(self) -> tuple[int, ...]:
        return self.values.shape


_NUMBERS = {float, int, type(None)}


def numeric_cells(value: Any) -> Cells:
    """Parse every cell of an argument: the whole range at NumPy speed, and cell by cell only
    the cells that are not plain numbers or blanks (text, bools, dates, errors)."""
    flat, shape = flatten(value)
    n = len(flat)
    odd = np.empty(0, dtype=np.intp)
    values = _plain_values(flat)
    if values is None:  # text, logical values, dates, errors... among them: those cell by cell
        plain = np.fromiter(map(_NUMBERS.__contains__, map(type, flat)), dtype=bool, count=n)
        odd = np.flatnonzero(~plain)
        flat = list(flat)
        parsed = [parse_number(flat[i]) for i in odd]
        for k in odd.tolist():
            flat[k] = None
        try:
            with np.errstate(all="ignore"):
                values = np.array(flat, dtype=float) if n else np.empty(0)
        except OverflowError:  # a Python int past a double's range: judged cell by cell
            huge = [i for i, x in enumerate(flat) if type(x) is int and abs(x) > 1e308]
            for k in huge:
                flat[k] = float("inf")
            values = np.array(flat, dtype=float)
    blank = np.isnan(values)  # None and NaN are blanks, as parse_number has it
    problem = no_problems(n)
    infinite = np.flatnonzero(np.isinf(values))
    if infinite.size:
        problem[infinite] = "got an infinite number"
        values[infinite] = np.nan
    has_problem = bool(infinite.size)
    for j, p in zip(odd.tolist(), parsed if odd.size else [], strict=True):
        if isinstance(p, float):
            values[j], blank[j] = p, False
        elif p is BLANK:
            blank[j] = True
        else:
            blank[j] = False
            problem[j] = p
            has_problem = True
    return Cells(values.reshape(shape), blank.reshape(shape), problem.reshape(shape), has_problem)


def _plain_values(flat: list[Any]) -> np.ndarray | None:
    """The cells' values when they are numbers and blanks only (None as NaN), read in one pass
    (None otherwise, or when not sure). NumPy reads a cell as Python's ``float()`` does: None as
    NaN, TRUE as 1, a number's text as its number. So the cells whose value is 0, 1, NaN or
    infinite are looked at again; a text that reads as a finite number reads so in
    :func:`parse_number` too. (A few hundred microseconds a 100,000 cells where few are, against
    1.8 ms for every cell's type; where most are, as in a frequency column, every cell's type
    is looked at: 2.8 ms for those cells alone, 1.8 ms when counted as one type.)"""
    try:
        with np.errstate(all="ignore"):
            values = np.fromiter(flat, dtype=float, count=len(flat))
    except (TypeError, ValueError, OverflowError):
        return None
    again = ~np.isfinite(values) | (values == 0.0) | (values == 1.0)
    count = int(np.count_nonzero(again))
    if count:  # 40% of the cells or more (a frequency's 0s and 1s): every cell's type, faster
        many = 5 * count > 2 * values.size
        if many and _one_number_type(flat, values):
            return values
        cells = flat if many else map(flat.__getitem__, np.flatnonzero(again).tolist())
        if not set(map(type, cells)) <= _NUMBERS:
            return None  # a logical value, a text "nan", a Decimal...: cell by cell
    return values


def _one_number_type(flat: list[Any], values: np.ndarray) -> bool:
    """Every cell a float (as Excel hands numbers) or every cell an int (Office.js's whole
    numbers), counted without a set (1.8 ms a 100,000 cells, against 2.7 ms). Only tried where
    no cell is blank and the first cells are of that one type, so a column of several kinds is
    not counted twice."""
    kind = type(flat[0])
    if kind not in (float, int) or np.isnan(values).any() or set(map(type, flat[:64])) != {kind}:
        return False
    return operator.countOf(map(type, flat), kind) == len(flat)


def common_shape(function: str, shapes: dict[str, tuple[int, ...]]) -> tuple[int, ...]:
    """The shape all ranges share; single cells broadcast. Raise ShapeError otherwise."""
    ranges = {k: s for k, s in shapes.items() if int(np.prod(s)) != 1}
    distinct = set(ranges.values())
    if len(distinct) > 1:
        parts = ", ".join(f"{k} is {size_words(s)}" for k, s in ranges.items())
        raise ShapeError(f"ranges differ in size ({parts}); give ranges of one size, or one cell")
    if distinct:
        return distinct.pop()
    return max(shapes.values(), key=len, default=())


def size_words(shape: tuple[int, ...]) -> str:
    if len(shape) == 2:
        return f"{shape[0]}x{shape[1]}"
    if len(shape) == 1:
        return f"{shape[0]} cells"
    return "one cell"


def to_excel(result: np.ndarray) -> Any:
    """Python scalars for one cell, nested lists for a range (NaN never leaves here)."""
    if result.ndim == 0 or (result.size == 1 and result.ndim == 2 and result.shape == (1, 1)):
        return _scalar(result.reshape(()).item())
    if result.dtype.kind in "biu" or (result.dtype.kind == "f" and np.isfinite(result).all()):
        return result.tolist()  # Python numbers already, none of them NaN: at C speed
    if result.dtype == object and set(map(type, result.ravel().tolist())) <= _AS_THEY_ARE:
        return result.tolist()  # labels (a segment each): as they are
    return [_to_list(row) for row in result] if result.ndim == 2 else _to_list(result)


_AS_THEY_ARE = {str, bool, int, type(None)}
"""Python values :func:`_scalar` gives back unchanged."""


def _to_list(row: np.ndarray) -> list[Any]:
    return [_scalar(x) for x in row.tolist()]


def _scalar(x: Any) -> Any:
    if isinstance(x, float | np.floating):
        x = float(x)
        return x if np.isfinite(x) else "no finite result"
    if isinstance(x, np.bool_):
        return bool(x)
    if isinstance(x, np.integer):
        return int(x)
    return x
