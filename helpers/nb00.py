"""Everything behind notebook 00 · Start here: the environment check and the figures of
deep random networks (vanishing gradients, the explorer).

Reads: ``helpers.propagation`` (signals and gradients through random networks).
"""

import importlib

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np

from ._validation import check_count, check_seeds, check_size
from .diagnostics import hidden_weight_gradient_norms
from .models import mlp
from .plotting import check_axes, plot_layer_curves
from .propagation import LayerStats, propagate_seeds
from .widgets import explorer, explorer_figure

REQUIRED = {
    "numpy": "numpy",
    "scipy": "scipy",
    "matplotlib": "matplotlib",
    "ipywidgets": "ipywidgets",
    "sklearn": "scikit-learn",
}


def check_environment():
    """Import every package the notebooks need; return the sorted list of their names.

    Raises
    ------
    RuntimeError
        If a package is missing, naming the fix.

    Examples
    --------
    >>> "numpy" in check_environment()
    True
    """
    missing = []
    for module, package in REQUIRED.items():
        try:
            importlib.import_module(module)
        except ImportError:
            missing.append(package)
    if missing:
        raise RuntimeError(
            f"Missing packages: {', '.join(missing)}. From the repository's top folder run "
            "`make lab` (it installs everything into .venv), or `pip install -e .`."
        )
    return sorted(REQUIRED.values())



# The classic pairings: each activation with the init designed for it.
STANDARD_SETTINGS = {
    "sigmoid + Glorot": ("sigmoid", "glorot"),
    "tanh + Glorot": ("tanh", "glorot"),
    "ReLU + He": ("relu", "he"),
}


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
    if not isinstance(runs, dict) or not runs or not all(
            isinstance(r, LayerStats) for r in runs.values()):
        raise TypeError(f"runs must be a non-empty dict label -> LayerStats (from "
                        f"propagation.propagate_seeds); got {runs!r:.60}.")
    if check_axes(axes, "axes", count=2) is None:
        fig, axes = plt.subplots(1, 2, figsize=(11, 4), layout="constrained")
    else:
        fig = axes[0].figure
    plot_layer_curves({k: r.var for k, r in runs.items()}, ylabel="variance of activations",
                      title="Forward: does the signal survive?", logy=True, ax=axes[0])
    plot_layer_curves({k: r.weight_grad_norm for k, r in runs.items()},
                      ylabel="‖dL/dW‖ (Frobenius)",
                      title="Backward: does each layer get a gradient?", logy=True, ax=axes[1])
    return fig



def propagation_figure(depth=30, width=64, gain=1.0, seeds=(0, 1, 2), n_samples=64):
    """The figure behind `propagation_explorer`: the standard settings at one depth/width/gain,
    each network fed a batch of `n_samples` inputs (64: a redraw stays under half a second)."""
    runs = {
        label: propagate_seeds(act, seeds=seeds, depth=depth, width=width, init=init, gain=gain,
                               n_samples=n_samples)
        for label, (act, init) in STANDARD_SETTINGS.items()
    }
    fig, axes = explorer_figure(2)
    plot_propagation(runs, axes=axes)
    fig.suptitle(f"depth {depth}, width {width}, weight gain {gain:g}, {len(seeds)} seeds")
    return fig



def propagation_explorer(seeds=(0, 1, 2)):
    """Sliders for depth, width and weight gain over `propagation_figure` (`seeds`: the random
    networks drawn for each setting). Widths stop at 64 so that a redraw stays under half a
    second on two cores.

    Returns
    -------
    ipywidgets.interactive
        Display it as the last expression of a cell.
    """
    seeds = check_seeds(seeds)
    return explorer(
        lambda depth, width, gain: propagation_figure(depth, width, gain, seeds),
        depth=widgets.IntSlider(value=30, min=2, max=60, step=1, description="depth"),
        width=widgets.IntSlider(value=64, min=8, max=64, step=8, description="width"),
        gain=widgets.FloatSlider(value=1.0, min=0.25, max=3.0, step=0.25, description="gain"),
    )


def gradient_norms_per_layer(depth=30, width=64, seeds=(0, 1, 2, 3, 4), n_samples=256):
    """||dL/dW|| of every hidden layer at initialisation, for a plain ReLU MLP and the same MLP
    with residual connections (``models.mlp(residual=True)``), on one batch of standard-normal
    inputs with random labels (10 classes).

    Returns
    -------
    dict "plain"/"residual" -> ndarray (len(seeds), depth)
    """
    depth = check_count(depth, "depth", minimum=2)
    width = check_size(width, "width")
    n_samples = check_size(n_samples, "n_samples", minimum=2)
    norms = {"plain": [], "residual": []}
    for seed in check_seeds(seeds):
        rng = np.random.default_rng(seed)
        X, y = rng.standard_normal((n_samples, width)), rng.integers(0, 10, n_samples)
        for kind in norms:
            net = mlp(width, [width] * depth, 10, rng=np.random.default_rng(seed),
                      residual=kind == "residual")
            norms[kind].append(hidden_weight_gradient_norms(net, X, y))
    return {kind: np.array(rows) for kind, rows in norms.items()}
