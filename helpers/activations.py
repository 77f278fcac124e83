"""Activation functions and their derivatives, vectorised and warning-free.

Conventions (as in PyTorch):

- At exactly 0 a derivative takes the z <= 0 branch: ``relu_grad(0) == 0``,
  ``leaky_relu_grad(0) == alpha``, ``selu_grad(0) == SELU_LAMBDA * SELU_ALPHA``.
- Floating inputs keep their dtype; ints, bools and lists become float64; anything else
  is a TypeError. Shapes are kept, 0-d included. NaN propagates; +-inf give the limits.
- No finite input raises a RuntimeWarning: ``exp`` only ever sees non-positive numbers.
  (A result too large for the dtype, e.g. SELU of float32's maximum, is inf, silently.)
"""

import numbers
import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from scipy.special import expit

from ._validation import as_float_array, check_choice, check_finite_real

# The float64 values nearest the exact constants of Klambauer et al. (2017).
SELU_ALPHA = 1.6732632423543772848170429916717
SELU_LAMBDA = 1.0507009873554804934193349852946
# Their product, rounded once from the exact product: selu's saturation value is
# -SELU_LAMBDA_ALPHA and selu_grad(0) == SELU_LAMBDA_ALPHA. (The float product
# SELU_LAMBDA * SELU_ALPHA is one ulp lower, and would make selu(-1) one ulp off.)
SELU_LAMBDA_ALPHA = 1.7580993408473768599402175208123


def _nan_where_input_nan(out, z):
    """Derivatives built from comparisons turn NaN into a number; put the NaN back."""
    nan = np.isnan(z)
    if nan.any():
        out[nan] = np.nan
    return out


# --- ReLU, Leaky ReLU, PReLU: max(0, z) + alpha * min(0, z) -------------------------------

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


def _rectify(z, alpha):
    """max(0, z) + alpha * min(0, z) for a scalar or broadcastable alpha of z's dtype."""
    out = np.minimum(z, 0, out=np.empty(z.shape, dtype=z.dtype))
    # |alpha| > 1 may push -huge to -inf (that is the answer); 0 * -inf is fixed just below
    with np.errstate(over="ignore", invalid="ignore"):
        np.multiply(out, alpha, out=out)
    zero_slope = np.asarray(alpha == 0)
    if zero_slope.any():  # 0 * -inf is NaN, but the limit of 0 * z as z -> -inf is 0
        out[np.isneginf(z) & zero_slope] = 0
    out += np.maximum(z, 0)
    return out


def _rectify_grad(z, alpha):
    """1 where z > 0, alpha where z <= 0 (NaN where z is NaN)."""
    out = np.where(z > 0, z.dtype.type(1), alpha).astype(z.dtype)  # astype copies: writable
    return _nan_where_input_nan(out, z)


def leaky_relu(z, alpha=0.01):
    """Leaky ReLU with a fixed slope `alpha` for negative inputs (Maas et al. 2013: 0.01).

    Parameters
    ----------
    z : array_like
    alpha : float, default 0.01
        Slope for z <= 0. Any finite value; 0 gives ReLU.

    Returns
    -------
    ndarray

    Notes
    -----
    f(z) = max(0, z) + alpha * min(0, z)

    Examples
    --------
    >>> leaky_relu([-2.0, 3.0])
    array([-0.02,  3.  ])
    """
    z = as_float_array(z, "z")
    alpha = check_finite_real(alpha, "alpha")
    return _rectify(z, z.dtype.type(alpha))


def leaky_relu_grad(z, alpha=0.01):
    """Derivative of `leaky_relu`: 1 where z > 0, `alpha` where z <= 0.

    Examples
    --------
    >>> leaky_relu_grad([-2.0, 0.0, 3.0], alpha=0.1)
    array([0.1, 0.1, 1. ])
    """
    z = as_float_array(z, "z")
    alpha = check_finite_real(alpha, "alpha")
    return _rectify_grad(z, z.dtype.type(alpha))


def _channel_slopes(z, alpha, axis):
    """Validate PReLU's alpha; return it in z's dtype, shaped to broadcast along `axis`."""
    if isinstance(alpha, numbers.Real) and not isinstance(alpha, bool):
        return z.dtype.type(check_finite_real(alpha, "alpha"))
    alpha = as_float_array(alpha, "alpha")
    if not np.all(np.isfinite(alpha)):
        raise ValueError(f"alpha must be finite; got {alpha}.")
    if alpha.ndim == 0:
        return alpha.astype(z.dtype)
    if alpha.ndim != 1:
        raise ValueError(
            "alpha must be a scalar or a 1-D array with one slope per channel; got shape "
            f"{alpha.shape}."
        )
    if isinstance(axis, bool) or not isinstance(axis, numbers.Integral):
        raise TypeError(f"axis must be an integer; got {axis!r}.")
    if not -z.ndim <= axis < z.ndim:
        hint = " For a 1-D input, use axis=0." if z.ndim == 1 else ""
        raise ValueError(f"axis {axis} is out of range for z with {z.ndim} dimensions.{hint}")
    if alpha.size != z.shape[axis]:
        raise ValueError(
            f"alpha must have one slope per channel: z.shape[{axis}] is {z.shape[axis]}, got "
            f"{alpha.size} slopes."
        )
    shape = [1] * z.ndim
    shape[axis] = alpha.size
    return alpha.astype(z.dtype).reshape(shape)


def prelu(z, alpha, axis=1):
    """Parametric ReLU (He et al. 2015): Leaky ReLU whose slope `alpha` is learned.

    Parameters
    ----------
    z : array_like
        Pre-activations; channels along `axis` (e.g. (N, C) or (N, C, H, W)).
    alpha : float or array_like of shape (z.shape[axis],)
        One slope shared by all channels, or one per channel. Any finite value: a learned
        slope is not confined to [0, 1].
    axis : int, default 1
        The channel axis; used only for a channel-wise `alpha`.

    Returns
    -------
    ndarray, shaped and typed like `z`

    Notes
    -----
    f(z_i) = max(0, z_i) + alpha_i * min(0, z_i), with i the channel. This is not
    ``np.maximum(alpha * z, z)``, which is wrong as soon as alpha > 1.

    Examples
    --------
    >>> prelu([[-1.0, -1.0], [2.0, 2.0]], [0.1, 0.2])
    array([[-0.1, -0.2],
           [ 2. ,  2. ]])
    """
    z = as_float_array(z, "z")
    return _rectify(z, _channel_slopes(z, alpha, axis))


def prelu_grad(z, alpha, axis=1):
    """Derivative of `prelu` with respect to z: 1 where z > 0, alpha (of that channel) else.

    Examples
    --------
    >>> prelu_grad([[-1.0, 3.0]], [0.1, 0.2])
    array([[0.1, 1. ]])
    """
    z = as_float_array(z, "z")
    return _rectify_grad(z, _channel_slopes(z, alpha, axis))


def prelu_backward(dout, z, alpha, axis=1):
    """Backward pass of `prelu`: gradients with respect to its input and its slopes.

    Parameters
    ----------
    dout : array_like, shaped like z
        Upstream gradient dL/df.
    z, alpha, axis
        As for `prelu`.

    Returns
    -------
    dz : ndarray, shaped like z
        dout * (1 if z > 0 else alpha).
    dalpha : ndarray, shaped like alpha
        Sum of dout * min(0, z) over every axis but the channel axis (over all axes for a
        shared alpha).

    Examples
    --------
    >>> dz, dalpha = prelu_backward([[1.0, 1.0]], [[-2.0, 3.0]], 0.25)
    >>> dz, float(dalpha)
    (array([[0.25, 1.  ]]), -2.0)
    """
    z = as_float_array(z, "z")
    dout = as_float_array(dout, "dout")
    if dout.shape != z.shape:
        raise ValueError(f"dout must have the shape of z, {z.shape}; got {dout.shape}.")
    slopes = _channel_slopes(z, alpha, axis)
    dz = dout * _rectify_grad(z, slopes)
    local = dout * np.minimum(z, 0)
    if np.ndim(slopes) == 0:
        return dz, np.asarray(local.sum(), dtype=z.dtype)
    channel = axis % z.ndim
    other_axes = tuple(i for i in range(z.ndim) if i != channel)
    return dz, local.sum(axis=other_axes)


# --- ELU and SELU: scale * (max(0, z) + alpha * expm1(min(0, z))) --------------------------

_BLOCK = 1 << 16  # elements per chunk: a few arrays of this size stay in a 2 MB L2 cache
_PARALLEL_MIN = 1 << 20  # below this, threads cost more than they save


def _workers():
    try:
        return max(1, min(4, len(os.sched_getaffinity(0))))
    except AttributeError:  # not on Linux
        return max(1, min(4, os.cpu_count() or 1))


_POOL = None


def _pool():
    global _POOL
    if _POOL is None:
        _POOL = ThreadPoolExecutor(max_workers=_workers(), thread_name_prefix="helpers-act")
    return _POOL


def _blockwise(kernel, z):
    """Apply kernel(z_block, out_block, scratch, mask) over cache-sized blocks, on threads.

    One pass through memory instead of one per numpy operation; numpy's ufuncs release the
    GIL, so threads work on disjoint blocks in parallel.
    """
    out = np.empty(z.shape, dtype=z.dtype)
    flat_z, flat_out = np.ascontiguousarray(z).reshape(-1), out.reshape(-1)

    def run(start, stop):
        scratch = np.empty(min(_BLOCK, stop - start), dtype=z.dtype)
        mask = np.empty(scratch.size, dtype=bool)
        for lo in range(start, stop, _BLOCK):
            hi = min(lo + _BLOCK, stop)
            kernel(flat_z[lo:hi], flat_out[lo:hi], scratch[: hi - lo], mask[: hi - lo])

    n = flat_z.size
    workers = _workers() if n >= _PARALLEL_MIN else 1
    if workers == 1:
        run(0, n)
    else:
        bounds = np.linspace(0, n, workers + 1).astype(int)
        list(_pool().map(run, bounds[:-1], bounds[1:]))
    return out


def _scaled_elu(z, alpha, scale):
    """scale * (max(0, z) + alpha * expm1(min(0, z))), with scale * alpha passed pre-rounded."""
    scale, scaled_alpha = z.dtype.type(scale[0]), z.dtype.type(scale[1])

    def kernel(zb, ob, tmp, _):
        np.minimum(zb, 0, out=tmp)
        np.expm1(tmp, out=tmp)  # expm1, not exp - 1: exact for tiny |z|; never overflows here
        tmp *= scaled_alpha
        np.maximum(zb, 0, out=ob)
        if scale != 1:
            ob *= scale
        ob += tmp

    with np.errstate(over="ignore"):
        return _blockwise(kernel, z)


def _scaled_elu_grad(z, alpha, scale):
    """scale where z > 0, scale * alpha * exp(z) where z <= 0."""
    scale, scaled_alpha = z.dtype.type(scale[0]), z.dtype.type(scale[1])

    def kernel(zb, ob, tmp, mask):
        # Masked assignment (np.where, copyto(where=)) is slow on random signs; multiplying
        # by 0/1 masks is fast and exact.
        np.minimum(zb, 0, out=ob)
        np.exp(ob, out=ob)  # exactly 1 where z > 0
        np.less_equal(zb, 0, out=mask)
        ob *= mask  # NaN stays NaN
        ob *= scaled_alpha
        np.greater(zb, 0, out=mask)
        np.multiply(mask, scale, out=tmp)
        ob += tmp

    return _blockwise(kernel, z)


def elu(z, alpha=1.0):
    """Exponential linear unit (Clevert et al. 2016).

    Parameters
    ----------
    z : array_like
    alpha : float, default 1.0
        Saturation value for z -> -inf is -alpha.

    Returns
    -------
    ndarray

    Notes
    -----
    f(z) = z for z > 0, alpha (exp(z) - 1) for z <= 0.

    Examples
    --------
    >>> elu([-1.0, 2.0]).round(6)
    array([-0.632121,  2.      ])
    """
    z = as_float_array(z, "z")
    alpha = check_finite_real(alpha, "alpha")
    return _scaled_elu(z, alpha, (1.0, alpha))


def elu_grad(z, alpha=1.0):
    """Derivative of `elu`: 1 where z > 0, alpha exp(z) where z <= 0.

    Examples
    --------
    >>> elu_grad([0.0, 2.0], alpha=1.5)
    array([1.5, 1. ])
    """
    z = as_float_array(z, "z")
    alpha = check_finite_real(alpha, "alpha")
    return _scaled_elu_grad(z, alpha, (1.0, alpha))


def selu(z):
    """Scaled exponential linear unit (Klambauer et al. 2017).

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
    return _scaled_elu(z, SELU_ALPHA, (SELU_LAMBDA, SELU_LAMBDA_ALPHA))


def selu_grad(z):
    """Derivative of `selu`: lambda where z > 0, lambda alpha exp(z) where z <= 0.

    Examples
    --------
    >>> selu_grad([0.0, 1.0]).round(4)
    array([1.7581, 1.0507])
    """
    z = as_float_array(z, "z")
    return _scaled_elu_grad(z, SELU_ALPHA, (SELU_LAMBDA, SELU_LAMBDA_ALPHA))


# --- sigmoid, tanh, identity -----------------------------------------------------------------

def sigmoid(z):
    """Logistic sigmoid, 1 / (1 + exp(-z)), computed without overflow.

    Examples
    --------
    >>> sigmoid([0.0])
    array([0.5])
    """
    z = as_float_array(z, "z")
    return expit(z)


def sigmoid_grad(z):
    """Derivative of `sigmoid`: s(z) (1 - s(z)), at most 0.25 (at z = 0).

    Examples
    --------
    >>> sigmoid_grad([0.0])
    array([0.25])
    """
    s = sigmoid(z)
    return s * (1 - s)


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
    """Derivative of `tanh`: 1 - tanh(z)^2, at most 1 (at z = 0).

    Examples
    --------
    >>> tanh_grad([0.0])
    array([1.])
    """
    t = tanh(z)
    return 1 - t * t


def linear(z):
    """The identity, for comparison: a network of linear layers is one linear map."""
    return as_float_array(z, "z").copy()


def linear_grad(z):
    """Derivative of `linear`: ones (NaN where z is NaN)."""
    z = as_float_array(z, "z")
    return _nan_where_input_nan(np.ones_like(z), z)


# --- lookup by name -------------------------------------------------------------------------

_REGISTRY = {
    "linear": (linear, linear_grad),
    "relu": (relu, relu_grad),
    "leaky_relu": (leaky_relu, leaky_relu_grad),
    "elu": (elu, elu_grad),
    "selu": (selu, selu_grad),
    "sigmoid": (sigmoid, sigmoid_grad),
    "tanh": (tanh, tanh_grad),
}


def get_activation(name):
    """Return the pair ``(f, f_grad)`` for an activation given by name (default parameters).

    Parameters
    ----------
    name : str
        One of ``available_activations()``.

    Examples
    --------
    >>> f, df = get_activation("relu")
    >>> float(f(2.0)), float(df(2.0))
    (2.0, 1.0)
    """
    check_choice(name, "activation", _REGISTRY)
    return _REGISTRY[name]


def available_activations():
    """Names accepted by `get_activation`, sorted."""
    return sorted(_REGISTRY)
