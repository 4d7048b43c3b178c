"""The linear-time orders a transaction log is grouped by give exactly NumPy's stable sort."""

from __future__ import annotations

from functools import reduce
from operator import add

import numpy as np
import pytest

from clv_xl.data.dates import to_dates
from clv_xl.data.ordering import customer_day_order, group_order, stable_order
from clv_xl.data.summary import _day_totals


@pytest.mark.parametrize("high", [1, 300, 65_535, 65_536, 3_000_000, 2**32 - 1, 2**32, 2**40])
def test_stable_order_is_numpys_stable_argsort(high: int) -> None:
    key = np.random.default_rng(high % 97).integers(0, high + 1, 20_000)
    assert np.array_equal(stable_order(key), np.argsort(key, kind="stable"))


def test_group_order_is_a_stable_counting_sort() -> None:
    codes = np.random.default_rng(1).integers(0, 70_000, 50_000)
    assert np.array_equal(group_order(codes, 70_000), np.argsort(codes, kind="stable"))


@pytest.mark.parametrize("date_order", [True, False])
@pytest.mark.parametrize("customers", [5, 80_000, 10**12])  # the last: sparse numeric ids
def test_customer_day_order_sorts_by_customer_then_day_then_row(
    date_order: bool, customers: int
) -> None:
    rng = np.random.default_rng(customers % 101)
    codes = rng.integers(0, customers, 30_000)
    days = rng.integers(0, 900, 30_000)
    if date_order:
        days.sort()
    expected = np.lexsort((np.arange(codes.size), days, codes))
    assert np.array_equal(customer_day_order(codes, days), expected)


def test_day_totals_add_a_days_rows_in_row_order() -> None:
    """Bit for bit each day's amounts added one by one, first row to last (as a running total
    in a cell would; NumPy's reduceat sums a segment pairwise, a last bit apart)."""
    rng = np.random.default_rng(5)
    codes, days = rng.integers(0, 300, 5_000), rng.integers(0, 20, 5_000)
    amounts = rng.normal(30, 20, 5_000) * np.pi
    order = customer_day_order(codes, days)
    key = codes[order] * 20 + days[order]
    new_day = np.r_[True, key[1:] != key[:-1]]
    starts = np.flatnonzero(new_day)
    assert (~new_day).sum() > 1000  # many days with several rows
    ends = [*starts[1:], amounts.size]
    sorted_amounts = amounts[order].tolist()
    expected = [reduce(add, sorted_amounts[a:b]) for a, b in zip(starts, ends, strict=True)]
    assert np.array_equal(_day_totals(amounts, order, starts, order[starts], new_day), expected)


@pytest.mark.parametrize("unit", ["s", "ms", "us", "ns", "m", "h", "D", "5m", "12h"])
def test_datetimes_of_any_unit_become_their_day(unit: str) -> None:
    moments = np.array(
        ["1969-12-31T23:59:59", "2000-02-29T12:00", "1900-01-01", "2199-12-31T23:00"],
        dtype="datetime64[s]",
    ).astype(f"datetime64[{unit}]")
    assert np.array_equal(to_dates(moments), moments.astype("datetime64[D]"))
