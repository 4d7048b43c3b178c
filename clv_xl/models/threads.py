"""One BLAS thread while clv_xl's models compute.

NumPy's OpenBLAS splits a dot product of 100,000 numbers over every core, and its threads then
spin, waiting for more, while the element-wise work that follows wants the same cores: on a
2-core machine a Gamma-Gamma fit took 0.17-0.25 s instead of 0.055 s (twice the CPU time of its
wall time). The vectors here are far too short for threads to pay, so fits and forecasts run
with one (threadpoolctl, as scikit-learn does; the limit is lifted when they return).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager
from typing import Any, TypeVar

from clv_xl.runtime import in_pyodide

T = TypeVar("T")
R = TypeVar("R")

MAX_WORKERS = 8
"""Threads for independent computations (a bootstrap's draws) at most."""

_controller: Any = None


def one_blas_thread() -> AbstractContextManager[Any]:
    """A context in which BLAS uses one thread (about 10 us to enter and leave)."""
    global _controller
    if _controller is None:
        from threadpoolctl import ThreadpoolController

        _controller = ThreadpoolController()
    return _controller.limit(limits=1, user_api="blas")


THREAD_SECONDS = 0.002
"""An item worth a thread takes at least this long: shorter ones are mostly Python between
NumPy calls, holding the GIL, and two threads then take longer than one (a purchases interval on
20,000 customers: 0.98 s on two threads, 0.73 s on one; a lifetime-value one: 3.2 s, 5.5 s)."""


def on_cores(func: Callable[[T], R], items: Iterable[T], seconds: float | None = None) -> list[R]:
    """``[func(item) for item in items]``, the items spread over the machine's cores where it has
    threads (never in Pyodide, which has none). Each item is computed exactly as alone, on any
    number of cores: NumPy's and SciPy's functions release the GIL, and BLAS keeps one thread
    throughout, with or without the pool (the limit is held around it, so no worker's own limit
    lifts it while another computes). ``seconds``: what one item is expected to take; below
    :data:`THREAD_SECONDS` the items run on this thread."""
    work = list(items)
    workers = min(os.cpu_count() or 1, MAX_WORKERS, len(work))
    if seconds is not None and seconds < THREAD_SECONDS:
        workers = 1
    with one_blas_thread():
        if workers < 2 or in_pyodide():
            return [func(item) for item in work]
        with ThreadPoolExecutor(workers) as pool:
            return list(pool.map(func, work))
