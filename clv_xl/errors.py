"""The exceptions clv_xl raises.

Every error says what was expected, what came, and how to fix it, in one line, so the Excel layer
can show it in a cell as it is. All derive from :class:`CLVError`; input problems are also
``ValueError`` so that ordinary Python code catching ``ValueError`` keeps working.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np


def no_problems(shape: int | tuple[int, ...]) -> np.ndarray:
    """An object array of empty texts, "" for "no problem" in every row (filled after
    ``np.empty``: 0.18 ms a 100,000 rows, ``np.full`` 0.7 ms)."""
    out = np.empty(shape, dtype=object)
    out.fill("")
    return out


def describe(value: Any) -> str:
    """Show a received value the way a spreadsheet user would recognise it."""
    if value is None:
        return "a blank"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, str):
        text = " ".join(value.split())
        text = text if len(text) <= 30 else text[:27] + "..."
        return f'"{text}"'
    if isinstance(value, float):
        if value != value:
            return "NaN"
        return f"{value:.6g}"
    if isinstance(value, dt.datetime | dt.date):
        return f"the date {value:%Y-%m-%d}"
    if isinstance(value, np.datetime64):
        return f"the date {str(value)[:10]}"
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def first_line(exc: BaseException, limit: int = 160) -> str:
    """The first line of an exception's message (libraries write pages), at most ``limit``
    characters; "" when it has none."""
    lines = str(exc).splitlines()
    return lines[0][:limit] if lines else ""


def where(position: tuple[int, ...] | None) -> str:
    """A place in a range, the one way rows are named: " at row 7" (the 7th row of the range as
    the user selected it, its header row counted) or " at row 7, column 2"; "" when unknown."""
    if not position:
        return ""
    return " at " + ("row {}" if len(position) == 1 else "row {}, column {}").format(*position)


class CLVError(Exception):
    """Base class of every error clv_xl raises on purpose."""

    def placed(self, position: tuple[int, ...]) -> str:
        """The message with the place in it given anew (a refresh names the sheet row where a
        function can only name the row of its range); errors without a place keep theirs."""
        return str(self)


class InputError(CLVError, ValueError):
    """An argument's value is outside what the function accepts.

    Parameters
    ----------
    argument : name of the argument, as the function's signature spells it.
    value : the value received.
    allowed : what would have been accepted, in words ("a fraction from 0 to 1").
    hint : optional advice on how to fix it ("enter 80% as 0.8").
    position : optional (row, column) inside a range, 1-based, for range arguments.
    """

    def __init__(
        self,
        argument: str,
        value: Any,
        allowed: str,
        hint: str = "",
        position: tuple[int, ...] | None = None,
    ) -> None:
        self.argument = argument
        self.value = value
        self.allowed = allowed
        self.hint = hint
        self.position = position
        super().__init__(self.short())

    def placed(self, position: tuple[int, ...]) -> str:
        kept, self.position = self.position, position
        try:
            return self.short()
        finally:
            self.position = kept

    def short(self) -> str:
        got = "is missing" if self.value is None else f"got {describe(self.value)}"
        text = f"{self.argument}{where(self.position)} {got}; expected {self.allowed}"
        return f"{text} ({self.hint})" if self.hint else text


class RowError(InputError):
    """One row's values do not hold together (recency after T, say): the arguments, the row,
    the row's values, what is wrong and what is expected, from a model's ``row_problems`` text
    ("recency is after age T; expected recency <= T")."""

    def __init__(
        self, arguments: str, values: tuple[float, ...], problem: str, row: int | None = None
    ) -> None:
        self.problem, _, allowed = problem.partition("; expected ")
        super().__init__(
            arguments,
            values,
            allowed or "values that hold together",
            position=None if row is None else (row,),
        )

    def short(self) -> str:
        shown = ", ".join(f"{v:g}" for v in self.value)
        return (
            f"{self.argument}{where(self.position)} got ({shown}): {self.problem}; "
            f"expected {self.allowed}"
        )


class CellError(CLVError, ValueError):
    """A cell inside a range argument is not what the argument takes (text among numbers),
    named by its ``position`` (row, or row and column, of the range as selected) when known."""

    def __init__(
        self, argument: str, problem: str, allowed: str, position: tuple[int, ...] | None = None
    ) -> None:
        self.argument, self.problem, self.allowed = argument, problem, allowed
        self.position = position
        super().__init__(self.placed(position))

    def placed(self, position: tuple[int, ...] | None) -> str:
        return f"{self.argument}{where(position)} {self.problem}; expected {self.allowed}"


class ShapeError(InputError):
    """Ranges that must line up (one value per customer, say) have different sizes.

    A kind of :class:`InputError` (the ranges are the argument), whose message is whole: it says
    which ranges have how many cells.
    """

    def __init__(self, message: str, argument: str = "ranges") -> None:
        self.argument, self.value, self.allowed = argument, message, "ranges of one size"
        self.hint, self.position = "", None
        ValueError.__init__(self, message)
        self.message = message

    def short(self) -> str:
        return self.message


class FitError(CLVError):
    """A model cannot be fitted to the data given (for example: nobody made a repeat purchase)."""


class NotFittedError(CLVError, AttributeError):
    """A model's predictions were asked for before it was fitted."""

    def __init__(self, model: str) -> None:
        super().__init__(
            f"{model} is not fitted yet; call fit(...) first or pass fitted parameters"
        )


class MissingPackageError(CLVError, ImportError):
    """A package one task needs is not installed; the message says which, and how to get it
    (see :func:`clv_xl.runtime.require`)."""
