"""Experiments on dying ReLUs: networks born dead, units killed in training."""

import functools

import numpy as np

from . import diagnostics
from ._validation import check_finite_real, check_positive_int, check_rng
from .experiments import train_mlp
from .layers import Linear
from .parallel import parallel_map


def single_point_dead_probability(width, depth):
    """Exact probability that a random ReLU network outputs zero in some layer at one input.

    With zero biases and weights drawn independently from a distribution symmetric about 0,
    each of the `width` units of a layer is <= 0 with probability 1/2, independently, as long
    as the layer's input is not zero. So a layer is entirely zero with probability 2^-width,
    and the network is dead at that input by layer `depth` with probability
    1 - (1 - 2^-width)^depth.

    Parameters
    ----------
    width : int
    depth : int or array of int

    Examples
    --------
    >>> round(float(single_point_dead_probability(2, 10)), 4)
    0.9437
    """
    width = check_positive_int(width, "width")
    depth = np.asarray(depth)
    if depth.dtype.kind not in "iu" or np.any(depth < 1):
        raise ValueError(f"depth must be integers >= 1; got {depth}.")
    return 1.0 - (1.0 - 2.0 ** -width) ** depth


def born_dead_curve(width, max_depth, *, n_trials, n_points, rng):
    """Monte Carlo: probability that a random ReLU network is constant on a data set.

    Each trial draws a fresh network (He-normal weights, zero biases, `width` units in every
    layer) and `n_points` standard-normal inputs in `width` dimensions. The network is
    *born dead by depth d* when some layer <= d outputs zero for every input: from there
    on it is the same constant for the whole data set.

    Parameters
    ----------
    width, max_depth : int
    n_trials : int
        Networks drawn; the standard error is at most 0.5 / sqrt(n_trials).
    n_points : int
        Inputs per network; 1 gives the single-point probability.
    rng : numpy.random.Generator

    Returns
    -------
    ndarray, shape (max_depth,)
        Entry d - 1 is the estimated probability of being born dead by depth d.

    Examples
    --------
    >>> born_dead_curve(2, 3, n_trials=100, n_points=5, rng=np.random.default_rng(0)).shape
    (3,)
    """
    width = check_positive_int(width, "width")
    max_depth = check_positive_int(max_depth, "max_depth")
    n_trials = check_positive_int(n_trials, "n_trials")
    n_points = check_positive_int(n_points, "n_points")
    check_rng(rng)
    h = rng.standard_normal((n_trials, n_points, width))
    first_dead = np.full(n_trials, max_depth + 1)
    std = np.sqrt(2.0 / width)
    for depth in range(1, max_depth + 1):
        w = rng.standard_normal((n_trials, width, width)) * std
        h = np.maximum(h @ w, 0)  # one matmul per layer for all trials at once
        dead_now = ~h.any(axis=(1, 2))
        first_dead[dead_now & (first_dead > max_depth)] = depth
    return np.array([(first_dead <= d).mean() for d in range(1, max_depth + 1)])


def _hidden_linears(model):
    """The Linear layers in front of the hidden activations (all but the output layer)."""
    return [layer for layer in model.layers if isinstance(layer, Linear)][:-1]


def _hidden_weights(model):
    return [layer.params["W"].copy() for layer in _hidden_linears(model)]


def _shift_biases(model, *, amount, layers=None):
    linears = _hidden_linears(model)
    for i in range(len(linears)) if layers is None else layers:
        linears[i].params["b"] += amount


def train_and_track(data, *, lr, seed, optimizer="adam", hidden=(64, 64, 64, 64), epochs=20,
                    batch_size=32, bias_shift=0.0, shift_layers=None, track_weights=False):
    """Train a ReLU MLP and record the dead-unit masks after every epoch.

    Parameters
    ----------
    data : helpers.data.Split
        Standardised (see ``helpers.experiments.standardized``).
    lr : float
    seed : int
        Seeds the weights and the batch order.
    optimizer : {"adam", "sgd"}, default "adam"
        Without weight decay or momentum. With plain SGD a dead unit's weights get exactly
        zero updates; Adam keeps moving them for a while on its momentum.
    hidden, epochs, batch_size
    bias_shift : float, default 0
        Added to the hidden biases at initialisation (negative values kill units at birth).
    shift_layers : sequence of int, optional
        Which hidden layers (0 = first) get the shift; default all.
    track_weights : bool, default False
        Also keep a copy of the hidden layers' weights after every epoch (for
        `revival_report`'s "frozen"; about 2.5 MB per run for 4 x 64 units and 20 epochs).

    Returns
    -------
    dict
        The `fit` history plus "masks" (per epoch, a list of per-layer dead masks on the
        training set), "weights" (with `track_weights`: per epoch, the hidden layers'
        incoming weight matrices), "test_acc" (final test accuracy), "model" (the trained
        network) and "diverged".
    """
    bias_shift = check_finite_real(bias_shift, "bias_shift")
    # functools.partial, not lambdas: the runs may go to worker processes
    callbacks = {"masks": functools.partial(diagnostics.dead_unit_masks, X=data.X_train)}
    if track_weights:
        callbacks["weights"] = _hidden_weights
    run = train_mlp(data, seed=seed, lr=lr, optimizer=optimizer, momentum=0.0, hidden=hidden,
                    epochs=epochs, batch_size=batch_size, callbacks=callbacks,
                    setup=functools.partial(_shift_biases, amount=bias_shift,
                                            layers=shift_layers))
    return {**run.history, "test_acc": run.test_acc, "model": run.model,
            "diverged": run.diverged}


def learning_rate_sweep(data, lrs, seeds, **kwargs):
    """`train_and_track` for every learning rate and seed (in parallel).

    Returns
    -------
    dict lr -> list of histories, one per seed, in order.
    """
    seeds = list(seeds)
    histories = parallel_map(_track_job, [(data, lr, seed, kwargs) for lr in lrs
                                          for seed in seeds])
    return {lr: histories[i * len(seeds):(i + 1) * len(seeds)] for i, lr in enumerate(lrs)}


def _track_job(job):
    data, lr, seed, kwargs = job
    return train_and_track(data, lr=lr, seed=seed, **kwargs)


def dead_fraction_history(history):
    """Per epoch and layer, the fraction of dead units: ndarray (epochs + 1, layers)."""
    return np.array([[mask.mean() for mask in masks] for masks in history["masks"]])


def revival_report(history):
    """What happened to units that died during training, per hidden layer.

    Returns
    -------
    dict of ndarray (one entry per layer):
        "ever_dead": units dead at the end of at least one epoch;
        "dead_at_end": units dead after the last epoch;
        "revived": units that were dead at some epoch and alive at a later one;
        "frozen" (only if the history tracked weights): of the units dead from some epoch to
        the end, those whose incoming weights did not change at all from that epoch on.
    """
    masks = history["masks"]
    n_layers = len(masks[0])
    keys = ("ever_dead", "dead_at_end", "revived") + (("frozen",) if "weights" in history else ())
    report = {k: np.zeros(n_layers, dtype=int) for k in keys}
    for layer in range(n_layers):
        m = np.array([epoch_masks[layer] for epoch_masks in masks])  # (epochs + 1, units)
        # dead from epoch e to the end: a suffix of True
        dead_to_end = np.logical_and.accumulate(m[::-1], axis=0)[::-1]
        alive_later = np.logical_or.accumulate((~m)[::-1], axis=0)[::-1]
        revived = (m[:-1] & alive_later[1:]).any(axis=0)
        report["ever_dead"][layer] = m.any(axis=0).sum()
        report["dead_at_end"][layer] = m[-1].sum()
        report["revived"][layer] = revived.sum()
        for unit in np.flatnonzero(m[-1]) if "weights" in history else ():
            since = int(np.argmax(dead_to_end[:, unit]))
            w_since = history["weights"][since][layer][:, unit]
            w_end = history["weights"][-1][layer][:, unit]
            report["frozen"][layer] += np.array_equal(w_since, w_end)
    return report
