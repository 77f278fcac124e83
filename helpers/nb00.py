"""Everything behind notebook 00 · Start here: the environment check, the figures of
deep random networks (vanishing gradients, the explorer) and the deep dive on correlations,
order and chaos.

Reads: ``helpers.propagation`` (signals and gradients through random networks, and the
mean-field maps).
"""

import importlib
import warnings

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np

from ._validation import (
    as_float_array,
    check_count,
    check_finite_real,
    check_positive_int,
    check_seeds,
    check_sequence,
    check_size,
)
from .activations import ACTIVATIONS
from .diagnostics import hidden_weight_gradient_norms, preactivations
from .init import INITS
from .models import mlp
from .plotting import check_axes, curve_style, plot_layer_curves
from .propagation import (
    LayerStats,
    chi1,
    mean_field,
    propagate_pair,
    propagate_seeds,
    relu_log_variance,
    variance_fixed_point,
    variance_map_slope,
)
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
    legends = [[t.get_text() for t in ax.get_legend().get_texts()] for ax in axes[:2]]
    if legends[0] == legends[1]:  # the same labels (no notes on seeds at 0): one legend will do
        axes[0].get_legend().remove()
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


# --- Deep dive: beyond variance (correlations, order and chaos) -------------------------------

# Label -> (activation, init, gain): the settings the deep dive compares.
MEAN_FIELD_SETTINGS = {
    "ReLU + He": ("relu", "he", 1.0),
    "tanh + Glorot": ("tanh", "glorot", 1.0),
    "tanh + Glorot ×1.2": ("tanh", "glorot", 1.2),
    "SELU + LeCun": ("selu", "lecun", 1.0),
}
_LIMIT_Q = 1e-12  # where a fixed point q* = 0 is evaluated: the limit q -> 0


def _check_settings(settings):
    """A non-empty dict label -> (activation, init, gain), checked."""
    if not isinstance(settings, dict) or not settings:
        raise TypeError(f"settings must be a non-empty dict label -> (activation, init, gain), "
                        f"like nb00.MEAN_FIELD_SETTINGS; got {settings!r:.60}.")
    checked = {}
    for label, setting in settings.items():
        if not isinstance(setting, tuple | list) or len(setting) != 3:
            raise TypeError(f"settings[{label!r}] must be (activation, init, gain), e.g. "
                            f"('relu', 'he', 1.0); got {setting!r:.60}.")
        activation, init, gain = setting
        if not (isinstance(activation, str) and isinstance(init, str)) or (
                activation not in ACTIVATIONS or init not in INITS):
            raise ValueError(f"settings[{label!r}] must name an activation of "
                             f"{sorted(ACTIVATIONS)} and an init of {sorted(INITS)}; got "
                             f"{setting!r:.60}.")
        checked[label] = (activation, init, check_finite_real(gain, f"settings[{label!r}] gain",
                                                              minimum=0.0, exclusive=True))
    return checked


def order_and_chaos_table(settings=None):
    """For each setting: the fixed point q* of the variance map, the map's slope there and
    chi_1 there (``helpers.propagation``).

    q* is nan where every q is a fixed point (the ReLU family with He's weights: slope and
    chi_1 are then the same at every q, given at q = 1) and 0.0 where the signal fades to 0
    (slope and chi_1 are then their limits for q -> 0, evaluated at q = 1e-12).

    Returns
    -------
    dict label -> {"q_star", "slope", "chi1"} (floats)

    Examples
    --------
    >>> row = order_and_chaos_table({"ReLU": ("relu", "he", 1.0)})["ReLU"]
    >>> row["slope"], row["chi1"]
    (1.0, 1.0)
    """
    settings = _check_settings(MEAN_FIELD_SETTINGS if settings is None else settings)
    table = {}
    for label, (activation, init, gain) in settings.items():
        q_star = variance_fixed_point(activation, init=init, gain=gain)
        if np.isinf(q_star):
            raise ValueError(f"settings[{label!r}]: the second moment grows without bound "
                             "(no fixed point): use a smaller gain.")
        q = 1.0 if np.isnan(q_star) else max(q_star, _LIMIT_Q)
        table[label] = {"q_star": q_star,
                        "slope": round(variance_map_slope(activation, q, init=init, gain=gain),
                                       12),
                        "chi1": round(chi1(activation, q, init=init, gain=gain), 12)}
    return table


def correlation_curves(settings=None, *, depth=50, c_in=0.5, width=256, n_networks=100,
                       seed=0):
    """Two inputs of correlation `c_in` through deep random networks: the mean-field
    prediction and the measurement in `n_networks` networks of `width` units.

    Returns
    -------
    dict label -> (c, measured): c of shape (depth,) from ``propagation.mean_field``, measured
    of shape (n_networks, depth) from ``propagation.propagate_pair``.
    """
    settings = _check_settings(MEAN_FIELD_SETTINGS if settings is None else settings)
    seed = check_positive_int(seed, "seed", minimum=0)
    curves = {}
    for label, (activation, init, gain) in settings.items():
        theory = mean_field(activation, depth=depth, c_in=c_in, init=init, gain=gain).c
        measured = propagate_pair(activation, depth=depth, width=width, n_networks=n_networks,
                                  rng=np.random.default_rng(seed), c_in=c_in, init=init,
                                  gain=gain).correlation
        curves[label] = (theory, measured)
    return curves


def log_variance_spread(*, depth=50, widths=(32, 128), n_networks=1000, seed=0):
    """log E[z^2] of one input, layer by layer, in `n_networks` random networks of each width:
    ReLU with He's weights and SELU with LeCun's (``propagation.propagate_pair``).

    Returns
    -------
    dict (activation label, width) -> log E[z^2], shape (n_networks, depth); the labels are
    "ReLU + He" and "SELU + LeCun".
    """
    widths = [check_size(w, "widths") for w in check_sequence(widths, "widths", "(32, 128)")]
    if not widths:
        raise ValueError("widths must hold at least one width, e.g. widths=(32, 128).")
    seed = check_positive_int(seed, "seed", minimum=0)
    logs = {}
    for label in ("ReLU + He", "SELU + LeCun"):
        activation, init, _ = MEAN_FIELD_SETTINGS[label]
        for width in widths:
            stats = propagate_pair(activation, depth=depth, width=width, n_networks=n_networks,
                                   rng=np.random.default_rng(seed), init=init)
            with np.errstate(divide="ignore"):  # a network born dead: log 0 = -inf
                logs[label, width] = np.log(stats.second_moment)
    return logs


def _mean_cosine(z):
    """The mean cosine between the rows of z over all pairs of distinct rows (rows of norm 0
    left out): (|sum of unit rows|^2 - number of rows) / (number of pairs)."""
    norms = np.linalg.norm(z, axis=1)
    unit = z[norms > 0] / norms[norms > 0, None]
    n = len(unit)
    return float((np.sum(unit.sum(axis=0) ** 2) - n) / (n * (n - 1)))


def collinearity_by_layer(X, *, depth=12, width=64, seeds=(0, 1, 2)):
    """A ReLU MLP with He's weights and zero biases (``models.mlp``, as notebook 01 builds it),
    at initialisation, fed the data set X: per hidden layer, the mean cosine between the
    pre-activation vectors of two different samples (over all pairs), and the number of dead
    units (pre-activation <= 0 on every sample).

    Returns
    -------
    dict "cosine" (floats) and "dead" (integers) -> arrays (len(seeds), depth)
    """
    X = as_float_array(X, "X")
    if X.ndim != 2 or X.shape[0] < 2 or X.shape[1] < 1 or not np.isfinite(X).all():
        raise ValueError(f"X must be a finite (samples, features) array with at least 2 "
                         f"samples and 1 feature; got shape {X.shape}.")
    depth = check_count(depth, "depth")
    width = check_size(width, "width")
    cosine, dead = [], []
    for seed in check_seeds(seeds):
        net = mlp(X.shape[1], [width] * depth, 10, rng=np.random.default_rng(seed))
        layers = [z for _, z in preactivations(net, X)]
        cosine.append([_mean_cosine(z) for z in layers])
        dead.append([int(np.all(z <= 0, axis=0).sum()) for z in layers])
    return {"cosine": np.array(cosine), "dead": np.array(dead)}


def finite_variance(logs):
    """Per column (layer), the variance (ddof = 1) of the finite entries of `logs`: a network
    born dead has log E[z^2] = -inf from some layer on and is left out there (nan where fewer
    than two networks are left).

    Examples
    --------
    >>> finite_variance(np.array([[0.0, 1.0], [2.0, -np.inf], [4.0, 3.0]])).tolist()
    [4.0, 2.0]
    """
    logs = as_float_array(logs, "logs")
    if logs.ndim != 2:
        raise ValueError(f"logs must be a 2-D array (networks, layers); got shape {logs.shape}.")
    finite = np.isfinite(logs)
    count = finite.sum(axis=0)
    values = np.where(finite, logs, 0.0)
    mean = values.sum(axis=0) / np.maximum(count, 1)
    squares = (np.where(finite, values - mean, 0.0) ** 2).sum(axis=0)
    return np.where(count >= 2, squares / np.maximum(count - 1, 1), np.nan)


def plot_order_and_chaos(correlations, spreads, *, axes=None):
    """The deep dive's figure. Left: the correlation of two inputs per layer, mean-field lines
    and the mean of the measured networks (markers every few layers). Right: the variance over
    networks of log E[z^2] per layer (`finite_variance`: networks born dead left out), with the
    exact curve for ReLU + He (dashed).

    Parameters
    ----------
    correlations : dict, from `correlation_curves`
    spreads : dict, from `log_variance_spread`
    axes : pair of matplotlib Axes, optional

    Returns
    -------
    matplotlib Figure
    """
    if not isinstance(correlations, dict) or not correlations or not all(
            isinstance(v, tuple) and len(v) == 2 for v in correlations.values()):
        raise TypeError("correlations must be the dict that nb00.correlation_curves returns; "
                        f"got {correlations!r:.60}.")
    if not isinstance(spreads, dict) or not spreads or not all(
            isinstance(k, tuple) and len(k) == 2 for k in spreads):
        raise TypeError("spreads must be the dict that nb00.log_variance_spread returns; got "
                        f"{spreads!r:.60}.")
    pairs = []
    for label, (theory, measured) in correlations.items():
        theory = as_float_array(theory, f"correlations[{label!r}]")
        measured = as_float_array(measured, f"correlations[{label!r}]")
        if theory.ndim != 1 or measured.ndim != 2 or measured.shape[1] != theory.size or (
                theory.size == 0 or measured.shape[0] == 0):
            raise ValueError(f"correlations[{label!r}] must be (c of shape (depth,), measured of "
                             f"shape (n_networks, depth)), as nb00.correlation_curves returns; "
                             f"got shapes {theory.shape} and {measured.shape}.")
        pairs.append((label, theory, measured))
    spread_curves = []
    for (label, width), logs in spreads.items():
        logs = as_float_array(logs, f"spreads[{(label, width)!r:.40}]")
        width = check_size(width, "spreads' widths (the second item of each key)")
        if logs.ndim != 2 or logs.size == 0:
            raise ValueError(f"spreads[{(label, width)!r}] must be a (networks, depth) array, as "
                             f"nb00.log_variance_spread returns; got shape {logs.shape}.")
        spread_curves.append((label, width, logs))
    if check_axes(axes, "axes", count=2) is None:
        fig, axes = plt.subplots(1, 2, figsize=(11, 4), layout="constrained")
    else:
        fig = axes[0].figure
    left, right = axes[0], axes[1]
    for i, (label, theory, measured) in enumerate(pairs):
        layers = np.arange(1, theory.size + 1)
        style = curve_style(i, layers.size)
        left.plot(layers, theory, color=style["color"], label=label)
        step = style["markevery"][1]
        every = slice(style["markevery"][0], None, step)
        with np.errstate(invalid="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # a layer where every network died
            mean = np.nanmean(measured, axis=0)
        left.plot(layers[every], mean[every], linestyle="none", marker=style["marker"],
                  color=style["color"], markersize=5)
    left.plot([], [], linestyle="none", marker="o", color="grey",
              label=f"markers: mean of {measured.shape[0]} networks")
    left.set_xlabel("layer")
    left.set_ylabel("correlation of the two inputs' $z$")
    left.set_ylim(0, 1.02)
    left.set_title("Two inputs: the correlation map (lines), measured (markers)")
    left.legend(loc="lower left", fontsize=8)
    for i, (label, width, logs) in enumerate(spread_curves):
        layers = np.arange(1, logs.shape[1] + 1)
        right.plot(layers, finite_variance(logs), label=f"{label}, {width} wide",
                   **curve_style(i, layers.size))
    widths = sorted({width for _, width, _ in spread_curves})
    depth = max(logs.shape[1] for *_, logs in spread_curves)
    for width in widths:
        layers = np.arange(1, depth + 1)
        right.plot(layers, [relu_log_variance(layer, width) for layer in layers], color="black",
                   linestyle="--", linewidth=1,
                   label="ReLU + He, exact" if width == widths[0] else None)
    right.set_xlabel("layer")
    right.set_ylabel("variance of log $E[z^2]$ over networks")
    right.set_title(f"One input: spread over {spread_curves[0][2].shape[0]} networks per curve")
    right.legend(loc="upper left", fontsize=8)
    return fig
