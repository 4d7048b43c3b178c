"""Checks of what a model is given: columns of numbers, ranges that line up, fit settings.

Like scikit-learn's ``utils/validation.py``: every check raises one readable line naming the
argument, what came and what was expected (:mod:`clv_xl.errors`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from clv_xl.errors import InputError, ShapeError

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
    out = np.full(shape, "", dtype=object)
    if not any(bool(np.any(bad)) for bad, _ in rules):
        return out
    for bad, text in rules:
        out[bad & (out == "")] = text
    return out


def first_problem(problems: Array, frequency: Array, recency: Array, T: Array) -> None:
    """Raise the first customer's problem (from ``row_problems``) as one line naming the row and
    its (frequency, recency, T); nothing when every row is consistent."""
    bad = (problems != "").ravel()
    if bad.any():
        i = int(np.argmax(bad))
        shown = ", ".join(f"{np.ravel(v)[i]:g}" for v in (frequency, recency, T))
        position = (i + 1,) if np.ndim(frequency) else None
        raise InputError(
            "frequency, recency, T", f"({shown})", problems.ravel()[i], position=position
        )


def check_settings(penalizer: Any, tol: Any, max_iter: Any) -> tuple[float, float, int]:
    """A fit's settings, checked when it runs (scikit-learn validates in ``fit``, not
    ``__init__``): penalizer >= 0, 0 < tol < 1, max_iter a whole number >= 1."""

    def number(name: str, value: Any, ok: bool, allowed: str) -> None:
        if not ok:
            raise InputError(name, value, allowed)

    def real(value: Any) -> bool:
        return isinstance(value, int | float | np.number) and not isinstance(value, bool)

    number(
        "penalizer",
        penalizer,
        real(penalizer) and np.isfinite(penalizer) and penalizer >= 0,
        "a number >= 0 (0 for plain maximum likelihood)",
    )
    number("tol", tol, real(tol) and 0 < tol < 1, "a number between 0 and 1, such as 1e-10")
    number(
        "max_iter",
        max_iter,
        real(max_iter) and max_iter >= 1 and float(max_iter).is_integer(),
        "a whole number >= 1",
    )
    return float(penalizer), float(tol), int(max_iter)
