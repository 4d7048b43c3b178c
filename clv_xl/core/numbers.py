"""What counts as a number here: one definition for every layer.

Excel hands a cell's number as ``float`` (``int`` from some paths, NumPy scalars from ours), and a
TRUE/FALSE cell as ``bool``, which Python counts as an ``int``: a logical is never a number here,
as Excel's own SUM skips TRUE in a range.
"""

from __future__ import annotations

import math
from typing import Any, TypeGuard

import numpy as np

NUMBER_TYPES = (int, float, np.integer, np.floating)


def is_number(value: Any) -> TypeGuard[float]:
    """A real number (int, float or a NumPy number), not a logical."""
    return isinstance(value, NUMBER_TYPES) and not isinstance(value, bool | np.bool_)


def is_finite_number(value: Any) -> TypeGuard[float]:
    """A real number that is neither infinite nor NaN."""
    return is_number(value) and math.isfinite(value)
