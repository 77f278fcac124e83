"""Gradient checking: compare an analytic derivative with central finite differences."""

import numpy as np

from ._validation import (
    as_float_array,
    check_callable,
    check_finite_real,
    check_not_masked,
    check_positive_int,
)
from .layers import check_model

# A finite-difference step: below, rounding swamps the difference (f(x + h) - f(x - h) keeps
# few digits); above, the truncation error of the formula does. 1e200 or 1e-300 is garbage.
MIN_STEP, MAX_STEP = 1e-12, 0.1


def _check_step(eps):
    eps = check_finite_real(eps, "eps", minimum=0.0, exclusive=True)
    if not MIN_STEP <= eps <= MAX_STEP:
        raise ValueError(f"eps must be in [{MIN_STEP:g}, {MAX_STEP:g}] (a finite-difference "
                         "step: smaller ones are lost to rounding, larger ones to the "
                         f"truncation error); got {eps:g}.")
    return eps


def _scaled_step(x, eps):
    """The step at x: eps relative to |x| where |x| > 1 (else x + eps would round to x at
    1e200), made exactly representable as (x + h) - x."""
    h = eps * np.maximum(1.0, np.abs(x))
    return (x + h) - x


def _check_finite_point(x, name):
    """Finite differences need a finite point: at inf, f(x + h) - f(x - h) is inf - inf."""
    if not np.isfinite(x).all():
        raise ValueError(f"{name} must be finite to take finite differences (at inf or NaN, "
                         f"f({name} + h) - f({name} - h) is undefined); got NaN or inf in it.")
    return x


def relative_error(analytic, numeric):
    """||a - n|| / (||a|| + ||n||): about 1e-9 means agreement, 1e-2 or more means a bug.

    Norms over the whole array, so that an entry that is nearly zero (where finite
    differences lose their relative precision) does not dominate. NaN or inf anywhere in
    either array gives inf, which is below no tolerance: a gradient that holds NaN or inf
    never passes a check. Two arrays of zeros (or of nothing) agree: 0.

    Examples
    --------
    >>> relative_error([1.0, 2.0], [1.0, 2.0])
    0.0
    >>> relative_error([np.nan], [1.0])
    inf
    """
    a = as_float_array(analytic, "analytic").astype(np.float64)
    n = as_float_array(numeric, "numeric").astype(np.float64)
    if a.shape != n.shape:
        raise ValueError(f"analytic and numeric must have the same shape; got {a.shape} and "
                         f"{n.shape}.")
    if not (np.isfinite(a).all() and np.isfinite(n).all()):
        return np.inf
    # in units of the largest entry: no square overflows (1e200) or underflows (1e-200)
    unit = max(np.abs(a).max(initial=0.0), np.abs(n).max(initial=0.0))
    if unit == 0:
        return 0.0
    a, n = a / unit, n / unit
    return float(np.linalg.norm(a - n) / (np.linalg.norm(a) + np.linalg.norm(n)))


def elementwise_derivative(f, z, *, eps=1e-3):
    """Five-point central difference of an elementwise function f at every z.

    (f(z - 2h) - 8 f(z - h) + 8 f(z + h) - f(z + 2h)) / (12 h): its error is O(h^4), so a
    large step (h = 1e-3) keeps rounding error small even where f' is tiny (saturation).
    The step is eps in [1e-12, 0.1], relative to |z| where |z| > 1. Keep |z| > 2h away from
    kinks.

    Examples
    --------
    >>> round(float(elementwise_derivative(lambda z: z**3, 2.0)), 9)
    12.0
    """
    check_callable(f, "f", "helpers.activations.elu")
    z = _check_finite_point(as_float_array(z, "z").astype(np.float64), "z")
    h = _check_step(eps)

    h = _scaled_step(z, h)

    def value(at):
        return as_float_array(f(at), "f(z)")

    return (value(z - 2 * h) - 8 * value(z - h) + 8 * value(z + h) - value(z + 2 * h)) / (12 * h)


def numerical_gradient(f, x, *, dout=None, eps=1e-6):
    """Gradient of sum(f(x) * dout) with respect to x, one central difference per element.

    Parameters
    ----------
    f : callable
        Maps an array shaped like `x` to an array shaped like `dout`. It may read `x` but
        must not keep it: `x` is perturbed in place and restored.
    x : ndarray (float64)
    dout : ndarray, optional
        Upstream gradient; default ones (plain sum of the outputs).
    eps : float in [1e-12, 0.1], default 1e-6
        The step, relative to |x_i| where |x_i| > 1.

    Returns
    -------
    ndarray shaped like `x`

    Examples
    --------
    >>> x = np.array([1.0, 2.0])
    >>> numerical_gradient(lambda v: v**2, x).round(6)
    array([2., 4.])
    """
    check_not_masked(x, "x")
    if not isinstance(x, np.ndarray) or x.dtype != np.float64:
        raise TypeError("x must be a float64 ndarray (it is perturbed in place); got "
                        f"{type(x).__name__} of dtype {getattr(x, 'dtype', None)}.")
    if not x.flags.writeable:
        raise ValueError("x must be writeable (it is perturbed in place and restored); got a "
                         "read-only array. Pass a copy: x.copy().")
    _check_finite_point(x, "x")
    check_callable(f, "f", "lambda v: v**2")
    eps = _check_step(eps)

    def value():
        return as_float_array(f(x), "f(x)")

    out = value()
    dout = np.ones_like(out) if dout is None else as_float_array(dout, "dout")
    if dout.shape != out.shape:
        raise ValueError(f"dout must have the shape of f(x), {out.shape}; got {dout.shape}.")
    grad = np.zeros(x.shape)
    for i in np.ndindex(x.shape):  # index x itself: a reshaped view may be a copy (x.T, x[::2])
        saved = x[i]
        h = _scaled_step(saved, eps)
        try:
            x[i] = saved + h
            plus = np.sum(value() * dout)
            x[i] = saved - h
            minus = np.sum(value() * dout)
        finally:  # restored even if f raises
            x[i] = saved
        grad[i] = (plus - minus) / (2 * h)
    return grad


def check_layer(layer, x, *, seed=0, eps=1e-6):
    """Compare a layer's backward with finite differences, for its input and every parameter.

    Parameters
    ----------
    layer : helpers.layers.Layer
        In the mode to check (train or eval). A layer with an `rng` (dropout) draws the
        same mask in every forward of the check.
    x : ndarray (float64), shape (N, D)
    seed : int
        Seeds the random upstream gradient (independently of inputs drawn with this seed).

    Returns
    -------
    dict name -> relative error: "x" and each key of ``layer.params`` (about 1e-9 or less
    when the backward is right).
    """
    check_model(layer, "layer")
    if not isinstance(x, np.ndarray) or x.dtype != np.float64:
        raise TypeError("x must be a float64 ndarray; got "
                        f"{type(x).__name__} of dtype {getattr(x, 'dtype', None)}.")
    _check_finite_point(x, "x")
    seed = check_positive_int(seed, "seed", minimum=0)
    eps = _check_step(eps)
    rng_state = layer.rng.bit_generator.state if hasattr(layer, "rng") else None
    buffers = {k: getattr(layer, k).copy() for k in ("running_mean", "running_var")
               if hasattr(layer, k)}

    def forward(_=None):
        if rng_state is not None:
            layer.rng.bit_generator.state = rng_state
        for k, v in buffers.items():  # keep batch norm's running statistics fixed
            getattr(layer, k)[...] = v
        return layer.forward(x)

    # keyed by (seed, "dout") so that dout never equals an input drawn with the same seed:
    # for batch norm, dout = x would make the true dx nearly zero and the check meaningless
    dout = np.random.default_rng([seed, 0x646F7574]).standard_normal(forward().shape)
    dx = layer.backward(dout)
    errors = {"x": relative_error(dx, numerical_gradient(forward, x, dout=dout, eps=eps))}
    for key, param in layer.params.items():
        analytic = layer.grads[key].copy()
        errors[key] = relative_error(analytic, numerical_gradient(forward, param, dout=dout,
                                                                  eps=eps))
    return errors
