"""Everything behind notebook 04 · Types of normalization: batch statistics over training
steps (figure and explorer), gradients at initialisation (with a batch norm whose statistics
are held constant in backward, the control), smoothness along the training path, the two deep
dives (where batch norm goes: the gradient along networks with batch norm before or after the
ReLU or in residual branches; batch norm and weight decay: scale invariance and the weight
norm under SGD), and the exercise checkers.

Reads: ``helpers.layers`` (BatchNorm1d, LayerNorm, Residual), ``helpers.optim`` (SGD),
``helpers.scalers``.
"""

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
import threadpoolctl

from . import diagnostics
from ._validation import (
    DivergedError,
    check_bool,
    check_choice,
    check_count,
    check_finite_real,
    check_positive_int,
    check_rng,
    check_seeds,
    check_sequence,
    check_size,
    check_text,
    overflow_named,
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
from .layers import NORMS, BatchNorm1d, Linear, ReLU, Residual, Sequential, _per_channel
from .losses import check_labels, softmax_cross_entropy
from .models import mlp
from .optim import SGD
from .plotting import PALETTE, check_axes, check_named_arrays
from .training import check_data, evaluate
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
    batch_size = check_size(batch_size, "batch_size", minimum=2)
    if batch_size > X.shape[0]:
        raise ValueError(f"batch_size must be at most the number of rows of X ({X.shape[0]}): "
                         f"batches are drawn without replacement; got {batch_size}.")
    steps = check_count(steps, "steps")
    check_rng(rng)
    feature = check_positive_int(feature, "feature", minimum=-X.shape[1],
                                 maximum=X.shape[1] - 1) % X.shape[1]
    # batch norm treats every feature on its own: keep the one we trace (in float64, so that
    # float32's largest values do not overflow the means)
    x = X[:, [feature]].astype(np.float64)
    bn = BatchNorm1d(1, momentum=momentum)
    batch_mean, running_mean = np.empty(steps), np.empty(steps)
    for step in range(steps):
        batch = x[rng.choice(x.shape[0], size=batch_size, replace=False)]
        with overflow_named("X"):
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
    # |mean| / std does not change with the scale: measured in units of each column's largest
    # value, no sum overflows (1e200, float32's largest)
    scale = np.abs(X).max(axis=0)
    unit = X.astype(np.float64) / np.where(scale > 0, scale, 1.0)
    mean, std = unit.mean(axis=0), unit.std(axis=0)
    varies = std > 0
    return int(np.argmax(np.where(varies, np.abs(mean) / np.where(varies, std, 1.0), -1.0)))



class BatchNormConstantStatistics(BatchNorm1d):
    """Batch norm whose backward treats the batch mean and variance as constants: a control.

    The forward pass is BatchNorm1d's (training mode: the batch's statistics). The backward
    pass keeps only the direct path, dL/dx = gamma * dL/dy / sqrt(var + eps), and drops the
    terms that flow through the mean and the variance (each depends on every sample). It is
    the gradient of evaluation mode with the running statistics set to this batch's: what a
    network would get if its statistics were fixed numbers. Not for training.
    """

    def backward(self, dout):
        dout, (x_hat, inv_std, _, axes) = self._saved(dout)
        self.grads["gamma"][...] = (dout * x_hat).sum(axis=axes)
        self.grads["beta"][...] = dout.sum(axis=axes)
        gamma = _per_channel(self.params["gamma"], dout.ndim)
        return (dout * gamma * inv_std).astype(dout.dtype, copy=False)


def gradient_norms_at_init(X, y, *, depth, norm, seeds, n_classes=10, width=64,
                           constant_statistics=False):
    """Weight-gradient norm of every hidden layer of fresh ReLU networks, on one batch.

    For each seed: a `depth`-layer ReLU MLP (He init, `norm` after each hidden Linear), one
    forward and backward pass in training mode on (X, y) with the cross-entropy loss, and
    ||dL/dW|| of each hidden Linear layer, first to last.

    Parameters
    ----------
    constant_statistics : bool, default False
        With norm="batch": every batch-norm layer is a `BatchNormConstantStatistics`, whose
        backward treats the batch mean and variance as constants (the control that shows
        which part of batch norm makes the gradient grow).

    Returns
    -------
    ndarray, shape (len(seeds), depth)
    """
    X, _ = check_data(X, None, "X")
    n_classes = check_size(n_classes, "n_classes", minimum=2)
    y = check_labels(y, X.shape[0], n_classes, name="y")
    depth = check_count(depth, "depth")
    width = check_size(width, "width")
    if norm is not None:
        check_choice(norm, "norm", NORMS)
    if check_bool(constant_statistics, "constant_statistics") and norm != "batch":
        raise ValueError(f"constant_statistics=True needs norm='batch' (only batch norm has "
                         f"batch statistics); got norm={norm!r}.")
    rows = []
    for seed in check_seeds(seeds):
        net = mlp(X.shape[1], [width] * depth, n_classes,
                  rng=np.random.default_rng(seed), norm=norm)
        if constant_statistics:  # fresh layers: gamma = 1, beta = 0, as mlp made them
            net.layers = [BatchNormConstantStatistics(layer.num_features)
                          if isinstance(layer, BatchNorm1d) else layer for layer in net.layers]
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
    epochs = check_count(epochs, "epochs")
    batch_size = check_size(batch_size, "batch_size", minimum=2)
    width, depth = check_size(width, "width"), check_count(depth, "depth")
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
                try:
                    before = gradient(batch)
                    with np.errstate(all="ignore"):  # an overflow: reported just below
                        for key, param in net.params.items():
                            param -= lr * before[key]  # the SGD step training takes anyway
                        after = gradient(batch)
                        change = np.sqrt(sum(np.sum((after[k] - before[k]) ** 2) for k in before))
                        step = lr * np.sqrt(sum(np.sum(g**2) for g in before.values()))
                        ratios.append(change / step)
                    if not np.isfinite(ratios[-1]):
                        raise DivergedError("the gradients overflowed float64")
                except DivergedError as error:
                    raise DivergedError(f"training diverged with lr = {lr:g} ({error}); lower "
                                        "lr.") from None
        result.append(np.reshape(ratios, (epochs, n_batches)))
    return np.array(result)


# --- deep dive: where normalization goes -----------------------------------------------------

PLACEMENTS = ("bn-relu", "relu-bn", "residual", "residual-zero-gamma")
"""Where `placement_network` puts batch norm: before the ReLU (Ioffe & Szegedy's placement, the
course's `mlp`), after it, or at the end of each two-layer residual branch with its gamma at 1 or
at 0 (Goyal et al. 2017)."""


def placement_network(placement, *, depth, rng, n_in=64, width=64, n_classes=10):
    """A fresh ReLU network of `depth` hidden weight layers, batch norm placed as `placement`
    says, then a Linear layer to the classes (Glorot init). Hidden weights: He init.

    - "bn-relu": Linear -> BatchNorm1d -> ReLU, `depth` times (the same layers and weights as
      ``models.mlp(..., norm="batch")`` with the same generator);
    - "relu-bn": Linear -> ReLU -> BatchNorm1d, `depth` times;
    - "residual": depth / 2 blocks x + BN(W2 ReLU(BN(W1 x))), ResNet's basic block without a
      ReLU after the sum (each block's input and output have `width` features, so n_in must
      equal width);
    - "residual-zero-gamma": the same with the gamma of each block's last batch norm set to 0
      (Goyal et al. 2017): every block starts as the identity.

    Returns
    -------
    helpers.layers.Sequential
        Its layers are the blocks (each a Sequential or a Residual), then the classifier.
    """
    placement = check_choice(placement, "placement", PLACEMENTS)
    depth = check_count(depth, "depth")
    check_rng(rng)
    n_in, width = check_size(n_in, "n_in"), check_size(width, "width")
    n_classes = check_size(n_classes, "n_classes")
    blocks = []
    if placement in ("bn-relu", "relu-bn"):
        for i in range(depth):
            linear = Linear(n_in if i == 0 else width, width, rng=rng)
            inner = [BatchNorm1d(width), ReLU()]
            blocks.append(Sequential(linear, *(inner if placement == "bn-relu" else inner[::-1])))
    else:
        if depth % 2 or n_in != width:
            raise ValueError(f"placement {placement!r} needs an even depth (each residual block "
                             f"has two weight layers) and n_in equal to width (the sum x + "
                             f"branch keeps the shape); got depth={depth}, n_in={n_in}, "
                             f"width={width}.")
        for _ in range(depth // 2):
            last = BatchNorm1d(width)
            if placement == "residual-zero-gamma":
                last.params["gamma"][...] = 0.0
            blocks.append(Residual(Sequential(Linear(width, width, rng=rng), BatchNorm1d(width),
                                              ReLU(), Linear(width, width, rng=rng), last)))
    return Sequential(*blocks, Linear(width, n_classes, rng=rng, init="glorot"))


def stream_gradient_norms(X, y, *, placement, depth, seeds, width=64, n_classes=10):
    """||dL/dx|| at the input of every block of fresh `placement_network`s, first to last,
    and at the classifier's input: one forward and backward pass of the cross-entropy loss on
    (X, y) in training mode (batch statistics), for each seed.

    Returns
    -------
    ndarray, shape (len(seeds), blocks + 1)
        blocks = depth for "bn-relu" and "relu-bn", depth / 2 for the residual placements.
        Entry 0 is the gradient with respect to X itself, the last the classifier's input.
    """
    X, _ = check_data(X, None, "X")
    n_classes = check_size(n_classes, "n_classes", minimum=2)
    y = check_labels(y, X.shape[0], n_classes, name="y")
    rows = []
    for seed in check_seeds(seeds):
        net = placement_network(placement, depth=depth, rng=np.random.default_rng(seed),
                                n_in=X.shape[1], width=width, n_classes=n_classes).train()
        # one BLAS thread: small matrices, and a second thread waiting for a busy core made
        # this ten times slower
        with overflow_named("X"), threadpoolctl.threadpool_limits(1, user_api="blas"):
            _, dout = softmax_cross_entropy(net.forward(X), y)
            norms = []
            for layer in reversed(net.layers):
                dout = layer.backward(dout)
                norms.append(np.linalg.norm(dout))
        rows.append(norms[::-1])
    return np.array(rows)


def plot_stream_gradients(curves, *, depth, ax=None, title=None):
    """`stream_gradient_norms` of several placements against the number of weight layers
    below each point (0: the input; `depth`: the classifier's input), on a log axis: median
    over seeds and min-max band.

    Parameters
    ----------
    curves : dict[str, array_like]
        Label -> array (seeds, points), points = blocks + 1 (any number >= 2).
    depth : int
        Hidden weight layers of the networks: points are spread evenly from 0 to depth.
    ax : matplotlib Axes, optional
    title : str, optional

    Returns
    -------
    matplotlib Axes
    """
    curves = check_named_arrays(curves, "curves", ndim=(1, 2))
    depth = check_count(depth, "depth")
    check_text(title, "title", optional=True)
    for label, values in curves.items():
        if np.atleast_2d(values).shape[1] < 2 or not np.all(np.isfinite(values) & (values > 0)):
            raise ValueError(f"curves[{label!r}] must hold finite gradient norms > 0, at least "
                             f"two points per seed (the input and the classifier's input); got "
                             f"{values!r:.60}.")
    if check_axes(ax) is None:
        _, ax = plt.subplots(figsize=(7, 4))
    for i, (label, values) in enumerate(curves.items()):
        values = np.atleast_2d(values)
        x = np.linspace(0, depth, values.shape[1])
        color, marker = PALETTE[i % len(PALETTE)], "osD^v<>p"[i % 8]
        ax.plot(x, np.median(values, axis=0), color=color, marker=marker, markersize=4,
                markevery=max(1, values.shape[1] // 8), label=label)
        if values.shape[0] > 1:
            ax.fill_between(x, values.min(axis=0), values.max(axis=0), color=color, alpha=0.2,
                            linewidth=0)
    ax.set_yscale("log")
    ax.set_xlabel("weight layers below this point (0: the input)")
    ax.set_ylabel("‖dL/dx‖ at initialisation")
    ax.set_title(title or "Gradient along the network at initialisation")
    ax.legend(fontsize="small")
    return ax


# --- deep dive: batch norm and weight decay ---------------------------------------------------

def _cosine(a, b):
    """The cosine of the angle between two arrays seen as vectors (NaN if one is 0)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return float(np.sum(a * b) / (np.linalg.norm(a) * np.linalg.norm(b)))


def _hidden_weights(net):
    """Keys of the hidden layers' weight matrices of an `mlp` (every "W" but the last)."""
    return [key for key in net.params if key.endswith(".W")][:-1]


def scale_invariance(X, y, *, scales, layer=1, depth=4, width=64, seed=0, norm="batch",
                     n_classes=10):
    """Multiply the weights W of hidden layer `layer` (0 is the first) of a fresh ReLU MLP by
    each factor c in `scales` and measure, on one batch (X, y) in training mode:

    - "loss": the cross-entropy loss;
    - "grad_norm": ||dL/dW|| at the scaled weights;
    - "cosine": the cosine of the angle between dL/dW and W;
    - "bias_grad_norm": ||dL/db|| of the same layer's bias.

    With `norm` after every hidden Linear (batch norm by default) the loss does not depend on
    c (up to batch norm's eps), so dL/dW is orthogonal to W and scales like 1 / c; the bias
    before a batch norm is subtracted with the batch mean, so its gradient is 0.

    Returns
    -------
    dict of ndarray, each of shape (len(scales),)
    """
    X, _ = check_data(X, None, "X")
    n_classes = check_size(n_classes, "n_classes", minimum=2)
    y = check_labels(y, X.shape[0], n_classes, name="y")
    scales = [check_finite_real(c, "scales", minimum=0.0, exclusive=True)
              for c in check_sequence(scales, "scales", "[0.5, 1, 2]")]
    if not scales or not all(1e-100 <= c <= 1e100 for c in scales):
        raise ValueError(f"scales must hold factors between 1e-100 and 1e100 (at least one), "
                         f"e.g. [0.5, 1, 2]; got {scales!r:.60}.")
    depth, width = check_count(depth, "depth"), check_size(width, "width")
    layer = check_positive_int(layer, "layer", minimum=0, maximum=depth - 1)
    seed = check_positive_int(seed, "seed", minimum=0)
    if norm is not None:
        check_choice(norm, "norm", NORMS)
    result = {key: [] for key in ("loss", "grad_norm", "cosine", "bias_grad_norm")}
    for c in scales:
        net = mlp(X.shape[1], [width] * depth, n_classes, rng=np.random.default_rng(seed),
                  norm=norm).train()
        key = _hidden_weights(net)[layer]
        net.params[key][...] *= c
        with overflow_named("X"):
            loss, dlogits = softmax_cross_entropy(net.forward(X), y)
            net.backward(dlogits)
        W, g = net.params[key], net.grads[key]
        result["loss"].append(loss)
        result["grad_norm"].append(np.linalg.norm(g))
        result["cosine"].append(_cosine(g, W))
        result["bias_grad_norm"].append(np.linalg.norm(net.grads[key[:-1] + "b"]))
    return {key: np.array(values) for key, values in result.items()}


def weight_norm_trajectory(data, *, weight_decay, seeds, lr=0.1, steps=300, batch_size=64,
                           depth=4, width=64):
    """Train a ReLU MLP with batch norm after every hidden Linear by plain SGD (no momentum;
    L2 weight decay on the weight matrices, none on biases, gamma and beta) and record the
    norm of each hidden weight matrix. Each feeds a batch norm, so the loss does not depend on
    its scale: only its direction matters, and a step of size lr moves that direction like a
    step of lr / ||W||^2 on the unit sphere (the effective learning rate).

    Returns
    -------
    dict with
        "norms": ndarray (len(seeds), steps + 1, depth), ||W|| of each hidden layer before
        training and after every step;
        "cosines": ndarray (len(seeds), steps, depth), the cosine between each layer's loss
        gradient (without the decay term) and W at every step;
        "val_acc": ndarray (len(seeds),), the validation accuracy at the end.
    """
    check_split(data)
    weight_decay = check_finite_real(weight_decay, "weight_decay", minimum=0.0)
    lr = check_finite_real(lr, "lr", minimum=0.0, exclusive=True)
    steps = check_count(steps, "steps")
    batch_size = check_size(batch_size, "batch_size", minimum=2)
    depth, width = check_count(depth, "depth"), check_size(width, "width")
    X, y = data.X_train, data.y_train
    n_batches = max(1, len(X) // batch_size)
    norms, cosines, val_acc = [], [], []
    for seed in check_seeds(seeds):
        rng = np.random.default_rng(seed)
        net = mlp(X.shape[1], [width] * depth, data.n_classes, rng=rng, norm="batch").train()
        optimizer = SGD(net, lr=lr, weight_decay=weight_decay)
        with threadpoolctl.threadpool_limits(1, user_api="blas"):  # small matrices: faster
            seed_norms, seed_cosines = _trajectory(net, optimizer, X, y, n_batches, steps, rng,
                                                   lr=lr, weight_decay=weight_decay)
        norms.append(seed_norms)
        cosines.append(seed_cosines)
        val_acc.append(evaluate(net, data.X_val, data.y_val)[1])
    return {"norms": np.array(norms), "cosines": np.array(cosines), "val_acc": np.array(val_acc)}


def _trajectory(net, optimizer, X, y, n_batches, steps, rng, *, lr, weight_decay):
    """`steps` SGD steps on shuffled batches: ||W|| of each hidden layer before training and
    after every step, and the cosine between its loss gradient and W before every step."""
    keys = _hidden_weights(net)
    norms, cosines = [[np.linalg.norm(net.params[k]) for k in keys]], []
    try:
        while len(cosines) < steps:
            for batch in np.array_split(rng.permutation(len(X)), n_batches):
                _, dlogits = softmax_cross_entropy(net.forward(X[batch]), y[batch])
                net.backward(dlogits)
                cosines.append([_cosine(net.grads[k], net.params[k]) for k in keys])
                optimizer.step()
                norms.append([np.linalg.norm(net.params[k]) for k in keys])
                if len(cosines) == steps:
                    break
    except DivergedError as error:
        raise DivergedError(f"training diverged with lr = {lr:g} and weight_decay = "
                            f"{weight_decay:g} ({error}); lower lr.") from None
    return norms, cosines


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
    """Fresh (x, gamma, beta, eps): three batches of random shapes with three different feature
    counts (so that no hard-coded width passes; one square, so that the wrong axis keeps the
    shape), float64 and float32, a constant feature (so that eps decides
    its output), and a different eps each time."""
    cases = []
    widths = rng.choice(np.arange(3, 9), size=3, replace=False)  # three different feature counts
    for d, (square, dtype) in zip(widths.tolist(), [(False, np.float64), (True, np.float32),
                                                    (False, np.float64)], strict=True):
        n = d if square else int(rng.integers(4, 13))
        x = rng.normal(2.0, 3.0, (n, d)).astype(dtype)
        x[:, int(rng.integers(d))] = 5.0  # a constant feature: only eps keeps it finite
        gamma = rng.uniform(0.5, 2.0, d).astype(dtype)
        beta = rng.normal(0.0, 1.0, d).astype(dtype)
        eps = float(rng.choice([1e-3, 0.1, 0.5, 2.0]))  # never the default 1e-5
        cases.append(Case((x, gamma, beta, eps), f"{shape_label(x)} and eps = {eps:g}"))
    return cases


def _batchnorm(x, gamma, beta, eps, *, axis=0, ddof=0, affine=True, var_axis="same"):
    mean = x.mean(axis=axis, keepdims=True)
    var = x.var(axis=axis if var_axis == "same" else var_axis, ddof=ddof, keepdims=True)
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
    def normalised(x, eps):
        return (x - x.mean(0)) / np.sqrt(x.var(0) + eps)

    mistakes = [
        (lambda x, g, b, eps: _batchnorm(x, g, b, eps, axis=None), _batchnorm_hint(
            "you took one mean and one variance of the whole batch, all features together "
            "(x.mean() without an axis). Batch norm has a mean and a variance per feature.",
            "Reduce over the samples only: axis 0, one statistic per column.", key="no axis")),
        (lambda x, g, b, eps: _batchnorm(x, g, b, eps, var_axis=None), _batchnorm_hint(
            "your mean is per feature but your variance is of the whole batch (x.var() without "
            "an axis).", "Both statistics are per feature: axis 0.", key="no axis, variance")),
        (lambda x, g, b, eps: _batchnorm(x, g, b, eps, axis=None, var_axis=0), _batchnorm_hint(
            "your variance is per feature but your mean is of the whole batch (x.mean() without "
            "an axis).", "Both statistics are per feature: axis 0.", key="no axis, mean")),
        (lambda x, g, b, eps: _batchnorm(x, g, b, 1e-5), _batchnorm_hint(
            "you used eps = 1e-5, not the eps you were given.", "Use the argument eps: this "
            "check passes a different one each time.")),
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
        (lambda x, g, b, eps: b * normalised(x, eps) + g, _batchnorm_hint(
            "gamma and beta are swapped: gamma scales, beta shifts.", "Multiply by gamma, "
            "then add beta.")),
        (lambda x, g, b, eps: g * x / np.sqrt(x.var(0) + eps) + b, _batchnorm_hint(
            "you divided by the standard deviation but did not subtract the mean.", "Centre "
            "each feature first: x minus its batch mean.")),
        (lambda x, g, b, eps: g * (x - x.mean(0)) / (x.var(0) + eps) + b, _batchnorm_hint(
            "you divided by the variance; normalising divides by the standard deviation, its "
            "square root.", "Divide by sqrt(var + eps).")),
    ]
    problem = check_cases(candidate, _bn_cases(fresh_rng()), _batchnorm, mistakes, scale=1.0,
                          diagnose=_nan_hint, rule=(
                              "Each feature (column) is normalised with its own batch mean and "
                              "biased batch variance, (x - mean) / sqrt(var + eps), then "
                              "multiplied by gamma and shifted by beta.",
                              f"In numpy: {BATCHNORM_CODE}."))
    if problem is not None:
        return problem
    return correct("Batch mean, biased batch variance, eps inside the square root, then gamma "
                   "and beta.")


def _scaler_cases(rng):
    """Fresh (X_train, X_test) pairs of random sizes: features on very different scales, a test
    split whose mean is shifted, float64 and float32; and two features constant in the training
    split (as the digits' border pixels are), one of them with other values in the test split,
    so that a division by their standard deviation, 0, shows."""
    cases = []
    for dtype in (np.float64, np.float32):
        n_train, n_test, d = (int(rng.integers(20, 41)), int(rng.integers(6, 16)),
                              int(rng.integers(4, 8)))
        centre, spread = rng.uniform(-10, 1000, d), rng.uniform(0.5, 300, d)
        train = rng.normal(centre, spread, (n_train, d))
        test = rng.normal(centre + spread, spread, (n_test, d))
        moving, still = rng.choice(d, 2, replace=False)
        value = float(rng.choice([0.0, 16.0, -3.0]))
        train[:, [moving, still]] = test[:, still] = value
        test[:, moving] = value + rng.integers(0, 4, n_test)  # some equal to it, some not
        cases.append(Case((train.astype(dtype), test.astype(dtype)), f"{dtype.__name__} "
                          f"splits of shapes {train.shape} and {test.shape}"))
    return cases


def _standardized(train, test, *, fit_on=None, ddof=0):
    """Scaled with the statistics of `fit_on` (default the training split); a feature constant
    there is divided by 1, as scikit-learn's StandardScaler does."""
    fit_on = train if fit_on is None else fit_on
    m, s = fit_on.mean(axis=0), fit_on.std(axis=0, ddof=ddof)
    s = np.where(s == 0, 1.0, s).astype(s.dtype)
    return (train - m) / s, (test - m) / s


def _each_row(train, test):
    return tuple((x - x.mean(axis=1, keepdims=True)) / x.std(axis=1, keepdims=True)
                 for x in (train, test))


def _with(train, test, centre, divide):
    return (train - centre) / divide, (test - centre) / divide


SCALER_CODE = ("m, s = X_train.mean(axis=0), X_train.std(axis=0); s = np.where(s == 0, 1.0, s); "
               "return (X_train - m) / s, (X_test - m) / s")
_TRAIN_STATISTICS = ("Compute the mean and standard deviation of X_train, feature by feature "
                     "(axis 0), and use them for both splits.")
_CONSTANT_RULE = ("For a feature whose training standard deviation is 0 divide by 1 instead "
                  "(scikit-learn's StandardScaler does the same): it is then only centred, and "
                  "its test values keep their distance from the training value.")


def _scaler_hint(*levels, key=None):
    return Hint([*levels, f"In numpy: {SCALER_CODE}."], key=key)


_SCALER_MISTAKES = [  # (answer the mistake gives, hint, only if the training split is right)
    (lambda tr, te: _standardized(tr, te, fit_on=np.vstack([tr, te])), _scaler_hint(
        "the statistics came from training AND test data: that leaks the test set into "
        "preprocessing. Fit on X_train only.", _TRAIN_STATISTICS), False),
    (lambda tr, te: (_standardized(tr, te)[0], _standardized(te, te)[0]), _scaler_hint(
        "the test split was scaled with its own statistics; use the training split's for "
        "both.", _TRAIN_STATISTICS), True),
    (lambda tr, te: (_standardized(tr, te)[0], te), _scaler_hint(
        "the test split is not scaled at all; apply the same transformation.",
        _TRAIN_STATISTICS), True),
    (lambda tr, te: _standardized(tr, te, ddof=1), _scaler_hint(
        "nearly: that is the sample standard deviation (ddof=1); scikit-learn's "
        "StandardScaler, like this exercise, uses the population one (ddof=0)."), False),
    (_each_row, _scaler_hint(
        "you standardised each sample (row) with its own statistics; z-scoring standardises "
        "each feature (column), with the training split's mean and standard deviation.",
        _TRAIN_STATISTICS), False),
    (lambda tr, te: _with(tr, te, tr.mean(), tr.std()), _scaler_hint(
        "you used one mean and one standard deviation for the whole array (no axis); each "
        "feature needs its own, and these features have very different scales.",
        _TRAIN_STATISTICS), False),
    (lambda tr, te: _with(tr, te, tr.min(axis=0), tr.max(axis=0) - tr.min(axis=0)),
     _scaler_hint("that is min-max scaling to [0, 1]; z-scores subtract the mean and divide by "
                  "the standard deviation.", _TRAIN_STATISTICS), False),
    (lambda tr, te: _with(tr, te, tr.mean(axis=0), 1.0), _scaler_hint(
        "you subtracted the training mean but did not divide by the standard deviation.",
        _TRAIN_STATISTICS), False),
    (lambda tr, te: _with(tr, te, tr.mean(axis=0), tr.var(axis=0)), _scaler_hint(
        "you divided by the variance; z-scores divide by the standard deviation, its square "
        "root.", _TRAIN_STATISTICS), False),
]


def _constant_feature_hint(got, right, constant):
    """For an answer (nearly) right on every feature that varies in training: what it did with
    the constant ones, if it is a known mistake; else None."""
    got = [g[:, constant] for g in got]
    right = [r[:, constant] for r in right]
    if not all(np.all(np.isfinite(g)) for g in got):
        return _scaler_hint(
            "the output holds NaN or inf: a feature that is constant in the training split "
            "(the digits have many, border pixels that are always 0) has standard deviation "
            "0, and you divided by it.", _CONSTANT_RULE, key="constant: nan")
    if close(got[0], right[0], scale=1.0) and np.all(got[1] == 0) and np.any(right[1] != 0):
        return _scaler_hint(
            "you set the test values of a feature that is constant in training to 0, so a "
            "test value that differs from the training one is lost.", _CONSTANT_RULE,
            key="constant: zero")
    if any(np.max(np.abs(g)) > 1e3 * (np.max(np.abs(r)) + 1) for g, r in zip(got, right,
                                                                            strict=True)):
        return _scaler_hint(
            f"a feature that is constant in training comes out huge (up to "
            f"{max(float(np.max(np.abs(g))) for g in got):.3g}): dividing by a standard "
            "deviation of 0 plus a small number, or replacing inf by the largest float, keeps "
            "it finite but blows it up.", _CONSTANT_RULE, key="constant: huge")
    return None


@checker
def check_train_only_scaler(candidate):
    """Check a reader's ``standardize(X_train, X_test) -> (train_scaled, test_scaled)`` that
    fits the statistics on the training split only, and divides a feature that is constant
    there by 1. Each call draws fresh splits.

    Examples
    --------
    >>> def ok(tr, te):
    ...     m, s = tr.mean(0), tr.std(0)
    ...     s = np.where(s == 0, 1.0, s)
    ...     return (tr - m) / s, (te - m) / s
    >>> check_train_only_scaler(ok)
    Correct! Training statistics for both splits; a constant feature is divided by 1.
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
        if got[0].shape == test.shape and got[1].shape == train.shape:
            return not_yet(_scaler_hint("you returned (test_scaled, train_scaled): the other "
                                        "way round.", "Return the training split first."))
        if got[0].shape != train.shape or got[1].shape != test.shape:
            return not_yet("each returned array must keep the shape of its input.")
        right = _standardized(train, test)
        if all(close(g, r, scale=1.0) for g, r in zip(got, right, strict=True)):
            continue
        varies = train.std(axis=0) > 0

        def agree(answer, want, only_train=False, varies=varies):
            pairs = list(zip(answer, want, strict=True))[: 1 if only_train else 2]
            return all(close(a[:, varies], w[:, varies], scale=1.0) for a, w in pairs)

        nearly = all(np.allclose(a[:, varies], w[:, varies], rtol=1e-6, atol=1e-6)
                     for a, w in zip(got, right, strict=True))  # an eps can blur the digits
        hint = _constant_feature_hint(got, right, ~varies) if nearly else None
        if hint is not None:
            return not_yet(hint)
        if agree(got, right):
            return not_yet(_scaler_hint("right for every feature that varies in the training "
                                        "split, but not for the constant ones.", _CONSTANT_RULE,
                                        key="constant: other"))
        train_right = agree(got, right, only_train=True)
        for mistake, hint, needs_train_right in _SCALER_MISTAKES:
            with np.errstate(all="ignore"):
                if (train_right or not needs_train_right) and agree(got, mistake(train, test)):
                    return not_yet(hint)
        which = 0 if not train_right else 1
        return not_yet(_scaler_hint(f"for {case.label}, the {('training', 'test')[which]} "
                                    f"split: {difference(got[which], right[which], scale=1.0)}.",
                                    "Subtract the training mean and divide by the training "
                                    "standard deviation, feature by feature (axis 0).",
                                    key="other"))
    return correct("Training statistics for both splits; a constant feature is divided by 1.")
