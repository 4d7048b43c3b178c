"""Summaries where the data lives: DuckDB, Spark and pandas give the same summary."""

from importlib import resources

import numpy as np
import pandas as pd
import pytest

from clv_xl.data.engines import summarize_source
from clv_xl.data.rules import ReadError
from clv_xl.data.sources import SourceError

COLUMNS = ("frequency", "recency", "T", "monetary_value", "purchases", "total_spend")


@pytest.fixture(scope="module")
def cdnow_master(tmp_path_factory):
    """CDNOW_master.txt (whitespace-aligned) as a CSV and a Parquet file, the same rows."""
    folder = tmp_path_factory.mktemp("cdnow")
    raw = pd.read_csv(str(resources.files("clv_xl.datasets") / "CDNOW_master.txt"), sep=r"\s+")
    raw.to_csv(folder / "cdnow_master.csv", index=False)
    raw.to_parquet(folder / "cdnow_master.parquet")
    return folder


def same(a, b):
    a, b = a.reset_index(drop=True), b.reset_index(drop=True)
    assert list(a["customer"]) == list(b["customer"])
    for column in COLUMNS:
        np.testing.assert_allclose(
            a[column].to_numpy(float), b[column].to_numpy(float), rtol=1e-12, atol=1e-9
        )
    assert (a["first_purchase"].to_numpy() == b["first_purchase"].to_numpy()).all()
    assert (a["last_purchase"].to_numpy() == b["last_purchase"].to_numpy()).all()


@pytest.fixture(scope="module")
def pandas_summary(cdnow_master):
    return summarize_source(str(cdnow_master / "cdnow_master.csv"), "pandas")


def test_pandas_summary_of_the_master_log(pandas_summary):
    assert len(pandas_summary) == 23_570
    assert pandas_summary["frequency"].sum() > 0


@pytest.mark.parametrize("name", ["cdnow_master.csv", "cdnow_master.parquet"])
def test_duckdb_matches_pandas(cdnow_master, pandas_summary, name):
    same(summarize_source(str(cdnow_master / name), "duckdb"), pandas_summary)


def test_spark_matches_pandas(cdnow_master, pandas_summary):
    pytest.importorskip("pyspark")
    same(summarize_source(str(cdnow_master / "cdnow_master.parquet"), "spark"), pandas_summary)


def test_as_of_and_period_follow_the_same_conventions(cdnow_master):
    csv = str(cdnow_master / "cdnow_master.csv")
    a = summarize_source(csv, "duckdb", as_of="1997-09-30", period="D")
    b = summarize_source(csv, "pandas", as_of="1997-09-30", period="D")
    same(a, b)
    assert len(a) == 23_570  # the whole cohort bought in the first quarter of 1997


def test_a_folder_and_a_query(cdnow_master, pandas_summary, tmp_path):
    raw = pd.read_parquet(cdnow_master / "cdnow_master.parquet")
    half = len(raw) // 2
    raw.iloc[:half].to_parquet(tmp_path / "part1.parquet")
    raw.iloc[half:].to_parquet(tmp_path / "part2.parquet")
    same(summarize_source(str(tmp_path), "duckdb"), pandas_summary)
    query = f"SELECT * FROM read_parquet('{cdnow_master / 'cdnow_master.parquet'}')"
    same(summarize_source(query, "duckdb"), pandas_summary)


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return str(path)


@pytest.mark.parametrize("engine", ["duckdb", "pandas"])
def test_clear_errors(tmp_path, engine):
    with pytest.raises(SourceError, match="no such file or folder"):
        summarize_source(str(tmp_path / "missing.csv"), engine)
    with pytest.raises(SourceError, match=r"no CSV or Parquet"):
        summarize_source(str(tmp_path), engine)
    bad_columns = write(tmp_path, "cols.csv", "who,when,how_much\n1,2024-01-01,5\n")
    with pytest.raises(SourceError, match="which column holds the customer"):
        summarize_source(bad_columns, engine)
    # forms may mix where each reads one way only (issue 19: ISO beside day-first 31.01.2024)
    forms = write(tmp_path, "forms.csv",
                  "customer,date,amount\n1,2024-01-31,5\n2,2024-02-01,6\n3,31.01.2024,7\n")  # fmt: skip
    assert summarize_source(forms, engine)["first_purchase"].dt.day.tolist() == [31, 1, 31]
    # a day-first and a month-first date in one column: refused, both named
    mixed = write(tmp_path, "mixed.csv",
                  "customer,date,amount\n1,13.01.2024,5\n2,01.02.2024,6\n3,01.31.2024,7\n")  # fmt: skip
    with pytest.raises(ReadError, match=r"mix day-first '13.01.2024' \(row 2\) and month-first "
                                        r"'01.31.2024' \(row 4\)"):  # fmt: skip
        summarize_source(mixed, engine)
    good = write(tmp_path, "us.csv", "customer,date,amount\n1,01/31/2024,5\n1,02/15/2024,6\n")
    assert summarize_source(good, engine)["frequency"].tolist() == [1.0]


def test_spark_says_mixed_dates_too(tmp_path):
    pytest.importorskip("pyspark")
    mixed = write(
        tmp_path,
        "mixed.csv",
        "customer,date,amount\n1,13.01.2024,5\n2,01.02.2024,6\n3,01.31.2024,7\n",
    )
    with pytest.raises(ReadError, match=r"mix day-first '13.01.2024' \(row 2\)"):
        summarize_source(mixed, "spark")


def test_unreadable_file(tmp_path, monkeypatch):
    import builtins

    path = tmp_path / "locked.csv"
    path.write_text("customer,date,amount\n1,2024-01-01,5\n")
    real_open = builtins.open

    def refusing_open(file, *args, **kwargs):  # as a file without read permission behaves
        if str(file) == str(path):
            raise PermissionError(13, "Permission denied")
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", refusing_open)
    with pytest.raises(SourceError, match=r"cannot read .*locked\.csv: Permission denied"):
        summarize_source(str(path), "duckdb")


def test_command_line_summarize_fit_predict(cdnow_master, tmp_path):
    import json
    import subprocess
    import sys

    def clv(*args):
        done = subprocess.run(
            [sys.executable, "-m", "clv_xl.cli", *args], capture_output=True, text=True, timeout=300
        )
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    summary, params, predictions = (
        tmp_path / "s.parquet",
        tmp_path / "p.json",
        tmp_path / "pred.csv",
    )
    assert "23,570 customers" in clv(
        "summarize",
        str(cdnow_master / "cdnow_master.parquet"),
        "-o",
        str(summary),
        "--as-of",
        "1997-09-30",
    )
    clv("fit", str(summary), "-o", str(params))
    stored = json.loads(params.read_text())
    assert dict(map(tuple, stored["model"]))["converged"] is True
    clv("predict", str(summary), "--params", str(params), "-o", str(predictions))
    out = pd.read_csv(predictions)
    assert (
        len(out) == 23_570
        and out["p_alive"].between(0, 1).all()
        and (out["lifetime_value"] >= 0).all()
    )
    bad = subprocess.run([sys.executable, "-m", "clv_xl.cli", "summarize", str(tmp_path / "none.csv"), "-o", str(summary)],
                         capture_output=True, text=True, timeout=120)  # fmt: skip
    assert (
        bad.returncode == 2
        and "no such file or folder" in bad.stderr
        and "Traceback" not in bad.stderr
    )


def test_excel_summary_of_a_file(cdnow_master):
    from clv_xl.excel.udfs import CLV_SUMMARY_FILE

    path = str(cdnow_master / "cdnow_master.csv")
    table = CLV_SUMMARY_FILE(path, "1997-09-30")
    assert table[0][0] == "customer" and len(table) == 23_571
    tiers = CLV_SUMMARY_FILE(path, None, None, "tiers")
    assert [row[0] for row in tiers[1:]] == ["Tier 1", "Tier 2", "Tier 3", "Tier 4"]
    assert sum(row[1] for row in tiers[1:]) == 23_570
    assert abs(sum(row[3] for row in tiers[1:]) - 1) < 1e-9
    assert CLV_SUMMARY_FILE("SELECT 1").startswith("CLV_SUMMARY_FILE: source got")
    assert "source got" in CLV_SUMMARY_FILE(str(cdnow_master / "missing.parquet"))
