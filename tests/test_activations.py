"""helpers.activations: derivatives against finite differences, conventions, bad input."""

import warnings
from decimal import Decimal, getcontext
from functools import partial

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from helpers import activations as act
from helpers.gradcheck import elementwise_derivative, numerical_gradient, relative_error

# Published to 32 digits (Klambauer et al. 2017, and e.g. PyTorch's documentation).
EXACT_ALPHA = "1.6732632423543772848170429916717"
EXACT_LAMBDA = "1.0507009873554804934193349852946"

# name -> (f, f_grad) as functions of z alone, for the checks every activation must pass: every
# entry of the table at its defaults (PReLU with its initial slope, shared), plus a few others
PAIRS = {name: act.get_activation(name) for name in act.ACTIVATIONS}
PAIRS.update({
    "leaky_relu_0.3": (partial(act.leaky_relu, negative_slope=0.3),
                       partial(act.leaky_relu_grad, negative_slope=0.3)),
    "elu_2": (partial(act.elu, alpha=2.0), partial(act.elu_grad, alpha=2.0)),
})
FUNCTIONS = [f for pair in PAIRS.values() for f in pair]
FUNCTION_IDS = [f"{name}{suffix}" for name in PAIRS for suffix in ("", "_grad")]
SHAPES = [(50,), (7, 9), (2, 3, 4, 5)]


def away_from_zero(rng, shape, margin=1e-2):
    """Uniform in [-6, 6], kept at least `margin` from the kink at 0."""
    z = rng.uniform(-6, 6, size=shape)
    return np.where(np.abs(z) < margin, np.copysign(2 * margin, z), z)


# --- derivatives -------------------------------------------------------------------------

@pytest.mark.parametrize("name", PAIRS)
@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_derivatives_match_finite_differences(name, shape):
    f, f_grad = PAIRS[name]
    z = away_from_zero(np.random.default_rng(0), shape)
    assert relative_error(f_grad(z), elementwise_derivative(f, z)) < 1e-7


@pytest.mark.parametrize("shape", [(6, 3), (4, 3, 2, 2)], ids=str)
def test_prelu_channelwise_derivatives_match_finite_differences(shape):
    rng = np.random.default_rng(1)
    z = away_from_zero(rng, shape)
    alpha = rng.uniform(-0.5, 2.0, size=3)  # learned slopes can be anything, even > 1 or < 0
    dout = rng.standard_normal(shape)
    dz, dalpha = act.prelu_backward(dout, z, alpha)
    num_dz = numerical_gradient(lambda v: act.prelu(v, alpha), z.copy(), dout=dout)
    num_dalpha = numerical_gradient(lambda a: act.prelu(z, a), alpha.copy(), dout=dout)
    assert relative_error(dz, num_dz) < 1e-7
    assert relative_error(dalpha, num_dalpha) < 1e-7
    assert relative_error(act.prelu_grad(z, alpha), elementwise_derivative(
        lambda v: act.prelu(v, alpha), z)) < 1e-7


@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_prelu_shared_dalpha_matches_finite_differences(shape):
    rng = np.random.default_rng(2)
    z, dout = away_from_zero(rng, shape), rng.standard_normal(shape)
    dz, dalpha = act.prelu_backward(dout, z, 0.25)
    num_dalpha = numerical_gradient(lambda a: act.prelu(z, a), np.array(0.25), dout=dout)
    assert np.shape(dalpha) == ()
    assert relative_error(dalpha, num_dalpha) < 1e-7
    assert relative_error(dz, dout * act.prelu_grad(z, 0.25)) == 0


def test_prelu_on_a_1d_input_with_channel_axis_0():
    z = np.array([-2.0, 3.0, -1.0])
    alpha = np.array([0.1, 0.2, 0.3])
    assert act.prelu(z, alpha, axis=0).tolist() == [-0.2, 3.0, -0.3]
    dz, dalpha = act.prelu_backward(np.ones(3), z, alpha, axis=0)
    assert dalpha.tolist() == [-2.0, 0.0, -1.0] and dz.tolist() == [0.1, 1.0, 0.3]


def test_prelu_is_the_unified_form_not_a_maximum():
    """max(0, z) + a min(0, z): for a > 1 it differs from np.maximum(a z, z)."""
    z = np.array([-2.0, 1.0])
    assert act.prelu(z, 1.5).tolist() == [-3.0, 1.0]
    assert np.maximum(1.5 * z, z).tolist() == [-2.0, 1.5]


def test_special_cases_of_prelu():
    z = np.linspace(-3, 3, 13)
    assert np.array_equal(act.prelu(z, 0.0), act.relu(z))
    assert np.array_equal(act.prelu(z, 0.01), act.leaky_relu(z))
    assert np.array_equal(act.prelu(z, 1.0), z)


# --- conventions ---------------------------------------------------------------------------

def test_derivatives_at_zero_take_the_left_branch():
    assert act.relu_grad(0.0) == 0.0
    assert act.leaky_relu_grad(0.0) == 0.01
    assert act.leaky_relu_grad(0.0, negative_slope=0.2) == 0.2
    assert act.elu_grad(0.0, alpha=1.5) == 1.5
    assert act.selu_grad(0.0) == act.SELU_LAMBDA_ALPHA
    assert act.prelu_grad(np.zeros((2, 2)), np.array([0.3, 0.4])).tolist() == [[0.3, 0.4]] * 2
    assert act.relu_grad(-0.0) == 0.0 and act.relu_grad(np.float32(1e-30)) == 1.0


def test_relu_grad_is_not_computed_from_the_output():
    """The classic bug: (relu(z) >= 0) is always true."""
    assert act.relu_grad([-2.0, -1e-9, 3.0]).tolist() == [0.0, 0.0, 1.0]


@pytest.mark.parametrize("f", FUNCTIONS, ids=FUNCTION_IDS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_float_dtypes_and_shapes_are_kept(f, dtype):
    for shape in [(), (3,), (2, 3, 4)]:
        out = f(np.zeros(shape, dtype=dtype))
        assert out.dtype == dtype and out.shape == shape


def test_prelu_float32_stays_float32_with_float64_alpha():
    z = np.ones((2, 3), dtype=np.float32)
    alpha = np.array([0.1, 0.2, 0.3])
    assert act.prelu(z, alpha).dtype == np.float32
    dz, dalpha = act.prelu_backward(z, -z, alpha)
    assert dz.dtype == np.float32 and dalpha.shape == (3,)


@pytest.mark.parametrize("f", FUNCTIONS, ids=FUNCTION_IDS)
@pytest.mark.parametrize("value", [3, True, [1, -2], [[True, False]], np.arange(3, dtype=np.int8)],
                         ids=["int", "bool", "list", "bool-list", "int8"])
def test_ints_bools_lists_become_float64(f, value):
    assert f(value).dtype == np.float64


def test_int_inputs_are_not_truncated():
    """numpy-ml's bug: an integer array stayed integer and 0.01 * -3 became 0."""
    assert act.leaky_relu(np.array([-3, 2])).tolist() == [-0.03, 2.0]
    assert act.selu(np.array([-1]))[0] == pytest.approx(-1.1113307378125628, abs=0)


@pytest.mark.parametrize("f", FUNCTIONS, ids=FUNCTION_IDS)
@pytest.mark.parametrize("value", ["1.0", None, {"a": 1}, np.array(["a"]), np.array([1j]),
                                   np.array([None], dtype=object), [[1.0], [1.0, 2.0]]],
                         ids=["str", "None", "dict", "str-array", "complex", "object", "ragged"])
def test_other_types_are_a_type_error_naming_z(f, value):
    with pytest.raises(TypeError, match="z must"):
        f(value)


@pytest.mark.parametrize("f", FUNCTIONS, ids=FUNCTION_IDS)
def test_nan_propagates(f):
    out = f(np.array([np.nan, 1.0, -1.0]))
    assert np.isnan(out[0]) and not np.isnan(out[1:]).any()


def test_limits_at_infinity():
    inf = np.array([-np.inf, np.inf])
    la = act.SELU_LAMBDA_ALPHA
    expected = {
        "relu": ([0.0, np.inf], [0.0, 1.0]),
        "leaky_relu": ([-np.inf, np.inf], [0.01, 1.0]),
        "elu": ([-1.0, np.inf], [0.0, 1.0]),
        "selu": ([-la, np.inf], [0.0, act.SELU_LAMBDA]),
        "prelu": ([-np.inf, np.inf], [0.25, 1.0]),
        "gelu": ([0.0, np.inf], [0.0, 1.0]),
        "silu": ([0.0, np.inf], [0.0, 1.0]),
        "sigmoid": ([0.0, 1.0], [0.0, 0.0]),
        "tanh": ([-1.0, 1.0], [0.0, 0.0]),
    }
    for name, (values, slopes) in expected.items():
        f, f_grad = PAIRS[name]
        assert f(inf).tolist() == pytest.approx(values, rel=1e-15), name
        assert f_grad(inf).tolist() == pytest.approx(slopes, rel=1e-15), name


def test_zero_slope_at_minus_infinity_is_zero_not_nan():
    """0 * -inf is NaN in IEEE arithmetic, but the limit of max(0, z) + 0 * min(0, z) is 0."""
    assert act.leaky_relu(-np.inf, negative_slope=0.0) == 0.0
    assert act.prelu(np.array([[-np.inf, -np.inf]]), np.array([0.0, 0.5])).tolist() == [
        [0.0, -np.inf]]


@pytest.mark.parametrize("f", FUNCTIONS, ids=FUNCTION_IDS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_no_runtime_warning_for_any_finite_input(f, dtype):
    top = min(1e308, float(np.finfo(dtype).max))
    z = np.array([-top, -1e30, -1e4, -745.2, -50.0, -1e-30, 0.0, 1e-30, 50.0, 88.8, 709.8, 1e4,
                  1e30, top], dtype=dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        f(z)


# --- SELU's constants ------------------------------------------------------------------------

def nearest_float(decimal_text):
    """Check with exact decimal arithmetic that a float64 is within half an ulp."""
    getcontext().prec = 60
    return Decimal(decimal_text)


def exact_product():
    getcontext().prec = 60
    return str(Decimal(EXACT_ALPHA) * Decimal(EXACT_LAMBDA))


@pytest.mark.parametrize("value,exact", [("SELU_ALPHA", lambda: EXACT_ALPHA),
                                         ("SELU_LAMBDA", lambda: EXACT_LAMBDA),
                                         ("SELU_LAMBDA_ALPHA", exact_product)])
def test_selu_constants_are_the_nearest_float64(value, exact):
    x = getattr(act, value)
    error = abs(Decimal(x) - nearest_float(exact()))
    assert error <= Decimal(float(np.spacing(x))) / 2


def test_the_float_product_is_one_ulp_below_the_rounded_product():
    """Why SELU_LAMBDA_ALPHA exists: multiplying the rounded constants loses one ulp."""
    product = act.SELU_LAMBDA * act.SELU_ALPHA
    assert act.SELU_LAMBDA_ALPHA - product == np.spacing(product)


def test_selu_known_values():
    assert act.selu(-1.0) == -1.1113307378125628
    assert act.selu(1.0) == act.SELU_LAMBDA
    assert act.selu(0.0) == 0.0
    assert act.selu(-np.inf) == pytest.approx(-1.7580993408473766, rel=1e-15)
    # the article's per-element formula, with the exact constants, agrees to rounding
    z = np.linspace(-5, 5, 101)
    article = [act.SELU_LAMBDA * (x if x > 0 else act.SELU_ALPHA * (np.exp(x) - 1)) for x in z]
    assert np.allclose(act.selu(z), article, rtol=1e-14, atol=1e-15)


def test_selu_and_elu_are_accurate_near_zero():
    """expm1, not exp - 1: relative accuracy for tiny negative inputs."""
    z = -1e-12
    assert act.elu(z) == pytest.approx(z, rel=1e-12)
    assert act.selu(z) == pytest.approx(act.SELU_LAMBDA * act.SELU_ALPHA * z, rel=1e-12)


def test_non_contiguous_input():
    z = np.random.default_rng(4).standard_normal((400, 1000))[:, ::3]
    assert np.array_equal(act.selu(z), act.selu(np.ascontiguousarray(z)))
    assert np.array_equal(act.elu_grad(z.T), act.elu_grad(np.ascontiguousarray(z.T)))


def test_input_is_not_modified():
    z = np.linspace(-3, 3, 7)
    before = z.copy()
    for f in FUNCTIONS:
        f(z)
    act.prelu_backward(np.ones_like(z), z, 0.3)
    assert np.array_equal(z, before)


# --- bad input -------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "call,error,match",
    [
        (lambda: act.leaky_relu([1.0], negative_slope=np.nan), ValueError,
         "negative_slope must be finite; got nan"),
        (lambda: act.elu([1.0], alpha=np.inf), ValueError, "alpha must be finite; got inf"),
        (lambda: act.leaky_relu([1.0], negative_slope="0.1"), TypeError,
         "negative_slope must be a real number"),
        (lambda: act.prelu(np.ones((2, 3)), np.ones(4)), ValueError,
         r"negative_slope must have one slope per channel: z.shape\[1\] is 3, got 4 slopes"),
        (lambda: act.prelu(np.ones((2, 3)), np.ones((3, 1))), ValueError,
         r"negative_slope must be a scalar or a 1-D array .* got shape \(3, 1\)"),
        (lambda: act.prelu(np.ones((2, 3)), [0.1, np.nan, 0.2]), ValueError,
         "negative_slope must be finite"),
        (lambda: act.prelu(np.ones((2, 3)), ["a", "b", "c"]), TypeError,
         "negative_slope must hold real"),
        (lambda: act.prelu(np.ones((2, 3)), np.ones(3), axis=2), ValueError,
         r"axis 2 is out of range for z with 2 dimensions"),
        (lambda: act.prelu(np.ones(3), np.ones(3)), ValueError,
         r"axis 1 is out of range for z with 1 dimensions.*axis=0"),
        (lambda: act.prelu(np.ones((2, 3)), np.ones(3), axis=1.0), TypeError,
         "axis must be an integer"),
        (lambda: act.prelu_backward(np.ones((2, 2)), np.ones((2, 3)), 0.1), ValueError,
         r"dout must have the shape of z, \(2, 3\); got \(2, 2\)"),
        (lambda: act.prelu_backward("x", np.ones(2), 0.1), TypeError, "dout must"),
    ],
)
def test_bad_input_names_the_parameter(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_channel_axis_may_be_negative():
    z = -np.ones((2, 3, 4))
    assert np.array_equal(act.prelu(z, np.arange(4.0), axis=-1), act.prelu(z, np.arange(4.0),
                                                                            axis=2))


def test_the_table_declares_every_activation_once():
    assert set(act.ACTIVATIONS) >= {"relu", "leaky_relu", "prelu", "elu", "selu", "gelu", "silu",
                                    "sigmoid", "tanh", "linear"}
    assert act.ACTIVATIONS["leaky_relu"].params == {"negative_slope": 0.01}  # from the signature
    assert act.ACTIVATIONS["prelu"].params == {"negative_slope": act.PRELU_INITIAL_SLOPE}
    assert act.ACTIVATIONS["elu"].params == {"alpha": 1.0}
    assert act.ACTIVATIONS["selu"].params == {} and act.ACTIVATIONS["selu"].init == "lecun"
    assert {spec.init for spec in act.ACTIVATIONS.values()} <= {"he", "lecun", "glorot"}
    assert act.available_activations() == sorted(act.ACTIVATIONS)
    assert act.get_activation("selu") == (act.selu, act.selu_grad)
    with pytest.raises(ValueError, match="activation must be one of .* got 'softplus'"):
        act.get_activation("softplus")


def test_gelu_and_silu_known_values():
    """Published values: Phi(1) = 0.8413447460685429 and sigma(1) = 0.7310585786300049."""
    z = np.array([-1.0, 0.0, 1.0])
    assert act.gelu(z).tolist() == pytest.approx([-0.15865525393145707, 0.0, 0.8413447460685429],
                                                 rel=1e-15)
    assert act.silu(z).tolist() == pytest.approx([-0.2689414213699951, 0.0, 0.7310585786300049],
                                                 rel=1e-15)
    assert act.gelu_grad(0.0) == 0.5 and act.silu_grad(0.0) == 0.5


def test_gelu_is_close_to_its_tanh_approximation():
    z = np.linspace(-8, 8, 16001)
    approximation = 0.5 * z * (1 + np.tanh(np.sqrt(2 / np.pi) * (z + 0.044715 * z**3)))
    assert np.abs(act.gelu(z) - approximation).max() < 5e-4


# --- properties ------------------------------------------------------------------------------

finite = st.floats(-1e300, 1e300, allow_nan=False)
small = st.floats(-50, 50, allow_nan=False)
vectors = arrays(np.float64, st.integers(2, 40), elements=finite)
slopes = st.floats(0, 10, allow_nan=False)


@given(vectors, slopes)
def test_monotone(z, slope):
    z = np.sort(z)
    for f in (act.relu, act.selu, act.sigmoid, act.tanh, lambda v: act.leaky_relu(v, slope),
              lambda v: act.elu(v, slope)):
        assert np.all(np.diff(f(z)) >= 0)


@given(vectors, st.floats(0, 1, allow_nan=False))
def test_leaky_relu_lies_between_its_two_parts(z, slope):
    out = act.leaky_relu(z, slope)
    assert np.all(slope * np.minimum(z, 0) <= out) and np.all(out <= np.maximum(z, 0))


@given(vectors)
def test_selu_is_bounded_below_by_its_saturation_value(z):
    assert np.all(act.selu(z) >= -act.SELU_LAMBDA_ALPHA)


@given(arrays(np.float64, st.integers(1, 40), elements=small))
def test_derivative_ranges(z):
    assert set(np.unique(act.relu_grad(z))) <= {0.0, 1.0}
    assert np.all(act.selu_grad(z) > 0)  # "SELUs cannot die": the slope never vanishes...
    assert np.all(act.selu_grad(z) <= act.SELU_LAMBDA_ALPHA)
    assert np.all((act.sigmoid_grad(z) >= 0) & (act.sigmoid_grad(z) <= 0.25))
    assert np.all((act.tanh_grad(z) >= 0) & (act.tanh_grad(z) <= 1))


# --- issue 29: derivatives at large |z| against exact arithmetic -------------------------------

def _exact_derivatives():
    """Each derivative written with exact decimal arithmetic (60 digits, any exponent), only in
    forms without cancellation: e = exp(-|z|) <= 1, so nothing overflows."""
    one, two = Decimal(1), Decimal(2)
    lam, lam_alpha = Decimal(EXACT_LAMBDA), Decimal(EXACT_LAMBDA) * Decimal(EXACT_ALPHA)

    def sigmoid(z):
        e = (-abs(z)).exp()
        return one / (one + e) if z >= 0 else e / (one + e)

    pi = Decimal("3.141592653589793238462643383279502884197169399375105820974944592307816")

    def phi(z):
        return (-z * z / two).exp() / (two * pi).sqrt()

    def mills(x):  # Phi(-x) / phi(x) for x >= 1, by its continued fraction (Laplace)
        ratio = Decimal(0)
        for k in range(3000, 0, -1):
            ratio = k / (x + ratio)
        return one / (x + ratio)

    def gelu_grad(z):  # Phi(z) + z phi(z) = phi(|z|) (|z| - R) or 1 + phi(|z|) (|z| - R)
        x = abs(z)
        tail = phi(x) * (x - mills(x))
        return -tail if z < 0 else one + tail

    return {
        "relu": lambda z: one if z > 0 else Decimal(0),
        "leaky_relu": lambda z: one if z > 0 else Decimal("0.01"),
        "prelu": lambda z: one if z > 0 else Decimal("0.25"),
        "elu": lambda z: one if z > 0 else z.exp(),
        "selu": lambda z: lam if z > 0 else lam_alpha * z.exp(),
        "gelu": gelu_grad,
        "silu": lambda z: sigmoid(z) * (one + z * sigmoid(-z)),
        "sigmoid": lambda z: sigmoid(z) * sigmoid(-z),
        "tanh": lambda z: 4 * (-2 * abs(z)).exp() / (one + (-2 * abs(z)).exp()) ** 2,
        "linear": lambda z: one,
    }


LARGE = [1.0, 2.0, 3.0, 5.0, 8.0, 9.85, 12.0, 15.0, 19.0, 20.0, 25.0, 30.0, 40.0, 60.0, 100.0,
         300.0, 1e3, 1e5, 1e30]


@pytest.mark.parametrize("name", sorted(act.ACTIVATIONS))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_every_derivative_keeps_its_digits_at_large_z(name, dtype):
    """At large |z| a derivative is tiny or close to its limit: computed as 1 - tanh(z)^2 it
    loses every digit (6 % off at z = 8 in float32, 0 beyond 19 in float64). Each must agree
    with exact arithmetic to a few units in the last place (or be below the smallest normal
    number of the dtype, where digits are lost by underflow alone)."""
    import decimal

    exact = _exact_derivatives()[name]
    values = LARGE + ([1e300] if dtype == np.float64 else [])
    z = np.array([s * v for v in values for s in (1.0, -1.0)], dtype=dtype)
    with decimal.localcontext(decimal.Context(prec=60, Emax=decimal.MAX_EMAX,
                                              Emin=decimal.MIN_EMIN)):
        expected = np.array([float(exact(Decimal(float(v)))) for v in z]).astype(dtype)
    got = PAIRS[name][1](z)
    assert got.dtype == dtype
    ulp = np.spacing(np.abs(expected)).astype(np.float64)
    error = np.abs(got.astype(np.float64) - expected.astype(np.float64))
    bad = ~(error <= 4 * ulp + float(np.finfo(dtype).tiny))
    assert not bad.any(), f"z = {z[bad]}: got {got[bad]}, exact {expected[bad]}"


def test_tanh_grad_of_the_issue():
    """Issue 29's numbers: float32 at 8 and 9.85, float64 beyond 19."""
    assert act.tanh_grad(np.float32(8.0)) == pytest.approx(4.50140e-7, rel=1e-5)
    assert act.tanh_grad(np.float32(9.85)) == pytest.approx(1.11291e-8, rel=1e-5)
    assert act.tanh_grad(19.5) == pytest.approx(4 * np.exp(-39.0), rel=1e-12, abs=0)
    assert act.tanh_grad(-400.0) == pytest.approx(4 * np.exp(-800.0), rel=1e-12, abs=0)


@pytest.mark.parametrize("f", FUNCTIONS, ids=FUNCTION_IDS)
def test_masked_arrays_are_refused_not_unmasked(f):
    """np.maximum of a masked array computes on the hidden values and drops the mask."""
    z = np.ma.masked_array([-1.0, 2.0, 3.0], mask=[False, True, False])
    with pytest.raises(TypeError, match=r"z is a masked array \(numpy.ma\); its mask would be "
                       r"lost.*z.compressed\(\) or z.filled\(0.0\)"):
        f(z)
    with pytest.raises(TypeError, match="is a masked array"):
        act.prelu_backward(z, np.ones(3), 0.25)


@pytest.mark.parametrize("value,match", [
    (None, "z must be a numpy array, a list or a real number; got NoneType"),
    ([None, 1.0], r"z must be an array of real numbers; got a list holding None \(NoneType\), "
     "which is not a number"),
    ([[1.0, 2.0], [None, 3.0]], "got a list holding None"),  # None is not "ragged"
    ([[1.0], [1.0, 2.0]], "got a ragged list"),
    ("3", "z must be a numpy array, a list or a real number; got str"),
])
def test_none_and_strings_are_named_as_such(value, match):
    with pytest.raises(TypeError, match=match):
        act.relu(value)


@pytest.mark.parametrize("value", [2**70, -(2**70), [1.0, 2**70], [[1.0, 2.0], [3.0, 2**64]]],
                         ids=["int", "negative", "in a list", "nested"])
def test_an_integer_beyond_int64_is_named_not_called_ragged(value):
    """Fuzz campaign: 2**70 was reported as a "ragged" list (rows of different lengths)."""
    with pytest.raises(TypeError, match=r"z must be an array of real numbers; got (a list "
                       r"holding )?the integer -?\d+, beyond int64: too large") as caught:
        act.relu(value)
    assert "ragged" not in str(caught.value)


@pytest.mark.parametrize("value", [np.inf, -np.inf, np.nan])
def test_prelu_backward_propagates_a_non_finite_dout_without_a_warning(value):
    """Fuzz campaign: dout with -inf raised a RuntimeWarning (inf * 0 in the slope's sum)."""
    dz, dslope = act.prelu_backward([[value, 1.0]], [[2.0, -1.0]], 0.0)
    assert not np.isfinite(dz[0, 0]) and not np.isfinite(dslope)
