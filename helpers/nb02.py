"""Everything behind notebook 02 · Leaky and Parametric ReLU: the slope figures, the
explorer, the exercise checkers, and the budget figure of its stored study.

Reads: ``helpers.activations`` (leaky_relu, prelu), ``helpers.plotting`` (plot_sweep).
"""

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np

from ._validation import (
    as_float_array,
    check_finite_real,
    check_positive_int,
    check_sequence,
    check_text,
)
from .activations import leaky_relu, leaky_relu_grad
from .checking import (
    Case,
    Hint,
    Raised,
    call,
    check_cases,
    checker,
    close,
    correct,
    difference,
    disagree,
    fresh_rng,
    not_yet,
    numbers,
    only_in,
    shape_label,
    verdict,
)
from .plotting import PALETTE, check_axes, check_grid, label_function_axes, plot_sweep
from .widgets import explorer, explorer_figure


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
        raise TypeError(f"slopes must be a non-empty dict label -> slope, e.g. "
                        f"{{'Leaky ReLU': 0.01}}; got {slopes!r:.60}.")
    slopes = {label: check_finite_real(a, f"slopes[{label!r}]") for label, a in slopes.items()}
    z = np.linspace(-3, 3, 401) if z is None else check_grid(z)
    if maximum_form is not None:
        maximum_form = check_finite_real(maximum_form, "maximum_form")
    if check_axes(axes, "axes", count=2) is None:
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
    per_layer = check_sequence(per_layer, "per_layer", "[slopes_layer_1, slopes_layer_2]")
    if not per_layer:
        raise ValueError("per_layer must be a non-empty list of slope arrays; got an empty one.")
    values = [as_float_array(v, f"per_layer[{i}]").ravel() for i, v in enumerate(per_layer)]
    if any(v.size == 0 for v in values):
        raise ValueError("per_layer must hold at least one slope for every layer.")
    check_text(title, "title")
    if check_axes(ax) is None:
        _, ax = plt.subplots(figsize=(6, 4))
    ax.boxplot(values, positions=np.arange(1, len(values) + 1))
    ax.set_xlabel("layer")
    ax.set_ylabel("slope a")
    ax.set_title(title)
    return ax



def slope_figure(negative_slope=0.25, leaky_slope=0.01):
    """The figure behind `slope_explorer`: Leaky ReLU's fixed slope next to a PReLU slope."""
    negative_slope = check_finite_real(negative_slope, "negative_slope")
    leaky_slope = check_finite_real(leaky_slope, "leaky_slope")
    fig, axes = explorer_figure(2)
    plot_rectifiers({"Leaky ReLU": leaky_slope, "PReLU": negative_slope}, axes=axes,
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

def _prelu_cases(rng):
    """Fresh (z, slopes, dout) of shape (samples, channels), sizes drawn anew and one case
    square (so that a mix-up of the axes keeps the right shape), float64 and float32: exact
    zeros, tiny and large values planted in z, a row of negatives, and slopes below 0, 0,
    0.01, in (0, 1) and above 1."""
    cases = []
    for square, dtype in [(False, np.float64), (True, np.float32), (False, np.float64)]:
        channels = int(rng.integers(4, 8))
        n = channels if square else channels + int(rng.integers(2, 6))
        z = (2 * rng.standard_normal((n, channels))).astype(dtype)
        z[1] = -np.abs(z[1]) - 0.5  # every channel negative somewhere
        edges = [0.0, -0.0, 1e-30, -1e-30, 1e3, -1e3, 1e30, -1e30]
        others = np.delete(np.arange(z.size), np.arange(channels, 2 * channels))  # not row 1
        z.reshape(-1)[rng.choice(others, len(edges), replace=False)] = edges
        slopes = [rng.uniform(1.2, 2.5), rng.uniform(-0.8, -0.05), 0.0, 0.01,
                  rng.uniform(0.1, 0.9), rng.uniform(0.1, 0.9), rng.uniform(0.1, 0.9)]
        slopes = rng.permutation(slopes[:channels]).astype(dtype)
        dout = rng.standard_normal((n, channels)).astype(dtype)
        cases.append(Case((z, slopes, dout), f"{shape_label(z)} and {channels} slopes"))
    return cases


def _prelu(z, slopes):
    return np.maximum(z, 0) + slopes * np.minimum(z, 0)


def _raised_hint(problem):
    """Hints for the two exceptions the usual PReLU mistakes raise, by their type."""
    if isinstance(problem, Raised) and isinstance(problem.error, TypeError):
        return not_yet(f"your function raised TypeError: {problem.error}. If you used "
                       "np.max(a, b): its second argument is an axis, not a second array (the "
                       "article's mistake). Combine the two parts elementwise.")
    if isinstance(problem, Raised) and isinstance(problem.error, ValueError):
        return not_yet(f"your function raised ValueError: {problem.error}. If the shapes do "
                       "not fit: there is one slope per channel, and the channels are axis 1 "
                       "of z, so slopes * z already lines them up.")
    return verdict(problem)


PRELU_CODE = "np.maximum(z, 0) + negative_slope * np.minimum(z, 0)"  # every hint's last level


def _slopes_on_rows(z, slopes):
    """PReLU with slope i on row i (possible only when z is square); NaN otherwise."""
    if z.shape[0] != slopes.size:
        return np.full(z.shape, np.nan)
    return _prelu(z, slopes[:, None])


def _prelu_diagnosis(got, expected, z, slopes):
    """A test against a small threshold instead of 0, or the same slope for every channel
    (negative_slope[0], a mean, a number of one's own)."""
    wrong = disagree(got, expected)
    for region, side in [((z > 0) & (z < 1e-3), "positive"), ((z < 0) & (z > -1e-3),
                                                                "negative")]:
        if only_in(wrong, region):
            return _prelu_hint(
                f"a tiny {side} z (here {float(z[wrong][0]):.3g}) got the wrong branch: your "
                "test compares with a small threshold, not with 0.", "z > 0 passes through "
                "unchanged, z <= 0 is multiplied by its channel's slope, however close to 0.",
                key="threshold")
    positive, negative = z > 0, z < -1e-3
    if not (close(got[positive], expected[positive]) and np.any(negative)):
        return None
    with np.errstate(all="ignore"):
        c = got[negative] / z[negative]
    if np.isfinite(c[0]) and np.allclose(c, c[0], rtol=1e-3, atol=1e-6):
        return _prelu_hint(f"every channel got the same slope ({c[0]:.3g}); each channel "
                           "(column j) has its own slope, negative_slope[j].", "Multiply by "
                           "the whole array negative_slope: broadcasting gives column j its "
                           "slope.", key="one slope")
    return None


def _prelu_hint(*levels, key=None):
    return Hint([*levels, f"In numpy: {PRELU_CODE}."], key=key)


@checker
def check_prelu(candidate):
    """Check a reader's ``prelu(z, negative_slope)``: z of shape (samples, channels), one slope
    per channel, f = max(0, z) + a min(0, z). Each call draws fresh inputs (three channel
    counts, float64 and float32).

    Examples
    --------
    >>> check_prelu(lambda z, a: np.maximum(z, 0) + a * np.minimum(z, 0))
    Correct! max(0, z) + a min(0, z) is right for every slope, even a > 1 or a < 0.
    """
    cases = [Case(case.args[:2], case.label) for case in _prelu_cases(fresh_rng())]
    _, problem = call(candidate, *cases[0].args)
    if problem is not None:
        return _raised_hint(problem)
    mistakes = [
        (lambda z, a: np.maximum(a * z, z), _prelu_hint(
            "np.maximum(a z, z) equals PReLU only when a <= 1; a learned slope can be 1.5.",
            "Build it from its two parts instead: max(0, z) plus a times min(0, z), with one "
            "slope per channel.")),
        (lambda z, a: _prelu(z, 0.01), _prelu_hint(
            "that is Leaky ReLU with a fixed 0.01; use the slopes you were given.")),
        (lambda z, a: np.maximum(z, 0), _prelu_hint(
            "that is plain ReLU: the negative side is missing.", "Add the negative part: a "
            "times min(0, z), with one slope per channel.")),
        (lambda z, a: np.where(z > 0, z, a), _prelu_hint(
            "for z <= 0 you returned the slope a itself; the output there is the slope times "
            "z.")),
        (lambda z, a: np.maximum(z, 0) + a * z, _prelu_hint(
            "for z > 0 you added a z to z: the slope a acts on the negative part only.",
            "Multiply a by min(0, z), not by z.")),
        (_slopes_on_rows, _prelu_hint(
            "the slopes went along the rows (the samples): one slope per sample, not per "
            "channel. With as many samples as channels the shapes fit, but the numbers do not.",
            "The channels are axis 1 of z: slopes * z (no reshaping) already gives column j "
            "the slope negative_slope[j].")),
    ]
    problem = check_cases(candidate, cases, _prelu, mistakes, diagnose=_prelu_diagnosis,
                          rule=("PReLU is max(0, z) + a min(0, z), with column j's own slope "
                                "a = negative_slope[j].", f"In numpy: {PRELU_CODE}."))
    if problem is not None:
        return problem
    return correct("max(0, z) + a min(0, z) is right for every slope, even a > 1 or a < 0.")


DZ_CODE = "dz = dout * np.where(z > 0, 1.0, negative_slope)"  # the last level of dz's hints
DSLOPE_CODE = "dslope = (dout * np.minimum(z, 0)).sum(axis=0)"  # and of dslope's


def _dz_hint(*levels, key=None):
    return Hint([*levels, f"In numpy: {DZ_CODE}."], key=key)


def _dslope_hint(*levels, key=None):
    return Hint([*levels, f"In numpy: {DSLOPE_CODE}."], key=key)


_DZ_RULE = ("dz is dout times the local slope: 1 where z > 0, the channel's slope a "
            "elsewhere.")
_DSLOPE_RULE = ("df/da = min(0, z); dslope sums dout * min(0, z) over the samples (axis 0), "
                "one entry per channel.")
_DZ_MISTAKES = [
    (lambda d, z, a: d * np.where(z >= 0, 1.0, a), _dz_hint(
        "dz is right except at exactly z = 0, where the course takes the z <= 0 branch: the "
        "slope there is a, not 1.", "Make your test strict, so that z = 0 gets the slope a.")),
    (lambda d, z, a: d * a, _dz_hint(
        "dz uses the slope a everywhere, but where z > 0 the slope is 1.", "Pick the local "
        "slope element by element with a mask on z > 0 (np.where), then multiply by dout.")),
    (lambda d, z, a: np.where(z > 0, 1.0, a), _dz_hint(
        "dz is the local slope only; the chain rule multiplies it by the upstream gradient.")),
    (lambda d, z, a: d * (z > 0), _dz_hint(
        "dz is ReLU's: 0 where z <= 0. PReLU's slope there is the channel's a, so the "
        "gradient flows through negative inputs too.", _DZ_RULE)),
]
_SUMMED_OVER_CHANNELS = _dslope_hint(
    "dslope sums over the channels (axis=1), but there is one slope per channel: its "
    "gradient collects the contributions of every sample.", "Sum over the samples (axis 0) "
    "only.")
_DSLOPE_MISTAKES = [
    (lambda d, z, a: (d * z).sum(axis=0), _dslope_hint(
        "dslope counts z where z > 0 too, but the slope a only acts where z <= 0: a mask is "
        "missing.", _DSLOPE_RULE)),
    (lambda d, z, a: (d * np.minimum(z, 0)).mean(axis=0), _dslope_hint(
        "you took the mean over the samples; the gradient of a shared parameter is the sum of "
        "its contributions (the loss already averages, through dout).")),
    (lambda d, z, a: np.minimum(z, 0).sum(axis=0), _dslope_hint(
        "dslope is missing the upstream gradient dout (chain rule).")),
    (lambda d, z, a: (d * (z <= 0)).sum(axis=0), _dslope_hint(
        "dslope adds up dout where z <= 0, but df/da is min(0, z), not 1: each term is dout "
        "times z there.", _DSLOPE_RULE)),
    (lambda d, z, a: (d * a * np.minimum(z, 0)).sum(axis=0), _dslope_hint(
        "dslope has an extra factor a: a * min(0, z) is the output, but its derivative with "
        "respect to a is min(0, z).", _DSLOPE_RULE)),
    (lambda d, z, a: ((d * np.minimum(z, 0)).sum(axis=1) if z.shape[0] == a.size
                      else np.full(a.shape, np.nan)), _SUMMED_OVER_CHANNELS),
]


def _shape_problem(dz, dslope, z, slopes):
    """The hint for (dz, dslope) of the wrong shapes, or None."""
    if dz.shape == slopes.shape and dslope.shape == z.shape and z.shape != slopes.shape:
        return not_yet(Hint(["you returned (dslope, dz): the other way round.", "Return the "
                             "gradient of the input first: (dz, dslope).", f"In numpy: "
                             f"{DZ_CODE}; {DSLOPE_CODE}; return dz, dslope."]))
    if dz.shape != z.shape:
        return not_yet(f"dz must have the shape of z, {z.shape}; got {dz.shape}.")
    if dslope.shape == slopes.shape:
        return None
    if dslope.shape == z.shape:
        return not_yet(_dslope_hint("dslope has one entry per sample and channel: the sum over "
                                    "the samples is missing. Every sample uses its channel's "
                                    "slope, so the slope's gradient adds up the contributions "
                                    "of all of them.", "Sum over the samples (axis 0), one "
                                    "entry per channel."))
    if dslope.shape == (1, slopes.size):
        return not_yet(_dslope_hint(f"dslope has shape {dslope.shape}, not that of "
                                    f"negative_slope, {slopes.shape}: keepdims=True (or a "
                                    "reshape) left an axis of length 1.", "Sum over axis 0 "
                                    "without keepdims.", key="keepdims"))
    if dslope.shape == (z.shape[0],):
        return not_yet(_SUMMED_OVER_CHANNELS)
    if dslope.size == 1:
        return not_yet(_dslope_hint("dslope is a single number: the gradient of one shared "
                                    "slope, but each channel has its own.", "Sum over the "
                                    "samples (axis 0) only, one entry per channel."))
    return not_yet(f"dslope must have the shape of negative_slope, {slopes.shape}: one entry "
                   f"per channel, summed over the samples that share it; got {dslope.shape}.")


@checker
def check_prelu_backward(candidate):
    """Check a reader's ``prelu_backward(dout, z, negative_slope) -> (dz, dslope)`` for
    channel-wise slopes (channels on axis 1). Each call draws fresh inputs, one of them
    square.

    Examples
    --------
    >>> def ok(dout, z, a):
    ...     return dout * np.where(z > 0, 1.0, a), (dout * np.minimum(z, 0)).sum(axis=0)
    >>> check_prelu_backward(ok)
    Correct! dz = dout * (1 if z > 0 else a), dslope = sum over samples of dout * min(0, z).
    """
    for case in _prelu_cases(fresh_rng()):
        z, slopes, dout = case.args
        out, problem = call(candidate, dout, z, slopes)
        if problem is not None:
            return verdict(problem)
        if not (isinstance(out, tuple | list) and len(out) == 2):
            return not_yet("return two arrays, (dz, dslope).")
        dz, dslope = numbers(out[0]), numbers(out[1])
        if dz is None or dslope is None:
            return not_yet("return two arrays of numbers, (dz, dslope).")
        args = (dout, z, slopes)
        good_dz = dout * np.where(z > 0, 1.0, slopes)
        good_dslope = (dout * np.minimum(z, 0)).sum(axis=0)
        problem = _shape_problem(dz, dslope, z, slopes)
        if problem is not None:
            return problem
        if not close(dz, good_dz):
            hint = next((h for f, h in _DZ_MISTAKES if close(dz, f(*args))), None)
            return not_yet(hint or _dz_hint(f"dz is wrong for {case.label}: "
                                            f"{difference(dz, good_dz)}.", _DZ_RULE, key="dz"))
        # each entry is a sum: compare it on the scale of its terms (they may cancel)
        size = np.maximum(np.abs(dout * np.minimum(z, 0)).sum(axis=0), np.finfo(float).tiny)

        def scaled(v, size=size):
            return (v / size).astype(v.dtype)  # the dtype decides the tolerance

        if not close(scaled(dslope), scaled(good_dslope), scale=1.0):
            hint = next((h for f, h in _DSLOPE_MISTAKES
                         if close(scaled(dslope), scaled(f(*args)), scale=1.0)), None)
            return not_yet(hint or _dslope_hint(f"for {case.label}: dslope "
                                                f"{difference(dslope, good_dslope)}.",
                                                _DSLOPE_RULE, key="dslope"))
    return correct("dz = dout * (1 if z > 0 else a), dslope = sum over samples of "
                   "dout * min(0, z).")


# --- the stored study ----------------------------------------------------------------------

BUDGETS = (34, 102, 340, None)  # 1, 3 and 10 epochs of digits at batch 32, and convergence


def plot_budgets(budgets, tests, *, ax=None,
                 title="Test accuracy against the training budget (each dot a seed)"):
    """Test accuracy against the budget in steps, one curve per configuration
    (``plotting.plot_sweep``: every seed a dot, the mean a line, the min-max range a band).

    Parameters
    ----------
    budgets : sequence of int, the last one possibly None
        Budgets in steps, increasing; None means convergence (no limit: early stopping ends
        each run). It is drawn one step of x3 after the last budget and labelled so.
    tests : dict[str, array_like]
        Label -> (len(budgets), seeds) test accuracies, from ``results.by_budget``.
    ax : matplotlib Axes, optional
    title : str

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> ax = plot_budgets((34, None), {"ReLU": [[0.8, 0.9], [0.95, 0.96]]})
    >>> [t.get_text() for t in ax.get_xticklabels()]
    ['34', 'convergence']
    """
    budgets = check_sequence(budgets, "budgets", "(34, 102, 340, None)")
    steps = budgets[:-1] if budgets and budgets[-1] is None else budgets
    if not steps:
        raise ValueError(f"budgets must hold at least one budget in steps before None; got "
                         f"{budgets!r}.")
    if None in steps:
        raise ValueError(f"budgets: only the last entry may be None (convergence); got "
                         f"{budgets!r}.")
    steps = [check_positive_int(b, f"budgets[{i}]") for i, b in enumerate(steps)]
    if any(np.diff(steps) <= 0):
        raise ValueError(f"budgets must be increasing; got {budgets!r}.")
    x = steps + [3 * steps[-1]] * (len(budgets) - len(steps))
    ax = plot_sweep(x, tests, xlabel="budget (steps of one mini-batch; 34 steps = 1 epoch)",
                    ylabel="test accuracy", title=title, ax=ax)
    ax.set_xticks(x, [str(b) for b in steps] + ["convergence"] * (len(x) - len(steps)))
    return ax
