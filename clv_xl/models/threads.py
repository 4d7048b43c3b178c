"""One BLAS thread while clv_xl's models compute.

NumPy's OpenBLAS splits a dot product of 100,000 numbers over every core, and its threads then
spin, waiting for more, while the element-wise work that follows wants the same cores: on a
2-core machine a Gamma-Gamma fit took 0.17-0.25 s instead of 0.055 s (twice the CPU time of its
wall time). The vectors here are far too short for threads to pay, so fits and forecasts run
with one (threadpoolctl, as scikit-learn does; the limit is lifted when they return).
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Any

_controller: Any = None


def one_blas_thread() -> AbstractContextManager[Any]:
    """A context in which BLAS uses one thread (about 10 us to enter and leave)."""
    global _controller
    if _controller is None:
        from threadpoolctl import ThreadpoolController

        _controller = ThreadpoolController()
    return _controller.limit(limits=1, user_api="blas")
