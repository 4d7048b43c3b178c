"""What this Python can do: whether it is xlwings Lite's Pyodide, the one way an optional
package is imported (a missing one is one line naming what to install, where), and the one way
the cycle collector is paused.

xlwings Lite runs clv_xl in Pyodide (CPython compiled to WebAssembly, ``sys.platform ==
"emscripten"``): no threads or subprocesses, no access to the computer's files, and only the
packages Pyodide ships or pure-Python wheels. The CLV_ functions need none of the rest; the
commands that do (big-data engines, the headless refresh, templates) import it through
:func:`require`.
"""

from __future__ import annotations

import gc
import importlib
import sys
from types import ModuleType, TracebackType

from clv_xl.errors import MissingPackageError


def in_pyodide() -> bool:
    """True in Pyodide (xlwings Lite). A process that stands in for it (the tests' simulation)
    loads a ``pyodide`` module as Pyodide itself does at start-up."""
    return sys.platform == "emscripten" or "pyodide" in sys.modules


# What to install for each optional package, beyond ``python -m pip install NAME``
_EXTRAS = {"pyspark": "clv_xl[spark]"}
# Packages that cannot run in Pyodide at all (no WebAssembly build)
_DESKTOP_ONLY = {"formualizer", "pyspark"}


def require(module: str, purpose: str, package: str | None = None) -> ModuleType:
    """Import ``module`` for ``purpose`` ("--engine spark", "the headless refresh"), or raise
    :class:`MissingPackageError` with one line saying what to install (a dependency of the
    module that is missing is named instead of the module)."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        missing = (exc.name or module).split(".")[0]
        top = module.split(".")[0]
        name = package if package and missing == top else missing
        raise MissingPackageError(missing_line(name, purpose)) from None


def missing_line(package: str, purpose: str) -> str:
    if in_pyodide():
        if package in _DESKTOP_ONLY:
            return (
                f"{purpose} needs {package}, which cannot run in xlwings Lite; use it from "
                "a computer with Python (pip install clv_xl)"
            )
        return (
            f"{purpose} needs the package {package}: add the line {package} to xlwings "
            "Lite's requirements.txt tab and restart xlwings Lite"
        )
    target = _EXTRAS.get(package, package)
    return f"{purpose} needs the package {package}: install it with python -m pip install {target}"


class CollectorPaused:
    """Python's cycle collector paused for a ``with`` block, and on again after it if it was on
    before (so blocks nest). For work that makes many objects and no cycle worth collecting
    before it ends: the collector would walk the growing heap again and again while they are
    built. The CLV_ functions' answers (millions of small lists for a range), the headless
    refresh (about 1 s of a 100,000-row refresh) and a command's imports (pandas and SciPy: one
    or two full passes, 0.04-0.18 s) are such work. A class, not a generator: a scalar
    function call pays a few hundred nanoseconds for it, not a microsecond."""

    __slots__ = ("_was_on",)

    def __enter__(self) -> None:
        self._was_on = gc.isenabled()
        gc.disable()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if self._was_on:
            gc.enable()
