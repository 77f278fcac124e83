"""Interactive figures: thin ipywidgets wrappers around tested plotting functions."""

import ipywidgets as widgets
import matplotlib.pyplot as plt

from .plotting import plot_propagation
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
        depth=widgets.IntSlider(value=30, min=2, max=60, step=1, description="depth"),
        width=widgets.IntSlider(value=64, min=8, max=256, step=8, description="width"),
        gain=widgets.FloatSlider(value=1.0, min=0.25, max=3.0, step=0.25, description="gain"),
    )
