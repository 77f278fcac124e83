"""Figures that several notebooks share. Every function draws on given axes (or new ones)
and returns them; each notebook's own figures live in its module (nb00 to nb04).

Colours come from the Okabe-Ito palette, which stays distinguishable with colour blindness,
and each curve of a figure also gets its own marker (`curve_style`): no curve is told apart
by colour alone.
"""

import re

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.ticker import LogFormatterSciNotation, LogLocator, MaxNLocator

from ._validation import (
    as_float_array,
    check_bool,
    check_choice,
    check_pair,
    check_positive_int,
    check_sequence,
    check_size,
    check_text,
)
from .activations import ACTIVATIONS, get_activation

# Okabe & Ito (2008), "Color Universal Design"; black first for the reference curve, then
# in an order that keeps neighbours most distinct (the two blues, sky blue and blue, far apart).
PALETTE = ["#000000", "#E69F00", "#56B4E9", "#009E73", "#D55E00", "#CC79A7", "#0072B2", "#F0E442"]
# Curves differ by shape too, not by colour alone: 9 markers against 8 colours, so the first
# 72 curves of a figure all differ in colour or marker.
MARKERS = ["o", "s", "^", "D", "v", "P", "X", "*", "h"]
MARKERS_PER_CURVE = 9


def curve_style(i, n_points):
    """Colour, marker and marker spacing of the i-th curve of a figure (`n_points` points per
    curve): about MARKERS_PER_CURVE markers, shifted by one point per curve so that curves
    that coincide do not hide each other's markers.

    Examples
    --------
    >>> curve_style(1, 60)
    {'color': '#E69F00', 'marker': 's', 'markevery': (1, 7), 'markersize': 5}
    """
    i = check_positive_int(i, "i", minimum=0)
    n_points = check_size(n_points, "n_points")
    step = max(1, round(n_points / MARKERS_PER_CURVE))
    return {"color": PALETTE[i % len(PALETTE)], "marker": MARKERS[i % len(MARKERS)],
            "markevery": (i % step, step), "markersize": 5}


_SUPERSCRIPTS = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


class _PlainLogFormatter(LogFormatterSciNotation):
    """matplotlib's log-axis labels as plain text, 10⁻³ and 2×10⁻¹ (mathtext: ~5 ms a label)."""

    def __call__(self, x, pos=None):
        label = super().__call__(x, pos)
        math = re.fullmatch(r"\$\\mathdefault\{(.*)\}\$", label)
        if math is None or not re.fullmatch(r"[-\d.]*(\\times)?10\^\{-?\d+\}", math[1]):
            return label  # anything unusual keeps its mathtext
        text = math[1].replace("\\times", "×")
        return re.sub(r"\^\{(-?\d+)\}", lambda power: power[1].translate(_SUPERSCRIPTS), text)


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
        Logarithmic y axis (for quantities spanning orders of magnitude). Values <= 0 cannot
        be drawn there: the band spans the positive values only, and the legend says which
        seeds reached 0, e.g. "ReLU (1 of 3 seeds: exactly 0 from layer 12)".
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
    >>> ax = plot_layer_curves({"relu": [[1, 2, 4], [1, 0, 0]]}, ylabel="y", title="t",
    ...                        logy=True)
    >>> ax.get_lines()[0].get_label()
    'relu (1 of 2 seeds: exactly 0 from layer 2)'
    """
    curves = check_named_arrays(curves, "curves", ndim=(1, 2))
    check_text(ylabel, "ylabel"), check_text(title, "title"), check_text(xlabel, "xlabel")
    logy = check_bool(logy, "logy")
    start = check_positive_int(start, "start", minimum=0)
    ylim = None if ylim is None else check_pair(ylim, "ylim", increasing=True)
    if check_axes(ax) is None:
        _, ax = plt.subplots(figsize=(6, 4))
    # a log axis cannot show values <= 0 (and cannot be drawn at all without a positive one)
    logy = logy and (ylim is not None or any(np.any(v > 0) for v in curves.values()))
    for i, (label, values) in enumerate(curves.items()):
        values = np.atleast_2d(values)
        layers = np.arange(start, start + values.shape[1])
        style = curve_style(i, layers.size)
        median, low, high = np.median(values, axis=0), values.min(axis=0), values.max(axis=0)
        if logy:
            note = _nonpositive_note(values, layers, xlabel)
            label = f"{label} ({note})" if note else label
            median, low, high = _positive_band(values, median)
        ax.plot(layers, median, label=label, **style)
        if values.shape[0] > 1:
            ax.fill_between(layers, low, high, color=style["color"], alpha=0.2, linewidth=0)
    if logy:
        ax.set_yscale("log")
        ax.yaxis.set_major_locator(LogLocator(numticks=6))  # each label costs drawing time
        ax.yaxis.set_major_formatter(_PlainLogFormatter())
        ax.yaxis.set_minor_formatter(_PlainLogFormatter(labelOnlyBase=False))
    if ylim is not None:
        ax.set_ylim(*ylim)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # layers and epochs are integers
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.legend()
    return ax


def _positive_band(values, median):
    """For a log axis: the median (of every seed) and the band of the positive values only."""
    positive = values > 0
    low = np.min(np.where(positive, values, np.inf), axis=0)
    high = np.max(np.where(positive, values, -np.inf), axis=0)
    empty = ~positive.any(axis=0)
    low[empty] = high[empty] = np.nan
    return np.where(median > 0, median, np.nan), low, high


def _nonpositive_note(values, x, xlabel):
    """What a log axis leaves out, e.g. "1 of 3 seeds: exactly 0 from layer 12" (or "")."""
    bad = values <= 0
    seeds = bad.any(axis=1)
    if not seeds.any():
        return ""
    what = "exactly 0" if np.all(values[bad] == 0) else "<= 0"
    stays = all(row[np.argmax(row):].all() for row in bad[seeds])  # to the end, once there
    n = values.shape[0]
    return (f"{seeds.sum()} of {n} seed{'s' * (n > 1)}: {what} {'from' if stays else 'first at'}"
            f" {xlabel} {x[np.argmax(bad.any(axis=0))]}")


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
        style = curve_style(i, z.size)
        axes[0].plot(z, f(z), label=name, **style)
        axes[1].plot(z, f_grad(z), label=name, **style)
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
    for i, (label, values) in enumerate(curves.items()):
        if values.ndim != 2 or values.shape[0] != x.size:
            raise ValueError(f"curves[{label!r}] must have shape (len(x), n_seeds) = "
                             f"({x.size}, n_seeds); got {values.shape}.")
        style = curve_style(i, x.size)
        colour = style["color"]
        ax.plot(x, values.mean(axis=1), label=label, **style)
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
    ax.boxplot(data, positions=positions, widths=0.5, medianprops={"color": "black"},
               showfliers=False)  # every seed is a dot already
    for i, (pos, v) in enumerate(zip(positions, data, strict=True)):
        ax.scatter(np.full(v.size, pos), v, color=PALETTE[(i + 1) % len(PALETTE)], s=14,
                   zorder=3)
    ax.set_xticks(positions, list(values))
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    return ax


def plot_differences(differences, *, xlabel, title, ax=None):
    """Paired differences with their confidence intervals, one row each (a forest plot).

    Parameters
    ----------
    differences : dict[str, protocol.Difference]
        Label -> a difference with `mean`, `low`, `high` and `distinguishable`.
    xlabel, title : str
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes
        A filled marker where the interval excludes 0 and the test rejects "no difference",
        a hollow one where the difference is not distinguishable; a line at 0.

    Examples
    --------
    >>> from helpers.protocol import paired_difference
    >>> d = paired_difference([0.9, 0.8, 0.85], [0.8, 0.8, 0.8])
    >>> ax = plot_differences({"a - b": d}, xlabel="accuracy difference", title="t")
    >>> [t.get_text() for t in ax.get_yticklabels()]
    ['a - b']
    """
    if not isinstance(differences, dict) or not differences or not all(
            all(hasattr(d, k) for k in ("mean", "low", "high", "distinguishable"))
            for d in differences.values()):
        raise TypeError(f"differences must be a non-empty dict label -> protocol.Difference; "
                        f"got {differences!r:.60}.")
    check_text(xlabel, "xlabel"), check_text(title, "title")
    if check_axes(ax) is None:
        _, ax = plt.subplots(figsize=(6, 0.5 + 0.45 * len(differences)))
    labels = list(differences)
    for row, label in enumerate(labels):
        d = differences[label]
        colour = PALETTE[0] if d.distinguishable else PALETTE[2]
        ax.plot([d.low, d.high], [row, row], color=colour, linewidth=2)
        ax.plot(d.mean, row, "o", color=colour, markersize=7,
                markerfacecolor=colour if d.distinguishable else "white")
    ax.axvline(0.0, color="0.5", linewidth=1, linestyle="--")
    ax.set_yticks(range(len(labels)), labels)
    ax.set_ylim(len(labels) - 0.5, -0.5)  # first row on top
    ax.set_xlabel(xlabel)
    ax.set_title(title)
    return ax


def check_grid(z, name="z"):
    """A grid of inputs for a function plot: a 1-D array of at least two finite values."""
    z = as_float_array(z, name)
    if z.ndim != 1 or z.size < 2 or not np.isfinite(z).all():
        raise ValueError(f"{name} must be a 1-D array of at least two finite values (the "
                         f"inputs to plot at); got {z!r:.60}.")
    return z
