"""Every mistake on the command line is one line naming the input and what is allowed: exit 2,
no traceback, nothing left behind (no output, no temporary file). Table-driven over every
subcommand; plus links, read-only and special files, and the summary's time unit."""

import os
import shutil
import subprocess
import sys

import pandas as pd
import pytest

from clv_xl.cli import main
from tests.helpers import TEMPLATES
from tests.helpers.data import cdnow_transactions


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cli")
    log = cdnow_transactions()
    log = log[log["id"].isin(log["id"].unique()[:400])]
    log = pd.DataFrame(
        {"customer": log["id"], "date": log["date"].astype(str), "amount": log["amount"]}
    )
    log.to_csv(folder / "log.csv", index=False)
    (folder / "empty.csv").write_text("")
    (folder / "notjson.json").write_text("{not json")
    (folder / "wrong.json").write_text('{"model": [["model", "BG/NBD"]]}')
    (folder / "notzip.xlsx").write_text("hello")
    (folder / "adir").mkdir()
    (folder / "adir.csv").mkdir()
    shutil.copy(TEMPLATES / "dry_cleaner.xlsx", folder / "book.xlsx")
    run = lambda *a: main([str(x) for x in a])  # noqa: E731
    assert run("summarize", folder / "log.csv", "-o", folder / "summary.csv", "--engine",
               "pandas") == 0  # fmt: skip
    assert run("summarize", folder / "log.csv", "-o", folder / "summary_d.csv", "--engine",
               "pandas", "--period", "D") == 0  # fmt: skip
    assert run("fit", folder / "summary.csv", "-o", folder / "params.json") == 0
    stored = (folder / "params.json").read_text()
    (folder / "unconverged.json").write_text(  # a fit that did not converge (issue 30)
        stored.replace('"converged",\n      true', '"converged",\n      false'))  # fmt: skip
    assert (folder / "unconverged.json").read_text() != stored
    return folder


CASES = [
    # (arguments, words the one line must hold)
    (["summarize", "log.csv", "-o", "adir"], "--output got"),
    (["summarize", "log.csv", "-o", "adir.csv"], "--output got the folder"),
    (["summarize", "log.csv", "-o", "missing/dir/s.csv"], "does not exist"),
    (["summarize", "log.csv", "-o", "s.xlsx"], "ending in .parquet or .pq or .csv"),
    (["summarize", "log.csv", "-o", "s.csv", "--as-of", "notadate"], "--as-of got"),
    (["summarize", "log.csv", "-o", "s.csv", "--period", "fortnight"], "period got"),
    (["summarize", "empty.csv", "-o", "s.csv", "--engine", "pandas"], "empty.csv"),
    (["summarize", "empty.csv", "-o", "s.csv"], "empty.csv"),
    (["summarize", "missing.csv", "-o", "s.csv"], "missing.csv"),
    (["fit", "empty.csv", "-o", "p.json"], "summary got the empty file"),
    (["fit", "log.csv", "-o", "p.json"], "goes to `clv-xl summarize` first"),
    (["fit", "missing.csv", "-o", "p.json"], "summary got"),
    (["fit", "adir", "-o", "p.json"], "summary got the folder"),
    (["fit", "summary.csv", "--model", "BG/BB", "-o", "p.json"], 'model got "BG/BB"'),
    (["fit", "summary.csv", "--model", "Foo", "-o", "p.json"], '"Pareto/NBD"'),
    (["fit", "summary.csv", "-o", "p.txt"], "--output got"),
    (["fit", "summary.csv", "-o", "adir"], "--output got"),
    (["predict", "summary.csv", "--params", "missing.json", "-o", "o.csv"], "--params got"),
    (["predict", "summary.csv", "--params", "notjson.json", "-o", "o.csv"], "not a clv-xl fit"),
    (["predict", "summary.csv", "--params", "wrong.json", "-o", "o.csv"], "not a clv-xl fit"),
    (
        ["predict", "summary.csv", "--params", "unconverged.json", "-o", "o.csv"],
        "a fit that did not converge",
    ),
    (["predict", "summary.csv", "--params", "log.csv", "-o", "o.csv"], "named .json"),
    (["predict", "summary.csv", "--params", "params.json", "-o", "o.xlsx"], "--output got"),
    (["predict", "log.csv", "--params", "params.json", "-o", "o.csv"], "without the column"),
    (
        ["predict", "summary.csv", "--params", "params.json", "-o", "o.csv", "--margin", "2"],
        "--margin got 2",
    ),
    (
        ["predict", "summary.csv", "--params", "params.json", "-o", "o.csv", "--months", "0"],
        "--months got 0",
    ),
    (["predict", "summary_d.csv", "--params", "params.json", "-o", "o.csv"], "a fit in period W"),
    (["refresh", "missing.xlsx"], "book got"),
    (["refresh", "notzip.xlsx"], "not an .xlsx workbook"),
    (["refresh", "adir"], "book got the folder"),
    (["refresh", "book.xlsx", "-o", "missing/dir/out.xlsx"], "does not exist"),
    (["refresh", "book.xlsx", "-o", "out.csv"], "--output got"),
]


@pytest.mark.parametrize(("arguments", "words"), CASES, ids=[" ".join(c[0]) for c in CASES])
def test_every_mistake_is_one_line_and_leaves_nothing(files, capsys, arguments, words):
    before = sorted(p.name for p in files.rglob("*"))
    args = [str(files / a) if i and not a.startswith("-") and "/" not in a and "." in a
            and not a.replace(".", "").isdigit() else a for i, a in enumerate(arguments)]  # fmt: skip
    args = [str(files / a) if a in ("adir", "missing/dir/s.csv", "missing/dir/out.xlsx") else a
            for a in args]  # fmt: skip
    assert main(args) == 2
    err = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    err = [line for line in err if not line.startswith("\r[") and not line.startswith("[")]
    assert len(err) == 1, err
    assert err[0].startswith(f"clv-xl {arguments[0]}: ") and words in err[0], err[0]
    assert sorted(p.name for p in files.rglob("*")) == before  # no output, no temp file


def test_no_traceback_through_the_real_command(files):
    done = subprocess.run(
        [sys.executable, "-m", "clv_xl.cli", "fit", str(files / "log.csv"), "-o", "p.json"],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_an_error_never_starts_on_the_progress_bar_line(files, capsys, terminal):
    from clv_xl.progress import bar

    bar("working", 0.5)
    assert main(["fit", str(files / "empty.csv"), "-o", str(files / "p.json")]) == 2
    err = capsys.readouterr().err
    assert "\nclv-xl fit: " in err


def test_read_only_and_special_outputs_are_refused(files, capsys):
    locked = files / "locked.xlsx"
    shutil.copy(files / "book.xlsx", locked)
    os.chmod(locked, 0o444)
    before = locked.read_bytes()
    assert main(["refresh", str(locked)]) == 2
    assert "read-only" in capsys.readouterr().err
    assert locked.read_bytes() == before
    fifo = files / "pipe.csv"
    os.mkfifo(fifo)
    try:
        assert main(["summarize", str(files / "log.csv"), "-o", str(fifo)]) == 2
        assert "special file" in capsys.readouterr().err
        assert fifo.is_fifo()
    finally:
        fifo.unlink()
        locked.unlink()


def test_outputs_follow_symbolic_links_to_their_target(files):
    real = files / "real.xlsx"
    shutil.copy(files / "book.xlsx", real)
    link = files / "link.xlsx"
    link.symlink_to(real)
    before = real.stat().st_mtime_ns
    try:
        assert main(["refresh", "-q", str(link)]) == 0
        assert link.is_symlink() and os.readlink(link) == str(real)
        assert real.stat().st_mtime_ns != before
        target = files / "s_target.csv"
        target.write_text("old")
        out = files / "s_link.csv"
        out.symlink_to(target)
        assert (
            main(["summarize", str(files / "log.csv"), "-o", str(out), "--engine", "pandas"]) == 0
        )
        assert out.is_symlink() and "frequency" in target.read_text()
    finally:
        for p in (link, real, files / "s_link.csv", files / "s_target.csv"):
            p.unlink(missing_ok=True)


def test_the_summary_records_its_time_unit_and_predict_uses_it(files):
    """A summary in days fitted and predicted in days gives the same value as one in weeks
    (it used to treat days as weeks: a sixth of the value)."""
    run = lambda *a: main([str(x) for x in a])  # noqa: E731
    assert pd.read_csv(files / "summary_d.csv")["period"].iloc[0] == "D"
    assert run("fit", files / "summary_d.csv", "-o", files / "params_d.json") == 0
    for s, p, o in (("summary", "params", "w"), ("summary_d", "params_d", "d")):
        assert run("predict", files / f"{s}.csv", "--params", files / f"{p}.json",
                   "-o", files / f"pred_{o}.csv") == 0  # fmt: skip
    weeks = pd.read_csv(files / "pred_w.csv")["lifetime_value"].mean()
    days = pd.read_csv(files / "pred_d.csv")["lifetime_value"].mean()
    assert days == pytest.approx(weeks, rel=0.05)
    for name in ("params_d.json", "pred_w.csv", "pred_d.csv"):
        (files / name).unlink()


def test_no_progress_bar_into_a_pipe_and_quiet_silences_results(files, capsys):
    """Standard error not a terminal (a pipe, a log file): no bar is drawn, the result line is
    printed; with -q neither (issue 21)."""
    out = files / "s.csv"
    assert main(["summarize", str(files / "log.csv"), "-o", str(out)]) == 0
    printed = capsys.readouterr()
    assert "[" not in printed.err and "customers ->" in printed.out
    assert main(["summarize", "-q", str(files / "log.csv"), "-o", str(out)]) == 0
    assert capsys.readouterr() == ("", "")


def test_a_bar_is_drawn_on_a_terminal(files, capsys, terminal):
    assert main(["summarize", str(files / "log.csv"), "-o", str(files / "s.csv")]) == 0
    assert "[####" in capsys.readouterr().err


@pytest.mark.parametrize("command", ["refresh", "summarize", "fit", "predict", "build-templates",
                                     "build-addin", "doctor"])  # fmt: skip
def test_every_subcommand_takes_quiet_and_documents_every_argument(command):
    """-q/--quiet on each subcommand; every argument has a help line, and each default is shown."""
    from clv_xl.cli import parser

    sub = parser()._subparsers._group_actions[0].choices[command]  # type: ignore[union-attr]
    options = {s for a in sub._actions for s in a.option_strings}
    assert {"-q", "--quiet"} <= options
    text = sub.format_help()
    for action in sub._actions:
        assert action.help, (command, action.dest)
        if action.default not in (None, False) and not action.required and action.dest != "help":
            assert f"(default: {action.default})" in " ".join(text.split()), (command, action.dest)


HEAVY = ("pandas", "scipy", "formualizer", "xlwings", "clv_xl.models", "clv_xl.workbooks")


@pytest.mark.parametrize("argv", [["--help"], ["refresh", "--help"], ["doctor", "--help"]])
def test_help_starts_without_the_heavy_libraries(argv):
    """`clv-xl --help` lists the commands without importing pandas, SciPy or the engine (it
    took a second; a command's own options come only when it is named)."""
    code = (
        "import sys\n"
        "from clv_xl.cli import main\n"
        "try:\n"
        f"    main({argv!r})\n"
        "except SystemExit:\n"
        "    pass\n"
        f"print(sorted(m for m in sys.modules if m.startswith({HEAVY!r})))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "usage: clv-xl" in done.stdout
    assert done.stdout.strip().splitlines()[-1] == "[]"


@pytest.mark.parametrize(
    "argv",
    [
        ["refresh", "book.xlsx", "-o", "out.xlsx", "-q"],
        ["summarize", "log.csv", "-o", "s.csv", "--engine", "pandas", "--period", "M"],
        ["build-templates"],
        ["doctor"],
    ],
)
def test_a_command_parses_the_same_with_only_its_own_options_built(argv):
    from clv_xl.cli import parser

    whole, own = vars(parser().parse_args(argv)), vars(parser(argv).parse_args(argv))
    assert whole.keys() == own.keys()
    assert {k: v for k, v in whole.items() if k != "run"} == {
        k: v for k, v in own.items() if k != "run"
    }
    assert whole["run"].__qualname__ == own["run"].__qualname__


def test_render_answers_help_and_creates_nothing(tmp_path):
    done = subprocess.run([sys.executable, "-m", "clv_xl.workbooks.render", "--help"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=60)  # fmt: skip
    assert done.returncode == 0 and "out_dir" in done.stdout and "Traceback" not in done.stderr
    assert list(tmp_path.iterdir()) == []


def test_build_templates_says_where_it_writes(tmp_path, capsys):
    from clv_xl.workbooks.templates import build

    monkey_names = dict(build.TEMPLATES)
    try:
        build.TEMPLATES.clear()
        build.TEMPLATES["dry_cleaner.xlsx"] = monkey_names["dry_cleaner.xlsx"]
        assert main(["build-templates", str(tmp_path / "out")]) == 0
    finally:
        build.TEMPLATES.clear()
        build.TEMPLATES.update(monkey_names)
    out = capsys.readouterr().out
    assert f"building 1 templates into {tmp_path / 'out'}" in out
    assert (tmp_path / "out" / "dry_cleaner.xlsx").is_file()
