"""The Refresh button, against stand-ins that behave as xlwings does with a real Excel.

- an error cell reaches Python as ``None`` through ``.value``, and as its text ("#NAME?") only
  through ``.options(err_to_str=True).value``;
- ``formula2`` of a range is one value for one cell and a tuple of rows for several; a cell in
  the spilled part of a dynamic array reads as the anchor's formula here (the stricter reading:
  re-entering it would block the spill);
- every property read or write is one cross-process COM call, and the stand-ins count them.
"""

import pytest

from clv_xl.addin.ribbon import RibbonReport, clv_anchors, column_runs, refresh_workbook
from clv_xl.models import cache


class Calls:
    def __init__(self):
        self.count = 0


class FakeRange:
    def __init__(self, sheet, first, last, err_to_str=False):
        self.sheet, self.first, self.last, self.err_to_str = sheet, first, last, err_to_str
        self.calls = sheet.calls

    def _cells(self):
        (r1, c1), (r2, c2) = self.first, self.last
        return [[(r, c) for c in range(c1, c2 + 1)] for r in range(r1, r2 + 1)]

    def _read(self, pick):
        self.calls.count += 1
        rows = [tuple(pick(rc) for rc in row) for row in self._cells()]
        return rows[0][0] if len(rows) == 1 and len(rows[0]) == 1 else tuple(rows)

    @property
    def row(self):
        self.calls.count += 1
        return self.first[0]

    @property
    def column(self):
        self.calls.count += 1
        return self.first[1]

    @property
    def formula2(self):
        return self._read(lambda rc: self.sheet.formula_at(rc))

    @formula2.setter
    def formula2(self, value):
        self.calls.count += 1
        rows = value if isinstance(value, list) else [[value]]
        for row, cells in zip(rows, self._cells(), strict=True):
            for formula, rc in zip(row, cells, strict=True):
                self.sheet.entered.append((rc, formula))

    def options(self, err_to_str=False):
        return FakeRange(self.sheet, self.first, self.last, err_to_str)

    @property
    def value(self):
        def pick(rc):
            shown = self.sheet.values.get(rc)
            if isinstance(shown, str) and shown.startswith("#") and not self.err_to_str:
                return None  # what xlwings hands Python for an error cell
            return shown

        return self._read(pick)


class FakeSheet:
    def __init__(self, name, calls, formulas, values, spills=()):
        self.name, self.calls = name, calls
        self.formulas, self.values, self.entered = formulas, values, []
        self.spills = dict(spills)  # ghost cell -> anchor

    def formula_at(self, rc):
        if rc in self.spills:
            return self.formulas[self.spills[rc]]
        return self.formulas.get(rc, self.values.get(rc, ""))

    @property
    def used_range(self):
        self.calls.count += 1
        cells = set(self.formulas) | set(self.values) | set(self.spills)
        rows = [r for r, _ in cells]
        cols = [c for _, c in cells]
        return FakeRange(self, (min(rows), min(cols)), (max(rows), max(cols)))

    def range(self, first, last):
        return FakeRange(self, first, last)


class FakeApp:
    def __init__(self, calls):
        self.calls, self.calculations, self.status, self._mode = calls, 0, [], "automatic"
        self.modes = []

    def calculate(self):
        self.calls.count += 1
        self.calculations += 1
        self.modes.append(self._mode)

    @property
    def calculation(self):
        self.calls.count += 1
        return self._mode

    @calculation.setter
    def calculation(self, mode):
        self.calls.count += 1
        self._mode = mode

    @property
    def status_bar(self):
        return self.status[-1] if self.status else False

    @status_bar.setter
    def status_bar(self, text):
        self.calls.count += 1
        self.status.append(text)


class FakeBook:
    def __init__(self, calls, sheets):
        self.sheets, self.app = sheets, FakeApp(calls)


def mary_book():
    calls = Calls()
    mary = FakeSheet(
        "Mary",
        calls,
        formulas={(1, 3): "=SUM(A2:A3)", (2, 2): "=CLV_VALUE(A1,A2)", (3, 3): "=CLV_RATIO(A1,0)",
                  (4, 2): "=CLV_HEADROOM(A1)"},
        values={(1, 1): 8, (2, 1): 20, (1, 3): 28, (2, 2): "#NAME?",
                (3, 3): "CLV_RATIO: acquisition_cost got 0; expected a cost > 0",
                (4, 2): "#VALUE!", (5, 1): "note: #1 customer"},
    )  # fmt: skip
    model = FakeSheet(
        "Model",
        calls,
        formulas={(1, 4): '=clv_fit("BG/NBD",A2:A9,B2:B9,C2:C9)'},
        values={(1, 4): "model", (1, 5): "BG/NBD", (2, 4): "r", (2, 5): 0.24, (9, 9): "#SPILL!"},
        spills={(1, 5): (1, 4), (2, 4): (1, 4), (2, 5): (1, 4)},
    )
    model.formulas[(9, 9)] = "=CLV_SUMMARY(A2:A9,B2:B9)"
    return calls, FakeBook(calls, [mary, model])


def test_refresh_re_enters_clv_formulas_recalculates_once_and_restores_calculation():
    _, book = mary_book()
    mary, model = book.sheets
    report = refresh_workbook(book)
    assert sorted(mary.entered) == [((2, 2), "=CLV_VALUE(A1,A2)"), ((3, 3), "=CLV_RATIO(A1,0)"),
                                    ((4, 2), "=CLV_HEADROOM(A1)")]  # fmt: skip
    # the spill anchor once; its spilled cells (which read as its formula) never
    assert model.entered == [((1, 4), '=clv_fit("BG/NBD",A2:A9,B2:B9,C2:C9)'),
                             ((9, 9), "=CLV_SUMMARY(A2:A9,B2:B9)")]  # fmt: skip
    assert book.app.calculations == 1 and book.app.modes == ["manual"]
    assert book.app._mode == "automatic"
    assert book.app.status[-1] is False
    assert report.formulas == 5


def test_report_names_every_error_cell_that_xlwings_hands_over_as_none():
    _, book = mary_book()
    report = refresh_workbook(book)
    shown = {(s, ref): text for s, ref, text in report.errors}
    assert shown[("Mary", "B2")].startswith("#NAME? (the CLV add-in is not loaded")
    assert shown[("Mary", "B4")].startswith("#VALUE!")
    assert shown[("Mary", "C3")] == "CLV_RATIO: acquisition_cost got 0; expected a cost > 0"
    assert shown[("Model", "I9")].startswith("#SPILL! (the result needs more room")
    assert len(report.errors) == 4  # the note "#1 customer" is text, not an error
    text = report.text()
    assert "4 cells show an error" in text and "Model!I9: #SPILL!" in text


def test_a_book_without_errors_says_so():
    calls = Calls()
    sheet = FakeSheet("S", calls, {(1, 1): "=CLV_VALUE(14,2)"}, {(1, 1): 28})
    report = refresh_workbook(FakeBook(calls, [sheet]))
    assert report.errors == [] and report.text().endswith("no errors")


def column_book(rows):
    """A column of element-wise formulas filled down, and a spilled table beside it."""
    calls = Calls()
    formulas = {(r, 3): f"=CLV_VALUE(A{r},B{r})" for r in range(2, rows + 2)}
    values = {(r, 3): 28.0 for r in range(2, rows + 2)}
    values.update({(r, 1): 14 for r in range(2, rows + 2)})
    formulas[(2, 5)] = "=CLV_SEGMENT(C2:C9)"
    spills = {(r, 5): (2, 5) for r in range(3, rows + 2)}
    return calls, FakeBook(calls, [FakeSheet("Customers", calls, formulas, values, spills)])


@pytest.mark.parametrize("rows", [10, 1000])
def test_com_calls_per_sheet_do_not_grow_with_the_number_of_cells(rows):
    calls, book = column_book(rows)
    report = refresh_workbook(book)
    assert report.formulas == rows + 1
    # the sheet: used range, formulas, row, column, 2 writes (one per run), used range, values,
    # row, column (10); the application: calculation mode read, set and restored, four status
    # bar texts, one recalculation (8)
    assert calls.count == 18


def test_runs_group_neighbouring_rows_of_one_column():
    anchors = clv_anchors([["=CLV_A(1)", "x"], ["=CLV_A(2)", "=CLV_B(1)"], ["", "=CLV_B(2)"]])
    assert column_runs(anchors) == [(0, 0, ["=CLV_A(1)", "=CLV_A(2)"]), (1, 1, ["=CLV_B(1)", "=CLV_B(2)"])]  # fmt: skip


def test_refresh_clears_cached_fits():
    cache._fits["x"] = object()  # a stale fit
    refresh_workbook(FakeBook(Calls(), []))
    assert "x" not in cache._fits


def test_report_text_is_short():
    report = RibbonReport(formulas=2, errors=[("S", f"A{i}", "#N/A") for i in range(40)])
    assert len(report.text().splitlines()) == 1 + 1 + 15 + 1


def test_on_a_mac_the_button_changes_nothing_and_says_how_to_refresh():
    _, book = mary_book()
    book.name = "Mary.xlsx"
    report = refresh_workbook(book, platform="darwin")
    assert all(sheet.entered == [] for sheet in book.sheets)
    assert book.app.calculations == 0
    assert 'clv-xl refresh "Mary.xlsx"' in report.text() and "5 CLV formulas" in report.text()
