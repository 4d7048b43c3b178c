"""sigma and softplus from one exponential (issue 33): SciPy's expit and NumPy's logaddexp to the
last bit or two, at the extremes as well, for arrays of any shape and for one value."""

import numpy as np
import pytest
from scipy.special import expit

from clv_xl.models.logistic import sigmoid, sigmoid_and_softplus

VALUES = np.concatenate(
    [
        np.random.default_rng(0).normal(0, 12, 5000),
        [0.0, -0.0, 1e-300, -1e-300, 36.0, -36.0, 40.0, -40.0, 700.0, -700.0, 800.0, -800.0],
    ]
)


def test_sigma_and_softplus_are_expit_and_logaddexp():
    sigma, softplus = sigmoid_and_softplus(VALUES)
    np.testing.assert_allclose(sigma, expit(VALUES), rtol=1e-15, atol=0)
    np.testing.assert_allclose(softplus, np.logaddexp(0.0, VALUES), rtol=1e-15, atol=0)
    np.testing.assert_allclose(sigmoid(VALUES), expit(VALUES), rtol=1e-15, atol=1e-300)


def test_the_infinities_and_nan():
    sigma, softplus = sigmoid_and_softplus(np.array([np.inf, -np.inf, np.nan]))
    assert sigma[:2].tolist() == [1.0, 0.0] and softplus[:2].tolist() == [np.inf, 0.0]
    assert np.isnan(sigma[2]) and np.isnan(softplus[2])
    assert sigmoid(np.array([np.inf, -np.inf])).tolist() == [1.0, 0.0]


@pytest.mark.parametrize("value", [0.3, -2.5, np.float64(4.0)])
def test_one_value_gives_numbers(value):
    sigma, softplus = sigmoid_and_softplus(value)
    assert np.ndim(sigma) == np.ndim(softplus) == np.ndim(sigmoid(value)) == 0
    assert sigma == pytest.approx(expit(value), rel=1e-15)
    assert softplus == pytest.approx(np.logaddexp(0.0, value), rel=1e-15)


def test_shapes_are_kept_and_the_input_untouched():
    grid = VALUES[:12].reshape(3, 4).copy()
    before = grid.copy()
    sigma, softplus = sigmoid_and_softplus(grid)
    assert sigma.shape == softplus.shape == sigmoid(grid).shape == (3, 4)
    np.testing.assert_array_equal(grid, before)
