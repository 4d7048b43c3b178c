"""What each numeric argument accepts, declared once and checked element by element.

A core function declares its arguments' domains with :func:`elementwise`. Called from Python, the
wrapper converts inputs to arrays, raises :class:`~clv_xl.errors.InputError` naming the first bad
value, and broadcasts like NumPy. The Excel layer reads the same declarations to judge each cell of
a range on its own (``fn.domains``, ``fn.formula``), so a rule is written once.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol, cast

import numpy as np

from clv_xl.core.docstrings import with_section
from clv_xl.errors import InputError

FloatArray = np.ndarray
Num = Any
"""A float or an array of floats: what a core formula receives after validation."""


class ElementwiseFunction(Protocol):
    """A core function made by :func:`elementwise`, with its declarations attached."""

    domains: dict[str, Domain]
    formula: Callable[..., FloatArray]
    infinite: str

    def __call__(self, *args: Any, **kwargs: Any) -> Any: ...


RATE_HINT = "enter 80% as 0.8 or 80%"


@dataclass(frozen=True)
class Domain:
    """The values one argument accepts.

    ``blank`` is the value a missing (None) argument takes; ``None`` there makes the argument
    required. ``nan_means_blank`` lets a blank inside a range mean the same as a blank argument.
    """

    allowed: str
    lo: float = -np.inf
    hi: float = np.inf
    lo_open: bool = False
    hi_open: bool = False
    integer: bool = False
    blank: float | None = None
    hint: str = ""

    def ok(self, x: FloatArray) -> FloatArray:
        """Boolean mask of the values this domain accepts (NaN is never accepted here)."""
        with np.errstate(invalid="ignore"):
            good = np.isfinite(x)
            good &= (x > self.lo) if self.lo_open else (x >= self.lo)
            good &= (x < self.hi) if self.hi_open else (x <= self.hi)
            if self.integer:
                good &= np.floor(x) == x
        return good

    def ok_number(self, x: float) -> bool:
        """The same rule as :meth:`ok` for one Python float (no NumPy: the fast path)."""
        if x != x or x in (float("inf"), float("-inf")):
            return False
        if (x <= self.lo) if self.lo_open else (x < self.lo):
            return False
        if (x >= self.hi) if self.hi_open else (x > self.hi):
            return False
        return not self.integer or x == int(x)

    def optional(self, blank: float) -> Domain:
        """The same domain with a default for a blank argument."""
        return Domain(
            self.allowed,
            self.lo,
            self.hi,
            self.lo_open,
            self.hi_open,
            self.integer,
            blank,
            self.hint,
        )


MONEY = Domain("an amount of money")
MONEY_NONNEG = Domain("an amount of money >= 0", lo=0.0)
COUNT = Domain("a number >= 0", lo=0.0)
POSITIVE = Domain("a number > 0", lo=0.0, lo_open=True)
FRACTION = Domain("a fraction from 0 to 1", lo=0.0, hi=1.0, hint=RATE_HINT)
RATE_NONNEG = Domain("a rate >= 0", lo=0.0, hint="enter 10% as 0.1 or 10%")
CHURN = Domain("a fraction above 0 and up to 1", lo=0.0, hi=1.0, lo_open=True, hint=RATE_HINT)
WHOLE = Domain("a whole number >= 0", lo=0.0, integer=True)


def as_float_array(name: str, value: Any) -> FloatArray:
    """Convert a Python/NumPy value to a float array, or raise InputError naming ``name``."""
    if isinstance(value, bool | np.bool_):
        raise InputError(name, value, "a number")
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise InputError(name, value, "a number or an array of numbers") from None
    return arr


def first_bad(name: str, arr: FloatArray, good: FloatArray, dom: Domain) -> InputError:
    """The InputError for the first value of ``arr`` that ``good`` rejects."""
    idx = np.argwhere(~good)[0]
    pos = tuple(int(i) + 1 for i in idx) if arr.ndim else None
    return InputError(name, float(arr[tuple(idx)]), dom.allowed, dom.hint, pos)


def parameter_lines(
    sig: inspect.Signature, domains: dict[str, Domain], others: dict[str, str]
) -> list[str]:
    """numpydoc "Parameters" entries from the domains (the rule a value is checked by is the one
    documented) and, for arguments without one, ``others``' words."""
    lines = []
    for name in sig.parameters:
        dom = domains.get(name)
        if dom is None:
            if name in others:
                lines += [f"{name} : str, optional", f"    {others[name]}"]
            continue
        blank = ""
        if dom.blank is not None:
            blank = "; blank: no limit" if np.isnan(dom.blank) else f"; blank: {dom.blank:g}"
        optional = ", optional" if dom.blank is not None else ""
        lines += [f"{name} : float or array{optional}", f"    {dom.allowed}{blank}."]
    return lines


def elementwise(
    infinite: str = "", others: dict[str, str] | None = None, **domains: Domain
) -> Callable[[Callable[..., FloatArray]], ElementwiseFunction]:
    """Declare a core formula element-wise over the named arguments' domains.

    ``infinite`` is the plain-words meaning of an infinite result (returned to Python as
    ``inf``; the Excel layer shows the words instead); ``others`` documents arguments that are
    not numbers (the function's docstring gets a "Parameters" section from both).
    """

    def decorate(formula: Callable[..., FloatArray]) -> ElementwiseFunction:
        sig = inspect.signature(formula)

        @functools.wraps(formula)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            bound = sig.bind(*args, **kwargs)
            bound.apply_defaults()
            values = dict(bound.arguments)
            for name, dom in domains.items():
                raw = values[name]
                if raw is None:
                    if dom.blank is None:
                        raise InputError(name, None, dom.allowed)
                    raw = dom.blank
                arr = as_float_array(name, raw)
                good = dom.ok(arr)
                if dom.blank is not None and np.isnan(dom.blank):
                    good |= np.isnan(arr)
                if not good.all():
                    raise first_bad(name, arr, good, dom)
                values[name] = arr
            with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
                out = np.asarray(formula(**values), dtype=float)
            return float(out) if out.ndim == 0 else out

        declared = cast(ElementwiseFunction, wrapper)
        lines = parameter_lines(sig, domains, others or {})
        declared.__doc__ = with_section(formula.__doc__, "Parameters", lines)
        declared.domains = domains
        declared.formula = formula
        declared.infinite = infinite
        return declared

    return decorate
