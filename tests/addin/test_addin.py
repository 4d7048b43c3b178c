"""The add-in built from xlwings' ribbon template, checked on Linux by reading the file."""

import zipfile

import pytest
from defusedxml import ElementTree
from oletools.olevba import VBA_Parser

import clv_xl
from clv_xl.addin.build import (
    ADDIN_NAME,
    CONF_SHEET,
    RIBBON_MACRO,
    UDF_MODULE,
    build_addin,
    read_configuration,
)

NS = {"ui": "http://schemas.microsoft.com/office/2006/01/customui"}


@pytest.fixture(scope="module")
def addin(tmp_path_factory):
    return build_addin(tmp_path_factory.mktemp("dist"), r"C:\Python311\pythonw.exe")


@pytest.fixture(scope="module")
def vba(addin):
    parser = VBA_Parser(str(addin))
    modules = {name: code for _, _, name, code in parser.extract_macros()}
    parser.close()
    return modules


def test_a_valid_zip_named_for_the_package(addin):
    assert addin.name == ADDIN_NAME
    with zipfile.ZipFile(addin) as z:
        assert z.testzip() is None
        assert "xl/vbaProject.bin" in z.namelist()
        assert b"felix" not in z.read("xl/workbook.xml")  # the template author's path is gone


def test_ribbon_has_a_clv_tab_with_a_large_refresh_button(addin):
    with zipfile.ZipFile(addin) as z:
        ui = ElementTree.fromstring(z.read("customUI/customUI.xml"))
    tabs = ui.findall(".//ui:tab", NS)
    assert [t.get("label") for t in tabs] == ["CLV"]
    buttons = ui.findall(".//ui:button", NS)
    assert [(b.get("label"), b.get("size"), b.get("onAction")) for b in buttons] == [
        ("Refresh", "large", RIBBON_MACRO)
    ]


def test_the_button_calls_a_macro_that_exists_and_reaches_clv_xl_main(vba):
    module, macro = RIBBON_MACRO.split(".")
    code = vba[f"{module}.bas"]
    assert f"Sub {macro}(control As IRibbonControl)" in code
    # RunMain imports the module named like the add-in file: clv_xl.xlam -> clv_xl.main()
    assert 'RunPython "import " & mymodule & ";" & mymodule & ".main()"' in code
    assert callable(clv_xl.main)
    assert "Public Function RunPython(PythonCommand As String)" in vba["xlwings.bas"]


def test_configuration_names_the_function_module_and_interpreter(addin, vba):
    project = CONF_SHEET.removesuffix(".conf")
    assert f'PROJECT_NAME As String = "{project}"' in vba["xlwings.bas"]  # sheet the VBA reads
    with zipfile.ZipFile(addin) as z:
        assert f'name="{CONF_SHEET}"'.encode() in z.read("xl/workbook.xml")
    conf = read_configuration(addin)
    assert conf["UDF Modules"] == UDF_MODULE
    assert conf["Interpreter_Win"] == r"C:\Python311\pythonw.exe"
    assert conf["Use UDF Server"] is False


def test_vba_is_tied_to_the_pinned_xlwings(vba):
    import xlwings

    assert f'XLWINGS_VERSION As String = "{xlwings.__version__}"' in vba["xlwings.bas"]
    assert xlwings.__version__ == "0.37.8"
