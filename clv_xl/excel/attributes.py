"""Customer attributes carried from the log into CLV_SUMMARY: a channel, a region."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from clv_xl.errors import InputError, ShapeError
from clv_xl.excel.convert import to_grid


def carried(
    attributes: Any, ids: list[Any], rows: np.ndarray, n_cells: int, customers: pd.Series
) -> dict[str, list[Any]]:
    """CLV_SUMMARY's ``attributes``: per column (named by its header), each summary
    customer's value on that customer's first row of the log. The columns line up with the
    log: one row per transaction under a header row (``Sales[[#All],[Channel]]`` beside
    ``Sales[Customer]``), or the same cells as the ids when those were selected with their
    header too (``D:D`` beside ``A:A``)."""
    grid = to_grid(attributes)
    grid = grid.reshape(grid.shape[0] if grid.ndim else 1, -1)
    if grid.shape[0] == n_cells + 1:
        header, cells = grid[0], grid[1:]
    elif grid.shape[0] == n_cells and (rows.size == 0 or rows[0] > 0):
        header, cells = grid[0], grid  # the ids' own header row is this row too
    else:
        raise ShapeError(
            f"attributes has {grid.shape[0]} rows for {n_cells} customer cells; "
            "give the columns with their header row, one row per transaction"
        )
    names = []
    for v in header:
        if not isinstance(v, str) or not v.strip():
            raise InputError("attributes", v, "a header row naming each column (channel, region)")
        names.append(v.strip())
    picked = cells[rows]
    first = pd.Series(np.arange(len(ids))).groupby(pd.Series(ids, dtype=object), sort=False).first()
    at = first.reindex(pd.Index(customers.tolist(), dtype=object)).to_numpy()
    out: dict[str, list[Any]] = {}
    for j, name in enumerate(names):
        column = picked[:, j]
        out[name] = ["" if (i != i) or column[int(i)] is None else column[int(i)] for i in at]
    return out
