"""Signals and gradients through deep random networks (no training, no biases).

A batch of Gaussian inputs goes forward through `depth` fully connected layers
``z_l = h_{l-1} @ W_l``, ``h_l = f(z_l)``; then a random unit-variance gradient comes back
from the top. We record, per layer, the statistics of the activations and the norm of the
gradient of the weights: the quantity that decides how fast that layer can learn.
"""

import functools
from dataclasses import dataclass

import numpy as np

from ._validation import (
    check_choice,
    check_count,
    check_finite_real,
    check_rng,
    check_seeds,
    check_size,
)
from .activations import ACTIVATIONS
from .init import INITS, initialise


@dataclass(frozen=True)
class LayerStats:
    """Per-layer statistics of one random network; every array has shape (depth,)."""

    mean: np.ndarray  # mean of the activations h_l over batch and units
    var: np.ndarray  # variance of the activations h_l
    pre_second_moment: np.ndarray  # E[z_l^2] of the pre-activations
    weight_grad_norm: np.ndarray  # Frobenius norm of dL/dW_l


def propagate(
    activation,
    *,
    depth,
    width,
    rng,
    init="he",
    gain=1.0,
    n_samples=256,
    input_mean=0.0,
    input_std=1.0,
    negative_slope=None,
    init_negative_slope=None,
):
    """Send a Gaussian batch through a deep random network and back; return `LayerStats`.

    Parameters
    ----------
    activation : str
        A key of ``helpers.activations.ACTIVATIONS``.
    depth, width : int
        Number of layers and units per layer (inputs have `width` features too).
    rng : numpy.random.Generator
        Source of the inputs, the weights and the top gradient.
    init : {"he", "lecun", "glorot"}, default "he"
        Weight initialiser (see ``helpers.init``).
    gain : float, default 1.0
        Multiplies every weight: < 1 is a too-small init, > 1 a too-large one.
    n_samples : int, default 256
        Batch size.
    input_mean, input_std : float
        Inputs are drawn from N(input_mean, input_std^2).
    negative_slope : float, optional
        For activations with a negative slope ("leaky_relu", or "prelu" at initialisation):
        its value; default the activation's own (0.01 and 0.25).
    init_negative_slope : float, optional
        The slope the initialiser is told about; default the activation's. Set it differently
        to see a mismatched init (only He's init depends on it).

    Returns
    -------
    LayerStats
        Arrays of shape (depth,), layer 1 first.

    Notes
    -----
    The top gradient dL/dh_depth is standard normal divided by sqrt(n_samples), as for a
    loss averaged over the batch. Backward: dz_l = dh_l * f'(z_l); dW_l = h_{l-1}^T dz_l;
    dh_{l-1} = dz_l W_l^T.

    Examples
    --------
    >>> stats = propagate("relu", depth=3, width=8, rng=np.random.default_rng(0))
    >>> stats.var.shape
    (3,)
    """
    spec = ACTIVATIONS[check_choice(activation, "activation", ACTIVATIONS)]
    params = {"negative_slope": check_finite_real(negative_slope, "negative_slope")} if (
        negative_slope is not None) else {}
    unknown = set(params) - set(spec.params)
    if unknown:
        raise ValueError(f"negative_slope applies to activations with a negative slope "
                         f"(leaky_relu, prelu); got activation {activation!r}.")
    settings = {**spec.params, **params}
    f = functools.partial(spec.function, **settings)
    f_grad = functools.partial(spec.derivative, **settings)
    slope = settings.get("negative_slope", 0.0) if init_negative_slope is None else (
        check_finite_real(init_negative_slope, "init_negative_slope"))
    depth = check_count(depth, "depth")
    width = check_size(width, "width")
    n_samples = check_size(n_samples, "n_samples", minimum=2)
    check_rng(rng)
    check_choice(init, "init", INITS)
    gain = check_finite_real(gain, "gain", minimum=0.0, exclusive=True)
    input_mean = check_finite_real(input_mean, "input_mean")
    input_std = check_finite_real(input_std, "input_std", minimum=0.0, exclusive=True)

    scale = {"gain": gain, "depth": depth, "input_mean": input_mean, "input_std": input_std}
    h = input_mean + input_std * rng.standard_normal((n_samples, width))
    inputs, pre_activations, weights = [], [], []
    mean, var, pre_second_moment = (np.empty(depth) for _ in range(3))
    with np.errstate(all="ignore"):  # an overflow (an exploding network) is reported below
        for layer in range(depth):
            w = gain * initialise(init, width, width, rng=rng, negative_slope=slope)
            z = h @ w
            inputs.append(h)
            pre_activations.append(z)
            weights.append(w)
            h = f(z)
            mean[layer], var[layer] = h.mean(), h.var()
            pre_second_moment[layer] = np.mean(z * z)
            _check_no_overflow((var[layer], pre_second_moment[layer]), layer, "activations",
                               scale)

        weight_grad_norm = np.empty(depth)
        dh = rng.standard_normal((n_samples, width)) / np.sqrt(n_samples)
        for layer in reversed(range(depth)):
            dz = dh * f_grad(pre_activations[layer])
            weight_grad_norm[layer] = np.linalg.norm(inputs[layer].T @ dz)
            dh = dz @ weights[layer].T
            _check_no_overflow((weight_grad_norm[layer], *dh[0]), layer, "gradients", scale)
    return LayerStats(mean, var, pre_second_moment, weight_grad_norm)


def _check_no_overflow(values, layer, what, settings):
    """An exploding network (or huge inputs) overflows float64: a clear error, not inf or NaN
    statistics. `settings`: the parameters that set the scale, by name."""
    if not np.isfinite(values).all():
        named = ", ".join(f"{k} = {v:g}" for k, v in settings.items())
        raise ValueError(f"the {what} overflow float64 at layer {layer + 1} (beyond 1e308, or "
                         f"1e154 for a variance) with {named}: the network explodes; use a "
                         f"smaller {', '.join(settings)}.")


def propagate_seeds(activation, *, seeds, **kwargs):
    """Run `propagate` once per seed; return LayerStats whose arrays are (n_seeds, depth).

    Examples
    --------
    >>> propagate_seeds("tanh", seeds=[0, 1], depth=4, width=8, init="glorot").mean.shape
    (2, 4)
    """
    seeds = check_seeds(seeds)
    runs = [propagate(activation, rng=np.random.default_rng(seed), **kwargs) for seed in seeds]
    return LayerStats(*(np.stack([getattr(r, field) for r in runs]) for field in
                        ("mean", "var", "pre_second_moment", "weight_grad_norm")))
