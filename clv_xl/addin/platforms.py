"""The few calls that need Excel itself: Windows registry and COM, macOS folders.

Kept small and obvious on purpose: nothing here runs on Linux, so the logic that decides what
to do lives in ``install_steps`` and is tested with stand-ins for these classes.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path


class WindowsExcel:
    """Excel on Windows, through xlwings (COM) and the registry."""

    VBOM = r"Software\Microsoft\Office\{version}\Excel\Security"

    def __init__(self) -> None:
        self._version: str | None = None

    def found(self) -> bool:
        try:
            import winreg  # type: ignore[import-not-found,unused-ignore]

            winreg.OpenKey(winreg.HKEY_CLASSES_ROOT, r"Excel.Application")  # type: ignore[attr-defined,unused-ignore]
            return True
        except (ImportError, OSError):
            return False

    def version(self) -> str:
        if self._version is None:
            import xlwings as xw

            with xw.App(visible=False, add_book=False) as app:
                self._version = str(app.version).split(".")[0] + ".0"
        return self._version

    def startup_path(self) -> Path:
        import xlwings as xw

        with xw.App(visible=False, add_book=False) as app:
            return Path(app.startup_path)

    def vbom_trusted(self) -> bool:
        import winreg  # type: ignore[import-not-found,unused-ignore]

        try:
            key = winreg.OpenKey(winreg.HKEY_CURRENT_USER, self.VBOM.format(version=self.version()))  # type: ignore[attr-defined,unused-ignore]
            value, _ = winreg.QueryValueEx(key, "AccessVBOM")  # type: ignore[attr-defined,unused-ignore]
            return bool(value)
        except OSError:
            return False

    def set_vbom_trust(self, trusted: bool) -> None:
        import winreg  # type: ignore[import-not-found,unused-ignore]

        key = winreg.CreateKey(winreg.HKEY_CURRENT_USER, self.VBOM.format(version=self.version()))  # type: ignore[attr-defined,unused-ignore]
        winreg.SetValueEx(key, "AccessVBOM", 0, winreg.REG_DWORD, 1 if trusted else 0)  # type: ignore[attr-defined,unused-ignore]

    def import_udfs(self, addin: Path, module: str) -> None:
        """xlwings' own import: writes the VBA wrappers into the add-in and saves it."""
        import xlwings as xw
        from xlwings import udfs  # type: ignore[attr-defined,unused-ignore]

        with xw.App(visible=False, add_book=False) as app:
            book = app.books.open(str(addin))
            udfs.import_udfs(module, book.api)
            book.save()
            book.close()

    def dll_present(self) -> bool:
        import xlwings

        bits = "64" if sys.maxsize > 2**32 else "32"
        name = f"xlwings{bits}-{xlwings.__version__}.dll"
        return any((Path(p) / name).exists() for p in (sys.prefix, os.path.dirname(sys.executable)))


def mac_startup_folder() -> Path:
    """Where Excel for Mac loads add-ins from at start-up (as ``xlwings addin install``)."""
    return (
        Path.home()
        / "Library/Group Containers/UBF8T346G9.Office/User Content.localized/Startup.localized/Excel"
    )


def mac_excel_found() -> bool:
    return Path("/Applications/Microsoft Excel.app").exists()


def xlwings_applescript() -> Path:
    """The AppleScript xlwings ships for RunPython on a Mac (the Refresh button's path)."""
    import xlwings

    return Path(xlwings.__file__).parent / f"xlwings-{xlwings.__version__}.applescript"


def mac_runpython_script() -> Path:
    """Where Excel for Mac's sandbox lets VBA run it (as ``xlwings runpython install``)."""
    return (
        Path.home() / "Library/Application Scripts/com.microsoft.Excel" / xlwings_applescript().name
    )
