"""Activation functions and their derivatives, vectorised and warning-free.

Conventions (as in PyTorch):

- At exactly 0 a derivative takes the z <= 0 branch: ``relu_grad(0) == 0``.
- Floating inputs keep their dtype; ints, bools and lists become float64; anything else
  is a TypeError. Shapes are kept, 0-d included. NaN propagates; +-inf give the limits.
- No finite input raises a RuntimeWarning (nothing computes ``exp`` of a large positive).
"""

import numpy as np
from scipy.special import expit

from ._validation import as_float_array, check_choice


def _nan_where_input_nan(out, z):
    """Derivatives built from comparisons turn NaN into 0; put the NaN back."""
    nan = np.isnan(z)
    if nan.any():
        out[nan] = np.nan
    return out


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


_REGISTRY = {
    "linear": (linear, linear_grad),
    "relu": (relu, relu_grad),
    "sigmoid": (sigmoid, sigmoid_grad),
    "tanh": (tanh, tanh_grad),
}


def get_activation(name):
    """Return the pair ``(f, f_grad)`` for an activation given by name.

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
