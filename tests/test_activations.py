"""helpers.activations: derivatives against finite differences, conventions, bad input."""

import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from helpers import activations as act
from helpers.gradcheck import elementwise_derivative, relative_error

SMOOTH_PAIRS = {
    "sigmoid": (act.sigmoid, act.sigmoid_grad),
    "tanh": (act.tanh, act.tanh_grad),
    "linear": (act.linear, act.linear_grad),
}
ALL_FUNCTIONS = [act.relu, act.relu_grad, act.sigmoid, act.sigmoid_grad, act.tanh, act.tanh_grad,
                 act.linear, act.linear_grad]


def away_from_zero(rng, shape, margin=1e-2):
    z = rng.uniform(-6, 6, size=shape)
    return np.where(np.abs(z) < margin, margin * 2, z)


@pytest.mark.parametrize("name", SMOOTH_PAIRS)
@pytest.mark.parametrize("shape", [(50,), (7, 9), (2, 3, 4, 5)])
def test_smooth_derivatives_match_finite_differences(name, shape):
    f, f_grad = SMOOTH_PAIRS[name]
    z = np.random.default_rng(0).uniform(-6, 6, size=shape)
    assert relative_error(f_grad(z), elementwise_derivative(f, z)) < 1e-7


def test_relu_derivative_matches_finite_differences_away_from_the_kink():
    z = away_from_zero(np.random.default_rng(1), (4, 25))
    assert relative_error(act.relu_grad(z), elementwise_derivative(act.relu, z)) < 1e-7


def test_relu_grad_at_zero_takes_the_left_branch():
    assert act.relu_grad(0.0) == 0.0
    assert act.relu_grad(-0.0) == 0.0
    assert act.relu_grad(np.float32(1e-30)) == 1.0


def test_relu_grad_is_not_computed_from_the_output():
    """The classic bug: (relu(z) >= 0) is always true."""
    z = np.array([-2.0, -1e-9, 3.0])
    assert act.relu_grad(z).tolist() == [0.0, 0.0, 1.0]


def test_known_values():
    assert act.sigmoid(0.0) == 0.5
    assert act.sigmoid_grad(0.0) == 0.25
    assert act.tanh_grad(0.0) == 1.0
    assert np.isclose(act.sigmoid(2.0), 1 / (1 + np.exp(-2.0)), rtol=1e-15)


@pytest.mark.parametrize("f", ALL_FUNCTIONS, ids=lambda f: f.__name__)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_float_dtypes_and_shapes_are_kept(f, dtype):
    for shape in [(), (3,), (2, 3, 4)]:
        out = f(np.zeros(shape, dtype=dtype))
        assert out.dtype == dtype and out.shape == shape


@pytest.mark.parametrize("f", ALL_FUNCTIONS, ids=lambda f: f.__name__)
@pytest.mark.parametrize("value", [3, True, [1, -2], [[True, False]], np.arange(3, dtype=np.int8)])
def test_ints_bools_lists_become_float64(f, value):
    assert f(value).dtype == np.float64


@pytest.mark.parametrize("f", ALL_FUNCTIONS, ids=lambda f: f.__name__)
@pytest.mark.parametrize("value", ["1.0", None, {"a": 1}, np.array(["a"]), np.array([1j]),
                                   np.array([None], dtype=object)])
def test_other_types_are_a_type_error_naming_z(f, value):
    with pytest.raises(TypeError, match="z must"):
        f(value)


@pytest.mark.parametrize("f", ALL_FUNCTIONS, ids=lambda f: f.__name__)
def test_nan_propagates(f):
    assert np.isnan(f(np.array([np.nan, 1.0]))[0])


def test_limits_at_infinity():
    inf = np.array([-np.inf, np.inf])
    assert act.relu(inf).tolist() == [0.0, np.inf]
    assert act.relu_grad(inf).tolist() == [0.0, 1.0]
    assert act.sigmoid(inf).tolist() == [0.0, 1.0]
    assert act.sigmoid_grad(inf).tolist() == [0.0, 0.0]
    assert act.tanh(inf).tolist() == [-1.0, 1.0]
    assert act.tanh_grad(inf).tolist() == [0.0, 0.0]


@pytest.mark.parametrize("f", ALL_FUNCTIONS, ids=lambda f: f.__name__)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_no_runtime_warning_for_any_finite_input(f, dtype):
    info = np.finfo(dtype)
    z = np.array([-info.max, -1e4, -50.0, -1e-30, 0.0, 1e-30, 50.0, 1e4, info.max], dtype=dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        f(z)


def test_registry():
    assert act.available_activations() == ["linear", "relu", "sigmoid", "tanh"]
    assert act.get_activation("relu") == (act.relu, act.relu_grad)
    with pytest.raises(ValueError, match="activation must be one of .* got 'softplus'"):
        act.get_activation("softplus")


finite = st.floats(-1e6, 1e6, allow_nan=False)


@given(arrays(np.float64, st.integers(2, 30), elements=finite))
def test_monotone(z):
    z = np.sort(z)
    for f in (act.relu, act.sigmoid, act.tanh):
        assert np.all(np.diff(f(z)) >= 0)


@given(arrays(np.float64, st.integers(1, 30), elements=finite))
def test_derivative_ranges(z):
    assert set(np.unique(act.relu_grad(z))) <= {0.0, 1.0}
    assert np.all((act.sigmoid_grad(z) >= 0) & (act.sigmoid_grad(z) <= 0.25))
    assert np.all((act.tanh_grad(z) >= 0) & (act.tanh_grad(z) <= 1))
