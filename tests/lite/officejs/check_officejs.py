"""Every CLV_ function through xlwings' Office.js custom-function path (xlwings Lite's): the
metadata Excel registers, and the (async) call with Office.js's argument shapes, compared with
the desktop call of the same case.

Office.js hands a function every argument as a matrix (a single cell as [[x]]), a date as its
serial number (a fraction for a time of day), a blank as None and an error cell as an error
object; xlwings on the desktop hands scalars, datetimes and None.
"""

import asyncio
import datetime as dt
import importlib.util
import inspect
import math
from pathlib import Path

import pytest
from xlwings.pro.udfs_officejs import custom_functions_call, custom_functions_meta

from clv_xl.addin.lite import main_py
from clv_xl.excel import udfs
from clv_xl.excel.convert import set_date_system
from clv_xl.excel.sources import LITE_NO_FILES
from clv_xl.models import cache
from clv_xl.runtime import in_pyodide
from tests.excel.test_bad_input_matrix import AMOUNTS, DATES, GOOD, IDS

EPOCH = dt.datetime(1899, 12, 30)
NA = {"type": "Error", "basicValue": "#N/A", "errorType": "NotAvailable"}  # Office.js's error cell


def serial(value, epoch=EPOCH):
    delta = value - epoch
    return delta.days + delta.seconds / 86400


def officejs(value, epoch=EPOCH):
    """A desktop argument as Office.js hands it: a matrix of numbers, text, bools and None."""
    if isinstance(value, dt.datetime):
        return [[serial(value, epoch)]]
    if isinstance(value, list):
        rows = value if value and isinstance(value[0], list) else [value]
        return [[officejs(c, epoch)[0][0] for c in row] for row in rows]
    return [[value]]


async def call(name, args, module=udfs):
    data = {"func_name": name, "args": args, "version": "0.37.8", "client": "Office.js",
            "runtime": "1.4", "culture_info_name": "en-US", "date_format": None}  # fmt: skip
    return await custom_functions_call(data, module)


def cells(result):
    """A result as a matrix of plain values (dates as serials, floats rounded) to compare."""
    rows = result if isinstance(result, list) else [[result]]
    rows = [row if isinstance(row, list) else [row] for row in rows]
    out = []
    for row in rows:
        line = []
        for x in row:
            if isinstance(x, dt.datetime | dt.date):
                x = serial(dt.datetime.combine(x, dt.time()) if type(x) is dt.date else x)
            if isinstance(x, float) and math.isfinite(x):
                x = float(f"{x:.10g}")
            line.append(x)
        out.append(line)
    return out


def desktop(name, args):
    cache.clear_cache()
    return cells(getattr(udfs, name)(*args))


def lite(name, args):
    cache.clear_cache()
    return cells(asyncio.run(call(name, [officejs(a) if a is not None else None for a in args])))


def test_this_process_stands_in_for_xlwings_lite():
    import xlwings

    assert in_pyodide() and xlwings.on_server


def test_every_function_registers_with_its_help():
    meta = custom_functions_meta(udfs)
    names = {f["name"] for f in meta["functions"]}
    assert names == set(udfs.__all__) and len(names) == 25
    for f in meta["functions"]:
        assert f["description"], f["name"]
        python = inspect.signature(getattr(udfs, f["name"])).parameters
        assert [p["name"] for p in f["parameters"]] == list(python), f["name"]
        for p in f["parameters"]:
            assert p["description"], (f["name"], p["name"])
            assert p["dimensionality"] == "matrix" and p["type"] == "any"
            assert p.get("optional", False) == (python[p["name"]].default is None)


@pytest.mark.parametrize("name", sorted(GOOD))
def test_office_js_shapes_give_the_desktop_answer(name):
    expected = desktop(name, GOOD[name])
    assert lite(name, GOOD[name]) == expected
    if name == "CLV_SUMMARY_FILE":  # no files in xlwings Lite: one line saying so
        assert expected == [[f"{name}: {LITE_NO_FILES}"]]
        return
    assert not str(expected[0][0]).startswith(name)  # the baseline is an answer, not a message


TIME_OF_DAY = [[d[0].replace(hour=17, minute=45)] for d in DATES]


@pytest.mark.parametrize(
    "name, args",
    [
        ("CLV_SUMMARY", (IDS, TIME_OF_DAY, AMOUNTS, dt.datetime(1997, 1, 31, 12), "W", None)),
        ("CLV_SUMMARY", (IDS + [[None]] * 40, DATES + [[None]] * 40, AMOUNTS + [[None]] * 40)),
        ("CLV_SUMMARY", ([["customer"], *IDS], [["date"], *DATES], [["amount"], *AMOUNTS])),
        ("CLV_HOLDOUT", (IDS * 3, TIME_OF_DAY * 3, dt.datetime(1997, 1, 10, 9), dt.datetime(1997, 1, 31), None)),
        ("CLV_VALUE", ([[14], [None], [3]], 2)),
    ],
    ids=["time of day", "whole column", "headers", "holdout", "blank cell"],
)  # fmt: skip
def test_dates_times_blanks_and_whole_columns(name, args):
    assert lite(name, args) == desktop(name, args)


def test_an_error_cell_is_one_line_as_on_the_desktop():
    on_desktop = desktop("CLV_VALUE", ([[14], ["#N/A"]], 2))
    cache.clear_cache()
    through_office = asyncio.run(call("CLV_VALUE", [[[14], [NA]], [[2]]]))
    assert cells(through_office) == on_desktop
    assert on_desktop[1][0].startswith("CLV_VALUE: ") and "#N/A" in on_desktop[1][0]
    amounts = [row[:] for row in AMOUNTS]
    amounts[2] = [NA]
    out = asyncio.run(call("CLV_SUMMARY", [officejs(IDS), officejs(DATES), amounts]))
    assert out[0][0].startswith("CLV_SUMMARY: amounts") and "#N/A" in out[0][0]


def test_the_1904_date_system_is_one_setting():
    args = (IDS, DATES, AMOUNTS, dt.datetime(1997, 1, 31))
    expected = desktop("CLV_SUMMARY", args)
    epoch_1904 = dt.datetime(1904, 1, 1)
    shaped = [officejs(a, epoch_1904) for a in args]
    try:
        set_date_system(1904)
        in_1904 = cells(asyncio.run(call("CLV_SUMMARY", shaped)))
    finally:
        set_date_system(1900)
    # the same days: every number but the first and last purchase's serials
    assert [row[:7] for row in in_1904] == [row[:7] for row in expected]
    read_as_1900 = cells(asyncio.run(call("CLV_SUMMARY", shaped)))
    assert read_as_1900 != in_1904  # the setting is what made them the same


def test_a_function_that_reads_files_says_lite_cannot():
    out = asyncio.run(call("CLV_SUMMARY_FILE", [[["/tmp/sales.csv"]]]))
    assert out == [[f"CLV_SUMMARY_FILE: {LITE_NO_FILES}"]]


def test_the_main_py_clv_xl_lite_writes_registers_every_function_and_the_script(tmp_path):
    from xlwings.pro.udfs_officejs import custom_scripts_meta

    path = tmp_path / "main.py"
    path.write_text(main_py(), encoding="utf-8")
    spec = importlib.util.spec_from_file_location("lite_main", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    meta = custom_functions_meta(module)
    assert {f["name"] for f in meta["functions"]} == set(udfs.__all__)
    scripts = custom_scripts_meta(module)
    assert [s["function_name"] for s in scripts] == ["clv_refresh"], scripts
    assert asyncio.run(call("CLV_VALUE", [[[14]], [[2]]], module)) == [[28.0]]
    assert Path(path).read_text().count("set_date_system(1900)") == 1
