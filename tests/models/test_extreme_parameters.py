"""Never NaN or inf in a cell: every prediction function, for parameter tables CLV_FIT could
spill or a user could type, at the edges of what a double holds."""

import itertools
import math

import pytest

from clv_xl.excel.udfs import (
    CLV_EXPECTED_PURCHASES,
    CLV_LIFETIME_VALUE,
    CLV_P_ALIVE,
)

EDGES = [1e-308, 1e-6, 1.5, 1e6, 1e308]
MODELS = {
    "BG/NBD": ("r", "alpha", "a", "b"),
    "MBG/NBD": ("r", "alpha", "a", "b"),
    "Pareto/NBD": ("r", "alpha", "s", "beta"),
    "BG/BB": ("alpha", "beta", "gamma", "delta"),
}
SPEND = [["model", "Gamma-Gamma"], ["p", 6.25], ["q", 3.74], ["gamma", 15.44]]


def tables(model):
    names = MODELS[model]
    for values in itertools.product([EDGES[0], EDGES[2], EDGES[4]], repeat=4):
        yield [["model", model], *([n, v] for n, v in zip(names, values, strict=True))]
    for value in EDGES:  # one parameter at a time at each edge
        for k in range(4):
            values = [1.5] * 4
            values[k] = value
            yield [["model", model], *([n, v] for n, v in zip(names, values, strict=True))]


def finite_or_message(out):
    cells = out if isinstance(out, list) else [out]
    for cell in (c for row in cells for c in (row if isinstance(row, list) else [row])):
        if isinstance(cell, float):
            assert math.isfinite(cell), cell
        else:
            assert isinstance(cell, str) and cell.startswith("CLV_") and "\n" not in cell, cell


@pytest.mark.parametrize("model", MODELS)
def test_new_customer_forecasts_are_finite_or_one_line(model):
    for table in tables(model):
        for horizon in (1, 52, 1e308):
            finite_or_message(CLV_EXPECTED_PURCHASES(table, horizon))


@pytest.mark.parametrize("model", MODELS)
def test_per_customer_predictions_are_finite_or_one_line(model):
    x, tx, big_t = [[0], [2], [7]], [[0], [3], [7]], [[8], [9], [10]]
    for table in tables(model):
        finite_or_message(CLV_P_ALIVE(table, x, tx, big_t))
        finite_or_message(CLV_EXPECTED_PURCHASES(table, 52, x, tx, big_t))
        if model != "BG/BB":
            finite_or_message(CLV_LIFETIME_VALUE(table, SPEND, x, tx, big_t, [[0], [20], [30]]))
