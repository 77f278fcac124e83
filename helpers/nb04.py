"""Everything behind notebook 04 · Types of normalization: batch statistics over training
steps (figure and explorer) and the exercise checkers.

Reads: ``helpers.layers`` (BatchNorm1d, LayerNorm), ``helpers.scalers``.
"""

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np

from . import diagnostics
from ._validation import (
    check_choice,
    check_finite_real,
    check_positive_int,
    check_rng,
    check_seeds,
    check_text,
)
from .checking import (
    Case,
    Hint,
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
from .experiments import check_split
from .layers import NORMS, BatchNorm1d
from .losses import check_labels, softmax_cross_entropy
from .models import mlp
from .plotting import PALETTE, check_axes
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
    feature : int, default 0
        The column to follow. The running mean starts at 0: `offcentre_feature(X)`, the
        column whose mean is furthest from 0, shows best how fast it gets there.

    Returns
    -------
    dict with "batch_mean" and "running_mean" (arrays of shape (steps,)), "population_mean"
    (float), "feature" (its index), and "gap": the mean absolute difference between batch
    and population means, i.e. what the network sees in training minus what it uses in
    evaluation.

    Examples
    --------
    >>> X = np.random.default_rng(0).normal([0.0, 5.0], 1.0, (100, 2))
    >>> trace = batchnorm_trace(X, batch_size=10, rng=np.random.default_rng(0), feature=1)
    >>> round(trace["population_mean"]), round(trace["running_mean"][-1])
    (5, 5)
    """
    X = _population(X)
    batch_size = check_positive_int(batch_size, "batch_size", minimum=2)
    if batch_size > X.shape[0]:
        raise ValueError(f"batch_size must be at most the number of rows of X ({X.shape[0]}): "
                         f"batches are drawn without replacement; got {batch_size}.")
    steps = check_positive_int(steps, "steps")
    check_rng(rng)
    feature = check_positive_int(feature, "feature", minimum=-X.shape[1],
                                 maximum=X.shape[1] - 1) % X.shape[1]
    x = X[:, [feature]]  # batch norm treats every feature on its own: keep the one we trace
    bn = BatchNorm1d(1, momentum=momentum)
    batch_mean, running_mean = np.empty(steps), np.empty(steps)
    for step in range(steps):
        batch = x[rng.choice(x.shape[0], size=batch_size, replace=False)]
        bn.forward(batch)
        batch_mean[step] = batch.mean()
        running_mean[step] = bn.running_mean[0]
    population = float(x.mean())
    return {"batch_mean": batch_mean, "running_mean": running_mean,
            "population_mean": population, "feature": feature,
            "gap": float(np.mean(np.abs(batch_mean - population)))}


def offcentre_feature(X):
    """The column of X whose mean is furthest from 0, in units of its standard deviation
    (constant columns left out; 0 if every column is constant).

    Examples
    --------
    >>> offcentre_feature([[0.0, 10.0, 1.0], [2.0, 12.0, 1.0]])
    1
    """
    X = _population(X)
    mean, std = X.mean(axis=0), X.std(axis=0)
    varies = std > 0
    return int(np.argmax(np.where(varies, np.abs(mean) / np.where(varies, std, 1.0), -1.0)))



def gradient_norms_at_init(X, y, *, depth, norm, seeds, n_classes=10, width=64):
    """Weight-gradient norm of every hidden layer of fresh ReLU networks, on one batch.

    For each seed: a `depth`-layer ReLU MLP (He init, `norm` after each hidden Linear), one
    forward and backward pass in training mode on (X, y) with the cross-entropy loss, and
    ||dL/dW|| of each hidden Linear layer, first to last.

    Returns
    -------
    ndarray, shape (len(seeds), depth)
    """
    X, _ = check_data(X, None, "X")
    n_classes = check_positive_int(n_classes, "n_classes", minimum=2)
    y = check_labels(y, X.shape[0], n_classes, name="y")
    depth = check_positive_int(depth, "depth")
    width = check_positive_int(width, "width")
    if norm is not None:
        check_choice(norm, "norm", NORMS)
    rows = []
    for seed in check_seeds(seeds):
        net = mlp(X.shape[1], [width] * depth, n_classes,
                  rng=np.random.default_rng(seed), norm=norm)
        rows.append(diagnostics.hidden_weight_gradient_norms(net, X, y))
    return np.array(rows)


def gradient_smoothness(data, *, norm, seeds, lr=0.05, epochs=3, batch_size=64, width=64,
                        depth=8):
    """How fast the gradient changes along each training step (Santurkar et al. 2018).

    Trains a ReLU MLP with plain SGD (w -> w - lr g on each batch) and, at every step, also
    computes the gradient at the new weights on the same batch: the ratio
    ||g(w - lr g) - g(w)|| / ||lr g|| estimates how fast the gradient changes along the step
    (their "effective beta-smoothness" along the path training takes). Smaller means the
    gradient stays a good guide further ahead, so larger steps are safe.

    Returns
    -------
    ndarray, shape (len(seeds), epochs, steps per epoch)
    """
    check_split(data)
    lr = check_finite_real(lr, "lr", minimum=0.0, exclusive=True)
    epochs = check_positive_int(epochs, "epochs")
    batch_size = check_positive_int(batch_size, "batch_size", minimum=2)
    width, depth = check_positive_int(width, "width"), check_positive_int(depth, "depth")
    if norm is not None:
        check_choice(norm, "norm", NORMS)
    X, y = data.X_train, data.y_train
    n_batches = max(1, len(X) // batch_size)
    result = []
    for seed in check_seeds(seeds):
        rng = np.random.default_rng(seed)
        net = mlp(X.shape[1], [width] * depth, data.n_classes, rng=rng, norm=norm).train()

        def gradient(batch, net=net):
            _, dlogits = softmax_cross_entropy(net.forward(X[batch]), y[batch])
            net.backward(dlogits)
            return {k: g.copy() for k, g in net.grads.items()}

        ratios = []
        for _ in range(epochs):
            for batch in np.array_split(rng.permutation(len(X)), n_batches):
                before = gradient(batch)
                for key, param in net.params.items():
                    param -= lr * before[key]  # the SGD step training takes anyway
                after = gradient(batch)
                change = np.sqrt(sum(np.sum((after[k] - before[k]) ** 2) for k in before))
                step = lr * np.sqrt(sum(np.sum(g**2) for g in before.values()))
                ratios.append(change / step)
        result.append(np.reshape(ratios, (epochs, n_batches)))
    return np.array(result)


def _population(X):
    X, _ = check_data(X, None)
    if X.shape[0] < 2:
        raise ValueError(f"X must have at least 2 rows to draw batches from; got {X.shape}.")
    if X.shape[1] == 0:
        raise ValueError(f"X must have at least one column (a feature); got {X.shape}.")
    return X


def plot_batchnorm_trace(trace, *, ax=None, title=None):
    """Batch means, running mean and population mean of one feature over training steps.

    Parameters
    ----------
    trace : dict
        From `batchnorm_trace`.
    ax : matplotlib Axes, optional
    title : str, optional

    Returns
    -------
    matplotlib Axes
    """
    keys = {"batch_mean", "running_mean", "population_mean", "gap"}
    if not isinstance(trace, dict) or not keys <= set(trace):
        raise TypeError(f"trace must be the dict returned by nb04.batchnorm_trace (with keys "
                        f"{sorted(keys)}); got {trace!r:.60}.")
    check_text(title, "title", optional=True)
    if check_axes(ax) is None:
        _, ax = plt.subplots(figsize=(7, 4))
    steps = np.arange(1, len(trace["batch_mean"]) + 1)
    ax.plot(steps, trace["batch_mean"], color=PALETTE[2], linewidth=0.8,
            label="batch mean (used in training)")
    ax.plot(steps, trace["running_mean"], color=PALETTE[4], linewidth=2,
            label="running mean (used in evaluation; starts at 0)")
    ax.axhline(trace["population_mean"], color="black", linestyle="--",
               label="mean over the whole data set")
    ax.set_xlabel("training step")
    feature = trace.get("feature")
    ax.set_ylabel("mean of one feature" if feature is None else f"mean of feature {feature}")
    ax.set_title(title or f"mean |batch - data set| = {trace['gap']:.3f}")
    ax.legend(fontsize="small", loc="best")
    return ax



def batchnorm_figure(X, batch_size=32, momentum=0.1, seed=0, steps=200, feature=None):
    """The figure behind `batchnorm_explorer`: batch vs running vs data-set mean of one feature
    (default `offcentre_feature(X)`, the one whose mean is furthest from the running mean's
    start, 0)."""
    seed = check_positive_int(seed, "seed", minimum=0)
    feature = offcentre_feature(X) if feature is None else feature
    trace = batchnorm_trace(X, batch_size=batch_size, momentum=momentum, steps=steps,
                            rng=np.random.default_rng(seed), feature=feature)
    fig, ax = plt.subplots(figsize=(8, 4))  # no layout engine: it re-measures every label
    plot_batchnorm_trace(trace, ax=ax, title=f"batch size {batch_size}, momentum {momentum:g}: "
                                             f"mean |batch - data set| = {trace['gap']:.3f}")
    return fig



def batchnorm_explorer(X, feature=None):
    """Sliders for batch size and momentum over `batchnorm_figure`.

    Parameters
    ----------
    X : array_like, shape (N, D)
        The data set the batches come from. Give it features whose mean is far from 0 (e.g.
        unscaled pixels): the running mean starts at 0, and only then does its lag show.
    feature : int, optional
        The column to follow; default `offcentre_feature(X)`.

    Returns
    -------
    ipywidgets.interactive
    """
    X = _population(X)
    feature = offcentre_feature(X) if feature is None else check_positive_int(
        feature, "feature", minimum=-X.shape[1], maximum=X.shape[1] - 1)
    return explorer(
        lambda batch_size, momentum: batchnorm_figure(X, batch_size, momentum,
                                                      feature=feature),
        batch_size=widgets.IntSlider(value=min(32, X.shape[0]), min=2,
                                     max=min(256, X.shape[0]), step=2,
                                     description="batch size"),
        momentum=widgets.FloatLogSlider(value=0.1, base=10, min=-3, max=0, step=0.25,
                                        description="momentum"),
    )


# --- exercises -----------------------------------------------------------------------------

def _bn_cases(rng):
    """Fresh (x, gamma, beta, eps): three batch shapes, float64 and float32, a constant feature
    (so that eps decides its output), and a different eps each time."""
    cases = []
    for (n, d), dtype in [((6, 4), np.float64), ((9, 3), np.float32), ((5, 6), np.float64)]:
        x = rng.normal(2.0, 3.0, (n, d)).astype(dtype)
        x[:, int(rng.integers(d))] = 5.0  # a constant feature: only eps keeps it finite
        gamma = rng.uniform(0.5, 2.0, d).astype(dtype)
        beta = rng.normal(0.0, 1.0, d).astype(dtype)
        eps = float(rng.choice([1e-3, 0.1, 0.5, 2.0]))  # never the default 1e-5
        cases.append(Case((x, gamma, beta, eps), f"{shape_label(x)} and eps = {eps:g}"))
    return cases


def _batchnorm(x, gamma, beta, eps, *, axis=0, ddof=0, affine=True):
    mean = x.mean(axis=axis, keepdims=True)
    var = x.var(axis=axis, ddof=ddof, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        x_hat = (x - mean) / np.sqrt(var + eps)
    return gamma * x_hat + beta if affine else x_hat


BATCHNORM_CODE = "gamma * (x - x.mean(axis=0)) / np.sqrt(x.var(axis=0) + eps) + beta"


def _batchnorm_hint(*levels, key=None):
    return Hint([*levels, f"In numpy: {BATCHNORM_CODE}."], key=key)


def _nan_hint(got, expected, *args):
    if not np.all(np.isfinite(got)):
        return _batchnorm_hint("the output holds NaN or inf: one feature is constant, so its "
                               "variance is 0 and you divided by 0.", "That is what eps is "
                               "for: it goes inside the square root, sqrt(var + eps).",
                               key="nan")
    return None


@checker
def check_batchnorm_forward(candidate):
    """Check a reader's ``batchnorm_forward(x, gamma, beta, eps)`` in training mode: normalise
    each feature with the batch mean and the *biased* batch variance, then scale and shift.
    Each call draws fresh batches, shapes, dtypes and a different eps.

    Examples
    --------
    >>> def bn(x, g, b, eps):
    ...     return g * (x - x.mean(0)) / np.sqrt(x.var(0) + eps) + b
    >>> check_batchnorm_forward(bn)
    Correct! Batch mean, biased batch variance, eps inside the square root, then gamma and beta.
    """
    mistakes = [
        (lambda x, g, b, eps: _batchnorm(x, g, b, 1e-5), "you used eps = 1e-5, not the eps "
         "you were given: use the argument."),
        (lambda x, g, b, eps: _batchnorm(x, g, b, eps, ddof=1), _batchnorm_hint(
            "you used the unbiased variance (ddof=1); batch norm keeps that one for the "
            "running variance only.", "Normalise with the biased batch variance: divide by N, "
            "numpy's default ddof=0.")),
        (lambda x, g, b, eps: _batchnorm(x, g, b, eps, axis=1), _batchnorm_hint(
            "you normalised each sample over its features (axis=1): that is layer norm.",
            "Batch norm normalises each feature over the batch: statistics along axis 0, one "
            "per column.")),
        (lambda x, g, b, eps: _batchnorm(x, g, b, eps, affine=False), _batchnorm_hint(
            "the normalisation is right, but the output is not scaled by gamma and shifted by "
            "beta.")),
        (lambda x, g, b, eps: g * (x - x.mean(0)) / (x.std(0) + eps) + b, _batchnorm_hint(
            "you added eps to the standard deviation; it belongs to the variance, inside the "
            "square root.", "Divide by sqrt(var + eps), not by std + eps.")),
    ]
    problem = check_cases(candidate, _bn_cases(fresh_rng()), _batchnorm, mistakes, scale=1.0,
                          diagnose=_nan_hint)
    if problem is not None:
        return problem
    return correct("Batch mean, biased batch variance, eps inside the square root, then gamma "
                   "and beta.")


def _scaler_cases(rng):
    """Fresh (X_train, X_test) pairs: features on very different scales, a test split whose
    mean is shifted, float64 and float32."""
    cases = []
    for (n_train, n_test, d), dtype in [((30, 10, 3), np.float64), ((25, 8, 4), np.float32)]:
        centre, spread = rng.uniform(-10, 1000, d), rng.uniform(0.5, 300, d)
        train = rng.normal(centre, spread, (n_train, d)).astype(dtype)
        test = rng.normal(centre + spread, spread, (n_test, d)).astype(dtype)
        cases.append(Case((train, test), f"{dtype.__name__} splits of shapes "
                                         f"{train.shape} and {test.shape}"))
    return cases


def _standardized(train, test, *, fit_on=None, ddof=0):
    fit_on = train if fit_on is None else fit_on
    m, s = fit_on.mean(axis=0), fit_on.std(axis=0, ddof=ddof)
    return (train - m) / s, (test - m) / s


SCALER_CODE = ("m, s = X_train.mean(axis=0), X_train.std(axis=0); "
               "return (X_train - m) / s, (X_test - m) / s")
_TRAIN_STATISTICS = ("Compute the mean and standard deviation of X_train, feature by feature "
                     "(axis 0), and use them for both splits.")


def _scaler_hint(*levels, key=None):
    return Hint([*levels, f"In numpy: {SCALER_CODE}."], key=key)


@checker
def check_train_only_scaler(candidate):
    """Check a reader's ``standardize(X_train, X_test) -> (train_scaled, test_scaled)`` that
    fits the statistics on the training split only. Each call draws fresh splits.

    Examples
    --------
    >>> def ok(tr, te):
    ...     m, s = tr.mean(0), tr.std(0)
    ...     return (tr - m) / s, (te - m) / s
    >>> check_train_only_scaler(ok)
    Correct! Mean and standard deviation from the training split, applied to both splits.
    """
    for case in _scaler_cases(fresh_rng()):
        train, test = case.args
        out, problem = call(candidate, train, test)
        if problem is not None:
            return verdict(problem)
        if not (isinstance(out, tuple | list) and len(out) == 2):
            return not_yet("return two arrays: (train_scaled, test_scaled).")
        got = [numbers(v) for v in out]
        if any(g is None for g in got):
            return not_yet("return two arrays of numbers: (train_scaled, test_scaled).")
        if got[0].shape != train.shape or got[1].shape != test.shape:
            return not_yet("each returned array must keep the shape of its input.")

        right = _standardized(train, test)
        train_right = close(got[0], right[0], scale=1.0)
        if train_right and close(got[1], right[1], scale=1.0):
            continue
        leaked = _standardized(train, test, fit_on=np.vstack([train, test]))
        if close(got[0], leaked[0], scale=1.0) and close(got[1], leaked[1], scale=1.0):
            return not_yet(_scaler_hint("the statistics came from training AND test data: "
                                        "that leaks the test set into preprocessing. Fit on "
                                        "X_train only.", _TRAIN_STATISTICS))
        if train_right and close(got[1], _standardized(test, test)[1], scale=1.0):
            return not_yet(_scaler_hint("the test split was scaled with its own statistics; "
                                        "use the training split's for both.",
                                        _TRAIN_STATISTICS))
        if train_right and close(got[1], test):
            return not_yet(_scaler_hint("the test split is not scaled at all; apply the same "
                                        "transformation.", _TRAIN_STATISTICS))
        unbiased = _standardized(train, test, ddof=1)
        if close(got[0], unbiased[0], scale=1.0) and close(got[1], unbiased[1], scale=1.0):
            return not_yet(_scaler_hint("nearly: that is the sample standard deviation "
                                        "(ddof=1); scikit-learn's StandardScaler, like this "
                                        "exercise, uses the population one (ddof=0)."))
        which = 0 if not train_right else 1
        return not_yet(_scaler_hint(f"for {case.label}, the {('training', 'test')[which]} "
                                    f"split: {difference(got[which], right[which], scale=1.0)}.",
                                    "Subtract the training mean and divide by the training "
                                    "standard deviation, feature by feature (axis 0).",
                                    key="other"))
    return correct("Mean and standard deviation from the training split, applied to both "
                   "splits.")
