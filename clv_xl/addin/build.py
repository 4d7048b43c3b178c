"""Build clv_xl.xlam from the ribbon add-in template that ships inside the pinned xlwings.

The template (``xlwings/quickstart_addin_ribbon.xlam``) holds xlwings' VBA (RunPython, the UDF
machinery) and one ribbon macro, ``RibbonMyAddin.RunMain(control)``, which runs
``import <add-in name>; <add-in name>.main()``. Named ``clv_xl.xlam``, the add-in therefore calls
``clv_xl.main()``: the batch refresh. That single macro is all the template's VBA offers a ribbon
button, so the CLV tab has one large Refresh button. Its VBA reads configuration from a sheet
named ``myaddin.conf`` (the template's PROJECT_NAME); the template ships it disabled as
``_myaddin.conf``. The build only edits the zip: it runs on any platform.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
from pathlib import Path

import xlwings

from clv_xl.workbooks.sheet import Sheet
from clv_xl.workbooks.xlsx import Package

ADDIN_NAME = "clv_xl.xlam"
UDF_MODULE = "clv_xl.excel.udfs"
RIBBON_MACRO = "RibbonMyAddin.RunMain"
CONF_SHEET = "myaddin.conf"
TEMPLATE = Path(xlwings.__file__).parent / "quickstart_addin_ribbon.xlam"

CUSTOM_UI = f"""<customUI xmlns="http://schemas.microsoft.com/office/2006/01/customui">
    <ribbon>
        <tabs>
            <tab id="clvTab" label="CLV">
                <group id="clvGroup" label="Customer lifetime value">
                    <button id="clvRefresh" label="Refresh" size="large" imageMso="Refresh"
                        onAction="{RIBBON_MACRO}"
                        screentip="Refresh every CLV result"
                        supertip="Drops cached fits and recalculates every cell of the active workbook that uses a CLV_ function, each distinct fit once; reports what was refreshed and any errors." />
                </group>
            </tab>
        </tabs>
    </ribbon>
</customUI>
"""


def default_interpreter(platform: str = sys.platform) -> str:
    """The interpreter clv_xl is installed in; on Windows, its windowless pythonw.exe."""
    exe = Path(sys.executable)
    if platform.startswith("win"):
        windowless = exe.with_name("pythonw.exe")
        return str(windowless if windowless.exists() else exe)
    return str(exe)


def configuration(interpreter: str) -> dict[str, str]:
    """The add-in's configuration sheet: key -> value (keys as the template lists them)."""
    return {
        "Interpreter_Win": interpreter if not interpreter.startswith("/") else "",
        "Interpreter_Mac": interpreter if interpreter.startswith("/") else "",
        "UDF Modules": UDF_MODULE,
        "Debug UDFs": "FALSE",
        "Use UDF Server": "FALSE",
        "Show Console": "FALSE",
    }


def build_addin(target: str | os.PathLike[str], interpreter: str | None = None) -> Path:
    """Write clv_xl.xlam to ``target`` (a file or a folder)."""
    target = Path(target)
    if target.is_dir() or target.suffix == "":
        target.mkdir(parents=True, exist_ok=True)
        target = target / ADDIN_NAME
    target.parent.mkdir(parents=True, exist_ok=True)
    config = configuration(interpreter or default_interpreter())
    scratch = target.with_name(f".{target.name}.template")
    shutil.copyfile(TEMPLATE, scratch)
    package = Package(scratch)
    try:
        book = package.read("xl/workbook.xml").decode("utf-8")
        book = book.replace('name="_myaddin.conf"', f'name="{CONF_SHEET}"')
        book = re.sub(r"<mc:AlternateContent\b.*?</mc:AlternateContent>", "", book, flags=re.S)
        part = package.sheet_parts["_myaddin.conf"]
        sheet = package.sheet("_myaddin.conf")
        _fill_configuration(package, sheet, config)
        parts = {
            "customUI/customUI.xml": CUSTOM_UI.encode("utf-8"),
            "xl/workbook.xml": book.encode("utf-8"),
            part: sheet.xml().encode("utf-8"),
        }
        package.save(target, parts)
    finally:
        package.close()
        scratch.unlink(missing_ok=True)
    return target


def _fill_configuration(package: Package, sheet: Sheet, config: dict[str, str]) -> None:
    strings = re.findall(r"<t[^>]*>(.*?)</t>", package.read("xl/sharedStrings.xml").decode("utf-8"))
    for cell in sheet.cells():
        if cell.col != 1 or 't="s"' not in cell.xml:
            continue
        index = int(re.search(r"<v>(\d+)</v>", cell.xml).group(1))  # type: ignore[union-attr]
        key = strings[index]
        if key in config:
            value = config[key]
            sheet.set_value(cell.row, 2, {"TRUE": True, "FALSE": False}.get(value, value))


def read_configuration(addin: str | os.PathLike[str]) -> dict[str, object]:
    """The configuration sheet of a built add-in, key -> value."""
    package = Package(addin)
    try:
        strings = re.findall(
            r"<t[^>]*>(.*?)</t>", package.read("xl/sharedStrings.xml").decode("utf-8")
        )
        sheet = package.sheet(CONF_SHEET)
        out: dict[str, object] = {}
        for row in sorted(sheet.rows):
            key_cell, value_cell = sheet.get(row, 1), sheet.get(row, 2)
            if key_cell is None or 't="s"' not in key_cell.xml:
                continue
            key = strings[int(re.search(r"<v>(\d+)</v>", key_cell.xml).group(1))]  # type: ignore[union-attr]
            value: object = None
            if value_cell is not None:
                text = re.search(r"<t>(.*?)</t>|<v>(.*?)</v>", value_cell.xml)
                raw = (text.group(1) or text.group(2)) if text else None
                value = (
                    {"1": True, "0": False}.get(raw or "", raw)
                    if 't="b"' in value_cell.xml
                    else raw
                )
            out[key] = value
        return out
    finally:
        package.close()
