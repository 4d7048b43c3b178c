"""The install steps, tested around their Excel calls with stand-ins."""

import subprocess
import sys

import pytest

from clv_xl.addin import install_steps
from clv_xl.addin.build import UDF_MODULE
from tests.helpers import ROOT


# ---- install on Windows -------------------------------------------------------------------
class FakeExcel:
    def __init__(self, tmp, trusted=False, found=True, import_fails=False):
        self.calls, self.trusted, self._found, self.import_fails = [], trusted, found, import_fails
        self.startup = tmp / "XLSTART"

    def found(self):
        return self._found

    def startup_path(self):
        return self.startup

    def vbom_trusted(self):
        self.calls.append("read trust")
        return self.trusted

    def set_vbom_trust(self, trusted):
        self.calls.append(f"set trust {trusted}")
        self.trusted = trusted

    def import_udfs(self, addin, module):
        self.calls.append(f"import {module} while trusted={self.trusted}")
        if self.import_fails:
            raise RuntimeError("Excel is busy")


@pytest.fixture
def built(tmp_path):
    addin = tmp_path / "clv_xl.xlam"
    addin.write_bytes(b"PK fake add-in")
    return addin


def test_consent_turns_trust_on_only_for_the_import_then_restores_it(tmp_path, built):
    excel, said = FakeExcel(tmp_path), []
    result = install_steps.install_windows(excel, built, lambda q: True, said.append)
    assert excel.calls == [
        "read trust", "set trust True", f"import {UDF_MODULE} while trusted=True", "set trust False",
    ]  # fmt: skip
    assert excel.trusted is False
    assert result.udfs_imported and result.trust_changed_and_restored
    assert (excel.startup / "clv_xl.xlam").read_bytes() == b"PK fake add-in"
    assert any("Trust access" in s for s in said)


def test_no_consent_changes_nothing_and_still_installs_the_ribbon(tmp_path, built):
    excel, said = FakeExcel(tmp_path), []
    result = install_steps.install_windows(excel, built, lambda q: False, said.append)
    assert excel.calls == ["read trust"]
    assert not result.udfs_imported and (excel.startup / "clv_xl.xlam").exists()
    assert any("run `python install.py` again" in s for s in said)


def test_trust_already_on_is_left_alone(tmp_path, built):
    excel = FakeExcel(tmp_path, trusted=True)
    install_steps.install_windows(
        excel, built, lambda q: pytest.fail("must not ask"), lambda s: None
    )
    assert excel.calls == ["read trust", f"import {UDF_MODULE} while trusted=True"]
    assert excel.trusted is True


def test_failed_import_restores_trust_and_installs_nothing(tmp_path, built):
    excel = FakeExcel(tmp_path, import_fails=True)
    with pytest.raises(install_steps.InstallFailed, match="nothing was installed"):
        install_steps.install_windows(excel, built, lambda q: True, lambda s: None)
    assert excel.calls[-1] == "set trust False" and excel.trusted is False
    assert not (excel.startup / "clv_xl.xlam").exists()


def test_no_excel_installs_nothing(tmp_path, built):
    excel = FakeExcel(tmp_path, found=False)
    result = install_steps.install_windows(excel, built, lambda q: True, lambda s: None)
    assert result.installed is None and excel.calls == []


def test_mac_installs_the_ribbon_and_says_there_are_no_udfs(tmp_path, built):
    said = []
    script = tmp_path / "xlwings-0.37.8.applescript"
    script.write_text("on RunPython()")
    installed = tmp_path / "Application Scripts" / "com.microsoft.Excel" / script.name
    target = install_steps.install_mac(
        built, tmp_path / "Startup", True, said.append, runpython=(script, installed)
    )
    assert target and target.exists()
    assert installed.read_text() == "on RunPython()"  # the Refresh button's path to Python
    assert any("no user-defined functions on a Mac" in s for s in said)
    assert any("xlwings Lite" in s and "clv-xl lite FOLDER" in s for s in said)  # the live route


def test_mac_without_xlwings_applescript_fails_with_what_to_do(tmp_path, built):
    with pytest.raises(install_steps.InstallFailed, match="reinstall xlwings"):
        install_steps.install_mac(built, tmp_path / "S", True, print,
                                  runpython=(tmp_path / "missing.applescript", tmp_path / "x"))  # fmt: skip
    assert not (tmp_path / "S").exists()


def test_the_applescript_ships_with_the_pinned_xlwings():
    from clv_xl.addin.platforms import mac_runpython_script, xlwings_applescript

    assert xlwings_applescript().is_file()
    assert mac_runpython_script().parent.name == "com.microsoft.Excel"


def test_installing_twice_is_harmless_and_uninstall_removes(tmp_path, built):
    excel = FakeExcel(tmp_path, trusted=True)
    for _ in range(2):
        install_steps.install_windows(excel, built, lambda q: False, lambda s: None)
    target = excel.startup / "clv_xl.xlam"
    assert target.exists() and len(list(excel.startup.iterdir())) == 1  # no temp files left
    install_steps.uninstall([target], lambda s: None)
    assert not target.exists()


# ---- install.py itself -------------------------------------------------------------------------
def run_install(*args, cwd=ROOT):
    return subprocess.run(
        [sys.executable, "install.py", *args], cwd=cwd, capture_output=True, text=True, timeout=300
    )


def test_dry_run_prints_every_step_and_changes_nothing(tmp_path):
    done = run_install("--dry-run", "--workbooks", str(tmp_path / "wb"))
    assert done.returncode == 0
    assert done.stdout.count("(dry run: nothing changed)") == 4
    assert not (tmp_path / "wb").exists()


def _snapshot(folder):
    return {p: p.stat().st_mtime_ns for p in folder.rglob("*")} if folder.exists() else {}


def test_build_only_and_check_leave_the_checkouts_dist_alone(tmp_path):
    """The tests build into a temporary folder; install's own dist/ is never touched (issue 21)."""
    before = _snapshot(ROOT / "dist")
    assert run_install("--build-only", "--dist", str(tmp_path)).returncode == 0
    assert (tmp_path / "clv_xl.xlam").is_file()
    check = run_install("--check", "--dist", str(tmp_path))
    assert "add-in configuration: UDF Modules = clv_xl.excel.udfs" in check.stdout
    assert check.returncode == 0, check.stdout
    assert _snapshot(ROOT / "dist") == before


def test_install_refuses_a_file_as_the_workbooks_folder_in_one_line(tmp_path):
    a_file = tmp_path / "book.txt"
    a_file.write_text("x")
    done = run_install("--workbooks", str(a_file))
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        f"install.py: --workbooks got the file {a_file}; expected a folder (new or existing)"
    ]
