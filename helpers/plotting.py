"""The course's figures. Every function draws on given axes (or new ones) and returns them.

Colours come from the Okabe-Ito palette, which stays distinguishable with colour blindness.
"""

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import MaxNLocator

from ._validation import as_float_array
from .activations import get_activation, leaky_relu, leaky_relu_grad
from .selu_theory import iterate_moment_map, moment_map

# Okabe & Ito (2008), "Color Universal Design"; black first for the reference curve.
PALETTE = ["#000000", "#E69F00", "#56B4E9", "#009E73", "#0072B2", "#D55E00", "#CC79A7", "#F0E442"]


def plot_layer_curves(curves, *, ylabel, title, logy=False, ax=None, xlabel="layer", start=1,
                      ylim=None):
    """Plot one per-layer (or per-epoch) quantity for several settings: median over seeds
    and min-max band.

    Parameters
    ----------
    curves : dict[str, array_like]
        Label -> array of shape (n_seeds, depth) (a 1-D array counts as one seed).
    ylabel, title : str
    logy : bool, default False
        Logarithmic y axis (for quantities spanning orders of magnitude).
    ax : matplotlib Axes, optional
    xlabel : str, default "layer"
    start : int, default 1
        x value of the first entry (1 for layer 1, 0 for epoch 0).
    ylim : (float, float), optional

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> ax = plot_layer_curves({"relu": [[1, 2], [1, 3]]}, ylabel="y", title="t")
    >>> [line.get_label() for line in ax.get_lines()]
    ['relu']
    """
    if not isinstance(curves, dict) or not curves:
        raise TypeError(f"curves must be a non-empty dict label -> array; got {curves!r:.60}.")
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 4))
    for i, (label, values) in enumerate(curves.items()):
        values = np.atleast_2d(as_float_array(values, f"curves[{label!r}]"))
        if values.ndim != 2:
            raise ValueError(
                f"curves[{label!r}] must have shape (n_seeds, depth); got {values.shape}."
            )
        layers = np.arange(start, start + values.shape[1])
        colour = PALETTE[i % len(PALETTE)]
        ax.plot(layers, np.median(values, axis=0), color=colour, label=label, marker=".")
        if values.shape[0] > 1:
            ax.fill_between(layers, values.min(axis=0), values.max(axis=0),
                            color=colour, alpha=0.2, linewidth=0)
    if logy:
        ax.set_yscale("log")
    if ylim is not None:
        ax.set_ylim(*ylim)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # layers and epochs are integers
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.legend()
    return ax


def plot_propagation(runs, *, axes=None):
    """Two panels for deep random networks: activation variance and weight-gradient norm per layer.

    Parameters
    ----------
    runs : dict[str, helpers.propagation.LayerStats]
        Label -> statistics with arrays of shape (n_seeds, depth), e.g. from ``propagate_seeds``.
    axes : pair of matplotlib Axes, optional

    Returns
    -------
    matplotlib Figure
    """
    if axes is None:
        fig, axes = plt.subplots(1, 2, figsize=(11, 4), layout="constrained")
    else:
        fig = axes[0].figure
    plot_layer_curves({k: r.var for k, r in runs.items()}, ylabel="variance of activations",
                      title="Forward: does the signal survive?", logy=True, ax=axes[0])
    plot_layer_curves({k: r.weight_grad_norm for k, r in runs.items()},
                      ylabel="‖dL/dW‖ (Frobenius)",
                      title="Backward: does each layer get a gradient?", logy=True, ax=axes[1])
    return fig


def _label_function_axes(axes, titles, ylabels, legends):
    """Axes lines at 0, labels, titles and legends for a function/derivative pair of panels."""
    for ax, title, ylabel, legend in zip(axes, titles, ylabels, legends, strict=True):
        ax.axhline(0, color="0.8", linewidth=0.8, zorder=0)
        ax.axvline(0, color="0.8", linewidth=0.8, zorder=0)
        ax.set_xlabel("pre-activation z")
        ax.set_ylabel(ylabel)
        ax.set_title(title)
        ax.legend(**legend)


def plot_activation_pairs(names, *, z=None, axes=None):
    """Two panels: each named activation f(z) and its derivative f'(z).

    Parameters
    ----------
    names : list of str
        Names from ``helpers.activations.available_activations()``.
    z : array_like, optional
        Grid of inputs; default 401 points on [-5, 5].
    axes : pair of matplotlib Axes, optional

    Returns
    -------
    matplotlib Figure
    """
    if isinstance(names, str) or not names:
        raise TypeError(f"names must be a non-empty list of activation names; got {names!r}.")
    z = np.linspace(-5, 5, 401) if z is None else as_float_array(z, "z")
    if axes is None:
        fig, axes = plt.subplots(1, 2, figsize=(11, 4), layout="constrained")
    else:
        fig = axes[0].figure
    for i, name in enumerate(names):
        f, f_grad = get_activation(name)
        colour = PALETTE[i % len(PALETTE)]
        axes[0].plot(z, f(z), color=colour, label=name)
        axes[1].plot(z, f_grad(z), color=colour, label=name)
    _label_function_axes(axes, ["Activation", "Derivative"], ["f(z)", "f'(z)"], [{}, {}])
    return fig


def plot_born_dead(monte_carlo, exact=None, *, ax=None):
    """Probability of a network born dead against depth, one curve per width.

    Parameters
    ----------
    monte_carlo : dict[int, array_like]
        Width -> estimated probabilities for depths 1..D (solid lines).
    exact : dict[int, array_like], optional
        Width -> exact single-point probabilities (dashed lines, same colours).
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes
    """
    if not isinstance(monte_carlo, dict) or not monte_carlo:
        raise TypeError("monte_carlo must be a non-empty dict width -> probabilities.")
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 4.5))
    for i, (width, probs) in enumerate(monte_carlo.items()):
        probs = as_float_array(probs, f"monte_carlo[{width}]")
        depths = np.arange(1, probs.size + 1)
        colour = PALETTE[i % len(PALETTE)]
        ax.plot(depths, probs, color=colour, label=f"width {width}")
        if exact is not None and width in exact:
            ax.plot(depths, exact[width], color=colour, linestyle="--", linewidth=1)
    if exact:
        ax.plot([], [], color="0.4", linestyle="--", linewidth=1,
                label="exact, at a single input")
    ax.set_xlabel("depth (number of hidden layers)")
    ax.set_ylabel("probability of being born dead")
    ax.set_ylim(-0.02, 1.02)
    ax.set_title("Deeper and narrower: born dead more often")
    ax.legend(fontsize="small", loc="lower right")
    return ax


def plot_dead_fractions(curves, *, ax=None, title="Dead units during training"):
    """Dead fraction per hidden layer over epochs.

    Parameters
    ----------
    curves : array_like, shape (epochs + 1, layers)
        E.g. ``helpers.dying.dead_fraction_history(history)``.
    ax : matplotlib Axes, optional
    title : str

    Returns
    -------
    matplotlib Axes
    """
    curves = as_float_array(curves, "curves")
    if curves.ndim != 2:
        raise ValueError(f"curves must have shape (epochs + 1, layers); got {curves.shape}.")
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 4))
    epochs = np.arange(curves.shape[0])
    for layer in range(curves.shape[1]):
        ax.plot(epochs, curves[:, layer], color=PALETTE[layer % len(PALETTE)], marker=".",
                label=f"hidden layer {layer + 1}")
    ax.set_xlabel("epoch")
    ax.set_ylabel("fraction of dead units")
    ax.set_ylim(-0.02, 1.02)
    ax.set_title(title)
    ax.legend(fontsize="small")
    return ax


def plot_rectifiers(slopes, *, z=None, axes=None, maximum_form=None):
    """max(0, z) + a min(0, z) and its derivative for several slopes a.

    Parameters
    ----------
    slopes : dict[str, float]
        Label -> slope, e.g. {"Leaky ReLU": 0.01, "PReLU": 0.25}.
    z : array_like, optional
        Default 401 points on [-3, 3].
    axes : pair of matplotlib Axes, optional
    maximum_form : float, optional
        Also draw ``np.maximum(a z, z)`` for this slope (dashed): the article's shortcut,
        which is a different function when a > 1.

    Returns
    -------
    matplotlib Figure
    """
    if not isinstance(slopes, dict) or not slopes:
        raise TypeError("slopes must be a non-empty dict label -> slope.")
    z = np.linspace(-3, 3, 401) if z is None else as_float_array(z, "z")
    if axes is None:
        fig, axes = plt.subplots(1, 2, figsize=(11, 4), layout="constrained")
    else:
        fig = axes[0].figure
    for i, (label, a) in enumerate(slopes.items()):
        colour = PALETTE[i % len(PALETTE)]
        axes[0].plot(z, leaky_relu(z, a), color=colour, label=f"{label} (a = {a:g})")
        axes[1].plot(z, leaky_relu_grad(z, a), color=colour, label=f"{label} (a = {a:g})")
    if maximum_form is not None:
        axes[0].plot(z, np.maximum(maximum_form * z, z), color="0.3", linestyle="--",
                     label=f"np.maximum(a z, z), a = {maximum_form:g}")
    _label_function_axes(axes, ["max(0, z) + a min(0, z)", "Derivative"], ["f(z)", "df/dz"],
                         [{"fontsize": "small", "loc": "upper left"},
                          {"fontsize": "small", "loc": "center left"}])
    return fig


def plot_channel_slopes(per_layer, *, ax=None, title="Learned slope per channel"):
    """Box plot of channel-wise PReLU slopes, one box per layer.

    Parameters
    ----------
    per_layer : list of array_like
        Layer k's slopes (all channels, possibly pooled over seeds).
    ax : matplotlib Axes, optional
    title : str

    Returns
    -------
    matplotlib Axes
    """
    if not per_layer:
        raise TypeError("per_layer must be a non-empty list of slope arrays.")
    values = [as_float_array(v, f"per_layer[{i}]").ravel() for i, v in enumerate(per_layer)]
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 4))
    ax.boxplot(values, positions=np.arange(1, len(values) + 1))
    ax.set_xlabel("layer")
    ax.set_ylabel("slope a")
    ax.set_title(title)
    return ax


def plot_moment_map(mu_range=(-0.5, 0.5), nu_range=(0.5, 2.0), *, starts=(), steps=8,
                    omega=0.0, tau=1.0, ax=None, n_arrows=13):
    """The SELU moment map g as a vector field over (mu, nu), with a few trajectories.

    Each arrow goes from (mu, nu) towards g(mu, nu) (scaled to fit); each trajectory follows
    successive layers from a start point. The fixed point (0, 1) is marked.

    Parameters
    ----------
    mu_range, nu_range : (float, float)
    starts : sequence of (mu, nu)
    steps : int
        Layers per trajectory.
    omega, tau : float
        Sum and sum of squares of the weights (0 and 1: normalised weights).
    ax : matplotlib Axes, optional
    n_arrows : int
        Arrows per axis.

    Returns
    -------
    matplotlib Axes
    """
    mus = np.linspace(*mu_range, n_arrows)
    nus = np.linspace(*nu_range, n_arrows)
    grid_mu, grid_nu = np.meshgrid(mus, nus)
    new = np.array([[moment_map(m, n, omega, tau) for m, n in zip(row_mu, row_nu, strict=True)]
                    for row_mu, row_nu in zip(grid_mu, grid_nu, strict=True)])
    if ax is None:
        _, ax = plt.subplots(figsize=(6.5, 5))
    ax.quiver(grid_mu, grid_nu, new[..., 0] - grid_mu, new[..., 1] - grid_nu, color="0.55",
              angles="xy")
    for i, (m, n) in enumerate(starts):
        path = iterate_moment_map(m, n, steps, omega, tau)
        ax.plot(path[:, 0], path[:, 1], marker="o", markersize=3,
                color=PALETTE[(i + 1) % len(PALETTE)], label=f"start ({m:g}, {n:g})")
    ax.plot([0], [1], marker="*", markersize=14, color="black", linestyle="none",
            label="fixed point (0, 1)")
    ax.set_xlabel("mean of the inputs, mu")
    ax.set_ylabel("variance of the inputs, nu")
    ax.set_title(f"SELU moment map g (omega = {omega:g}, tau = {tau:g})")
    ax.legend(fontsize="small", loc="upper right")
    return ax


def plot_batchnorm_trace(trace, *, ax=None, title=None):
    """Batch means, running mean and population mean of one feature over training steps.

    Parameters
    ----------
    trace : dict
        From ``helpers.diagnostics.batchnorm_trace``.
    ax : matplotlib Axes, optional
    title : str, optional

    Returns
    -------
    matplotlib Axes
    """
    if not isinstance(trace, dict) or "batch_mean" not in trace:
        raise TypeError("trace must be the dict returned by diagnostics.batchnorm_trace.")
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 4))
    steps = np.arange(1, len(trace["batch_mean"]) + 1)
    ax.plot(steps, trace["batch_mean"], color=PALETTE[2], linewidth=0.8,
            label="batch mean (used in training)")
    ax.plot(steps, trace["running_mean"], color=PALETTE[5], linewidth=2,
            label="running mean (used in evaluation)")
    ax.axhline(trace["population_mean"], color="black", linestyle="--",
               label="mean over the whole data set")
    ax.set_xlabel("training step")
    ax.set_ylabel("mean of one feature")
    ax.set_title(title or f"mean |batch - data set| = {trace['gap']:.3f}")
    ax.legend(fontsize="small", loc="lower right")
    return ax


def plot_sweep(x, curves, *, xlabel, ylabel, title, ax=None, logx=True, ylim=None):
    """A measured quantity against a swept setting (e.g. the learning rate), one curve per
    method: every seed as a dot, the mean as a line, the min-max range as a band.

    Parameters
    ----------
    x : array_like, shape (n_x,)
        The swept values.
    curves : dict[str, array_like]
        Label -> array of shape (n_x, n_seeds).
    xlabel, ylabel, title : str
    ax : matplotlib Axes, optional
    logx : bool, default True
    ylim : (float, float), optional

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> ax = plot_sweep([0.1, 1.0], {"a": [[1, 2], [3, 4]]}, xlabel="lr", ylabel="y", title="t")
    >>> [line.get_label() for line in ax.get_lines()]
    ['a']
    """
    x = as_float_array(x, "x")
    if not isinstance(curves, dict) or not curves:
        raise TypeError(f"curves must be a non-empty dict label -> array; got {curves!r:.60}.")
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 4))
    markers = "osD^vP*X"
    for i, (label, values) in enumerate(curves.items()):
        values = as_float_array(values, f"curves[{label!r}]")
        if values.ndim != 2 or values.shape[0] != x.size:
            raise ValueError(f"curves[{label!r}] must have shape ({x.size}, n_seeds); got "
                             f"{values.shape}.")
        colour = PALETTE[i % len(PALETTE)]
        ax.plot(x, values.mean(axis=1), color=colour, marker=markers[i % len(markers)],
                label=label)
        ax.fill_between(x, values.min(axis=1), values.max(axis=1), color=colour, alpha=0.15,
                        linewidth=0)
        ax.scatter(np.repeat(x, values.shape[1]), values.ravel(), color=colour, s=8, alpha=0.5,
                   linewidths=0)
    if logx:
        ax.set_xscale("log")
        ax.minorticks_off()
    ax.set_xticks(x, [f"{v:g}" for v in x])  # the values that were measured, as written
    if ylim is not None:
        ax.set_ylim(*ylim)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.legend(fontsize="small")
    return ax


def plot_seed_boxes(values, *, ylabel, title, ax=None):
    """One box per method, with every seed drawn as a dot: the spread is the message.

    Parameters
    ----------
    values : dict[str, array_like]
        Label -> one value per seed.
    ylabel, title : str
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> ax = plot_seed_boxes({"a": [1, 2, 3], "b": [2, 2]}, ylabel="y", title="t")
    >>> [t.get_text() for t in ax.get_xticklabels()]
    ['a', 'b']
    """
    if not isinstance(values, dict) or not values:
        raise TypeError(f"values must be a non-empty dict label -> values; got {values!r:.60}.")
    data = [as_float_array(v, f"values[{k!r}]").ravel() for k, v in values.items()]
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 4))
    positions = np.arange(1, len(data) + 1)
    ax.boxplot(data, positions=positions, widths=0.5, medianprops={"color": "black"})
    for i, (pos, v) in enumerate(zip(positions, data, strict=True)):
        ax.scatter(np.full(v.size, pos), v, color=PALETTE[(i + 1) % len(PALETTE)], s=14,
                   zorder=3)
    ax.set_xticks(positions, list(values))
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    return ax
