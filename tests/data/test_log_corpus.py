"""Data as it really comes (issue 19): a corpus of logs as shops, Excel and databases export them,
each built here, read alike by CLV_SUMMARY and every engine, or refused alike in one line."""

import csv
import datetime as dt
import io

import numpy as np
import pandas as pd
import pytest

from clv_xl.data.engines import summarize_source
from clv_xl.data.reading import sniff
from clv_xl.data.rules import ReadError
from clv_xl.data.sources import Source, SourceError
from clv_xl.excel.udfs import CLV_SUMMARY

HEAD = "customer,date,amount\n"
ROWS = "1,2024-01-05,10.50\n1,2024-02-05,20\n2,2024-01-07,5\n"

# name -> (bytes, what it must give: {customer: (frequency, first purchase, total spend)})
CORPUS = {
    "comma.csv": ((HEAD + ROWS).encode(), {"1": (1, "2024-01-05", 30.5), "2": (0, "2024-01-07", 5)}),
    "crlf_bom.csv": (b"\xef\xbb\xbf" + (HEAD + ROWS).replace("\n", "\r\n").encode(),
                     {"1": (1, "2024-01-05", 30.5), "2": (0, "2024-01-07", 5)}),
    "european.csv": (b"customer;date;amount\n1;05.04.2024;10,50\n1;13.04.2024;1.250,00\n"
                     b"2;06.04.2024;3,00\n",
                     {"1": (1, "2024-04-05", 1260.5), "2": (0, "2024-04-06", 3.0)}),
    "windows.csv": ("customer,date,amount\nMüller,2024-01-05,10\nMüller,2024-01-09,4\n"
                    "Zoë,2024-01-06,7\n".encode("cp1252"),
                    {"Müller": (1, "2024-01-05", 14.0), "Zoë": (0, "2024-01-06", 7.0)}),
    "pipe.csv": (b"customer|date|amount\nthomas|2024-01-05|10\nthomas|2024-03-01|2\nto|2024-01-08|3\n",
                 {"thomas": (1, "2024-01-05", 12.0), "to": (0, "2024-01-08", 3.0)}),
    "tabs.tsv": (b"customer\tdate\tamount\n7\t2024-01-05\t1\n7\t2024-01-06\t2\n",
                 {"7": (1, "2024-01-05", 3.0)}),
    "aligned.txt": (b" customer  date        amount\r\n 00001     19970101    11.77\r\n"
                    b" 00001     19970215     4.00\r\n 00002     19970112    12.00\r\n",
                    {"00001": (1, "1997-01-01", 15.77), "00002": (0, "1997-01-12", 12.0)}),
    "times.csv": (b"customer,date,amount\n1,2024-01-05 10:30:00,1\n1,2024-01-05T23:00:00-08:00,2\n"
                  b"2,2024-01-05T23:30:00Z,3\n",
                  {"1": (1, "2024-01-05", 3.0), "2": (0, "2024-01-05", 3.0)}),
    "currency.csv": (b'customer,date,amount\n1,2024-01-05,"$1,250.00"\n1,2024-01-09,"1,250.00"\n',
                     {"1": (1, "2024-01-05", 2500.0)}),
    "ids64.csv": (b"customer,date,amount\n9223372036854775807,2024-01-05,1\n"
                  b"9223372036854775806,2024-01-05,2\n9223372036854775807,2024-02-05,3\n"
                  b"1234567890123456789,2024-01-06,4\n",
                  {"9223372036854775807": (1, "2024-01-05", 4.0),
                   "9223372036854775806": (0, "2024-01-05", 2.0),
                   "1234567890123456789": (0, "2024-01-06", 4.0)}),
    "leading_zero.csv": (b"customer,date,amount\n001,2024-01-05,1\n1,2024-01-06,2\n",
                         {"001": (0, "2024-01-05", 1.0), "1": (0, "2024-01-06", 2.0)}),
    "text_among_numbers.csv": (b"customer,date,amount\n1,2024-01-05,1\nabc,2024-01-06,2\n2,2024-01-07,3\n",
                               {"1": (0, "2024-01-05", 1.0), "abc": (0, "2024-01-06", 2.0),
                                "2": (0, "2024-01-07", 3.0)}),
    "day_first.csv": (b"customer,date,amount\n1,05/04/2024,1\n2,13/04/2024,2\n",
                      {"1": (0, "2024-04-05", 1.0), "2": (0, "2024-04-13", 2.0)}),
    "numbers.csv": (b"customer,date,amount\n1,20240105,1\n1,45301,2\n",  # YYYYMMDD, Excel serial
                    {"1": (1, "2024-01-05", 3.0)}),
    "ambiguous_dates.csv": (b"customer,date,amount\n1,05/04/2024,1\n2,06/04/2024,2\n",
                            r"could be day-first or month-first.*--date-order"),
    "old_year.csv": (b"customer,date,amount\n1,2024-01-05,1\n2,0224-01-05,2\n",
                     r"row 3: '0224-01-05' is no date.*1900-01-01 to 2199-12-31"),
    "far_year.csv": (b"customer,date,amount\n1,2925-01-05,1\n", r"row 2: '2925-01-05' is no date"),
    "ambiguous_amounts.csv": (b'customer;date;amount\n1;2024-01-05;1,250\n1;2024-01-06;2,500\n',
                              r"could have a decimal comma.*--decimal"),
}  # fmt: skip
ENGINES = ["pandas", "duckdb", "spark"]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    folder = tmp_path_factory.mktemp("corpus")
    for name, (data, _) in CORPUS.items():
        (folder / name).write_bytes(data)
    return folder


def by_customer(frame):
    return {str(r.customer): r for r in frame.itertuples()}


def check(summary, expected):
    got = by_customer(summary)
    assert set(got) == set(expected)
    for key, (frequency, first, spend) in expected.items():
        row = got[key]
        assert row.frequency == frequency, key
        assert pd.Timestamp(row.first_purchase).date() == dt.date.fromisoformat(first), key
        assert row.total_spend == pytest.approx(spend, rel=1e-9), key


def engine_or_skip(engine):
    if engine == "spark":
        pytest.importorskip("pyspark")


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("name", [n for n, (_, e) in CORPUS.items() if isinstance(e, dict)])
def test_every_engine_reads_the_file_right(corpus, name, engine):
    engine_or_skip(engine)
    check(summarize_source(str(corpus / name), engine), CORPUS[name][1])


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("name", [n for n, (_, e) in CORPUS.items() if isinstance(e, str)])
def test_every_engine_refuses_the_same_one_line(corpus, name, engine):
    engine_or_skip(engine)
    with pytest.raises(ReadError, match=CORPUS[name][1]) as caught:
        summarize_source(str(corpus / name), engine)
    assert "\n" not in str(caught.value)


def cells(path):
    """The file's rows as the text cells CLV_SUMMARY gets when a log is pasted as text."""
    dialect = sniff(path)
    text = path.read_bytes().decode(dialect.encoding)
    lines = [ln for ln in text.splitlines() if ln.strip()][1:]
    if dialect.delimiter is None:
        rows = [ln.split() for ln in lines]
    else:
        rows = list(csv.reader(io.StringIO("\n".join(lines)), delimiter=dialect.delimiter))
    return [[[r[i]] for r in rows] for i in range(3)]


@pytest.mark.parametrize("name", list(CORPUS))
def test_clv_summary_reads_the_text_cells_alike(corpus, name):
    ids, dates, amounts = cells(corpus / name)
    out = CLV_SUMMARY(ids, dates, amounts)
    expected = CORPUS[name][1]
    if isinstance(expected, str):
        assert isinstance(out, str) and out.startswith("CLV_SUMMARY: ") and "\n" not in out
        return
    assert not isinstance(out, str), out
    frame = pd.DataFrame(out[1:], columns=out[0])
    check(frame, expected)


def test_the_same_numbers_on_every_engine(corpus):
    """Beyond the expectations: every column of every engine's summary equals pandas' (1e-9)."""
    for name, (_, expected) in CORPUS.items():
        if not isinstance(expected, dict):
            continue
        base = summarize_source(str(corpus / name), "pandas").reset_index(drop=True)
        other = summarize_source(str(corpus / name), "duckdb").reset_index(drop=True)
        assert [str(c) for c in base["customer"]] == [str(c) for c in other["customer"]], name
        for column in ("frequency", "recency", "T", "monetary_value", "total_spend"):
            np.testing.assert_allclose(base[column].to_numpy(float), other[column].to_numpy(float),
                                       rtol=1e-9, err_msg=f"{name} {column}")  # fmt: skip


def test_ids_exactly_as_written(corpus):
    """Numeric ids only when every id is a whole number without a leading zero, never through
    float64; otherwise text in every engine (001 and 1 are two customers)."""
    big = summarize_source(str(corpus / "ids64.csv"), "pandas")
    assert big["customer"].dtype == np.int64 and big["customer"].max() == 2**63 - 1
    for engine in ("pandas", "duckdb"):
        zero = summarize_source(str(corpus / "leading_zero.csv"), engine)
        assert sorted(zero["customer"]) == ["001", "1"]
    mixed = CLV_SUMMARY([[1.0], [2.0], ["abc"]], [[dt.datetime(2024, 1, 5)]] * 3)
    assert [row[0] for row in mixed[1:]] == [1.0, 2.0, "abc"]  # each id keeps its cell's type


def test_the_report_names_a_cp1252_fallback(corpus, tmp_path, capsys):
    from clv_xl.cli import main

    assert main(["summarize", str(corpus / "windows.csv"), "-o", str(tmp_path / "s.csv")]) == 0
    assert "read as cp1252" in capsys.readouterr().out


def test_options_settle_an_ambiguous_file(corpus):
    dates = Source(str(corpus / "ambiguous_dates.csv"), date_order="MDY")
    assert summarize_source(dates, "pandas")["first_purchase"].dt.month.tolist() == [5, 6]
    amounts = Source(str(corpus / "ambiguous_amounts.csv"), decimal=",")
    assert summarize_source(amounts, "duckdb")["total_spend"].tolist() == [3.75]


@pytest.mark.parametrize("engine", ENGINES)
def test_as_of_before_every_purchase_exits_2(corpus, tmp_path, engine, capsys):
    engine_or_skip(engine)
    from clv_xl.cli import main

    out = tmp_path / f"s_{engine}.csv"
    args = ["summarize", str(corpus / "comma.csv"), "-o", str(out), "--engine", engine]
    assert main([*args, "--as-of", "2020-01-01"]) == 2
    err = capsys.readouterr().err
    assert "before every purchase" in err and len(err.strip().splitlines()) == 1
    assert not out.exists() and not list(tmp_path.glob(".*tmp*"))


def test_as_of_must_be_unambiguous(corpus, tmp_path, capsys):
    from clv_xl.cli import main

    args = ["summarize", str(corpus / "comma.csv"), "-o", str(tmp_path / "s.csv")]
    assert main([*args, "--as-of", "01/02/2024"]) == 2
    assert "YYYY-MM-DD" in capsys.readouterr().err
    assert main([*args, "--as-of", "2024-02-01", "-q"]) == 0


def test_a_headerless_file_is_named_by_column_numbers(tmp_path):
    path = tmp_path / "sample.txt"
    path.write_bytes(b" 00004 0001 19970101  2   29.33\n 00004 0001 19970118  2   29.73\n")
    with pytest.raises(SourceError, match="no header row, so name columns by number"):
        summarize_source(str(path), "pandas")
    summary = summarize_source(Source(str(path), customer="1", date="3", amount="5"), "pandas")
    assert summary["frequency"].tolist() == [1.0] and summary["customer"].tolist() == ["00004"]


def test_time_zone_aware_parquet_counts_by_utc_date_on_any_machine(tmp_path, monkeypatch):
    """A zone-aware timestamp is a point in time: its UTC date, whatever the machine's TZ."""
    import time

    stamps = pd.to_datetime(["2024-01-05T23:30:00-08:00", "2024-01-06T00:30:00+02:00"], utc=True)
    frame = pd.DataFrame({"customer": [1, 2], "date": stamps, "amount": [1.0, 2.0]})
    frame.to_parquet(tmp_path / "tz.parquet")
    for zone in ("America/Los_Angeles", "Asia/Tokyo"):
        monkeypatch.setenv("TZ", zone)
        time.tzset()
        for engine in ("pandas", "duckdb"):
            got = summarize_source(str(tmp_path / "tz.parquet"), engine)
            days = [pd.Timestamp(d).date().isoformat() for d in got["first_purchase"]]
            assert days == ["2024-01-06", "2024-01-05"], (zone, engine)
    monkeypatch.delenv("TZ")
    time.tzset()
