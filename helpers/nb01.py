"""Everything behind notebook 01 · The dying ReLU: networks born dead, units killed in
training and whether they come back, their figures, the explorer and the exercise checkers.

Reads: ``helpers.experiments`` (training runs), ``helpers.diagnostics`` (dead units).
"""

import functools
import inspect

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np

from . import diagnostics
from ._validation import (
    as_float_array,
    check_bool,
    check_choice,
    check_count,
    check_finite_real,
    check_not_masked,
    check_positive_int,
    check_rng,
    check_sequence,
    check_size,
    check_text,
)
from .activations import relu, relu_grad
from .checking import (
    Case,
    Hint,
    Raised,
    call,
    check_cases,
    checker,
    correct,
    disagree,
    fresh_rng,
    not_yet,
    numbers,
    only_in,
    planted,
    random_shape,
    shape_label,
)
from .experiments import check_split, check_train_arguments, train_mlp
from .init import rai
from .layers import Linear, leaf_layers
from .parallel import parallel_map
from .plotting import check_axes, check_named_arrays, curve_style
from .widgets import explorer


def single_point_dead_probability(width, depth):
    """Exact probability that a random ReLU network outputs zero in some layer at one input.

    With zero biases and weights drawn independently from a distribution symmetric about 0,
    each of the `width` units of a layer is <= 0 with probability 1/2, independently, as long
    as the layer's input is not zero. So a layer is entirely zero with probability 2^-width,
    and the network is dead at that input by layer `depth` with probability
    1 - (1 - 2^-width)^depth, computed as -expm1(depth log1p(-2^-width)): the same number,
    without rounding 1 - 2^-width to 1 for wide layers (width 60, depth 10: 8.7e-18, not 0).

    Parameters
    ----------
    width : int
    depth : int or array of int

    Examples
    --------
    >>> round(float(single_point_dead_probability(2, 10)), 4)
    0.9437
    """
    width = check_size(width, "width")
    check_not_masked(depth, "depth")
    try:
        depths = np.asarray(depth)
    except (ValueError, TypeError, OverflowError):
        depths = np.array(None)
    if depths.dtype.kind not in "iu" or np.any(depths < 1):
        shown = f"{depth!r:.60}" + ("" if isinstance(depth, list | np.ndarray | int) or depth
                                    is None else f" ({type(depth).__name__})")
        error = ValueError if depths.dtype.kind in "iu" else TypeError
        raise error(f"depth must be an integer >= 1 or an array of them; got {shown}.")
    return -np.expm1(depths * np.log1p(-(2.0 ** -width)))


def born_dead_curve(width, max_depth, *, n_trials, n_points, rng, init="he"):
    """Monte Carlo: probability that a random ReLU network is constant on a data set.

    Each trial draws a fresh network (`width` units in every layer; He-normal weights and zero
    biases, or Lu et al.'s randomized asymmetric initialisation with `init="rai"`) and
    `n_points` standard-normal inputs in `width` dimensions. The network is
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
    init : {"he", "rai"}, default "he"

    Returns
    -------
    ndarray, shape (max_depth,)
        Entry d - 1 is the estimated probability of being born dead by depth d.

    Examples
    --------
    >>> born_dead_curve(2, 3, n_trials=100, n_points=5, rng=np.random.default_rng(0)).shape
    (3,)
    """
    width = check_size(width, "width")
    max_depth = check_count(max_depth, "max_depth")
    n_trials = check_count(n_trials, "n_trials")
    n_points = check_size(n_points, "n_points")
    check_rng(rng)
    first_dead = np.full(n_trials, max_depth + 1)
    for depth, z in enumerate(_random_preactivations(width, max_depth, n_trials, n_points, rng,
                                                     init), start=1):
        dead_now = ~(z > 0).any(axis=(1, 2))
        first_dead[dead_now & (first_dead > max_depth)] = depth
    return np.array([(first_dead <= d).mean() for d in range(1, max_depth + 1)])


def second_moment_by_layer(width, depth, *, n_trials, n_points, rng, init="he"):
    """Monte Carlo: E[z^2] of the pre-activations in each layer of a random ReLU network, the
    networks and inputs drawn as `born_dead_curve` draws them.

    Returns
    -------
    ndarray, shape (depth,)
        Entry d - 1 is the mean of z^2 over the units, inputs and networks in layer d.

    Examples
    --------
    >>> second_moment_by_layer(4, 2, n_trials=3, n_points=5, rng=np.random.default_rng(0)).shape
    (2,)
    """
    return np.array([np.mean(z**2) for z in _random_preactivations(width, depth, n_trials,
                                                                   n_points, rng, init)])


def _random_preactivations(width, depth, n_trials, n_points, rng, init):
    """Each layer's pre-activations (n_trials, n_points, width) of `n_trials` random networks
    (He-normal and zero biases, or RAI) on standard-normal inputs, one matmul per layer."""
    width = check_size(width, "width")
    depth = check_count(depth, "depth")
    n_trials = check_count(n_trials, "n_trials")
    n_points = check_size(n_points, "n_points")
    check_rng(rng)
    check_choice(init, "init", ("he", "rai"))
    h = rng.standard_normal((n_trials, n_points, width))
    for _ in range(depth):
        if init == "he":
            z = h @ (rng.standard_normal((n_trials, width, width)) * np.sqrt(2.0 / width))
        else:
            w, b = rai(width, width, rng=rng, n_layers=n_trials)
            z = h @ w + b[:, None, :]
        yield z
        h = np.maximum(z, 0)


def _hidden_linears(model):
    """The Linear layers in front of the hidden activations (all but the output layer), inside
    Residual blocks too."""
    return [layer for layer in leaf_layers(model) if isinstance(layer, Linear)][:-1]


def _hidden_weights(model):
    return [layer.params["W"].copy() for layer in _hidden_linears(model)]


def bias_setup(amount):
    """A `setup` for ``helpers.experiments.train_mlp``: add `amount` to every hidden bias at
    initialisation (positive: a small head start for every unit; negative: units born dead).

    Examples
    --------
    >>> from helpers.models import mlp
    >>> net = mlp(4, [3], 2, rng=np.random.default_rng(0))
    >>> bias_setup(0.1)(net); net.layers[0].params["b"].tolist()
    [0.1, 0.1, 0.1]
    """
    return functools.partial(_shift_biases, amount=check_finite_real(amount, "amount"))


def _shift_biases(model, *, amount, layers=None):
    linears = _hidden_linears(model)
    for i in range(len(linears)) if layers is None else layers:
        linears[i].params["b"] += amount


def train_and_track(data, *, lr, seed, optimizer="adam", hidden=(64, 64, 64, 64), epochs=20,
                    batch_size=32, bias_shift=0.0, shift_layers=None, track_weights=False,
                    warmup_steps=0):
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
    warmup_steps : int, default 0
        Learning-rate warm-up (``helpers.training.fit``): a linear ramp over the first steps.

    Returns
    -------
    dict
        The `fit` history plus "masks" (per epoch, a list of per-layer dead masks on the
        training set), "weights" (with `track_weights`: per epoch, the hidden layers'
        incoming weight matrices), "test_acc" (final test accuracy), "model" (the trained
        network) and "diverged".
    """
    kwargs = _train_kwargs(data, lr=lr, optimizer=optimizer, hidden=hidden, epochs=epochs,
                           batch_size=batch_size, bias_shift=bias_shift,
                           shift_layers=shift_layers, track_weights=track_weights,
                           warmup_steps=warmup_steps)
    run = train_mlp(data, seed=seed, **kwargs)
    return {**run.history, "test_acc": run.test_acc, "model": run.model,
            "diverged": run.diverged}


def _train_kwargs(data, *, lr, optimizer="adam", hidden=(64, 64, 64, 64), epochs=20,
                  batch_size=32, bias_shift=0.0, shift_layers=None, track_weights=False,
                  warmup_steps=0):
    """Check train_and_track's own arguments; return the keyword arguments of its train_mlp."""
    check_split(data)
    bias_shift = check_finite_real(bias_shift, "bias_shift")
    track_weights = check_bool(track_weights, "track_weights")
    n_hidden = len(check_sequence(hidden, "hidden", "[64, 64]"))
    if shift_layers is not None:
        shift_layers = check_sequence(shift_layers, "shift_layers", "[0, 1]")
        for layer in shift_layers:
            check_positive_int(layer, "shift_layers", minimum=0, maximum=n_hidden - 1)
    # functools.partial, not lambdas: the runs may go to worker processes
    callbacks = {"masks": functools.partial(diagnostics.dead_unit_masks, X=data.X_train)}
    if track_weights:
        callbacks["weights"] = _hidden_weights
    return {"lr": lr, "optimizer": optimizer, "momentum": 0.0, "hidden": hidden,
            "epochs": epochs, "batch_size": batch_size, "callbacks": callbacks,
            "warmup_steps": warmup_steps,
            "setup": functools.partial(_shift_biases, amount=bias_shift, layers=shift_layers)}


def learning_rate_sweep(data, lrs, seeds, **kwargs):
    """`train_and_track` for every learning rate and seed (in parallel).

    Returns
    -------
    dict lr -> list of histories, one per seed, in order.
    """
    lrs = check_sequence(lrs, "lrs", "[0.001, 0.01]")
    if not lrs:
        raise ValueError("lrs must hold at least one learning rate, e.g. lrs=[0.001, 0.01].")
    for lr in lrs:
        check_finite_real(lr, "lrs", minimum=0.0, exclusive=True)
    unknown = set(kwargs) - (set(inspect.signature(_train_kwargs).parameters) - {"data", "lr"})
    if unknown:
        raise TypeError(f"unknown keyword arguments for train_and_track: {sorted(unknown)}.")
    seeds = check_train_arguments(data, seeds, [_train_kwargs(data, lr=lr, **kwargs)
                                                for lr in lrs])
    histories = parallel_map(_track_job, [(data, lr, seed, kwargs) for lr in lrs
                                          for seed in seeds],
                             desc=f"training {len(lrs)} learning rates x {len(seeds)} seeds")
    return {lr: histories[i * len(seeds):(i + 1) * len(seeds)] for i, lr in enumerate(lrs)}


def _track_job(job):
    data, lr, seed, kwargs = job
    return train_and_track(data, lr=lr, seed=seed, **kwargs)


def dead_fraction_history(history):
    """Per epoch and layer, the fraction of dead units: ndarray (epochs + 1, layers)."""
    _check_history(history)
    return np.array([[mask.mean() for mask in masks] for masks in history["masks"]])


def _check_history(history):
    """A history from train_and_track: per epoch, one 1-D boolean mask per hidden layer (the
    same layers and units every epoch), and with "weights" one (fan_in, units) matrix each."""
    if not isinstance(history, dict) or not isinstance(history.get("masks"), list) or not (
            history["masks"]):
        raise TypeError(f"history must be a dict from train_and_track (with per-epoch "
                        f'"masks"); got {history!r:.60}.')
    masks = history["masks"]
    for e, epoch in enumerate(masks):
        where = f'history["masks"][{e}]'
        if not isinstance(epoch, list | tuple):
            raise TypeError(f"{where} must be a list of boolean masks, one per hidden layer; "
                            f"got {epoch!r:.40}.")
        if not epoch:
            raise ValueError(f"{where} must hold one mask per hidden layer; got none.")
        if len(epoch) != len(masks[0]):
            raise ValueError(f'{where} has {len(epoch)} layers; history["masks"][0] has '
                             f"{len(masks[0])}: every epoch must have the same layers.")
        for i, mask in enumerate(epoch):
            if not (isinstance(mask, np.ndarray) and mask.dtype == bool and mask.ndim == 1
                    and mask.size and not isinstance(mask, np.ma.MaskedArray)):
                raise TypeError(f"{where}[{i}] must be a 1-D boolean array (True for a dead "
                                f"unit); got {mask!r:.40}.")
            if mask.shape != masks[0][i].shape:
                raise ValueError(f'{where}[{i}] has {mask.size} units; history["masks"][0][{i}] '
                                 f"has {masks[0][i].size}.")
    if "weights" in history:
        weights = history["weights"]
        if not isinstance(weights, list | tuple):
            raise TypeError(f'history["weights"] must be a list (per epoch, the hidden layers\' '
                            f"weight matrices); got {weights!r:.40}.")
        if len(weights) != len(masks):
            raise ValueError(f'history["weights"] must have one entry per epoch, as "masks" '
                             f"({len(masks)}); got {len(weights)}.")
        for e, epoch in enumerate(weights):
            if not isinstance(epoch, list | tuple) or len(epoch) != len(masks[0]):
                raise ValueError(f'history["weights"][{e}] must be a list of {len(masks[0])} '
                                 f"weight matrices, one per hidden layer; got {epoch!r:.40}.")
            for i, w in enumerate(epoch):
                units = masks[0][i].size
                if not (isinstance(w, np.ndarray) and w.ndim == 2 and w.shape[1] == units):
                    raise ValueError(f'history["weights"][{e}][{i}] must have shape (fan_in, '
                                     f"{units}), one column per unit; got "
                                     f"{getattr(w, 'shape', type(w).__name__)}.")
    return history


def revival_report(history):
    """What happened to units that died during training, per hidden layer.

    Returns
    -------
    dict of ndarray (one entry per layer):
        "ever_dead": units dead at the end of at least one epoch;
        "dead_at_end": units dead after the last epoch;
        "revived": units that were dead at some epoch and alive at a later one;
        "frozen" (only if the history tracked weights): of the units dead from some epoch to
        the end, those whose incoming weights did not change at all from that epoch on;
        "dead_pairs" and "still_pairs" (with tracked weights): how often a unit was dead at two
        evaluations in a row, and how often its incoming weights were the same at both. Under
        plain SGD a dead unit's weights get exactly zero updates, so the two agree (unless it
        woke and died again within the epoch); Adam's momentum can move them.
    """
    masks = _check_history(history)["masks"]
    n_layers = len(masks[0])
    tracked = ("frozen", "dead_pairs", "still_pairs") if "weights" in history else ()
    keys = ("ever_dead", "dead_at_end", "revived") + tracked
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
        if tracked:
            w = np.array([epoch_weights[layer] for epoch_weights in history["weights"]])
            pairs = m[:-1] & m[1:]  # (epochs, units): dead at evaluation e and e + 1
            still = np.all(w[:-1] == w[1:], axis=1)  # (epochs, units): weights unchanged
            report["dead_pairs"][layer] = pairs.sum()
            report["still_pairs"][layer] = (pairs & still).sum()
    return report


# --- figures and the explorer ---------------------------------------------------------------

def plot_born_dead(monte_carlo, exact=None, *, ax=None, dashed_label="exact, at a single input",
                   title="Deeper and narrower: born dead more often",
                   solid_label="Monte Carlo, on the data"):
    """Probability of a network born dead against depth, one curve per width.

    Parameters
    ----------
    monte_carlo : dict[int, array_like]
        Width -> estimated probabilities for depths 1..D (solid lines).
    exact : dict[int, array_like], optional
        Width -> a second curve per width (dashed lines, same colours): by default the exact
        single-point probabilities; `dashed_label` says what they are.
    ax : matplotlib Axes, optional
    dashed_label, solid_label, title : str
        The legend explains the two line styles with these labels; the legend sits outside
        the axes, so that it hides no curve.

    Returns
    -------
    matplotlib Axes
    """
    monte_carlo = check_named_arrays(monte_carlo, "monte_carlo")
    dashed_label, title = check_text(dashed_label, "dashed_label"), check_text(title, "title")
    solid_label = check_text(solid_label, "solid_label")
    if exact is not None and not (isinstance(exact, dict) and not exact):
        exact = check_named_arrays(exact, "exact")
    if check_axes(ax) is None:
        _, ax = plt.subplots(figsize=(7, 4.5))
    for i, (width, probs) in enumerate(monte_carlo.items()):
        depths = np.arange(1, probs.size + 1)
        style = curve_style(i, probs.size)
        ax.plot(depths, probs, label=f"width {width}", **style)
        if exact is not None and width in exact:
            ax.plot(depths, exact[width], color=style["color"], linestyle="--", linewidth=1)
    if exact:  # what the two line styles mean, apart from the widths
        ax.plot([], [], color="0.4", label=f"solid: {solid_label}")
        ax.plot([], [], color="0.4", linestyle="--", linewidth=1, label=f"dashed: {dashed_label}")
    ax.set_xlabel("depth (number of hidden layers)")
    ax.set_ylabel("probability of being born dead")
    ax.set_ylim(-0.02, 1.02)
    ax.set_title(title)
    ax.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1.0))
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
    if curves.ndim != 2 or curves.size == 0:
        raise ValueError(f"curves must have shape (epochs + 1, layers); got {curves.shape}.")
    check_text(title, "title")
    if check_axes(ax) is None:
        _, ax = plt.subplots(figsize=(6, 4))
    epochs = np.arange(curves.shape[0])
    for layer in range(curves.shape[1]):
        ax.plot(epochs, curves[:, layer], label=f"hidden layer {layer + 1}",
                **curve_style(layer, epochs.size))
    ax.set_xlabel("epoch")
    ax.set_ylabel("fraction of dead units")
    ax.set_ylim(-0.02, 1.02)
    ax.set_title(title)
    ax.legend(fontsize="small")
    return ax



def dying_figure(data, lr=0.01, bias_shift=0.0, seed=0, epochs=8):
    """The figure behind `dying_relu_explorer`: dead fractions while training one network
    (4 hidden layers of 64 ReLUs, Adam) for `epochs` epochs (8: a redraw stays under half a
    second)."""
    lr = check_finite_real(lr, "lr", minimum=0.0, exclusive=True)
    history = train_and_track(data, lr=lr, seed=seed, bias_shift=bias_shift, epochs=epochs)
    fig, ax = plt.subplots(figsize=(7, 4))  # no layout engine: it re-measures every label
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
    check_split(data)
    seed = check_positive_int(seed, "seed", minimum=0)
    style = {"description_width": "90px"}  # room for the full labels
    return explorer(
        lambda lr, bias_shift: dying_figure(data, lr, bias_shift, seed),
        lr=widgets.FloatLogSlider(value=0.01, base=10, min=-3.5, max=-0.5, step=0.25,
                                  description="learning rate", style=style),
        bias_shift=widgets.FloatSlider(value=0.0, min=-3.0, max=1.0, step=0.25,
                                       description="bias shift", style=style),
    )


# --- exercises -----------------------------------------------------------------------------

def _relu_cases(rng):
    """Fresh z arrays with one, two and three axes of random sizes, float64 and float32, with
    the values where thresholds show planted at random places: 0 and -0, tiny positives and
    negatives down to the smallest subnormal, and large ones up to the dtype's largest."""
    cases = []
    for ndim, dtype in [(1, np.float64), (2, np.float32), (3, np.float64)]:
        info = np.finfo(dtype)
        edges = [0.0, -0.0, info.smallest_subnormal, -info.smallest_subnormal, info.tiny,
                 -info.tiny, 1e-10, -1e-10, 1e-6, -2.0, 1e3, -1e3, info.max, -info.max]
        z = planted(rng, random_shape(rng, ndim, min_size=2 * len(edges)), dtype, edges)
        cases.append(Case((z,), shape_label(z)))
    return cases


RELU_GRAD_CODE = "(z > 0).astype(z.dtype)"  # the last level of every relu_grad hint
_RELU_GRAD_RULE = "The slope of max(0, z) is 1 where z > 0 and 0 elsewhere, at exactly 0 too."


def _relu_grad_hint(*levels, key=None):
    return Hint([*levels, f"In numpy: {RELU_GRAD_CODE}."], key=key)


def _threshold_hint(got, expected, z):
    """Name a cutoff from where the wrong slopes are: only at 0, only the smallest positives,
    only the largest positives, or only the z <= 0 nearest to 0."""
    wrong = disagree(got, expected)
    positive, right = z > 0, ~wrong
    cutoff = np.any(positive & right)  # some positives right, some wrong
    if only_in(wrong, z == 0):
        return _relu_grad_hint(
            f"at exactly z = 0 yours gives {float(got[wrong][0]):g}; the course, like PyTorch, "
            "takes the z <= 0 branch there, so relu_grad(0) is 0.", "Compare with 0 "
            "strictly, and make sure nothing divides by z.", key="at zero")
    if cutoff and only_in(wrong, positive) and not np.any(positive & right
                                                          & (z < z[wrong].max())):
        return _relu_grad_hint(
            f"a tiny positive z (here {float(z[wrong].min()):.3g}) still has slope 1, but yours "
            "is not 1 there.", "Compare with 0 exactly, not with a small threshold or a steep "
            "ramp.", key="tiny positives")
    if cutoff and only_in(wrong, positive) and not np.any(positive & right
                                                          & (z > z[wrong].min())):
        return _relu_grad_hint(
            f"a large z (here {float(z[wrong].max()):.3g}) still has slope 1, but yours is "
            f"not 1 for z >= {float(z[wrong].min()):.3g}: an upper cutoff holds only for the z "
            "you happened to try.", "The slope is 1 for every positive z, however large: test "
            "z > 0 and nothing else.", key="large")
    if only_in(wrong, z <= 0) and np.any((z <= 0) & right) and not np.any(
            (z <= 0) & right & (z > z[wrong].min())):
        return _relu_grad_hint(
            f"a z just below 0 (here {float(z[wrong].min()):.3g}) has slope 0, but yours is "
            "not 0 there: your test lets small negatives through.", "Compare with 0 itself: "
            "the slope is 1 only where z > 0.", key="tiny negatives")
    return None


@checker
def check_relu_grad(candidate):
    """Check a reader's ``relu_grad(z)``: 1 where z > 0, else 0 (0 at exactly 0).

    Each call draws fresh inputs (one, two and three axes of random sizes, float64 and
    float32, with exact zeros, tiny positives and negatives, and large values).

    Examples
    --------
    >>> check_relu_grad(lambda z: (z > 0).astype(z.dtype))
    Correct! Your relu_grad is 1 where z > 0 and 0 elsewhere, including at exactly 0.
    """
    cases = _relu_cases(fresh_rng())
    out, problem = call(candidate, *cases[0].args)
    if problem is None and isinstance(out, np.ndarray) and out.dtype == bool:
        return not_yet(_relu_grad_hint("the right pattern, but as booleans (True/False); "
                                       "the slopes must be numbers.", "Convert the boolean "
                                       "array to z's floating dtype."))
    mistakes = [
        (lambda z: np.ones_like(z), _relu_grad_hint(
            "every slope came out as 1. Did you test the output, relu(z) >= 0? That is always "
            "true.", "Test the pre-activation z itself: the slope is 1 only where z is "
            "positive.")),
        (lambda z: (z >= 0).astype(z.dtype), _relu_grad_hint(
            "right except at exactly z = 0. The course, like PyTorch, takes the z <= 0 branch "
            "there, so relu_grad(0) is 0.", "Your comparison lets z = 0 through: make it "
            "strict.")),
        (relu, _relu_grad_hint("you returned max(0, z), the function itself; return its "
                               "slope.", "The slope is 1 where z is positive and 0 elsewhere: "
                               "a comparison, turned into numbers.")),
    ]
    problem = check_cases(candidate, cases, relu_grad, mistakes, diagnose=_threshold_hint,
                          rule=(_RELU_GRAD_RULE, f"In numpy: {RELU_GRAD_CODE}."))
    if problem is not None:  # (a Feedback that says "not yet" is falsy: test for None)
        return problem
    return correct("Your relu_grad is 1 where z > 0 and 0 elsewhere, including at exactly 0.")


def _alive_only(z, unit, rows):
    """Make `unit` negative everywhere but on `rows`."""
    z[:, unit] = -np.abs(z[:, unit]) - 0.1
    z[rows, unit] = np.abs(z[rows, unit]) + 0.1


def _weak_levels(dtype):
    """The largest outputs of the weak (but alive) units planted in a layer of `dtype`: from
    1e-5 down to the dtype's smallest subnormal number (the smallest positive one), so that
    even a threshold at np.finfo(dtype).smallest_subnormal or .tiny miscounts them."""
    return [1e-5, 1e-12, 1e-300 if np.dtype(dtype) == np.float64 else 1e-30,
            float(np.finfo(dtype).tiny), float(np.finfo(dtype).smallest_subnormal)]


def _dead_fraction_layers(rng, dtypes):
    """Pre-activations (samples x units), one layer per dtype, with units planted so that every
    usual mistake gives a different answer: dead (negative with some exact zeros; exactly 0;
    tiny negatives); alive only on the first sample (1 unit), only on the last (2), only in the
    second half (5); alive but weak, firing at most at one of `_weak_levels` (2 units at the
    smallest normal number, 1 at the smallest subnormal on most samples, 1 at each other);
    negative on the first sample only; and one sample on which every unit is negative; the
    other units fire on the first sample. A threshold at any scale then
    miscounts 1 to 6 units."""
    layers = []
    for dtype in dtypes:
        n, units = int(rng.integers(30, 61)), int(rng.integers(22, 29))
        z = rng.standard_normal((n, units))
        (dead, zero, tiny_negative, first, last1, last2, *special) = rng.permutation(units)[:18]
        half, weak, negative_first = special[:5], special[5:11], special[11]
        z[:, dead] = -np.abs(z[:, dead])
        z[: n // 3, dead] = 0.0  # dead, with some exact zeros
        z[:, zero] = 0.0  # exactly zero everywhere: dead too
        z[:, tiny_negative] = -rng.choice(_weak_levels(dtype)[1:]) * rng.uniform(1, 2, n)
        _alive_only(z, first, slice(0, 1))
        for unit in (last1, last2):
            _alive_only(z, unit, slice(n - 1, n))
        for unit in half:
            _alive_only(z, unit, slice(n // 2, n))
        quiet_row = n // 4  # one sample on which every unit is negative (for axis=1 answers)
        inner = np.delete(np.arange(1, n - 1), quiet_row - 1)  # not first, last or quiet
        levels = _weak_levels(dtype)
        for unit, level in zip(weak, [levels[3]] * 3 + levels[:3], strict=True):
            rows = [rng.choice(inner[inner < n // 2])]  # 3 samples, one in the first half
            rows += list(rng.choice(inner[inner != rows[0]], 2, replace=False))
            z[:, unit] = -np.abs(z[:, unit]) - 0.1
            z[rows, unit] = level
        # one of the three at the smallest normal fires at the smallest subnormal on most
        # samples instead (so its mean stays > 0): a threshold at it miscounts this unit
        z[inner, weak[0]] = levels[4]
        plain = np.setdiff1d(np.arange(units), [dead, zero, tiny_negative, first, last1, last2,
                                                *special])
        z[0, plain] = np.abs(z[0, plain]) + 0.1  # the other units fire on the first sample
        z[:, negative_first] = np.abs(z[:, negative_first]) + 0.1
        z[0, negative_first] = -1.0
        z[quiet_row] = -np.abs(z[quiet_row]) - 0.1
        layers.append(z.astype(dtype))  # every planted value is a number of this dtype
    return layers


DEAD_FRACTION_CODE = "np.mean(np.all(z <= 0, axis=0))"  # the last level of every hint


def _dead_hint(*levels, key=None):
    return Hint([*levels, f"For each layer's z: {DEAD_FRACTION_CODE}."], key=key)


_ALL_SAMPLES = ("A unit is dead when z <= 0 for every sample: reduce over the samples (axis 0, "
                "the rows) with np.all, then take the fraction of such units.")
_DEAD_MISTAKES = [
    (lambda zs: [np.mean(z[0] <= 0) for z in zs], _dead_hint(
        "you looked at a single sample. A unit is dead only if z <= 0 for EVERY sample of the "
        "data set.", _ALL_SAMPLES)),
    (lambda zs: [np.mean(z <= 0) for z in zs], _dead_hint(
        "that is the fraction of zero outputs (sparsity), counted over all entries; dead is a "
        "verdict per unit.", _ALL_SAMPLES)),
    (lambda zs: [np.mean(np.all(z < 0, axis=0)) for z in zs], _dead_hint(
        "you missed the units whose pre-activation is exactly 0: they get zero gradient too, "
        "so they are dead.", "Include 0 in your comparison: <= 0, not < 0.")),
    (lambda zs: [np.mean(np.any(z <= 0, axis=0)) for z in zs], _dead_hint(
        "you counted units that are <= 0 for SOME sample; dead means for ALL samples.",
        "np.any asks \"for some sample\"; np.all asks \"for every sample\".")),
    (lambda zs: [np.mean(np.all(z <= 0, axis=1)) for z in zs], _dead_hint(
        "you reduced over the units (axis=1): that gives one verdict per sample, but dead is a "
        "verdict per unit.", "The samples are the rows: reduce over axis 0.")),
    (lambda zs: [np.sum(np.all(z <= 0, axis=0)) for z in zs], _dead_hint(
        "you returned the number of dead units; the exercise asks for the fraction per layer.",
        "Divide by the number of units, or take the mean of the per-unit verdicts.")),
    (lambda zs: [np.mean(np.maximum(z, 0).mean(axis=0) < 1e-3) for z in zs], _dead_hint(
        "you counted units whose mean output is small: the near-zero proxy this notebook warns "
        "about. A unit that fires weakly (here with outputs of 1e-5) is alive and still "
        "learns.", "Dead means z <= 0 for every sample: compare with 0 exactly, no threshold, "
        "and reduce over the samples (axis 0) with np.all.")),
    (lambda zs: [np.mean(np.all(z[1:] <= 0, axis=0)) for z in zs], _dead_hint(
        "you skipped the first sample (z[1:]); a unit that fires only there is alive.")),
    (lambda zs: [np.mean(np.all(z[:-1] <= 0, axis=0)) for z in zs], _dead_hint(
        "you skipped the last sample (z[:-1]); a unit that fires only there is alive.")),
    (lambda zs: [1 - np.mean(np.all(z <= 0, axis=0)) for z in zs], _dead_hint(
        "you returned the fraction of units that are alive (fire on some sample); the "
        "exercise asks for the dead ones.", "Dead is the other way round: z <= 0 for every "
        "sample.")),
    (lambda zs: [100 * np.mean(np.all(z <= 0, axis=0)) for z in zs], _dead_hint(
        "you returned percentages; the exercise asks for fractions, between 0 and 1.",
        "Leave out the factor 100.")),
]
_NEAR_ZERO = _dead_hint(
    "you counted units whose outputs are tiny but positive as dead (this check plants units "
    "that fire at 1e-5, at 1e-12, and as little as a float can hold): a threshold, rounding, "
    "np.isclose or a cast to a smaller dtype turns such outputs into 0. Those units are alive: "
    "their gradient is not zero.", "Dead means z <= 0 for every sample: compare with 0 "
    "exactly, with no threshold, in z's own dtype.", key="near zero")
_TINY_NEGATIVES = _dead_hint(
    "you missed dead units whose pre-activations are tiny negatives (-1e-12, say) or exactly "
    "0: a unit is dead as soon as z <= 0 for every sample, however close to 0.",
    "Compare with 0 itself: z <= 0, with no threshold.", key="tiny negatives")


def reference_dead_fractions(preactivations):
    """Per layer, the fraction of units with pre-activation <= 0 for every sample."""
    layers = check_sequence(preactivations, "preactivations", "[z_layer_1, z_layer_2]")
    zs = [as_float_array(z, f"preactivations[{i}]") for i, z in enumerate(layers)]
    for i, z in enumerate(zs):
        if z.ndim != 2 or z.shape[0] == 0:
            raise ValueError(f"preactivations[{i}] must have shape (samples, units) with at "
                             f"least one sample; got {z.shape}.")
    return [float(np.mean(np.all(z <= 0, axis=0))) for z in zs]


def _layer_count_hint(what):
    return _dead_hint(f"{what} The list holds one array per layer, and this check tries lists "
                      "of one to four layers: return one fraction for each array in the list, "
                      "however many there are.", "Loop over the list: [... for z in "
                      "preactivations].", key="layer count")


def _thresholded(zs, sign):
    """Per layer, the fractions that counting z <= sign * t as dead gives, for each planted
    weak level t (sign +1: a near-zero proxy; -1: a threshold below 0)."""
    return [[np.mean(np.all(z <= sign * t, axis=0)) for t in _weak_levels(z.dtype)]
            for z in zs]


def _dead_diagnosis(got, expected, zs):
    """A threshold at any scale (over- or under-counting by the planted units only), or units
    that fire on a few samples only."""
    got, expected = np.ravel(got), np.ravel(expected)
    for sign, hint in [(1, _NEAR_ZERO), (-1, _TINY_NEGATIVES)]:
        options = _thresholded(zs, sign)
        if all(np.isclose(g, [e, *fractions], rtol=1e-6, atol=1e-9).any()
               for g, e, fractions in zip(got, expected, options, strict=True)):
            return hint
    for rows in [lambda n: slice(None, n // 2), lambda n: slice(n // 2, None),  # a half,
                 lambda n: slice(None, None, 2), lambda n: slice(1, None, 2)]:  # every other
        if np.allclose(got, [np.mean(np.all(z[rows(len(z))] <= 0, axis=0)) for z in zs]):
            return _dead_hint("some units you counted as dead fire on a few samples only (the "
                              "first, the last, or some in the second half of the rows): look "
                              "at every sample.", _ALL_SAMPLES, key="some samples")
    return None


@checker
def check_dead_fractions(candidate):
    """Check a reader's ``dead_fractions(preactivations) -> one fraction per layer``.

    `preactivations` is a list with one (samples, units) array per layer. Each call draws fresh
    layers (one list of two to four, float64 and float32, and one list of a single layer) of
    random sizes, with weak units firing at 1e-5 down to the smallest subnormal number.

    Examples
    --------
    >>> check_dead_fractions(lambda zs: [np.mean(np.all(z <= 0, axis=0)) for z in zs])
    Correct! A unit counts as dead only when z <= 0 for every sample.
    """
    rng = fresh_rng()
    cases = []
    several = [np.float64, np.float32] + [(np.float64, np.float32)[i] for i in
                                          rng.integers(0, 2, size=int(rng.integers(0, 3)))]
    for dtypes in [several, [np.float32]]:
        zs = _dead_fraction_layers(rng, dtypes)
        cases.append(Case((zs,), f"{len(zs)} layer{'s' if len(zs) > 1 else ''} of shapes "
                                 f"{[z.shape for z in zs]}"))
    for case in cases:  # answers of the wrong kind, before comparing numbers
        (zs,) = case.args
        out, problem = call(candidate, zs)
        if isinstance(problem, Raised) and isinstance(problem.error, IndexError):
            return not_yet(_layer_count_hint(f"your function raised IndexError: "
                                             f"{problem.error}."))
        if problem is not None:
            break  # check_cases reports it
        if isinstance(out, list | tuple) and len(out) == len(zs) and all(
                np.shape(v) == (z.shape[1],) for v, z in zip(out, zs, strict=True)):
            return not_yet(_dead_hint("you returned one verdict per unit (an array per layer); "
                                      "the exercise asks for one number per layer: the "
                                      "fraction of its units that are dead.", "Take the mean "
                                      "of each layer's per-unit verdicts."))
        got = numbers(out)
        if got is not None and got.ndim == 1 and got.size != len(zs):
            return not_yet(_layer_count_hint(f"for {len(zs)} layers you returned {got.size} "
                                             "numbers."))
    problem = check_cases(candidate, cases, reference_dead_fractions, _DEAD_MISTAKES,
                          diagnose=_dead_diagnosis, rule=(_ALL_SAMPLES, "For each layer's z: "
                                                          f"{DEAD_FRACTION_CODE}."))
    if problem is not None:
        return problem
    return correct("A unit counts as dead only when z <= 0 for every sample.")
