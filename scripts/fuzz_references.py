"""What a correct result is, for the fuzzing campaign (scripts/fuzz_campaign.py).

Two parts:

- `REFERENCES`: registry name -> reference(kwargs, result), which returns None when `result`
  (what the helper returned for `kwargs`, a copy taken before the call) is right, or a
  sentence saying what is wrong. Written independently of the helpers: activations with
  Python's `math` element by element (tests/test_fuzz_values.py's REFERENCE), normalisation
  with exact fractions, the moment map with mpmath, layers' backward passes with PyTorch, the
  diagnostics with a walk of the model written here.
- `reference_cases()`: inputs chosen for a reference, beyond the registry's: every layer
  against PyTorch (forward, backward, running statistics), the optimizers against
  torch.optim, the initialisers over many draws, the loss at extreme logits.

A reference judges only what it can: where it has no answer (the moment map at 1e200, say)
it returns None and the campaign's generic checks (no NaN or inf from finite inputs) remain.
"""

import copy
import dataclasses
import math
import statistics
import sys
from fractions import Fraction

import mpmath
import numpy as np
import test_fuzz_values as tfv

from helpers import layers, optim
from helpers.activations import SELU_ALPHA, SELU_LAMBDA

REFERENCES = {}


def reference(*names):
    """Register a reference for these registry names."""
    def register(fn):
        for name in names:
            REFERENCES[name] = fn
        return fn
    return register


def _float_array(value):
    a = np.asarray(value)
    return a if a.dtype.kind == "f" else a.astype(np.float64)


def _first(mask):
    return tuple(int(i) for i in np.argwhere(mask)[0]) if np.ndim(mask) else ()


def _elementwise_problem(got, expected, dtype, *, ulps=4, absolute=False, where=""):
    """Compare an elementwise result with its reference (already in `dtype`): NaN where the
    reference is NaN, the same infinities, finite values to `ulps` units in the last place
    (tests/test_fuzz_values.py's rule)."""
    got = np.asarray(got)
    if got.shape != expected.shape:
        return f"{where}shape {got.shape}, expected {expected.shape}"
    if got.dtype != dtype:
        return f"{where}dtype {got.dtype}, expected {np.dtype(dtype)} (the input's)"
    g, e = got.astype(np.float64), expected.astype(np.float64)
    for test, what in [(np.isnan, "NaN"), (np.isinf, "inf")]:
        bad = test(g) != test(e)
        if bad.any():
            i = _first(bad)
            return f"{where}{what} mismatch at {i}: got {g[i]!r}, expected {e[i]!r}"
    infinite = np.isinf(e)
    if np.any(g[infinite] != e[infinite]):
        i = _first(infinite & (g != e))
        return f"{where}at {i}: got {g[i]!r}, expected {e[i]!r}"
    info = np.finfo(dtype)
    finite = np.isfinite(e)
    with np.errstate(all="ignore"):
        ulp = np.spacing(np.abs(expected).astype(dtype)).astype(np.float64)
        tolerance = ulps * ulp + float(info.tiny) + (2 * float(info.eps) if absolute else 0.0)
        bad = finite & ~(np.abs(g - e) <= tolerance)
    if bad.any():
        i = _first(bad)
        return f"{where}at {i}: got {g[i]!r}, expected {e[i]!r}"
    return None


def _at_limits(f):
    """f extended to NaN (NaN) and +-inf (the limit: f's value there when Python's math gives
    one, else its value at +-float max, read as +-inf when it is beyond 1e300)."""
    def g(z, *params):
        if math.isnan(z):
            return math.nan
        if math.isinf(z):
            try:
                value = f(z, *params)
            except (OverflowError, ValueError):
                value = math.nan
            if not math.isnan(value):
                return value
            value = f(math.copysign(sys.float_info.max, z), *params)
            return math.copysign(math.inf, value) if abs(value) > 1e300 else value
        return f(z, *params)
    return g


def _elementwise_expected(f, z, params=(), per_element=None):
    """f at every element of z (float64 arithmetic in Python), rounded once to z's dtype.
    per_element: arrays (broadcast to z) whose elements are f's extra arguments."""
    dtype = z.dtype
    f = _at_limits(f)
    flat = z.astype(np.float64).ravel()
    if per_element is not None:
        extra = [np.broadcast_to(p, z.shape).astype(np.float64).ravel() for p in per_element]
        out = [f(float(v), *(float(p[i]) for p in extra)) for i, v in enumerate(flat)]
    else:
        out = [f(float(v), *params) for v in flat]
    with np.errstate(over="ignore"):
        return np.array(out, dtype=np.float64).reshape(z.shape).astype(dtype)


def _activation_reference(name, derivative):
    f, df, param = tfv.REFERENCE[name]
    fn = df if derivative else f
    function_name = f"{name}_grad" if derivative else name

    def check(kwargs, result):
        z = _float_array(kwargs["z"])
        params = ()
        if param is not None:
            params = (float(z.dtype.type(kwargs[param[0]])),)  # the slope in z's dtype
        expected = _elementwise_expected(fn, z, params)
        return _elementwise_problem(result, expected, z.dtype, ulps=tfv._ulps(name, z),
                                    absolute=function_name in tfv.ABSOLUTE)
    return check


for _name in tfv.REFERENCE:
    reference(f"activations.{_name}")(_activation_reference(_name, False))
    reference(f"activations.{_name}_grad")(_activation_reference(_name, True))


def _channel_slopes(z, slope, axis):
    a = np.asarray(slope).astype(z.dtype)
    if a.ndim == 0:
        return a
    shape = [1] * z.ndim
    shape[axis] = -1
    return a.reshape(shape)


def _rectifier(z, a):
    return z if z > 0 else (0.0 if a == 0 and math.isinf(z) else a * z)


def _rectifier_slope(z, a):
    return 1.0 if z > 0 else a


def _prelu_reference(fn):
    def check(kwargs, result):
        z = _float_array(kwargs["z"])
        slopes = _channel_slopes(z, kwargs["negative_slope"], kwargs.get("axis", 1))
        return _elementwise_problem(result, _elementwise_expected(fn, z, per_element=[slopes]),
                                    z.dtype)
    return check


reference("activations.prelu")(_prelu_reference(_rectifier))
reference("activations.prelu_grad")(_prelu_reference(_rectifier_slope))


@reference("activations.prelu_backward")
def _prelu_backward(kwargs, result):
    z, dout = _float_array(kwargs["z"]), _float_array(kwargs["dout"])
    axis = kwargs.get("axis", 1)
    slopes = _channel_slopes(z, kwargs["negative_slope"], axis)
    dz, dslope = result
    a = np.broadcast_to(slopes, z.shape).astype(np.float64)
    expected_dz = np.where(z > 0, 1.0, a) * dout.astype(np.float64)
    expected_dz[np.isnan(z)] = np.nan
    problem = _close(dz, expected_dz, np.result_type(z, dout), "dz", scale=0.0)
    if problem:
        return problem
    terms = dout.astype(np.float64) * np.minimum(z.astype(np.float64), 0)
    if np.ndim(kwargs["negative_slope"]) == 0:
        exact, scale = math.fsum(terms.ravel()), float(np.abs(terms).sum())
        return _close_sum(dslope, np.array(exact), np.array(scale), z.dtype, "dslope")
    channel = axis % z.ndim
    moved = np.moveaxis(terms, channel, 0).reshape(z.shape[channel], -1)
    exact = np.array([math.fsum(row) for row in moved])
    return _close_sum(dslope, exact, np.abs(moved).sum(axis=1), z.dtype, "dslope")


def _close(got, expected, dtype, what, rtol=None, scale=None):
    """Agreement to `rtol` (default 16 eps of `dtype`) of each value, or of `scale` (default:
    a thousandth of the largest value) where that is larger: a value computed as a
    difference of larger terms is only as accurate as those terms."""
    got = np.asarray(got, dtype=np.float64)
    with np.errstate(over="ignore"):  # beyond the dtype's range the answer is inf
        expected = np.asarray(expected, dtype=np.float64).astype(dtype).astype(np.float64)
    if got.shape != expected.shape:
        return f"{what}: shape {got.shape}, expected {expected.shape}"
    if not np.array_equal(np.isnan(got), np.isnan(expected)):
        return f"{what}: NaN where the reference has none (or the reverse)"
    finite = np.isfinite(expected)
    if not np.array_equal(np.isfinite(got), finite) or np.any(got[~finite & ~np.isnan(
            expected)] != expected[~finite & ~np.isnan(expected)]):
        return f"{what}: inf where the reference is finite (or the reverse)"
    rtol = 16 * np.finfo(dtype).eps if rtol is None else rtol
    if scale is None:
        scale = 1e-3 * np.abs(expected[finite]).max(initial=0.0)
    bad = finite & ~(np.abs(got - expected) <= rtol * (np.abs(expected) + scale) + 1e-300)
    if bad.any():
        i = _first(bad)
        return f"{what} at {i}: got {got[i]!r}, expected {expected[i]!r}"
    return None


def _close_sum(got, exact, scale, dtype, what):
    """A sum against its exact value, to a few eps of the sum of the terms' magnitudes."""
    got, exact = np.asarray(got, dtype=np.float64), np.asarray(exact, dtype=np.float64)
    if got.shape != exact.shape:
        return f"{what}: shape {got.shape}, expected {exact.shape}"
    same = (got == exact) | (np.isnan(got) & np.isnan(exact))
    tolerance = 8 * np.finfo(dtype).eps * np.asarray(scale) + 1e-300
    bad = ~same & ~(np.abs(got - exact) <= tolerance)
    if bad.any():
        i = _first(bad)
        return f"{what} at {i}: got {got[i]!r}, expected {exact[i]!r}"
    return None


# --- normalisation: exact fractions --------------------------------------------------------------

def _standardized_problem(got, x, eps, axis, what="out"):
    """(x - mean) / sqrt(var + eps) along `axis` (0: columns, 1: rows), against exact rational
    arithmetic; the error allowed is that of a correct float implementation in x's dtype."""
    x = _float_array(x)
    got = np.asarray(got)
    if got.shape != x.shape:
        return f"{what}: shape {got.shape}, expected {x.shape}"
    if got.dtype != x.dtype:
        return f"{what}: dtype {got.dtype}, expected {x.dtype} (the input's)"
    data = x.astype(np.float64) if axis == 0 else x.astype(np.float64).T
    out = got.astype(np.float64) if axis == 0 else got.astype(np.float64).T
    eps_dtype = np.finfo(x.dtype).eps
    for j, (_, _, sd, exact) in enumerate(tfv._exact_columns(data, eps=eps)):
        if not np.all(np.isfinite(out[:, j])):
            return f"{what}: non-finite values for finite input"
        column = data[:, j]
        with np.errstate(over="ignore"):
            span = float(np.ptp(column))
        tolerance = 64 * len(column) * eps_dtype * (span / sd + np.abs(exact).max() + 1)
        if not np.all(np.abs(out[:, j] - exact) <= tolerance):
            i = int(np.argmax(np.abs(out[:, j] - exact)))
            return (f"{what}: {'column' if axis == 0 else 'row'} {j}, entry {i}: got "
                    f"{out[i, j]!r}, exact {exact[i]!r}")
    return None


@reference("layers.BatchNorm1d.forward")
def _batchnorm_forward(kwargs, result):
    return _standardized_problem(result, kwargs["x"], 1e-5, axis=0)


@reference("layers.LayerNorm.forward")
def _layernorm_forward(kwargs, result):
    return _standardized_problem(result, kwargs["x"], 1e-5, axis=1)


@reference("layers.RMSNorm.forward")
def _rmsnorm_forward(kwargs, result):
    x = _float_array(kwargs["x"])
    mpmath.mp.dps = 40
    expected = np.empty(x.shape)
    for i, row in enumerate(x.astype(np.float64)):
        mean_square = sum(Fraction(float(v)) ** 2 for v in row) / len(row)
        rms = mpmath.sqrt(mpmath.mpf(mean_square.numerator) / mean_square.denominator
                          + mpmath.mpf(1e-5))
        expected[i] = [float(mpmath.mpf(float(v)) / rms) for v in row]
    return _close(result, expected, x.dtype, "out", rtol=8 * np.finfo(x.dtype).eps, scale=0.0)


@reference("layers.ReLU.forward")
def _relu_layer(kwargs, result):
    z = _float_array(kwargs["x"])
    return _elementwise_problem(result, _elementwise_expected(lambda v: max(v, 0.0), z), z.dtype)


@reference("layers.PReLU.forward")
def _prelu_layer(kwargs, result):
    z = _float_array(kwargs["x"])
    return _elementwise_problem(result, _elementwise_expected(_rectifier, z, (0.25,)), z.dtype)


def _torch_backward(layer_name, dout):
    """dx of layers.<layer_name>(3) after forward on the registry's Z, by torch autograd."""
    import test_fuzz_arguments as registry
    import torch
    import torch.nn.functional as F  # noqa: N812

    x = torch.tensor(registry.Z(), dtype=torch.float64, requires_grad=True)
    ones, zeros = torch.ones(3, dtype=torch.float64), torch.zeros(3, dtype=torch.float64)
    out = {"BatchNorm1d": lambda: F.batch_norm(x, None, None, ones, zeros, training=True,
                                               eps=1e-5),
           "LayerNorm": lambda: F.layer_norm(x, (3,), ones, zeros, eps=1e-5),
           "RMSNorm": lambda: F.rms_norm(x, (3,), ones, eps=1e-5),
           "PReLU": lambda: F.prelu(x, torch.full((3,), 0.25, dtype=torch.float64)),
           "ReLU": lambda: F.relu(x)}[layer_name]()
    out.backward(torch.tensor(np.asarray(dout, dtype=np.float64)))
    return x.grad.numpy()


def _inverse_std(layer_name, x):
    """The largest 1/std a normalisation layer multiplies by (1 for the others): a backward
    pass's values are differences of terms of size |dout| / std."""
    x = np.asarray(x, dtype=np.float64)
    spread = {"BatchNorm1d": lambda: x.var(axis=0), "LayerNorm": lambda: x.var(axis=1),
              "RMSNorm": lambda: (x * x).mean(axis=1)}.get(layer_name)
    return 1.0 if spread is None else float(np.max(1 / np.sqrt(spread() + 1e-5)))


def _backward_reference(layer_name):
    def check(kwargs, result):
        import test_fuzz_arguments as registry

        dout = _float_array(kwargs["dout"])
        if not np.all(np.isfinite(dout)):
            return None  # NaN * 0 or 0: conventions differ; the generic checks remain
        expected = _torch_backward(layer_name, dout)
        if np.asarray(result).dtype != dout.dtype:
            return f"dx: dtype {np.asarray(result).dtype}, expected {dout.dtype} (dout's)"
        if not np.all(np.isfinite(expected)):
            return None  # beyond float64 in torch too: the campaign's generic checks remain
        scale = 4 * float(np.abs(dout).max(initial=0.0)) * _inverse_std(layer_name,
                                                                        registry.Z())
        return _close(result, expected, dout.dtype, "dx",
                      rtol=max(64 * np.finfo(dout.dtype).eps, 1e-12), scale=scale)
    return check


for _name in ["BatchNorm1d", "LayerNorm", "RMSNorm", "PReLU", "ReLU"]:
    reference(f"layers.{_name}.backward")(_backward_reference(_name))


# --- initialisers: the same generator, the exact standard deviation ---------------------------

def _init_std(name, fan_in, fan_out, slope=0.0):
    mpmath.mp.dps = 40
    a = mpmath.mpf(float(slope))
    return {"he": mpmath.sqrt(2 / ((1 + a * a) * fan_in)), "lecun": mpmath.sqrt(1 / mpmath.mpf(
        fan_in)), "glorot": mpmath.sqrt(mpmath.mpf(2) / (fan_in + fan_out))}[name]


def _init_problem(name, kwargs, weights, slope=0.0):
    fan_in, fan_out = int(kwargs["fan_in"]), int(kwargs["fan_out"])
    draws = copy.deepcopy(kwargs["rng"]).standard_normal((fan_in, fan_out))
    std = _init_std(name, fan_in, fan_out, slope)
    expected = np.array([[float(mpmath.mpf(float(v)) * std) for v in row] for row in draws])
    return _close(weights, expected, np.float64, "weights")


reference("init.he_normal")(lambda kw, w: _init_problem("he", kw, w,
                                                        kw.get("negative_slope", 0.0)))
reference("init.lecun_normal")(lambda kw, w: _init_problem("lecun", kw, w))
reference("init.glorot_normal")(lambda kw, w: _init_problem("glorot", kw, w))


@reference("init.initialise")
def _initialise(kwargs, weights):
    name = str(kwargs["name"])
    if name not in ("he", "lecun", "glorot"):
        return None
    return _init_problem(name, kwargs, weights,
                         kwargs.get("negative_slope", 0.0) if name == "he" else 0.0)


@reference("layers.Linear")
def _linear_constructor(kwargs, layer):
    init = str(kwargs.get("init", "he"))
    fan = {"fan_in": kwargs["in_features"], "fan_out": kwargs["out_features"],
           "rng": kwargs["rng"]}
    problem = _init_problem(init, fan, layer.params["W"],
                            kwargs.get("negative_slope", 0.0) if init == "he" else 0.0)
    if problem:
        return problem
    if np.any(layer.params["b"] != 0):
        return "biases are not zero"
    return None


# --- SELU theory: mpmath -----------------------------------------------------------------------

def _moments(m, v, alpha, lam):
    """Mean and variance of lam * selu_alpha(z), z ~ N(m, v), with mpmath; None where this
    reference has no reliable answer (far out, where the tails need exponents of 1e100)."""
    mpmath.mp.dps = 40
    m, v, alpha, lam = (mpmath.mpf(float(t)) for t in (m, v, alpha, lam))
    if not v > 0:
        return None
    s = mpmath.sqrt(v)
    if m > 40 * s:  # z > 0 (the rest has probability below 1e-349): lam z
        return lam * m, lam * lam * v
    if m + 2 * v < -40 * s and v < 1e4:  # z < 0: lam alpha (e^z - 1), e^z log-normal
        return (lam * alpha * mpmath.expm1(m + v / 2),
                (lam * alpha) ** 2 * mpmath.exp(2 * m + v) * mpmath.expm1(v))
    if abs(m) > 1e4 or v > 1e4 or v < 1e-20:
        return None

    def f(z):
        return lam * z if z > 0 else lam * alpha * mpmath.expm1(z)

    def density(z):
        return mpmath.npdf(z, m, s)

    edges = sorted({m - 40 * s, min(max(mpmath.mpf(0), m - 40 * s), m + 40 * s), m + 40 * s})
    mean = mpmath.quad(lambda z: f(z) * density(z), edges)
    var = mpmath.quad(lambda z: (f(z) - mean) ** 2 * density(z), edges)
    return mean, var


def _relative(got, want, rtol, atol=0.0):
    return abs(float(got) - float(want)) <= rtol * abs(float(want)) + atol


@reference("selu_theory.moment_map")
def _moment_map(kwargs, result):
    k = {"omega": 0.0, "tau": 1.0, "alpha": SELU_ALPHA, "lam": SELU_LAMBDA, **kwargs}
    mu, nu = float(k["mu"]), float(k["nu"])
    mean, var = (float(t) for t in result)
    exact = _moments(mu * float(k["omega"]), nu * float(k["tau"]), k["alpha"], k["lam"])
    if exact is None:
        if not (math.isfinite(mean) and math.isfinite(var)):
            return f"({mean}, {var}) for finite inputs (an overflow should be an error)"
        return None
    want_mean, want_var = (float(t) for t in exact)
    if not math.isfinite(want_mean) or not math.isfinite(want_var):
        return None  # beyond float64: an error is the answer; a value is judged by the checks
    if not (_relative(mean, want_mean, 1e-8, 1e-10) and _relative(var, want_var, 1e-7, 1e-10)):
        return f"({mean!r}, {var!r}), by integration ({want_mean!r}, {want_var!r})"
    return None


@reference("selu_theory.iterate_moment_map")
def _iterate(kwargs, result):
    mu, nu = float(kwargs["mu"]), float(kwargs["nu"])
    steps = int(kwargs["steps"])
    trajectory = np.asarray(result, dtype=float)
    if trajectory.shape != (steps + 1, 2):
        return f"shape {trajectory.shape}, expected {(steps + 1, 2)}"
    for i in range(steps + 1):
        if i:
            exact = _moments(mu * 0.0, nu * 1.0, SELU_ALPHA, SELU_LAMBDA)
            if exact is None:
                return None
            mu, nu = (float(t) for t in exact)
        if not (_relative(trajectory[i, 0], mu, 1e-8, 1e-10)
                and _relative(trajectory[i, 1], nu, 1e-7, 1e-10)):
            return f"step {i}: {tuple(trajectory[i])}, by integration ({mu!r}, {nu!r})"
    return None


@reference("selu_theory.moment_map_jacobian")
def _jacobian(kwargs, result):
    from helpers.selu_theory import moment_map
    k = {"omega": 0.0, "tau": 1.0, "alpha": SELU_ALPHA, "lam": SELU_LAMBDA, **kwargs}
    x = np.array([float(k["mu"]), float(k["nu"])])
    got = np.asarray(result, dtype=float)
    if got.shape != (2, 2):
        return f"shape {got.shape}, expected (2, 2)"
    if not np.all(np.isfinite(got)):
        return f"{got.tolist()} for finite inputs"
    if np.abs(x).max() > 1e3 or x[1] * float(k["tau"]) < 1e-3 or max(
            abs(float(k[n])) for n in ("omega", "tau", "alpha", "lam")) > 1e3:
        return None  # finite differences are no reference there
    rest = {n: float(k[n]) for n in ("omega", "tau", "alpha", "lam")}
    numeric = np.empty((2, 2))
    for j in range(2):
        h = 1e-6 * max(1.0, abs(x[j]))
        up, down = x.copy(), x.copy()
        up[j] += h
        down[j] -= h
        numeric[:, j] = (np.array(moment_map(*up, **rest)) - np.array(moment_map(*down, **rest))
                         ) / (2 * h)
    if not np.allclose(got, numeric, rtol=1e-5, atol=1e-6 * max(1.0, np.abs(numeric).max())):
        return f"{got.round(8).tolist()}, by finite differences {numeric.round(8).tolist()}"
    return None


@reference("selu_theory.derive_selu_constants")
def _derived(kwargs, result):
    k = {"mean": 0.0, "var": 1.0, "omega": 0.0, "tau": 1.0, **kwargs}
    alpha, lam = (float(t) for t in result)
    mean, var = float(k["mean"]), float(k["var"])
    exact = _moments(mean * float(k["omega"]), var * float(k["tau"]), alpha, lam)
    if exact is None:
        return None
    got_mean, got_var = (float(t) for t in exact)
    if not (_relative(got_mean, mean, 1e-7, 1e-9 * max(1.0, var))
            and _relative(got_var, var, 1e-7, 1e-9 * max(1.0, var))):
        return (f"(alpha, lam) = ({alpha!r}, {lam!r}) maps ({mean:g}, {var:g}) to "
                f"({got_mean:.10g}, {got_var:.10g}) by integration: not a fixed point")
    return None


@reference("selu_theory.alpha_dropout_affine")
def _alpha_dropout(kwargs, result):
    mpmath.mp.dps = 50
    k = {"alpha": SELU_ALPHA, "lam": SELU_LAMBDA, **kwargs}
    rate = mpmath.mpf(float(k["rate"]))
    q = 1 - rate  # the paper's q: the probability of keeping
    saturation = -mpmath.mpf(float(k["lam"])) * mpmath.mpf(float(k["alpha"]))
    a = (q + saturation**2 * q * rate) ** -0.5
    b = -a * rate * saturation
    got = [float(t) for t in result]
    for name, g, want in [("a", got[0], a), ("b", got[1], b)]:
        if not _relative(g, want, 1e-12, 1e-300):
            return f"{name} = {g!r}; Klambauer et al.'s formula gives {float(want)!r}"
    return None


# --- the loss, labels, scalers, gradient checks -------------------------------------------------

def _cross_entropy(logits, labels):
    """Mean softmax cross-entropy and its gradient, with mpmath (60 digits)."""
    mpmath.mp.dps = 60
    rows = []
    grads = np.empty(logits.shape)
    for i, (row, label) in enumerate(zip(logits, labels, strict=True)):
        values = [mpmath.mpf(float(v)) for v in row]
        top = max(values)
        total = mpmath.fsum(mpmath.exp(v - top) for v in values)
        rows.append((top - values[int(label)]) + mpmath.log(total))
        grads[i] = [float(mpmath.exp(v - top) / total) for v in values]
        grads[i, int(label)] -= 1
    return mpmath.fsum(rows) / len(rows), grads / len(rows)


@reference("losses.softmax_cross_entropy")
def _softmax_cross_entropy(kwargs, result):
    logits = _float_array(kwargs["logits"])
    labels = np.asarray(kwargs["labels"]).astype(np.int64)
    loss, dlogits = result
    exact, grads = _cross_entropy(logits.astype(np.float64), labels)
    if float(exact) > 1e307:
        return None if float(loss) > 1e306 else f"loss {loss!r}, exact {float(exact):.6g}"
    eps = np.finfo(logits.dtype).eps
    if not _relative(loss, exact, 64 * eps, 64 * eps):
        return f"loss {float(loss)!r}, exact {float(exact)!r}"
    return _close(dlogits, grads, logits.dtype, "dlogits", rtol=64 * eps)


@reference("losses.check_labels")
def _check_labels(kwargs, result):
    expected = np.asarray(kwargs["labels"]).astype(np.float64)
    got = np.asarray(result)
    if got.dtype.kind not in "iu":
        return f"labels come back as {got.dtype}, not integers"
    if got.shape != expected.shape or not np.array_equal(got.astype(np.float64), expected):
        return f"labels changed: {summary_of(got)} from {summary_of(expected)}"
    return None


def summary_of(a):
    return np.array2string(np.asarray(a), threshold=6, precision=4)


def _registry_X():
    import test_fuzz_arguments as registry
    return registry.X()


def _standard_scaler_problem(got, X, fit_on):
    """(x - mean) / sd with the statistics of `fit_on`, exactly (columns of sd 0, or at the
    level of rounding, are centred only, as scikit-learn does), to the inputs' precision."""
    eps = max(np.finfo(_float_array(X).dtype).eps, np.finfo(_float_array(fit_on).dtype).eps)
    X, fit_on = np.asarray(X, dtype=np.float64), np.asarray(fit_on, dtype=np.float64)
    got = np.asarray(got, dtype=np.float64)
    if got.shape != X.shape:
        return f"shape {got.shape}, expected {X.shape}"
    n = fit_on.shape[0]
    for j, (mean, var, _, _) in enumerate(tfv._exact_columns(fit_on)):
        bound = n * Fraction(tfv.EPS64) * var + (n * mean * Fraction(tfv.EPS64)) ** 2
        if 4 * var < bound or var == 0:
            sd = Fraction(1)
        elif var > 4 * bound and var > Fraction(1e-300):
            sd = Fraction(math.sqrt(var)) if var < Fraction(1e300) else None
            if sd is None:
                continue
        else:
            continue  # at the level of rounding: either answer is defensible
        exact = [float((Fraction(float(v)) - mean) / sd) for v in X[:, j]]
        with np.errstate(over="ignore"):
            span = float(np.ptp(np.concatenate([X[:, j], fit_on[:, j]])))
        tolerance = 64 * n * eps * (span / float(sd) + abs(float(mean)) / float(sd)
                                    + np.abs(exact).max() + 1)
        if not np.all(np.abs(got[:, j] - exact) <= tolerance):
            i = int(np.argmax(np.abs(got[:, j] - exact)))
            return f"column {j}, row {i}: got {got[i, j]!r}, exact {exact[i]!r}"
    return None


@reference("scalers.StandardScaler.fit")
def _standard_fit(kwargs, scaler):
    X = _float_array(kwargs["X"])
    return _standard_scaler_problem(scaler.transform(X), X, X)


@reference("scalers.StandardScaler.transform")
def _standard_transform(kwargs, result):
    return _standard_scaler_problem(result, kwargs["X_"], _registry_X())


def _min_max_problem(got, X, fit_on, inverse=False):
    eps = max(np.finfo(_float_array(X).dtype).eps, np.finfo(_float_array(fit_on).dtype).eps)
    X, fit_on = np.asarray(X, dtype=np.float64), np.asarray(fit_on, dtype=np.float64)
    got = np.asarray(got, dtype=np.float64)
    if got.shape != X.shape:
        return f"shape {got.shape}, expected {X.shape}"
    for j in range(X.shape[1]):
        low, high = Fraction(float(fit_on[:, j].min())), Fraction(float(fit_on[:, j].max()))
        span = high - low
        if inverse:
            exact = [float(Fraction(float(v)) * (span if span else 1) + low) for v in X[:, j]]
        else:
            exact = [float((Fraction(float(v)) - low) / span) if span else 0.0 for v in X[:, j]]
        tolerance = 8 * eps * (np.abs(exact).max(initial=0.0) + float(abs(low)) + float(span)
                               + 1)
        if not np.all(np.abs(got[:, j] - exact) <= tolerance):
            i = int(np.argmax(np.abs(got[:, j] - exact)))
            return f"column {j}, row {i}: got {got[i, j]!r}, exact {exact[i]!r}"
    return None


@reference("scalers.MinMaxScaler.fit")
def _min_max_fit(kwargs, scaler):
    X = _float_array(kwargs["X"])
    return _min_max_problem(scaler.transform(X), X, X)


@reference("scalers.MinMaxScaler.inverse_transform")
def _min_max_inverse(kwargs, result):
    return _min_max_problem(result, kwargs["X_"], _registry_X(), inverse=True)


@reference("gradcheck.relative_error")
def _relative_error(kwargs, result):
    a = np.asarray(kwargs["analytic"], dtype=np.float64)
    n = np.asarray(kwargs["numeric"], dtype=np.float64)
    if not (np.isfinite(a).all() and np.isfinite(n).all()):
        return None if float(result) == math.inf else f"{result!r} for non-finite input (inf)"
    mpmath.mp.dps = 40

    def norm(v):
        return mpmath.sqrt(mpmath.fsum(mpmath.mpf(float(t)) ** 2 for t in v.ravel()))

    denominator = norm(a) + norm(n)
    exact = 0.0 if denominator == 0 else float(norm(a - n if a.shape == n.shape else a)
                                               / denominator)
    if not _relative(result, exact, 1e-12, 1e-300):
        return f"{float(result)!r}, exact {exact!r}"
    return None


@reference("gradcheck.elementwise_derivative")
def _elementwise_derivative(kwargs, result):
    z = _float_array(kwargs["z"]).astype(np.float64)
    eps = float(kwargs.get("eps", 1e-3))
    if np.abs(z[np.isfinite(z)]).max(initial=0.0) > 1e6:
        return None  # a difference quotient of 1e200-sized numbers is no reference
    got = np.asarray(result, dtype=np.float64)
    away = np.isfinite(z) & (np.abs(z) > 3 * eps)
    expected = (z > 0).astype(np.float64)
    if got.shape != z.shape:
        return f"shape {got.shape}, expected {z.shape}"
    if not np.allclose(got[away], expected[away], atol=1e-6):
        return f"relu's derivative away from 0: got {summary_of(got[away])}"
    return None


@reference("gradcheck.numerical_gradient")
def _numerical_gradient(kwargs, result):
    x = np.asarray(kwargs["x"], dtype=np.float64)
    dout = kwargs.get("dout")
    dout = np.ones_like(x) if dout is None else np.asarray(dout, dtype=np.float64)
    if not np.all(np.isfinite(x)) or np.abs(x).max(initial=0.0) > 1e3:
        return None
    expected = np.cos(x) * dout
    if not np.allclose(result, expected, rtol=1e-5,
                       atol=1e-6 * max(1, np.abs(dout).max(initial=0.0))):
        return f"sin's gradient: got {summary_of(result)}, cos(x) * dout {summary_of(expected)}"
    return None


@reference("nb01.single_point_dead_probability")
def _dead_probability(kwargs, result):
    mpmath.mp.dps = 60
    width = int(kwargs["width"])
    depth = np.asarray(kwargs["depth"])
    p = mpmath.mpf(2) ** -width
    expected = np.vectorize(lambda d: float(-mpmath.expm1(int(d) * mpmath.log1p(-p))))(depth)
    got = np.asarray(result, dtype=np.float64)
    if got.shape != expected.shape:
        return f"shape {got.shape}, expected {expected.shape}"
    if not np.allclose(got, expected, rtol=1e-12, atol=0):
        i = _first(~np.isclose(got, expected, rtol=1e-12, atol=0))
        return f"depth {depth[i]}: got {got[i]!r}, exact {expected[i]!r}"
    return None


# --- models: diagnostics and evaluation by a walk of the model written here --------------------

def _walk(model, x, found):
    """Forward through `model` by its structure (Sequential: in order; Residual: x + block(x)),
    appending (input, output) of every activation layer to `found`."""
    if isinstance(model, layers.Sequential):
        for layer in model.layers:
            x = _walk(layer, x, found)
        return x
    if isinstance(model, layers.Residual):
        return x + _walk(model.block, x, found)
    out = model.forward(x)
    if isinstance(model, layers.Elementwise | layers.PReLU):
        found.append((x, out))
    return out


def _activations(model, X):
    """[(input, output) of every activation layer], logits: in evaluation mode, in X's dtype."""
    model = copy.deepcopy(model).eval()
    found = []
    logits = _walk(model, _float_array(X), found)
    return found, logits


def _rtol(kwargs):
    """Agreement for results computed from X: a few eps of X's dtype, at least 1e-12."""
    return max(1e-12, 256 * float(np.finfo(_float_array(kwargs["X"]).dtype).eps)) if \
        "X" in kwargs else 1e-12


def _leaves(model):
    if isinstance(model, layers.Sequential):
        return [leaf for layer in model.layers for leaf in _leaves(layer)]
    if isinstance(model, layers.Residual):
        return _leaves(model.block)
    return [model]


def _model_reference(compute):
    def check(kwargs, result):
        expected = compute(kwargs)
        got = [np.asarray(v, dtype=np.float64) for v in (
            result if isinstance(result, list | tuple) else [result])]
        expected = [np.asarray(v, dtype=np.float64) for v in expected]
        if len(got) != len(expected) or any(g.shape != e.shape for g, e in zip(
                got, expected, strict=True)):
            return (f"{[g.shape for g in got]} (shapes), expected "
                    f"{[e.shape for e in expected]} from a walk through every layer")
        rtol = _rtol(kwargs)
        for g, e in zip(got, expected, strict=True):
            scale = np.abs(e[np.isfinite(e)]).max(initial=0.0)
            if not np.allclose(g, e, rtol=rtol, atol=rtol * scale, equal_nan=True):
                return f"{summary_of(g)}, expected {summary_of(e)} (a walk through every layer)"
        return None
    return check


reference("diagnostics.dead_fractions")(_model_reference(lambda kw: [np.array(
    [np.mean(np.all(z <= 0, axis=0)) for z, _ in _activations(kw["model"], kw["X"])[0]])]))
reference("diagnostics.near_zero_fractions")(_model_reference(lambda kw: [np.array(
    [np.mean(np.mean(np.abs(out), axis=0) < float(kw.get("threshold", 1e-3)))
     for _, out in _activations(kw["model"], kw["X"])[0]])]))
reference("diagnostics.parameter_count")(_model_reference(lambda kw: [sum(
    v.size for leaf in _leaves(kw["model"]) for key, v in leaf.params.items()
    if kw.get("name") is None or key == kw["name"])]))
reference("diagnostics.prelu_slopes")(_model_reference(lambda kw: [
    leaf.params["negative_slope"] for leaf in _leaves(kw["model"])
    if isinstance(leaf, layers.PReLU)]))


@reference("diagnostics.preactivations")
def _preactivations(kwargs, result):
    expected = [z for z, _ in _activations(kwargs["model"], kwargs["X"])[0]]
    got = [z for _, z in result]
    return _model_reference(lambda kw: expected)(kwargs, got)


@reference("diagnostics.activation_statistics")
def _activation_statistics(kwargs, result):
    found = _activations(kwargs["model"], kwargs["X"])[0]
    # statistics' exact (rational) sums: no overflow at 1e200, no underflow at 1e-300
    expected = [np.array([statistics.mean(out.ravel().tolist()) for _, out in found]),
                np.array([statistics.pstdev(out.ravel().tolist()) for _, out in found])]
    return _model_reference(lambda kw: expected)(kwargs, [result["mean"], result["std"]])


@reference("training.evaluate")
def _evaluate(kwargs, result):
    _, logits = _activations(kwargs["model"], kwargs["X"])
    y = np.asarray(kwargs["y"]).astype(np.int64)
    loss, _ = _cross_entropy(logits, y)
    accuracy = float(np.mean(logits.argmax(axis=1) == y))
    got_loss, got_accuracy = result
    if not (_relative(got_loss, loss, _rtol(kwargs), 1e-12) and got_accuracy == accuracy):
        return f"({got_loss!r}, {got_accuracy!r}), expected ({float(loss)!r}, {accuracy!r})"
    return None


@reference("data.load_digits", "data.load_wine", "data.load_mnist1d")
def _split(kwargs, split):
    parts = {name: (getattr(split, f"X_{name}"), getattr(split, f"y_{name}"))
             for name in ("train", "val", "test")}
    for name, (X, y) in parts.items():
        if len(X) == 0:
            return f"the {name} split is empty"
        if len(X) != len(y):
            return f"the {name} split has {len(X)} rows and {len(y)} labels"
        if not np.all(np.isfinite(X)):
            return f"the {name} split holds NaN or inf"
    total = sum(len(X) for X, _ in parts.values())
    mnist1d = len(parts["train"][0][0]) == 40  # its test split is fixed: val_size of the rest
    for name in ("val", "test"):
        fraction = kwargs.get(f"{name}_size")
        whole = total - len(parts["test"][0]) if mnist1d else total
        if fraction is not None and float(fraction) >= 0.01 and abs(
                len(parts[name][0]) - float(fraction) * whole) > 11:
            return (f"{name}_size={fraction} gave {len(parts[name][0])} of {whole} samples")
    return None


# --- reference cases: inputs chosen for a reference -------------------------------------------

@dataclasses.dataclass
class Case:
    """One input for a reference: `run()` computes the helper's result, `check(result)`
    returns None or what is wrong."""

    function: str
    label: str
    run: object
    check: object
    expect: str = "accept"
    names: tuple = ()


def _torch_twin(layer, torch, settings, warmup=None):
    """(function of a torch tensor, {helpers param name: torch tensor}) for a helpers layer,
    built from the documented `settings` (momentum, eps, slopes: what the layer was constructed
    with, PyTorch's defaults otherwise), never from the layer's own attributes. The weights
    are the layer's (its initial values). `warmup`: a batch batch norm trains on first."""
    import torch.nn.functional as F  # noqa: N812

    params = {k: torch.tensor(v, dtype=torch.float64, requires_grad=True)
              for k, v in layer.params.items()}
    eps = settings.get("eps", 1e-5)
    if isinstance(layer, layers.Linear):
        return lambda x: x @ params["W"] + params["b"], params
    if isinstance(layer, layers.BatchNorm1d):
        n = len(params["gamma"])
        running = (torch.zeros(n, dtype=torch.float64), torch.ones(n, dtype=torch.float64))
        momentum = settings.get("momentum", 0.1)
        if warmup is not None:
            with torch.no_grad():
                F.batch_norm(torch.tensor(warmup), *running, params["gamma"], params["beta"],
                             training=True, momentum=momentum, eps=eps)
        training = warmup is None

        def fn(x):
            return F.batch_norm(x, *running, params["gamma"], params["beta"],
                                training=training, momentum=momentum, eps=eps)
        fn.running = running  # updated in place by a training-mode call, as the layer's
        return fn, params
    if isinstance(layer, layers.LayerNorm):
        shape = (len(params["gamma"]),)
        return (lambda x: F.layer_norm(x, shape, params["gamma"], params["beta"], eps=eps)), \
            params
    if isinstance(layer, layers.RMSNorm):
        shape = (len(params["gamma"]),)
        return (lambda x: F.rms_norm(x, shape, params["gamma"], eps=eps)), params
    if isinstance(layer, layers.PReLU):
        return lambda x: F.prelu(x, params["negative_slope"]), params
    if isinstance(layer, layers.Residual):
        inner, inner_params = _torch_twin(layer.block, torch, settings)
        return (lambda x: x + inner(x)), inner_params
    if isinstance(layer, layers.Sequential):
        parts = [_torch_twin(inner, torch, settings) for inner in layer.layers]

        def forward(x):
            for fn, _ in parts:
                x = fn(x)
            return x
        return forward, {f"{i}.{k}": v for i, (_, p) in enumerate(parts) for k, v in p.items()}
    by_type = {layers.ReLU: F.relu, layers.Tanh: torch.tanh, layers.Sigmoid: torch.sigmoid,
               layers.SELU: F.selu,
               layers.ELU: lambda x: F.elu(x, alpha=settings.get("alpha", 1.0)),
               layers.LeakyReLU: lambda x: F.leaky_relu(x, settings.get("negative_slope",
                                                                         0.01))}
    return by_type[type(layer)], params


def _layer_case(name, make, x, label, *, settings=None, slopes=None, warmup=None):
    """Forward and backward of a fresh `make()` on x against its torch twin, float64.
    slopes: PReLU's slopes to set first; warmup: a batch to train on, then evaluation mode."""
    import torch

    settings = settings or {}

    def fresh():
        layer = make()
        if slopes is not None:
            layer.params["negative_slope"][:] = slopes
        return layer

    def run_helper():
        layer = fresh()
        if warmup is not None:
            layer.forward(warmup)
            layer.eval()
        out = layer.forward(x)
        dx = layer.backward(_dout(out))
        extra = {"running_mean": layer.running_mean.copy(), "running_var":
                 layer.running_var.copy()} if isinstance(layer, layers.BatchNorm1d) else {}
        return out, dx, {k: g.copy() for k, g in layer.grads.items()}, extra

    def check(result):
        out, dx, grads, extra = result
        layer = fresh()
        fn, params = _torch_twin(layer, torch, settings, warmup)
        xt = torch.tensor(np.array(x, dtype=np.float64, order="C"), requires_grad=True)
        out_t = fn(xt)
        out_t.backward(torch.tensor(_dout(out).astype(np.float64)))
        dtype = np.asarray(x).dtype
        rtol = 1e-10 if dtype == np.float64 else 64 * float(np.finfo(dtype).eps)
        if np.asarray(out).dtype != dtype or np.asarray(dx).dtype != dtype:
            return f"dtypes {np.asarray(out).dtype}/{np.asarray(dx).dtype}, expected {dtype}"
        for what, got, want in [("out", out, out_t.detach().numpy()),
                                ("dx", dx, xt.grad.numpy()),
                                *[(f"grad {k}", grads[k], p.grad.numpy())
                                  for k, p in params.items() if p.grad is not None],
                                *[(k, v, t.numpy()) for k, v, t in zip(
                                    extra, extra.values(), getattr(fn, "running", ()),
                                    strict=False)]]:
            scale = None
            if what == "dx":  # differences of terms of size |dout| / std
                scale = 4 * float(np.abs(_dout(out)).max()) * _inverse_std(
                    type(layer).__name__, x)
            problem = _close(got, want, dtype, what, rtol=rtol, scale=scale)
            if problem:
                return f"{problem} (PyTorch)"
        return None

    return Case(name, f"{label}, against PyTorch", run_helper, check)


def _dout(out):
    """A fixed upstream gradient of out's shape and dtype."""
    out = np.asarray(out)
    return np.cos(np.arange(out.size, dtype=np.float64) * 1.3).reshape(out.shape).astype(
        out.dtype)


def _layer_cases():
    rng = np.random.default_rng(7)
    x = rng.normal(1.0, 2.0, (6, 5))
    constant = x.copy()
    constant[:, 2] = 3.0
    inputs = [("x (6, 5) float64", x), ("x (6, 5) float32", x.astype(np.float32)),
              ("x Fortran-ordered", np.asfortranarray(x)), ("x strided view", x[::-1, ::-1]),
              ("x with a constant feature", constant), ("x scaled by 1e-150", x * 1e-150),
              ("x scaled by 1e150", x * 1e150)]

    warmup = np.random.default_rng(8).normal(0.5, 1.5, (8, 5))
    factories = [  # (name, layer, what it was built with, PReLU slopes, a batch to train on)
        ("layers.Linear", lambda: layers.Linear(5, 4, rng=np.random.default_rng(0)), {}, None,
         None),
        ("layers.BatchNorm1d", lambda: layers.BatchNorm1d(5), {}, None, None),
        ("layers.BatchNorm1d", lambda: layers.BatchNorm1d(5, eps=0.01, momentum=0.3),
         {"eps": 0.01, "momentum": 0.3}, None, warmup),
        ("layers.LayerNorm", lambda: layers.LayerNorm(5), {}, None, None),
        ("layers.RMSNorm", lambda: layers.RMSNorm(5, eps=1e-3), {"eps": 1e-3}, None, None),
        ("layers.PReLU", lambda: layers.PReLU(5), {}, [-0.5, 0.0, 0.25, 1.0, 2.5], None),
        ("layers.ReLU", layers.ReLU, {}, None, None),
        ("layers.LeakyReLU", lambda: layers.LeakyReLU(negative_slope=0.2),
         {"negative_slope": 0.2}, None, None),
        ("layers.ELU", lambda: layers.ELU(alpha=1.3), {"alpha": 1.3}, None, None),
        ("layers.SELU", layers.SELU, {}, None, None),
        ("layers.Tanh", layers.Tanh, {}, None, None),
        ("layers.Sigmoid", layers.Sigmoid, {}, None, None),
        ("layers.Residual", lambda: layers.Residual(layers.Sequential(
            layers.Linear(5, 5, rng=np.random.default_rng(1)), layers.Tanh())), {}, None, None),
    ]
    cases = []
    for name, make, settings, slopes, batch in factories:
        mode = " (eval, after a training step)" if batch is not None else ""
        for label, value in inputs:
            if "1e150" in label and name in ("layers.BatchNorm1d", "layers.LayerNorm",
                                             "layers.RMSNorm"):
                continue  # (their squares overflow in PyTorch too; fractions judge these)
            cases.append(_layer_case(f"{name}.backward", make, value, f"{label}{mode}",
                                     settings=settings, slopes=slopes, warmup=batch))
    one_row = x[:1]
    for name, make in [("layers.LayerNorm", lambda: layers.LayerNorm(5)),
                       ("layers.RMSNorm", lambda: layers.RMSNorm(5))]:
        cases.append(_layer_case(f"{name}.backward", make, one_row, "a batch of one"))
    return cases


def _dropout_cases():
    x = np.random.default_rng(3).standard_normal((4000, 25))

    def identity_in_eval(make):
        return lambda: make().eval().forward(x)

    def same(result):
        return None if np.array_equal(result, x) else "eval mode is not the identity"

    def selu_moments(result):
        mean, var = result.mean(), result.var()
        if abs(mean) > 0.03 or abs(var - 1) > 0.05:
            return f"mean {mean:.4f}, variance {var:.4f}: alpha dropout should keep (0, 1)"
        return None

    def dropout_scaling(result):
        kept = result != 0
        if abs(kept.mean() - 0.7) > 0.01 or not np.allclose(result[kept], x[kept] / 0.7):
            return f"kept {kept.mean():.3f} (expected 0.7), not scaled by 1/0.7"
        return None

    selu_input = SELU_LAMBDA * np.where(x > 0, x, SELU_ALPHA * np.expm1(np.minimum(x, 0)))
    alpha = lambda: layers.AlphaDropout(0.3, rng=np.random.default_rng(0))  # noqa: E731
    drop = lambda: layers.Dropout(0.3, rng=np.random.default_rng(0))  # noqa: E731
    return [
        Case("layers.Dropout.forward", "eval mode", identity_in_eval(drop), same),
        Case("layers.AlphaDropout.forward", "eval mode", identity_in_eval(alpha), same),
        Case("layers.Dropout.forward", "rate 0.3 keeps 70% and scales them",
             lambda: drop().forward(x), dropout_scaling),
        Case("layers.AlphaDropout.forward", "keeps SELU's (0, 1) on 100,000 SELU outputs",
             lambda: alpha().forward(selu_input), selu_moments),
    ]


def _optimizer_cases():
    import torch

    def model():
        return layers.Sequential(layers.Linear(4, 3, rng=np.random.default_rng(0)),
                                 layers.PReLU(3), layers.Linear(3, 2, rng=np.random.default_rng(1)))

    def gradients(step, params):
        rng = np.random.default_rng(100 + step)
        return {k: rng.standard_normal(v.shape) for k, v in params.items()}

    def run_helper(make_optimizer):
        def run():
            net = model()
            optimizer = make_optimizer(net)
            for step in range(3):
                for key, grad in gradients(step, net.params).items():
                    net.grads[key][...] = grad
                optimizer.step()
            return {k: v.copy() for k, v in net.params.items()}
        return run

    def check_against(make_torch, decayed=("W",)):
        def check(result):
            start = model().params
            tensors = {k: torch.tensor(v.copy(), requires_grad=True) for k, v in start.items()}
            groups = [{"params": [t for k, t in tensors.items() if k.split(".")[-1] in decayed]},
                      {"params": [t for k, t in tensors.items()
                                  if k.split(".")[-1] not in decayed], "weight_decay": 0.0}]
            optimizer = make_torch(groups)
            for step in range(3):
                for key, grad in gradients(step, start).items():
                    tensors[key].grad = torch.tensor(grad)
                optimizer.step()
            for key, t in tensors.items():
                problem = _close(result[key], t.detach().numpy(), np.float64, key, rtol=1e-12)
                if problem:
                    return f"{problem} (torch.optim)"
            return None
        return check

    return [
        Case("optim.SGD", "3 steps, momentum 0.9, weight decay 0.01 (not on b, slopes)",
             run_helper(lambda net: optim.SGD(net, lr=0.1, momentum=0.9, weight_decay=0.01)),
             check_against(lambda g: torch.optim.SGD(g, lr=0.1, momentum=0.9,
                                                     weight_decay=0.01))),
        Case("optim.SGD", "3 steps, plain", run_helper(lambda net: optim.SGD(net, lr=0.05)),
             check_against(lambda g: torch.optim.SGD(g, lr=0.05))),
        Case("optim.Adam.step", "3 steps, betas (0.8, 0.99), weight decay 0.01 (coupled L2)",
             run_helper(lambda net: optim.Adam(net, lr=0.01, betas=(0.8, 0.99),
                                               weight_decay=0.01)),
             check_against(lambda g: torch.optim.Adam(g, lr=0.01, betas=(0.8, 0.99),
                                                      weight_decay=0.01))),
        Case("optim.Adam.step", "3 steps, defaults", run_helper(lambda net: optim.Adam(net)),
             check_against(lambda g: torch.optim.Adam(g, lr=0.001))),
    ]


def _init_cases():
    from helpers import init

    def statistics(name, slope=0.0, fan_in=1500, fan_out=400):
        def check(weights):
            std = float(_init_std(name, fan_in, fan_out, slope))
            got = float(np.std(weights / std)) * std  # (the squares of 1e-202 underflow)
            if weights.shape != (fan_in, fan_out) or not abs(got / std - 1) < 0.01:
                return f"std {got:.6g} over {weights.size} draws; expected {std:.6g}"
            if abs(float(np.mean(weights / std))) > 5 / np.sqrt(weights.size):
                return f"mean {np.mean(weights):.3g}, expected 0"
            return None
        return check

    rng = lambda: np.random.default_rng(11)  # noqa: E731
    cases = [Case("init.he_normal", f"1500 x 400 draws, negative_slope={a:g}",
                  lambda a=a: init.he_normal(1500, 400, negative_slope=a, rng=rng()),
                  statistics("he", a), expect="either", names=("negative_slope",))
             for a in (0.0, 0.25, -3.0, 1e100, 1e200, 1e-200)]
    cases += [Case("init.lecun_normal", "1500 x 400 draws",
                   lambda: init.lecun_normal(1500, 400, rng=rng()), statistics("lecun")),
              Case("init.glorot_normal", "1500 x 400 draws",
                   lambda: init.glorot_normal(1500, 400, rng=rng()), statistics("glorot"))]
    return cases


def _loss_cases():
    from helpers.losses import softmax_cross_entropy

    rows = [("logits 0 and 1e200", [[0.0, 1e200]], [0]),
            ("logits +-1e308 (a spread beyond float64)", [[-1e308, 1e308]], [0]),
            ("logits +-1e-300", [[1e-300, -1e-300]], [1]),
            ("logits 1000, 0, -1000", [[1000.0, 0.0, -1000.0]], [2]),
            ("float32 logits +-80", np.array([[80.0, -80.0]], dtype=np.float32), [1]),
            ("float16 logits", np.array([[3.0, -2.0, 0.5]], dtype=np.float16), [0])]
    cases = []
    for label, logits, labels in rows:
        def check(result, logits=logits, labels=labels):
            return _softmax_cross_entropy({"logits": logits, "labels": labels}, result)
        cases.append(Case("losses.softmax_cross_entropy", label,
                          lambda logits=logits, labels=labels: softmax_cross_entropy(
                              logits, labels), check, expect="either", names=("logits",)))
    return cases


def _dead_probability_cases():
    from helpers.nb01 import single_point_dead_probability

    cases = []
    for width, depth in [(60, 10), (1000, 5), (1, 1), (2, 10**6), (64, 2**40)]:
        kwargs = {"width": width, "depth": depth}
        cases.append(Case("nb01.single_point_dead_probability",
                          f"width {width}, depth {depth}",
                          lambda kwargs=kwargs: single_point_dead_probability(**kwargs),
                          lambda result, kwargs=kwargs: _dead_probability(kwargs, result),
                          expect="either", names=("width", "depth")))
    return cases


def _diagnostics_cases():
    """Exact zeros: with zero input and zero biases every pre-activation is exactly 0, and a
    unit whose pre-activation is <= 0 on every sample is dead (a test with < 0 says alive)."""
    from helpers import diagnostics, models

    def zero_biases(residual):
        model = models.mlp(6, [5, 5], 3, rng=np.random.default_rng(0), residual=residual)
        for leaf in _leaves(model):
            if "b" in leaf.params:
                leaf.params["b"][:] = 0.0
        return model

    def all_dead(result):
        return None if np.array_equal(result, np.ones(len(result))) and len(result) else (
            f"{result}: every unit has pre-activation exactly 0 on every sample, so all are dead")

    return [Case("diagnostics.dead_fractions", f"zero input, zero biases{label}",
                 lambda residual=residual: diagnostics.dead_fractions(zero_biases(residual),
                                                                      np.zeros((4, 6))),
                 all_dead) for label, residual in [("", False), (", residual", True)]]


def reference_cases():
    """Every reference case (built lazily: PyTorch is imported here)."""
    return (_layer_cases() + _dropout_cases() + _optimizer_cases() + _init_cases()
            + _loss_cases() + _dead_probability_cases() + _diagnostics_cases())
