"""A result handed back to Excel: Python values, NaN never; the fast paths give what the
value-by-value path gives."""

import numpy as np
import pytest

from clv_xl.excel.convert import _to_list, to_excel


def one_by_one(result):
    return [_to_list(row) for row in result] if result.ndim == 2 else _to_list(result)


@pytest.mark.parametrize(
    "result",
    [
        np.array([[1.5], [2.0], [-0.0]]),
        np.array([1.5, np.nan, np.inf]),
        np.array([[1, 2], [3, 4]]),
        np.array([True, False]),
        np.array([["Gold"], [""], ["Bronze"]], dtype=object),
        np.array([["Gold", None], [True, 3]], dtype=object),
        np.array([["Gold"], [np.float64(1.5)], [float("nan")]], dtype=object),
        np.array([np.int64(2), np.bool_(True), 1.0], dtype=object),
    ],
)
def test_each_path_gives_the_values_one_by_one(result):
    got = to_excel(result)
    assert repr(got) == repr(one_by_one(result))  # the same values of the same types
    flat = np.array(got, dtype=object).ravel().tolist()
    assert {type(v) for v in flat} <= {float, int, bool, str, type(None)}
    assert not any(isinstance(v, float) and not np.isfinite(v) for v in flat)
