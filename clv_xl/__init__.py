"""clv_xl: customer lifetime value for Excel users.

The pure core (``clv_xl.core``, ``clv_xl.models``, ``clv_xl.data``) works on plain numbers and
NumPy arrays and never imports xlwings; ``clv_xl.excel`` is the thin Excel layer over it.
"""

from clv_xl import core
from clv_xl.core import *  # noqa: F403  (the everyday formulas, as clv_xl.value and so on)
from clv_xl.errors import CLVError, FitError, InputError, NotFittedError, ShapeError

__version__ = "0.1.0"

__all__ = [
    *core.__all__,
    "CLVError",
    "FitError",
    "InputError",
    "NotFittedError",
    "ShapeError",
    "__version__",
]


def main() -> None:
    """What the add-in's CLV > Refresh button calls (see clv_xl.addin.ribbon)."""
    from clv_xl.addin.ribbon import main as ribbon_main

    ribbon_main()
