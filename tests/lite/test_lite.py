"""clv_xl in xlwings Lite, proven without Excel (docs/verification.md, "Excel on every platform").

- the Pyodide profile: the core and Excel-layer tests run again in a process that stands in for
  Pyodide 314 (``tests.lite.pyodide_sim``);
- the Office.js protocol: ``officejs/check_officejs.py`` in a process where xlwings takes the
  Office.js path, every function registered and called with Office.js's shapes;
- the wheel: built, checked as PyPI checks it, and its requirements met by Pyodide 314's own
  packages (``pyodide_314.json``) or by pure-Python wheels;
- ``clv-xl lite`` and the clv_refresh script (with a stand-in of xlwings Lite's async book).
"""

from __future__ import annotations

import asyncio
import importlib.metadata as md
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from clv_xl import __version__
from clv_xl.addin.lite import XLWINGS_PIN, main_py, refresh_book, requirements_txt
from clv_xl.cli import main as cli
from tests.lite.pyodide_facts import facts, import_names, lite_closure, requirements

ROOT = Path(__file__).resolve().parents[2]
LITE = Path(__file__).resolve().parent


def pytest_run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "tests.lite.pyodide_sim",
         "-rfE", *args],
        cwd=ROOT, env={**os.environ, **(env or {})}, capture_output=True, text=True, timeout=900,
    )  # fmt: skip


def test_core_and_excel_tests_pass_in_a_pyodide_stand_in():
    run = pytest_run("tests/core", "tests/excel")
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    assert " passed" in run.stdout and " failed" not in run.stdout


def test_every_function_through_office_js_in_its_own_process():
    run = pytest_run("-o", "python_files=check_*.py", "tests/lite/officejs",
                     env={"XLWINGS_ON_SERVER": "true", "XLWINGS_LICENSE_KEY": "noncommercial"})  # fmt: skip
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    assert " passed" in run.stdout


def test_the_simulation_refuses_what_pyodide_lacks(tmp_path):
    """The stand-in is no stand-in if it lets everything through: it refuses an import Pyodide
    lacks (from clv_xl's code), a thread and a subprocess."""
    script = (
        "from tests.lite import pyodide_sim as s; s.install()\n"
        "import types, threading, subprocess\n"
        "m = types.ModuleType('clv_xl.probe'); "
        "exec('import formualizer', m.__dict__) if False else None\n"
        "for code in ('import formualizer', 'import pwd', 'import duckdb', 'import numpy'):\n"
        "    try:\n        exec(code, {'__name__': 'clv_xl.probe'}); print(code, 'ok')\n"
        "    except ModuleNotFoundError: print(code, 'refused')\n"
        "for start in (lambda: threading.Thread(target=print).start(),\n"
        "              lambda: subprocess.run(['true'])):\n"
        "    try:\n        start(); print('started')\n"
        "    except RuntimeError: print('refused')\n"
    )
    run = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True,
                         text=True, timeout=120)  # fmt: skip
    assert run.stdout.split("\n")[:6] == [
        "import formualizer refused", "import pwd refused", "import duckdb refused",
        "import numpy ok", "refused", "refused",
    ], run.stdout + run.stderr  # fmt: skip


# ----- the wheel ---------------------------------------------------------------------------
def test_every_requirement_in_pyodide_is_shipped_by_it_or_pure_python():
    shipped = {canonicalize_name(n): p for n, p in facts()["packages"].items()}
    closure = lite_closure()
    assert "formualizer" not in closure and "duckdb" not in closure  # desktop only
    for req in requirements("clv_xl"):
        name = canonicalize_name(req.name)
        if name in shipped:  # Pyodide's build: its version must satisfy ours
            assert req.specifier.contains(Version(shipped[name]["version"])), (req, shipped[name])
    for name, where in closure.items():
        if where == "pypi":
            assert import_names(name), name


def test_what_micropip_takes_from_pypi_has_a_pure_python_wheel(tmp_path):
    """micropip installs only pure-Python wheels from PyPI: each such requirement, at the
    version installed here (the lock's), has one (asked of PyPI as pip asks it)."""
    for name, where in sorted(lite_closure().items()):
        if where != "pypi":
            continue
        pin = f"{name}=={md.version(name)}"
        run = subprocess.run(
            [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:",
             "--platform", "any", "--implementation", "py", "--abi", "none",
             "--python-version", facts()["python"].rsplit(".", 1)[0], "-d", str(tmp_path), pin],
            capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        assert run.returncode == 0, (pin, run.stderr[-1000:])
    assert all(p.name.endswith("-none-any.whl") for p in tmp_path.iterdir())


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("dist")
    run = subprocess.run([sys.executable, "-m", "build", "--wheel", "--sdist", "-o", str(out), "."],
                         cwd=ROOT, capture_output=True, text=True, timeout=600)  # fmt: skip
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    return sorted(out.iterdir())


def test_the_release_files_pass_pypis_checks(built):
    names = [p.name for p in built]
    assert names == [f"clv_xl-{__version__}-py3-none-any.whl", f"clv_xl-{__version__}.tar.gz"]
    run = subprocess.run([sys.executable, "-m", "twine", "check", "--strict", *map(str, built)],
                         capture_output=True, text=True, timeout=300)  # fmt: skip
    assert run.returncode == 0, run.stdout + run.stderr


def test_the_wheel_declares_the_pyodide_markers(built):
    with zipfile.ZipFile(built[0]) as wheel:
        meta = wheel.read(f"clv_xl-{__version__}.dist-info/METADATA").decode()
    reqs = [Requirement(line.split(":", 1)[1].strip()) for line in meta.splitlines()
            if line.startswith("Requires-Dist:")]  # fmt: skip
    env = {"sys_platform": "emscripten", "extra": ""}
    desktop_only = {r.name for r in reqs if r.marker and not r.marker.evaluate(env)}
    assert {"formualizer", "duckdb", "pyarrow"} <= desktop_only
    assert "License-Expression: MIT" in meta and "Classifier:" in meta


# ----- clv-xl lite ---------------------------------------------------------------------------
def test_clv_xl_lite_writes_the_two_tabs(tmp_path, capsys):
    assert cli(["lite", str(tmp_path / "lite")]) == 0
    req = (tmp_path / "lite/requirements.txt").read_text()
    assert f"clv_xl=={__version__}\n{XLWINGS_PIN}\n" in req
    assert "numpy" not in req.replace("numpy, scipy and pandas come with Pyodide", "")
    main = (tmp_path / "lite/main.py").read_text()
    assert main == main_py() and "set_date_system(1900)" in main
    assert "main.py tab" in capsys.readouterr().out


def test_clv_xl_lite_takes_a_requirement_line_and_the_date_system(tmp_path):
    line = "clv_xl @ https://example.invalid/clv_xl-0.1.0-py3-none-any.whl"
    assert cli(["lite", str(tmp_path), "--requirement", line, "--date-system", "1904"]) == 0
    assert (tmp_path / "requirements.txt").read_text() == requirements_txt(line)
    assert line in (tmp_path / "requirements.txt").read_text()
    assert "set_date_system(1904)" in (tmp_path / "main.py").read_text()


def test_clv_xl_lite_refuses_another_date_system(tmp_path, capsys):
    with pytest.raises(SystemExit) as stop:
        cli(["lite", str(tmp_path), "--date-system", "1901"])
    assert stop.value.code == 2


# ----- the clv_refresh script, with a stand-in of xlwings Lite's async book ------------------
class Used:
    def __init__(self, sheet):
        self.sheet, self.row, self.column = sheet, 1, 1

    async def get_formula(self):
        return [row[:] for row in self.sheet.formulas]

    async def get_value(self):
        return [row[:] for row in self.sheet.values]


class Cells:
    def __init__(self, sheet, first, last):
        self.sheet, self.first, self.last = sheet, first, last

    @property
    def formula(self):
        raise AssertionError("xlwings Lite cannot read formulas synchronously")

    @formula.setter
    def formula(self, value):
        self.sheet.book.log.append((self.sheet.name, self.first, self.last, value))


class Sheet:
    def __init__(self, book, name, formulas, values):
        self.book, self.name, self.formulas, self.values = book, name, formulas, values

    @property
    def used_range(self):
        return Used(self)

    def range(self, first, last):
        return Cells(self, first, last)


class App:
    def __init__(self, book):
        self.book = book

    def calculate(self):
        self.book.log.append("calculate")


class Book:
    def __init__(self):
        self.log: list = []
        self.app = App(self)
        self.sheets = [
            Sheet(self, "Model", [["=CLV_VALUE(14,2)", "=A1*2"], ["=CLV_SUMMARY(A:A,B:B)", ""],
                                  ["=CLV_SUMMARY(A:A,B:B)", ""]],
                  [[28, 56], ["CLV_SUMMARY: dates is missing; expected a date", None],
                   ["#SPILL!", None]]),
        ]  # fmt: skip

    async def flush(self):
        self.log.append("flush")


def test_the_refresh_script_reenters_recalculates_and_reports():
    book = Book()
    report = asyncio.run(refresh_book(book))
    # CLV formulas re-entered (a spill's repeated formula left alone), one recalculation,
    # the queued actions flushed before the values are read again
    assert book.log == [("Model", (1, 1), (2, 1), [["=CLV_VALUE(14,2)"], ["=CLV_SUMMARY(A:A,B:B)"]]),
                        "calculate", "flush"]  # fmt: skip
    assert report.formulas == 2
    text = report.text()
    assert "2 CLV formulas refreshed" in text
    assert "Model!A2" in text and "CLV_SUMMARY: dates is missing" in text
    assert "Model!A3" in text and "#SPILL!" in text
