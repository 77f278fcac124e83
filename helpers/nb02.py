"""Everything behind notebook 02 · Leaky and Parametric ReLU: the slope figures, the
explorer and the exercise checkers.

Reads: ``helpers.activations`` (leaky_relu, prelu), ``helpers.diagnostics`` (learned slopes).
"""

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np

from ._validation import as_float_array
from .activations import leaky_relu, leaky_relu_grad
from .checking import Raised, call, correct, matches, not_yet, verdict
from .plotting import PALETTE, label_function_axes
from .widgets import explorer


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
    label_function_axes(axes, ["max(0, z) + a min(0, z)", "Derivative"], ["f(z)", "df/dz"],
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



def slope_figure(negative_slope=0.25, leaky_slope=0.01):
    """The figure behind `slope_explorer`: Leaky ReLU's fixed slope next to a PReLU slope."""
    fig = plot_rectifiers({"Leaky ReLU": leaky_slope, "PReLU": negative_slope},
                          maximum_form=negative_slope)
    fig.suptitle(f"PReLU slope a = {negative_slope:g} (learned), Leaky ReLU a = "
                 f"{leaky_slope:g} (fixed)")
    return fig



def slope_explorer():
    """A slider for PReLU's slope over `slope_figure` (-0.5 to 1.5: learned slopes can
    exceed 1, where np.maximum(a z, z) stops being PReLU).

    Returns
    -------
    ipywidgets.interactive
    """
    return explorer(
        lambda negative_slope: slope_figure(negative_slope),
        negative_slope=widgets.FloatSlider(value=0.25, min=-0.5, max=1.5, step=0.05,
                                           description="PReLU a"),
    )


# --- exercises -----------------------------------------------------------------------------

def _prelu_inputs():
    """z: (5 samples, 3 channels) with exact zeros; slopes below 0, in [0, 1] and above 1."""
    rng = np.random.default_rng(2)
    z = np.round(rng.standard_normal((5, 3)) * 2, 2)
    z[0, 0] = z[3, 2] = 0.0
    z[1, :] = [-1.5, -2.0, -0.5]  # a row of negatives for every channel
    slopes = np.array([0.25, 1.5, -0.3])
    dout = np.round(rng.standard_normal((5, 3)), 2)
    return z, slopes, dout


def _unified(z, slopes):
    return np.maximum(z, 0) + slopes * np.minimum(z, 0)


def check_prelu(candidate):
    """Check a reader's ``prelu(z, slopes)``: z of shape (samples, channels), one slope per
    channel, f = max(0, z) + a min(0, z).

    Examples
    --------
    >>> check_prelu(lambda z, a: np.maximum(z, 0) + a * np.minimum(z, 0))
    Correct! max(0, z) + a min(0, z) is right for every slope, even a > 1 or a < 0.
    """
    z, slopes, _ = _prelu_inputs()
    out, problem = call(candidate, z, slopes)
    if isinstance(problem, Raised) and isinstance(problem.error, TypeError):
        return not_yet(f"your function raised TypeError: {problem.error}. If you used "
                       "np.max(a, b): its second argument is an axis, not a second array (the "
                       "article's mistake). Combine the two parts elementwise.")
    if isinstance(problem, Raised) and isinstance(problem.error, ValueError):
        return not_yet(f"your function raised ValueError: {problem.error}. If the shapes do "
                       "not fit: negative_slope has one slope per channel, and the channels are "
                       "axis 1 of z, so negative_slope * z already lines them up.")
    if problem is not None:
        return verdict(problem)
    expected = _unified(z, slopes)
    if np.shape(out) != z.shape:
        return not_yet(f"the result must have the shape of z, {z.shape}; got {np.shape(out)}.")
    if matches(out, expected):
        return correct("max(0, z) + a min(0, z) is right for every slope, even a > 1 or a < 0.")
    if matches(out, np.maximum(slopes * z, z)):
        return not_yet("np.maximum(a z, z) equals PReLU only when a <= 1; a learned "
                       "slope can be 1.5. Use max(0, z) + a min(0, z).")
    if matches(out, _unified(z, 0.01)):
        return not_yet("that is Leaky ReLU with a fixed 0.01; use the slopes you were given.")
    if matches(out, np.maximum(z, 0)):
        return not_yet("that is plain ReLU: the negative part a min(0, z) is missing.")
    if matches(out, np.where(z > 0, z, slopes)):
        return not_yet("for z <= 0 the output is a * z, not a.")
    return not_yet(f"for z = {z[1].tolist()} and a = {slopes.tolist()} expected "
                   f"{expected[1].tolist()}, got {np.asarray(out, dtype=float)[1].tolist()}.")


def check_prelu_backward(candidate):
    """Check a reader's ``prelu_backward(dout, z, slopes) -> (dz, dslope)`` for channel-wise
    slopes (channels on axis 1).

    Examples
    --------
    >>> def ok(dout, z, a):
    ...     return dout * np.where(z > 0, 1.0, a), (dout * np.minimum(z, 0)).sum(axis=0)
    >>> check_prelu_backward(ok)
    Correct! dz = dout * (1 if z > 0 else a), dslope = sum over samples of dout * min(0, z).
    """
    z, slopes, dout = _prelu_inputs()
    out, problem = call(candidate, dout, z, slopes)
    if problem is not None:
        return verdict(problem)
    if not (isinstance(out, tuple | list) and len(out) == 2):
        return not_yet("return two arrays, (dz, dslope).")
    dz, dslope = (np.asarray(v, dtype=float) for v in out)
    slope = np.where(z > 0, 1.0, slopes)
    good_dz, good_dslope = dout * slope, (dout * np.minimum(z, 0)).sum(axis=0)
    if dz.shape != z.shape:
        return not_yet(f"dz must have the shape of z, {z.shape}; got {dz.shape}.")
    if not matches(dz, good_dz):
        if matches(dz, dout * np.where(z >= 0, 1.0, slopes)):
            return not_yet("dz is right except at exactly z = 0, where the course takes the "
                           "z <= 0 branch: the slope there is a, not 1.")
        if matches(dz, dout * slopes):
            return not_yet("dz uses the slope a everywhere; where z > 0 the slope is 1 "
                           "(a mask on z <= 0 is missing).")
        if matches(dz, slope):
            return not_yet("dz is the local slope only; multiply by the upstream gradient "
                           "dout (chain rule).")
        return not_yet("dz is not dout * (1 if z > 0 else a).")
    if dslope.shape != slopes.shape:
        if dslope.shape == (z.shape[0],):
            return not_yet("dslope has one entry per sample: you summed over the channels "
                           "(axis=1). Sum over the samples (axis=0), one entry per slope.")
        if dslope.size == 1:
            return not_yet("dslope is a single number: that is the shared-slope gradient. "
                           "Each channel has its own slope: sum over axis 0 only.")
        return not_yet(f"dslope must have the shape of the slopes, {slopes.shape}; got "
                       f"{dslope.shape}.")
    if matches(dslope, good_dslope):
        return correct("dz = dout * (1 if z > 0 else a), dslope = sum over samples of "
                       "dout * min(0, z).")
    if matches(dslope, (dout * z).sum(axis=0)):
        return not_yet("df/da = min(0, z): it is z only where z <= 0 and 0 elsewhere; the "
                       "mask is missing.")
    if matches(dslope, (dout * np.minimum(z, 0)).mean(axis=0)):
        return not_yet("use the sum over samples, not the mean (the loss already averages).")
    if matches(dslope, np.minimum(z, 0).sum(axis=0)):
        return not_yet("dslope must be weighted by the upstream gradient dout.")
    return not_yet(f"expected dslope {np.round(good_dslope, 4).tolist()}, got "
                   f"{np.round(dslope, 4).tolist()}.")

