"""Property-based fuzzing of every Excel function with arbitrary cell values (hypothesis).

Whatever arrives (numbers, text, bools, dates, blanks, Excel errors, NaN, ranges of any small
shape), every function answers with numbers, a table, or one line naming itself: no exception,
no traceback, no NaN or infinity. And the answer is the same when its ranges come as the
headless refresh hands them (read-only 2-D object arrays) as when they come as xlwings' lists.
"""

import datetime as dt
import inspect
import math

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clv_xl.excel import udfs
from clv_xl.excel.declare import range_arguments

cell = st.one_of(
    st.none(),
    st.booleans(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(-1e3, 1e3),
    st.integers(-10, 60),
    st.text(max_size=8),
    st.sampled_from(
        ["#N/A", "#VALUE!", "BG/NBD", "Pareto/NBD", "sBG", "W", "D", "end", "1997-01-01", "80%"]
    ),
    st.datetimes(min_value=dt.datetime(1990, 1, 1), max_value=dt.datetime(2030, 1, 1)),
)
TABLES = [
    [["model", "BG/NBD"], ["r", 0.243], ["alpha", 4.414], ["a", 0.793], ["b", 2.426]],
    [["model", "Gamma-Gamma"], ["p", 6.25], ["q", 3.74], ["gamma", 15.44]],
    [["model", "sBG"], ["alpha", 0.704], ["beta", 1.182]],
]


def grid(rows, cols):
    return st.lists(st.lists(cell, min_size=cols, max_size=cols), min_size=rows, max_size=rows)


argument = st.one_of(
    cell,
    st.integers(1, 6).flatmap(lambda n: grid(n, 1)),
    st.integers(1, 3).flatmap(lambda n: grid(1, n)),
    st.sampled_from(TABLES),
)


def flat(out):
    if isinstance(out, list):
        return [x for row in out for x in (row if isinstance(row, list) else [row])]
    return [out]


def fuzz(name):
    function = getattr(udfs, name)
    n = len(inspect.signature(function).parameters)

    @settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
    @given(st.lists(argument, min_size=n, max_size=n))
    def run(args):
        out = function(*args)
        for value in flat(out):
            if isinstance(value, float):
                assert math.isfinite(value)
            elif isinstance(value, str):
                assert "\n" not in value and "Traceback" not in value
                assert "unexpected" not in value, value
            else:
                assert value is None or isinstance(value, bool | int | dt.datetime)

    return run


def as_array(value):
    """A range of more than one cell as the refresh hands it (one cell: its value, as xlwings)."""
    if not (isinstance(value, list) and value and all(isinstance(r, list) for r in value)):
        return value
    grid = np.empty((len(value), len(value[0])), dtype=object)
    grid[:] = value
    grid.flags.writeable = False  # shared with the refresh's cache: a reader must not change it
    return grid if grid.size > 1 else value


def arrays_alike(name):
    function = getattr(udfs, name)
    params = list(inspect.signature(function).parameters)
    ranges = range_arguments(function)

    @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
    @given(st.lists(argument, min_size=len(params), max_size=len(params)))
    def run(args):
        handed = [as_array(a) if p in ranges else a for p, a in zip(params, args, strict=True)]
        assert function(*handed) == function(*args)

    return run


for _name in udfs.__all__:
    globals()[f"test_fuzz_{_name.lower()}"] = fuzz(_name)
    globals()[f"test_arrays_alike_{_name.lower()}"] = arrays_alike(_name)
