"""What install.py does on each platform, written against small interfaces so it can be tested.

Windows with Excel: import the UDF wrappers into the built add-in through xlwings' own machinery
(this needs Excel's "Trust access to the VBA project object model"; it is changed only with the
user's consent and restored right after), then copy the add-in into XLSTART. macOS: copy the
add-in into Excel's start-up folder (the ribbon works; xlwings has no classic UDFs on a Mac).
Each step says what it did; a failure says what to do and leaves nothing half-installed.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from clv_xl.addin.build import ADDIN_NAME, UDF_MODULE
from clv_xl.addin.doctor import LITE_ROUTE, PINNED_XLWINGS
from clv_xl.files import write_atomically

Say = Callable[[str], None]
Ask = Callable[[str], bool]


class Excel(Protocol):
    def found(self) -> bool: ...
    def startup_path(self) -> Path: ...
    def vbom_trusted(self) -> bool: ...
    def set_vbom_trust(self, trusted: bool) -> None: ...
    def import_udfs(self, addin: Path, module: str) -> None: ...


class InstallFailed(RuntimeError):
    """A step could not complete; the message says what to do next."""


TRUST_EXPLAINED = (
    "Importing the CLV_ functions into the add-in uses xlwings' own import, which needs Excel's\n"
    "'Trust access to the VBA project object model' (File > Options > Trust Center > Trust Center\n"
    "Settings > Macro Settings). It lets programs edit VBA code, so it is off by default."
)


def copy_atomically(source: Path, target: Path) -> None:
    """Copy to a temporary file beside the target, then rename: no half-written add-in."""
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        write_atomically(target, lambda tmp: shutil.copyfile(source, tmp))
    except OSError as exc:
        raise InstallFailed(
            f"could not write {target} ({exc.strerror or exc}); if Excel is running, quit it and "
            "run `python install.py` again"
        ) from None


@dataclass
class WindowsResult:
    installed: Path | None
    udfs_imported: bool
    trust_changed_and_restored: bool


def install_windows(excel: Excel, addin: Path, ask: Ask, say: Say) -> WindowsResult:
    if not excel.found():
        say(
            "Excel was not found: the add-in is built but not installed; `clv-xl refresh` works without Excel."
        )
        return WindowsResult(None, False, False)
    imported, changed = False, False
    trusted = excel.vbom_trusted()
    if trusted:
        say("Trust access to the VBA project object model: already on (left as it is).")
    else:
        say(TRUST_EXPLAINED)
        if ask("Turn it on for this import and off again right after? [y/N] "):
            excel.set_vbom_trust(True)
            changed = True
            say("Turned on 'Trust access to the VBA project object model' for the import.")
        else:
            say(
                "Left off. The ribbon's Refresh works; to add the CLV_ functions later, run "
                "`python install.py` again and answer y, or turn the setting on yourself."
            )
    try:
        if trusted or changed:
            try:
                excel.import_udfs(addin, UDF_MODULE)
            except Exception as exc:
                raise InstallFailed(
                    f"importing the CLV_ functions failed ({exc}); nothing was installed. Close "
                    "every Excel window and run `python install.py` again"
                ) from None
            imported = True
            say(f"Imported the CLV_ functions ({UDF_MODULE}) into {addin.name}.")
    finally:
        if changed:
            excel.set_vbom_trust(False)
            say("Turned 'Trust access to the VBA project object model' off again, as it was.")
    target = excel.startup_path() / ADDIN_NAME
    copy_atomically(addin, target)
    say(
        f"Installed the add-in: {target} (Excel loads it at start; restart Excel to see the CLV tab)."
    )
    return WindowsResult(target, imported, changed)


def install_mac(
    addin: Path,
    startup: Path,
    excel_found: bool,
    say: Say,
    runpython: tuple[Path, Path] | None = None,
) -> Path | None:
    """Copy the add-in into Excel for Mac's start-up folder and, as ``xlwings runpython
    install`` does, xlwings' AppleScript (``runpython`` = (source, target)) into the folder
    Excel's sandbox lets VBA run scripts from: without it the Refresh button cannot reach
    Python on a Mac."""
    if not excel_found:
        say("Excel for Mac was not found: the add-in is built but not installed.")
        return None
    if runpython is not None:
        source, script = runpython
        if not source.is_file():
            raise InstallFailed(
                f"xlwings' AppleScript is missing ({source}): reinstall xlwings "
                f"(`pip install --force-reinstall xlwings=={PINNED_XLWINGS}`) and run `python install.py`"
            )
        script.parent.mkdir(parents=True, exist_ok=True)
        copy_atomically(source, script)
        say(f"Installed xlwings' RunPython script: {script} (the Refresh button needs it).")
    target = startup / ADDIN_NAME
    copy_atomically(addin, target)
    say(f"Installed the add-in: {target}. Restart Excel (Cmd-Q) to see the CLV tab.")
    say(
        "Note: classic xlwings has no user-defined functions on a Mac, so this add-in cannot "
        "compute the CLV_ formulas there (`clv-xl refresh BOOK.xlsx` recomputes a saved "
        f"workbook); {LITE_ROUTE}."
    )
    return target


def uninstall(targets: list[Path], say: Say) -> None:
    for target in targets:
        if target.exists():
            target.unlink()
            say(f"Removed {target}.")
        else:
            say(f"Nothing to remove at {target}.")
