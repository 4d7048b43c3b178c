"""Covariate ranges as Excel passes them: a header row of names, then one row per customer.

The rows line up with the customer columns of the same call: the same number of rows, or one
fewer when the customer columns were selected with their header row (which the covariate
range's own header then faces). Trailing blank rows (a whole-column selection) are dropped.
A fit refuses a blank covariate in a customer's row; a prediction shows that customer's cell
as one line saying which covariate is blank.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from clv_xl.errors import CellError, InputError, ShapeError, no_problems
from clv_xl.excel.convert import to_grid
from clv_xl.excel.tables import Columns
from clv_xl.models.base import BaseModel
from clv_xl.models.covariates import CovariateModel, Design, design, matrix_for
from clv_xl.models.grouped import each_distinct
from clv_xl.models.repeat_buying import RepeatBuyingModel

ARGUMENTS = ("purchase_covariates", "dropout_covariates")


def _blank(v: Any) -> bool:
    return (
        v is None
        or (isinstance(v, str) and not v.strip())
        or (isinstance(v, float) and np.isnan(v))
    )


class CovariateCells(NamedTuple):
    """A covariate range read: the header's ``names``, ``cells`` (customer rows x names, lined
    up with the customer columns) and ``first_row``, the range row of ``cells[0]`` (2 under
    the header; 1 when the customer columns' own header faces the covariates' header)."""

    names: list[str]
    cells: np.ndarray
    first_row: int


class Matrices(NamedTuple):
    """A covariate fit's purchase and drop-out matrices for the rows ``ok`` marks, and the first
    row refused for a blank covariate as (argument, range row), or None."""

    matrices: list[Any] | None
    ok: np.ndarray
    first_blank: tuple[str, int] | None = None


def covariate_range(value: Any, argument: str, rows: int, first_is_header: bool) -> CovariateCells:
    """The header's names and the cells lined up with the customer rows."""
    grid = to_grid(value)
    if grid.ndim < 2:
        grid = grid.reshape(1, -1) if grid.ndim == 1 else grid.reshape(1, 1)
    keep = [j for j in range(grid.shape[1]) if not all(_blank(v) for v in grid[:, j])]
    grid = grid[:, keep]
    if grid.shape[0] < 2 or not keep:
        raise InputError(
            argument, "no rows under a header", "a header row of names, then one row per customer"
        )
    names = []
    for v in grid[0]:
        if not isinstance(v, str) or not v.strip() or v.strip()[0].isdigit():
            raise CellError(
                argument,
                f"has the header cell {v!r}",
                "a header row of covariate names (channel, age) above the values",
            )
        names.append(v.strip())
    duplicate = {n for n in names if [m.casefold() for m in names].count(n.casefold()) > 1}
    if duplicate:
        raise CellError(
            argument, f"has the header {sorted(duplicate)[0]!r} twice", "distinct names"
        )
    cells = grid[1:]
    while cells.shape[0] > rows and all(_blank(v) for v in cells[-1]):
        cells = cells[:-1]
    first_row = 2
    if cells.shape[0] == rows - 1 and first_is_header:
        cells = np.vstack([np.full((1, cells.shape[1]), None, dtype=object), cells])
        first_row = 1
    if cells.shape[0] != rows:
        raise ShapeError(
            f"{argument} has {cells.shape[0]} rows under its header for {rows} "
            "customer rows; give one row per customer, with a header row of names"
        )
    return CovariateCells(names, cells, first_row)


def _blanks(cells: np.ndarray) -> np.ndarray:
    """:func:`_blank` of each cell, judged once per distinct value (a channel column: a few)."""
    flat = cells.ravel().tolist()
    try:  # values equal as keys (1, 1.0, True) are blank or not alike: one judgement serves
        blank = each_distinct(_blank, flat)
    except TypeError:  # an unhashable cell: one by one
        blank = list(map(_blank, flat))
    return np.array(blank, dtype=bool).reshape(cells.shape)


def fit_designs(purchase: Any, dropout: Any, cols: Columns) -> tuple[Design, Design] | None:
    """The covariates of the customers a fit uses; None when neither range is given."""
    if purchase is None and dropout is None:
        return None
    used = cols.used
    out = []
    for argument, value in zip(ARGUMENTS, (purchase, dropout), strict=True):
        if value is None:
            out.append(Design.empty(int(used.sum())))
            continue
        names, cells, first = covariate_range(value, argument, cols.length, not used[0])
        blank = _blanks(cells) & used[:, None]
        if blank.any():
            i, j = map(int, np.argwhere(blank)[0])
            allowed = "a value for every customer"
            raise CellError(argument, f"has a blank {names[j]}", allowed, position=(i + first,))
        rows = cells[used]
        columns = [rows[:, j].tolist() for j in range(len(names))]
        out.append(design(names, columns, argument, np.flatnonzero(used) + first))
    return out[0], out[1]


def customer_matrices(
    model: BaseModel, purchase: Any, dropout: Any, cols: Columns, ok: np.ndarray
) -> Matrices:
    """A covariate fit's purchase and drop-out matrices for the rows ``ok`` marks (rows with a
    blank covariate get a problem and leave ``ok``); None for any other model."""
    if not isinstance(model, CovariateModel):
        _none_given(purchase, dropout)
        return Matrices(None, ok)
    matrices: list[Any] = []
    first_blank: tuple[str, int] | None = None
    ok = ok.copy()
    cells_of: list[CovariateCells | None] = []
    for argument, value, names in zip(
        ARGUMENTS, (purchase, dropout), (model.purchase_names, model.dropout_names), strict=True
    ):
        if not names:
            cells_of.append(None)
            continue
        if value is None:
            raise InputError(
                argument, None, f"the customers' covariates: this fit has {', '.join(names)}"
            )
        found = covariate_range(value, argument, cols.length, not cols.used[0])
        cells, first = found.cells, found.first_row
        blank = _blanks(cells).any(axis=1) & ok
        for i in np.flatnonzero(blank):
            cols.problem[i] = f"{argument} has a blank cell in this row"
            cols.has_problem = True
        if blank.any() and first_blank is None:
            first_blank = (argument, int(np.argmax(blank)) + first)
        ok &= ~blank
        cells_of.append(found)
    for argument, read, names in zip(
        ARGUMENTS, cells_of, (model.purchase_names, model.dropout_names), strict=True
    ):
        if read is None:
            matrices.append(None)
            continue
        rows = read.cells[ok]
        columns = [rows[:, j].tolist() for j in range(len(read.names))]
        at = np.flatnonzero(ok) + read.first_row
        matrices.append(matrix_for(names, read.names, columns, argument, at))
    return Matrices(matrices, ok, first_blank)


def for_customers(
    model: BaseModel, purchase: Any, dropout: Any, cols: Columns, ok: np.ndarray
) -> tuple[Any, np.ndarray]:
    """The model for the rows ``ok`` marks: a covariate fit set to each customer's covariates
    (:func:`customer_matrices`), any other model as it is."""
    matrices, ok, _ = customer_matrices(model, purchase, dropout, cols, ok)
    if matrices is None or not ok.any():
        return model, ok
    assert isinstance(model, CovariateModel)
    return model.customers(*matrices), ok


def transaction_covariates(
    model: BaseModel, purchase: Any, dropout: Any, rows: np.ndarray, n_cells: int
) -> list[Any] | None:
    """A covariate fit's matrices with one row per transaction row that names a customer
    (``rows`` of ``n_cells``, as :func:`~clv_xl.excel.arguments.transactions` gives them)."""
    used = np.zeros(n_cells, dtype=bool)
    used[rows] = True
    cols = Columns({}, used, no_problems(n_cells), n_cells)
    matrices, _, first_blank = customer_matrices(model, purchase, dropout, cols, used)
    if matrices is not None and first_blank is not None:
        argument, row = first_blank
        allowed = "each transaction's customer covariates"
        raise CellError(argument, "has a blank cell", allowed, position=(row,))
    return matrices


def _none_given(purchase: Any, dropout: Any) -> None:
    for argument, value in zip(ARGUMENTS, (purchase, dropout), strict=True):
        if value is not None:
            raise InputError(
                argument,
                "covariates for a fit without them",
                "covariates only with a table CLV_FIT made with covariates",
            )


def new_customers(model: BaseModel, purchase: Any, dropout: Any) -> RepeatBuyingModel | None:
    """For a forecast of new customers: a covariate fit set to the rows of the covariate
    ranges given (one customer per row); None for a model without covariates."""
    if not isinstance(model, CovariateModel):
        _none_given(purchase, dropout)
        return None
    given = [v for v in (purchase, dropout) if v is not None]
    if not given:
        raise InputError(
            ARGUMENTS[0],
            None,
            "the new customers' covariates: this fit has "
            f"{', '.join(model.purchase_names + model.dropout_names)}",
        )
    grid = to_grid(given[0])
    grid = grid.reshape(grid.shape[0] if grid.ndim else 1, -1)
    filled: Any = np.flatnonzero(~_blanks(grid[1:]).all(axis=1)) if grid.shape[0] > 1 else []
    rows = int(filled[-1]) + 1 if len(filled) else 0
    cols = Columns({}, np.ones(rows, bool), no_problems(rows), rows)
    matrices, _, first_blank = customer_matrices(model, purchase, dropout, cols, cols.used)
    if first_blank is not None or matrices is None:
        argument, row = first_blank or (ARGUMENTS[0], 2)
        allowed = "a value in every covariate cell"
        raise CellError(argument, "has a blank cell", allowed, position=(row,))
    return model.customers(*matrices)
