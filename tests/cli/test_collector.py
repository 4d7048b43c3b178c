"""Python's cycle collector: paused where work makes many objects and no cycles (a CLV_
function's answer, the headless refresh, a command's imports), always back as it was after, and
frozen when the command ends so that the process's last collection does not walk every object."""

import gc
import shutil
import subprocess
import sys

import pytest

from clv_xl.cli import main
from clv_xl.excel.runner import excel_function
from clv_xl.runtime import CollectorPaused
from tests.helpers import TEMPLATES


@pytest.fixture
def collector_on():
    was_on = gc.isenabled()
    gc.enable()
    yield
    if not was_on:
        gc.disable()


@pytest.mark.parametrize("on", [True, False])
def test_paused_inside_and_as_it_was_after_even_on_an_error(collector_on, on):
    if not on:
        gc.disable()
    with pytest.raises(ZeroDivisionError), CollectorPaused():
        assert not gc.isenabled()
        _ = 1 / 0
    assert gc.isenabled() is on


def test_pauses_nest(collector_on):
    with CollectorPaused():
        with CollectorPaused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the inner block found it off: it stays off
    assert gc.isenabled()


def test_an_excel_function_computes_with_the_collector_paused_and_gives_it_back(collector_on):
    seen = []

    @excel_function
    def CLV_PROBE(fail):
        seen.append(gc.isenabled())
        if fail:
            raise RuntimeError("boom")
        return 1.0

    assert CLV_PROBE(False) == 1.0
    assert CLV_PROBE(True).startswith("CLV_PROBE: unexpected RuntimeError")
    assert seen == [False, False]
    assert gc.isenabled()


def test_a_refresh_in_process_gives_the_collector_back_and_freezes_nothing(collector_on, tmp_path):
    """main() with its arguments (a caller that goes on, as these tests): nothing is frozen."""
    book = tmp_path / "book.xlsx"
    shutil.copy(TEMPLATES / "dry_cleaner.xlsx", book)
    frozen = gc.get_freeze_count()
    assert main(["refresh", "-q", str(book)]) == 0
    assert gc.isenabled()
    assert gc.get_freeze_count() == frozen


def test_the_command_freezes_what_it_made_when_it_ends(tmp_path):
    """Run as the command (its arguments from the command line, then the process ends), the
    objects are frozen at the end: Python's last collection walks none of them."""
    book = tmp_path / "book.xlsx"
    shutil.copy(TEMPLATES / "dry_cleaner.xlsx", book)
    code = (
        "import gc, sys\n"
        "from clv_xl.cli import main\n"
        "sys.argv = ['clv-xl', 'refresh', '-q', sys.argv[1]]\n"
        "status = main()\n"
        "print(status, gc.isenabled(), gc.get_freeze_count() > 10_000, len(gc.get_objects()) < 1_000)\n"
    )
    done = subprocess.run([sys.executable, "-c", code, str(book)], capture_output=True,
                          text=True, timeout=300)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["0", "True", "True", "True"]
