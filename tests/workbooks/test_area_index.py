"""Areas found by where they lie (area_index), and a refresh linear in its formulas."""

import numpy as np
import openpyxl
from hypothesis import given, settings
from hypothesis import strategies as st

from benchmarks.filled_down import book
from clv_xl.workbooks.area_index import AreaIndex, Corners
from clv_xl.workbooks.placing import Output, Outputs
from clv_xl.workbooks.references import MAX_ROW, Area
from clv_xl.workbooks.refresh import refresh
from clv_xl.workbooks.sheet_rows import span_runs

NONE = np.empty((0, 0), dtype=object)

# areas of one cell (often: most formulas are), small and large (a whole column, a 100,000-row
# spill) on two sheets
tops = st.integers(1, 200)
areas = st.builds(
    lambda sheet, top, left, rows, cols, tall: Area(
        sheet, top, left, MAX_ROW if tall else top + rows, left + cols
    ),
    st.sampled_from(["S", "T"]),
    tops,
    st.integers(1, 40),
    st.just(0) | st.integers(0, 60),
    st.just(0) | st.integers(0, 9),
    st.booleans(),
)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 30), areas | st.none()), max_size=40),
    st.lists(areas, min_size=1, max_size=10),
)
def test_an_index_finds_what_looking_at_each_area_finds(steps, questions):
    index: AreaIndex[int] = AreaIndex()
    kept: dict[int, Area] = {}  # what a dict of them holds: its order is the order first added
    for key, area in steps:
        if area is None:
            index.discard(key)
            kept.pop(key, None)
        else:
            index.add(key, area)
            kept[key] = area
    assert len(index) == len(kept)
    for q in questions:
        assert index.meeting(q) == [k for k, a in kept.items() if a.overlaps(q)]


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.tuples(st.sampled_from(["S", "T"]), tops, st.integers(1, 40)), max_size=30),
    areas,
)
def test_corners_find_a_cell_above_and_left_of_an_area(cells, area):
    quadrants = [Area(s, r, c, MAX_ROW, 16_384) for s, r, c in cells]
    assert Corners(cells).above_left(area) == any(q.overlaps(area) for q in quadrants)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(tops, st.integers(1, 30), st.integers(0, 30), st.integers(0, 5)), max_size=12
    )
)
def test_runs_of_rows_hold_the_columns_their_areas_cover(shapes):
    found = span_runs([(t, lo, t + rows, lo + cols) for t, lo, rows, cols in shapes])
    for first, last, spans in found:
        for r in (first, last):
            covered = {
                c
                for t, lo, rows, cols in shapes
                if t <= r <= t + rows
                for c in range(lo, lo + cols + 1)
            }
            assert covered == {c for lo, hi in spans for c in range(lo, hi + 1)}
    in_runs = {r for first, last, _ in found for r in range(first, last + 1)}
    assert in_runs == {r for t, _, rows, _ in shapes for r in range(t, t + rows + 1)}


def test_results_know_their_extent_when_one_shrinks():
    outputs = Outputs()
    outputs[("S", 1, 1)] = Output(Area("S", 1, 1, 500, 3), NONE)
    outputs[("S", 1, 5)] = Output(Area("S", 1, 5, 9, 5), NONE)
    assert outputs.extent("S") == (500, 5) and outputs.extent("T") == (0, 0)
    outputs[("S", 1, 1)] = Output(Area("S", 1, 1, 1, 1), NONE)
    assert outputs.extent("S") == (9, 5)
    assert outputs.meeting(Area("S", 3, 1, 3, 9)) == [("S", 1, 5)]
    del outputs[("S", 1, 5)]
    assert outputs.extent("S") == (1, 1) and list(outputs) == [("S", 1, 1)]


def test_a_filled_down_column_is_refreshed_in_time_linear_in_its_rows(tmp_path, monkeypatch):
    """Counted, not timed: the areas compared per formula stay the same from 300 rows to 1,200
    (asking every formula about every read made a filled-down column of 5,000 take 300 s)."""
    compared = []
    overlaps = Area.overlaps
    monkeypatch.setattr(Area, "overlaps", lambda a, b: compared.append(1) or overlaps(a, b))
    per_row = []
    for rows in (300, 1200):
        path = book(tmp_path / f"{rows}.xlsx", rows)
        compared.clear()
        report = refresh(path, tmp_path / f"out{rows}.xlsx")
        assert report.errors == []
        per_row.append(len(compared) / rows)
        ws = openpyxl.load_workbook(tmp_path / f"out{rows}.xlsx", data_only=True)["S"]
        value, twice = ws.cell(rows + 1, 3).value, ws.cell(rows + 1, 4).value
        assert value > 0 and twice == 2 * value
    assert per_row[1] < 1.5 * per_row[0], per_row
