"""Figures that several notebooks share. Every function draws on given axes (or new ones)
and returns them; each notebook's own figures live in its module (nb00 to nb04).

Colours come from the Okabe-Ito palette, which stays distinguishable with colour blindness.
"""

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.ticker import MaxNLocator

from ._validation import (
    as_float_array,
    check_bool,
    check_choice,
    check_pair,
    check_positive_int,
    check_sequence,
    check_text,
)
from .activations import ACTIVATIONS, get_activation

# Okabe & Ito (2008), "Color Universal Design"; black first for the reference curve.
PALETTE = ["#000000", "#E69F00", "#56B4E9", "#009E73", "#0072B2", "#D55E00", "#CC79A7", "#F0E442"]


def check_axes(ax, name="ax", count=1):
    """Return `ax` if it is None, a matplotlib Axes (count 1), or a sequence of at least
    `count` Axes (count > 1), else raise."""
    if ax is None:
        return None
    if count == 1:
        if not isinstance(ax, Axes):
            raise TypeError(f"{name} must be a matplotlib Axes (e.g. from plt.subplots()) or "
                            f"None; got {type(ax).__name__}.")
        return ax
    if isinstance(ax, np.ndarray):
        ax = list(ax.ravel())
    if not (isinstance(ax, list | tuple) and len(ax) >= count
            and all(isinstance(a, Axes) for a in ax)):
        raise TypeError(f"{name} must be {count} matplotlib Axes (e.g. plt.subplots(1, {count})"
                        f"[1]) or None; got {type(ax).__name__} {ax!r:.40}.")
    return list(ax)


def check_named_arrays(values, name, *, ndim=(1,)):
    """Return `values`, a non-empty dict label -> array, as a dict of float arrays with one of
    the given numbers of dimensions and at least one entry each."""
    if not isinstance(values, dict) or not values:
        raise TypeError(f"{name} must be a non-empty dict label -> array; got {values!r:.60}.")
    arrays = {}
    for label, value in values.items():
        array = as_float_array(value, f"{name}[{label!r}]")
        if array.ndim not in ndim or array.size == 0:
            raise ValueError(f"{name}[{label!r}] must be a non-empty array with "
                             f"{' or '.join(map(str, ndim))} dimensions; got shape "
                             f"{array.shape}.")
        arrays[label] = array
    return arrays


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
    curves = check_named_arrays(curves, "curves", ndim=(1, 2))
    check_text(ylabel, "ylabel"), check_text(title, "title"), check_text(xlabel, "xlabel")
    logy = check_bool(logy, "logy")
    start = check_positive_int(start, "start", minimum=0)
    ylim = None if ylim is None else check_pair(ylim, "ylim", increasing=True)
    if check_axes(ax) is None:
        _, ax = plt.subplots(figsize=(6, 4))
    for i, (label, values) in enumerate(curves.items()):
        values = np.atleast_2d(values)
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


def label_function_axes(axes, titles, ylabels, legends):
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
    names = check_sequence(names, "names", '["relu", "elu"]')
    if not names:
        raise ValueError("names must hold at least one activation name, e.g. [\"relu\"].")
    for name in names:
        check_choice(name, "names", ACTIVATIONS)
    z = np.linspace(-5, 5, 401) if z is None else check_grid(z)
    if check_axes(axes, "axes", count=2) is None:
        fig, axes = plt.subplots(1, 2, figsize=(11, 4), layout="constrained")
    else:
        fig = axes[0].figure
    for i, name in enumerate(names):
        f, f_grad = get_activation(name)
        colour = PALETTE[i % len(PALETTE)]
        axes[0].plot(z, f(z), color=colour, label=name)
        axes[1].plot(z, f_grad(z), color=colour, label=name)
    label_function_axes(axes, ["Activation", "Derivative"], ["f(z)", "f'(z)"], [{}, {}])
    return fig


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
    logx = check_bool(logx, "logx")
    x = as_float_array(x, "x")
    if x.ndim != 1 or x.size == 0 or not np.isfinite(x).all() or logx and (x <= 0).any():
        raise ValueError(f"x must be a non-empty 1-D array of finite{' positive' if logx else ''}"
                         f" values (the swept setting); got {x!r:.60}.")
    curves = check_named_arrays(curves, "curves", ndim=(2,))
    check_text(xlabel, "xlabel"), check_text(ylabel, "ylabel"), check_text(title, "title")
    ylim = None if ylim is None else check_pair(ylim, "ylim", increasing=True)
    if check_axes(ax) is None:
        _, ax = plt.subplots(figsize=(6, 4))
    markers = "osD^vP*X"
    for i, (label, values) in enumerate(curves.items()):
        if values.ndim != 2 or values.shape[0] != x.size:
            raise ValueError(f"curves[{label!r}] must have shape (len(x), n_seeds) = "
                             f"({x.size}, n_seeds); got {values.shape}.")
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
    data = [v.ravel() for v in check_named_arrays(values, "values", ndim=(0, 1)).values()]
    check_text(ylabel, "ylabel"), check_text(title, "title")
    if check_axes(ax) is None:
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


def check_grid(z, name="z"):
    """A grid of inputs for a function plot: a 1-D array of at least two finite values."""
    z = as_float_array(z, name)
    if z.ndim != 1 or z.size < 2 or not np.isfinite(z).all():
        raise ValueError(f"{name} must be a 1-D array of at least two finite values (the "
                         f"inputs to plot at); got {z!r:.60}.")
    return z
