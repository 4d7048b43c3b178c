"""clv_xl: customer lifetime value for Excel users.

The pure core (``clv_xl.core``, ``clv_xl.models``, ``clv_xl.data``) works on plain numbers and
NumPy arrays and never imports xlwings; ``clv_xl.excel`` is the thin Excel layer over it.
"""

from clv_xl.core import (
    headroom,
    lifespan,
    payback,
    profit,
    ratio,
    retention_value,
    segment,
    value,
)
from clv_xl.errors import CLVError, FitError, InputError, NotFittedError, ShapeError

__version__ = "0.1.0"

__all__ = [
    "CLVError",
    "FitError",
    "InputError",
    "NotFittedError",
    "ShapeError",
    "__version__",
    "headroom",
    "lifespan",
    "payback",
    "profit",
    "ratio",
    "retention_value",
    "segment",
    "value",
]


def main() -> None:
    """What the add-in's CLV > Refresh button calls (see clv_xl.addin.ribbon)."""
    from clv_xl.addin.ribbon import main as ribbon_main

    ribbon_main()
