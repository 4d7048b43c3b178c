"""Every Excel function against every kind of bad cell: a documented result or one short line.

For each of the 25 functions (the list is checked against ``udfs.__all__``) a valid call is the
baseline; each argument in turn is replaced by each bad value. The answer must be a number, a
table, or one line naming the function and then either the argument that was replaced (alone or
with the arguments it must agree with) or the function's declared outcome for values outside its
finite range (``infinite`` of the core function, "never: ..."); never a traceback, NaN or
infinity, and never a hang. The time bound is a hang guard, not a speed test (speed is the
benchmark's business): each call takes well under a second on an idle machine; the guard allows
ten, for a loaded CI machine.
"""

import datetime as dt
import inspect
import math
import re
import tempfile
import time
from pathlib import Path

import pytest

from clv_xl.core import everyday
from clv_xl.excel import udfs
from clv_xl.excel.sources import LITE_NO_FILES
from clv_xl.models import cache
from clv_xl.runtime import in_pyodide
from tests.helpers.data import cdnow_summary

BG = [["model", "BG/NBD"], ["r", 0.243], ["alpha", 4.414], ["a", 0.793], ["b", 2.426]]
GG = [["model", "Gamma-Gamma"], ["p", 6.25], ["q", 3.74], ["gamma", 15.44]]
BG_FULL = [*BG, ["se_r", 0.01256], ["se_alpha", 0.3782], ["se_a", 0.1857], ["se_b", 0.7053],
           ["corr_r_alpha", 0.78], ["corr_r_a", -0.038], ["corr_alpha_a", -0.041],
           ["corr_r_b", 0.0074], ["corr_alpha_b", 0.039], ["corr_a_b", 0.94]]  # fmt: skip
SBG = [["model", "sBG"], ["alpha", 0.704], ["beta", 1.182]]
X, TX, T = [[2], [0], [5], [1]], [[30.43], [0], [35.0], [2.0]], [[38.86], [38.86], [38.86], [20.0]]
M = [[22.35], [0], [31.0], [14.0]]
IDS = [[1], [1], [2], [3], [3], [4]]
DATES = [[dt.datetime(1997, 1, d)] for d in (1, 9, 2, 3, 20, 5)]
AMOUNTS = [[10.0], [20.0], [15.0], [5.0], [8.0], [30.0]]

_C = cdnow_summary().iloc[:60]  # 60 CDNOW customers: every model fits in milliseconds
CX, CTX, CT = ([[float(v)] for v in _C[c]] for c in ("x", "t_x", "T"))

_FOLDER = tempfile.TemporaryDirectory()  # removed when the session ends
LOG = Path(_FOLDER.name) / "sales.csv"
LOG.write_text("customer,date,amount\n1,2024-01-03,10\n1,2024-02-01,20\n2,2024-01-10,5\n")

GOOD = {
    "CLV_VALUE": (14, 2),
    "CLV_PROFIT": (50, 10, 0.4, 5, 30),
    "CLV_HEADROOM": (10000, 199, 1),
    "CLV_RATIO": (500, 50),
    "CLV_RETENTION": (100, 0.8, 0.1, 10, "end"),
    "CLV_LIFESPAN": (0.2,),
    "CLV_PAYBACK": (50, 25, 0.8, 0.1),
    "CLV_SEGMENT": ([[10], [5], [1]], 2, [["A"], ["B"]]),
    "CLV_SUMMARY": (IDS, DATES, AMOUNTS, dt.datetime(1997, 1, 31), "W", "M"),
    "CLV_FIT": ("BG/NBD", X * 3, TX * 3, T * 3, None),
    "CLV_FIT_SPEND": (X * 3, M * 3, None),
    "CLV_FIT_RETENTION": ([[1000], [631], [468], [382]],),
    "CLV_P_ALIVE": (BG, X, TX, T),
    "CLV_EXPECTED_PURCHASES": (BG, 39, X, TX, T),
    "CLV_EXPECTED_SPEND": (GG, X, M),
    "CLV_LIFETIME_VALUE": (BG, GG, X, TX, T, M, 12, 0.01, 0.3, "W"),
    "CLV_RETENTION_CURVE": (SBG, 5),
    "CLV_DERL": (SBG, 0.1, [[0], [1], [2]]),
    "CLV_INTERVAL": (BG_FULL, "purchases", 39, X, TX, T, 0.9, 200),
    "CLV_FIT_COHORTS": ("BG/NBD", [["a"], ["b"], ["a"], ["b"]] * 3, X * 3, TX * 3, T * 3),
    "CLV_PURCHASE_PROBABILITY": (BG, 1, 39, X, TX, T),
    "CLV_COMPARE": (CX, CTX, CT, [["BG/NBD"], ["Pareto/NBD"]], CX, 39, None),
    "CLV_TRACKING": (
        BG,
        IDS * 3,
        DATES * 3,
        dt.datetime(1997, 1, 20),
        dt.datetime(1997, 1, 31),
        "W",
    ),
    "CLV_HOLDOUT": (
        IDS * 3,
        DATES * 3,
        dt.datetime(1997, 1, 10),
        dt.datetime(1997, 1, 31),
        "BG/NBD",
    ),
    "CLV_SUMMARY_FILE": (str(LOG), dt.datetime(2024, 3, 1), "W", "customers"),
}
BAD = {
    "blank": None,
    "empty text": "",
    "text": "abc",
    "TRUE": True,
    "#N/A": "#N/A",
    "#DIV/0!": "#DIV/0!",
    "NaN": float("nan"),
    "inf": float("inf"),
    "-inf": float("-inf"),
    "negative": -1.0,
    "zero": 0.0,
    "huge": 1e308,
    "date text": "2024-01-31",
    "date serial": 45322,
    "datetime": dt.datetime(2024, 1, 31),
    "range of text": [["a"], ["b"]],
    "ragged range": [[1, 2], [3]],
    "1-row range": [[1.0, 2.0, 3.0]],
    "1-column range": [[1.0], [2.0], [3.0]],
    "1-by-1 range": [[5.0]],
    "object": object(),
}


OUTCOMES = {"no finite result"} | {
    f.infinite for f in vars(everyday).values() if getattr(f, "infinite", "")
}
if in_pyodide():  # xlwings Lite has no files: CLV_SUMMARY_FILE says so, whatever it is given
    OUTCOMES.add(LITE_NO_FILES)
"""What the everyday functions answer, by design, where the result is not finite (and, in
xlwings Lite, what CLV_SUMMARY_FILE answers): not a mistake about one argument."""


def check_answer(name, out, argument=None):
    values = [out]
    if isinstance(out, list):
        values = [x for row in out for x in (row if isinstance(row, list) else [row])]
    for v in values:
        if isinstance(v, float):
            assert math.isfinite(v), f"{name}: non-finite {v}"
        elif isinstance(v, str):
            assert "\n" not in v and "Traceback" not in v, f"{name}: {v!r}"
            assert len(v) <= 250, f"{name}: long message {v!r}"
        else:
            assert v is None or isinstance(v, bool | int | dt.datetime), f"{name}: {type(v)} {v!r}"
    if isinstance(out, str) and out and out not in ("Tier 1", "Tier 2", "A", "B"):
        assert out.startswith(name + ":"), f"{name}: {out!r}"
        said = out[len(name) + 2 :]
        if argument is not None and not any(said.startswith(o) for o in OUTCOMES):
            assert re.search(rf"\b{argument}\b", said), f"{argument} not named: {out!r}"


HANG_GUARD_SECONDS = 10.0

CASES = [
    (name, position, label)
    for name, args in GOOD.items()
    for position in range(len(args))
    for label in BAD
]


def test_the_matrix_covers_every_exported_function():
    assert sorted(GOOD) == sorted(udfs.__all__)


@pytest.mark.parametrize("name", sorted(GOOD))
def test_the_baseline_call_works(name):
    out = getattr(udfs, name)(*GOOD[name])
    if in_pyodide() and name == "CLV_SUMMARY_FILE":
        assert out == f"{name}: {LITE_NO_FILES}"
        return
    assert not (isinstance(out, str) and out.startswith(name)), out
    check_answer(name, out)


@pytest.mark.parametrize(("name", "position", "label"), CASES)
def test_bad_value_gives_one_line_or_a_documented_result(name, position, label):
    args = list(GOOD[name])
    args[position] = BAD[label]
    cache.clear_cache()
    start = time.perf_counter()
    function = getattr(udfs, name)
    out = function(*args)
    assert time.perf_counter() - start < HANG_GUARD_SECONDS, f"{name} hung"
    check_answer(name, out, list(inspect.signature(function).parameters)[position])
    assert not (isinstance(out, str) and "unexpected" in out), (
        f"{name}({label} at {position}): {out}"
    )
