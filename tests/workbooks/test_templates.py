"""The template workbooks: built by code, carrying values, computing in a real formula engine."""

import re
import shutil
import zipfile

import openpyxl
import pytest

from clv_xl.workbooks.refresh import refresh
from clv_xl.workbooks.templates import TEMPLATES, build_all
from clv_xl.workbooks.xlsx import Package
from tests.helpers import TEMPLATES as TEMPLATES_FOLDER
from tests.helpers.workbook_compare import differences

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning:openpyxl")

FOLDER = TEMPLATES_FOLDER

NAMES = sorted(TEMPLATES)


@pytest.fixture(scope="module")
def rebuilt(tmp_path_factory):
    folder = tmp_path_factory.mktemp("rebuilt")
    reports = build_all(folder)
    return folder, reports


@pytest.fixture(scope="module")
def recomputed(tmp_path_factory):
    """Every checked-in template refreshed by the formula engine with the CLV functions."""
    folder = tmp_path_factory.mktemp("recomputed")
    return {name: (refresh(FOLDER / name, folder / name), folder / name) for name in NAMES}


def values(path):
    return openpyxl.load_workbook(path, data_only=True)


def test_every_template_is_checked_in():
    assert sorted(p.name for p in FOLDER.glob("*.xlsx")) == NAMES


def test_checked_in_files_are_what_the_code_builds(rebuilt):
    folder, reports = rebuilt
    assert all(not r.errors for r in reports), [r.errors for r in reports]
    for name in NAMES:
        assert differences(str(FOLDER / name), str(folder / name)) == [], (
            f"{name} is stale: run `clv-xl build-templates`"
        )


@pytest.mark.parametrize("name", NAMES)
def test_engine_values_equal_stored_values(recomputed, name):
    report, path = recomputed[name]
    assert report.errors == []
    assert report.clv_formulas > 0
    assert differences(str(FOLDER / name), str(path)) == []


@pytest.mark.parametrize("name", NAMES)
def test_every_formula_cell_carries_a_value(name):
    package = Package(FOLDER / name)
    stored = values(FOLDER / name)
    count = 0
    for sheet_name in package.sheet_parts:
        for cell in package.sheet(sheet_name).cells():
            if cell.formula is None:
                continue
            count += 1
            assert "<v>" in cell.xml, f"{name} {sheet_name}!{cell.ref} carries no value"
            value = stored[sheet_name][cell.ref].value
            assert not (isinstance(value, str) and value.startswith(("#", "CLV_"))), (
                f"{name} {sheet_name}!{cell.ref} = {value}"
            )
    assert count > 0


@pytest.mark.parametrize("name", NAMES)
def test_table_formulas_are_dynamic_arrays(name):
    with zipfile.ZipFile(FOLDER / name) as z:
        sheets = [n for n in z.namelist() if n.startswith("xl/worksheets/sheet")]
        arrays = 0
        for part in sheets:
            xml = z.read(part).decode()
            for cell in re.findall(r'<c [^>]*><f t="array"[^>]*>', xml):
                arrays += 1
                assert ' cm="1"' in cell, f"{name} {part}: array formula without dynamic metadata"
        assert arrays > 0
        assert "xl/metadata.xml" in z.namelist()
        assert b"XLDAPR" in z.read("xl/metadata.xml")
        calc = re.search(rb"<calcPr[^>]*>", z.read("xl/workbook.xml")).group(0)
        assert b"fullCalcOnLoad" not in calc  # opens with its stored values


@pytest.mark.parametrize("name", NAMES)
def test_model_workbook_conventions(name):
    book = openpyxl.load_workbook(FOLDER / name)
    assert book.sheetnames[0] == "Cover"
    assert book.defined_names, "key inputs are named"
    inputs = 0
    for ws in book.worksheets:
        validated = {str(c) for dv in ws.data_validations.dataValidation for c in dv.sqref.ranges}
        for row in ws.iter_rows():
            for cell in row:
                if cell.fill.fgColor.rgb == "FFFFF2CC":  # the input style
                    inputs += 1
                    assert cell.protection.locked is False, f"{ws.title}!{cell.coordinate} locked"
        if ws.title != "Cover":
            assert ws.page_setup.fitToWidth == 1 or ws.sheet_properties.pageSetUpPr.fitToPage
        del validated
    assert inputs > 0
    stored = values(FOLDER / name)
    cover = stored["Cover"]
    master = [c.value for row in cover.iter_rows() for c in row if c.value in ("OK", "CHECK")]
    assert master == ["OK"]


def test_seed_answers_by_cell():
    dry = values(FOLDER / "dry_cleaner.xlsx")["Mary"]
    assert dry["C21"].value == 28  # Mary's $8 + $20
    assert dry["C22"].value == 2
    assert dry["C23"].value == 14  # average sale
    assert dry["C24"].value == 28  # average sale x visits = her value so far
    assert dry["C27"].value == pytest.approx(14 * 24)  # x expected visits = lifetime value
    budget = values(FOLDER / "acquisition_budget.xlsx")
    head = budget["Headroom"]
    assert head["E8"].value == 9801  # seed 001: $10,000 profit, $199 installation
    assert head["E9"].value == 450  # seed 002: $50 to win a $500 customer is sensible
    assert head["E10"].value == -30  # ... to win a $20 one it is not
    assert [head[f"H{r}"].value for r in (8, 9, 10)] == ["Worth it", "Worth it", "Not worth it"]
    ret = budget["Retention"]
    assert [round(ret[f"C{r}"].value, 2) for r in (13, 14, 15)] == [266.67, 333.33, 366.67]
    sbg = values(FOLDER / "subscription_retention.xlsx")["Model"]
    assert sbg["C6"].value == pytest.approx(0.704, abs=5e-4)  # Fader & Hardie (2007), regular
    assert sbg["C7"].value == pytest.approx(1.182, abs=5e-4)
    assert sbg["F6"].value == pytest.approx(0.668, abs=5e-4)  # high end
    assert sbg["F7"].value == pytest.approx(3.806, abs=5e-4)
    base = values(FOLDER / "customer_base.xlsx")
    assert base["Model"]["C16"].value is True
    assert base["Summary"]["A1"].value == "customer"
    assert base["Segments"]["C12"].value == 300


def test_every_fit_in_the_templates_converged():
    """The stored values are compared with a refresh on whatever machine runs the tests: a fit
    that stops on a ridge (not converged) gives digits that differ from one processor to the
    next, so every fit the templates ship converges."""
    cohorts = values(FOLDER / "customer_base.xlsx")["Cohorts"]
    statuses = {cohorts.cell(16, col).value for col in (5, 6, 7)}
    # converged, weak or not (a cohort of 100 customers pins a and b down loosely: issue 21)
    assert cohorts["D16"].value == "status" and all(s.startswith("converged") for s in statuses)
    model = values(FOLDER / "customer_base.xlsx")["Model"]
    assert model["C16"].value is True and model["F14"].value is True
    # well determined too: estimates that move together almost one for one (Gamma-Gamma's p
    # and gamma at -0.9996 on another sample) have standard errors that differ in the 6th digit
    # from one processor to the next
    corr = [row[1].value for row in model.iter_rows(min_col=2, max_col=6)
            if isinstance(row[0].value, str) and row[0].value.startswith("corr_")]  # fmt: skip
    corr += [row[4].value for row in model.iter_rows(min_col=2, max_col=6)
             if isinstance(row[3].value, str) and row[3].value.startswith("corr_")]  # fmt: skip
    assert len(corr) == 9 and all(abs(c) < 0.99 for c in corr)
    sbg = values(FOLDER / "subscription_retention.xlsx")["Model"]
    assert sbg["C12"].value is True and sbg["F12"].value is True


def test_replacing_an_input_changes_the_answers(tmp_path):
    copy = tmp_path / "dry.xlsx"
    shutil.copy(FOLDER / "dry_cleaner.xlsx", copy)
    with zipfile.ZipFile(copy) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    sheet = "xl/worksheets/sheet2.xml"
    xml = parts[sheet].decode()
    assert '<c r="E7" s=' in xml
    xml = re.sub(r'(<c r="E7"[^>]*>)<v>20</v>', r"\1<v>40</v>", xml)  # Mary's second visit: $40
    parts[sheet] = xml.encode()
    with zipfile.ZipFile(copy, "w") as z:
        for n, data in parts.items():
            z.writestr(n, data)
    report = refresh(copy)
    assert report.errors == []
    mary = values(copy)["Mary"]
    assert mary["C21"].value == 48 and mary["C23"].value == 24


@pytest.mark.parametrize("name", NAMES)
def test_every_clv_formula_is_a_dynamic_array_so_excel_shows_no_implicit_at(name):
    """A classic formula calling a UDF opens in Excel 365 as ``=@CLV_...``: every CLV_ call,
    single-cell ones too, must be stored with ``t="array"`` and the dynamic-array ``cm``."""
    with zipfile.ZipFile(FOLDER / name) as z:
        sheets = [n for n in z.namelist() if n.startswith("xl/worksheets/sheet")]
        found = 0
        for part in sheets:
            xml = z.read(part).decode()
            for cell_attrs, formula_attrs, body in re.findall(
                r"<c ([^>]*)><f([^>]*)>([^<]*)</f>", xml
            ):
                if "CLV_" not in body.upper():
                    continue
                found += 1
                assert 't="array"' in formula_attrs, f"{name} {part}: {body} is a classic formula"
                assert 'cm="1"' in cell_attrs, f"{name} {part}: {body} lacks dynamic-array metadata"
        assert found > 0
