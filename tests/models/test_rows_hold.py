"""A model's rows_hold agrees with its row_problems: True exactly when every row's is ""."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clv_xl.models import BGBB, BGNBD, MBGNBD, GammaGamma, ParetoNBD

value = st.sampled_from([0.0, 1.0, 2.0, 3.5, 10.0, -1.0, np.nan, np.inf])
rows = st.lists(st.tuples(value, value, value), min_size=1, max_size=12)


@pytest.mark.parametrize("model", [BGNBD, MBGNBD, ParetoNBD, BGBB, GammaGamma])
@settings(max_examples=150, deadline=None)
@given(rows)
def test_rows_hold_exactly_when_no_row_has_a_problem(model, data):
    columns = [np.array(c) for c in zip(*data, strict=True)][: len(model.data_names)]
    problems = model.row_problems(*columns)
    assert model.rows_hold(*columns) == all(p == "" for p in problems.ravel())
