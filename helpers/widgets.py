"""Interactive figures: thin ipywidgets wrappers around tested plotting functions."""

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np

from .diagnostics import batchnorm_trace
from .dying import dead_fraction_history, train_and_track
from .plotting import (
    plot_batchnorm_trace,
    plot_dead_fractions,
    plot_layer_curves,
    plot_propagation,
    plot_rectifiers,
)
from .propagation import propagate_seeds

# The classic pairings: each activation with the init designed for it.
STANDARD_SETTINGS = {
    "sigmoid + Glorot": ("sigmoid", "glorot"),
    "tanh + Glorot": ("tanh", "glorot"),
    "ReLU + He": ("relu", "he"),
}


def propagation_figure(depth=30, width=64, gain=1.0, seeds=(0, 1, 2)):
    """The figure behind `propagation_explorer`: the standard settings at one depth/width/gain."""
    runs = {
        label: propagate_seeds(act, seeds=seeds, depth=depth, width=width, init=init, gain=gain)
        for label, (act, init) in STANDARD_SETTINGS.items()
    }
    fig = plot_propagation(runs)
    fig.suptitle(f"depth {depth}, width {width}, weight gain {gain:g}, {len(seeds)} seeds")
    return fig


def _show(fig):
    plt.show()
    plt.close(fig)


def propagation_explorer(seeds=(0, 1, 2)):
    """Sliders for depth, width and weight gain over `propagation_figure`.

    Returns
    -------
    ipywidgets.interactive
        Display it as the last expression of a cell.
    """
    return widgets.interactive(
        lambda depth, width, gain: _show(propagation_figure(depth, width, gain, seeds)),
        depth=widgets.IntSlider(value=30, min=2, max=60, step=1, description="depth",
                                continuous_update=False),
        width=widgets.IntSlider(value=64, min=8, max=256, step=8, description="width",
                                continuous_update=False),
        gain=widgets.FloatSlider(value=1.0, min=0.25, max=3.0, step=0.25, description="gain",
                                 continuous_update=False),
    )


def dying_figure(data, lr=0.01, bias_shift=0.0, seed=0, epochs=15):
    """The figure behind `dying_relu_explorer`: dead fractions while training one network
    (4 hidden layers of 64 ReLUs, Adam)."""
    history = train_and_track(data, lr=lr, seed=seed, bias_shift=bias_shift, epochs=epochs)
    fig, ax = plt.subplots(figsize=(7, 4), layout="constrained")
    if history["diverged"]:
        ax.text(0.5, 0.5, f"learning rate {lr:g}: training diverged (loss became inf)",
                ha="center", va="center", transform=ax.transAxes)
        ax.set_axis_off()
        return fig
    plot_dead_fractions(dead_fraction_history(history), ax=ax,
                        title=f"Adam lr {lr:.2g}, bias shift {bias_shift:g}: "
                              f"test accuracy {history['test_acc']:.1%}")
    return fig


def dying_relu_explorer(data, seed=0):
    """Sliders for the learning rate and an initial bias shift over `dying_figure`.

    Parameters
    ----------
    data : helpers.data.Split, standardised

    Returns
    -------
    ipywidgets.interactive
    """
    slider = dict(continuous_update=False, style={"description_width": "90px"})  # full labels
    return widgets.interactive(
        lambda lr, bias_shift: _show(dying_figure(data, lr, bias_shift, seed)),
        lr=widgets.FloatLogSlider(value=0.01, base=10, min=-3.5, max=-0.5, step=0.25,
                                  description="learning rate", **slider),
        bias_shift=widgets.FloatSlider(value=0.0, min=-3.0, max=1.0, step=0.25,
                                       description="bias shift", **slider),
    )


def slope_figure(alpha=0.25, leaky_alpha=0.01):
    """The figure behind `slope_explorer`: Leaky ReLU's fixed slope next to a PReLU slope."""
    fig = plot_rectifiers({"Leaky ReLU": leaky_alpha, "PReLU": alpha}, maximum_form=alpha)
    fig.suptitle(f"PReLU slope a = {alpha:g} (learned), Leaky ReLU a = {leaky_alpha:g} (fixed)")
    return fig


def slope_explorer():
    """A slider for PReLU's slope over `slope_figure` (-0.5 to 1.5: learned slopes can
    exceed 1, where np.maximum(a z, z) stops being PReLU).

    Returns
    -------
    ipywidgets.interactive
    """
    return widgets.interactive(
        lambda alpha: _show(slope_figure(alpha)),
        alpha=widgets.FloatSlider(value=0.25, min=-0.5, max=1.5, step=0.05,
                                  description="PReLU a", continuous_update=False),
    )


def selu_figure(depth=64, gain=1.0, input_mean=0.0, input_std=1.0, width=128, seeds=(0, 1, 2)):
    """The figure behind `selu_explorer`: per-layer mean and variance of a random SELU net."""
    stats = propagate_seeds("selu", seeds=seeds, depth=depth, width=width, init="lecun",
                            gain=gain, input_mean=input_mean, input_std=input_std)
    fig, axes = plt.subplots(1, 2, figsize=(11, 4), layout="constrained")
    plot_layer_curves({"SELU": stats.mean}, ylabel="mean of activations", ax=axes[0],
                      title="Mean per layer (target 0)")
    plot_layer_curves({"SELU": stats.var}, ylabel="variance of activations", ax=axes[1],
                      title="Variance per layer (target 1)", logy=True)
    axes[0].axhline(0, color="0.6", linestyle=":")
    axes[1].axhline(1, color="0.6", linestyle=":")
    fig.suptitle(f"LeCun init x {gain:g}, inputs N({input_mean:g}, {input_std:g}²), "
                 f"width {width}, {len(seeds)} seeds")
    return fig


def selu_explorer():
    """Sliders for depth, weight scale and the inputs' mean and spread over `selu_figure`.

    Returns
    -------
    ipywidgets.interactive
    """
    slider = dict(continuous_update=False)
    return widgets.interactive(
        lambda depth, gain, input_mean, input_std: _show(
            selu_figure(depth, gain, input_mean, input_std)),
        depth=widgets.IntSlider(value=64, min=4, max=128, step=4, description="depth", **slider),
        gain=widgets.FloatSlider(value=1.0, min=0.5, max=2.0, step=0.05,
                                 description="init scale", **slider),
        input_mean=widgets.FloatSlider(value=0.0, min=-3.0, max=3.0, step=0.25,
                                       description="input mean", **slider),
        input_std=widgets.FloatLogSlider(value=1.0, base=10, min=-1, max=1, step=0.1,
                                         description="input std", **slider),
    )


def batchnorm_figure(X, batch_size=32, momentum=0.1, seed=0, steps=200):
    """The figure behind `batchnorm_explorer`: batch vs running vs data-set mean of feature 0."""
    trace = batchnorm_trace(X, batch_size=batch_size, momentum=momentum, steps=steps,
                            rng=np.random.default_rng(seed))
    fig, ax = plt.subplots(figsize=(8, 4), layout="constrained")
    plot_batchnorm_trace(trace, ax=ax, title=f"batch size {batch_size}, momentum {momentum:g}: "
                                             f"mean |batch - data set| = {trace['gap']:.3f}")
    return fig


def batchnorm_explorer(X):
    """Sliders for batch size and momentum over `batchnorm_figure`.

    Parameters
    ----------
    X : array_like, shape (N, D): the data set the batches come from.

    Returns
    -------
    ipywidgets.interactive
    """
    slider = dict(continuous_update=False)
    return widgets.interactive(
        lambda batch_size, momentum: _show(batchnorm_figure(X, batch_size, momentum)),
        batch_size=widgets.IntSlider(value=32, min=2, max=256, step=2, description="batch size",
                                     **slider),
        momentum=widgets.FloatLogSlider(value=0.1, base=10, min=-3, max=0, step=0.25,
                                        description="momentum", **slider),
    )
