"""Everything behind notebook 05 · Choosing: picking each configuration's learning rate on the
validation split, the summaries and figures of the comparisons, and the exercise checker.

Reads: ``helpers.experiments`` (training runs over seeds), ``helpers.plotting``.
"""

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
from scipy.special import ndtr

from ._validation import check_choice, check_positive_int, check_sequence
from .activations import gelu, gelu_grad, get_activation
from .checking import (
    Case,
    Hint,
    call,
    check_cases,
    checker,
    correct,
    fresh_rng,
    not_yet,
    shape_label,
    verdict,
)
from .diagnostics import preactivations, prelu_slopes
from .experiments import Run, check_split
from .plotting import PALETTE, check_axes, plot_seed_boxes
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
    per_class = check_positive_int(per_class, "per_class")
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


def _check_runs(runs):
    if not isinstance(runs, dict) or not runs:
        raise TypeError(f"runs must be a non-empty dict (configuration, lr) -> list of Runs, as "
                        f"experiments.sweep returns for tuple labels ending in the learning "
                        f"rate; got {runs!r:.60}.")
    for label, rs in runs.items():
        if not isinstance(label, tuple) or len(label) < 2:
            raise TypeError(f"runs' labels must be tuples (..., lr), the learning rate last; got "
                            f"{label!r:.60}.")
        if not isinstance(rs, list | tuple) or not rs or not all(isinstance(r, Run) for r in rs):
            raise TypeError(f"runs[{label!r}] must be a non-empty list of experiments.Run; got "
                            f"{rs!r:.60}.")
    return runs


def best_validation(run):
    """The best validation accuracy a run reached at any epoch (0 if it diverged)."""
    values = [v for v in run.history.get("val_acc", []) if np.isfinite(v)]
    return 0.0 if run.diverged or not values else float(max(values))


def choose_learning_rates(runs):
    """For every configuration, the learning rate with the best mean validation accuracy.

    Parameters
    ----------
    runs : dict
        (*configuration, lr) -> list of Runs over the same seeds (`experiments.sweep` with
        tuple labels whose last element is the learning rate).

    Returns
    -------
    dict configuration -> dict with
        "lr": the chosen learning rate;
        "val": {lr: ndarray (seeds,)} best validation accuracy per seed, for every lr tried;
        "test": ndarray (seeds,), test accuracy at the chosen lr (diverged runs count 0);
        "runs": the Runs at the chosen lr.
        The configuration is the label without its learning rate (a tuple).

    Examples
    --------
    >>> from helpers.experiments import Run
    >>> def run(val, test):
    ...     return Run(None, {"val_acc": [0.1, val]}, test, 0.0, False)
    >>> chosen = choose_learning_rates({("relu", 0.01): [run(0.5, 0.4)],
    ...                                 ("relu", 0.1): [run(0.7, 0.6)]})
    >>> chosen[("relu",)]["lr"], chosen[("relu",)]["test"].tolist()
    (0.1, [0.6])
    """
    runs = _check_runs(runs)
    grouped = {}
    for label, rs in runs.items():
        grouped.setdefault(label[:-1], {})[label[-1]] = rs
    chosen = {}
    for config, by_lr in grouped.items():
        val = {lr: np.array([best_validation(r) for r in rs]) for lr, rs in by_lr.items()}
        lr = max(val, key=lambda k: val[k].mean())  # ties: the first learning rate listed
        test = np.array([0.0 if r.diverged else r.test_acc for r in by_lr[lr]])
        chosen[config] = {"lr": lr, "val": val, "test": test, "runs": list(by_lr[lr])}
    return chosen


def table(chosen, configs):
    """One row per configuration: the validation accuracy at the chosen learning rate (best
    epoch, mean ± std over the seeds), the test accuracy (last epoch, mean ± std [min, max])
    and the learning rate, as one string. `configs` maps a row name to a key of `chosen`.
    """
    check_sequence(list(configs), "configs", "{'ReLU': ('act', 'ReLU', 4)}")
    lines = []
    for name, key in configs.items():
        if key not in chosen:
            raise KeyError(f"configs[{name!r}] = {key!r} is not a configuration of chosen.")
        c = chosen[key]
        val, test = c["val"][c["lr"]], c["test"]
        lines.append(f"{name:<20}val {val.mean():.3f} ± {val.std():.3f}   test {test.mean():.3f} "
                     f"± {test.std():.3f} [{test.min():.3f}, {test.max():.3f}]  lr {c['lr']:g}")
    return "\n".join(lines)


def _check_results(chosen, groups):
    if not isinstance(chosen, dict) or not chosen or not all(
            isinstance(c, dict) and {"lr", "val", "test"} <= set(c) for c in chosen.values()):
        raise TypeError(f"chosen must be the dict that choose_learning_rates returns; got "
                        f"{chosen!r:.60}.")
    if not isinstance(groups, dict) or not groups or not all(
            isinstance(rows, dict) and rows and all(isinstance(k, tuple) for k in rows.values())
            for rows in groups.values()):
        raise TypeError(f"groups must be a non-empty dict comparison -> {{label: configuration "
                        f"tuple}}; got {groups!r:.60}.")


def results_figure(chosen, groups, comparison, depth, split="test"):
    """The seed boxes of one comparison at one depth: every seed a dot.

    Parameters
    ----------
    chosen : dict
        From `choose_learning_rates`: keys (*configuration, depth).
    groups : dict
        Comparison name -> {row label: configuration (a tuple, without the depth)}.
    comparison : str
        A key of `groups`.
    depth : int
    split : {"test", "validation"}
        Test accuracy (last epoch) or best validation accuracy, at the chosen learning rate.

    Returns
    -------
    matplotlib Figure
    """
    _check_results(chosen, groups)
    rows = groups[check_choice(comparison, "comparison", tuple(groups))]
    depth = check_positive_int(depth, "depth")
    split = check_choice(split, "split", ("test", "validation"))
    values = {}
    for label, config in rows.items():
        key = (*config, depth)
        if key not in chosen:
            raise ValueError(f"depth {depth} (with {label!r}) is not a configuration of chosen: "
                             f"no {key!r}.")
        c = chosen[key]
        values[label] = c["test"] if split == "test" else c["val"][c["lr"]]
    fig, ax = plt.subplots(figsize=(8, 4))
    plot_seed_boxes(values, ax=ax, ylabel=f"{split} accuracy",
                    title=f"{comparison}, {depth} hidden layers ({split}, each dot a seed)")
    return fig


def results_explorer(chosen, groups, depths):
    """Sliders over `results_figure`: the comparison, the depth and the split.

    Returns
    -------
    ipywidgets.interactive
    """
    _check_results(chosen, groups)
    depths = [check_positive_int(d, "depths") for d in check_sequence(depths, "depths", "[4, 16]")]
    if not depths:
        raise ValueError("depths must hold at least one depth, e.g. [4, 16].")
    missing = [(*c, d) for rows in groups.values() for c in rows.values() for d in depths
               if (*c, d) not in chosen]
    if missing:
        raise ValueError(f"depths and groups must name configurations of chosen; missing "
                         f"{missing[0]!r}.")
    return explorer(
        lambda depth, comparison, split: results_figure(chosen, groups, comparison, depth, split),
        depth=widgets.SelectionSlider(options=depths, value=depths[0], description="depth"),
        comparison=widgets.ToggleButtons(options=list(groups), description="compare"),
        split=widgets.ToggleButtons(options=["test", "validation"], description="split"),
    )


# A unit is stuck when its slope is below SATURATED on every sample: dead for ReLU (z <= 0
# everywhere), saturated for the smooth activations; a Leaky ReLU or PReLU unit only if its
# negative slope itself is that small (PReLU: the learned slope of that unit).
SATURATED = 1e-3


def stuck_fraction(runs, X, activation):
    """Per run, the fraction of hidden units whose slope |f'(z)| is below SATURATED on every
    sample of X: dead ReLU units, saturated ELU/SELU/GELU/SiLU units.

    Returns
    -------
    ndarray (len(runs),)
    """
    runs = check_sequence(runs, "runs", "chosen[key]['runs']")
    if not runs or not all(isinstance(r, Run) for r in runs):
        raise TypeError(f"runs must be a non-empty list of experiments.Run; got {runs!r:.60}.")
    _, grad = get_activation(activation)
    fractions = []
    for run in runs:
        zs = [z for _, z in preactivations(run.model, X)]
        if activation == "prelu":  # each unit's own learned slope on the negative side
            slopes = prelu_slopes(run.model)
            stuck = [np.all(z <= 0, axis=0) & (np.abs(a) < SATURATED)
                     for z, a in zip(zs, slopes, strict=True)]
        else:
            stuck = [np.all(np.abs(grad(z)) < SATURATED, axis=0) for z in zs]
        fractions.append(np.concatenate(stuck).mean())
    return np.array(fractions)


# GELU's tanh approximation (Hendrycks & Gimpel 2016), used by GPT-2 and BERT's code
_C = np.sqrt(2 / np.pi)


def gelu_tanh(z):
    """GELU's tanh approximation: z/2 (1 + tanh(sqrt(2/pi) (z + 0.044715 z³)))."""
    z = np.asarray(z, dtype=float)
    return 0.5 * z * (1 + np.tanh(_C * (z + 0.044715 * z**3)))


def gelu_tanh_grad(z):
    """Derivative of `gelu_tanh`."""
    z = np.asarray(z, dtype=float)
    t = np.tanh(_C * (z + 0.044715 * z**3))
    return 0.5 * (1 + t) + 0.5 * z * (1 - t**2) * _C * (1 + 3 * 0.044715 * z**2)


_GELU_RULE = ("GELU is z Phi(z): by the product rule its derivative is Phi(z) + z phi(z), with "
              "phi the standard normal density.")
_GELU_CODE = ("In code: from scipy.stats import norm; return norm.cdf(z) + z * norm.pdf(z).")


def _gelu_cases(rng):
    cases = []
    for shape in [(7,), (3, 4), (2, 2, 5)]:
        z = 3 * rng.standard_normal(shape)
        z.reshape(-1)[:3] = [0.0, -8.0, 8.0]
        cases.append(Case((z,), shape_label(z)))
    return cases


@checker
def check_gelu_grad(candidate):
    """Check a reader's ``gelu_grad(z)``: the exact derivative Phi(z) + z phi(z), or the
    derivative of the tanh approximation; the verdict says which one it got.

    Examples
    --------
    >>> from helpers.activations import gelu_grad
    >>> check_gelu_grad(gelu_grad)
    Correct! The exact derivative, Phi(z) + z phi(z).
    >>> check_gelu_grad(gelu_tanh_grad)
    Correct! The derivative of GELU's tanh approximation (within 0.02 of the exact one).
    """
    cases = _gelu_cases(fresh_rng())
    mistakes = [
        (gelu, Hint(["you returned GELU itself, not its derivative.", _GELU_RULE, _GELU_CODE])),
        (ndtr, Hint(["only the first term of the product rule: Phi(z).", _GELU_RULE,
                     _GELU_CODE])),
        (lambda z: z * np.exp(-0.5 * z * z) / np.sqrt(2 * np.pi), Hint([  # z phi(z)
            "only the second term of the product rule: z phi(z).", _GELU_RULE, _GELU_CODE])),
    ]
    if check_cases(candidate, cases, gelu_grad, mistakes) is None:
        return correct("The exact derivative, Phi(z) + z phi(z).")
    problem = check_cases(candidate, cases, gelu_tanh_grad, mistakes)
    if problem is None:
        return correct("The derivative of GELU's tanh approximation (within 0.02 of the exact "
                       "one).")
    return problem


_CHOOSE_RULE = ("Average each learning rate's validation accuracies over the seeds, then take "
                "the learning rate with the largest average.")
_CHOOSE_CODE = "In code: return max(val_by_lr, key=lambda lr: np.mean(val_by_lr[lr]))."


def _choose_cases(rng):
    """Validation accuracies (lr -> per-seed array) built so that each usual mistake picks a
    different learning rate than the right rule."""
    cases = []
    for _ in range(3):
        lrs = sorted(rng.choice([1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2], size=4, replace=False))
        base = rng.uniform(0.4, 0.6, size=5)
        val = {float(lr): base + rng.normal(0, 0.01, 5) for lr in lrs}
        best, lucky, low = (float(lr) for lr in rng.permutation(lrs)[:3])
        val[best] = base + 0.05  # best on average
        val[lucky] = base - 0.1
        val[lucky][0] = 0.99  # one lucky seed: best maximum, poor mean
        val[low] = base + 0.04
        val[low][1] = 0.1  # the best median but one seed failed: max of min picks another
        cases.append(val)
    return cases


@checker
def check_choose_lr(candidate):
    """Check a reader's ``choose_lr(val_by_lr)``: the learning rate whose validation accuracy,
    averaged over the seeds, is largest.

    Examples
    --------
    >>> check_choose_lr(lambda v: max(v, key=lambda lr: np.mean(v[lr])))
    Correct! The learning rate with the best mean validation accuracy over the seeds.
    """
    for val in _choose_cases(fresh_rng()):
        out, problem = call(candidate, {lr: v.copy() for lr, v in val.items()})
        if problem is not None:
            return verdict(problem)
        right = max(val, key=lambda lr: val[lr].mean())
        if out == right:
            continue
        if out == max(val, key=lambda lr: val[lr].max()):
            return not_yet(Hint(["you picked the learning rate of the single best seed: one lucky "
                                 "seed is not a better learning rate.", _CHOOSE_RULE,
                                 _CHOOSE_CODE]))
        if out == min(val, key=lambda lr: val[lr].mean()):
            return not_yet(Hint(["you picked the learning rate with the *lowest* mean.",
                                 _CHOOSE_RULE, _CHOOSE_CODE]))
        if out not in val:
            return not_yet(f"return one of the learning rates (the keys of val_by_lr: "
                           f"{sorted(val)}); got {out!r:.40}.")
        return not_yet(Hint([f"you chose {out:g}; the best mean validation accuracy belongs to "
                             f"{right:g}.", _CHOOSE_RULE, _CHOOSE_CODE], key="other"))
    return correct("The learning rate with the best mean validation accuracy over the seeds.")


__all__ = ["best_validation", "check_choose_lr", "check_gelu_grad", "choose_learning_rates",
           "gelu_grad", "gelu_tanh", "gelu_tanh_grad", "plot_sequences", "results_explorer",
           "results_figure", "stuck_fraction", "table"]
