"""Everything behind notebook 02 · Leaky and Parametric ReLU: the slope figures, the
explorer and the exercise checkers.

Reads: ``helpers.activations`` (leaky_relu, prelu), ``helpers.diagnostics`` (learned slopes).
"""

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np

from ._validation import as_float_array, check_finite_real, check_sequence, check_text
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
    fresh_rng,
    not_yet,
    numbers,
    shape_label,
    verdict,
)
from .plotting import PALETTE, check_axes, check_grid, label_function_axes
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
    """Fresh (z, slopes, dout) for three channel counts, float64 and float32: exact zeros in z,
    a row of negatives, and slopes below 0, 0, 0.01, in (0, 1) and above 1."""
    cases = []
    for (n, channels), dtype in [((6, 3), np.float64), ((5, 4), np.float32),
                                 ((7, 6), np.float64)]:
        z = (2 * rng.standard_normal((n, channels))).astype(dtype)
        z[0, 0] = z[-1, -1] = 0.0
        z[1] = -np.abs(z[1]) - 0.5  # every channel negative somewhere
        slopes = rng.permutation([1.5, -0.3, 0.25, 0.0, 0.01, 0.6][:channels]
                                 + [0.4] * max(0, channels - 6)).astype(dtype)
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


def _prelu_hint(*levels):
    return Hint([*levels, f"In numpy: {PRELU_CODE}."])


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
    ]
    problem = check_cases(candidate, cases, _prelu, mistakes)
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
]
_DSLOPE_MISTAKES = [
    (lambda d, z, a: (d * z).sum(axis=0), _dslope_hint(
        "dslope counts z where z > 0 too, but the slope a only acts where z <= 0: a mask is "
        "missing.", _DSLOPE_RULE)),
    (lambda d, z, a: (d * np.minimum(z, 0)).mean(axis=0), _dslope_hint(
        "you took the mean over the samples; the gradient of a shared parameter is the sum of "
        "its contributions (the loss already averages, through dout).")),
    (lambda d, z, a: np.minimum(z, 0).sum(axis=0), _dslope_hint(
        "dslope is missing the upstream gradient dout (chain rule).")),
]


@checker
def check_prelu_backward(candidate):
    """Check a reader's ``prelu_backward(dout, z, negative_slope) -> (dz, dslope)`` for
    channel-wise slopes (channels on axis 1). Each call draws fresh inputs.

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
        if dz.shape != z.shape:
            return not_yet(f"dz must have the shape of z, {z.shape}; got {dz.shape}.")
        if not close(dz, good_dz):
            hint = next((h for f, h in _DZ_MISTAKES if close(dz, f(*args))), None)
            return not_yet(hint or _dz_hint(f"dz is wrong for {case.label}: "
                                            f"{difference(dz, good_dz)}.", _DZ_RULE, key="dz"))
        if dslope.shape != slopes.shape:
            if dslope.shape == (z.shape[0],):
                return not_yet(_dslope_hint("dslope has one entry per sample: you summed over "
                                            "the channels (axis=1), but there is one slope per "
                                            "channel.", "Sum over the samples (axis 0) only."))
            if dslope.size == 1:
                return not_yet(_dslope_hint("dslope is a single number: the gradient of one "
                                            "shared slope, but each channel has its own.",
                                            "Sum over the samples (axis 0) only, one entry "
                                            "per channel."))
            return not_yet(f"dslope must have the shape of the slopes, {slopes.shape}; got "
                           f"{dslope.shape}.")
        if not close(dslope, good_dslope, scale=np.abs(good_dslope).max()):
            hint = next((h for f, h in _DSLOPE_MISTAKES if close(dslope, f(*args))), None)
            return not_yet(hint or _dslope_hint(f"for {case.label}: dslope "
                                                f"{difference(dslope, good_dslope)}.",
                                                _DSLOPE_RULE, key="dslope"))
    return correct("dz = dout * (1 if z > 0 else a), dslope = sum over samples of "
                   "dout * min(0, z).")
