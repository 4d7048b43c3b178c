"""A stand-in for Pyodide 314 (xlwings Lite's Python) in this CPython process.

Loaded as a pytest plugin (``-p tests.lite.pyodide_sim``) or by :func:`install`, it makes the
process behave as Pyodide does for clv_xl:

- **imports**: a module clv_xl imports must be one Pyodide has (its standard library and
  compiled-in modules, ``pyodide_314.json``) or one that micropip installs for the wheel's
  requirements in Pyodide (the packages Pyodide ships, pure-Python wheels from PyPI); any other
  import made by clv_xl's own code, at module level or lazily, raises ``ModuleNotFoundError``
  as it would there. Imports made by other packages are theirs: Pyodide ships them built for it.
- **the ``pyodide`` package** is loaded (a stand-in with what xlwings uses of ``pyodide.ffi``),
  as Pyodide loads its own at start-up: clv_xl reads that as running in Pyodide;
- **no threads, subprocesses or forks**: starting one raises, as WebAssembly without threads
  does (``threading.Thread.start``, ``_thread``, ``subprocess.Popen``, ``os.fork``,
  ``os.posix_spawn`` and the ``spawn`` family), whoever asks.
"""

from __future__ import annotations

import _thread
import builtins
import importlib
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

from tests.lite.pyodide_facts import facts, import_names, lite_closure, pyodide_modules

REFUSED: list[str] = []  # what was refused, for the tests to read


def allowed_modules() -> set[str]:
    allowed = pyodide_modules() | {"clv_xl"}
    for name in lite_closure():
        allowed |= import_names(name)
    return allowed


def _from_clv_xl(namespace: Any) -> bool:
    return isinstance(namespace, dict) and str(namespace.get("__name__", "")).startswith("clv_xl")


def _refuse(top: str) -> ModuleNotFoundError:
    REFUSED.append(top)
    return ModuleNotFoundError(
        f"No module named {top!r} (not in Pyodide {facts()['pyodide']}, nor installed there "
        "for clv_xl)",
        name=top,
    )


def _no_start(what: str) -> Any:
    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError(f"can't start a new {what} (Pyodide has no {what}s)")

    return refuse


STUBS = Path(__file__).with_name("stubs")


def _load_stand_in_pyodide() -> None:
    """``pyodide`` and ``pyodide.ffi`` from ``stubs/``, registered as Pyodide's own."""
    import importlib.util

    for name, file in (("pyodide", "__init__.py"), ("pyodide.ffi", "ffi.py")):
        if name not in sys.modules:
            spec = importlib.util.spec_from_file_location(name, STUBS / "pyodide" / file)
            assert spec is not None and spec.loader is not None
            module = importlib.util.module_from_spec(spec)
            sys.modules[name] = module
            spec.loader.exec_module(module)
    sys.modules["pyodide"].ffi = sys.modules["pyodide.ffi"]  # type: ignore[attr-defined]


def install() -> None:
    _load_stand_in_pyodide()  # Pyodide loads its own package at start-up
    allowed = allowed_modules()
    real_import = builtins.__import__
    real_import_module = importlib.import_module

    def guarded_import(name, globals=None, locals=None, fromlist=(), level=0):
        if level == 0 and _from_clv_xl(globals):
            top = name.partition(".")[0]
            if top not in allowed:
                raise _refuse(top)
        return real_import(name, globals, locals, fromlist, level)

    def guarded_import_module(name: str, package: str | None = None) -> Any:
        caller = sys._getframe(1).f_globals
        if not name.startswith(".") and _from_clv_xl(caller):
            top = name.partition(".")[0]
            if top not in allowed:
                raise _refuse(top)
        return real_import_module(name, package)

    builtins.__import__ = guarded_import
    importlib.import_module = guarded_import_module
    threading.Thread.start = _no_start("thread")  # type: ignore[method-assign]
    _thread.start_new_thread = _no_start("thread")
    if hasattr(_thread, "start_joinable_thread"):
        _thread.start_joinable_thread = _no_start("thread")
    subprocess.Popen.__init__ = _no_start("process")  # type: ignore[method-assign]
    for name in ("fork", "forkpty", "posix_spawn", "posix_spawnp", "spawnv", "spawnve",
                 "spawnvp", "spawnvpe", "system"):  # fmt: skip
        if hasattr(os, name):
            setattr(os, name, _no_start("process"))
    os.environ["CLV_XL_PYODIDE_SIMULATION"] = facts()["pyodide"]


def pytest_configure(config: Any) -> None:
    install()


def pytest_report_header(config: Any) -> str:
    return f"Pyodide {facts()['pyodide']} simulation: imports, threads and processes guarded"
