"""Everything behind notebook 04 · Types of normalization: batch statistics over training
steps (figure and explorer) and the exercise checkers.

Reads: ``helpers.layers`` (BatchNorm1d, LayerNorm), ``helpers.scalers``.
"""

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np

from ._validation import check_positive_int, check_rng
from .checking import call, correct, matches, not_yet, verdict
from .layers import BatchNorm1d
from .plotting import PALETTE
from .training import check_data
from .widgets import explorer


def batchnorm_trace(X, *, batch_size, momentum=0.1, steps=200, rng, feature=0):
    """Feed random batches of X through a fresh BatchNorm1d in training mode and record, for
    one feature, each batch's mean and the running mean after each step.

    Parameters
    ----------
    X : array_like, shape (N, D)
        The "population" the batches are drawn from.
    batch_size : int >= 2
    momentum : float in (0, 1]
    steps : int
    rng : numpy.random.Generator
    feature : int

    Returns
    -------
    dict with "batch_mean" and "running_mean" (arrays of shape (steps,)), "population_mean"
    (float), and "gap": the mean absolute difference between batch and population means,
    i.e. what the network sees in training minus what it uses in evaluation.
    """
    X, _ = check_data(X, None)
    batch_size = check_positive_int(batch_size, "batch_size", minimum=2)
    steps = check_positive_int(steps, "steps")
    check_rng(rng)
    bn = BatchNorm1d(X.shape[1], momentum=momentum)
    batch_mean, running_mean = np.empty(steps), np.empty(steps)
    for step in range(steps):
        batch = X[rng.choice(X.shape[0], size=batch_size, replace=False)]
        bn.forward(batch)
        batch_mean[step] = batch[:, feature].mean()
        running_mean[step] = bn.running_mean[feature]
    population = float(X[:, feature].mean())
    return {"batch_mean": batch_mean, "running_mean": running_mean,
            "population_mean": population,
            "gap": float(np.mean(np.abs(batch_mean - population)))}



def plot_batchnorm_trace(trace, *, ax=None, title=None):
    """Batch means, running mean and population mean of one feature over training steps.

    Parameters
    ----------
    trace : dict
        From ``helpers.diagnostics.batchnorm_trace``.
    ax : matplotlib Axes, optional
    title : str, optional

    Returns
    -------
    matplotlib Axes
    """
    if not isinstance(trace, dict) or "batch_mean" not in trace:
        raise TypeError("trace must be the dict returned by diagnostics.batchnorm_trace.")
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 4))
    steps = np.arange(1, len(trace["batch_mean"]) + 1)
    ax.plot(steps, trace["batch_mean"], color=PALETTE[2], linewidth=0.8,
            label="batch mean (used in training)")
    ax.plot(steps, trace["running_mean"], color=PALETTE[5], linewidth=2,
            label="running mean (used in evaluation)")
    ax.axhline(trace["population_mean"], color="black", linestyle="--",
               label="mean over the whole data set")
    ax.set_xlabel("training step")
    ax.set_ylabel("mean of one feature")
    ax.set_title(title or f"mean |batch - data set| = {trace['gap']:.3f}")
    ax.legend(fontsize="small", loc="lower right")
    return ax



def batchnorm_figure(X, batch_size=32, momentum=0.1, seed=0, steps=200):
    """The figure behind `batchnorm_explorer`: batch vs running vs data-set mean of feature 0."""
    trace = batchnorm_trace(X, batch_size=batch_size, momentum=momentum, steps=steps,
                            rng=np.random.default_rng(seed))
    fig, ax = plt.subplots(figsize=(8, 4), layout="constrained")
    plot_batchnorm_trace(trace, ax=ax, title=f"batch size {batch_size}, momentum {momentum:g}: "
                                             f"mean |batch - data set| = {trace['gap']:.3f}")
    return fig



def batchnorm_explorer(X):
    """Sliders for batch size and momentum over `batchnorm_figure`.

    Parameters
    ----------
    X : array_like, shape (N, D): the data set the batches come from.

    Returns
    -------
    ipywidgets.interactive
    """
    return explorer(
        lambda batch_size, momentum: batchnorm_figure(X, batch_size, momentum),
        batch_size=widgets.IntSlider(value=32, min=2, max=256, step=2, description="batch size"),
        momentum=widgets.FloatLogSlider(value=0.1, base=10, min=-3, max=0, step=0.25,
                                        description="momentum"),
    )


# --- exercises -----------------------------------------------------------------------------

def _bn_inputs():
    rng = np.random.default_rng(4)
    x = rng.normal(2.0, 3.0, (6, 4))
    x[:, 3] = 5.0  # a constant feature: only eps keeps its normalisation finite
    return x, np.array([1.0, 2.0, 0.5, 1.5]), np.array([0.0, -1.0, 0.3, 0.2])


def check_batchnorm_forward(candidate, eps=1e-5):
    """Check a reader's ``batchnorm_forward(x, gamma, beta, eps)`` in training mode: normalise
    each feature with the batch mean and the *biased* batch variance, then scale and shift.

    Examples
    --------
    >>> def bn(x, g, b, eps):
    ...     return g * (x - x.mean(0)) / np.sqrt(x.var(0) + eps) + b
    >>> check_batchnorm_forward(bn)
    Correct! Batch mean, biased batch variance, eps inside the square root, then gamma and beta.
    """
    x, gamma, beta = _bn_inputs()
    out, problem = call(candidate, x, gamma, beta, eps)
    if problem is not None:
        return verdict(problem)
    if np.shape(out) != x.shape:
        return not_yet(f"the output must have the shape of x, {x.shape}; got {np.shape(out)}.")
    out = np.asarray(out, dtype=float)

    def bn(mean_axis=0, ddof=0, eps_=eps, affine=True):
        mean = x.mean(axis=mean_axis, keepdims=True)
        var = x.var(axis=mean_axis, ddof=ddof, keepdims=True)
        with np.errstate(divide="ignore", invalid="ignore"):
            x_hat = (x - mean) / np.sqrt(var + eps_)
        return gamma * x_hat + beta if affine else x_hat

    if np.allclose(out, bn(), rtol=1e-9, atol=1e-9):
        return correct("Batch mean, biased batch variance, eps inside the square root, then "
                       "gamma and beta.")
    if not np.all(np.isfinite(out)):
        return not_yet("the output holds NaN or inf: the last feature is constant, so its "
                       "variance is 0. Add eps inside the square root: sqrt(var + eps).")
    mistakes = [
        (bn(ddof=1), "you used the unbiased variance (ddof=1). Batch norm normalises with the "
         "biased batch variance (divide by N); the unbiased one only feeds the running "
         "variance."),
        (bn(eps_=0.0), "eps is missing: without it a constant feature divides by zero."),
        (bn(mean_axis=1), "you normalised each sample over its features (axis=1): that is layer "
         "norm. Batch norm normalises each feature over the batch (axis=0)."),
        (bn(affine=False), "the normalisation is right; now scale by gamma and shift by beta."),
        (gamma * (x - x.mean(0)) / (x.std(0) + eps) + beta, "eps goes inside the square root: "
         "sqrt(var + eps), not std + eps."),
    ]
    for wrong, hint in mistakes:
        with np.errstate(invalid="ignore"):
            if np.allclose(out, wrong, rtol=1e-9, atol=1e-9, equal_nan=True):
                return not_yet(hint)
    return not_yet("not yet the batch-norm output; check the mean, the variance and eps.")


def _scaler_inputs():
    rng = np.random.default_rng(5)
    train = rng.normal([10.0, -3.0, 1000.0], [2.0, 0.5, 300.0], (30, 3))
    test = rng.normal([12.0, -2.0, 1400.0], [2.0, 0.5, 300.0], (10, 3))  # a shifted test set
    return train, test


def check_train_only_scaler(candidate):
    """Check a reader's ``standardize(X_train, X_test) -> (train_scaled, test_scaled)`` that
    fits the statistics on the training split only.

    Examples
    --------
    >>> def ok(tr, te):
    ...     m, s = tr.mean(0), tr.std(0)
    ...     return (tr - m) / s, (te - m) / s
    >>> check_train_only_scaler(ok)
    Correct! Mean and standard deviation from the training split, applied to both splits.
    """
    train, test = _scaler_inputs()
    out, problem = call(candidate, train, test)
    if problem is not None:
        return verdict(problem)
    if not (isinstance(out, tuple | list) and len(out) == 2):
        return not_yet("return two arrays: (train_scaled, test_scaled).")
    got_train, got_test = (np.asarray(v, dtype=float) for v in out)
    if got_train.shape != train.shape or got_test.shape != test.shape:
        return not_yet("each returned array must keep the shape of its input.")

    def scaled(fit_on, ddof=0):
        m, s = fit_on.mean(axis=0), fit_on.std(axis=0, ddof=ddof)
        return (train - m) / s, (test - m) / s

    def both_match(pair):
        return matches(got_train, pair[0]) and matches(got_test, pair[1])

    if both_match(scaled(train)):
        return correct("Mean and standard deviation from the training split, applied to "
                       "both splits.")
    if both_match(scaled(np.vstack([train, test]))):
        return not_yet("the statistics came from training AND test data: that leaks the test "
                       "set into preprocessing. Fit on X_train only.")
    m_te, s_te = test.mean(axis=0), test.std(axis=0)
    if matches(got_train, scaled(train)[0]) and matches(got_test, (test - m_te) / s_te):
        return not_yet("the test split was scaled with its own statistics; use the training "
                       "split's mean and standard deviation for both.")
    if matches(got_train, scaled(train)[0]) and matches(got_test, test):
        return not_yet("the test split is not scaled at all; apply the same transformation.")
    if both_match(scaled(train, ddof=1)):
        return not_yet("nearly: use the population standard deviation (ddof=0), as "
                       "scikit-learn's StandardScaler does.")
    return not_yet("not yet: subtract the training mean and divide by the training standard "
                   "deviation, feature by feature (axis=0).")

