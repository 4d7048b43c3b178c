"""Nothing lost, nobody in: a refresh replaces only the file it read, leaves no temporary file
when stopped, and reads files only where it is allowed to (issue 20, item 5)."""

import os
import signal
import subprocess
import sys
import time
import zipfile

import openpyxl
import pytest
import xlsxwriter

from clv_xl.workbooks.refresh import refresh


def small_book(path):
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("S")
    ws.write_column("A1", [8, 20, 14])
    ws.write_dynamic_array_formula("C1:C1", "=CLV_VALUE(A1:A3, 2)")
    wb.close()
    return path


def test_a_save_made_during_the_refresh_is_kept(tmp_path):
    book = small_book(tmp_path / "book.xlsx")
    theirs = small_book(tmp_path / "theirs.xlsx")

    def user_saves(text, share):
        if text == "writing values":  # the user saves in Excel while the refresh computes
            os.replace(theirs, book)

    report = refresh(book, progress=user_saves)
    kept = tmp_path / "book.refreshed.xlsx"
    assert report.written_to == str(kept) and "your version is kept" in report.kept
    assert "book.refreshed.xlsx" in "\n".join(report.lines())
    assert openpyxl.load_workbook(kept, data_only=True)["S"]["C1"].value == 16
    assert openpyxl.load_workbook(book, data_only=True)["S"]["C1"].value == 0  # theirs, as saved
    assert sorted(p.name for p in tmp_path.iterdir()) == ["book.refreshed.xlsx", "book.xlsx"]


def test_the_file_written_in_place_is_the_one_read(tmp_path):
    book = small_book(tmp_path / "book.xlsx")
    report = refresh(book)
    assert report.written_to == str(book) and not report.kept
    assert openpyxl.load_workbook(book, data_only=True)["S"]["C1"].value == 16
    assert [p.name for p in tmp_path.iterdir()] == ["book.xlsx"]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="renameat2 is Linux's")
def test_the_swap_checks_what_it_swapped_out(tmp_path, monkeypatch):
    """The check and the replacement are one step: renameat2(RENAME_EXCHANGE), then a look at
    what came out; a save that lands between the look and the swap is swapped back."""
    from clv_xl import files

    book = small_book(tmp_path / "book.xlsx")
    theirs = small_book(tmp_path / "theirs.xlsx")
    real = files.exchange
    calls = []

    def saved_just_before(first, second):
        if not calls:
            os.replace(theirs, book)  # the user's save, a moment before the swap
        calls.append((first, second))
        return real(first, second)

    monkeypatch.setattr(files, "exchange", saved_just_before)
    report = refresh(book)
    assert len(calls) == 2  # swapped, found someone else's file, swapped back
    assert report.written_to.endswith("book.refreshed.xlsx")
    assert openpyxl.load_workbook(book, data_only=True)["S"]["C1"].value == 0


def slow_book(path):
    """A refresh that takes seconds: bootstrap intervals on 2,357 customers."""
    from tests.helpers.data import cdnow_summary

    s = cdnow_summary()
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("S")
    ws.write_row(0, 0, ["frequency", "recency", "T"])
    for i, row in enumerate(s[["x", "t_x", "T"]].itertuples(index=False), start=1):
        ws.write_row(i, 0, list(row))
    n = len(s) + 1
    ws.write_dynamic_array_formula("F1:F1", f'=CLV_FIT("Pareto/NBD", A2:A{n}, B2:B{n}, C2:C{n})')
    for k in range(6):
        ws.write_dynamic_array_formula(
            f"{'HIJKLM'[k]}1:{'HIJKLM'[k]}1",
            f'=CLV_INTERVAL(F1#, "value", {12 + k}, A2:A{n}, B2:B{n}, C2:C{n}, , 5000, '
            f'CLV_FIT_SPEND(A2:A{n}, C2:C{n}), C2:C{n})')  # fmt: skip
    wb.close()
    return path


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT])
def test_a_stopped_refresh_leaves_nothing_and_says_one_line(tmp_path, stop):
    book = slow_book(tmp_path / "slow.xlsx")
    before = book.read_bytes()
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    env = {**os.environ, "TMPDIR": str(scratch), "PYTHONPATH": os.getcwd()}
    proc = subprocess.Popen([sys.executable, "-m", "clv_xl.cli", "refresh", str(book)],
                            stderr=subprocess.PIPE, stdout=subprocess.PIPE, env=env, text=True)  # fmt: skip
    time.sleep(4.0)
    assert proc.poll() is None, "the refresh ended before it could be stopped"
    proc.send_signal(stop)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 128 + stop
    assert err.strip().count("\n") == 0 and f"stopped by {stop.name}" in err, err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["slow.xlsx", "tmp"]
    assert list(scratch.iterdir()) == []
    assert book.read_bytes() == before


def file_book(path, source):
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("S")
    ws.write_dynamic_array_formula("A1:A1", f'=CLV_SUMMARY_FILE("{source}")')
    wb.close()
    return path


def test_summary_files_are_read_only_where_allowed(tmp_path):
    secret = tmp_path / "other_client"
    secret.mkdir()
    log = secret / "log.csv"
    log.write_text("customer,date,amount\n1,2024-01-01,5\n1,2024-02-01,7\n2,2024-01-05,3\n")
    book = file_book(tmp_path / "book.xlsx", log)
    missing = file_book(tmp_path / "missing.xlsx", secret / "nothing.csv")
    forbidden = refresh(book).errors
    absent = refresh(missing).errors
    assert len(forbidden) == 1 and len(absent) == 1
    assert forbidden[0][2].replace("log.csv", "X") == absent[0][2].replace("nothing.csv", "X")
    assert "under a folder the refresh allows" in forbidden[0][2]  # the same words either way
    allowed = refresh(book, allow_files=[secret])
    assert allowed.errors == []
    assert openpyxl.load_workbook(book, data_only=True)["S"]["A2"].value in (1, "1")


def test_the_command_line_takes_allow_files(tmp_path):
    from clv_xl.cli import main

    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "log.csv").write_text("customer,date\n1,2024-01-01\n1,2024-02-01\n")
    book = file_book(tmp_path / "book.xlsx", folder / "log.csv")
    assert main(["refresh", "-q", str(book)]) == 1  # refused: an error cell
    assert main(["refresh", "-q", "--allow-files", str(folder), str(book)]) == 0
    with zipfile.ZipFile(book) as z:
        assert z.testzip() is None
