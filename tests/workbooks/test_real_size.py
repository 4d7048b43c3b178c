"""A business's own data in customer_base: the whole CDNOW sample pasted into the Sales table
refreshes to the paper's fit for all 2,357 customers, with values in every sheet (issue 20)."""

import datetime as dt
import shutil

import openpyxl
import pytest

from clv_xl.datasets import example_channels
from clv_xl.workbooks.refresh import refresh
from tests.helpers import TEMPLATES
from tests.helpers.data import cdnow_transactions
from tests.helpers.paste import paste_into_table

pytestmark = pytest.mark.filterwarnings("ignore:.*extension is not supported:UserWarning")


@pytest.fixture(scope="module")
def pasted(tmp_path_factory):
    book = tmp_path_factory.mktemp("cdnow") / "customer_base.xlsx"
    shutil.copy(TEMPLATES / "customer_base.xlsx", book)
    raw = cdnow_transactions()
    ids = raw["id"].astype(int).tolist()
    dates = [dt.datetime.strptime(str(d), "%Y%m%d") for d in raw["date"]]
    rows = [[i, d, float(a), c] for i, d, a, c in
            zip(ids, dates, raw["amount"], example_channels(ids), strict=True)]  # fmt: skip
    paste_into_table(book, "Sales", rows)
    report = refresh(book)
    return book, report


def test_the_paper_fit_for_every_customer(pasted):
    """Fader, Hardie & Lee (2005): r 0.243, alpha 4.414, a 0.793, b 2.426 (weeks, calibration
    to 1997-09-30, the template's settings)."""
    book, report = pasted
    assert report.errors == []
    model = openpyxl.load_workbook(book, data_only=True)["Model"]
    table = {model[f"B{r}"].value: model[f"C{r}"].value for r in range(5, 24)}
    assert [round(table[k], 3) for k in ("r", "alpha", "a", "b")] == [0.243, 4.414, 0.793, 2.426]
    assert table["customers"] == 2357


def test_a_reader_that_trusts_the_dimension_sees_every_row(pasted):
    """Issue 30: the sheet's <dimension> grows with its results (openpyxl's read-only mode
    reads only as far as it says)."""
    book, _ = pasted
    summary = openpyxl.load_workbook(book, read_only=True, data_only=True)["Summary"]
    assert summary.max_row == 2358
    assert sum(1 for _ in summary.iter_rows(values_only=True)) == 2358


def test_values_in_every_sheet(pasted):
    book, _ = pasted
    wb = openpyxl.load_workbook(book, data_only=True)
    summary = wb["Summary"]
    assert summary.max_row == 2358 and summary["A2358"].value is not None
    customers = wb["Customers"]
    assert all(customers.cell(4 + 2357, c).value is not None for c in range(2, 10))
    assert customers.cell(4 + 2358, 2).value is None
    segments = wb["Segments"]
    assert segments["C12"].value == 2357  # the tier total counts every customer
    for name in wb.sheetnames:
        bad = [c.coordinate for row in wb[name].iter_rows() for c in row
               if isinstance(c.value, str) and (c.value.startswith("#") or c.value == "CHECK")]  # fmt: skip
        assert not bad, (name, bad[:5])


def test_the_dry_cleaners_list_grows_with_its_table(tmp_path):
    """Rows added to the Clients table are valued like the example's, with no formula edited."""
    book = tmp_path / "dry_cleaner.xlsx"
    shutil.copy(TEMPLATES / "dry_cleaner.xlsx", book)
    rows = [[f"Client {i}", 2 + i % 5, 20.0 + i, 10 + i % 7] for i in range(40)]
    paste_into_table(book, "Clients", rows)
    report = refresh(book)
    assert report.errors == []
    sheet = openpyxl.load_workbook(book, data_only=True)["Customers"]
    last = 5 + len(rows)
    visits, spent, expected = rows[-1][1:]
    assert sheet[f"G{last}"].value == pytest.approx(spent / visits * expected)
    assert sheet[f"J{last}"].value in ("Gold", "Silver", "Bronze")
    assert sheet[f"G{last + 1}"].value is None
    assert sheet["M11"].value == sum(r[1] for r in rows)  # the totals follow the table


def test_the_offers_table_grows(tmp_path):
    """acquisition_budget's Offers: typed rows below the table are judged like the seeds'."""
    book = tmp_path / "acquisition_budget.xlsx"
    shutil.copy(TEMPLATES / "acquisition_budget.xlsx", book)
    seeds = [["$10,000 customer", 10000.0, 199.0], ["$500 customer", 500.0, 50.0],
             ["$20 customer", 20.0, 50.0]]  # fmt: skip
    more = [[f"offer {i}", 100.0 * (i + 1), 30.0] for i in range(12)]
    paste_into_table(book, "Offers", seeds + more)
    report = refresh(book)
    assert report.errors == []
    sheet = openpyxl.load_workbook(book, data_only=True)["Headroom"]
    last = 7 + len(seeds) + len(more)
    assert [sheet[f"E{r}"].value for r in (8, 9, 10)] == [9801, 450, -30]
    assert sheet[f"E{last}"].value == 1200 - 30 and sheet[f"H{last}"].value == "Worth it"
    assert sheet[f"E{last + 1}"].value is None


def test_a_year_typed_below_the_survivors_table_enters_the_fits(tmp_path):
    """subscription_retention: year 8 (Fader & Hardie 2007, Table 1: 223 and 468 per 1,000)
    typed below the Survivors table changes the fits, with no formula edited."""
    from tests.helpers.data import HIGH_END, REGULAR

    book = tmp_path / "subscription_retention.xlsx"
    shutil.copy(TEMPLATES / "subscription_retention.xlsx", book)
    before = openpyxl.load_workbook(book, data_only=True)["Model"]["C6"].value
    rows = [[i, r, h] for i, (r, h) in enumerate(zip(REGULAR, HIGH_END, strict=True))]
    paste_into_table(book, "Survivors", [*rows, [8, 223, 468]])
    report = refresh(book)
    assert report.errors == []
    model = openpyxl.load_workbook(book, data_only=True)["Model"]
    assert model["C6"].value != pytest.approx(before, rel=1e-6)
    assert model["C12"].value is True  # converged, on nine years


def test_a_log_without_channels_leaves_no_error_and_a_green_master_check(tmp_path):
    """The Channel column is optional (issue 30): without it the Channels sheet says there is
    nothing to fit, and the Cover's master check stays OK."""
    book = tmp_path / "customer_base.xlsx"
    shutil.copy(TEMPLATES / "customer_base.xlsx", book)
    raw = cdnow_transactions().iloc[:3000]
    rows = [[int(i), dt.datetime.strptime(str(d), "%Y%m%d"), float(a), None]
            for i, d, a in zip(raw["id"], raw["date"], raw["amount"], strict=True)]  # fmt: skip
    paste_into_table(book, "Sales", rows)
    report = refresh(book)
    assert report.errors == []
    wb = openpyxl.load_workbook(book, data_only=True)
    assert wb["Channels"]["J9"].value.startswith("No Channel in the Sales table")
    assert wb["Cover"]["C29"].value == "OK"
