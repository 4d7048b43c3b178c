"""The Excel-facing module against xlwings' own metadata and VBA wrapper generator.

On Linux ``xlwings.func`` does nothing, so the module is loaded again with xlwings' Windows
decorators (see ``xlwings_windows``) and checked as Excel would see it after an import.
"""

import re

import formulas
import pytest

from tests.helpers.xlwings_windows import load_with_windows_decorators, vba_wrappers

MODULE = "clv_xl.excel.udfs"


@pytest.fixture(scope="module")
def module():
    return load_with_windows_decorators(MODULE)


@pytest.fixture(scope="module")
def functions(module):
    found = {
        name: getattr(module, name)
        for name in dir(module)
        if hasattr(getattr(module, name), "__xlfunc__")
    }
    assert found, "no xlwings functions found"
    return found


EXPECTED = {
    "CLV_VALUE", "CLV_PROFIT", "CLV_HEADROOM", "CLV_RATIO", "CLV_RETENTION", "CLV_LIFESPAN",
    "CLV_PAYBACK", "CLV_SEGMENT", "CLV_SUMMARY", "CLV_FIT", "CLV_FIT_SPEND", "CLV_FIT_RETENTION",
    "CLV_P_ALIVE", "CLV_EXPECTED_PURCHASES", "CLV_EXPECTED_SPEND", "CLV_LIFETIME_VALUE",
    "CLV_RETENTION_CURVE", "CLV_DERL", "CLV_HOLDOUT", "CLV_SUMMARY_FILE", "CLV_INTERVAL",
    "CLV_FIT_COHORTS", "CLV_PURCHASE_PROBABILITY", "CLV_COMPARE", "CLV_TRACKING",
}  # fmt: skip


def test_every_function_of_the_issue_is_registered(functions):
    assert EXPECTED <= set(functions)


def test_names_are_valid_vba_and_not_cell_references(functions):
    for name in functions:
        assert re.fullmatch(r"[A-Za-z][A-Za-z0-9_]{0,254}", name), name
        assert not re.fullmatch(r"[A-Za-z]{1,3}[0-9]+", name), f"{name} reads as a cell address"
        assert not re.fullmatch(r"[Rr][0-9]*[Cc][0-9]*", name), f"{name} reads as R1C1"
        assert name.startswith("CLV_")


def test_no_clash_with_excel_builtin_functions(functions):
    builtins = {
        k.upper()
        for k, f in formulas.get_functions().items()
        if not getattr(f, "__module__", "").startswith("clv_xl")  # ours, once registered
    }
    assert len(builtins) > 300  # the engine knows Excel's function list
    assert not (set(functions) & builtins)


def test_category_docs_and_limits(functions):
    for name, f in functions.items():
        meta = f.__xlfunc__
        assert meta["category"] == "CLV", name
        doc = meta["ret"]["doc"]
        assert doc and "\n" not in doc.strip() and len(doc) <= 255, name
        for arg in meta["args"]:
            assert not arg["doc"].startswith("Positional argument"), (
                f"{name}.{arg['name']} has no doc"
            )
            assert len(arg["doc"]) <= 255, f"{name}.{arg['name']}"
            assert "convert" not in arg["options"], (
                f"{name}.{arg['name']}: a type hint became a converter"
            )


def test_generated_vba_wrappers(module, functions):
    vba = vba_wrappers(module, MODULE)
    for name, f in functions.items():
        args = [a["name"] for a in f.__xlfunc__["args"]]
        header = re.search(rf"^Function {name}\((.*)\)$", vba, re.M)
        assert header, name
        declared = [
            p.replace("Optional ", "").strip() for p in header.group(1).split(",") if p.strip()
        ]
        assert declared == args
        assert f'XLPy.CallUDF("{MODULE}", "{name}", Array({", ".join(args)}), ActiveWorkbook' in vba
    assert all(len(line) <= 1024 for line in vba.splitlines())


def test_functions_still_compute_when_decorated_for_windows(functions):
    assert functions["CLV_VALUE"](14, 2) == 28
