"""What the worksheet functions take, read from the cells Excel hands them: one-cell options,
parameter tables as models, a transaction log's rows, customer columns judged by a model's rules.

Each reader raises one line naming the argument; the functions in :mod:`clv_xl.excel.models`
only combine them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np

from clv_xl.core.numbers import is_number
from clv_xl.data import to_dates
from clv_xl.data.rules import AMOUNT_WINDOW, MAX_AMOUNT, ReadError, parse_amounts
from clv_xl.errors import InputError, ShapeError
from clv_xl.excel.convert import as_1900_serials, excel_error, flatten, numeric_cells, to_grid
from clv_xl.excel.tables import customer_columns, is_header, is_summary, model_from_cells
from clv_xl.models import (
    BetaDiscreteWeibull,
    GammaGamma,
    RepeatBuyingModel,
    ShiftedBetaGeometric,
    purchase_models,
    retention_models,
)


def number_argument(
    value: Any, argument: str, default: float, allowed: str, lo: float = 0.0
) -> float:
    cells = numeric_cells(value)
    if cells.values.size != 1:
        raise InputError(argument, f"a range of {cells.values.size} cells", f"one cell: {allowed}")
    if cells.blank.all():
        return default
    if cells.problem.ravel()[0]:
        raise InputError(argument, to_grid(value).ravel()[0], allowed)
    x = float(cells.values.ravel()[0])
    if x < lo:
        raise InputError(argument, x, allowed)
    return x


def one_cell(value: Any, argument: str, allowed: str) -> Any:
    """A single-cell argument's value; a range (other than one cell) is an InputError."""
    if isinstance(value, list | tuple | np.ndarray):
        flat = (
            value.ravel().tolist()
            if isinstance(value, np.ndarray)
            else [x for row in value for x in (row if isinstance(row, list | tuple) else [row])]
        )
        if len(flat) != 1:
            raise InputError(argument, f"a range of {len(flat)} cells", f"one cell: {allowed}")
        return flat[0]
    return value


def date_cell(value: Any, argument: str) -> dt.date | None:
    """A one-cell date argument (blank: None): a date cell, a serial number in the workbook's
    date system (a time of day dropped), YYYYMMDD, or text such as 1997-09-30."""
    cell = one_cell(value, argument, "a date")
    if cell is None or (isinstance(cell, str) and not cell.strip()):
        return None
    error = excel_error(cell)
    if error or isinstance(cell, dict | bool):
        raise InputError(argument, error or cell, "a date")
    try:
        day = to_dates(as_1900_serials([cell]), argument)[0]
    except InputError as exc:
        raise InputError(argument, cell, exc.allowed) from None
    return day.item()  # a datetime64[D] as the date it is


def cells_of(value: Any) -> list[Any]:
    return flatten(value)[0] if value is not None else []


def transactions(customer_ids, dates) -> tuple[np.ndarray, list[Any], np.ndarray, int]:
    """The rows of a transaction log that name a customer, their ids and parsed dates; a bad
    or missing date is reported with its row in the sheet."""
    ids = cells_of(customer_ids)
    date_cells = cells_of(dates)
    if len(date_cells) != len(ids):
        sizes = f"customer_ids has {len(ids)} cells, dates has {len(date_cells)}"
        raise ShapeError(f"ranges differ in size ({sizes}); give one date per customer id")
    if ids and is_header(date_cells[0]):  # A:A with its header: the first row is skipped
        ids = [None, *ids[1:]]
    rows = np.flatnonzero(~_blanks(ids))
    every = rows.size == len(ids)  # the common case: no blank rows, no lists to pick
    picked = date_cells if every else [date_cells[i] for i in rows.tolist()]
    no_date = _blanks(picked)
    if no_date.any():
        missing = int(rows[int(np.argmax(no_date))])
        raise InputError(
            "dates", None, "a date on every row with a customer", position=(missing + 1,)
        )
    try:
        days = to_dates(as_1900_serials(picked))
    except InputError as exc:
        row = int(rows[exc.position[0] - 1]) + 1 if exc.position else None
        raise InputError(
            "dates", exc.value, exc.allowed, position=(row,) if row else None
        ) from None
    return rows, ids if every else [ids[i] for i in rows.tolist()], days, len(ids)


_BLANK_CELLS = frozenset({None, ""})


def _blanks(cells: list[Any]) -> np.ndarray:
    """Which cells are blank (None or ""), judged at C speed: by the cells' types when no
    cell is None or text (hashing a million datetimes costs twice as much)."""
    if not set(map(type, cells)) & {type(None), str}:
        return np.zeros(len(cells), dtype=bool)
    try:
        return np.fromiter(map(_BLANK_CELLS.__contains__, cells), dtype=bool, count=len(cells))
    except TypeError:  # an unhashable cell: judged one by one
        return np.array([c is None or (type(c) is str and c == "") for c in cells], dtype=bool)


def spend_model_from(value) -> GammaGamma:
    model = model_from_cells(value, "spend_params", {"Gamma-Gamma": GammaGamma})
    assert isinstance(model, GammaGamma)
    return model


def purchase_model(params) -> RepeatBuyingModel | Any:
    return model_from_cells(params, "params", purchase_models())


def customer_rows(model, repeat_purchases, recency, age, more: dict[str, Any] | None = None):
    """The customers' columns, each row judged by the cells and by the model's rules: returns
    the columns, (x, t_x, T) and which rows can be predicted."""
    cols = customer_columns(
        {"repeat_purchases": repeat_purchases, "recency": recency, "age": age, **(more or {})}
    )
    x, tx, big_t = (cols.values[k] for k in ("repeat_purchases", "recency", "age"))
    if not model.rows_hold(x, tx, big_t):  # each broken row's rule, as its problem
        rules = model.row_problems(x, tx, big_t)
        fresh = cols.used & (cols.problem == "") & (rules != "")
        cols.problem[fresh] = rules[fresh]
        cols.has_problem = cols.has_problem or bool(fresh.any())
    ok = cols.used & (cols.problem == "") if cols.has_problem else cols.used.copy()
    return cols, (x, tx, big_t), ok


def value_options(discount_rate: Any, margin: Any, period: Any) -> tuple[float, float, Any]:
    """Lifetime value's optional cells: monthly discount rate (1%), margin (100%), time unit of
    recency and T ("W"). Their ranges are the core's to check (``lifetime_value``)."""
    rate = number_argument(discount_rate, "discount_rate", 0.01, "a monthly rate >= 0 (1% as 0.01)")
    share = number_argument(margin, "margin", 1.0, "a fraction from 0 to 1 (30% as 0.3)")
    return rate, share, "W" if period in (None, "") else period


def retention_model(value) -> ShiftedBetaGeometric | BetaDiscreteWeibull:
    model = model_from_cells(value, "retention_params", retention_models())
    assert isinstance(model, ShiftedBetaGeometric | BetaDiscreteWeibull)
    return model


def amount_cells(amounts: Any, rows: np.ndarray, n_cells: int) -> np.ndarray:
    """CLV_SUMMARY's amounts on the rows with a customer: number cells as they are, text cells
    by the log-reading rules (``$1,250.00``; ``10,50`` where the column has a decimal comma),
    blanks 0; one line naming the row otherwise."""
    cells = cells_of(amounts)
    if len(cells) != n_cells:
        sizes = f"customer_ids has {n_cells} cells, amounts has {len(cells)}"
        raise ShapeError(f"ranges differ in size ({sizes}); give one amount per customer id")
    picked = [cells[i] for i in rows.tolist()] if len(rows) != n_cells else cells
    if set(map(type, picked)) <= {float, int}:  # number cells only: at C speed
        values = np.asarray(picked, dtype=float)
        if np.isfinite(values).all() and not (np.abs(values) > MAX_AMOUNT).any():
            return values
    values = np.zeros(len(picked))
    text = [i for i, v in enumerate(picked) if isinstance(v, str) and v.strip()]
    for i, v in enumerate(picked):
        if isinstance(v, bool) or (v is not None and not isinstance(v, str | int | float)):
            raise InputError("amounts", v, "a number", position=(int(rows[i]) + 1,))
        if is_number(v):
            if not np.isfinite(v) or abs(v) > MAX_AMOUNT:
                raise InputError("amounts", v, AMOUNT_WINDOW, position=(int(rows[i]) + 1,))
            values[i] = v
    if text:
        try:
            values[text] = parse_amounts(np.array([picked[i] for i in text], dtype=object))
        except ReadError as exc:
            at = text[exc.index or 0]
            raise InputError(
                "amounts", picked[at], exc.expected or "a number", position=(int(rows[at]) + 1,)
            ) from None
    return values


def row_weights(weights: Any, length: int) -> np.ndarray:
    """How many customers each row stands for (blank: 1), one per customer row."""
    cells = numeric_cells(weights)
    if cells.values.size != length:
        raise InputError(
            "weights",
            f"{cells.values.size} cells for {length} customer rows",
            "one weight per customer row",
        )
    values = np.where(cells.blank.ravel(), 1.0, cells.values.ravel())
    bad = (cells.problem.ravel() != "") | ~np.isfinite(values) | (values < 0)
    if bad.any():
        i = int(np.argmax(bad))
        raise InputError(
            "weights", to_grid(weights).ravel()[i], "a number of customers >= 0", position=(i + 1,)
        )
    return values


def has_history(repeat_purchases: Any, recency: Any, age: Any) -> bool:
    """Whether a forecast is per customer (the three columns, or CLV_SUMMARY's whole spill as
    the first) or for a new customer (all three blank); some but not all is one line."""
    if repeat_purchases is None and recency is None and age is None:
        return False
    left_out = [
        k
        for k, v in (("repeat_purchases", repeat_purchases), ("recency", recency), ("age", age))
        if v is None
    ]
    if left_out and not (is_summary(repeat_purchases) and recency is None and age is None):
        raise InputError(
            left_out[0], None, "repeat_purchases, recency and age together, or all three blank"
        )
    return True
