"""Looking inside a network: dead units, per-layer statistics, gradient norms.

A unit is **dead on a data set** when its pre-activation is <= 0 for every sample of that
data set. For a ReLU unit this means every gradient into its incoming weights and bias is
exactly zero, so gradient descent can never revive it. The same mask for Leaky ReLU, PReLU,
ELU or SELU units means "in the negative regime everywhere", but their gradient is not zero.
"""

import numpy as np

from ._validation import check_choice, check_finite_real
from .layers import ACTIVATION_LAYERS, Layer, PReLU, check_model
from .losses import softmax_cross_entropy
from .training import check_data, evaluating, in_mode


def preactivations(model, X):
    """Inputs of every activation layer of a Sequential, for the whole data set X.

    Returns
    -------
    list of (index, ndarray of shape (N, units)): the layer's position in the model and its
    pre-activations, computed in evaluation mode.
    """
    check_model(model, sequential=True)
    X, _ = check_data(X, None, model=model)
    with evaluating(model):
        outputs = model.forward_all(X)
    return [(i, outputs[i]) for i, layer in enumerate(model.layers)
            if isinstance(layer, ACTIVATION_LAYERS)]


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
    return np.array([mask.mean() for mask in dead_unit_masks(model, X)])


def near_zero_fractions(model, X, threshold=1e-3):
    """A common *proxy*: fraction of units whose mean |activation| over X is below threshold.

    Not the definition of dead; notebook 01 compares the two.
    """
    threshold = check_finite_real(threshold, "threshold", minimum=0.0)
    masks = []
    for i, z in preactivations(model, X):
        with evaluating(model):
            out = model.layers[i].forward(z)
        masks.append(np.mean(np.abs(out), axis=0) < threshold)
    return np.array([m.mean() for m in masks])


def activation_statistics(model, X):
    """Mean and standard deviation of every activation layer's output over X (all units).

    Returns
    -------
    dict with "layer" (indices), "mean" and "std": arrays of shape (n_activation_layers,).
    """
    check_model(model, sequential=True)
    X, _ = check_data(X, None, model=model)
    with evaluating(model):
        outputs = model.forward_all(X)
    idx = [i for i, layer in enumerate(model.layers) if isinstance(layer, ACTIVATION_LAYERS)]
    return {
        "layer": np.array(idx),
        "mean": np.array([outputs[i + 1].mean() for i in idx]),
        "std": np.array([outputs[i + 1].std() for i in idx]),
    }


def gradient_norms(model, name="W"):
    """Frobenius norms of the gradients of the parameters called `name`, in layer order.

    Call after a backward pass. Returns a dict "index.name" -> float.
    """
    check_model(model)
    _check_name(name, model)
    return {key: float(np.linalg.norm(g)) for key, g in model.grads.items()
            if key.rsplit(".", 1)[-1] == name}


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
    with in_mode(model, training=True):
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
    """The slopes of every PReLU layer, in order: a list of 1-D arrays (copies)."""
    check_model(model, sequential=True)
    return [layer.params["negative_slope"].copy() for layer in model.layers
            if isinstance(layer, PReLU)]


def layer_output_statistics(model, X, layer_type, *, training=False):
    """Mean and variance of the outputs of every layer of type `layer_type` over X.

    Parameters
    ----------
    model : helpers.layers.Sequential
    X : array_like, shape (N, D)
    layer_type : type or tuple of types, e.g. ``helpers.layers.AlphaDropout``
    training : bool, default False
        Run in training mode (dropout active, batch statistics) instead of evaluation mode;
        the model's mode is restored afterwards.

    Returns
    -------
    dict with "layer" (indices), "mean" and "var": arrays of shape (n_matching_layers,).
    """
    check_model(model, sequential=True)
    if not (isinstance(layer_type, type) and issubclass(layer_type, Layer) or isinstance(
            layer_type, tuple) and layer_type and all(
            isinstance(t, type) and issubclass(t, Layer) for t in layer_type)):
        raise TypeError(f"layer_type must be a layer class such as helpers.layers.AlphaDropout "
                        f"(or a tuple of them); got {layer_type!r:.60}.")
    X, _ = check_data(X, None, model=model)
    with in_mode(model, training=training):
        outputs = model.forward_all(X)
    idx = [i for i, layer in enumerate(model.layers) if isinstance(layer, layer_type)]
    return {"layer": np.array(idx, dtype=int),
            "mean": np.array([outputs[i + 1].mean() for i in idx]),
            "var": np.array([outputs[i + 1].var() for i in idx])}


# The parameter names of helpers.layers: a model without PReLU has 0 parameters called
# "negative_slope", which is an answer, not an error; a name no layer has is a typo.
PARAMETER_NAMES = ("W", "b", "negative_slope", "gamma", "beta")


def _check_name(name, model):
    """`name` must be a parameter name (the part after the dot, e.g. "W")."""
    names = {key.rsplit(".", 1)[-1] for key in model.params} | set(PARAMETER_NAMES)
    check_choice(name, "name", names)
