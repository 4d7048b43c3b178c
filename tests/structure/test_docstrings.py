"""numpydoc docstrings where a user needs them (issue 32): every CLV_ function, every model class
and the public API of core/ and models/ say their parameters, what they return and an example,
the models their paper and equations; every example runs."""

from __future__ import annotations

import doctest
import importlib
import inspect
import re

import pytest

import clv_xl.core
import clv_xl.models
from clv_xl.excel import udfs
from clv_xl.excel.declare import summary
from clv_xl.models import catalog

MODULES = [
    "clv_xl.core.everyday",
    "clv_xl.core.segment",
    "clv_xl.datasets",
    "clv_xl.models.base",
    "clv_xl.models.bdw",
    "clv_xl.models.bgbb",
    "clv_xl.models.bgnbd",
    "clv_xl.models.cache",
    "clv_xl.models.covariates",
    "clv_xl.models.gammagamma",
    "clv_xl.models.mbgnbd",
    "clv_xl.models.paretonbd",
    "clv_xl.models.registry",
    "clv_xl.models.repeat_buying",
    "clv_xl.models.sbg",
    "clv_xl.models.value",
]


def sections(obj: object) -> str:
    return inspect.getdoc(obj) or ""


def has(doc: str, title: str) -> bool:
    return f"\n{title}\n{'-' * len(title)}\n" in doc


@pytest.mark.parametrize("name", udfs.__all__)
def test_every_function_has_parameters_returns_and_an_example(name):
    f = getattr(udfs, name)
    doc = sections(f)
    for title in ("Parameters", "Returns", "Examples"):
        assert has(doc, title), f"{name}: no {title}"
    for param in inspect.signature(f).parameters:
        assert f"\n{param} : " in doc, f"{name}: {param} not documented"
    assert len(summary(doc)) <= 255 and "\n" not in summary(doc)


def test_the_function_wizard_shows_the_summary_not_the_whole_docstring():
    from tests.helpers.xlwings_windows import load_with_windows_decorators

    declared = load_with_windows_decorators("clv_xl.excel.udfs")
    for name in declared.__all__:
        f = getattr(declared, name)
        assert f.__xlfunc__["ret"]["doc"] == summary(f.__doc__), name


@pytest.mark.parametrize("name", list(clv_xl.models.catalog.models()))
def test_every_model_class_has_its_paper(name):
    doc = sections(catalog.models()[name])
    for title in ("Parameters", "Attributes", "Examples", "References"):
        assert has(doc, title), f"{name}: no {title}"
    assert re.search(r"\((19|20)\d\d\)", doc.split("References")[-1]), f"{name}: no paper"


@pytest.mark.parametrize(
    "obj",
    [
        getattr(m, n)
        for m in (clv_xl.core, clv_xl.models)
        for n in m.__all__
        if callable(getattr(m, n))
    ],
    ids=lambda o: getattr(o, "__name__", str(o)),
)
def test_the_public_api_has_examples(obj):
    doc = sections(obj)
    assert has(doc, "Examples"), obj
    takes = [p for p in inspect.signature(obj).parameters if p not in ("self", "cls")]
    if takes and not inspect.isclass(obj):
        assert has(doc, "Parameters"), obj


def _examples(obj: object, name: str, globs: dict) -> list[doctest.DocTest]:
    return [t for t in doctest.DocTestFinder().find(obj, name, globs=globs) if t.examples]


TESTS = [(f"udfs.{n}", getattr(udfs, n), vars(udfs)) for n in udfs.__all__] + [
    (m, importlib.import_module(m), None) for m in MODULES
]


@pytest.mark.parametrize(("name", "obj", "globs"), TESTS, ids=[t[0] for t in TESTS])
def test_every_example_runs(name, obj, globs):
    found = _examples(obj, name, dict(globs) if globs is not None else None)
    assert found, f"{name}: no example"
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    for test in found:
        runner.run(test)
    assert runner.failures == 0, f"{name}: {runner.failures} example(s) failed"
