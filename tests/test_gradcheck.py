"""helpers.gradcheck: the checker itself must tell right from wrong."""

import numpy as np
import pytest

from helpers.gradcheck import (
    check_layer,
    elementwise_derivative,
    numerical_gradient,
    relative_error,
)
from helpers.layers import ReLU


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


# --- issue 29: no silent wrong answers, round 3 ------------------------------------------------

@pytest.mark.parametrize("analytic,numeric", [([np.nan], [1.0]), ([1.0], [np.nan]),
                                              ([np.nan], [np.nan]), ([np.inf], [1.0]),
                                              ([np.inf], [np.inf]), ([1.0, -np.inf], [1.0, 2.0]),
                                              ([np.nan, 0.0], [0.0, 0.0])])
def test_nan_or_inf_in_a_gradient_never_passes_a_check(analytic, numeric):
    error = relative_error(analytic, numeric)
    assert error == np.inf and not error < 1e300


@pytest.mark.parametrize("scale", [1e-300, 1e-200, 1e-160, 1.0, 1e160, 1e300, 1e307])
def test_relative_error_does_not_depend_on_the_scale(scale):
    a, n = np.array([1.0, 2.0, -3.0]), np.array([1.0, 2.0, 3.0])
    expected = relative_error(a, n)  # 6 / (2 sqrt 14)
    assert expected == pytest.approx(6 / (2 * np.sqrt(14)), rel=1e-15)
    with np.errstate(all="raise"):
        assert relative_error(a * scale, n * scale) == pytest.approx(expected, rel=1e-12)
    assert relative_error([scale], [-scale]) == 1.0
    assert relative_error([scale], [scale]) == 0.0


def test_relative_error_of_zeros_and_of_nothing():
    assert relative_error([0.0, 0.0], [0.0, 0.0]) == 0.0
    assert relative_error([], []) == 0.0  # nothing to disagree about
    assert relative_error([0.0], [5e-324]) == 1.0  # the smallest number is not zero


def test_a_read_only_x_gets_a_clear_error():
    x = np.ones(3)
    x.flags.writeable = False
    with pytest.raises(ValueError, match=r"x must be writeable \(it is perturbed in place and "
                       r"restored\); got a read-only array\. Pass a copy: x\.copy\(\)"):
        numerical_gradient(np.sin, x)


@pytest.mark.parametrize("f,match", [(lambda v: None, r"f\({}\) must be a numpy array"),
                                     (lambda v: "abc", r"f\({}\) must be"),
                                     (lambda v: np.ma.masked_array(v), r"f\({}\) is a masked")])
def test_a_function_that_returns_no_numbers_gets_a_clear_error(f, match):
    with pytest.raises(TypeError, match=match.format("x")):
        numerical_gradient(f, np.ones(3))
    with pytest.raises(TypeError, match=match.format("z")):
        elementwise_derivative(f, np.ones(3))


def test_masked_arrays_are_refused():
    masked = np.ma.masked_array(np.ones(3), mask=[0, 1, 0])
    with pytest.raises(TypeError, match="x is a masked array"):
        numerical_gradient(np.sin, masked)
    with pytest.raises(TypeError, match="analytic is a masked array"):
        relative_error(masked, np.ones(3))
    with pytest.raises(TypeError, match="z is a masked array"):
        elementwise_derivative(np.sin, masked)


def test_x_is_restored_even_if_f_raises():
    x = np.array([1.0, 2.0])

    def f(v):
        if v[0] != 1.0:
            raise ValueError("f refuses this x")
        return v

    with pytest.raises(ValueError, match="f refuses"):
        numerical_gradient(f, x)
    assert x.tolist() == [1.0, 2.0]


@pytest.mark.parametrize("eps", [1e200, 1e-300, float(np.finfo(np.float32).max), 0.5, 1e-13])
def test_a_step_outside_the_sensible_range_is_refused(eps):
    """Fuzz campaign: eps = 1e200 or 1e-300 returned garbage derivatives silently."""
    match = r"eps must be in \[1e-12, 0.1\] \(a finite-difference step"
    with pytest.raises(ValueError, match=match):
        numerical_gradient(np.sin, np.ones(3), eps=eps)
    with pytest.raises(ValueError, match=match):
        elementwise_derivative(np.sin, np.ones(3), eps=eps)
    with pytest.raises(ValueError, match=match):
        check_layer(ReLU(), np.ones((2, 3)), eps=eps)


@pytest.mark.parametrize("value", [np.inf, -np.inf, np.nan])
def test_finite_differences_at_a_non_finite_point_are_refused(value):
    """Fuzz campaign: inf - inf raised a RuntimeWarning (as an error)."""
    x = np.array([[1.0, value]])
    with pytest.raises(ValueError, match=r"x must be finite to take finite differences"):
        numerical_gradient(np.sin, x.copy())
    with pytest.raises(ValueError, match=r"x must be finite to take finite differences"):
        check_layer(ReLU(), x.copy())
    with pytest.raises(ValueError, match=r"z must be finite to take finite differences"):
        elementwise_derivative(np.sin, x)


def test_the_step_is_relative_to_large_values():
    """At 1e200 an absolute step of 1e-3 is lost (x + h == x): the step scales with |x|."""
    z = np.array([-1e200, -3.0, 0.5, 1e200])
    assert np.allclose(elementwise_derivative(lambda v: 3.0 * v, z), 3.0)
    for x in z:  # one at a time: in one sum, 3e200 would swamp the others' differences
        assert np.allclose(numerical_gradient(lambda v: 3.0 * v, np.array([x])), 3.0)
