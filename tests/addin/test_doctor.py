"""`clv-xl doctor` against a stand-in Excel that behaves as xlwings does: formulas typed into a
scratch workbook are computed by the real CLV_ functions on recalculation, spills fill the cells
beside them, and error cells read as their text only with ``err_to_str``."""

import re

import pytest

from clv_xl.addin import doctor
from clv_xl.excel import udfs


def split(ref):
    col, row = re.fullmatch(r"([A-Z]+)(\d+)", ref).groups()
    number = 0
    for ch in col:
        number = number * 26 + ord(ch) - 64
    return int(row), number


class FakeRange:
    def __init__(self, sheet, ref, err_to_str=False):
        self.sheet, self.ref, self.err_to_str = sheet, ref, err_to_str
        first, _, last = ref.partition(":")
        self.first, self.last = split(first), split(last or first)

    @property
    def formula2(self):
        return self.sheet.formulas.get(self.first, "")

    @formula2.setter
    def formula2(self, formula):
        self.sheet.formulas[self.first] = formula

    def options(self, err_to_str=False):
        return FakeRange(self.sheet, self.ref, err_to_str)

    @property
    def value(self):
        (r1, c1), (r2, c2) = self.first, self.last
        rows = [[self._shown((r, c)) for c in range(c1, c2 + 1)] for r in range(r1, r2 + 1)]
        return rows[0][0] if (r1, c1) == (r2, c2) else rows

    def _shown(self, rc):
        v = self.sheet.cells.get(rc)
        return None if isinstance(v, str) and v.startswith("#") and not self.err_to_str else v

    @value.setter
    def value(self, rows):
        r1, c1 = self.first
        for i, row in enumerate(rows):
            for j, v in enumerate(row):
                self.sheet.cells[(r1 + i, c1 + j)] = v


class FakeSheet:
    def __init__(self):
        self.cells, self.formulas = {}, {}

    def range(self, ref):
        return FakeRange(self, ref)

    def grid(self, ref):
        return FakeRange(self, ref).value


class FakeBook:
    def __init__(self, app):
        self.app, self.sheets, self.closed = app, [FakeSheet()], False

    def close(self):
        self.closed = True


class FakeBooks:
    def __init__(self, app):
        self.app, self.opened = app, []

    def add(self):
        self.opened.append(FakeBook(self.app))
        return self.opened[-1]


class FakeExcel:
    version = "16.0"

    def __init__(self, mode="ok"):
        self.mode, self.books, self.quit_called = mode, FakeBooks(self), False

    def calculate(self):
        for book in self.books.opened:
            sheet = book.sheets[0]
            for rc, formula in sorted(sheet.formulas.items()):
                sheet.cells[rc] = self._evaluate(sheet, formula)
                result = sheet.cells[rc]
                if isinstance(result, list):  # spill
                    for i, row in enumerate(result):
                        for j, v in enumerate(row):
                            sheet.cells[(rc[0] + i, rc[1] + j)] = v

    def _evaluate(self, sheet, formula):
        if self.mode == "no add-in":
            return "#NAME?"
        if self.mode == "no python":
            return "#VALUE!"
        name, body = re.fullmatch(r"=(\w+)\((.*)\)", formula).groups()
        args = []
        for arg in body.split(","):
            if arg.startswith('"'):
                args.append(arg.strip('"'))
            elif re.fullmatch(r"[A-Z]+\d+:[A-Z]+\d+", arg):
                args.append(sheet.grid(arg))
            else:
                args.append(float(arg))
        return getattr(udfs, name)(*args)

    def quit(self):
        self.quit_called = True


def connect_to(app, started=True):
    return lambda: (app, started)


def test_all_checks_pass_with_a_working_excel(capsys):
    app = FakeExcel()
    assert doctor.main("win32", connect_to(app)) == 0
    out = capsys.readouterr().out
    assert "=CLV_VALUE(14,2) = 28" in out and "=CLV_HEADROOM(500,50) = 450" in out
    assert "spill the core's fit" in out and "TODO" not in out
    assert app.books.opened[0].closed and app.quit_called


def test_functions_missing_from_the_addin_say_what_to_do(capsys):
    app = FakeExcel("no add-in")
    assert doctor.main("win32", connect_to(app, started=False)) == 1
    lines = [line for line in capsys.readouterr().out.splitlines() if "TODO" in line]
    assert len(lines) == 3 and all("#NAME?" in line for line in lines)
    assert "python install.py" in lines[0]
    assert app.books.opened[0].closed and not app.quit_called  # the user's Excel stays open


def test_python_not_running_says_what_to_do(capsys):
    assert doctor.main("darwin", connect_to(FakeExcel("no python"))) == 1
    assert "interpreter on the add-in's config sheet" in capsys.readouterr().out


def test_excel_that_cannot_start_is_one_line(capsys):
    def fail():
        raise OSError("Excel.Application is not registered\nmore detail")

    assert doctor.main("win32", fail) == 1
    out = capsys.readouterr().out
    assert "Excel could not be started through xlwings (Excel.Application is not registered)" in out
    assert "more detail" not in out


def test_linux_says_what_it_cannot_check_and_checks_the_headless_refresh(capsys):
    assert doctor.main("linux") == 0
    out = capsys.readouterr().out
    assert "no Excel here" in out and "=CLV_VALUE(14,2) = 28" in out


@pytest.mark.parametrize("shown", [None, "CLV_FIT: oops", "#SPILL!"])
def test_every_unexpected_cell_gets_a_reason(shown):
    check = doctor._one("=X()", shown, 1.0)
    assert not check.ok and ":" in check.text


@pytest.mark.parametrize("platform", ["darwin", "linux"])
def test_where_classic_udfs_cannot_run_doctor_points_to_xlwings_lite(platform, capsys):
    doctor.main(platform, connect_to(FakeExcel("ok")) if platform == "darwin" else None)
    out = capsys.readouterr().out
    assert "xlwings Lite" in out and "clv-xl lite FOLDER" in out
    windows = doctor.run("win32", connect_to(FakeExcel("ok")))
    assert not any("xlwings Lite" in c.line() for c in windows)  # desktop UDFs run there
