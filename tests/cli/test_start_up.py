"""What a command imports is what it needs: a workbook without a fit is refreshed without
scipy.optimize (about 0.13 s to import, with scipy.linalg and scipy.fft), and a book with one
imports it when the fit runs. (`clv-xl --help` importing none of the heavy libraries is in
test_cli_errors.)"""

import shutil
import subprocess
import sys

import pytest

from tests.helpers import TEMPLATES

CODE = (
    "import sys\n"
    "from clv_xl.cli import main\n"
    "sys.argv = ['clv-xl', 'refresh', '-q', sys.argv[1]]\n"
    "status = main()\n"
    "print(status, 'scipy.optimize' in sys.modules, 'scipy.linalg' in sys.modules)\n"
)


@pytest.mark.parametrize(
    ("template", "fits"),
    [("dry_cleaner", False), ("acquisition_budget", False), ("subscription_retention", True)],
)
def test_scipy_optimize_is_imported_only_for_a_fit(tmp_path, template, fits):
    book = tmp_path / "book.xlsx"
    shutil.copy(TEMPLATES / f"{template}.xlsx", book)
    done = subprocess.run([sys.executable, "-c", CODE, str(book)], capture_output=True,
                          text=True, timeout=300)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["0", str(fits), str(fits)]
