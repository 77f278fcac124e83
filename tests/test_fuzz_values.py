"""Fuzz the values, not the arguments: hypothesis draws inputs of every dtype, layout and
magnitude, and each helper must either match an independent reference or raise a clear
ValueError. A third outcome — a number that is silently wrong — is what these tests hunt.

The references are written separately from the helpers: activations with Python's `math`
module, one element at a time; normalisation and the loss with exact rational arithmetic
(fractions); the moment map by numerical integration (scipy).
"""

import math
import warnings
from fractions import Fraction

import numpy as np
import pytest
from fuzzing import FUZZ
from hypothesis import assume, given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from helpers import activations as act
from helpers import checking, nb01, nb02, nb03, nb04, nb05
from helpers._validation import DivergedError
from helpers.gradcheck import numerical_gradient
from helpers.layers import (
    ELU,
    SELU,
    AlphaDropout,
    BatchNorm1d,
    Dropout,
    LayerNorm,
    LeakyReLU,
    Linear,
    PReLU,
    ReLU,
    Residual,
    RMSNorm,
    Sequential,
    Sigmoid,
    Tanh,
)
from helpers.losses import softmax_cross_entropy
from helpers.scalers import MinMaxScaler, StandardScaler
from helpers.selu_theory import MIN_VARIANCE, derive_selu_constants, moment_map

DTYPES = (np.float16, np.float32, np.float64)


# --- activations against Python's math module ----------------------------------------------------

def _sigmoid(z):
    if z >= 0:
        return 1 / (1 + math.exp(-z))
    e = math.exp(z)
    return e / (1 + e)


def _cdf(z):
    return 0.5 * math.erfc(-z / math.sqrt(2))


def _pdf(z):
    return math.exp(-z * z / 2) / math.sqrt(2 * math.pi) if abs(z) < 1e150 else 0.0


def _sech2(z):
    return 4 * math.exp(-2 * abs(z)) if abs(z) > 20 else 1 / math.cosh(z) ** 2


LAM, LAM_ALPHA = act.SELU_LAMBDA, act.SELU_LAMBDA_ALPHA

# name -> (f, f', the parameter and its range or None)
REFERENCE = {
    "relu": (lambda z: max(z, 0.0), lambda z: float(z > 0), None),
    "leaky_relu": (lambda z, a: z if z > 0 else a * z, lambda z, a: 1.0 if z > 0 else a,
                   ("negative_slope", -10.0, 10.0)),
    "elu": (lambda z, a: z if z > 0 else a * math.expm1(z),
            lambda z, a: 1.0 if z > 0 else a * math.exp(z), ("alpha", 0.0, 10.0)),
    "selu": (lambda z: LAM * z if z > 0 else LAM_ALPHA * math.expm1(z),
             lambda z: LAM if z > 0 else LAM_ALPHA * math.exp(z), None),
    "gelu": (lambda z: z * _cdf(z), lambda z: _cdf(z) + z * _pdf(z), None),
    "silu": (lambda z: z * _sigmoid(z), lambda z: _sigmoid(z) * (1 + z * _sigmoid(-z)), None),
    "sigmoid": (_sigmoid, lambda z: _sigmoid(z) * _sigmoid(-z), None),
    "tanh": (math.tanh, _sech2, None),
    "linear": (lambda z: z, lambda z: 1.0, None),
}
# Derivatives with a zero (gelu' near -0.75, silu' near -1.28) are a difference of two O(1)
# terms there: accurate to the dtype's eps in absolute terms, not relative to a tiny result.
# (tanh' has no zero: computed without cancellation, it is held to a few ulps everywhere.)
ABSOLUTE = {"gelu_grad", "silu_grad"}


def _ulps(name, z):
    """Tolerance in units in the last place. GELU goes through erfc(-z / sqrt 2): rounding the
    argument alone costs scipy's ndtr and math.erfc about z^2 ulps each (ndtr(-2) is 5 ulps
    low, ndtr(-5) 16), so GELU gets 8 + 2 z^2; everything else 4."""
    if name != "gelu":
        return 4
    with np.errstate(over="ignore"):
        return 8 + 2 * np.square(z.astype(np.float64))


def test_the_reference_covers_every_activation_but_prelu():
    assert set(REFERENCE) == set(act.ACTIVATIONS) - {"prelu"}  # prelu: test_activations


@st.composite
def arrays_in_any_layout(draw, dtypes=DTYPES, min_dims=0, max_dims=3, elements=None):
    """A finite array of a drawn dtype, seen as C-ordered, Fortran-ordered, a strided view or
    a reversed view. Returns (view, a C-contiguous copy of it)."""
    dtype = draw(st.sampled_from(dtypes))
    shape = draw(hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=1,
                                  max_side=5))
    width = np.finfo(dtype).bits
    values = st.floats(allow_nan=False, allow_infinity=False, width=width)
    values = values if elements is None else elements
    big = draw(hnp.arrays(dtype, tuple(2 * s for s in shape), elements=values))
    layout = draw(st.sampled_from(["C", "F", "strided", "reversed"]))
    if layout == "strided":
        view = big[tuple(slice(None, None, 2) for _ in shape)]
    elif layout == "reversed":
        view = big[tuple(slice(s - 1, None, -1) for s in shape)]
    else:
        view = np.array(big[tuple(slice(0, s) for s in shape)], order=layout)
    return view, np.array(view, order="C")  # (ascontiguousarray would make 0-d 1-d)


def _elementwise_reference(fn, z, dtype, *params):
    out = np.array([fn(float(v), *params) for v in z.ravel()], dtype=np.float64)
    with np.errstate(over="ignore"):  # beyond the dtype's range the answer is inf
        return out.reshape(z.shape).astype(dtype)


def _assert_close(got, expected, dtype, absolute, where, ulps=4):
    info = np.finfo(dtype)
    g, e = got.astype(np.float64), expected.astype(np.float64)
    assert np.array_equal(np.isfinite(g), np.isfinite(e)), where
    finite = np.isfinite(e)
    with np.errstate(over="ignore", invalid="ignore"):
        ulp = np.spacing(np.abs(expected).astype(dtype)).astype(np.float64)
        error = np.where(finite, np.abs(g - e), 0.0)
        # a few units in the last place, and anything below the smallest normal (underflow)
        tolerance = ulps * ulp + float(info.tiny) + (2 * float(info.eps) if absolute else 0.0)
    bad = finite & ~(error <= tolerance)
    assert not bad.any(), (f"{where}: z = {where[-1].ravel()[np.argmax(bad.ravel())]!r}, got "
                           f"{g[bad][0]!r}, expected {e[bad][0]!r}")
    assert np.array_equal(g[~finite], e[~finite]), where  # +-inf where the result overflows


@pytest.mark.parametrize("name", sorted(REFERENCE))
@FUZZ
@given(data=st.data())
def test_activation_matches_math_in_every_dtype_and_layout(name, data):
    f, df, param = REFERENCE[name]
    z, contiguous = data.draw(arrays_in_any_layout(), label="z")
    before = z.copy()
    params = ()
    if param is not None:
        key, lo, hi = param
        value = data.draw(st.floats(lo, hi), label=key)
        params = (float(z.dtype.type(value)),)  # the helpers use the slope in z's dtype
    for function, reference in ((getattr(act, name), f), (getattr(act, f"{name}_grad"), df)):
        kwargs = {param[0]: value} if param else {}
        got = function(z, **kwargs)
        assert got.dtype == z.dtype and got.shape == z.shape, function.__name__
        expected = _elementwise_reference(reference, z, z.dtype, *params)
        _assert_close(got, expected, z.dtype, function.__name__ in ABSOLUTE,
                      (function.__name__, z), ulps=_ulps(name, z))
        # the layout of the input never changes a bit of the answer
        assert np.array_equal(got, function(contiguous, **kwargs)), function.__name__
    assert np.array_equal(z, before)  # the input is not modified


# --- layers: layouts, dtypes and a caller who reuses the input buffer ------------------------

LAYERS = {
    "Linear": lambda: Linear(4, 3, rng=np.random.default_rng(0)),
    "BatchNorm1d": lambda: BatchNorm1d(4),
    "LayerNorm": lambda: LayerNorm(4),
    "RMSNorm": lambda: RMSNorm(4),
    "Residual": lambda: Residual(Sequential(Linear(4, 4, rng=np.random.default_rng(1)), Tanh())),
    "PReLU": lambda: PReLU(4),
    "Dropout": lambda: Dropout(0.5, rng=np.random.default_rng(0)),
    "AlphaDropout": lambda: AlphaDropout(0.5, rng=np.random.default_rng(0)),
    "ReLU": ReLU, "LeakyReLU": LeakyReLU, "ELU": ELU, "SELU": SELU, "Tanh": Tanh,
    "Sigmoid": Sigmoid,
}


@pytest.mark.parametrize("name", sorted(LAYERS))
@FUZZ
@given(data=st.data())
def test_layers_ignore_layout_keep_dtype_and_own_their_input(name, data):
    n = data.draw(st.integers(2, 5), label="batch")
    dtype = data.draw(st.sampled_from([np.float32, np.float64]), label="dtype")
    layout = data.draw(st.sampled_from(["F", "strided", "reversed"]), label="layout")
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1), label="seed"))
    big = (rng.standard_normal((2 * n, 8)) * 3).astype(dtype)
    x = {"F": np.asfortranarray(big[:n, :4]), "strided": big[::2, ::2],
         "reversed": big[n - 1::-1, 3::-1]}[layout]
    x_c = np.ascontiguousarray(x)
    dout = rng.standard_normal((n, 3 if name == "Linear" else 4)).astype(dtype)

    reference, layer = LAYERS[name](), LAYERS[name]()
    out_c = reference.forward(x_c)
    dx_c = reference.backward(dout)
    out = layer.forward(x)
    x[...] = 7.0  # the caller reuses its buffer: backward must still see the batch
    dx = layer.backward(np.asfortranarray(dout))
    tolerance = dict(rtol=8 * np.finfo(dtype).eps, atol=8 * np.finfo(dtype).eps)
    assert out.dtype == dx.dtype == dtype
    np.testing.assert_allclose(out, out_c, **tolerance)
    np.testing.assert_allclose(dx, dx_c, **tolerance)
    for key in layer.grads:
        np.testing.assert_allclose(layer.grads[key], reference.grads[key], **tolerance)


# --- normalisation at every scale: exact, or a clear error -------------------------------------

EPS64 = np.finfo(np.float64).eps


@st.composite
def features_at_any_scale(draw):
    """(N, D) float64 data: each feature offset by up to 1e300 and spread by 1e-300 to 1e300."""
    n, d = draw(st.integers(2, 6)), draw(st.integers(1, 3))
    base = draw(hnp.arrays(np.float64, (n, d), elements=st.floats(-1, 1)))
    exponents = draw(hnp.arrays(np.int64, (2, d), elements=st.integers(-300, 300)))
    offsets = draw(hnp.arrays(np.float64, d, elements=st.floats(-1, 1))) * 10.0 ** exponents[0]
    return offsets + base * 10.0 ** exponents[1]


def _exact_columns(X, eps=0.0):
    """Per column, with exact rational arithmetic on the float64 inputs: the mean, the (ddof 0)
    variance, sqrt(var + eps) and (x - mean) / sqrt(var + eps), the last three rounded once."""
    columns = []
    for column in X.T:
        values = [Fraction(float(v)) for v in column]
        mean = sum(values) / len(values)
        var = sum((v - mean) ** 2 for v in values) / len(values)
        huge = var + Fraction(eps) > Fraction(np.finfo(np.float64).max)
        sd = math.inf if huge else math.sqrt(var + Fraction(eps))
        standardized = [0.0 if huge or sd == 0 else float((v - mean) / Fraction(sd))
                        for v in values]
        columns.append((mean, var, sd, np.array(standardized)))
    return columns


def _overflows(X, columns):
    """May an honest float64 implementation overflow? (its variance or range is near max)"""
    with np.errstate(over="ignore"):
        span = np.ptp(X, axis=0)
    return bool(any(var * X.shape[0] > Fraction(1e300) for _, var, _, _ in columns)
                or np.any(span > 1e150))


def _assert_standardized(got, column, x, stored_mean=False):
    """The error of a correct implementation: one rounding of the shifted data per sample,
    divided by the spread, plus a few roundings of the result. A scaler also stores the mean
    as one float64 to apply it later: that rounding, eps |mean| / sd, is inherent too."""
    mean, _, sd, exact = column
    with np.errstate(over="ignore"):
        span = float(np.ptp(x))
    stored = abs(float(mean)) / sd if stored_mean else 0.0
    tolerance = 64 * len(x) * EPS64 * (span / sd + stored + np.abs(exact).max() + 1)
    assert np.all(np.abs(got - exact) <= tolerance), (x, got, exact)


@pytest.mark.parametrize("kind", ["BatchNorm1d", "LayerNorm"])
@FUZZ
@given(X=features_at_any_scale())
def test_norm_layers_are_right_at_every_scale_or_say_they_overflow(kind, X):
    """BatchNorm1d normalises columns, LayerNorm rows: LayerNorm gets the transposed data."""
    columns = _exact_columns(X, eps=1e-5)
    layer = BatchNorm1d(X.shape[1]) if kind == "BatchNorm1d" else LayerNorm(X.shape[0])
    try:
        out = layer.forward(X if kind == "BatchNorm1d" else X.T.copy())
    except ValueError as err:
        assert "overflow" in str(err) and _overflows(X, columns), (X, err)
        return
    out = out if kind == "BatchNorm1d" else out.T
    assert np.isfinite(out).all()
    for j, column in enumerate(columns):
        _assert_standardized(out[:, j], column, X[:, j])


@FUZZ
@given(X=features_at_any_scale())
def test_standard_scaler_is_right_at_every_scale_or_says_it_overflows(X):
    columns = _exact_columns(X)
    try:
        scaler = StandardScaler().fit(X)
    except ValueError as err:
        assert "overflow" in str(err) and _overflows(X, columns), (X, err)
        return
    out, n = scaler.transform(X), X.shape[0]
    for j, (mean, var, _, _) in enumerate(columns):
        # scikit-learn's rule: a variance at the level of rounding means a constant feature
        bound = n * Fraction(EPS64) * var + (n * mean * Fraction(EPS64)) ** 2
        if var > 4 * bound and var > 1e-300:  # clearly not constant (and representable)
            assert scaler.scale_[j] != 1.0 or abs(var - 1) < 1e-6
            _assert_standardized(out[:, j], columns[j], X[:, j], stored_mean=True)
        elif 4 * var < bound:  # clearly constant: centred only
            assert scaler.scale_[j] == 1.0
            np.testing.assert_allclose(out[:, j], [float(Fraction(float(v)) - mean)
                                                   for v in X[:, j]],
                                       atol=4 * n * EPS64 * np.abs(X[:, j]).max())


@FUZZ
@given(X=features_at_any_scale())
def test_min_max_scaler_is_right_at_every_scale_or_says_it_overflows(X):
    low, high = X.min(axis=0), X.max(axis=0)
    span = [float(Fraction(float(h)) - Fraction(float(lo)))
            for lo, h in zip(low, high, strict=True)]
    try:
        out = MinMaxScaler().fit_transform(X)
    except ValueError as err:
        assert "overflow" in str(err) and max(span) > np.finfo(np.float64).max / 2, (X, err)
        return
    assert np.isfinite(out).all() and out.min() >= 0 and out.max() <= 1
    for j, s in enumerate(span):
        if s == 0:
            assert np.all(out[:, j] == 0)
        else:
            exact = [float((Fraction(float(v)) - Fraction(float(low[j]))) / Fraction(s))
                     for v in X[:, j]]
            np.testing.assert_allclose(out[:, j], exact, rtol=0, atol=8e-16)


# --- numerical gradients do not care how x is laid out ---------------------------------------

@FUZZ
@given(data=st.data())
def test_numerical_gradient_is_the_same_for_every_layout(data):
    x, contiguous = data.draw(arrays_in_any_layout(dtypes=(np.float64,), min_dims=1,
                                                   elements=st.floats(-3, 3)), label="x")
    weights = np.arange(1.0, x.size + 1).reshape(x.shape)

    def f(v):  # weights follow the logical index, not the memory order
        return float(np.sum(np.sin(v) * weights))

    before = x.copy()
    grad = numerical_gradient(f, x)
    assert np.array_equal(x, before)
    assert grad.shape == x.shape
    assert np.array_equal(grad, numerical_gradient(f, contiguous))
    np.testing.assert_allclose(grad, np.cos(x) * weights, rtol=1e-6, atol=1e-6 * weights.max())


# --- SELU theory: the closed forms against integration, at any scale -------------------------

def _moments_by_integration(m, v):
    from scipy import integrate, stats
    pdf = stats.norm(m, math.sqrt(v)).pdf
    s = math.sqrt(v)
    edges = sorted({m - 40 * s, min(max(0.0, m - 40 * s), m + 40 * s), m + 40 * s})
    pieces = list(zip(edges[:-1], edges[1:], strict=True))

    def integral(g):
        return sum(integrate.quad(lambda z: g(z) * pdf(z), a, b, epsabs=0, epsrel=1e-12,
                                  limit=200)[0] for a, b in pieces)

    def f(z):
        return LAM * z if z > 0 else LAM_ALPHA * math.expm1(z)

    first = integral(f)
    return first, integral(lambda z: (f(z) - first) ** 2)


@FUZZ
@given(mu=st.floats(-3, 3), nu=st.floats(0.01, 10), omega=st.floats(-3, 3),
       tau=st.floats(0.1, 3))
def test_moment_map_matches_integration(mu, nu, omega, tau):
    mean, var = moment_map(mu, nu, omega=omega, tau=tau)
    ref_mean, ref_var = _moments_by_integration(mu * omega, nu * tau)
    assert mean == pytest.approx(ref_mean, rel=1e-8, abs=1e-10)
    assert var == pytest.approx(ref_var, rel=1e-7, abs=1e-10)


@FUZZ
@given(m=st.floats(-1e300, 1e300) | st.floats(-50, 50),
       v=st.floats(MIN_VARIANCE, 1e300) | st.floats(MIN_VARIANCE, 1))
def test_moment_map_far_from_zero_is_linear_or_saturated(m, v):
    """Beyond 40 standard deviations from 0, z stays on one side (the other has probability
    below 1e-349): selu(z) is lam z, or lam alpha (e^z - 1) with e^z log-normal."""
    s = math.sqrt(v)
    # (for m < 0 the weight e^z z-density must peak below 0 too: m + 2v < -40 s)
    assume(m > 40 * s or m + 2 * v < -40 * s)
    try:
        mean, var = moment_map(m, v, omega=1.0, tau=1.0)
    except ValueError as err:
        assert "overflow" in str(err), err
        assert LAM * LAM * v > 1e307 or LAM * abs(m) > 1e307
        return
    if m > 0:
        assert mean == pytest.approx(LAM * m, rel=1e-12)
        assert var == pytest.approx(LAM * LAM * v, rel=1e-9)
    else:  # E[e^z] = e^(m + v/2), Var[e^z] = e^(2m + v) (e^v - 1)
        assert mean == pytest.approx(LAM_ALPHA * math.expm1(m + v / 2), rel=1e-9)
        # (the variance's own limit: it cancels to O(v), relative error ~ 1e-16 / v)
        log_expm1 = v + math.log1p(-math.exp(-v)) if v > 1 else math.log(math.expm1(v))
        assert var == pytest.approx(LAM_ALPHA**2 * math.exp(2 * m + v + log_expm1),
                                    rel=1e-12 + 1e-14 / v, abs=1e-300)


@FUZZ
@given(mean=st.floats(-3, 3), var=st.floats(1e-6, 1e3), omega=st.floats(-2, 2),
       tau=st.floats(0.1, 3))
def test_derived_constants_are_a_true_fixed_point_or_a_clear_error(mean, var, omega, tau):
    try:
        alpha, lam = derive_selu_constants(mean, var, omega=omega, tau=tau)
    except ValueError as err:
        message = str(err)
        assert "no SELU-type activation" in message or (
            "var * tau must be >=" in message and var * tau < MIN_VARIANCE), err
        return
    assert alpha >= 0 and lam > 0
    got = moment_map(mean, var, omega=omega, tau=tau, alpha=alpha, lam=lam)
    assert got == pytest.approx((mean, var), rel=1e-7, abs=1e-9 * max(1.0, var))


# --- the loss at extreme logits -------------------------------------------------------------

@FUZZ
@given(logits=hnp.arrays(np.float64, st.tuples(st.integers(1, 4), st.integers(2, 5)),
                         elements=st.floats(-1e308, 1e308)), data=st.data())
def test_cross_entropy_at_extreme_logits(logits, data):
    labels = data.draw(hnp.arrays(np.int64, logits.shape[0],
                                  elements=st.integers(0, logits.shape[1] - 1)), label="labels")
    exact = []
    # log-sum-exp with exact rationals past the row's maximum
    for row, label in zip(logits, labels, strict=True):
        top = Fraction(float(row.max()))
        gaps = [Fraction(float(v)) - top for v in row]
        total = sum(math.exp(float(max(g, Fraction(-800)))) for g in gaps)
        exact.append(-gaps[label] + Fraction(math.log(total)))
    expected = sum(exact) / len(exact)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        try:
            loss, dlogits = softmax_cross_entropy(logits, labels)
        except DivergedError as err:  # a spread beyond float64: the loss would be ~1e308 too
            assert "differ by more than float64 can hold" in str(err)
            largest = Fraction(float(np.finfo(np.float64).max))
            assert any(Fraction(float(row.max())) - Fraction(float(row.min())) > largest
                       for row in logits), (logits, err)
            return
    if expected > Fraction(1e307):
        assert loss > 1e306  # too large for float64: inf or close to the largest float
    else:
        assert loss == pytest.approx(float(expected), rel=1e-12, abs=1e-12)
    assert np.isfinite(dlogits).all()
    np.testing.assert_allclose(dlogits.sum(axis=1), 0, atol=1e-15)


# --- checkers: any answer, however broken, gets feedback and never a traceback ----------------

CHECKERS = {
    "check_relu_grad": nb01.check_relu_grad,
    "check_dead_fractions": nb01.check_dead_fractions,
    "check_prelu": nb02.check_prelu,
    "check_prelu_backward": nb02.check_prelu_backward,
    "check_selu_grad": nb03.check_selu_grad,
    "check_batchnorm_forward": nb04.check_batchnorm_forward,
    "check_train_only_scaler": nb04.check_train_only_scaler,
    "check_output_length": nb05.check_output_length,
    "check_group_norm": nb05.check_group_norm,
}

JUNK = st.one_of(
    st.none(), st.just(Ellipsis), st.text(max_size=5), st.booleans(), st.integers(),
    st.floats(), st.complex_numbers(), st.just(object()),
    st.lists(st.floats(), max_size=4), st.lists(st.lists(st.floats(), max_size=3), max_size=3),
    st.tuples(st.floats(), st.text(max_size=2)),
    st.dictionaries(st.text(max_size=2), st.floats(), max_size=2),
    hnp.arrays(st.sampled_from([np.float16, np.float32, np.float64, np.int64, np.bool_,
                                np.complex128, object]),
               hnp.array_shapes(min_dims=0, max_dims=3, max_side=4)),
)


@st.composite
def broken_answers(draw):
    """A candidate function that returns junk, raises, mutates its inputs or echoes them."""
    behaviour = draw(st.sampled_from(["return", "raise", "mutate", "echo", "recurse"]))
    value = draw(JUNK)
    error = draw(st.sampled_from([ValueError, TypeError, ZeroDivisionError, IndexError,
                                  FloatingPointError, OverflowError, MemoryError]))

    def candidate(*args):
        if behaviour == "raise":
            raise error("broken")
        if behaviour == "recurse":
            return candidate(*args)
        if behaviour == "mutate":
            for a in args:
                if isinstance(a, np.ndarray) and a.size:
                    a[...] = np.nan
        if behaviour == "echo":
            return args if len(args) > 1 else args[0]
        return value

    candidate.__name__ = f"{behaviour} {value!r:.30}"
    return candidate


@pytest.mark.parametrize("name", sorted(CHECKERS))
@FUZZ
@given(answer=broken_answers())
def test_a_broken_answer_gets_feedback_not_a_traceback(name, answer):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        feedback = CHECKERS[name](answer)
    assert isinstance(feedback, checking.Feedback)
    assert feedback.message.startswith(("Not yet:", "Correct!")) and feedback.message.strip()


@FUZZ
@given(answer=st.one_of(JUNK, st.tuples(JUNK, JUNK), st.tuples(st.floats(), st.floats())))
def test_a_broken_fixed_point_answer_gets_feedback(answer):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        feedback = nb03.check_fixed_point_constants(answer)
    assert isinstance(feedback, checking.Feedback) and feedback.message.strip()
