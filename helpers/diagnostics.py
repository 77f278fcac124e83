"""Looking inside a network: dead units, per-layer statistics, gradient norms.

A unit is **dead on a data set** when its pre-activation is <= 0 for every sample of that
data set. For a ReLU unit this means every gradient into its incoming weights and bias is
exactly zero, so gradient descent can never revive it. The same mask for Leaky ReLU, PReLU,
ELU or SELU units means "in the negative regime everywhere", but their gradient is not zero.
"""

import numpy as np

from ._validation import check_positive_int, check_rng
from .layers import ACTIVATION_LAYERS, BatchNorm1d, PReLU
from .training import check_data, evaluating


def preactivations(model, X):
    """Inputs of every activation layer of a Sequential, for the whole data set X.

    Returns
    -------
    list of (index, ndarray of shape (N, units)): the layer's position in the model and its
    pre-activations, computed in evaluation mode.
    """
    X, _ = check_data(X, None)
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
    X, _ = check_data(X, None)
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
    return {key: float(np.linalg.norm(g)) for key, g in model.grads.items()
            if key.rsplit(".", 1)[-1] == name}


def parameter_count(model, name=None):
    """Number of trainable numbers in `model` (only parameters called `name`, if given).

    Examples
    --------
    >>> from helpers.layers import Linear, PReLU, Sequential
    >>> net = Sequential(Linear(3, 4, rng=np.random.default_rng(0)), PReLU(4))
    >>> parameter_count(net), parameter_count(net, "alpha")
    (20, 4)
    """
    return int(sum(v.size for key, v in model.params.items()
                   if name is None or key.rsplit(".", 1)[-1] == name))


def prelu_slopes(model):
    """The slopes of every PReLU layer, in order: a list of 1-D arrays (copies)."""
    return [layer.params["alpha"].copy() for layer in model.layers
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
    X, _ = check_data(X, None)
    was_training = model.training
    model.train() if training else model.eval()
    try:
        outputs = model.forward_all(X)
    finally:
        model.clear_cache()
        model.train() if was_training else model.eval()
    idx = [i for i, layer in enumerate(model.layers) if isinstance(layer, layer_type)]
    return {"layer": np.array(idx, dtype=int),
            "mean": np.array([outputs[i + 1].mean() for i in idx]),
            "var": np.array([outputs[i + 1].var() for i in idx])}


def batchnorm_trace(X, *, batch_size, momentum=0.1, steps=200, rng, feature=0):
    """Feed random batches of X through a fresh BatchNorm1d in training mode and record, for
    one feature, each batch's mean and the running mean after each step.

    Parameters
    ----------
    X : array_like, shape (N, D)
        The "population" the batches are drawn from.
    batch_size : int >= 2
    momentum : float in (0, 1]
    steps : int
    rng : numpy.random.Generator
    feature : int

    Returns
    -------
    dict with "batch_mean" and "running_mean" (arrays of shape (steps,)), "population_mean"
    (float), and "gap": the mean absolute difference between batch and population means,
    i.e. what the network sees in training minus what it uses in evaluation.
    """
    X, _ = check_data(X, None)
    batch_size = check_positive_int(batch_size, "batch_size", minimum=2)
    steps = check_positive_int(steps, "steps")
    check_rng(rng)
    bn = BatchNorm1d(X.shape[1], momentum=momentum)
    batch_mean, running_mean = np.empty(steps), np.empty(steps)
    for step in range(steps):
        batch = X[rng.choice(X.shape[0], size=batch_size, replace=False)]
        bn.forward(batch)
        batch_mean[step] = batch[:, feature].mean()
        running_mean[step] = bn.running_mean[feature]
    population = float(X[:, feature].mean())
    return {"batch_mean": batch_mean, "running_mean": running_mean,
            "population_mean": population,
            "gap": float(np.mean(np.abs(batch_mean - population)))}
