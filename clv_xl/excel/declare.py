"""How a CLV_ function declares an argument to xlwings (the Function Wizard's help line with it),
and how its docstring is completed from those lines.

``cells``: a range, handed over as a list of rows (``ndim=2``) even when it is one cell;
``cell``: one value as it is. Any other conversion is spelt out with ``xw.arg`` itself. Both
record the help line on the function, so the numpydoc "Parameters" section is written from the
same words the Function Wizard shows (:func:`document`), one definition of each.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import xlwings as xw

from clv_xl.core.docstrings import with_section
from clv_xl.excel import argdocs as docs

HELP = "__clv_help__"
RANGES = "__clv_ranges__"


def _declared(name: str, doc: str, **options: Any) -> Callable[[Any], Any]:
    def declare(f: Any) -> Any:
        vars(f).setdefault(HELP, {})[name] = doc
        if options.get("ndim") == 2:
            vars(f).setdefault(RANGES, set()).add(name)
        return xw.arg(name, doc=doc, **options)(f)

    return declare


def cells(name: str, doc: str) -> Callable[[Any], Any]:
    """A range argument, as a list of rows (the headless refresh hands a 2-D object array
    instead: :func:`range_arguments`)."""
    return _declared(name, doc, ndim=2)


def range_arguments(f: Any) -> frozenset[str]:
    """The arguments ``f`` declares as ranges (:func:`cells`): a reader of a range takes a
    list of rows or a 2-D object array alike, so the headless refresh hands these as arrays
    (a million-row column is not made into a million one-cell lists)."""
    return frozenset(vars(f).get(RANGES, ()))


def cell(name: str, doc: str) -> Callable[[Any], Any]:
    """A single-value argument (a number, a text, a date)."""
    return _declared(name, doc)


def _all(*declarations: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def declare(f: Any) -> Any:
        for each in reversed(declarations):
            f = each(f)
        return f

    return declare


def history() -> Callable[[Any], Any]:
    """The three columns of a customer's history: repeat purchases, recency and age T."""
    return _all(
        cells("repeat_purchases", docs.REPEAT_PURCHASES),
        cells("recency", docs.RECENCY),
        cells("age", docs.AGE),
    )


def covariates(given: bool) -> Callable[[Any], Any]:
    """The purchase and drop-out covariate ranges: for a fit (``given`` False) or a prediction
    from a fit that has them (``given`` True)."""
    if given:
        return _all(
            cells("purchase_covariates", docs.PURCHASE_COVARIATES_GIVEN),
            cells("dropout_covariates", docs.DROPOUT_COVARIATES_GIVEN),
        )
    return _all(
        cells("purchase_covariates", docs.PURCHASE_COVARIATES),
        cells("dropout_covariates", docs.DROPOUT_COVARIATES),
    )


def summary(doc: str | None) -> str:
    """A docstring's first paragraph on one line: the Function Wizard's description."""
    return " ".join((doc or "").strip().split("\n\n")[0].split())


def document(f: Any) -> None:
    """Complete a CLV_ function's docstring with a numpydoc "Parameters" section written from its
    arguments' help lines (after the summary), and give xlwings the summary alone as the
    function's description (xlwings would show the whole docstring, cut at 255 characters)."""
    help_lines = vars(f).get(HELP, {})
    lines = []
    for name, param in inspect.signature(f).parameters.items():
        optional = ", optional" if param.default is None else ""
        lines += [f"{name} : cell or range{optional}", f"    {help_lines.get(name, '')}"]
    f.__doc__ = with_section(f.__doc__, "Parameters", lines if help_lines else [])
    metadata = getattr(f, "__xlfunc__", None)
    if metadata is not None:
        metadata["ret"]["doc"] = summary(f.__doc__)
