"""Looking inside a network: dead units, per-layer statistics, gradient norms.

A unit is **dead on a data set** when its pre-activation is <= 0 for every sample of that
data set. For a ReLU unit this means every gradient into its incoming weights and bias is
exactly zero, so gradient descent can never revive it. The same mask for Leaky ReLU, PReLU,
ELU or SELU units means "in the negative regime everywhere", but their gradient is not zero.
"""

import numpy as np

from ._validation import DivergedError, check_bool, check_choice, check_finite_real, overflow_named
from .layers import (
    ACTIVATION_LAYERS,
    BatchNorm1d,
    Layer,
    PReLU,
    Residual,
    Sequential,
    check_model,
    leaf_layers,
)
from .losses import softmax_cross_entropy
from .training import check_data, in_mode

# Layers are found by type at any depth: inside Residual blocks and nested Sequentials too. A
# layer is named by its path, as in the keys of ``model.params``: "3" is model.layers[3], and
# "1.0" the first layer of the block of model.layers[1] (a Residual), whose weights are "1.0.W".


def _scaled(out):
    """`out` divided by its largest |value|, and that scale: statistics of values near 1e200
    without squares that overflow."""
    scale = float(np.abs(out).max(initial=0.0)) or 1.0
    return out / scale, scale


def _mean_std(out):
    unit, scale = _scaled(out)
    return float(unit.mean()) * scale, float(unit.std()) * scale


def _variance(out, name="X"):
    unit, scale = _scaled(out)
    var = float(unit.var()) * scale * scale
    if not np.isfinite(var):
        raise DivergedError(f"{name} is too large for this model: a variance of the outputs "
                            "overflows float64 (values beyond about 1e154). Rescale "
                            f"{name}, e.g. with helpers.scalers.StandardScaler.")
    return var


def _forward_traced(layer, x, path, trace):
    """layer.forward(x); also append (path, layer, input, output) to `trace` for `layer` and
    every layer inside it, in the order the forward pass finishes them."""
    if isinstance(layer, Sequential):
        out = x
        for i, inner in enumerate(layer.layers):
            out = _forward_traced(inner, out, f"{path}.{i}" if path else str(i), trace)
    elif isinstance(layer, Residual):  # its block's layers are named as its params are
        out = layer.skip(x, _forward_traced(layer.block, x, path, trace))
    else:
        out = layer.forward(x)
    trace.append((path, layer, x, out))
    return out


def _trace(model, X, layer_type, *, training=False):
    """[(path, layer, input, output)] on the whole data set X for every layer of `layer_type`
    in `model` (the model itself excluded), in forward order; evaluation mode by default."""
    check_model(model, sequential=True)
    X, _ = check_data(X, None, model=model)
    trace = []
    with in_mode(model, training=training), overflow_named("X"):
        _forward_traced(model, X, "", trace)
    return [(path, layer, x, out) for path, layer, x, out in trace
            if layer is not model and isinstance(layer, layer_type)]


def preactivations(model, X):
    """Inputs of every activation layer of a Sequential, for the whole data set X.

    Activation layers inside Residual blocks and nested Sequentials count too: a residual model
    gives one entry per activation layer, in order, as the same model without skips would.

    Returns
    -------
    list of (path, ndarray of shape (N, units)): the layer's name (as in the keys of
    ``model.params``: "3", or "1.1" inside model.layers[1]) and its pre-activations, computed
    in evaluation mode.
    """
    return [(path, z) for path, _, z, _ in _trace(model, X, ACTIVATION_LAYERS)]


def dead_unit_masks(model, X):
    """Per activation layer, a boolean mask of the units that are dead on X.

    Returns
    -------
    list of ndarray of bool, one (units,) mask per activation layer.

    Examples
    --------
    >>> from helpers.layers import Linear, ReLU, Sequential
    >>> net = Sequential(Linear(2, 3, rng=np.random.default_rng(0)), ReLU())
    >>> net.layers[0].params["b"][:] = [-100.0, 100.0, 100.0]
    >>> dead_unit_masks(net, np.eye(2))[0].tolist()
    [True, False, False]
    """
    return [np.all(z <= 0, axis=0) for _, z in preactivations(model, X)]


def dead_fractions(model, X):
    """Fraction of dead units on X in each activation layer: ndarray (n_activation_layers,)."""
    return np.array([mask.mean() for mask in dead_unit_masks(model, X)], dtype=float)


def near_zero_fractions(model, X, threshold=1e-3):
    """A common *proxy*: fraction of units whose mean |activation| over X is below threshold.

    Not the definition of dead; notebook 01 compares the two.
    """
    threshold = check_finite_real(threshold, "threshold", minimum=0.0)
    return np.array([np.mean(np.mean(np.abs(out), axis=0) < threshold)
                     for *_, out in _trace(model, X, ACTIVATION_LAYERS)], dtype=float)


def activation_statistics(model, X):
    """Mean and standard deviation of every activation layer's output over X (all units).

    Returns
    -------
    dict with "layer" (the layers' names, as in `preactivations`), "mean" and "std": arrays of
    shape (n_activation_layers,).
    """
    trace = _trace(model, X, ACTIVATION_LAYERS)
    moments = np.array([_mean_std(out) for *_, out in trace], dtype=float).reshape(-1, 2)
    return {"layer": np.array([path for path, *_ in trace], dtype=str),
            "mean": moments[:, 0], "std": moments[:, 1]}


def gradient_norms(model, name="W"):
    """Frobenius norms of the gradients of the parameters called `name`, in layer order.

    Call after a backward pass. Returns a dict "index.name" -> float.
    """
    check_model(model)
    _check_name(name, model)
    return {key: float(np.linalg.norm(unit)) * scale for key, (unit, scale) in (
            (key, _scaled(g)) for key, g in model.grads.items()) if key.rsplit(".", 1)[-1] == name}


def hidden_weight_gradient_norms(model, X, y):
    """||dL/dW|| of every weight matrix but the output layer's, first to last, after one
    forward and backward pass of the cross-entropy loss on (X, y) in training mode (the
    model's mode is restored afterwards).

    Returns
    -------
    ndarray, shape (number of weight matrices - 1,)
    """
    check_model(model)
    if y is None:
        raise TypeError("y must be the labels of X (class indices); got None.")
    X, y = check_data(X, y, "X", model=model)
    with in_mode(model, training=True), overflow_named("X"):
        _, dlogits = softmax_cross_entropy(model.forward(X), y)
        model.backward(dlogits)
    return np.array(list(gradient_norms(model).values())[:-1])


def parameter_count(model, name=None):
    """Number of trainable numbers in `model` (only parameters called `name`, if given).

    Examples
    --------
    >>> from helpers.layers import Linear, PReLU, Sequential
    >>> net = Sequential(Linear(3, 4, rng=np.random.default_rng(0)), PReLU(4))
    >>> parameter_count(net), parameter_count(net, "negative_slope")
    (20, 4)
    """
    check_model(model)
    if name is not None:
        _check_name(name, model)
    return int(sum(v.size for key, v in model.params.items()
                   if name is None or key.rsplit(".", 1)[-1] == name))


def prelu_slopes(model):
    """The slopes of every PReLU layer, in order (inside Residual blocks too): a list of 1-D
    arrays (copies)."""
    check_model(model, sequential=True)
    return [layer.params["negative_slope"].copy() for layer in leaf_layers(model)
            if isinstance(layer, PReLU)]


def layer_output_statistics(model, X, layer_type, *, training=False):
    """Mean and variance of the outputs of every layer of type `layer_type` over X.

    Parameters
    ----------
    model : helpers.layers.Sequential
    X : array_like, shape (N, D)
    layer_type : type or tuple of types, e.g. ``helpers.layers.AlphaDropout``
        Layers of this type at any depth; containers count (``helpers.layers.Residual``: the
        residual stream after each block).
    training : bool, default False
        Run in training mode (dropout active, batch statistics) instead of evaluation mode;
        the model's mode, and batch norm's running statistics, are restored afterwards.

    Returns
    -------
    dict with "layer" (the layers' names, as in `preactivations`), "mean" and "var": arrays of
    shape (n_matching_layers,), in the order the forward pass finishes the layers.
    """
    check_model(model, sequential=True)
    if not (isinstance(layer_type, type) and issubclass(layer_type, Layer) or isinstance(
            layer_type, tuple) and layer_type and all(
            isinstance(t, type) and issubclass(t, Layer) for t in layer_type)):
        raise TypeError(f"layer_type must be a layer class such as helpers.layers.AlphaDropout "
                        f"(or a tuple of them); got {layer_type!r:.60}.")
    training = check_bool(training, "training")
    buffers = [(layer, layer.running_mean.copy(), layer.running_var.copy())
               for layer in leaf_layers(model) if isinstance(layer, BatchNorm1d)]
    try:
        trace = _trace(model, X, layer_type, training=training)
    finally:  # a look in training mode must not move batch norm's running statistics
        for layer, mean, var in buffers:
            layer.running_mean[...], layer.running_var[...] = mean, var
    return {"layer": np.array([path for path, *_ in trace], dtype=str),
            "mean": np.array([_mean_std(out)[0] for *_, out in trace], dtype=float),
            "var": np.array([_variance(out) for *_, out in trace], dtype=float)}


# The parameter names of helpers.layers: a model without PReLU has 0 parameters called
# "negative_slope", which is an answer, not an error; a name no layer has is a typo.
PARAMETER_NAMES = ("W", "b", "negative_slope", "gamma", "beta")


def _check_name(name, model):
    """`name` must be a parameter name (the part after the dot, e.g. "W")."""
    names = {key.rsplit(".", 1)[-1] for key in model.params} | set(PARAMETER_NAMES)
    check_choice(name, "name", names)
