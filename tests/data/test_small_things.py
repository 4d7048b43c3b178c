"""Issue 19's small things: the folder cache, P(alive) in [0, 1], weighted intervals, signals,
and file modes."""

import os
import signal
import stat
import subprocess
import sys
import time

import numpy as np
import pandas as pd
import pytest

from clv_xl.models import BGBB, BGNBD, MBGNBD, ParetoNBD
from tests.helpers.data import donations


def test_a_folder_summary_is_refreshed_when_a_file_inside_changes(tmp_path):
    from clv_xl.excel.udfs import CLV_SUMMARY_FILE

    folder = tmp_path / "logs"
    folder.mkdir()
    (folder / "a.csv").write_text("customer,date,amount\n1,2024-01-05,1\n2,2024-01-06,1\n")
    first = CLV_SUMMARY_FILE(str(folder))
    assert len(first) == 3  # header and two customers
    time.sleep(0.01)
    (folder / "a.csv").write_text("customer,date,amount\n1,2024-01-05,1\n2,2024-01-06,1\n"
                                  "3,2024-01-07,1\n")  # fmt: skip
    assert len(CLV_SUMMARY_FILE(str(folder))) == 4


@pytest.mark.parametrize(("cls", "params"), [
    (BGBB, [1.204, 0.750, 0.657, 2.783]), (BGNBD, [0.243, 4.414, 0.793, 2.426]),
    (MBGNBD, [0.525, 6.183, 0.891, 1.614]), (ParetoNBD, [0.553, 10.578, 0.606, 11.669]),
])  # fmt: skip
def test_p_alive_stays_within_0_and_1(cls, params):
    model = cls.from_params(params)
    x = np.arange(0, 7, dtype=float)
    if cls is BGBB:
        alive = model.p_alive(x, x, 6)
    else:
        alive = model.p_alive(x, x * 5, np.full(x.shape, 40.0))
    assert np.all((alive >= 0) & (alive <= 1)), alive.max()


def test_interval_totals_count_each_row_by_its_weight():
    from clv_xl.excel.udfs import CLV_FIT, CLV_INTERVAL

    d = donations()
    col = lambda c: [[float(v)] for v in d[c]]  # noqa: E731
    params = CLV_FIT("BG/BB", col("frequency"), col("recency"), col("periods"), col("weights"))
    plain = CLV_INTERVAL(params, "p_alive", 6, col("frequency"), col("recency"), col("periods"))
    weighted = CLV_INTERVAL(params, "p_alive", 6, col("frequency"), col("recency"),
                            col("periods"), weights=col("weights"))  # fmt: skip
    alive = [row[1] for row in plain[1:-1]]
    assert weighted[-1][1] == pytest.approx(float(np.dot(alive, d["weights"])), rel=1e-12)
    assert plain[-1][1] == pytest.approx(sum(alive), rel=1e-12)  # 22 rows, not 11,104 donors
    assert weighted[-1][2] < weighted[-1][1] < weighted[-1][3]


@pytest.fixture
def log(tmp_path):
    rng = np.random.default_rng(0)
    n = 200_000
    frame = pd.DataFrame({"customer": rng.integers(0, 40_000, n),
                          "date": pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 300, n), "D"),
                          "amount": rng.random(n) * 50})  # fmt: skip
    path = tmp_path / "log.csv"
    frame.to_csv(path, index=False)
    return path


def _wait_until_caught(pid, signum, limit=60.0):
    """Until the process catches ``signum`` (Linux: its SigCgt mask; elsewhere 2 s): a loaded
    machine can take longer than any fixed pause to import the command. (The command sets its
    handlers for SIGINT, SIGTERM and SIGHUP together; Python catches SIGINT from the start.)"""
    status = f"/proc/{pid}/status"
    if not os.path.exists(status):
        time.sleep(2.0)
        return
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        try:
            with open(status) as handle:
                caught = next(line for line in handle if line.startswith("SigCgt:"))
        except (OSError, StopIteration):
            return  # the process is gone: the test reads what it did
        if int(caught.split()[1], 16) >> (signum - 1) & 1:
            return
        time.sleep(0.05)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP])
def test_a_signal_gives_one_line_exit_128_plus_n_and_leaves_nothing(log, tmp_path, signum):
    out = tmp_path / "out" / "s.parquet"
    out.parent.mkdir()
    started = subprocess.Popen(
        [sys.executable, "-m", "clv_xl.cli", "summarize", str(log), "-o", str(out), "--engine",
         "pandas"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    _wait_until_caught(started.pid, signal.SIGTERM)  # the command's handlers are in place
    time.sleep(0.3)  # and it is reading
    started.send_signal(signum)
    _, stderr = started.communicate(timeout=60)
    if started.returncode == 0:
        pytest.skip("the command finished before the signal on this machine")
    assert started.returncode == 128 + signum, stderr
    assert len(stderr.strip().splitlines()) == 1 and "Traceback" not in stderr
    assert signal.Signals(signum).name in stderr
    assert list(out.parent.iterdir()) == []  # no output, no hidden temporary file


def test_outputs_follow_the_umask_and_keep_an_existing_mode(tmp_path):
    from clv_xl.files import write_atomically

    target = tmp_path / "new.csv"
    old = os.umask(0o022)
    try:
        write_atomically(target, lambda tmp: tmp.write_text("a\n"))
    finally:
        os.umask(old)
    assert stat.S_IMODE(target.stat().st_mode) == 0o644
    target.chmod(0o600)
    write_atomically(target, lambda tmp: tmp.write_text("b\n"))
    assert stat.S_IMODE(target.stat().st_mode) == 0o600 and target.read_text() == "b\n"


@pytest.mark.parametrize("engine", ["pandas", "duckdb"])
def test_every_engine_writes_with_the_umask(tmp_path, engine):
    from clv_xl.cli import main

    log = tmp_path / "log.csv"
    log.write_text("customer,date,amount\n1,2024-01-05,1\n1,2024-02-05,2\n")
    old = os.umask(0o022)
    try:
        out = tmp_path / f"s_{engine}.parquet"
        assert main(["summarize", str(log), "-o", str(out), "--engine", engine, "-q"]) == 0
    finally:
        os.umask(old)
    assert stat.S_IMODE(out.stat().st_mode) == 0o644  # was 0600 (pandas) before issue 19
