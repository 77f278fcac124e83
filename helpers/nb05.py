"""Notebook 05 (convolutions): which numbers share statistics, the batch-size study's figure,
PReLU's slopes in a CNN, and the exercises' checkers.

The layers themselves live in ``helpers.layers`` (Conv1d, BatchNorm1d, LayerNorm, GroupNorm,
InstanceNorm1d, PReLU); the CNN in ``helpers.models.cnn``; the studies in ``helpers.studies``.
"""

import dataclasses

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import ListedColormap

from . import layers as L
from ._validation import as_float_array, check_choice, check_positive_int, check_rng
from .checking import Case, Hint, check_cases, checker, correct, fresh_rng, not_yet, shape_label
from .data import Split
from .plotting import PALETTE
from .widgets import explorer

BLUE, ORANGE = PALETTE[6], PALETTE[1]
NORM_NAMES = {"batch": "batch norm", "layer": "layer norm", "instance": "instance norm",
              "group": "group norm"}


# --- which entries share a mean and a variance -------------------------------------------------

def norm_layer(kind, channels, length, groups=2):
    """The course's layer for `kind` ("batch", "layer", "instance", "group") on sequences of
    `channels` × `length`: the layers whose statistics the axes picture shows."""
    kind = check_choice(kind, "kind", NORM_NAMES)
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
    x = as_float_array(x, "x")
    if x.ndim != 3:
        raise ValueError(f"x must be a batch of sequences (N, C, L); got shape {x.shape}.")
    if not isinstance(index, tuple) or len(index) != 3:
        raise TypeError(f"index must be a tuple (n, c, l) of one entry of x; got {index!r:.40}.")
    for i, (value, size, name) in enumerate(zip(index, x.shape, "ncl", strict=True)):
        check_positive_int(value, f"index[{i}] ({name})", minimum=0, maximum=size - 1)
    L.check_model(layer, "layer")
    layer.train()
    before = layer.forward(x)
    moved = x.copy()
    moved[index] += 1.0 + abs(moved[index])
    return layer.forward(moved) != before


def expected_sharing(kind, shape, index, groups=2):
    """The entries that share statistics with `index` by the definitions (Wu & He 2018, Fig. 2):
    batch norm a channel over the batch and positions; layer norm a sample over channels and
    positions; instance norm a channel of a sample over positions; group norm the channels of
    the same group of a sample over positions."""
    kind = check_choice(kind, "kind", NORM_NAMES)
    n, c, _ = index
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
    mask = np.asarray(mask, dtype=bool)
    if mask.ndim != 3:
        raise ValueError(f"mask must have shape (N, C, L); got {mask.shape}.")
    n_samples, channels, length = mask.shape
    if ax is None:
        _, ax = plt.subplots(figsize=(4, 2.5))
    gap = np.full((channels, 1), np.nan)
    blocks = [np.concatenate([mask[i].astype(float), gap], axis=1) for i in range(n_samples)]
    picture = np.concatenate(blocks, axis=1)[:, :-1]
    ax.imshow(np.ma.masked_invalid(picture), cmap=SHARED, vmin=0, vmax=1, aspect="auto",
              interpolation="nearest")
    n, c, pos = index
    ax.plot(n * (length + 1) + pos, c, "o", color="black", markersize=4)
    ax.set_xticks([i * (length + 1) + (length - 1) / 2 for i in range(n_samples)],
                  [f"sample {i}" for i in range(n_samples)])
    ax.set_yticks(range(channels), [f"c{i}" for i in range(channels)], fontsize=8)
    ax.tick_params(length=0)
    ax.set_title(title, fontsize=10)
    return ax


def axes_picture(shape=(3, 6, 8), groups=3, index=(0, 1, 2)):
    """Four panels: the entries that share statistics with `index` under batch, layer, instance
    and group norm, each measured on the course's layer with `sharing_mask`.

    Returns
    -------
    matplotlib Figure
    """
    n, c, length = (check_positive_int(v, "shape entry") for v in shape)
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
    if groups not in (1, 2, 3, 6):
        raise ValueError(f"groups must divide the 6 channels: 1, 2, 3 or 6; got {groups!r}.")
    index = (0, check_positive_int(channel, "channel", minimum=0, maximum=channels - 1), 3)
    x = np.random.default_rng(0).standard_normal((3, channels, length))
    mask = sharing_mask(norm_layer(kind, channels, length, groups), x, index)
    fig, ax = plt.subplots(figsize=(7, 3))
    label = NORM_NAMES[kind] + (f", {groups} groups" if kind == "group" else "")
    plot_sharing(mask, index, title=f"{label}: the dotted number shares its statistics with "
                                    f"{mask.sum() - 1} others", ax=ax)
    ax.set_ylabel("channel")
    fig.tight_layout()
    return fig


def sharing_explorer():
    """Choose a normalization, the number of groups and the channel of the dotted entry."""
    return explorer(
        sharing_figure,
        kind=widgets.Dropdown(options=[(v, k) for k, v in NORM_NAMES.items()], value="group",
                              description="norm"),
        groups=widgets.SelectionSlider(options=[1, 2, 3, 6], value=3, description="groups"),
        channel=widgets.IntSlider(value=1, min=0, max=5, description="channel"),
    )


# --- convolution on one sequence ---------------------------------------------------------------

def plot_convolution(sequence, kernel, output, *, ax=None):
    """A sequence and its convolution with one kernel, on a shared position axis (the output's
    position t is the window that starts at t)."""
    sequence, kernel, output = (as_float_array(v, name) for v, name in
                                [(sequence, "sequence"), (kernel, "kernel"), (output, "output")])
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 3))
    k = kernel.size
    ax.plot(np.arange(sequence.size), sequence, "o-", color=BLUE, markersize=3,
            label="input sequence")
    centres = np.arange(output.size) + (k - 1) / 2
    ax.plot(centres, output, "s-", color=ORANGE, markersize=3,
            label=f"output: kernel {np.array2string(kernel, precision=2, separator=', ')}")
    ax.axhline(0, color="grey", lw=0.5)
    ax.set_xlabel("position")
    ax.legend(loc="upper left", fontsize=8, frameon=False)
    return ax


def permuted(split, permutation):
    """The same split with the positions of every sequence shuffled by one `permutation`
    (the same for every sequence, training and test alike)."""
    if not isinstance(split, Split):
        raise TypeError(f"split must be a helpers.data.Split; got {type(split).__name__}.")
    perm = np.asarray(permutation)
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
    line through the means. `judged` is `results.judge` of studies.BATCH_SIZE."""
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 3.5))
    offsets = {"batch norm": -0.04, "group norm": 0.04}
    for color, (name, offset) in zip((BLUE, ORANGE), offsets.items(), strict=True):
        means = []
        for b in batch_sizes:
            test = judged[f"{name}, batch {b}"].test
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
    return [layer.params["negative_slope"].copy() for layer in L.leaf_layers(model)
            if isinstance(layer, L.PReLU)]


# He et al. (2015), Table 1: the channel-wise model's mean slope in its first convolution,
# and the range most of its deeper layers' mean slopes fall in.
HE_FIRST_LAYER = 0.596
HE_DEEPER = (0.03, 0.2)


def plot_slopes(slopes_by_seed, *, ax=None):
    """Every channel's learned slope per layer (all seeds pooled, jittered), the start 0.25,
    and He et al.'s first layer and deeper range for reference."""
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 3.5))
    n_layers = len(slopes_by_seed[0])
    jitter = np.random.default_rng(0)
    for i in range(n_layers):
        values = np.concatenate([seed[i] for seed in slopes_by_seed])
        ax.plot(i + jitter.uniform(-0.15, 0.15, values.size), values, ".", color=BLUE,
                alpha=0.4, markersize=4)
        ax.plot([i - 0.25, i + 0.25], [values.mean()] * 2, color="black", lw=2)
    ax.axhline(0.25, color="grey", ls="--", lw=1, label="start (0.25)")
    ax.plot([-0.4], [HE_FIRST_LAYER], "D", color=ORANGE, label="He et al.: first layer")
    ax.axhspan(*HE_DEEPER, color=ORANGE, alpha=0.12, label="He et al.: most deeper layers")
    ax.set_xticks(range(n_layers), [f"conv {i + 1}" for i in range(n_layers)])
    ax.set_ylabel("learned slope a")
    ax.legend(fontsize=8, frameon=False, loc="lower right")
    return ax


# --- exercises ---------------------------------------------------------------------------------

def output_length(length, kernel_size, stride, padding):
    """Positions of a convolution's output: (L + 2 padding - K) // stride + 1."""
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
                                               "must fit: it starts at most K positions before "
                                               "the end."]),
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
                affine=True):
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
    var = grouped.var(axis=-1, keepdims=True)
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


GROUPNORM_CODE = ("g = x.reshape(N, groups, -1); "
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
    >>> check_group_norm(gn)
    Correct! Groups of consecutive channels, statistics over each group's channels and positions, eps inside the square root, then gamma and beta per channel.
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


def random_sequences(rng, shape=(3, 6, 8)):
    """Standard normal sequences of `shape` from `rng` (the notebook's inputs for the checks)."""
    return check_rng(rng).standard_normal(shape)
