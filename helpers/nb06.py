"""Everything behind notebook 06 · Choosing: reading the capstone's stored study at several
training budgets under the protocol, a calibration's mean with its interval, its figures and
explorer, the exercise checkers, and the deep dives' measurements (step sizes under Adam, random
deep stacks at initialisation, the primary sources beside the stored studies).

Reads: ``helpers.results`` (the stored studies, judged by ``helpers.protocol``; the studies
themselves are declared in ``helpers.studies``), ``helpers.plotting``, ``helpers.optim``.
"""

from dataclasses import dataclass

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
import scipy.stats
from scipy.special import expit, ndtr

from ._validation import (
    as_float_array,
    check_bool,
    check_choice,
    check_count,
    check_finite_real,
    check_positive_int,
    check_sequence,
    check_size,
)
from .activations import ACTIVATIONS, gelu, gelu_grad
from .checking import (
    Case,
    Hint,
    call,
    check_cases,
    checker,
    correct,
    fresh_rng,
    not_yet,
    numbers,
    planted,
    random_shape,
    shape_label,
    verdict,
)
from .experiments import check_split
from .init import matched_gain
from .optim import SGD, Adam
from .plotting import PALETTE, check_axes, plot_seed_boxes, plot_sweep
from .protocol import _rng, compare
from .results import Judged, judge
from .studies import CAPSTONE, CNN, HEAD_TO_HEAD, RELU_FAMILY
from .widgets import explorer


def plot_sequences(split, *, per_class=3, classes=(0, 1, 2, 3, 4), ax=None):
    """A few training sequences of some classes, one panel per class, overlaid.

    Parameters
    ----------
    split : helpers.data.Split
        MNIST-1D (`data.load_mnist1d`), or any split whose rows are sequences.
    per_class : int
    classes : sequence of int
    ax : sequence of matplotlib Axes (one per class), optional

    Returns
    -------
    matplotlib Figure
    """
    check_split(split, "split")
    per_class = check_size(per_class, "per_class")
    classes = [check_positive_int(c, "classes", minimum=0, maximum=split.n_classes - 1)
               for c in check_sequence(classes, "classes", "(0, 1, 2)")]
    if not classes:
        raise ValueError("classes must name at least one class, e.g. classes=(0, 1).")
    axes = check_axes(ax, "ax", count=len(classes)) if ax is not None else None
    if axes is None:
        fig, axes = plt.subplots(1, len(classes), figsize=(2.4 * len(classes), 2.6),
                                 sharey=True, layout="constrained")
        axes = np.atleast_1d(axes)
    fig = axes[0].figure
    for ax, c in zip(axes, classes, strict=False):
        rows = np.flatnonzero(split.y_train == c)[:per_class]
        for i, row in enumerate(rows):
            ax.plot(split.X_train[row], color=PALETTE[(i + 1) % len(PALETTE)], linewidth=1.2)
        ax.set_title(f"class {split.class_names[c]}")
        ax.set_xlabel("position")
    axes[0].set_ylabel("value")
    return fig


# Budgets of training steps at which the capstone's study is read; None: no limit (each run
# stopped by early stopping, at most the study's epochs).
BUDGETS = (250, 1000, 4000, None)


def _check_budgets(budgets):
    budgets = list(check_sequence(budgets, "budgets", "(250, 1000, None)"))
    numeric = [check_positive_int(b, "budgets") for b in budgets if b is not None]
    if not budgets or budgets.count(None) > 1 or (None in budgets and budgets[-1] is not None) \
            or numeric != sorted(set(numeric)):
        raise ValueError(f"budgets must be increasing numbers of steps, optionally ending with "
                         f"None (convergence), e.g. (250, 1000, None); got {budgets!r:.60}.")
    return budgets


def judge_at_budgets(study, table, budgets=BUDGETS):
    """The protocol applied to a stored study at each budget of steps.

    Below convergence the best rate may sit at the grid's edge (at a short budget the best
    rate can differ); at convergence (None) every optimum must be interior, or
    ``protocol.EdgeOptimumError`` is raised.

    Returns
    -------
    dict budget -> dict config -> results.Judged
    """
    return {b: judge(study, table, budget=b, require_interior=b is None)
            for b in _check_budgets(budgets)}


def budget_label(budget):
    """ "250 steps", or "convergence" for None."""
    if budget is None:
        return "convergence"
    return f"{check_positive_int(budget, 'budget'):,} steps"


def _check_judged_at(judged_at):
    if not isinstance(judged_at, dict) or not judged_at or not all(
            isinstance(j, dict) and j and all(isinstance(v, Judged) for v in j.values())
            for j in judged_at.values()):
        raise TypeError(f"judged_at must be the dict budget -> {{config: results.Judged}} that "
                        f"judge_at_budgets returns; got {judged_at!r:.60}.")
    _check_budgets(list(judged_at))
    return judged_at


def _check_configs(configs, judged):
    """`configs` as a dict label -> config name of `judged`."""
    if isinstance(configs, list | tuple):
        configs = {c: c for c in configs}
    if not isinstance(configs, dict) or not configs:
        raise TypeError(f"configs must be a non-empty list of configurations or a dict label -> "
                        f"configuration; got {configs!r:.60}.")
    for label, config in configs.items():
        if config not in judged:
            raise ValueError(f"configs[{label!r}] = {config!r:.60} is not a configuration of the "
                             f"study; its configurations are {list(judged)!r:.120}.")
    return configs


def plot_budgets(judged_at, configs, *, title, ax=None, ylim=None):
    """Test accuracy against the training budget, one curve per configuration (each seed a
    dot, the mean a line, the range a band), at each budget's own choice of learning rate.

    Parameters
    ----------
    judged_at : dict
        From `judge_at_budgets`.
    configs : list of str, or dict label -> str
        The configurations to draw.
    title : str
    ax : matplotlib Axes, optional
    ylim : (float, float), optional

    Returns
    -------
    matplotlib Axes
    """
    budgets = list(_check_judged_at(judged_at))
    last = next(iter(judged_at.values()))
    configs = _check_configs(configs, last)
    numeric = [b for b in budgets if b is not None]
    x = numeric + ([4 * numeric[-1] if numeric else 1] if None in budgets else [])
    curves = {label: np.array([judged_at[b][c].test for b in budgets])
              for label, c in configs.items()}
    ax = plot_sweep(x, curves, xlabel="training budget (steps of 100 sequences)",
                    ylabel="test accuracy (best checkpoint)", title=title, ax=ax, ylim=ylim)
    ax.set_xticks(x, [budget_label(b).replace(" steps", "") for b in budgets])
    ax.minorticks_off()
    return ax


def plot_learning_rates(judged, configs, *, title, ax=None):
    """Validation accuracy (best checkpoint) against the learning rate, one curve per
    configuration: the curves the protocol chooses from.

    Parameters
    ----------
    judged : dict config -> results.Judged
        One budget of `judge_at_budgets`.
    configs : list of str, or dict label -> str
    title : str
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes
    """
    if not isinstance(judged, dict) or not judged or not all(
            isinstance(j, Judged) for j in judged.values()):
        raise TypeError(f"judged must be a dict config -> results.Judged (one budget of "
                        f"judge_at_budgets); got {judged!r:.60}.")
    configs = _check_configs(configs, judged)
    lrs = sorted(next(iter(judged.values())).val_by_lr)
    curves = {label: np.array([judged[c].val_by_lr[lr] for lr in lrs])
              for label, c in configs.items()}
    ax = plot_sweep(lrs, curves, xlabel="learning rate (Adam)",
                    ylabel="validation accuracy (best checkpoint)", title=title, ax=ax)
    ax.set_xticks(lrs, [f"{lr:.1g}" for lr in lrs])
    ax.minorticks_off()
    return ax


def _check_groups(groups, judged):
    if not isinstance(groups, dict) or not groups or not all(
            isinstance(rows, dict) and rows for rows in groups.values()):
        raise TypeError(f"groups must be a non-empty dict comparison -> {{label: "
                        f"configuration}}; got {groups!r:.60}.")
    for rows in groups.values():
        _check_configs(rows, judged)
    return groups


def results_figure(judged_at, groups, comparison, budget, split="test"):
    """The seeds of one comparison at one budget, each a dot, with each configuration's chosen
    learning rate.

    Parameters
    ----------
    judged_at : dict
        From `judge_at_budgets`.
    groups : dict
        Comparison name -> {label: configuration}.
    comparison : str
        A key of `groups`.
    budget : int or None
        A budget of `judged_at` (None: convergence).
    split : {"test", "validation"}
        Accuracy at each run's best validation checkpoint, on the test or validation split.

    Returns
    -------
    matplotlib Figure
    """
    _check_judged_at(judged_at)
    if budget not in judged_at:
        raise ValueError(f"budget must be one of {list(judged_at)}; got {budget!r:.40}.")
    judged = judged_at[budget]
    rows = _check_groups(groups, judged)[check_choice(comparison, "comparison", tuple(groups))]
    split = check_choice(split, "split", ("test", "validation"))
    values = {f"{label}\nlr {judged[c].lr:.1g}": judged[c].test if split == "test" else
              judged[c].val for label, c in rows.items()}
    fig, ax = plt.subplots(figsize=(1.3 * len(values) + 2, 4))
    plot_seed_boxes(values, ax=ax, ylabel=f"{split} accuracy",
                    title=f"{comparison}: {budget_label(budget)} ({split}, each dot a seed)")
    return fig


def results_explorer(judged_at, groups):
    """Buttons over `results_figure`: the comparison, the budget and the split.

    Returns
    -------
    ipywidgets.interactive
    """
    _check_judged_at(judged_at)
    _check_groups(groups, next(iter(judged_at.values())))
    by_label = {budget_label(b): b for b in judged_at}
    return explorer(
        lambda comparison, budget, split: results_figure(judged_at, groups, comparison,
                                                         by_label[budget], split),
        comparison=widgets.ToggleButtons(options=list(groups), description="compare"),
        budget=widgets.SelectionSlider(options=list(by_label), value=list(by_label)[0],
                                       description="budget"),  # from the shortest budget on
        split=widgets.ToggleButtons(options=["test", "validation"], description="split"),
    )


@dataclass(frozen=True)
class Interval:
    """The mean of one arm's per-seed values and its confidence interval."""

    mean: float
    low: float
    high: float
    n_seeds: int
    confidence: float

    def __str__(self):
        return f"{self.mean:.3f} [{self.low:.3f}, {self.high:.3f}]"


def mean_interval(values, *, confidence=0.95, n_resamples=9999, seed=0):
    """The mean over seeds of one arm (a calibration's accuracy), with a bootstrap interval.

    The single-arm counterpart of ``protocol.paired_difference``: seeds are resampled
    (``scipy.stats.bootstrap``, BCa, seeded, so the interval is the same on every run). It is
    the uncertainty of the mean due to the seeds, not the test split's own sampling error
    (``protocol.sampling_error``).

    Parameters
    ----------
    values : array_like, shape (seeds,)
        One finite number per seed, at least 2.
    confidence : float in (0, 1), default 0.95
    n_resamples : int, default 9999
    seed : int, default 0
        Seeds the resampling.

    Returns
    -------
    Interval
        mean, low, high, n_seeds, confidence; when every value is the same, the interval is
        that value.

    Examples
    --------
    >>> print(mean_interval([0.90, 0.88, 0.91, 0.89, 0.92, 0.90, 0.87, 0.91, 0.90, 0.89]))
    0.897 [0.888, 0.905]
    """
    values = as_float_array(values, "values")
    if values.ndim != 1 or values.size < 2:
        raise ValueError(f"values must be 1-D with one number per seed, at least 2; got shape "
                         f"{values.shape}.")
    if not np.all(np.isfinite(values)):
        raise ValueError("values must be finite (count a diverged run as accuracy 0).")
    confidence = check_finite_real(confidence, "confidence", minimum=0.0, exclusive=True)
    if confidence >= 1:
        raise ValueError(f"confidence must be in (0, 1), e.g. 0.95; got {confidence}.")
    n_resamples = check_positive_int(n_resamples, "n_resamples")
    seed = check_positive_int(seed, "seed", minimum=0)
    mean = float(values.mean())
    if np.ptp(values) == 0:  # no spread: nothing to resample
        return Interval(mean, mean, mean, values.size, confidence)
    result = scipy.stats.bootstrap((values,), np.mean, confidence_level=confidence,
                                   n_resamples=n_resamples, method="BCa",
                                   **_rng(scipy.stats.bootstrap, seed))
    low, high = result.confidence_interval
    if not (np.isfinite(low) and np.isfinite(high)):  # BCa undefined (tiny samples)
        low, high = np.quantile(result.bootstrap_distribution,
                                [(1 - confidence) / 2, (1 + confidence) / 2])
    return Interval(mean, float(low), float(high), values.size, confidence)


# --- A small gradient under Adam (the deep dive after section 1) --------------------------------

class _Parameters:
    """The smallest model ``helpers.optim`` accepts: one parameter vector and its gradient."""

    def __init__(self, n):
        self.params = {"0.w": np.zeros(n)}
        self.grads = {"0.w": np.zeros(n)}


def step_sizes(scales, *, optimizer="adam", lr=1e-3, noise=0.5, seed=0):
    """How far each parameter moves at every step when its gradient is one shared gradient
    times a scale of its own.

    Every parameter sees the same gradient sequence g_t = 1 + noise * e_t (e_t standard normal,
    seeded), multiplied at step t by its scale s_t, and is updated by ``helpers.optim``'s Adam
    (betas (0.9, 0.999), eps 1e-8) or plain SGD. A parameter whose gradient is multiplied by
    a constant moves as fast under Adam as one whose gradient is not (up to eps); under SGD
    its steps shrink by the same factor.

    Parameters
    ----------
    scales : dict name -> array_like, shape (steps,)
        Each parameter's gradient scale at every step: finite, >= 0, the same number of steps
        for every parameter.
    optimizer : {"adam", "sgd"}, default "adam"
    lr : float > 0, default 0.001
    noise : float >= 0, default 0.5
    seed : int >= 0, default 0

    Returns
    -------
    dict name -> ndarray, shape (steps,)
        The size of each step, |change of the parameter| / lr.

    Examples
    --------
    >>> sizes = step_sizes({"x 1": [1.0] * 3, "x 0.01": [0.01] * 3}, noise=0.0)
    >>> np.round(sizes["x 1"], 4), np.round(sizes["x 0.01"], 4)
    (array([1., 1., 1.]), array([1., 1., 1.]))
    """
    if not isinstance(scales, dict):
        raise TypeError(f"scales must be a dict name -> gradient scale at every step; got "
                        f"{type(scales).__name__}.")
    if not scales:
        raise ValueError("scales must name at least one parameter, e.g. {'x 1': np.ones(100)}.")
    rows = [as_float_array(v, f"scales[{k!r}]") for k, v in scales.items()]
    if any(r.ndim != 1 or r.size == 0 for r in rows):
        raise ValueError("scales must give each parameter a 1-D array with one scale per step.")
    if len({r.size for r in rows}) > 1:
        raise ValueError(f"scales must have the same number of steps for every parameter; got "
                         f"{sorted({r.size for r in rows})}.")
    if not all(np.all(np.isfinite(r)) and np.all(r >= 0) for r in rows):
        raise ValueError("scales must be finite and >= 0.")
    n_steps = check_count(rows[0].size, "the number of steps in scales")
    optimizer = check_choice(optimizer, "optimizer", ("adam", "sgd"))
    lr = check_finite_real(lr, "lr", minimum=0.0, exclusive=True)
    noise = check_finite_real(noise, "noise", minimum=0.0)
    seed = check_positive_int(seed, "seed", minimum=0)
    gradient = 1 + noise * np.random.default_rng(seed).standard_normal(n_steps)
    scale = np.stack(rows).astype(np.float64)
    model = _Parameters(len(rows))
    opt = (Adam if optimizer == "adam" else SGD)(model, lr=lr)
    w, sizes = model.params["0.w"], np.empty_like(scale)
    for t in range(n_steps):
        before = w.copy()
        model.grads["0.w"][:] = gradient[t] * scale[:, t]
        opt.step()
        sizes[:, t] = np.abs(w - before) / lr
    return dict(zip(scales, sizes, strict=True))


# --- Random deep stacks at initialisation, plain and residual (deep dive on the sources) --------

@dataclass(frozen=True)
class Moments:
    """Mean and second moment of each layer's output over units and samples, layer 1 first."""

    mean: np.ndarray
    second_moment: np.ndarray


def stack_moments(activation="selu", *, depth=16, width=256, residual=False, n_samples=512,
                  seed=0):
    """Send standardised inputs through a random deep stack at initialisation.

    Plain: h <- f(h W); residual: h <- h + f(h W) (the identity skip of a residual block).
    Inputs are standard normal; weights N(0, g^2 / width) with the activation's matched gain g
    (``init.matched_gain``: LeCun's 1 for SELU, He's sqrt(2) for ReLU); no biases.

    Parameters
    ----------
    activation : str
        A key of ``helpers.activations.ACTIVATIONS`` without a learned parameter.
    depth, width, n_samples : int
        Layers, units per layer (the inputs have `width` features), samples (at least 2).
    residual : bool, default False
    seed : int >= 0
        Seeds the inputs and the weights.

    Returns
    -------
    Moments
        mean and second_moment, arrays of shape (depth,).

    Examples
    --------
    >>> m = stack_moments("selu", depth=3, width=64, seed=0)
    >>> bool(np.all(np.abs(m.second_moment - 1) < 0.2))
    True
    """
    spec = ACTIVATIONS[check_choice(activation, "activation",
                                    [k for k, a in ACTIVATIONS.items() if not a.learned])]
    depth = check_count(depth, "depth")
    width = check_size(width, "width")
    n_samples = check_size(n_samples, "n_samples", minimum=2)
    residual = check_bool(residual, "residual")
    seed = check_positive_int(seed, "seed", minimum=0)
    rng = np.random.default_rng(seed)
    std = matched_gain(activation) / np.sqrt(width)
    h = rng.standard_normal((n_samples, width))
    means, second = np.empty(depth), np.empty(depth)
    for layer in range(depth):
        out = spec.function(h @ (std * rng.standard_normal((width, width))))
        h = h + out if residual else out
        means[layer], second[layer] = h.mean(), np.mean(h * h)
    return Moments(means, second)


# --- The primary sources beside the course's stored measurements --------------------------------

# The stored studies the table reads, by the key its rows use.
SOURCE_STUDIES = {"digits (02)": RELU_FAMILY, "digits (04)": HEAD_TO_HEAD,
                  "MNIST-1D MLP": CAPSTONE, "MNIST-1D CNN": CNN}

# (source, the course's comparison, study key, configuration a, configuration b): a - b in test
# accuracy, each configuration at its learning rate chosen on validation (at convergence).
SOURCE_ROWS = (
    ("He et al. 2015", "PReLU − ReLU, digits MLP (02, SGD)", "digits (02)",
     "PReLU channel-wise", "ReLU"),
    ("He et al. 2015", "PReLU − ReLU, MNIST-1D MLP", "MNIST-1D MLP",
     "PReLU, depth 4", "ReLU, depth 4"),
    ("He et al. 2015", "PReLU − ReLU, MNIST-1D CNN", "MNIST-1D CNN", "CNN, PReLU", "CNN, ReLU"),
    ("Maas et al. 2013", "Leaky 0.01 − ReLU, digits MLP (02, SGD)", "digits (02)",
     "Leaky ReLU 0.01", "ReLU"),
    ("Maas et al. 2013", "Leaky 0.01 − ReLU, MNIST-1D MLP", "MNIST-1D MLP",
     "Leaky ReLU, depth 4", "ReLU, depth 4"),
    ("Xu et al. 2015", "Leaky 0.25 − ReLU, digits MLP (02, SGD)", "digits (02)",
     "Leaky ReLU 0.25 (fixed)", "ReLU"),
    ("Xu et al. 2015", "Leaky 0.25 − ReLU, MNIST-1D CNN", "MNIST-1D CNN",
     "CNN, Leaky ReLU 0.25 (fixed)", "CNN, ReLU"),
    ("Xu et al. 2015", "PReLU − Leaky 0.25, digits MLP (02, SGD)", "digits (02)",
     "PReLU channel-wise", "Leaky ReLU 0.25 (fixed)"),
    ("Xu et al. 2015", "PReLU − Leaky 0.25, MNIST-1D CNN", "MNIST-1D CNN",
     "CNN, PReLU", "CNN, Leaky ReLU 0.25 (fixed)"),
    ("Klambauer et al. 2017", "SELU − ReLU, digits MLP, 8 layers (04)", "digits (04)",
     "SELU (internal)", "ReLU"),
    ("Klambauer et al. 2017", "SELU − ReLU + batch norm, digits (04)", "digits (04)",
     "SELU (internal)", "ReLU + batch norm"),
    ("Klambauer et al. 2017", "SELU − ReLU, MNIST-1D MLP", "MNIST-1D MLP",
     "SELU, depth 4", "ReLU, depth 4"),
    ("Klambauer et al. 2017", "SELU − ReLU + batch norm, MNIST-1D MLP", "MNIST-1D MLP",
     "SELU, depth 4", "ReLU + batch norm, depth 4"),
)


def source_table(judged_by_study, rows=SOURCE_ROWS):
    """The course's paired differences that answer each source's question, as one table.

    Parameters
    ----------
    judged_by_study : dict key -> {config: results.Judged}
        Each stored study judged at convergence (``results.judge``), under the keys the rows
        use (`SOURCE_STUDIES`'s).
    rows : sequence of (source, comparison, study key, config a, config b)
        Default `SOURCE_ROWS`. Each row is a - b in test accuracy, paired by seed.

    Returns
    -------
    dict source -> {comparison: protocol.Difference}
        All rows corrected together (``protocol.compare``: Holm), in the rows' order.
    """
    if not isinstance(judged_by_study, dict) or not judged_by_study or not all(
            isinstance(j, dict) and j and all(isinstance(v, Judged) for v in j.values())
            for j in judged_by_study.values()):
        raise TypeError(f"judged_by_study must be a non-empty dict key -> {{config: "
                        f"results.Judged}}; got {judged_by_study!r:.60}.")
    if isinstance(rows, str | dict) or not isinstance(rows, list | tuple) or not rows or not all(
            isinstance(r, list | tuple) and len(r) == 5 and all(isinstance(x, str) for x in r)
            for r in rows):
        raise TypeError(f"rows must be a non-empty sequence of (source, comparison, study key, "
                        f"config a, config b) strings; got {rows!r:.60}.")
    pairs = {}
    for source, comparison, key, a, b in rows:
        judged = judged_by_study.get(key)
        if judged is None:
            raise ValueError(f"row {comparison!r} reads the study {key!r}, which "
                             f"judged_by_study does not hold ({sorted(judged_by_study)}).")
        for config in (a, b):
            if config not in judged:
                raise ValueError(f"row {comparison!r}: the study {key!r} has no configuration "
                                 f"{config!r}.")
        pairs[(source, comparison)] = (judged[a].test, judged[b].test)
    table = {}
    for (source, comparison), d in compare(pairs).items():
        table.setdefault(source, {})[comparison] = d
    return table


# GELU's tanh approximation (Hendrycks & Gimpel 2016), used by GPT-2 and BERT's code
_C = np.sqrt(2 / np.pi)
# Beyond |z| = 10 the tanh below is exactly +-1 in every float dtype, so the formula is z or 0
# there: z is clipped to [-10, 10] inside the tanh, so that z³ cannot overflow (0 * inf = NaN).
_SATURATED = 10.0


def gelu_tanh(z):
    """GELU's tanh approximation: z/2 (1 + tanh(sqrt(2/pi) (z + 0.044715 z³))).

    Floating inputs keep their dtype; the limits at +-inf are inf and 0.
    """
    z = as_float_array(z, "z")
    bounded = np.clip(z, -_SATURATED, _SATURATED)
    t = np.tanh(_C * (bounded + 0.044715 * bounded**3))
    return np.where(z > _SATURATED, z, 0.5 * bounded * (1 + t)).astype(z.dtype, copy=False)


def gelu_tanh_grad(z):
    """Derivative of `gelu_tanh`; its limits at +-inf are 1 and 0."""
    z = as_float_array(z, "z")
    dtype, z = z.dtype, np.clip(z, -_SATURATED, _SATURATED)  # beyond, f' is exactly 1 or 0
    t = np.tanh(_C * (z + 0.044715 * z**3))
    out = 0.5 * (1 + t) + 0.5 * z * (1 - t**2) * _C * (1 + 3 * 0.044715 * z**2)
    return out.astype(dtype, copy=False)


_GELU_RULE = ("GELU is z Phi(z): by the product rule its derivative is Phi(z) + z phi(z), with "
              "phi the standard normal density.")
_GELU_CODE = ("In code: from scipy.stats import norm; return norm.cdf(z) + z * norm.pdf(z).")
_TANH_RULE = ("In the tanh form, with u = sqrt(2/pi) (z + 0.044715 z³): d/dz [z/2 (1 + tanh u)] "
              "= (1 + tanh u)/2 + z/2 (1 - tanh² u) u', where u' = sqrt(2/pi) (1 + 3 * 0.044715 "
              "z²). Or use the exact form: " + _GELU_RULE)


def _gelu_hint(first, rule=_GELU_RULE):
    return Hint([first, rule, _GELU_CODE])


def _density(z):
    return np.exp(-0.5 * z * z) / np.sqrt(2 * np.pi)


def _sigmoid_form_grad(z, k):
    """Derivative of z sigmoid(k z): SiLU's for k = 1, GELU's sigmoid approximation for 1.702."""
    s = expit(k * z)
    return s + k * z * s * (1 - s)


def _tanh_parts(z):
    t = np.tanh(_C * (z + 0.044715 * z**3))
    return 0.5 * (1 + t), 0.5 * z * (1 - t**2) * _C  # the first term; the second without u'/C


_FIRST_TERM = _gelu_hint("only the first term of the product rule: Phi(z) (or (1 + tanh u)/2 "
                         "in the tanh form). The second term comes from differentiating Phi.")
_GELU_MISTAKES = [
    (gelu, _gelu_hint("you returned GELU itself, not its derivative.")),
    (gelu_tanh, _gelu_hint("you returned GELU's tanh approximation itself, not its "
                           "derivative.", _TANH_RULE)),
    (ndtr, _FIRST_TERM),
    (lambda z: _tanh_parts(z)[0], _FIRST_TERM),
    (lambda z: z * _density(z), _gelu_hint("only the second term of the product rule: "
                                           "z phi(z).")),
    (lambda z: ndtr(z) - z * _density(z), _gelu_hint(
        "the second term has the wrong sign: the product rule adds, (z Phi)' = Phi + z Phi'.")),
    (lambda z: ndtr(z) + z * np.exp(-0.5 * z * z), _gelu_hint(
        "the density phi is missing its factor 1/sqrt(2 pi).")),
    (lambda z: ndtr(z) + z * np.exp(-z * z) / np.sqrt(2 * np.pi), _gelu_hint(
        "the density's exponent is -z²/2, not -z².")),
    (lambda z: _sigmoid_form_grad(z, 1.0), _gelu_hint(
        "that is SiLU's derivative (z sigmoid(z)), not GELU's.")),
    (lambda z: _sigmoid_form_grad(z, 1.702), _gelu_hint(
        "that is the derivative of GELU's sigmoid approximation, z sigmoid(1.702 z): close, "
        "but this exercise accepts the exact form or the tanh approximation.")),
    (lambda z: _tanh_parts(z)[0] + _tanh_parts(z)[1], _gelu_hint(
        "in the tanh form, the chain rule's inner derivative lacks the cubic term's part: the "
        "derivative of sqrt(2/pi) (z + 0.044715 z³) is sqrt(2/pi) (1 + 3 * 0.044715 z²).",
        _TANH_RULE)),
]


def _gelu_cases(rng):
    """Fresh z arrays with one, two and three axes of random sizes, float64 and float32, with
    0, the points where the exact form and the tanh approximation differ most (+-1, +-2), the
    tails, where the slope still differs from 0 or 1 by more than the tolerance (+-3.5 for
    float32, up to +-6 for float64) and where it does not (+-8, +-30), and large values (+-1e3)
    planted: a cutoff anywhere before the slope settles shows."""
    cases = []
    edges = [0.0, -0.0] + [sign * v for v in (1.0, 2.0, 3.5, 5.0, 5.5, 6.0, 8.0, 30.0, 1e3)
                           for sign in (1, -1)]
    for ndim, dtype in [(1, np.float64), (2, np.float32), (3, np.float64)]:
        z = planted(rng, random_shape(rng, ndim, min_size=2 * len(edges)), dtype, edges)
        cases.append(Case((z,), shape_label(z)))
    return cases


def _nearer_tanh(candidate, case):
    """Whether the reader's answer on `case` is nearer the tanh approximation's derivative."""
    out, problem = call(candidate, *case.args)
    got = None if problem is not None else numbers(out)
    (z,) = case.args
    if got is None or got.shape != z.shape:
        return False
    with np.errstate(all="ignore"):
        return bool(np.nanmean(np.abs(got - gelu_tanh_grad(z)))
                    < np.nanmean(np.abs(got - gelu_grad(z))))


@checker
def check_gelu_grad(candidate):
    """Check a reader's ``gelu_grad(z)``: the exact derivative Phi(z) + z phi(z), or the
    derivative of the tanh approximation; the verdict says which one it got.

    Values of the derivative are of order 1, so an answer must agree with the reference to
    the dtype's tolerance on that scale: in the tails, where the slope is tiny, it may be
    computed in any way that is accurate to about 1e-9 (erf or ndtr, with or without
    cancellation).

    Examples
    --------
    >>> from helpers.activations import gelu_grad
    >>> check_gelu_grad(gelu_grad)
    Correct! The exact derivative, Phi(z) + z phi(z).
    >>> check_gelu_grad(gelu_tanh_grad)
    Correct! The derivative of GELU's tanh approximation (within 0.001 of the exact one).
    """
    cases = _gelu_cases(fresh_rng())
    rule = (_GELU_RULE, _GELU_CODE)
    exact = check_cases(candidate, cases, gelu_grad, _GELU_MISTAKES, scale=1.0, rule=rule)
    if exact is None:
        return correct("The exact derivative, Phi(z) + z phi(z).")
    tanh = check_cases(candidate, cases, gelu_tanh_grad, _GELU_MISTAKES, scale=1.0,
                       rule=(_TANH_RULE, _GELU_CODE))
    if tanh is None:
        return correct("The derivative of GELU's tanh approximation (within 0.001 of the exact "
                       "one).")
    return tanh if _nearer_tanh(candidate, cases[0]) else exact


_CHOOSE_RULE = ("Average each learning rate's validation accuracies over the seeds, then take "
                "the learning rate with the largest average: the protocol of this notebook.")
_CHOOSE_CODE = "In code: return max(val_by_lr, key=lambda lr: np.mean(val_by_lr[lr]))."
_LEARNING_RATES = [1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 1e-1, 3e-1]
# Validation accuracies of five seeds, one row per role, built so that every usual rule picks a
# different row: the best mean, the best median, the best seed, the best worst seed, the best
# first seed, the best last seed, the worst mean, and one more. Only the first and last seed
# keep their places; the others are shuffled.
_ROLES = {
    "mean": [0.78, 0.80, 0.62, 0.80, 0.76],  # mean .752: the right choice
    "median": [0.84, 0.83, 0.84, 0.30, 0.85],  # median .84, mean .732
    "max": [0.50, 0.99, 0.55, 0.52, 0.50],  # one lucky seed, mean .612
    "min": [0.72, 0.71, 0.73, 0.70, 0.72],  # the best worst seed, .70; mean .716
    "first": [0.97, 0.40, 0.45, 0.50, 0.42],  # the best first seed
    "last": [0.45, 0.40, 0.50, 0.42, 0.96],  # the best last seed
    "worst": [0.12, 0.10, 0.15, 0.11, 0.13],  # the worst mean
    "filler": [0.60, 0.58, 0.62, 0.59, 0.61],
}


def _choose_cases(rng):
    """Three dicts lr -> validation accuracies (five seeds): the roles of `_ROLES` on the
    learning rates of `_LEARNING_RATES`, listed from the smallest, the right one never first
    or last, the smallest and largest learning rates taking the worst and the filler row in
    turn; each accuracy moved by up to 0.004."""
    cases = []
    for k in range(3):
        inner = rng.permutation(["mean", "median", "max", "min", "first", "last"])
        ends = ["worst", "filler"] if k % 2 == 0 else ["filler", "worst"]
        roles = [ends[0], *inner, ends[1]]
        val = {}
        for lr, role in zip(_LEARNING_RATES, roles, strict=True):
            row = np.array(_ROLES[role])
            if role not in ("max", "first", "last"):
                row[1:4] = rng.permutation(row[1:4])
            val[lr] = np.round(row + rng.uniform(-0.004, 0.004, 5), 4)
        cases.append(val)
    return cases


_CHOICE_RULES = [  # how a usual mistake chooses, and its hint
    (lambda v: max(v, key=lambda lr: np.max(v[lr])), "you picked the learning rate of the "
     "single best seed: one lucky seed is not a better learning rate."),
    (lambda v: max(v, key=lambda lr: np.median(v[lr])), "you ranked the learning rates by "
     "their median over the seeds: the median of five ignores the two worst, so a learning "
     "rate that fails on two seeds can still win."),
    (lambda v: max(v, key=lambda lr: np.min(v[lr])), "you ranked the learning rates by their "
     "worst seed: a cautious rule, but not this notebook's protocol, which counts every "
     "seed's accuracy."),
    (lambda v: max(v, key=lambda lr: v[lr][0]), "you looked at one seed (the first): with a "
     "single seed, its luck decides."),
    (lambda v: max(v, key=lambda lr: v[lr][-1]), "you looked at one seed (the last): with a "
     "single seed, its luck decides."),
    (lambda v: min(v, key=lambda lr: np.mean(v[lr])), "you picked the learning rate with the "
     "*lowest* mean."),
    (max, "you returned the largest learning rate, whatever its accuracy."),
    (min, "you returned the smallest learning rate (the first listed), whatever its accuracy."),
]


def _choice_problem(out, val):
    """The hint for an answer that is not one of the learning rates, or None (and the one it
    names, if it names one)."""
    lrs = list(val)
    if isinstance(out, str):
        return not_yet(f"return the learning rate as a number (a key of val_by_lr), not text; "
                       f"got {out!r:.40}."), None
    if (isinstance(out, list | tuple) and len(out) == 1) or (
            isinstance(out, np.ndarray) and out.ndim > 0 and out.size == 1):
        return not_yet(f"you returned {type(out).__name__} {out!r:.40}: return the learning "
                       "rate itself, a number, not a container holding it."), None
    if isinstance(out, tuple | list) and len(out) == 2:
        return not_yet("return only the learning rate, not a pair; the checker compares your "
                       "choice with the learning rate the protocol picks."), None
    numeric = numbers(out)
    if numeric is None or numeric.ndim != 0 or isinstance(out, bool | np.bool_):
        return not_yet(f"return one of the learning rates (the keys of val_by_lr: {lrs}); got "
                       f"{type(out).__name__} {out!r:.40}."), None
    value = float(numeric)
    for lr in lrs:
        if np.isclose(value, lr, rtol=1e-6, atol=0):
            return None, lr
    if value == int(value) and 0 <= value < len(lrs):
        return not_yet(f"you returned {value:g}, the position of a learning rate in the dict; "
                       "return the learning rate itself (the key)."), None
    accuracies = np.concatenate([np.asarray(v, dtype=float) for v in val.values()])
    if 0 <= value <= 1 and (np.any(np.isclose(value, accuracies)) or np.any(np.isclose(
            value, [np.mean(v) for v in val.values()]))):
        return not_yet(f"you returned an accuracy ({value:g}); return the learning rate that "
                       "reaches it (the key)."), None
    return not_yet(f"return one of the learning rates (the keys of val_by_lr: {lrs}); got "
                   f"{value:g}."), None


@checker
def check_choose_lr(candidate):
    """Check a reader's ``choose_lr(val_by_lr)``: the learning rate whose validation accuracy,
    averaged over the seeds, is largest (the protocol of notebook 06).

    Each call draws three sets of accuracies on which the usual rules (the best seed, the best
    median, the best worst seed, one seed, the largest or smallest learning rate) all choose
    differently, and names the rule the answer followed.

    Examples
    --------
    >>> check_choose_lr(lambda v: max(v, key=lambda lr: np.mean(v[lr])))
    Correct! The learning rate with the best mean validation accuracy over the seeds.
    """
    cases = _choose_cases(fresh_rng())
    chosen = []
    for val in cases:
        out, problem = call(candidate, val)
        if problem is not None:
            return verdict(problem)
        problem, lr = _choice_problem(out, val)
        if problem is not None:
            return problem
        chosen.append(lr)
    if all(lr == max(v, key=lambda k: np.mean(v[k])) for lr, v in zip(chosen, cases,
                                                                      strict=True)):
        return correct("The learning rate with the best mean validation accuracy over the "
                       "seeds.")
    for rule, first in _CHOICE_RULES:
        if all(lr == rule(v) for lr, v in zip(chosen, cases, strict=True)):
            return not_yet(Hint([first, _CHOOSE_RULE, _CHOOSE_CODE]))
    wrong = next(lr for lr, v in zip(chosen, cases, strict=True)
                 if lr != max(v, key=lambda k: np.mean(v[k])))
    return not_yet(Hint([f"you chose {wrong:g} for one of the three sets of accuracies, which "
                         "is not the learning rate this notebook's protocol picks there.",
                         _CHOOSE_RULE, _CHOOSE_CODE], key="other"))


__all__ = ["BUDGETS", "SOURCE_ROWS", "SOURCE_STUDIES", "Interval", "Moments", "budget_label",
           "check_choose_lr", "check_gelu_grad", "gelu_grad", "gelu_tanh", "gelu_tanh_grad",
           "judge_at_budgets", "mean_interval", "plot_budgets", "plot_learning_rates",
           "plot_sequences", "results_explorer", "results_figure", "source_table",
           "stack_moments", "step_sizes"]
