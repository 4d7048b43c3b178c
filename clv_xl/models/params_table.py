"""The parameter table: how a fitted model is written as name/value rows and read back.

CLV_FIT spills it, ``clv-xl fit`` stores it, CLV_INTERVAL and the bootstrap rebuild the
covariance of the estimates from it. One layout, defined here::

    model           BG/NBD
    r               0.2426          one row per parameter, in the model's order
    ...
    se_r            0.0128          standard errors ("n/a" when the fit did not converge)
    ...
    log_likelihood  -9582.43
    customers       2357
    converged       TRUE
    status          converged
    corr_r_alpha    0.71            correlations of the log-parameters, each pair once
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from clv_xl.core.numbers import is_finite_number, is_number
from clv_xl.errors import InputError

Array = np.ndarray
SE_PREFIX = "se_"
CORR_PREFIX = "corr_"
NOT_AVAILABLE = "n/a"


def se_row(name: str) -> str:
    return f"{SE_PREFIX}{name}"


def corr_row(first: str, second: str) -> str:
    return f"{CORR_PREFIX}{first}_{second}"


def pairs(names: Sequence[str]) -> list[tuple[int, int]]:
    """(i, j) with j < i, in the order the corr_ rows are written."""
    return [(i, j) for i in range(len(names)) for j in range(i)]


def table_rows(
    name: str,
    params: dict[str, float],
    standard_errors: dict[str, float],
    summary: Iterable[tuple[str, Any]],
    cov_log: Array | None,
    converged: bool,
) -> list[list[Any]]:
    """The rows of a fitted model's table (see the module's docstring)."""
    names = list(params)
    rows: list[list[Any]] = [["model", name]]
    rows += [[k, v] for k, v in params.items()]
    rows += [
        [se_row(k), v if np.isfinite(v) else NOT_AVAILABLE] for k, v in standard_errors.items()
    ]
    rows += [[k, v] for k, v in summary]
    for i, j in pairs(names):
        value: Any = NOT_AVAILABLE
        if cov_log is not None and converged:
            corr = cov_log[i, j] / np.sqrt(cov_log[i, i]) / np.sqrt(cov_log[j, j])  # no overflow
            value = float(corr) if np.isfinite(corr) else NOT_AVAILABLE
        rows.append([corr_row(names[j], names[i]), value])
    return rows


def rows_to_dict(rows: Iterable[Sequence[Any]]) -> dict[str, Any]:
    """A table's rows (two cells each) as a name -> value mapping."""
    return {str(row[0]): row[1] for row in rows}


def _number(value: Any) -> bool:
    return is_finite_number(value)


def covariance_from_table(
    table: dict[str, Any], names: Sequence[str], positive: Sequence[bool] | Array | None = None
) -> Array:
    """The covariance of the estimates on the fit's scale from a table: standard errors (delta
    method for the positive parameters, searched as logs: sd(log p) = se(p) / p; covariate
    coefficients, ``positive`` False, as they are) and the ``corr_a_b`` rows."""
    if str(table.get("status", "")).startswith("converged at the model's limit"):
        raise InputError(
            "params",
            "a fit at the model's limit",
            "a fit with standard errors "
            "(at the limit a and b have no finite estimates, so no interval)",
        )
    k = len(names)
    logs = [True] * k if positive is None else list(positive)
    sd = np.empty(k)
    for i, name in enumerate(names):
        se, value = table.get(se_row(name)), table.get(name)
        if se is None or value is None or not _number(se) or not _number(value):
            raise InputError(
                "params",
                f"{se_row(name)} = {se}",
                "a converged fit's table with its standard errors (CLV_FIT's whole "
                "spill, e.g. P1#)",
            )
        sd[i] = float(se) / float(value) if logs[i] else float(se)
    corr = np.eye(k)
    for i, j in pairs(names):
        value = table.get(corr_row(names[j], names[i]))
        if not is_number(value):
            raise InputError(
                "params",
                f"no {corr_row(names[j], names[i])} row",
                "CLV_FIT's whole spill, with its corr_ rows (e.g. P1#)",
            )
        corr[i, j] = corr[j, i] = float(value)
    return corr * np.outer(sd, sd)
