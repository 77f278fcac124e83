"""helpers.gradcheck: the checker itself must tell right from wrong."""

import numpy as np
import pytest

from helpers.gradcheck import (
    check_layer,
    elementwise_derivative,
    numerical_gradient,
    relative_error,
)


def test_numerical_gradient_of_a_matrix_product():
    rng = np.random.default_rng(0)
    x, w = rng.standard_normal((4, 3)), rng.standard_normal((3, 2))
    dout = rng.standard_normal((4, 2))
    assert relative_error(dout @ w.T, numerical_gradient(lambda v: v @ w, x, dout=dout)) < 1e-8


def test_a_wrong_gradient_is_caught():
    x = np.linspace(-1, 1, 7)
    assert relative_error(2 * x + 0.01, numerical_gradient(lambda v: v**2, x)) > 1e-3


def test_x_is_restored():
    x = np.array([1.0, 2.0])
    numerical_gradient(lambda v: v**3, x)
    assert x.tolist() == [1.0, 2.0]


def test_elementwise_derivative():
    z = np.array([-1.0, 0.5, 2.0])
    assert relative_error(elementwise_derivative(np.sin, z), np.cos(z)) < 1e-9


def test_bad_input():
    with pytest.raises(TypeError, match="x must be a float64 ndarray"):
        numerical_gradient(lambda v: v, [1.0])
    with pytest.raises(ValueError, match="dout must have the shape"):
        numerical_gradient(lambda v: v, np.zeros(2), dout=np.zeros(3))
    with pytest.raises(ValueError, match="analytic and numeric must have the same shape"):
        relative_error([1.0], [1.0, 2.0])
    with pytest.raises(ValueError, match="eps must be > 0"):
        elementwise_derivative(np.sin, 1.0, eps=0)


@pytest.mark.parametrize("make", [lambda: np.ones((3, 2)).T,
                                  lambda: np.arange(16.0).reshape(4, 4)[::2, ::2],
                                  lambda: np.asfortranarray(np.arange(6.0).reshape(2, 3))],
                         ids=["transposed", "strided", "fortran"])
def test_numerical_gradient_of_non_contiguous_arrays(make):
    """A reshaped view of such an array is a copy: perturbing it would change nothing."""
    x = make()
    assert np.allclose(numerical_gradient(lambda v: v**2, x), 2 * x)


def test_check_layer_with_a_fortran_ordered_input():
    from helpers.layers import Linear

    layer = Linear(3, 2, rng=np.random.default_rng(0))
    x = np.asfortranarray(np.random.default_rng(1).standard_normal((4, 3)))
    assert max(check_layer(layer, x).values()) < 1e-7
