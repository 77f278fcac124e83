"""Notebook 05 (convolutions): which numbers share statistics, the batch-size study's figure,
PReLU's slopes in a CNN, and the exercises' checkers.

The layers themselves live in ``helpers.layers`` (Conv1d, BatchNorm1d, LayerNorm, GroupNorm,
InstanceNorm1d, PReLU); the CNN in ``helpers.models.cnn``; the studies in ``helpers.studies``.
"""

import dataclasses
import numbers

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import ListedColormap

from . import layers as L
from ._validation import (
    MAX_SIZE,
    as_float_array,
    check_choice,
    check_positive_int,
    check_sequence,
    check_size,
    check_text,
)
from .checking import Case, Hint, check_cases, checker, correct, fresh_rng, not_yet, shape_label
from .experiments import check_split
from .plotting import PALETTE, check_axes
from .results import Judged
from .widgets import explorer

BLUE, ORANGE = PALETTE[6], PALETTE[1]
NORM_NAMES = {"batch": "batch norm", "layer": "layer norm", "instance": "instance norm",
              "group": "group norm"}


# --- checks shared by this module's functions ---------------------------------------------------

_INDEX_NAMES = ("n", "c", "l")  # the names of an (N, C, L) index's entries, for the messages


def _check_shape(shape, name="shape"):
    """`shape` as a tuple (N, C, L) of three sizes >= 1, with at most MAX_SIZE numbers in all."""
    if not isinstance(shape, tuple | list) or len(shape) != 3:
        raise TypeError(f"{name} must be a tuple (N, C, L) of three integers >= 1 (samples, "
                        f"channels, positions), e.g. (3, 6, 8); got {shape!r:.40}.")
    shape = tuple(check_size(v, f"{name}[{i}]") for i, v in enumerate(shape))
    if np.prod(shape, dtype=float) > MAX_SIZE:
        raise ValueError(f"{name} must describe an array that fits in memory, at most 2**31 "
                         f"numbers in all; got {shape}.")
    return shape


def _check_index(index, shape, of):
    """`index` as a tuple (n, c, l) of ints naming one entry of an array of `shape`; `of`
    describes that array in the message ("x (shape (3, 6, 8))")."""
    if not isinstance(index, tuple | list) or len(index) != 3:
        raise TypeError(f"index must be a tuple (n, c, l) naming one entry of {of}, e.g. "
                        f"(0, 1, 2); got {index!r:.40}.")
    checked = []
    for i, (value, size, axis) in enumerate(zip(index, shape, _INDEX_NAMES, strict=True)):
        if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Integral):
            raise TypeError(f"index[{i}] ({axis}) must be an integer; got {value!r:.40}.")
        if not 0 <= value < size:
            raise ValueError(f"index[{i}] ({axis}) = {value} is outside {of}: it must be in "
                             f"[0, {size - 1}].")
        checked.append(int(value))
    return tuple(checked)


def _check_groups(groups, channels, where=""):
    """`groups` as an int that divides `channels` (group norm's groups of equal size)."""
    groups = check_positive_int(groups, "groups")
    if channels % groups:
        options = ([d for d in range(1, channels + 1) if channels % d == 0] if channels <= 64
                   else [1, channels])
        listed = (", ".join(map(str, options[:-1])) + f" or {options[-1]}" if len(options) > 1
                  else str(options[0]))
        if channels > 64:
            listed = f"e.g. {listed}"
        raise ValueError(f"groups must divide the {channels} channels{where} (group norm's groups "
                         f"are equal): {listed}; got {groups}.")
    return groups


def _check_signal(value, name):
    """`value` as a non-empty, finite 1-D float array."""
    array = as_float_array(value, name)
    if array.ndim != 1 or array.size == 0:
        raise ValueError(f"{name} must be a non-empty 1-D array (one number per position); got "
                         f"shape {array.shape}.")
    if not np.isfinite(array).all():
        raise ValueError(f"{name} must hold finite numbers; got NaN or inf at position "
                         f"{int(np.flatnonzero(~np.isfinite(array))[0])}.")
    return array


# --- which entries share a mean and a variance -------------------------------------------------

def norm_layer(kind, channels, length, groups=2):
    """The course's layer for `kind` ("batch", "layer", "instance", "group") on sequences of
    `channels` × `length`: the layers whose statistics the axes picture shows. `groups` (group
    norm only) must divide `channels`."""
    kind = check_choice(kind, "kind", NORM_NAMES)
    channels = check_size(channels, "channels")
    length = check_size(length, "length")
    groups = check_positive_int(groups, "groups")
    if kind == "group":
        _check_groups(groups, channels)
    return {"batch": lambda: L.BatchNorm1d(channels),
            "layer": lambda: L.LayerNorm((channels, length)),
            "instance": lambda: L.InstanceNorm1d(channels),
            "group": lambda: L.GroupNorm(groups, channels)}[kind]()


def sharing_mask(layer, x, index):
    """Which outputs of `layer` (training mode) depend on the input entry `index` of x (N, C, L).

    Changing one number of x changes the mean and variance it belongs to, and so every output
    normalised with them, and nothing else: the mask shows the set of entries that share
    statistics with x[index], measured on the layer itself.

    Returns
    -------
    ndarray of bool, shaped like x
    """
    L.check_model(layer, "layer")
    x = as_float_array(x, "x")
    if x.ndim != 3:
        raise ValueError(f"x must be a batch of sequences (N, C, L); got shape {x.shape}.")
    if not np.isfinite(x).all():
        raise ValueError("x must hold finite numbers; got NaN or inf.")
    index = _check_index(index, x.shape, f"x (shape {x.shape})")
    layer.train()
    try:
        before = layer.forward(x)
    except (TypeError, ValueError) as err:
        error = TypeError if isinstance(err, TypeError) else ValueError
        raise error(f"layer ({type(layer).__name__}) cannot run on x of shape {x.shape}: "
                    f"{err}") from None
    if np.shape(before) != x.shape:
        raise ValueError(f"layer must return outputs shaped like x, {x.shape} (a "
                         f"normalization); {type(layer).__name__} returned shape "
                         f"{np.shape(before)}.")
    moved = x.copy()
    # move the entry by 1 + |x| towards and past 0: a change that never overflows
    step = 1.0 + abs(moved[index])
    moved[index] = moved[index] - step if moved[index] > 0 else moved[index] + step
    return layer.forward(moved) != before


def expected_sharing(kind, shape, index, groups=2):
    """The entries that share statistics with `index` by the definitions (Wu & He 2018, Fig. 2):
    batch norm a channel over the batch and positions; layer norm a sample over channels and
    positions; instance norm a channel of a sample over positions; group norm the channels of
    the same group of a sample over positions."""
    kind = check_choice(kind, "kind", NORM_NAMES)
    shape = _check_shape(shape)
    n, c, _ = _check_index(index, shape, f"shape {shape}")
    groups = check_positive_int(groups, "groups")
    if kind == "group":
        _check_groups(groups, shape[1], " of shape[1]")
    samples, channels, positions = np.indices(shape)
    same = {"batch": channels == c,
            "layer": samples == n,
            "instance": (samples == n) & (channels == c),
            "group": (samples == n) & (channels // (shape[1] // groups) == c // (
                shape[1] // groups))}
    return same[kind]


SHARED = ListedColormap(["#f2f2f2", BLUE])


def plot_sharing(mask, index, *, title, ax=None):
    """Draw a mask (N, C, L) as N blocks side by side, channels down, positions across; the
    entry `index` is marked with a black dot."""
    values = as_float_array(mask, "mask")
    if values.ndim != 3 or values.size == 0:
        raise ValueError(f"mask must have shape (N, C, L), non-empty; got {values.shape}.")
    if not np.isin(values, (0, 1)).all():
        raise ValueError(f"mask must hold True/False (or 0/1), e.g. from sharing_mask; got "
                         f"{float(values[~np.isin(values, (0, 1))][0]):g} among them.")
    mask = values.astype(bool)
    n_samples, channels, length = mask.shape
    n, c, pos = _check_index(index, mask.shape, f"mask (shape {mask.shape})")
    check_text(title, "title")
    if check_axes(ax) is None:
        _, ax = plt.subplots(figsize=(4, 2.5))
    gap = np.full((channels, 1), np.nan)
    blocks = [np.concatenate([mask[i].astype(float), gap], axis=1) for i in range(n_samples)]
    picture = np.concatenate(blocks, axis=1)[:, :-1]
    ax.imshow(np.ma.masked_invalid(picture), cmap=SHARED, vmin=0, vmax=1, aspect="auto",
              interpolation="nearest")
    ax.plot(n * (length + 1) + pos, c, "o", color="black", markersize=4)
    ax.set_xticks([i * (length + 1) + (length - 1) / 2 for i in range(n_samples)],
                  [f"sample {i}" for i in range(n_samples)])
    ax.set_yticks(range(channels), [f"c{i}" for i in range(channels)], fontsize=8)
    ax.set_xticks(np.arange(-0.5, picture.shape[1]), minor=True)  # one cell per number
    ax.set_yticks(np.arange(-0.5, channels), minor=True)
    ax.grid(which="minor", color="white", lw=0.6)
    ax.tick_params(which="both", length=0)
    ax.set_title(title, fontsize=10)
    return ax


def axes_picture(shape=(3, 6, 8), groups=3, index=(0, 1, 2)):
    """Four panels: the entries that share statistics with `index` under batch, layer, instance
    and group norm, each measured on the course's layer with `sharing_mask`.

    Returns
    -------
    matplotlib Figure
    """
    n, c, length = _check_shape(shape)
    if length < 2:
        raise ValueError(f"shape[2] (positions) must be at least 2: instance norm estimates a "
                         f"variance from one channel's positions; got shape {tuple(shape)}.")
    groups = _check_groups(groups, c, " of shape[1]")
    index = _check_index(index, (n, c, length), f"shape {(n, c, length)}")
    x = np.random.default_rng(0).standard_normal((n, c, length))
    fig, axes = plt.subplots(1, 4, figsize=(13, 2.8), sharey=True)
    for ax, kind in zip(axes, NORM_NAMES, strict=True):
        mask = sharing_mask(norm_layer(kind, c, length, groups), x, index)
        label = NORM_NAMES[kind] + (f" ({groups} groups)" if kind == "group" else "")
        plot_sharing(mask, index, title=f"{label}: {mask.sum()} numbers", ax=ax)
    axes[0].set_ylabel("channel")
    fig.suptitle("Which numbers share a mean and a variance with the dotted one (blue)",
                 fontsize=11)
    fig.subplots_adjust(top=0.78, wspace=0.08, bottom=0.12)
    return fig


def sharing_figure(kind, groups, channel):
    """One panel of the axes picture for the explorer: `kind` with `groups` (group norm only)
    and the dotted entry in `channel` of sample 0."""
    kind = check_choice(kind, "kind", NORM_NAMES)
    channels, length = 6, 8
    groups = _check_groups(groups, channels)
    index = (0, check_positive_int(channel, "channel", minimum=0, maximum=channels - 1), 3)
    x = np.random.default_rng(0).standard_normal((3, channels, length))
    mask = sharing_mask(norm_layer(kind, channels, length, groups), x, index)
    fig, ax = plt.subplots(figsize=(7, 3))
    label = NORM_NAMES[kind] + (f", {groups} groups" if kind == "group" else "")
    plot_sharing(mask, index, title=f"{label}: {mask.sum()} numbers share one mean and "
                                    "variance", ax=ax)
    ax.set_ylabel("channel")
    fig.tight_layout()
    return fig


def sharing_explorer(*, kind="group", groups=3, channel=1):
    """Choose a normalization, the number of groups and the channel of the dotted entry
    (`kind`, `groups` and `channel` are where the controls start; see `sharing_figure`)."""
    kind = check_choice(kind, "kind", NORM_NAMES)
    groups = _check_groups(groups, 6)
    channel = check_positive_int(channel, "channel", minimum=0, maximum=5)
    return explorer(
        sharing_figure,
        kind=widgets.Dropdown(options=[(v, k) for k, v in NORM_NAMES.items()], value=kind,
                              description="norm"),
        groups=widgets.SelectionSlider(options=[1, 2, 3, 6], value=groups,
                                       description="groups"),
        channel=widgets.IntSlider(value=channel, min=0, max=5, description="channel"),
    )


# --- convolution on one sequence ---------------------------------------------------------------

def plot_convolution(sequence, kernel, output, *, ax=None):
    """A sequence and its convolution with one kernel, on a shared position axis (the output's
    position t is the window that starts at t): `output` has one number per window,
    len(sequence) - len(kernel) + 1 (no padding, stride 1)."""
    sequence, kernel, output = (_check_signal(v, name) for v, name in
                                [(sequence, "sequence"), (kernel, "kernel"), (output, "output")])
    if kernel.size > sequence.size:
        raise ValueError(f"kernel ({kernel.size} weights) must not be longer than sequence "
                         f"({sequence.size} positions).")
    windows = sequence.size - kernel.size + 1
    if output.size != windows:
        raise ValueError(f"output must have one number per window of kernel in sequence: "
                         f"{sequence.size} - {kernel.size} + 1 = {windows} (no padding, stride "
                         f"1); got {output.size}.")
    if check_axes(ax) is None:
        _, ax = plt.subplots(figsize=(7, 3))
    k = kernel.size
    ax.plot(np.arange(sequence.size), sequence, "o-", color=BLUE, markersize=3,
            label="input sequence")
    centres = np.arange(output.size) + (k - 1) / 2
    ax.plot(centres, output, "s-", color=ORANGE, markersize=3,
            label=f"output, kernel ({', '.join(f'{w:g}' for w in kernel)})")
    ax.axhline(0, color="grey", lw=0.5)
    ax.set_xlabel("position")
    ax.legend(loc="upper left", fontsize=8, frameon=False)
    return ax


def permuted(split, permutation):
    """The same split with the positions of every sequence shuffled by one `permutation`
    (the same for every sequence, training and test alike)."""
    check_split(split, "split")
    as_float_array(permutation, "permutation")  # an array of real numbers, not a masked one
    perm = np.asarray(permutation)
    if perm.dtype.kind not in "iu":
        raise TypeError(f"permutation must hold integers (positions), e.g. "
                        f"rng.permutation({split.n_features}); got an array of dtype "
                        f"{perm.dtype}.")
    if perm.ndim != 1 or not np.array_equal(np.sort(perm), np.arange(split.n_features)):
        raise ValueError(f"permutation must be a permutation of the {split.n_features} "
                         f"positions (e.g. rng.permutation({split.n_features})); got "
                         f"{np.array2string(perm, threshold=8)}.")
    return dataclasses.replace(split, X_train=split.X_train[:, perm],
                               X_val=split.X_val[:, perm], X_test=split.X_test[:, perm])


# --- the batch-size study and PReLU's slopes ----------------------------------------------------

def plot_batch_sizes(judged, batch_sizes, *, ax=None):
    """Test accuracy (each seed at its best validation checkpoint, at the rate chosen for its
    configuration) against the batch size, for batch norm and group norm: a dot per seed and a
    line through the means. `judged` is `results.judge` of studies.BATCH_SIZE: a dict with a
    `results.Judged` for each "batch norm, batch {b}" and "group norm, batch {b}" of
    `batch_sizes` (increasing)."""
    if not isinstance(judged, dict) or not judged or not all(
            isinstance(j, Judged) for j in judged.values()):
        raise TypeError(f"judged must be the dict configuration -> results.Judged that "
                        f"results.judge returns for studies.BATCH_SIZE; got {judged!r:.60}.")
    batch_sizes = [check_size(b, "batch_sizes") for b in check_sequence(
        batch_sizes, "batch_sizes", "studies.BATCH_SIZES")]
    if not batch_sizes or np.any(np.diff(batch_sizes) <= 0):
        raise ValueError(f"batch_sizes must be a non-empty increasing sequence of batch sizes, "
                         f"e.g. studies.BATCH_SIZES; got {batch_sizes!r:.60}.")
    offsets = {"batch norm": -0.04, "group norm": 0.04}
    tests = {}
    for name in offsets:
        for b in batch_sizes:
            key = f"{name}, batch {b}"
            if key not in judged:
                raise ValueError(f"judged has no configuration {key!r} (batch_sizes holds {b}); "
                                 f"its configurations are {list(judged)!r:.120}.")
            tests[key] = as_float_array(judged[key].test, f"judged[{key!r}].test")
            if tests[key].ndim != 1 or tests[key].size == 0:
                raise ValueError(f"judged[{key!r}].test must hold one test accuracy per seed; "
                                 f"got shape {tests[key].shape}.")
    if check_axes(ax) is None:
        _, ax = plt.subplots(figsize=(6, 3.5))
    for color, (name, offset) in zip((BLUE, ORANGE), offsets.items(), strict=True):
        means = []
        for b in batch_sizes:
            test = tests[f"{name}, batch {b}"]
            x = np.full(test.size, np.log2(b) + offset)
            ax.plot(x, test, ".", color=color, alpha=0.45, markersize=5)
            means.append(test.mean())
        ax.plot(np.log2(batch_sizes) + offset, means, "o-", color=color, label=name)
    ax.set_xticks(np.log2(batch_sizes), [str(b) for b in batch_sizes])
    ax.set_xlabel("batch size (sequences per step)")
    ax.set_ylabel("test accuracy")
    ax.legend(frameon=False)
    return ax


def prelu_slopes(model):
    """The learned slopes of every PReLU layer of `model`, in forward order (list of arrays)."""
    L.check_model(model, "model")
    return [layer.params["negative_slope"].copy() for layer in L.leaf_layers(model)
            if isinstance(layer, L.PReLU)]


def _check_slopes(slopes_by_seed, name="slopes_by_seed"):
    """`slopes_by_seed` as a list (seeds) of lists (layers) of non-empty, finite 1-D arrays."""
    seeds = check_sequence(slopes_by_seed, name, "[prelu_slopes(run.model) for run in runs]")
    if not seeds:
        raise ValueError(f"{name} must hold the slopes of at least one seed; got an empty "
                         "sequence.")
    checked = []
    for s, seed in enumerate(seeds):
        per_layer = check_sequence(seed, f"{name}[{s}]", "prelu_slopes(model)")
        if not per_layer:
            raise ValueError(f"{name}[{s}] holds no layer (a model without PReLU?); each seed "
                             f"needs the slopes of every PReLU layer, from prelu_slopes(model).")
        if len(per_layer) != len(checked[0] if checked else per_layer):
            raise ValueError(f"{name} must hold the same number of layers for every seed; "
                             f"seed 0 has {len(checked[0])}, seed {s} has {len(per_layer)}.")
        arrays = []
        for i, slopes in enumerate(per_layer):
            where = f"{name}[{s}][{i}]"
            array = as_float_array(slopes, where)
            if array.ndim > 1 or array.size == 0:
                raise ValueError(f"{where} must be a layer's slopes: a number or a non-empty 1-D "
                                 f"array; got shape {array.shape}.")
            if not np.isfinite(array).all():
                raise ValueError(f"{where} must hold finite slopes; got NaN or inf (did that "
                                 "run diverge?).")
            arrays.append(array.ravel())
        checked.append(arrays)
    return checked


# He et al. (2015), Table 1, the channel-wise model: the mean slope of its first convolution,
# and the range of the mean slopes of the six convolutions after it (conv2_1 to conv3_2).
HE_FIRST_LAYER = 0.596
HE_DEEPER = (0.152, 0.464)


def plot_slopes(slopes_by_seed, *, ax=None):
    """Every channel's learned slope per layer (all seeds pooled, jittered), the start 0.25,
    and He et al.'s first layer and deeper range for reference. `slopes_by_seed` holds, for
    each seed, `prelu_slopes` of its model: the same number of layers for every seed."""
    slopes_by_seed = _check_slopes(slopes_by_seed)
    if check_axes(ax) is None:
        _, ax = plt.subplots(figsize=(8, 3.5), layout="constrained")
    n_layers = len(slopes_by_seed[0])
    jitter = np.random.default_rng(0)
    for i in range(n_layers):
        values = np.concatenate([seed[i] for seed in slopes_by_seed])
        ax.plot(i + jitter.uniform(-0.15, 0.15, values.size), values, ".", color=BLUE,
                alpha=0.4, markersize=4)
        ax.plot([i - 0.25, i + 0.25], [values.mean()] * 2, color="black", lw=2)
    ax.axhline(0.25, color="grey", ls="--", lw=1, label="start (0.25)")
    ax.plot([-0.4], [HE_FIRST_LAYER], "D", color=ORANGE, label="He et al.: first conv layer")
    ax.axhspan(*HE_DEEPER, color=ORANGE, alpha=0.12, label="He et al.: the next six conv layers")
    ax.set_xticks(range(n_layers), [f"conv {i + 1}" for i in range(n_layers)])
    ax.set_ylabel("learned slope a")
    ax.legend(fontsize=8, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return ax


# --- exercises ---------------------------------------------------------------------------------

def output_length(length, kernel_size, stride, padding):
    """Positions of a convolution's output: (L + 2 padding - K) // stride + 1.

    Examples
    --------
    >>> output_length(40, 5, 2, 1)
    19
    """
    length = check_size(length, "length")
    kernel_size = check_size(kernel_size, "kernel_size")
    stride = check_size(stride, "stride")
    padding = check_size(padding, "padding", minimum=0)
    if kernel_size > length + 2 * padding:
        raise ValueError(f"kernel_size ({kernel_size}) must fit in the padded sequence, length + "
                         f"2 * padding = {length + 2 * padding}: no window fits otherwise.")
    return (length + 2 * padding - kernel_size) // stride + 1


@checker
def check_output_length(candidate):
    """Check a reader's ``output_length(length, kernel_size, stride, padding)``.

    Examples
    --------
    >>> check_output_length(lambda n, k, s, p: (n + 2 * p - k) // s + 1)
    Correct! (L + 2 padding - K) // stride + 1: 40 positions become 19, 10 and 5 in the paper's CNN.
    """
    rng = fresh_rng()
    cases = [(40, 5, 2, 1), (19, 3, 2, 1), (10, 3, 2, 1)]
    cases += [(int(rng.integers(k + 2, 60)), k, int(rng.integers(1, 4)), int(rng.integers(0, 3)))
              for k in (3, 4, 7)]
    answers = []
    for case in cases:
        try:
            got = candidate(*case)
        except Exception as err:  # noqa: BLE001 (the reader's code: report what it raised)
            return not_yet(f"your function raised {type(err).__name__}: {err}")
        if got is None:
            return not_yet("your function returns None. Replace the `...` with your code and "
                           "`return` the result.")
        if isinstance(got, bool) or not isinstance(got, int | np.integer):
            return not_yet(f"return a whole number of positions (an int); got "
                           f"{type(got).__name__} {got!r:.30}. Integer division is //.")
        answers.append(int(got))
    if answers == [output_length(*case) for case in cases]:
        return correct("(L + 2 padding - K) // stride + 1: 40 positions become 19, 10 and 5 "
                       "in the paper's CNN.")
    mistakes = [  # (what the mistake computes, its hint), recognised on every case
        (lambda n, k, s, p: (n - k) // s + 1, ["you forgot the padding.", "Padding adds "
                                               "`padding` zeros at each end: the padded length "
                                               "is L + 2 padding."]),
        (lambda n, k, s, p: (n + p - k) // s + 1, ["padding goes on both ends.", "The padded "
                                                   "length is L + 2 padding."]),
        (lambda n, k, s, p: (n + 2 * p - k) // s, ["one short.", "The first window starts at "
                                                   "position 0 and counts too: + 1."]),
        (lambda n, k, s, p: (n + 2 * p) // s, ["the kernel takes room.", "The last window "
                                               "must fit: its start is at least K positions "
                                               "before the end of the padded sequence, start <= "
                                               "L + 2 padding - K."]),
    ]
    for wrong, levels in mistakes:
        if answers == [wrong(*case) for case in cases]:
            return not_yet(Hint(levels))
    i = next(i for i, case in enumerate(cases) if answers[i] != output_length(*case))
    n, k, s, p = cases[i]
    return not_yet(Hint([f"for L = {n}, K = {k}, stride {s}, padding {p}: expected "
                         f"{output_length(n, k, s, p)}, got {answers[i]}.", "Count the windows: "
                         "starts 0, stride, 2 stride, ... while start + K <= L + 2 padding.",
                         "(L + 2 * padding - K) // stride + 1"], key="other"))


def _group_norm(x, groups, gamma, beta, eps, *, split="channels", eps_place="inside",
                affine=True, ddof=0):
    n, c, length = x.shape
    if split == "channels":
        grouped = x.reshape(n, groups, -1)
    elif split == "positions":  # groups along the sequence
        grouped = x.transpose(0, 2, 1).reshape(n, groups, -1)
    elif split == "interleaved":  # channel i in group i % groups
        grouped = x.reshape(n, -1, groups, length).transpose(0, 2, 1, 3).reshape(n, groups, -1)
    elif split == "batch":  # statistics shared over the batch, per group
        grouped = x.reshape(n, groups, -1).transpose(1, 0, 2).reshape(1, groups, -1)
    else:  # "channel only": one channel's positions (instance norm)
        grouped = x.reshape(n, c, length)
    mean = grouped.mean(axis=-1, keepdims=True)
    var = grouped.var(axis=-1, keepdims=True, ddof=ddof)
    with np.errstate(divide="ignore", invalid="ignore"):
        if eps_place == "inside":
            hat = (grouped - mean) / np.sqrt(var + eps)
        elif eps_place == "std":
            hat = (grouped - mean) / (np.sqrt(var) + eps)
        else:  # none
            hat = (grouped - mean) / np.sqrt(var)
    if split == "positions":
        hat = hat.reshape(n, length, c).transpose(0, 2, 1)
    elif split == "interleaved":
        hat = hat.reshape(n, groups, -1, length).transpose(0, 2, 1, 3).reshape(n, c, length)
    elif split == "batch":
        hat = hat.reshape(groups, n, -1).transpose(1, 0, 2).reshape(n, c, length)
    else:
        hat = hat.reshape(n, c, length)
    return gamma[:, None] * hat + beta[:, None] if affine else hat


GROUPNORM_CODE = ("g = x.reshape(x.shape[0], groups, -1); "
                  "hat = ((g - g.mean(-1, keepdims=True)) / np.sqrt(g.var(-1, keepdims=True) + "
                  "eps)).reshape(x.shape); return gamma[:, None] * hat + beta[:, None]")


def _group_hint(*levels, key=None):
    return Hint([*levels, f"In numpy: {GROUPNORM_CODE}."], key=key)


def _group_cases(rng):
    """Fresh (x, groups, gamma, beta, eps): sequences of random shapes, groups of 2 and 3
    channels, float64 and float32, one constant group (so that eps decides its output)."""
    cases = []
    for groups, per_group, dtype in [(2, 3, np.float64), (3, 2, np.float32), (4, 2, np.float64)]:
        c = groups * per_group
        n, length = int(rng.integers(2, 5)), int(rng.integers(4, 9))
        x = rng.normal(1.0, 2.0, (n, c, length)).astype(dtype)
        x[0, :per_group] = 3.0  # sample 0's first group is constant: only eps keeps it finite
        gamma = rng.uniform(0.5, 2.0, c).astype(dtype)
        beta = rng.normal(0.0, 1.0, c).astype(dtype)
        eps = float(rng.choice([1e-3, 0.1, 0.5]))
        cases.append(Case((x, groups, gamma, beta, eps),
                          f"{shape_label(x)} with {groups} groups and eps = {eps:g}"))
    return cases


@checker
def check_group_norm(candidate):
    """Check a reader's ``group_norm(x, groups, gamma, beta, eps)`` on sequences (N, C, L):
    each sample's channels split into `groups` groups of consecutive channels, each group
    normalised over its channels and positions, then gamma and beta per channel. Compared with
    ``layers.GroupNorm`` on fresh inputs at each call.

    Examples
    --------
    >>> def gn(x, groups, gamma, beta, eps):
    ...     g = x.reshape(x.shape[0], groups, -1)
    ...     hat = (g - g.mean(-1, keepdims=True)) / np.sqrt(g.var(-1, keepdims=True) + eps)
    ...     return gamma[:, None] * hat.reshape(x.shape) + beta[:, None]
    >>> check_group_norm(gn).correct
    True
    """
    def reference(x, groups, gamma, beta, eps):
        layer = L.GroupNorm(groups, x.shape[1], eps=eps)
        layer.params["gamma"][...] = gamma
        layer.params["beta"][...] = beta
        return layer.forward(x.astype(np.float64))

    mistakes = [
        (lambda *a: _group_norm(*a, split="positions"), _group_hint(
            "your groups split the positions, not the channels: a group is a set of channels "
            "of one sample, with all their positions.", "Reshape (N, C, L) to (N, groups, "
            "C // groups * L): consecutive channels stay together.", key="positions")),
        (lambda *a: _group_norm(*a, split="interleaved"), _group_hint(
            "your groups take every groups-th channel (0, 2, 4 ...); a group is consecutive "
            "channels (0, 1, 2, then 3, 4, 5).", "x.reshape(N, groups, -1) keeps consecutive "
            "channels together; x.reshape(N, -1, groups, L) interleaves them.",
            key="interleaved")),
        (lambda *a: _group_norm(*a, split="batch"), _group_hint(
            "your statistics are shared across the samples of the batch; group norm "
            "normalises each sample on its own (that is why it does not care about the batch "
            "size).", "Reduce over each sample's group only: the last axis of (N, groups, -1).",
            key="batch")),
        (lambda *a: _group_norm(*a, split="channel only"), _group_hint(
            "you normalised each channel on its own: that is instance norm (groups = C).",
            "A group holds C // groups channels: reduce over all of them and their positions.",
            key="instance")),
        (lambda x, groups, g, b, eps: _group_norm(x, 1, g, b, eps), _group_hint(
            "you normalised each sample over all its channels at once: that is one group "
            "(layer norm's statistics).", "Split the channels into `groups` groups first.",
            key="one group")),
        (lambda *a: _group_norm(*a, eps_place="std"), _group_hint(
            "you added eps to the standard deviation; it belongs to the variance, inside the "
            "square root.", "Divide by sqrt(var + eps), not by std + eps.", key="eps")),
        (lambda *a: _group_norm(*a, affine=False), _group_hint(
            "the normalisation is right, but the output is not scaled by gamma and shifted by "
            "beta (one of each per channel).", "gamma[:, None] * hat + beta[:, None].",
            key="affine")),
        (lambda *a: _group_norm(*a, ddof=1), _group_hint(
            "you used the unbiased variance (ddof=1, torch.var's default); group norm divides by "
            "the number of values, numpy's default ddof=0.", "g.var(-1, keepdims=True), without "
            "ddof.", key="ddof")),
    ]

    def diagnose(got, expected, *args):
        if not np.all(np.isfinite(got)):
            return _group_hint("the output holds NaN or inf: one group is constant, so its "
                               "variance is 0 and you divided by 0.", "eps goes inside the "
                               "square root: sqrt(var + eps).", key="nan")
        return None

    problem = check_cases(candidate, _group_cases(fresh_rng()), reference, mistakes, scale=1.0,
                          diagnose=diagnose, rule=(
                              "Each sample's channels form `groups` groups of consecutive "
                              "channels; each group is normalised with its own mean and biased "
                              "variance over its channels and positions, then each channel is "
                              "scaled by its gamma and shifted by its beta.",
                              f"In numpy: {GROUPNORM_CODE}."))
    if problem is not None:
        return problem
    return correct("Groups of consecutive channels, statistics over each group's channels and "
                   "positions, eps inside the square root, then gamma and beta per channel.")

