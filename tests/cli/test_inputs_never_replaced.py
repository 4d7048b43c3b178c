"""Issue 29, first part: an input is never replaced, under any name; a refresh keeps the user's
save whatever the path's form; a folder's hidden files are not its data; a path is read as a
path; the allowed folder holds against "~"; the words say what happened."""

import os
import shutil

import pytest

from clv_xl.cli import main
from clv_xl.files import same_file
from tests.helpers import TEMPLATES
from tests.workbooks.test_nothing_lost import small_book

LOG = "customer,date,amount\n1,2024-01-01,5\n1,2024-02-01,7\n2,2024-01-05,3\n"


@pytest.fixture
def folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "log.csv").write_text(LOG)
    os.symlink(tmp_path / "log.csv", tmp_path / "link.csv")
    return tmp_path


@pytest.mark.parametrize("name", ["log.csv", "./log.csv", "link.csv", "{abs}/log.csv"])
def test_summarize_never_writes_over_its_input(folder, name, capsys):
    before = (folder / "log.csv").read_bytes()
    assert main(["summarize", "log.csv", "-o", name.format(abs=folder), "--engine", "pandas"]) == 2
    assert "which is the input" in capsys.readouterr().err
    assert (folder / "log.csv").read_bytes() == before


def test_predict_and_fit_never_write_over_their_inputs(folder, capsys):
    assert main(["summarize", "log.csv", "-o", "s.csv", "--engine", "pandas"]) == 0
    before = (folder / "s.csv").read_bytes()
    assert main(["fit", "s.csv", "-o", "p.json"]) in (0, 1)
    assert main(["predict", "s.csv", "--params", "p.json", "-o", "./s.csv"]) == 2
    assert main(["fit", "s.csv", "-o", "s.csv"]) == 2  # (a .json only, and never the input)
    assert (folder / "s.csv").read_bytes() == before


def test_a_refresh_keeps_a_save_made_meanwhile_under_any_name(tmp_path, monkeypatch):
    from clv_xl.workbooks.refresh import refresh

    monkeypatch.chdir(tmp_path)
    for i, name in enumerate(["book.xlsx", "./book.xlsx", "link.xlsx"]):
        book = small_book(tmp_path / "book.xlsx")
        theirs = small_book(tmp_path / f"theirs{i}.xlsx")
        if name == "link.xlsx" and not (tmp_path / name).exists():
            os.symlink(tmp_path / "book.xlsx", tmp_path / name)

        def user_saves(text, share, theirs=theirs, book=book):
            if text == "writing values":
                os.replace(theirs, book)

        report = refresh(name, name, progress=user_saves)
        assert "your version is kept" in report.kept, name
        kept = tmp_path / os.path.basename(report.written_to)
        assert kept.name.endswith(".refreshed.xlsx")
        kept.unlink()
    assert same_file(tmp_path / "link.xlsx", tmp_path / "./book.xlsx")


def test_a_workbook_keeps_its_kind(tmp_path, capsys):
    book = tmp_path / "book.xlsx"
    shutil.copy(TEMPLATES / "dry_cleaner.xlsx", book)
    assert main(["refresh", str(book), "-o", str(tmp_path / "out.xlsm")]) == 2
    assert "a name ending in .xlsx" in capsys.readouterr().err
    assert not (tmp_path / "out.xlsm").exists()


def test_hidden_files_are_not_a_folders_data_and_a_path_is_never_sql(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    data = tmp_path / "with-2024"
    data.mkdir()
    (data / "select.csv").write_text(LOG)
    (data / "._select.csv").write_bytes(b"\x00\x05\x16\x07 macOS resource fork")
    assert main(["summarize", "with-2024/select.csv", "-o", "with-2024/out.csv"]) == 0
    assert (data / "out.csv").read_text().count("\n") == 3  # header and 2 customers
    (data / "out.csv").unlink()
    assert main(["summarize", "with-2024", "-o", "out.csv"]) == 0
    assert (tmp_path / "out.csv").read_text().count("\n") == 3
    # an output inside the log's folder would be read as sales by the next summary: refused
    assert main(["summarize", "with-2024", "-o", "with-2024/out.csv"]) == 2
    assert not (data / "out.csv").exists()


def test_the_allowed_folder_holds_against_the_home_folder(tmp_path, monkeypatch):
    from tests.workbooks.test_nothing_lost import file_book

    home = tmp_path / "home"
    home.mkdir()
    (home / "x.csv").write_text(LOG)
    monkeypatch.setenv("HOME", str(home))
    work = tmp_path / "work"
    work.mkdir()
    (work / "~").mkdir()  # the unexpanded path, inside the allowed folder
    (work / "~" / "x.csv").write_text(LOG)
    monkeypatch.chdir(work)
    book = file_book(work / "book.xlsx", "~/x.csv")
    from clv_xl.workbooks.refresh import refresh

    errors = refresh(book, allow_files=[work]).errors
    assert len(errors) == 1 and "under a folder the refresh allows" in errors[0][2]


def test_the_words_say_what_happened(tmp_path, capsys):
    assert main(["fit", str(tmp_path / "missing.csv"), "-o", str(tmp_path / "p.json")]) == 2
    err = capsys.readouterr().err
    assert "which does not exist" in err and "an existing a " not in err
    locked = tmp_path / "locked.xlsx"
    locked.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)
    assert main(["refresh", str(locked)]) == 2
    assert "protected by a password" in capsys.readouterr().err


def _fit_command(folder):
    import sys

    assert main(["summarize", str(folder / "log.csv"), "-o", str(folder / "s.csv"), "--engine",
                 "pandas"]) == 0  # fmt: skip
    return [sys.executable, "-m", "clv_xl.cli", "fit", str(folder / "s.csv"), "-o"]


def test_a_reader_that_goes_away_and_a_closed_stderr_change_nothing(folder):
    """Unix manners (issue 29): `clv-xl fit ... | head -1` ends with the fit's own status and no
    'Broken pipe'; with standard error closed (2>&-) nothing unexpected reaches stdout."""
    import subprocess

    command = _fit_command(folder)
    plain = subprocess.run([*command, str(folder / "p0.json")], capture_output=True, text=True)
    gone = subprocess.Popen([*command, str(folder / "p1.json")], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)  # fmt: skip
    assert gone.stdout is not None and gone.stderr is not None
    gone.stdout.close()  # the reader is gone before the first line
    err = gone.stderr.read()
    assert gone.wait() == plain.returncode and "Broken pipe" not in err and err == plain.stderr
    assert (folder / "p1.json").read_text() == (folder / "p0.json").read_text()
    closed = subprocess.run([*command, str(folder / "p2.json")], capture_output=True, text=True,
                            preexec_fn=lambda: os.close(2))  # fmt: skip
    assert closed.returncode == plain.returncode and closed.stdout == plain.stdout


@pytest.mark.parametrize("phase", ["loading", "computing", "writing values", "renamed", "done"])
def test_a_signal_in_every_phase_of_a_refresh_says_what_is_on_disk(phase, tmp_path, monkeypatch,
                                                                   capsys):  # fmt: skip
    """Issue 29: whatever phase a SIGTERM lands in, the one line says whether the workbook was
    written, and the disk agrees; nothing temporary is left."""
    import signal

    from clv_xl import cli, files
    from clv_xl.workbooks import refresh as refreshing

    book = tmp_path / "book.xlsx"
    shutil.copy(TEMPLATES / "dry_cleaner.xlsx", book)
    before = (book.read_bytes(), book.stat().st_ino)  # a refresh puts a new file in place

    def stop():
        raise cli.Interrupted(signal.SIGTERM)

    say = refreshing._say
    monkeypatch.setattr(refreshing, "_say", lambda progress, text, share: stop()
                        if text.startswith(phase) else say(progress, text, share))  # fmt: skip
    if phase == "renamed":  # right after the rename, before anything else
        monkeypatch.setattr(files, "_sync_folder", lambda folder: stop())
    assert main(["refresh", str(book)]) == 128 + signal.SIGTERM
    err = capsys.readouterr().err
    changed = book.stat().st_ino != before[1]
    assert changed or book.read_bytes() == before[0]
    assert err.count("\n") == 1 and err.startswith("clv-xl refresh: stopped by SIGTERM")
    assert ("after writing" in err and str(book) in err) == changed
    assert ("nothing was written" in err) == (not changed)
    assert changed == (phase in ("renamed", "done"))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["book.xlsx"]


def test_once_the_command_has_finished_a_late_signal_cannot_change_its_status(folder, monkeypatch):
    """Issue 29: run as the command, after its work and its last line a SIGTERM no longer turns
    the exit status into -15 (called as a library, the caller's handlers come back)."""
    import signal
    import sys

    before = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    monkeypatch.setattr(sys, "argv", ["clv-xl", "summarize", "log.csv", "-o", "s.csv", "-q"])
    try:
        assert main() == 0
        assert signal.getsignal(signal.SIGTERM) == signal.SIG_IGN
    finally:
        for s, handler in before.items():
            signal.signal(s, handler)
    assert main(["summarize", "log.csv", "-o", "s.csv", "-q"]) == 0
    assert signal.getsignal(signal.SIGTERM) == before[signal.SIGTERM]


@pytest.mark.parametrize("engine", ["pandas", "duckdb"])
def test_a_log_with_a_nul_filled_tail_is_one_line(tmp_path, engine, capsys):
    """Issue 29: a damaged export ending in NUL bytes is refused on sight (it cost 8.6 GB for a
    2 GB file), and a UTF-16 log, whose bytes hold many zeros, still reads."""
    log = tmp_path / "log.csv"
    log.write_bytes(LOG.encode() + b"\x00" * (1 << 20))
    assert main(["summarize", str(log), "-o", str(tmp_path / "s.csv"), "--engine", engine]) == 2
    assert "holds NUL bytes near its" in capsys.readouterr().err
    wide = tmp_path / "wide.csv"
    wide.write_bytes((LOG + "4,2024-03-01,2\n" * 8000).encode("utf-16"))
    assert main(["summarize", str(wide), "-o", str(tmp_path / "w.csv"), "--engine", "pandas"]) == 0


def test_a_spark_run_is_quiet_unless_verbose(folder):
    """Issue 29: the JVM's own 'WARNING: Using incubator modules' line no longer reaches the
    terminal of every Spark run (the JVM's standard error is filtered, not silenced)."""
    import subprocess
    import sys

    pytest.importorskip("pyspark")
    done = subprocess.run([sys.executable, "-m", "clv_xl.cli", "summarize", "log.csv", "-o",
                           "spark.parquet", "--engine", "spark"], capture_output=True, text=True,
                          cwd=folder, timeout=600)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "incubator" not in done.stderr and "WARN" not in done.stderr, done.stderr
    assert done.stdout.startswith("2 customers -> spark.parquet")  # LOG has two customers
