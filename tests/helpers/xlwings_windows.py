"""Load xlwings' real Windows UDF machinery on Linux, for contract tests.

``xlwings.udfs`` (the decorators that record each function's metadata, and the generator of the
VBA wrappers the add-in imports) needs pywin32 only for COM calls made at run time. Stand-in
modules for ``pythoncom``, ``pywintypes`` and ``win32com.client`` let it import here; the module
under test is then imported afresh with ``xw.func``/``xw.arg``/``xw.ret`` bound to xlwings' own
Windows decorators, exactly as on Windows.
"""

from __future__ import annotations

import importlib
import io
import sys
import types
from types import ModuleType


def _stub(name: str, **attrs: object) -> ModuleType:
    mod = types.ModuleType(name)
    for key, value in attrs.items():
        setattr(mod, key, value)
    return mod


def windows_udf_module() -> ModuleType:
    """xlwings.udfs, importable on any platform."""
    if "xlwings.udfs" in sys.modules:
        return sys.modules["xlwings.udfs"]
    stubs = {
        "pythoncom": _stub("pythoncom", CoInitialize=lambda: None, IID_IDispatch=None),
        "pywintypes": _stub("pywintypes", com_error=type("com_error", (Exception,), {})),
        "win32com": _stub("win32com"),
        "win32com.client": _stub("win32com.client", Dispatch=lambda *a, **k: None),
    }
    for name, mod in stubs.items():
        sys.modules.setdefault(name, mod)
    return importlib.import_module("xlwings.udfs")


def load_with_windows_decorators(module_name: str) -> ModuleType:
    """Import ``module_name`` afresh with xlwings' Windows decorators, then restore xlwings."""
    import xlwings

    udfs = windows_udf_module()
    saved = {k: getattr(xlwings, k) for k in ("func", "arg", "ret")}
    package = module_name.rsplit(".", 1)[0]
    previous = {k: v for k, v in sys.modules.items() if k == package or k.startswith(package + ".")}
    for key in previous:  # the function modules are decorated at import: import them afresh
        del sys.modules[key]
    try:
        xlwings.func, xlwings.arg, xlwings.ret = udfs.xlfunc, udfs.xlarg, udfs.xlret
        return importlib.import_module(module_name)
    finally:
        for key, value in saved.items():
            setattr(xlwings, key, value)
        for key in [k for k in sys.modules if k == package or k.startswith(package + ".")]:
            del sys.modules[key]
        sys.modules.update(previous)
        parent, _, child = package.rpartition(".")
        if parent in sys.modules and package in previous:
            setattr(sys.modules[parent], child, previous[package])


class FakeWorkbook:
    """What generate_vba_wrapper reads of the workbook: its name."""

    def __init__(self, name: str) -> None:
        self.Name = name


def vba_wrappers(module: ModuleType, module_name: str, book: str = "clv_xl.xlam") -> str:
    """The VBA text xlwings' own generator writes for every function of ``module``."""
    udfs = windows_udf_module()
    out = io.StringIO()
    udfs.generate_vba_wrapper(module_name, module, out, FakeWorkbook(book))
    return out.getvalue()
