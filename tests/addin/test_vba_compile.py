"""The VBA Excel will compile: xlwings' generated wrappers for every CLV_ function and the add-in's
own ribbon module, checked by VBA's declaration rules and by a second, real compiler.

VBA names ignore case, so ``CLV_EXPECTED_PURCHASES(params, t, ..., T)`` was one duplicate
declaration, and since every wrapper lives in one module it broke all CLV_ functions. Both gates
are shown failing on exactly that planted pair.
"""

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import formulas
import pytest
from oletools.olevba import VBA_Parser

from clv_xl.addin.build import build_addin
from clv_xl.addin.vba_check import vba_problems
from tests.helpers.xlwings_windows import load_with_windows_decorators, vba_wrappers

MODULE = "clv_xl.excel.udfs"
HERE = Path(__file__).resolve().parents[1] / "helpers"  # vba_compiler.py
SYSTEM_PYTHON = "/usr/bin/python3"

PLANTED = '''
import xlwings as xw

@xw.func
@xw.arg("params", ndim=2, doc="A parameter table.")
@xw.arg("t", doc="A horizon.")
@xw.arg("T", doc="An age.")
def CLV_PLANTED(params, t, T=None):
    """The old t/T pair."""
    return 0
'''


@pytest.fixture(scope="module")
def udfs():
    return load_with_windows_decorators(MODULE)


@pytest.fixture(scope="module")
def wrappers(udfs):
    return vba_wrappers(udfs, MODULE)


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    folder = tmp_path_factory.mktemp("planted")
    (folder / "planted_udfs.py").write_text(PLANTED)
    with pytest.MonkeyPatch.context() as patch:  # importable for this fixture only
        patch.syspath_prepend(str(folder))
        try:
            return vba_wrappers(load_with_windows_decorators("planted_udfs"), "planted_udfs")
        finally:
            sys.modules.pop("planted_udfs", None)


@pytest.fixture(scope="module")
def ribbon_module(tmp_path_factory):
    addin = build_addin(tmp_path_factory.mktemp("dist"), r"C:\Python311\pythonw.exe")
    parser = VBA_Parser(str(addin))
    modules = {name: code for _, _, name, code in parser.extract_macros()}
    parser.close()
    code = modules["RibbonMyAddin.bas"]
    return "\n".join(line for line in code.splitlines() if not line.startswith("Attribute "))


def _arguments(udfs):
    for name in dir(udfs):
        meta = getattr(getattr(udfs, name), "__xlfunc__", None)
        if meta:
            yield name, [a["name"] for a in meta["args"]]


def test_no_two_arguments_are_equal_ignoring_case(udfs):
    for name, args in _arguments(udfs):
        lowered = [a.lower() for a in args]
        assert len(set(lowered)) == len(lowered), f"{name}: {args}"
        assert name.lower() not in lowered, name


def test_no_argument_is_an_excel_builtin_function_name(udfs):
    builtins = {k.upper() for k in formulas.get_functions()}
    assert "T" in builtins and "RATE" in builtins  # Excel's T() and RATE() are in the list
    for name, args in _arguments(udfs):
        clash = [a for a in args if a.upper() in builtins]
        assert not clash, f"{name}: {clash} are Excel function names"


def test_rules_pass_the_generated_wrappers_and_the_ribbon_module(wrappers, ribbon_module):
    assert "Function CLV_EXPECTED_PURCHASES(params, horizon," in wrappers
    assert vba_problems(wrappers) == []
    assert vba_problems(ribbon_module) == []


def test_rules_catch_the_old_t_and_T_pair(planted):
    assert "Function CLV_PLANTED(params, t, Optional T)" in planted
    problems = vba_problems(planted)
    assert len(problems) == 1
    assert "CLV_PLANTED" in problems[0] and "duplicate declaration" in problems[0]


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("Function F(a, A)\nEnd Function", "duplicate declaration"),
        ("Function F(f)\nEnd Function", "duplicate declaration"),
        ("Function F(x)\n    Dim X As Long\nEnd Function", "duplicate declaration"),
        ("Function F(a)\nEnd Function\nFunction f(b)\nEnd Function", "duplicate procedure"),
        ("Function F(date)\nEnd Function", "reserved word"),
        ("Function F(Optional ByVal string)\nEnd Function", "reserved word"),
        ("Function F(_a)\nEnd Function", "not a VBA identifier"),
        ("Function F(a)\n" + "x = 1" + " " * 1100 + "\nEnd Function", "1105 characters"),
        ("Function F(a)\n    x = 1 _\n" + "  + 1 _\n" * 25 + "  + 1\nEnd Function", "26 line"),
    ],
)
def test_each_rule_fails_on_its_mistake(code, expected):
    problems = vba_problems(code)
    assert any(expected in p for p in problems), problems


def test_conditional_branches_are_alternatives_not_duplicates():
    code = textwrap.dedent(
        """\
        #If Mac Then
        Function F(a)
            Dim d
        #Else
        Function F(a)
            Dim d
        #End If
        End Function
        """
    )
    assert vba_problems(code) == []


def _libreoffice_available() -> bool:
    if not (shutil.which("soffice") and Path(SYSTEM_PYTHON).exists()):
        return False
    probe = subprocess.run([SYSTEM_PYTHON, "-c", "import uno"], capture_output=True, check=False)
    return probe.returncode == 0


@pytest.fixture(scope="module")
def compiled(tmp_path_factory, wrappers, ribbon_module, planted):
    if not _libreoffice_available():
        if os.environ.get("CI"):
            pytest.fail(
                "CI must run the VBA compile gate: install libreoffice-calc-nogui python3-uno"
            )
        pytest.skip("LibreOffice with python3-uno is not installed (apt-get install "
                    "libreoffice-calc-nogui python3-uno)")  # fmt: skip
    modules = {
        "wrappers": wrappers,
        "ribbon": ribbon_module,
        "planted": planted,
        "ribbon with a planted duplicate": ribbon_module.replace(
            "Sub RunMain(control As IRibbonControl)",
            "Sub RunMain(control As IRibbonControl, Control)",
        ),
    }
    source = tmp_path_factory.mktemp("vba") / "modules.json"
    source.write_text(json.dumps(modules))
    done = subprocess.run(
        [SYSTEM_PYTHON, str(HERE / "vba_compiler.py"), str(source)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout)


def test_libreoffice_compiles_the_wrappers_and_the_ribbon_module(compiled):
    assert compiled["wrappers"] == {"compiles": True, "failing": []}
    assert compiled["ribbon"] == {"compiles": True, "failing": []}


def test_libreoffice_rejects_the_planted_duplicates_by_procedure(compiled):
    assert compiled["planted"] == {"compiles": False, "failing": ["CLV_PLANTED"]}
    assert compiled["ribbon with a planted duplicate"]["failing"] == ["RunMain"]
