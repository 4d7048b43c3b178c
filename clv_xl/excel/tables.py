"""Excel ranges as model inputs: customer columns, parameter tables, tables to spill."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from operator import itemgetter
from typing import Any

import numpy as np
import pandas as pd

from clv_xl.core.numbers import is_number
from clv_xl.data.rules import reads_as_data
from clv_xl.errors import CellError, InputError, ShapeError, no_problems
from clv_xl.excel.convert import numeric_cells, to_grid
from clv_xl.excel.runner import current_function
from clv_xl.models.base import BaseModel
from clv_xl.models.registry import model_from_table
from clv_xl.models.validation import first_problem


@dataclass
class Columns:
    """Per-customer numeric columns, aligned; rows blank in every column are left out."""

    values: dict[str, np.ndarray]
    used: np.ndarray  # rows that hold a customer
    problem: np.ndarray  # per row: "" or a one-line description
    length: int
    shape: tuple[int, ...] = ()  # the shape of the first range, for the answer
    offset: int = 0  # rows of the selected range above the first value (CLV_SUMMARY's header)
    has_problem: bool = True  # False: every problem is "" (a fit's check then skips a pass)

    def row(self, i: int) -> int:
        """The i-th value's row in the range as the user selected it (its header counted)."""
        return i + 1 + self.offset


SUMMARY_HEADERS = {
    "repeat_purchases": "frequency",
    "recency": "recency",
    "age": "T",
    "monetary_value": "monetary_value",
}
"""The customer columns a model function takes, by CLV_SUMMARY's header of each."""


def _first_row(value: Any) -> list[Any] | None:
    """The first row of a range of rows (a list of lists, or a 2-D array as the headless
    refresh hands it), None for anything else."""
    if isinstance(value, np.ndarray):
        return value[0].tolist() if value.ndim == 2 and value.size else None
    return value[0] if isinstance(value, list) and value and isinstance(value[0], list) else None


def is_summary(value: Any) -> bool:
    """A range that is CLV_SUMMARY's whole spill: a header row naming frequency, recency and T."""
    header = {str(c).strip() for c in _first_row(value) or () if isinstance(c, str)}
    return {"frequency", "recency", "T"} <= header


def from_summary(required: dict[str, Any]) -> dict[str, Any]:
    """The customer columns, taken by their headers from CLV_SUMMARY's whole spill when it is
    given as the first one and the others are left out (``=CLV_FIT("BG/NBD", Summary!A1#)``);
    a column left out otherwise is one line saying what to give."""
    first = next(iter(required))
    table = required[first]
    left_out = [k for k, v in required.items() if v is None]
    if left_out and is_summary(table):
        header = _header(table)
        filled = dict(required)
        for key in required:
            name = SUMMARY_HEADERS.get(key, key)  # a statistic of its own: its name
            if name not in header:
                if filled[key] is None or key == first:
                    raise InputError(
                        key,
                        None,
                        f"a column, or CLV_SUMMARY's whole spill with a {name} column as {first}",
                    )
                continue
            filled[key] = _spill_column(table, header.index(name), len(header))
        return filled
    if left_out:
        raise InputError(
            left_out[0],
            None,
            f"a range of one value per customer, or CLV_SUMMARY's "
            f"whole spill (e.g. Summary!A1#) as {first} with the others left out",
        )
    return required


def summary_ids(value: Any) -> list[Any] | None:
    """The customer ids of CLV_SUMMARY's whole spill, in its rows' order below the header;
    None when ``value`` is not that spill (or has no customer column)."""
    if not is_summary(value):
        return None
    header = _header(value)
    if "customer" not in header:
        return None
    return _spill_column(value, header.index("customer"), len(header))[:, 0].tolist()


def _header(table: Any) -> list[str]:
    return [str(c).strip() if isinstance(c, str) else "" for c in _first_row(table) or ()]


def _spill_column(table: Any, i: int, width: int) -> np.ndarray:
    """Column ``i`` of a spill below its header row, as a one-column object array (a row
    shorter than ``width``, as a caller may pass, reads None there)."""
    rows = table[1:]
    if isinstance(rows, np.ndarray):
        return rows[:, i : i + 1].copy()
    full = set(map(len, rows)) <= {width}
    column = np.empty((len(rows), 1), dtype=object)  # a column, without a list a cell
    column[:, 0] = (
        list(map(itemgetter(i), rows))
        if full
        else [row[i] if i < len(row) else None for row in rows]
    )
    return column


def is_header(cell: Any) -> bool:
    """A first cell that is a column's name: text that no reading of dates or numbers accepts
    (only the first row is judged so: text dates further down are data)."""
    return isinstance(cell, str) and bool(cell.strip()) and not reads_as_data(cell)


def _first_of_several(value: Any) -> Any:
    """The first cell of a range of more than one cell (None for a single cell), read without
    converting the range: this runs on every call, on ranges of a million cells."""
    if isinstance(value, np.ndarray):
        return value.flat[0] if value.size > 1 else None
    if not isinstance(value, list | tuple) or not value:
        return None
    row = value[0]
    if isinstance(row, list | tuple):
        return row[0] if row and (len(value) > 1 or len(row) > 1) else None
    return row if len(value) > 1 else None


def _header_row(ranges: dict[str, Any]) -> bool:
    """Every range's first cell is text that reads as no number: a header row."""
    return all(is_header(_first_of_several(v)) for v in ranges.values())


def customer_columns(required: dict[str, Any], optional: dict[str, Any] | None = None) -> Columns:
    """Read columns (or rows) of per-customer values cell by cell; CLV_SUMMARY's whole spill
    stands for all of them (:func:`from_summary`)."""
    whole_spill = from_summary(required)
    offset = int(whole_spill is not required)  # the spill's header row is above the customers
    required = whole_spill
    given = {**required, **{k: v for k, v in (optional or {}).items() if v is not None}}
    cells = {k: numeric_cells(v) for k, v in given.items()}
    if _header_row(given):  # columns selected with their headers (A:A, B1:B5001): row 1 skipped
        for c in cells.values():
            c.values.ravel()[0], c.blank.ravel()[0], c.problem.ravel()[0] = np.nan, True, ""
    sizes = {k: c.values.size for k, c in cells.items()}
    if len(set(sizes.values())) > 1:
        parts = ", ".join(f"{k} has {n} cells" for k, n in sizes.items())
        raise ShapeError(f"ranges differ in size ({parts}); give one value per customer in each")
    n = next(iter(sizes.values()))
    blank_all = np.ones(n, dtype=bool)
    for k in required:
        blank_all &= cells[k].blank.ravel()
    problem = no_problems(n)
    open_rows = ~blank_all  # rows with a customer and no problem found yet
    for k, c in cells.items():
        prob, blank = c.problem.ravel(), c.blank.ravel()
        if c.has_problem:
            take = open_rows & (prob != "")
            problem[take] = [f"{k} {p}" for p in prob[take]]
            open_rows &= ~take
        if k in required:
            missing = open_rows & blank
            if missing.any():
                problem[missing] = f"{k} is missing"
                open_rows &= ~missing
    values = {k: np.where(c.blank.ravel(), 0.0, c.values.ravel()) for k, c in cells.items()}
    shape = next(iter(cells.values())).shape
    found = bool((open_rows != ~blank_all).any())  # a row closed by a problem
    return Columns(values, ~blank_all, problem, n, shape, offset, found)


CUSTOMER_DATA = {**{v: k for k, v in SUMMARY_HEADERS.items()}, "opportunities": "age"}
"""A model's data names as the CLV_ functions' arguments spell them (SUMMARY_HEADERS read
backwards; BG/BB's opportunities are its age)."""
STANDARD_DATA = set(CUSTOMER_DATA)
"""The data a CLV_ function takes as arguments; a model's other data names are statistics of
their own (:data:`clv_xl.data.summary.STATISTICS`), read from CLV_SUMMARY's whole spill."""


def require_clean(cols: Columns, model: type[BaseModel] | None = None) -> list[np.ndarray]:
    """For fits, at the edge where the cells enter: the first row whose cells are no numbers,
    or (given the ``model``) whose values the model cannot hold together (recency after T),
    stops the fit, named by its row in the range as selected. Returns the model's data columns
    over the used rows (none without a model)."""
    bad = cols.problem != "" if cols.has_problem else None
    if bad is not None and bad.any():
        i = int(np.argmax(bad))
        argument, _, problem = str(cols.problem[i]).partition(" ")
        allowed = "a number in every row with a customer"
        raise CellError(argument, problem, allowed, position=(cols.row(i),))
    if not cols.used.any():
        raise InputError("ranges", "only blanks", "at least one customer")
    if model is None:
        return []
    names = [CUSTOMER_DATA.get(k, k) for k in model.data_names]
    data = [cols.values[k] for k in names]
    if not model.rows_hold(*data):  # rare: the unused rows' problems then set aside
        problems = np.where(cols.used, model.row_problems(*data), "")
        first_problem(problems, *data, names=", ".join(names), row=cols.row)
    return data if cols.used.all() else [d[cols.used] for d in data]


def read_table(value: Any, argument: str) -> dict[str, Any]:
    """A name/value table (two columns, as CLV_FIT spills it, or two rows) as a dict."""
    grid = to_grid(value)
    if grid.ndim != 2 or 2 not in grid.shape:
        raise InputError(argument, "a single cell", "the two-column table CLV_FIT returned")
    if grid.shape[1] != 2:
        grid = grid.T
    table: dict[str, Any] = {}
    for name, val in grid.tolist():
        if isinstance(name, str) and name.strip():
            table[name.strip().lower() if name.strip().lower() != "t" else "T"] = val
    return table


def model_from_cells(value: Any, argument: str, allowed: dict[str, Any] | None = None) -> BaseModel:
    table = read_table(value, argument)
    numbers = {k: float(v) if is_number(v) else v for k, v in table.items()}
    return model_from_table(numbers, argument, allowed)


def spill(frame: pd.DataFrame, header: bool = True) -> list[list[Any]]:
    """A DataFrame as rows for Excel: header first; dates as datetimes; NaN as blanks."""
    rows: list[list[Any]] = [list(frame.columns)] if header else []
    columns = []
    for name in frame.columns:
        col = frame[name]
        if pd.api.types.is_datetime64_any_dtype(col):
            # NumPy makes the datetimes five times faster than pandas' to_pydatetime
            stamps = col.to_numpy().astype("datetime64[us]").astype(object)
            stamps[col.isna().to_numpy()] = ""
            columns.append(stamps.tolist())
        elif pd.api.types.is_numeric_dtype(col):
            arr = col.to_numpy(dtype=float)
            finite = np.isfinite(arr)
            if finite.all():
                columns.append(arr.tolist())
            else:
                cells = arr.astype(object)
                cells[~finite] = ""
                columns.append(cells.tolist())
        else:
            values = col.tolist()
            if set(map(type, values)) <= _AS_THEY_ARE:  # text ids, cohorts: one check a column
                columns.append(values)
            else:
                columns.append([_plain(x) for x in values])
    rows.extend(map(list, zip(*columns, strict=True)))
    return rows


_AS_THEY_ARE = {str, int, bool}
"""Cells a spill takes unchanged (floats are checked for NaN, other objects converted)."""


def _plain(x: Any) -> Any:
    if isinstance(x, np.generic):
        return x.item()
    if isinstance(x, float) and not np.isfinite(x):
        return ""
    if isinstance(x, dt.date | str | int | float | bool):
        return x
    return str(x)


def per_customer(result: np.ndarray, cols: Columns) -> Any:
    """Predictions back in the shape of the input range, with messages and blanks in place.
    A clean range (every row a customer, every answer finite) goes back in one ``tolist``."""
    shape = cols.shape if int(np.prod(cols.shape)) == cols.length else (cols.length,)
    bad = cols.problem != "" if cols.has_problem else np.zeros(cols.length, dtype=bool)
    finite = np.isfinite(result)
    if cols.used.all() and not bad.any() and finite.all():
        if cols.length == 1:
            return float(result[0])
        return result.reshape(shape).tolist()
    out = result.astype(object)
    name = current_function()
    broken = ~finite & cols.used & ~bad
    out[broken] = f"{name}: no finite result for this customer (a parameter is too extreme)"
    if bad.any():
        out[bad] = np.array([f"{name}: {p}" for p in cols.problem[bad]], dtype=object)
    out[~cols.used] = ""
    if cols.length == 1:
        return out[0]
    return out.reshape(shape).tolist()
