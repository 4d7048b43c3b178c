"""How a CLV_ function declares an argument to xlwings (the Function Wizard's help line with it).

``cells``: a range, handed over as a list of rows (``ndim=2``) even when it is one cell;
``cell``: one value as it is. Any other conversion is spelt out with ``xw.arg`` itself.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import xlwings as xw


def cells(name: str, doc: str) -> Callable[[Any], Any]:
    """A range argument, as a list of rows."""
    return xw.arg(name, ndim=2, doc=doc)


def cell(name: str, doc: str) -> Callable[[Any], Any]:
    """A single-value argument (a number, a text, a date)."""
    return xw.arg(name, doc=doc)
