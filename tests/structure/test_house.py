"""The house (issue 18): one job per module, one definition per idea, no import circles."""

import ast
import re

import numpy as np
import pytest

from tests.helpers import ROOT

PACKAGE = ROOT / "clv_xl"
LAYERS = ["core", "models", "data", "excel", "workbooks", "addin"]


def modules():
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        yield name, path


def imports(path, name):
    """Every clv_xl module a file imports, at module level or inside functions."""
    tree = ast.parse(path.read_text())
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("clv_xl"):
            found.add(node.module)
            for alias in node.names:
                found.add(f"{node.module}.{alias.name}")
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("clv_xl"))
    known = {n for n, _ in modules()}
    return {m for m in found if m in known and m != name}


def graph():
    return {name: imports(path, name) for name, path in modules()}


def test_the_import_graph_has_no_circle():
    edges = graph()
    # a package's __init__ re-exporting its modules is no circle of jobs: edges into a package
    # stand for the modules it re-exports, so only module-to-module edges are followed
    packages = {n for n, p in modules() if p.name == "__init__.py"}
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node):
        state[node] = 1
        stack.append(node)
        for nxt in edges.get(node, ()):
            if nxt in packages:
                continue
            if state.get(nxt) == 1:
                raise AssertionError(" -> ".join([*stack[stack.index(nxt) :], nxt]))
            if nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for node in edges:
        if node not in state and node not in packages:
            visit(node)


def test_no_layer_imports_a_layer_above_it():
    for name, deps in graph().items():
        parts = name.split(".")
        if len(parts) < 2 or parts[1] not in LAYERS:
            continue
        mine = LAYERS.index(parts[1])
        for dep in deps:
            dparts = dep.split(".")
            if len(dparts) > 1 and dparts[1] in LAYERS:
                assert LAYERS.index(dparts[1]) <= mine, f"{name} imports {dep}"


def source_files():
    return [p for _, p in modules()] + [ROOT / "install.py"]


def occurrences(pattern):
    return [str(p.relative_to(ROOT)) for p in source_files()
            for _ in re.finditer(pattern, p.read_text())]  # fmt: skip


@pytest.mark.parametrize(("idea", "pattern", "home"), [
    ("the atomic write's rename", r"os\.replace\(", ["clv_xl/files.py"]),
    ("Excel's error values", r"\"#DIV/0!\"", ["clv_xl/excel/error_texts.py"]),
    ("the time unit table", r"\"M\": \(30\.0", ["clv_xl/core/timeunit.py"]),
    ("DuckDB's memory default", r"\"4GB\"", ["clv_xl/data/engines/connection.py"]),
    ("the Parquet suffixes", r"\"\.pq\"", ["clv_xl/files.py"]),
    ("a shared argument help", r"Repeat purchases of each customer\.\"", ["clv_xl/excel/argdocs.py"]),
    ("the Function Wizard category", r"CATEGORY = \"CLV\"", ["clv_xl/excel/argdocs.py"]),
    ("the add-in's file name", r"\"clv_xl\.xlam\"", ["clv_xl/addin/build.py"]),
    ("the xlwings pin", r"\"0\.37\.8\"", ["clv_xl/addin/doctor.py"]),
    ("the se_ rows", r"\"se_\"", ["clv_xl/models/params_table.py"]),
])  # fmt: skip
def test_each_idea_has_one_definition(idea, pattern, home):
    assert occurrences(pattern) == home, idea


def test_ranges_of_different_sizes_are_a_shape_error_and_an_input_error():
    from clv_xl.errors import InputError, ShapeError
    from clv_xl.models.validation import same_length

    with pytest.raises(ShapeError, match="ranges differ in size") as caught:
        same_length(frequency=np.zeros(3), recency=np.zeros(2))
    assert isinstance(caught.value, InputError) and isinstance(caught.value, ValueError)


def test_a_model_declares_its_hooks_and_validates_its_settings_in_fit():
    from clv_xl.errors import InputError
    from clv_xl.models import BGNBD, BaseModel

    with pytest.raises(TypeError, match="abstract"):
        BaseModel()  # type: ignore[abstract]
    model = BGNBD(penalizer=-1)  # settings are only stored here (scikit-learn's convention)
    with pytest.raises(InputError, match="penalizer got -1"):
        model.fit([1, 2], [3, 4], [5, 6])
    with pytest.raises(InputError, match="max_iter"):
        BGNBD(max_iter=0.5).fit([1, 2], [3, 4], [5, 6])
    assert BGNBD.dropout_params == ("a", "b") and BGNBD.groups_columns


def test_one_time_unit_carries_both_lengths():
    from clv_xl.core.timeunit import TimeUnit
    from clv_xl.data.summary import period_days
    from clv_xl.models.value import month_length

    assert (period_days("M"), month_length("M")) == (30.0, 1.0)
    assert (period_days("W"), month_length("W")) == (7.0, 4.345)
    assert (period_days(14), month_length(14)) == (14.0, 30.0 / 14)
    assert TimeUnit.parse(None).label == "W"


def test_the_tests_edit_no_sys_path():
    for path in (ROOT / "tests").rglob("*.py"):
        if path.name == "test_house.py":
            continue
        assert "sys.path.insert" not in path.read_text(), path


MAX_METHODS, MAX_LINES = 25, 500


def test_no_class_over_25_methods_and_no_module_over_500_lines():
    """The house's limits (issue 31): a class that does more, or a module that holds more, is
    split into rooms."""
    too_long, too_big = [], []
    for name, path in modules():
        text = path.read_text()
        if len(text.splitlines()) > MAX_LINES:
            too_long.append(f"{name}: {len(text.splitlines())} lines")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.ClassDef):
                methods = [
                    n for n in node.body if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)
                ]
                if len(methods) > MAX_METHODS:
                    too_big.append(f"{name}.{node.name}: {len(methods)} methods")
    assert not too_long and not too_big, too_long + too_big
