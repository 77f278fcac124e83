"""Activation functions, their derivatives, and the table that declares them.

Every activation is written as its formula, with its derivative right below it. At the end,
`ACTIVATIONS` says once, for the whole package, which activations exist, their default
parameters (read from each function's signature) and the weight initialisation made for them:
the layers, the model builder, the figures, the widgets and the tests all read this table.
Adding an activation is one function pair and one line in the table.

Conventions (as in PyTorch):

- At exactly 0 a derivative takes the z <= 0 branch: ``relu_grad(0) == 0``,
  ``leaky_relu_grad(0) == negative_slope``, ``selu_grad(0) == SELU_LAMBDA_ALPHA``.
- Floating inputs keep their dtype; ints, bools and lists become float64; anything else
  is a TypeError. Shapes are kept, 0-d included. NaN propagates; +-inf give the limits.
- No finite input raises a RuntimeWarning: ``exp`` only ever sees non-positive numbers.
  (A result too large for the dtype, e.g. SELU of float32's maximum, is inf, silently.)
"""

import functools
import inspect
import math
import numbers
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.special import expit, ndtr

from ._validation import as_float_array, check_choice, check_finite_real

# The float64 values nearest the exact constants of Klambauer et al. (2017).
SELU_ALPHA = 1.6732632423543772848170429916717
SELU_LAMBDA = 1.0507009873554804934193349852946
# Their product, rounded once from the exact product: selu's saturation value is
# -SELU_LAMBDA_ALPHA and selu_grad(0) == SELU_LAMBDA_ALPHA. (The float product
# SELU_LAMBDA * SELU_ALPHA is one ulp lower, and would make selu(-1) one ulp off.)
SELU_LAMBDA_ALPHA = 1.7580993408473768599402175208123

# PReLU's slopes start here (He et al. 2015); Leaky ReLU's fixed slope is leaky_relu's default.
PRELU_INITIAL_SLOPE = 0.25


def _nan_where_input_nan(out, z):
    """Derivatives built from comparisons turn NaN into a number; put the NaN back."""
    nan = np.isnan(z)
    if nan.any():
        out[nan] = np.nan
    return out


def _at_infinity(out, z, minus, plus):
    """Put the limits for z -> -inf and z -> +inf where z is infinite (the formula gives NaN)."""
    out[np.isneginf(z)] = minus
    out[np.isposinf(z)] = plus
    return out


# --- ReLU, Leaky ReLU, PReLU: max(0, z) + negative_slope * min(0, z) -----------------------------

def relu(z):
    """Rectified linear unit, max(0, z).

    Parameters
    ----------
    z : array_like
        Pre-activations, any shape.

    Returns
    -------
    ndarray
        Same shape as `z`; floating dtype kept, otherwise float64.

    Examples
    --------
    >>> relu([-2.0, 0.0, 3.0])
    array([0., 0., 3.])
    """
    z = as_float_array(z, "z")
    return np.maximum(z, 0)


def relu_grad(z):
    """Derivative of `relu`: 1 where z > 0, else 0 (0 at exactly z = 0).

    Parameters
    ----------
    z : array_like
        Pre-activations (not the outputs: from the output, ``>= 0`` is always true).

    Returns
    -------
    ndarray
        Same shape as `z`.

    Examples
    --------
    >>> relu_grad([-1.0, 0.0, 2.0])
    array([0., 0., 1.])
    """
    z = as_float_array(z, "z")
    return _nan_where_input_nan((z > 0).astype(z.dtype), z)


def _rectify(z, slope):
    """max(0, z) + slope * min(0, z) for a scalar or broadcastable slope of z's dtype."""
    out = np.minimum(z, 0, out=np.empty(z.shape, dtype=z.dtype))
    # |slope| > 1 may push -huge to -inf (that is the answer); 0 * -inf is fixed just below
    with np.errstate(over="ignore", invalid="ignore"):
        np.multiply(out, slope, out=out)
    zero_slope = np.asarray(slope == 0)
    if zero_slope.any():  # 0 * -inf is NaN, but the limit of 0 * z as z -> -inf is 0
        out[np.isneginf(z) & zero_slope] = 0
    out += np.maximum(z, 0)
    return out


def _rectify_grad(z, slope):
    """1 where z > 0, slope where z <= 0 (NaN where z is NaN)."""
    out = np.where(z > 0, z.dtype.type(1), slope).astype(z.dtype)  # astype copies: writable
    return _nan_where_input_nan(out, z)


def leaky_relu(z, negative_slope=0.01):
    """Leaky ReLU with a fixed slope for negative inputs (Maas et al. 2013: 0.01).

    Parameters
    ----------
    z : array_like
    negative_slope : float, default 0.01
        The slope a for z <= 0. Any finite value; 0 gives ReLU.

    Returns
    -------
    ndarray

    Notes
    -----
    f(z) = max(0, z) + a min(0, z)

    Examples
    --------
    >>> leaky_relu([-2.0, 3.0])
    array([-0.02,  3.  ])
    """
    z = as_float_array(z, "z")
    a = check_finite_real(negative_slope, "negative_slope")
    return _rectify(z, z.dtype.type(a))


def leaky_relu_grad(z, negative_slope=0.01):
    """Derivative of `leaky_relu`: 1 where z > 0, `negative_slope` where z <= 0.

    Examples
    --------
    >>> leaky_relu_grad([-2.0, 0.0, 3.0], negative_slope=0.1)
    array([0.1, 0.1, 1. ])
    """
    z = as_float_array(z, "z")
    a = check_finite_real(negative_slope, "negative_slope")
    return _rectify_grad(z, z.dtype.type(a))


def _channel_slopes(z, negative_slope, axis):
    """Validate PReLU's slopes; return them in z's dtype, shaped to broadcast along `axis`."""
    name = "negative_slope"
    if isinstance(axis, bool | np.bool_) or not isinstance(axis, numbers.Integral):
        raise TypeError(f"axis must be an integer; got {axis!r:.40}.")
    if isinstance(negative_slope, bool | np.bool_) or (
            isinstance(negative_slope, np.ndarray) and negative_slope.dtype.kind == "b"):
        raise TypeError(f"{name} must be a real number or an array of them; got booleans.")
    if isinstance(negative_slope, numbers.Real):
        return z.dtype.type(check_finite_real(negative_slope, name))
    slopes = as_float_array(negative_slope, name)
    if not np.all(np.isfinite(slopes)):
        raise ValueError(f"{name} must be finite; got {slopes}.")
    if slopes.ndim == 0:
        return slopes.astype(z.dtype)
    if slopes.ndim != 1:
        raise ValueError(
            f"{name} must be a scalar or a 1-D array with one slope per channel; got shape "
            f"{slopes.shape}."
        )
    if not -z.ndim <= axis < z.ndim:
        hint = " For a 1-D input, use axis=0." if z.ndim == 1 else ""
        raise ValueError(f"axis {axis} is out of range for z with {z.ndim} dimensions.{hint}")
    if slopes.size != z.shape[axis]:
        raise ValueError(
            f"{name} must have one slope per channel: z.shape[{axis}] is {z.shape[axis]}, "
            f"got {slopes.size} slopes."
        )
    shape = [1] * z.ndim
    shape[axis] = slopes.size
    return slopes.astype(z.dtype).reshape(shape)


def prelu(z, negative_slope, axis=1):
    """Parametric ReLU (He et al. 2015): a Leaky ReLU whose slope is learned.

    Parameters
    ----------
    z : array_like
        Pre-activations; channels along `axis` (e.g. (N, C) or (N, C, H, W)).
    negative_slope : float or array_like of shape (z.shape[axis],)
        One slope shared by all channels, or one per channel. Any finite value: a learned
        slope is not confined to [0, 1].
    axis : int, default 1
        The channel axis; used only for channel-wise slopes.

    Returns
    -------
    ndarray, shaped and typed like `z`

    Notes
    -----
    f(z_i) = max(0, z_i) + a_i min(0, z_i), with i the channel. This is not
    ``np.maximum(a * z, z)``, which is wrong as soon as a > 1.

    Examples
    --------
    >>> prelu([[-1.0, -1.0], [2.0, 2.0]], [0.1, 0.2])
    array([[-0.1, -0.2],
           [ 2. ,  2. ]])
    """
    z = as_float_array(z, "z")
    return _rectify(z, _channel_slopes(z, negative_slope, axis))


def prelu_grad(z, negative_slope, axis=1):
    """Derivative of `prelu` with respect to z: 1 where z > 0, the channel's slope elsewhere.

    Examples
    --------
    >>> prelu_grad([[-1.0, 3.0]], [0.1, 0.2])
    array([[0.1, 1. ]])
    """
    z = as_float_array(z, "z")
    return _rectify_grad(z, _channel_slopes(z, negative_slope, axis))


def prelu_backward(dout, z, negative_slope, axis=1):
    """Backward pass of `prelu`: gradients with respect to its input and its slopes.

    Parameters
    ----------
    dout : array_like, shaped like z
        Upstream gradient dL/df.
    z, negative_slope, axis
        As for `prelu`.

    Returns
    -------
    dz : ndarray, shaped like z
        dout * (1 if z > 0 else a).
    dslope : ndarray, shaped like negative_slope
        Sum of dout * min(0, z) over every axis but the channel axis (over all axes for a
        shared slope).

    Examples
    --------
    >>> dz, dslope = prelu_backward([[1.0, 1.0]], [[-2.0, 3.0]], 0.25)
    >>> dz, float(dslope)
    (array([[0.25, 1.  ]]), -2.0)
    """
    z = as_float_array(z, "z")
    dout = as_float_array(dout, "dout")
    if dout.shape != z.shape:
        raise ValueError(f"dout must have the shape of z, {z.shape}; got {dout.shape}.")
    slopes = _channel_slopes(z, negative_slope, axis)
    # an elementwise function: NaN and inf in dout propagate (inf * 0 is NaN), without a warning
    with np.errstate(over="ignore", invalid="ignore"):
        dz = dout * _rectify_grad(z, slopes)
        local = dout * np.minimum(z, 0)  # df/da = min(0, z)
        if np.ndim(slopes) == 0:
            return dz, np.asarray(local.sum(), dtype=z.dtype)
        channel = axis % z.ndim
        return dz, local.sum(axis=tuple(i for i in range(z.ndim) if i != channel))


# --- ELU and SELU: a saturating exponential for z <= 0 -------------------------------------------

def elu(z, alpha=1.0):
    """Exponential linear unit (Clevert et al. 2016).

    Parameters
    ----------
    z : array_like
    alpha : float >= 0, default 1.0
        Saturation value for z -> -inf is -alpha (0 gives the ReLU).

    Returns
    -------
    ndarray

    Notes
    -----
    f(z) = z for z > 0, alpha (exp(z) - 1) for z <= 0. ``expm1`` keeps tiny |z| exact, and
    ``min(z, 0)`` keeps exp from overflowing on the branch that is thrown away.

    Examples
    --------
    >>> elu([-1.0, 2.0]).round(6)
    array([-0.632121,  2.      ])
    """
    z = as_float_array(z, "z")
    alpha = check_finite_real(alpha, "alpha", minimum=0.0)
    return np.where(z > 0, z, alpha * np.expm1(np.minimum(z, 0)))


def elu_grad(z, alpha=1.0):
    """Derivative of `elu`: 1 where z > 0, alpha exp(z) where z <= 0.

    Examples
    --------
    >>> elu_grad([0.0, 2.0], alpha=1.5)
    array([1.5, 1. ])
    """
    z = as_float_array(z, "z")
    alpha = check_finite_real(alpha, "alpha", minimum=0.0)
    return np.where(z > 0, z.dtype.type(1), alpha * np.exp(np.minimum(z, 0)))


def selu(z):
    """Scaled exponential linear unit (Klambauer et al. 2017): SELU_LAMBDA * elu(z, SELU_ALPHA).

    Parameters
    ----------
    z : array_like

    Returns
    -------
    ndarray

    Notes
    -----
    f(z) = lambda z for z > 0, lambda alpha (exp(z) - 1) for z <= 0, with
    lambda = SELU_LAMBDA ~ 1.0507 and alpha = SELU_ALPHA ~ 1.6733; saturates at
    -lambda alpha ~ -1.7581.

    Examples
    --------
    >>> float(selu(-1.0))
    -1.1113307378125628
    """
    z = as_float_array(z, "z")
    with np.errstate(over="ignore"):  # lambda * (a huge z) may round to inf: that is the answer
        return np.where(z > 0, SELU_LAMBDA * z, SELU_LAMBDA_ALPHA * np.expm1(np.minimum(z, 0)))


def selu_grad(z):
    """Derivative of `selu`: lambda where z > 0, lambda alpha exp(z) where z <= 0.

    Examples
    --------
    >>> selu_grad([0.0, 1.0]).round(4)
    array([1.7581, 1.0507])
    """
    z = as_float_array(z, "z")
    return np.where(z > 0, z.dtype.type(SELU_LAMBDA),
                    SELU_LAMBDA_ALPHA * np.exp(np.minimum(z, 0)))


# --- GELU and SiLU: z times a smooth gate --------------------------------------------------------

def gelu(z):
    """Gaussian error linear unit (Hendrycks & Gimpel 2016), the exact form: z * Phi(z).

    Parameters
    ----------
    z : array_like

    Returns
    -------
    ndarray

    Notes
    -----
    Phi is the standard normal CDF. PyTorch's ``nn.GELU()`` default; the tanh approximation
    0.5 z (1 + tanh(sqrt(2/pi) (z + 0.044715 z^3))) differs from it by less than 5e-4.

    Examples
    --------
    >>> gelu([-1.0, 0.0, 1.0]).round(6)
    array([-0.158655,  0.      ,  0.841345])
    """
    z = as_float_array(z, "z")
    with np.errstate(invalid="ignore"):  # -inf * 0 at -inf, replaced by the limit below
        return _at_infinity(np.asarray(z * ndtr(z), dtype=z.dtype), z, 0, np.inf)


def _normal_density(x):
    """exp(-x^2 / 2) / sqrt(2 pi) for float64 x, to a few units in the last place. With x^2
    rounded, exp would be off by x^2 / 4 ulps (24 at x = 9.85): x is split into h, x rounded to
    24 bits, whose square is exact, and r = x - h, so that x^2 = h^2 + r (2 h + r)."""
    x = np.clip(x, -40, 40)  # phi(40) is 0 in float64 already; x * x cannot overflow
    h = x.astype(np.float32).astype(np.float64)
    r = x - h
    return np.exp(-0.5 * h * h) * np.exp(-r * (h + 0.5 * r)) / math.sqrt(2 * math.pi)


def gelu_grad(z):
    """Derivative of `gelu`: Phi(z) + z phi(z), with phi the standard normal density.

    Computed in float64 for every input dtype (then rounded to it): in float32, exp(-z^2 / 2)
    would lose z^2 / 4 units in the last place to the rounding of z^2 alone.

    Examples
    --------
    >>> gelu_grad([0.0]).round(6)
    array([0.5])
    """
    z = as_float_array(z, "z")
    x = z.astype(np.float64)
    with np.errstate(invalid="ignore"):  # inf * 0 at +-inf, replaced by the limits below
        return _at_infinity(np.asarray(ndtr(x) + x * _normal_density(x), dtype=z.dtype), z, 0, 1)


def silu(z):
    """Sigmoid linear unit, or Swish (Elfwing et al. 2018; Ramachandran et al. 2017).

    f(z) = z sigma(z), with sigma the logistic sigmoid.

    Examples
    --------
    >>> silu([-1.0, 0.0, 1.0]).round(6)
    array([-0.268941,  0.      ,  0.731059])
    """
    z = as_float_array(z, "z")
    with np.errstate(invalid="ignore"):
        return _at_infinity(np.asarray(z * expit(z), dtype=z.dtype), z, 0, np.inf)


def silu_grad(z):
    """Derivative of `silu`: sigma(z) (1 + z (1 - sigma(z))).

    1 - sigma(z) is computed as sigma(-z), the same number: for large z, 1 - sigma(z) keeps
    none of its digits (as in `sigmoid_grad`).

    Examples
    --------
    >>> silu_grad([0.0]).round(6)
    array([0.5])
    """
    z = as_float_array(z, "z")
    with np.errstate(invalid="ignore"):  # inf * 0 at +-inf, replaced by the limits below
        return _at_infinity(np.asarray(expit(z) * (1 + z * expit(-z)), dtype=z.dtype), z, 0, 1)


# --- sigmoid, tanh, identity ---------------------------------------------------------------------

def sigmoid(z):
    """Logistic sigmoid, 1 / (1 + exp(-z)), computed without overflow.

    Examples
    --------
    >>> sigmoid([0.0])
    array([0.5])
    """
    z = as_float_array(z, "z")
    return np.asarray(expit(z), dtype=z.dtype)  # scipy computes float16 in a wider type


def sigmoid_grad(z):
    """Derivative of `sigmoid`: s(z) (1 - s(z)), at most 0.25 (at z = 0).

    For |z| >= 1 computed as s(z) s(-z), the same number: for large z, 1 - s(z) would round
    to 0 (in float16 already at z = 9) while s(-z) keeps its digits. Near 0, s (1 - s) is
    exact enough and never rounds above 1/4.

    Examples
    --------
    >>> sigmoid_grad([0.0])
    array([0.25])
    """
    z = as_float_array(z, "z")
    s = sigmoid(z)
    return np.where(np.abs(z) < 1, s * (1 - s), s * sigmoid(-z)).astype(z.dtype, copy=False)


def tanh(z):
    """Hyperbolic tangent.

    Examples
    --------
    >>> tanh([0.0])
    array([0.])
    """
    z = as_float_array(z, "z")
    return np.tanh(z)


def tanh_grad(z):
    """Derivative of `tanh`: 1 - tanh(z)^2 = 1 / cosh(z)^2, at most 1 (at z = 0).

    Computed as 4 e / (1 + e)^2 with e = exp(-2 |z|), the same number: 1 - tanh(z)^2 loses its
    digits once tanh(z) rounds towards +-1 (6 % off at z = 8 in float32, 0 from |z| = 19 in
    float64), and cosh(z) overflows; here exp only sees numbers <= 0.

    Examples
    --------
    >>> tanh_grad([0.0])
    array([1.])
    """
    z = as_float_array(z, "z")
    e = np.exp(-2 * np.minimum(np.abs(z), 400))  # exp(-800) is 0 in every dtype: no overflow
    return np.minimum(4 * e / (1 + e) ** 2, 1)  # near 0, rounding could give 1 + 1 ulp


def linear(z):
    """The identity, for comparison: a network of linear layers is one linear map."""
    return as_float_array(z, "z").copy()


def linear_grad(z):
    """Derivative of `linear`: ones (NaN where z is NaN)."""
    z = as_float_array(z, "z")
    return _nan_where_input_nan(np.ones_like(z), z)


# --- the table -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Activation:
    """What the package needs to know about one activation.

    function, derivative : callable
        f(z, **params) and f'(z, **params).
    init : {"he", "lecun", "glorot"}
        The weight initialisation made for it (``helpers.init``).
    learned : bool
        True if its parameter is learned per channel (PReLU), not fixed.
    """

    function: Callable
    derivative: Callable
    init: str
    learned: bool = False

    @property
    def params(self):
        """Its parameters and their defaults, read from the function's signature."""
        if self.learned:
            return {"negative_slope": PRELU_INITIAL_SLOPE}
        signature = inspect.signature(self.function).parameters.values()
        return {p.name: p.default for p in signature if p.default is not p.empty}


ACTIVATIONS = {
    "linear": Activation(linear, linear_grad, init="lecun"),
    "relu": Activation(relu, relu_grad, init="he"),
    "leaky_relu": Activation(leaky_relu, leaky_relu_grad, init="he"),
    "prelu": Activation(prelu, prelu_grad, init="he", learned=True),
    "elu": Activation(elu, elu_grad, init="he"),
    "selu": Activation(selu, selu_grad, init="lecun"),
    "gelu": Activation(gelu, gelu_grad, init="he"),
    "silu": Activation(silu, silu_grad, init="he"),
    "sigmoid": Activation(sigmoid, sigmoid_grad, init="glorot"),
    "tanh": Activation(tanh, tanh_grad, init="glorot"),
}


def get_activation(name):
    """Return the pair ``(f, f_grad)`` of the activation called `name`, default parameters.

    Parameters
    ----------
    name : str
        A key of `ACTIVATIONS`. PReLU gets its initial slope, shared.

    Examples
    --------
    >>> f, df = get_activation("relu")
    >>> float(f(2.0)), float(df(2.0))
    (2.0, 1.0)
    """
    spec = ACTIVATIONS[check_choice(name, "activation", ACTIVATIONS)]
    if spec.learned:
        return (functools.partial(spec.function, **spec.params),
                functools.partial(spec.derivative, **spec.params))
    return spec.function, spec.derivative


def available_activations():
    """Names accepted by `get_activation`, sorted."""
    return sorted(ACTIVATIONS)
