"""Checks of what a model is given: columns of numbers, ranges that line up, fit settings.

Like scikit-learn's ``utils/validation.py``: every check raises one readable line naming the
argument, what came and what was expected (:mod:`clv_xl.errors`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from clv_xl.core.numbers import is_number
from clv_xl.errors import InputError, RowError, ShapeError, no_problems

Array = np.ndarray


def as_column(name: str, values: Any, *, lo: float = 0.0, integer: bool = False) -> Array:
    """A 1-D float array of finite values >= lo, or an InputError naming the first bad one."""
    try:
        arr = np.asarray(values, dtype=float).ravel()
    except (TypeError, ValueError):
        raise InputError(name, values, "numbers") from None
    bad = ~np.isfinite(arr) | (arr < lo)
    if integer:
        bad |= np.floor(arr) != arr
    if bad.any():
        i = int(np.argmax(bad))
        allowed = f"{'whole ' if integer else ''}numbers >= {lo:g}"
        raise InputError(name, float(arr[i]), allowed, position=(i + 1,))
    return arr


def same_length(**columns: Array) -> int:
    """The common length of the columns; a ShapeError saying which differ, or an InputError
    when there are no customers at all."""
    lengths = {k: len(v) for k, v in columns.items()}
    if len(set(lengths.values())) > 1:
        parts = ", ".join(f"{k} has {n}" for k, n in lengths.items())
        raise ShapeError(f"ranges differ in size ({parts}); give one value per customer in each")
    n = next(iter(lengths.values()))
    if n == 0:
        raise InputError("ranges", "no customers", "at least one customer")
    return n


def rule_messages(shape: tuple[int, ...], rules: list[tuple[Array, str]]) -> Array:
    """Per row "" or the first rule it breaks; nothing is built when every row is fine."""
    out = no_problems(shape)
    if not any(bool(np.any(bad)) for bad, _ in rules):
        return out
    for bad, text in rules:
        out[bad & (out == "")] = text
    return out


def first_problem(
    problems: Array,
    *columns: Array,
    names: str = "frequency, recency, T",
    row: Callable[[int], int] | None = None,
) -> None:
    """Raise the first row's problem (from a model's ``row_problems``) as one line naming the
    arguments, the row (``row(i)`` for the i-th value, i + 1 unless given) and its values;
    nothing when every row holds together."""
    bad = (np.asarray(problems) != "").ravel()
    if bad.any():
        i = int(np.argmax(bad))
        values = tuple(float(np.ravel(c)[i]) for c in columns)
        at = (row(i) if row else i + 1) if np.ndim(columns[0]) else None
        raise RowError(names, values, str(np.ravel(problems)[i]), at)


def check_settings(penalizer: Any, tol: Any, max_iter: Any) -> tuple[float, float, int]:
    """A fit's settings, checked when it runs (scikit-learn validates in ``fit``, not
    ``__init__``): penalizer >= 0, 0 < tol < 1, max_iter a whole number >= 1."""

    def number(name: str, value: Any, ok: bool, allowed: str) -> None:
        if not ok:
            raise InputError(name, value, allowed)

    number(
        "penalizer",
        penalizer,
        is_number(penalizer) and np.isfinite(penalizer) and penalizer >= 0,
        "a number >= 0 (0 for plain maximum likelihood)",
    )
    number("tol", tol, is_number(tol) and 0 < tol < 1, "a number between 0 and 1, such as 1e-10")
    number(
        "max_iter",
        max_iter,
        is_number(max_iter) and max_iter >= 1 and float(max_iter).is_integer(),
        "a whole number >= 1",
    )
    return float(penalizer), float(tol), int(max_iter)
