"""Everything behind notebook 03 · SELU and self-normalization: the moment-map figure, the
explorer and the exercise checkers.

Reads: ``helpers.selu_theory`` (the moment map), ``helpers.propagation`` (random networks).
"""

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
from scipy.stats import chi2

from ._validation import (
    as_float_array,
    check_count,
    check_finite_real,
    check_pair,
    check_sequence,
    check_size,
)
from .activations import SELU_ALPHA, SELU_LAMBDA, selu, selu_grad
from .checking import (
    Case,
    Hint,
    check_cases,
    checker,
    correct,
    disagree,
    fresh_rng,
    not_yet,
    only_in,
    planted,
    random_shape,
    shape_label,
)
from .diagnostics import _trace  # every layer's input and output on the data, in eval mode
from .layers import Linear, check_model, leaf_layers
from .plotting import PALETTE, check_axes, curve_style, plot_layer_curves
from .propagation import propagate_seeds
from .selu_theory import (
    MIN_VARIANCE,
    THEOREM_1,
    THEOREM_2,
    derive_selu_constants,
    iterate_moment_map,
    moment_map,
)
from .widgets import explorer, explorer_figure


def plot_moment_map(mu_range=(-0.5, 0.5), nu_range=(0.5, 2.0), *, starts=(), steps=8,
                    omega=0.0, tau=1.0, ax=None, n_arrows=13):
    """The SELU moment map g as a vector field over (mu, nu), with a few trajectories.

    Each arrow goes from (mu, nu) towards g(mu, nu) (scaled to fit); each trajectory follows
    successive layers from a start point. The map's fixed point is marked: (0, 1) for
    omega = 0, tau = 1, elsewhere for other weights.

    Parameters
    ----------
    mu_range, nu_range : (float, float)
    starts : sequence of (mu, nu)
    steps : int
        Layers per trajectory.
    omega, tau : float
        Sum and sum of squares of the weights (0 and 1: normalised weights).
    ax : matplotlib Axes, optional
    n_arrows : int
        Arrows per axis.

    Returns
    -------
    matplotlib Axes
    """
    mu_range = check_pair(mu_range, "mu_range", increasing=True)
    nu_range = check_pair(nu_range, "nu_range", positive=True, increasing=True)
    starts = check_sequence(starts, "starts", "[(0.4, 1.8)]")
    for start in starts:
        if check_pair(start, "starts")[1] <= 0:
            raise ValueError(f"starts must be (mu, nu) pairs with a variance nu > 0; got "
                             f"{start!r}.")
    steps = check_count(steps, "steps", minimum=0)
    n_arrows = check_size(n_arrows, "n_arrows", minimum=2)
    omega = check_finite_real(omega, "omega")
    tau = check_finite_real(tau, "tau", minimum=0.0, exclusive=True)
    if nu_range[0] * tau < MIN_VARIANCE:
        raise ValueError(f"nu_range's low end times tau (the pre-activation's variance) must be "
                         f">= {MIN_VARIANCE:g}, where the moment map is accurate; got nu_range = "
                         f"{nu_range}, tau = {tau:g}.")
    check_axes(ax)
    mus = np.linspace(*mu_range, n_arrows)
    nus = np.linspace(*nu_range, n_arrows)
    grid_mu, grid_nu = np.meshgrid(mus, nus)
    try:  # the arrows, the trajectories and the fixed point
        new = np.array([[moment_map(m, n, omega, tau) for m, n in zip(row_mu, row_nu,
                                                                       strict=True)]
                        for row_mu, row_nu in zip(grid_mu, grid_nu, strict=True)])
        paths = [iterate_moment_map(m, n, steps, omega, tau) for m, n in starts]
        fixed = np.round(iterate_moment_map(0.0, 1.0, 500, omega, tau)[-1], 4) + 0.0  # no "-0"
    except ValueError as error:  # an overflow at the far end of the ranges, or for the weights
        raise ValueError(f"the moment map cannot be drawn over mu_range = {mu_range}, nu_range "
                         f"= {nu_range} (starts {starts}) with omega = {omega:g}, tau = "
                         f"{tau:g}: {error}") from None
    if ax is None:
        _, ax = plt.subplots(figsize=(6.5, 5))
    ax.quiver(grid_mu, grid_nu, new[..., 0] - grid_mu, new[..., 1] - grid_nu, color="0.55",
              angles="xy")
    for i, ((m, n), path) in enumerate(zip(starts, paths, strict=True)):
        style = {**curve_style(i + 1, steps + 1), "markevery": 1, "markersize": 4}
        ax.plot(path[:, 0], path[:, 1], label=f"start ({m:g}, {n:g})", **style)
    ax.plot([fixed[0]], [fixed[1]], marker="*", markersize=14, color="black", linestyle="none",
            label=f"fixed point ({fixed[0]:g}, {fixed[1]:g})")
    ax.set_xlabel("mean of the inputs, mu")
    ax.set_ylabel("variance of the inputs, nu")
    ax.set_title(f"SELU moment map g (omega = {omega:g}, tau = {tau:g})")
    ax.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1.0))  # off the arrows
    return ax


def plot_variance_map(nu_in, nu_out, *, starts=(), steps=8, ax=None):
    """One layer's variance map nu_out(nu_in) against the diagonal, and its cobweb.

    Where the curve crosses the diagonal a layer leaves the variance unchanged: a fixed point.
    Each start is followed layer by layer: up to the curve (one layer), across to the
    diagonal (its output is the next layer's input). Between the given points the curve is
    interpolated linearly.

    Parameters
    ----------
    nu_in : 1-D array, increasing
        Input variances.
    nu_out : 1-D array, same length
        The output variance for each input variance (measured or computed).
    starts : sequence of float
        Input variances to follow, within [nu_in[0], nu_in[-1]].
    steps : int
        Layers per start.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes
    """
    nu_in = as_float_array(nu_in, "nu_in")
    if nu_in.ndim != 1 or nu_in.size < 2 or not np.all(np.isfinite(nu_in)) or np.any(
            nu_in[1:] <= nu_in[:-1]):  # compared, not subtracted: no overflow at 3.4e38
        raise ValueError(f"nu_in must be a 1-D array of at least 2 finite, strictly increasing "
                         f"variances (np.linspace(0.1, 3, 30), say); got {nu_in!r:.60}.")
    nu_out = as_float_array(nu_out, "nu_out")
    if nu_out.shape != nu_in.shape or not np.all(np.isfinite(nu_out)):
        raise ValueError(f"nu_out must hold one finite output variance per entry of nu_in "
                         f"({nu_in.size} numbers); got {nu_out!r:.60}.")
    starts = [check_finite_real(s, "starts")
              for s in check_sequence(starts, "starts", "[0.2, 2.8]")]
    if any(not nu_in[0] <= s <= nu_in[-1] for s in starts):
        raise ValueError(f"starts must lie within nu_in's range [{nu_in[0]:g}, {nu_in[-1]:g}]; "
                         f"got {starts}.")
    steps = check_count(steps, "steps", minimum=1)
    check_axes(ax)
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 5), layout="constrained")
    ax.plot(nu_in, nu_out, color="black", linewidth=2, label="one layer: variance out")
    ax.plot(nu_in, nu_in, color="0.6", linestyle=":", label="diagonal: out = in")
    for i, start in enumerate(starts):
        x, y = [start], [start]
        for _ in range(steps):
            out = float(np.interp(x[-1], nu_in, nu_out))
            x += [x[-1], out]
            y += [out, out]
        ax.plot(x[:-1], y[:-1], color=PALETTE[(i + 1) % len(PALETTE)], linewidth=1.2,
                marker="o", markersize=3, label=f"start {start:g}, {steps} layers")
    gap = nu_out - nu_in
    for k in np.flatnonzero(np.sign(gap[:-1]) * np.sign(gap[1:]) < 0):  # the curve crosses
        fixed = nu_in[k] + (nu_in[k + 1] - nu_in[k]) * gap[k] / (gap[k] - gap[k + 1])
        ax.plot([fixed], [fixed], marker="*", markersize=14, color="black", linestyle="none",
                label=f"fixed point, about {fixed:.2f}")
    ax.set_xlabel("variance of a layer's inputs")
    ax.set_ylabel("variance of its outputs")
    ax.legend(fontsize="small")
    return ax


def selu_figure(depth=64, gain=1.0, input_mean=0.0, input_std=1.0, width=128, seeds=(0, 1, 2),
                n_samples=32):
    """The figure behind `selu_explorer`: per-layer mean and variance of a random SELU net,
    fed a batch of `n_samples` inputs (32: a redraw stays under half a second)."""
    stats = propagate_seeds("selu", seeds=seeds, depth=depth, width=width, init="lecun",
                            gain=gain, input_mean=input_mean, input_std=input_std,
                            n_samples=n_samples)
    fig, axes = explorer_figure(2)
    plot_layer_curves({"SELU": stats.mean}, ylabel="mean of activations", ax=axes[0],
                      title="Mean per layer (target 0)")
    plot_layer_curves({"SELU": stats.var}, ylabel="variance of activations", ax=axes[1],
                      title="Variance per layer (target 1)", logy=True)
    axes[0].axhline(0, color="0.6", linestyle=":")
    axes[1].axhline(1, color="0.6", linestyle=":")
    fig.suptitle(f"LeCun init x {gain:g}, inputs N({input_mean:g}, {input_std:g}²), "
                 f"width {width}, {len(seeds)} seeds")
    return fig



def selu_explorer():
    """Sliders for depth, weight scale and the inputs' mean and spread over `selu_figure`.
    Depths stop at 64 so that a redraw stays under half a second on two cores.

    Returns
    -------
    ipywidgets.interactive
    """
    return explorer(
        selu_figure,
        depth=widgets.IntSlider(value=32, min=4, max=64, step=4, description="depth"),
        gain=widgets.FloatSlider(value=1.0, min=0.5, max=2.0, step=0.05,
                                 description="init scale"),
        input_mean=widgets.FloatSlider(value=0.0, min=-3.0, max=3.0, step=0.25,
                                       description="input mean"),
        input_std=widgets.FloatLogSlider(value=1.0, base=10, min=-1, max=1, step=0.1,
                                         description="input std"),
    )


# --- SELU's domain per unit ----------------------------------------------------------------

def unit_weight_sums(model):
    """omega_j = sum_i w_ij and tau_j = sum_i w_ij² of every unit j of every hidden layer.

    The SNN paper's theorems hold for units whose weights have omega and tau in given ranges
    (``selu_theory.THEOREM_1`` ...); these are the numbers to compare with them. Weights are
    (fan_in, fan_out), so unit j's weights are column j. Every Linear layer but the last (the
    output layer, which feeds the softmax, not an activation) counts; biases are left out, as
    in the theorems.

    Parameters
    ----------
    model : helpers.layers.Sequential

    Returns
    -------
    (omega, tau) : two lists with one 1-D array per hidden layer, its units' omega_j and tau_j

    Examples
    --------
    >>> from helpers.models import mlp
    >>> omega, tau = unit_weight_sums(mlp(4, [3, 2], 2, rng=np.random.default_rng(0)))
    >>> [o.shape for o in omega]
    [(3,), (2,)]
    """
    linears = [layer for layer in leaf_layers(check_model(model, sequential=True))
               if isinstance(layer, Linear)][:-1]
    if not linears:
        raise ValueError("model has no hidden layer (a single Linear layer): omega and tau "
                         "describe the units of hidden layers; build it with hidden=[64, ...].")
    omega = [layer.params["W"].sum(axis=0) for layer in linears]
    tau = [np.square(layer.params["W"]).sum(axis=0) for layer in linears]
    return omega, tau


def variance_over_independent(model, X):
    """Per hidden layer, how much its units' pre-activation variance owes to correlated inputs.

    The moment map assumes independent inputs, so that z_j = sum_i w_ij x_i has the variance
    sum_i w_ij² Var(x_i) (tau_j nu, for inputs of one variance nu). Measured on the data X
    (evaluation mode), each hidden layer gives the median over its units of
    Var(z_j) / sum_i w_ij² Var(x_i): 1 for uncorrelated inputs, above 1 when positively
    correlated inputs add up. Units whose weights or inputs give 0 in the denominator are
    left out.

    Parameters
    ----------
    model : helpers.layers.Sequential
    X : array_like, shape (N, D)

    Returns
    -------
    ndarray, one ratio per hidden layer (every Linear layer but the output layer)
    """
    trace = _trace(model, X, Linear)[:-1]  # check_model and check_data inside
    if not trace:
        raise ValueError("model has no hidden layer (a single Linear layer): build it with "
                         "hidden=[64, ...].")
    ratios = []
    for _, layer, x, z in trace:
        independent = np.square(layer.params["W"]).T @ x.var(axis=0)
        usable = independent > 0
        ratios.append(float(np.median(z.var(axis=0)[usable] / independent[usable]))
                      if usable.any() else np.nan)
    return np.array(ratios)


def tau_in_range_probability(fan_in, low=THEOREM_1["tau"][0], high=THEOREM_1["tau"][1]):
    """P(low <= tau_j <= high) for a unit with LeCun-normal weights, w ~ N(0, 1 / fan_in).

    tau_j = sum of fan_in squared weights is chi² with fan_in degrees of freedom, divided by
    fan_in: mean 1, standard deviation sqrt(2 / fan_in). The default range is Theorem 1's.

    Parameters
    ----------
    fan_in : int
    low, high : float, 0 <= low < high

    Returns
    -------
    float

    Examples
    --------
    >>> round(tau_in_range_probability(64), 3)
    0.318
    """
    fan_in = check_size(fan_in, "fan_in")
    low = check_finite_real(low, "low", minimum=0.0)
    high = check_finite_real(high, "high", minimum=0.0)
    if not low < high:
        raise ValueError(f"low and high must satisfy low < high; got low = {low}, high = {high}.")
    return float(chi2.cdf(high * fan_in, fan_in) - chi2.cdf(low * fan_in, fan_in))


def _check_samples(samples):
    if not isinstance(samples, dict) or not samples:
        raise TypeError(f"samples must be a non-empty dict label -> 1-D array of tau_j, e.g. "
                        f"{{'at initialisation': tau}}; got {samples!r:.60}.")
    checked = {}
    for label, values in samples.items():
        name = f"samples[{label!r}]"
        values = as_float_array(values, name)
        if values.ndim != 1 or values.size == 0:
            raise ValueError(f"{name} must be a 1-D array of at least one tau_j; got shape "
                             f"{values.shape}.")
        if not np.all(np.isfinite(values)):
            raise ValueError(f"{name} must be finite; got {values!r:.60}.")
        if np.any(values < 0):
            raise ValueError(f"{name} must be >= 0 (sums of squares); got minimum "
                             f"{values.min():g}.")
        checked[str(label)] = values
    return checked


def plot_tau_histograms(samples, *, ax=None, bins=40):
    """Histograms of tau_j (one per label) over the tau ranges of the SNN paper's theorems.

    Theorem 1's range, [0.95, 1.1], is shaded dark; the wider [0.8, 1.25] of Theorems 2 and 3
    light.

    Parameters
    ----------
    samples : dict
        Label -> 1-D array of tau_j (>= 0).
    ax : matplotlib Axes, optional
    bins : int
        Bins over the common range of all samples.

    Returns
    -------
    matplotlib Axes
    """
    samples = _check_samples(samples)
    bins = check_size(bins, "bins")
    check_axes(ax)
    if ax is None:
        _, ax = plt.subplots(figsize=(6.5, 3.2), layout="constrained")
    every = np.concatenate(list(samples.values()))
    low, high = float(every.min()), float(every.max())
    edges = np.linspace(low, high if high > low else low + 1.0, bins + 1)
    for i, (label, values) in enumerate(samples.items()):
        ax.hist(values, bins=edges, density=True, histtype="step", linewidth=1.8,
                color=PALETTE[i % len(PALETTE)], label=label)
    wide, narrow = THEOREM_2["tau"], THEOREM_1["tau"]
    ax.axvspan(*narrow, color="0.75", zorder=0,
               label=f"Theorem 1: tau in [{narrow[0]:g}, {narrow[1]:g}]")
    ax.axvspan(*wide, color="0.9", zorder=-1,
               label=f"Theorems 2 and 3: tau in [{wide[0]:g}, {wide[1]:g}]")
    ax.set_xlabel("tau_j, the sum of a unit's squared weights")
    ax.set_ylabel("density of units")
    ax.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return ax


# --- exercises -----------------------------------------------------------------------------

def _selu_cases(rng):
    """Fresh z arrays with one, two and three axes of random sizes, float64 and float32, with
    planted at random places: 0, -0, tiny positives and negatives down to the smallest
    subnormal (where a shifted branch test shows), deep negatives (-30, -50, and -700 or -80,
    where the slope is tiny but not 0, and -1e3, where it is 0) and large positives up to the
    dtype's largest (where exp(z) overflows)."""
    cases = []
    for ndim, dtype in [(1, np.float64), (2, np.float32), (3, np.float64)]:
        info = np.finfo(dtype)
        deepest = -700.0 if dtype == np.float64 else -80.0
        edges = [0.0, -0.0, info.smallest_subnormal, -info.smallest_subnormal, 1e-10, -1e-10,
                 1e-3, -1e-3, -30.0, -50.0, deepest, -1e3, -info.max, 2.5, 100.0, 1e3,
                 info.max]
        z = planted(rng, random_shape(rng, ndim, min_size=2 * len(edges)), dtype, edges)
        cases.append(Case((z,), shape_label(z)))
    return cases


SELU_GRAD_CODE = "np.where(z > 0, LAMBDA, LAMBDA * ALPHA * np.exp(np.minimum(z, 0)))"
_SELU_GRAD_RULE = "The slope is lambda for z > 0 and lambda * alpha * exp(z) for z <= 0."


def _selu_grad_hint(*levels, key=None):
    """The levels, then the code (np.minimum keeps exp from overflowing for large z)."""
    return Hint([*levels, f"In numpy: {SELU_GRAD_CODE}."], key=key)


_OVERFLOW = ("Compute exp only where it is used: on z clipped at 0 (exp of a number <= 0 "
             "is at most 1), or on the entries with z <= 0 alone.")


def _selu_grad_diagnosis(got, expected, z):
    """Overflow (NaN or inf for large z), a shifted branch test, float32 answers for float64
    inputs, cancellation (right to 1e-16 or so, but not relatively), slopes cut to 0."""
    wrong = disagree(got, expected)
    if only_in(wrong, z > 0) and np.any(np.isnan(got[wrong])):
        return _selu_grad_hint(
            f"for a large z (here {float(z[wrong & np.isnan(got)].min()):.3g}) yours is nan: "
            "exp(z) overflows to inf there, and inf times a mask of 0 is NaN.", _OVERFLOW,
            key="overflow")
    if only_in(wrong, z > 0) and not np.any((z > 0) & ~wrong & (z > z[wrong].min())):
        return _selu_grad_hint(
            f"for z >= {float(z[wrong].min()):.3g} yours is not lambda: an upper cutoff, or a "
            "test that lets large z into the other branch.", "The slope is lambda for every "
            "positive z, however large.", key="large")
    for region, what in [((z > 0) & (z < 1e-3), "positive"), ((z <= 0) & (z > -1e-3),
                                                               "non-positive")]:
        if only_in(wrong, region):
            return _selu_grad_hint(
                f"a tiny {what} z (here {float(z[wrong][0]):.3g}) got the other branch's "
                "slope: your test compares with a small threshold, not with 0.",
                "z > 0 gets lambda, z <= 0 gets lambda * alpha * exp(z), however close to 0.",
                key="threshold")
    if got.dtype.itemsize < z.dtype.itemsize:
        return _selu_grad_hint(
            f"you return {got.dtype} for {z.dtype} input: tiny slopes (here at z = "
            f"{float(z[wrong].max()):g}) lose their digits or become 0 in the smaller dtype.",
            "Compute in z's own dtype: do not cast the result.", key="dtype")
    digits = 16 * np.finfo(got.dtype).eps  # what rounding near lambda * alpha leaves
    lost = wrong & (z < 0) & (got != 0) & (np.abs(got - expected) < digits)
    if lost.any():
        return _selu_grad_hint(
            f"at z = {float(z[lost].max()):g} your slope is right to about 1e-16 but not "
            "relatively: the true slope there is tiny, and yours subtracts two numbers near "
            "lambda * alpha (as selu(z) + lambda * alpha does, or lambda * alpha * (exp(z) - 1) "
            "+ lambda * alpha), which cancels its digits.", "Compute lambda * alpha * exp(z) "
            "directly: exp keeps its relative precision for every z.", key="cancellation")
    lost = (got == 0) & (expected > 0)
    if lost.any():
        return _selu_grad_hint(
            f"at z = {float(z[lost].max()):g} you return exactly 0, but the slope there is "
            f"{float(expected[lost].max()):.3g}: tiny, never 0 (that is why SELU units cannot "
            "die).", "Compute lambda * alpha * exp(z) for every z <= 0, in z's dtype: do not "
            "cut it off.", key="never zero")
    return None


def _math_overflow(error):
    if isinstance(error, OverflowError):  # math.exp of a large z, in a loop over the entries
        return _selu_grad_hint(f"your function raised OverflowError ({error}): exp of a large "
                               "z is too large for a float.", _OVERFLOW, key="overflow")
    return None


@checker
def check_selu_grad(candidate):
    """Check a reader's ``selu_grad(z)``: lambda for z > 0, lambda alpha exp(z) for z <= 0.

    Each call draws fresh inputs (one, two and three axes of random sizes, float64 and
    float32, with 0, tiny values of both signs, deep negatives and large positives up to the
    dtype's largest); the comparison is relative, so that tiny slopes count, and an answer
    that overflows on the way (exp of a large z) is not yet right.

    Examples
    --------
    >>> from helpers.activations import selu_grad
    >>> check_selu_grad(selu_grad)
    Correct! lambda for z > 0 and lambda * alpha * exp(z) for z <= 0.
    """
    lam, alpha = SELU_LAMBDA, SELU_ALPHA

    def e(z):
        return np.exp(np.minimum(z, 0))

    mistakes = [
        (lambda z: np.where(z > 0, 1.0, alpha * e(z)), _selu_grad_hint(
            "the factor lambda is missing: SELU is lambda times an ELU, so both branches of "
            "the derivative carry lambda.", _SELU_GRAD_RULE)),
        (lambda z: np.where(z > 0, lam, alpha * e(z)), _selu_grad_hint(
            "the negative branch is missing lambda (the positive one has it).",
            _SELU_GRAD_RULE)),
        (lambda z: np.where(z > 0, lam, lam * e(z)), _selu_grad_hint(
            "the negative branch is missing alpha: its value at z = 0 should be "
            "lambda * alpha = 1.7581.", _SELU_GRAD_RULE)),
        (lambda z: np.where(z > 0, lam, lam * alpha * (e(z) - 1)), _selu_grad_hint(
            "for z <= 0 you kept the -1 of the function, lambda * alpha * (exp(z) - 1); "
            "differentiate it.", "The derivative of exp(z) - 1 is exp(z): the -1 "
            "disappears.")),
        (lambda z: np.where(z >= 0, lam, lam * alpha * e(z)), _selu_grad_hint(
            "right except at exactly z = 0, where the course takes the z <= 0 branch.",
            "Make your test strict: z = 0 gets lambda * alpha, not lambda.")),
        (selu, _selu_grad_hint("you returned selu itself, not its derivative.",
                               _SELU_GRAD_RULE)),
        (lambda z: selu(z) + lam * alpha, _selu_grad_hint(
            "you used the slope written with the output, selu(z) + lambda * alpha, for every "
            "z: it holds for z <= 0 only. For z > 0 the slope is lambda.", "Keep two branches: "
            "lambda where z > 0, and for z <= 0 the slope itself, lambda * alpha * exp(z) "
            "(which keeps its digits where selu(z) + lambda * alpha cancels).")),
    ]
    problem = check_cases(
        candidate, _selu_cases(fresh_rng()), selu_grad, mistakes,
        diagnose=_selu_grad_diagnosis, rule=(_SELU_GRAD_RULE, f"In numpy: {SELU_GRAD_CODE}."),
        raised=_math_overflow, overflow=_selu_grad_hint(
            "the values are right, but computing them overflowed: exp of a large z is inf, "
            "with a RuntimeWarning, even though your branch test then throws it away. That is "
            "the pattern this notebook warns about (and whoever runs your code sees the "
            "warning).", _OVERFLOW, key="overflow, discarded"))
    if problem is not None:
        return problem
    return correct("lambda for z > 0 and lambda * alpha * exp(z) for z <= 0.")


# The constants are accepted to 4 decimal places: enough to reproduce the fixed point to about
# 1e-4, and what a reader copying printed numbers has.
CONSTANTS_TOLERANCE = 1e-4


def _solve_hint(mean, var, *levels, key=None):
    """The levels, then how to solve the fixed-point equations, then the code."""
    if mean == 0:
        method = ("For mean 0 the mean equation involves alpha alone: find the alpha at which "
                  f"g({mean:g}, {var:g}) with lam = 1 has mean 0 (brentq), then scale lam so "
                  f"that the variance is {var:g} (it grows like lam²).")
        m, v = float(mean), float(var)
        code = (f"In code (brentq from scipy.optimize): alpha = brentq(lambda a: "
                f"selu_theory.moment_map({m!r}, {v!r}, alpha=a, lam=1.0)[0], 0.1, 100.0); "
                f"lam = np.sqrt({v!r} / selu_theory.moment_map({m!r}, {v!r}, alpha=alpha, "
                "lam=1.0)[1]).")
    else:
        method = (f"With (A, V) = moment_map({mean:g}, {var:g}, alpha=a, lam=1.0), the "
                  f"equations are lam A = {mean:g} and lam² V = {var:g}: solve A / sqrt(V) = "
                  f"{mean:g} / sqrt({var:g}) for a (brentq), then lam = sqrt({var:g} / V).")
        code = (f"selu_theory.derive_selu_constants({mean:g}, {var:g}) does exactly this; "
                "compare its steps with yours.")
    return Hint([*levels, method, code], key=key and f"{key} at ({mean:g}, {var:g})")


@checker
def check_fixed_point_constants(answer, mean=0.0, var=2.0):
    """Check (alpha, lam) that make (mean, var) a fixed point of the SELU moment map
    (omega = 0, tau = 1), against ``helpers.selu_theory.derive_selu_constants``; right to
    4 decimal places is enough.

    Examples
    --------
    >>> from helpers.selu_theory import derive_selu_constants
    >>> check_fixed_point_constants(derive_selu_constants(0.0, 2.0))
    Correct! With these constants (0, 2) is a fixed point: mean 0 and variance 2 stay put.
    """
    if answer is None or answer is Ellipsis:
        return not_yet("fill in my_answer = (alpha, lam), the two numbers you found.")
    try:
        if isinstance(answer, str) or any(np.iscomplexobj(v) or np.ndim(v) for v in answer):
            raise TypeError  # an array inside: numpy 2.0 only warns when float() gets one
        alpha, lam = (float(v) for v in answer)
    except (TypeError, ValueError, OverflowError):
        return not_yet(f"give two numbers, (alpha, lam); got {answer!r:.60}.")

    def near(a, b):
        return abs(a - b) <= CONSTANTS_TOLERANCE

    def near_pair(got, want):
        return near(got[0], want[0]) and near(got[1], want[1])

    want_alpha, want_lam = derive_selu_constants(mean, var)
    if near(alpha, want_alpha) and near(lam, want_lam):
        return correct(f"With these constants ({mean:g}, {var:g}) is a fixed point: mean "
                       f"{mean:g} and variance {var:g} stay put.")
    if near(alpha, want_lam) and near(lam, want_alpha):
        return not_yet("the right numbers in the wrong order: (alpha, lam).")
    if near(alpha, SELU_ALPHA) and near(lam, SELU_LAMBDA):
        return not_yet(_solve_hint(mean, var, "those are SELU's constants, made for the fixed "
                                   f"point (0, 1); solve for ({mean:g}, {var:g})."))
    authors = derive_selu_constants(mean, var, omega=1.0, tau=1.0)
    if near(alpha, authors[0]) and near(lam, authors[1]):
        return not_yet(_solve_hint(
            mean, var, f"these constants make ({mean:g}, {var:g}) a fixed point when the "
            f"pre-activation is z ~ N({mean:g}, {var:g}), the convention of the SNN authors' "
            "getSELUparameters (omega = 1, tau = 1). This exercise uses normalised weights, "
            f"omega = 0 and tau = 1: z ~ N(0, {var:g})."))
    for other in (np.sqrt(var), var**2):  # the variance read as a standard deviation, or so
        try:
            confused = derive_selu_constants(mean, other)
        except ValueError:  # no constants for that point
            continue
        if other != var and near_pair((alpha, lam), confused):
            return not_yet(_solve_hint(
                mean, var, f"these constants make ({mean:g}, {other:.4g}) a fixed point: a "
                f"variance of {other:.4g}, where the exercise asks for variance {var:g} "
                f"(standard deviation {np.sqrt(var):.4g}). The moment map's second number is "
                "a variance, not a standard deviation.", key="std"))
    if not (np.isfinite(alpha) and np.isfinite(lam) and alpha > 0 and lam > 0):
        return not_yet("both constants must be positive, finite numbers.")
    try:
        got_mean, got_var = moment_map(mean, var, 0.0, 1.0, alpha=alpha, lam=lam)
    except (ValueError, OverflowError):
        return not_yet(f"with alpha = {alpha:g} and lam = {lam:g} the moments overflow: the "
                       "constants are far from the solution (both are of order 1).")
    off_mean, off_var = got_mean - mean, got_var - var
    if abs(off_mean) < 1e-3 and abs(off_var) < 1e-3 * var:
        return not_yet(f"close: g({mean:g}, {var:g}) = ({got_mean:.7f}, {got_var:.7f}), off by "
                       f"{off_mean:.2g} and {off_var:.2g}. Give both constants to at least 4 "
                       "decimal places (brentq finds them to 15).")
    if abs(off_mean) < 1e-6:
        return not_yet(_solve_hint(mean, var, "the mean is fixed but the variance is not: g "
                                   f"gives {got_var:.6f} instead of {var:g}. Solve both "
                                   "equations.", key="variance"))
    if abs(off_var) < 1e-6 * var:
        return not_yet(_solve_hint(mean, var, "the variance is fixed but the mean is not: g "
                                   f"gives {got_mean:.6f} instead of {mean:g}. Solve both "
                                   "equations.", key="mean"))
    return not_yet(_solve_hint(mean, var, f"with these constants g({mean:g}, {var:g}) = "
                               f"({got_mean:.6f}, {got_var:.6f}); both must equal "
                               f"({mean:g}, {var:g}).", key="both"))
