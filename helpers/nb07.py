"""Everything behind notebook 07 · From numpy to PyTorch: the PyTorch counterpart of every
layer of ``helpers.layers`` with the same parameters, the side-by-side checks (forward,
backward, parameter gradients, optimizer steps), the PyTorch version of the capstone's best
network and its training loop, batch norm's scale invariance (trap 2), the deep dive's
measurements of PyTorch's defaults for ReLU networks, the figures, the explorer and the
exercise checkers.

PyTorch is optional (``pip install -e ".[torch]"``). This module imports it only inside the
functions that need it, so that it imports, and its numpy parts (the figures, the explorer,
the checkers) run, without PyTorch; `require_torch` says how to install it.

Reads: ``helpers.layers`` and ``helpers.optim`` (what PyTorch is compared with),
``helpers.selu_theory`` (the variance a deep SELU network should keep).
"""

import copy
import functools
import time

import ipywidgets as widgets
import numpy as np
from matplotlib.ticker import NullFormatter

from . import layers as L
from ._validation import (
    as_float_array,
    check_bool,
    check_callable,
    check_choice,
    check_count,
    check_dropout_rate,
    check_finite_real,
    check_positive_int,
    check_rng,
    check_seeds,
    check_sequence,
    check_size,
)
from .activations import ACTIVATIONS
from .checking import (
    Feedback,
    Hint,
    call,
    checker,
    correct,
    not_yet,
    numbers,
    verdict,
)
from .experiments import check_split
from .init import matched_gain
from .losses import check_labels
from .plotting import plot_layer_curves
from .selu_theory import MIN_VARIANCE, iterate_moment_map
from .training import check_data
from .widgets import explorer, explorer_figure

INSTALL_HELP = """\
This notebook needs PyTorch, which is not installed in this Python environment.
Notebooks 00 to 06 do not need it. To run this one, install the CPU build and restart the kernel:
  - from the course's folder, with make:   make torch
  - without make (Windows, conda):         python -m pip install -e ".[torch]"
    (on Linux add  --extra-index-url https://download.pytorch.org/whl/cpu  to get the CPU
    build of about 200 MB instead of the CUDA build of several GB)
On Colab, PyTorch is already installed. Binder's environment has it too."""


class TorchMissing(ImportError):
    """PyTorch is not installed. In a notebook it shows as its message alone, no traceback."""

    def _render_traceback_(self):  # IPython shows these lines instead of a traceback
        return ["PyTorch is missing: the notebook stops here.", *str(self).splitlines()]


def require_torch():
    """Return the `torch` module, or raise `TorchMissing` with how to install it."""
    try:
        import torch
    except ImportError:
        raise TorchMissing(INSTALL_HELP) from None
    return torch


# --- the PyTorch counterpart of each helpers layer -------------------------------------------

# Each entry of helpers.activations.ACTIVATIONS and the torch.nn module that computes it (the
# parameters have the same names in both: negative_slope, alpha). PReLU is a layer with learned
# slopes in both libraries; nn.GELU() is the exact form, like helpers' gelu.
TORCH_ACTIVATIONS = {"linear": "Identity", "relu": "ReLU", "leaky_relu": "LeakyReLU",
                     "prelu": "PReLU", "elu": "ELU", "selu": "SELU", "gelu": "GELU",
                     "silu": "SiLU", "sigmoid": "Sigmoid", "tanh": "Tanh"}


@functools.cache
def _residual_class():
    """torch.nn has no residual wrapper: this one is ``helpers.layers.Residual``'s twin."""
    nn = require_torch().nn

    class Residual(nn.Module):
        """x + block(x)."""

        def __init__(self, block):
            super().__init__()
            self.block = block

        def forward(self, x):
            return x + self.block(x)

    return Residual


def Residual(block):  # noqa: N802 (a class for the reader; built once PyTorch is imported)
    """``torch.nn`` module computing x + block(x) (He et al. 2016)."""
    return _residual_class()(block)


def _empty_twin(layer, nn):
    """A torch.nn module of the same kind and sizes as `layer` (parameters not yet copied)."""
    f64 = {"dtype": require_torch().float64}
    if isinstance(layer, L.Sequential):
        return nn.Sequential(*(_empty_twin(inner, nn) for inner in layer.layers))
    if isinstance(layer, L.Residual):
        return Residual(_empty_twin(layer.block, nn))
    if isinstance(layer, L.Linear):
        return nn.Linear(layer.in_features, layer.out_features, **f64)
    if isinstance(layer, L.PReLU):
        return nn.PReLU(layer.num_parameters, **f64)
    if isinstance(layer, L.Elementwise):
        return getattr(nn, TORCH_ACTIVATIONS[layer.name])(**layer.settings)
    if isinstance(layer, L.BatchNorm1d):
        return nn.BatchNorm1d(layer.num_features, eps=layer.eps, momentum=layer.momentum, **f64)
    if isinstance(layer, L.LayerNorm):
        return nn.LayerNorm(layer.normalized_shape, eps=layer.eps, **f64)
    if isinstance(layer, L.Conv1d):  # the same weight layout: (C_out, C_in, K)
        return nn.Conv1d(layer.in_channels, layer.out_channels, layer.kernel_size,
                         stride=layer.stride, padding=layer.padding, **f64)
    if isinstance(layer, L.InstanceNorm1d):  # PyTorch's default has no gamma and beta
        return nn.InstanceNorm1d(layer.num_channels, eps=layer.eps, affine=True, **f64)
    if isinstance(layer, L.GroupNorm):
        return nn.GroupNorm(layer.num_groups, layer.num_channels, eps=layer.eps, **f64)
    if isinstance(layer, L.Flatten):
        return nn.Flatten()
    if isinstance(layer, L.Reshape) and layer.size is not None:  # vectors into sequences
        return nn.Unflatten(1, layer.shape)
    if isinstance(layer, L.RMSNorm):  # default eps: the compute type's epsilon, not 1e-5
        return nn.RMSNorm(layer.num_features, eps=layer.eps, **f64)
    if isinstance(layer, L.AlphaDropout):
        return nn.AlphaDropout(layer.rate)
    if isinstance(layer, L.Dropout):
        return nn.Dropout(layer.rate)
    raise TypeError(f"layer must be one of helpers.layers' layers; got {type(layer).__name__}.")


def parameter_pairs(layer, module):
    """Every parameter of `layer` with its twin in `module` (a module from `to_torch(layer)`).

    Returns
    -------
    dict
        helpers key ("index.name", as in ``layer.params``) -> (torch parameter, transposed),
        where `transposed` is True for weight matrices: helpers computes x @ W with W of shape
        (in, out), torch x @ weight.T with weight of shape (out, in).
    """
    if isinstance(layer, L.Sequential):
        return {f"{i}.{key}": pair for i, (inner, twin) in enumerate(
            zip(layer.layers, module, strict=True))
            for key, pair in parameter_pairs(inner, twin).items()}
    if isinstance(layer, L.Residual):
        return parameter_pairs(layer.block, module.block)
    if isinstance(layer, L.Linear):
        return {"W": (module.weight, True), "b": (module.bias, False)}
    if isinstance(layer, L.Conv1d):
        return {"W": (module.weight, False), "b": (module.bias, False)}
    if isinstance(layer, L.PReLU):
        return {"negative_slope": (module.weight, False)}
    if isinstance(layer, L.BatchNorm1d | L.LayerNorm | L.GroupNorm):
        return {"gamma": (module.weight, False), "beta": (module.bias, False)}
    if isinstance(layer, L.RMSNorm):
        return {"gamma": (module.weight, False)}
    return {}


def to_torch(layer):
    """The torch.nn twin of a helpers layer or model, in float64, with the same parameters,
    running statistics and mode (training or evaluation).

    Examples
    --------
    >>> from helpers import layers  # doctest: +SKIP
    >>> to_torch(layers.Sequential(layers.Linear(3, 2, rng=np.random.default_rng(0)),
    ...                            layers.SELU()))  # doctest: +SKIP
    Sequential(
      (0): Linear(in_features=3, out_features=2, bias=True)
      (1): SELU()
    )
    """
    torch = require_torch()
    L.check_model(layer, "layer")
    module = _empty_twin(layer, torch.nn)
    with torch.no_grad():
        for key, (param, transposed) in parameter_pairs(layer, module).items():
            value = torch.from_numpy(np.array(layer.params[key], dtype=np.float64))
            param.copy_(value.T if transposed else value.reshape(param.shape))
        for ours, twin in zip(L.leaf_layers(layer), _torch_leaves(module), strict=True):
            if isinstance(ours, L.BatchNorm1d):
                twin.running_mean.copy_(torch.from_numpy(ours.running_mean))
                twin.running_var.copy_(torch.from_numpy(ours.running_var))
    return module.train(layer.training)


def _torch_leaves(module):
    """The leaf modules of a torch model, in order: those without children."""
    return [m for m in module.modules() if next(m.children(), None) is None]


def _numpy(tensor):
    return tensor.detach().numpy()


def _in_our_layout(tensor, transposed, like):
    """A torch parameter (or its gradient) as the numpy array of helpers' layout, shaped `like`
    (see `parameter_pairs`)."""
    return _numpy(tensor.T if transposed else tensor.reshape(like.shape))


def _largest(a, b):
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return float(np.max(np.abs(a - b))) if a.size else 0.0


def side_by_side(layer, x, dout):
    """Run `layer` (helpers) and its PyTorch twin on the same batch; return the largest
    absolute differences.

    Both get `x` forward and `dout` (the gradient of some loss with respect to the output)
    backward, in float64; the twin is made by `to_torch` before the pass, so it starts with the
    same parameters, running statistics and mode.

    Returns
    -------
    dict
        "forward", "input gradient", and "parameter gradients" (largest over every parameter;
        None for a layer without parameters), plus "running statistics" for batch norm in
        training mode (after the pass, both updated theirs).
    """
    torch = require_torch()
    x, dout = as_float_array(x, "x"), as_float_array(dout, "dout")
    module = to_torch(layer)
    out = layer.forward(x)
    dx = layer.backward(dout)
    xt = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    out_t = module(xt)
    out_t.backward(torch.tensor(dout, dtype=torch.float64))
    pairs = parameter_pairs(layer, module)
    result = {"forward": _largest(out, _numpy(out_t)),
              "input gradient": _largest(dx, _numpy(xt.grad)),
              "parameter gradients": max((_largest(layer.grads[key], _in_our_layout(
                  p.grad, t, layer.grads[key])) for key, (p, t) in pairs.items()), default=None)}
    norms = [(a, b) for a, b in zip(L.leaf_layers(layer), _torch_leaves(module), strict=True)
             if isinstance(a, L.BatchNorm1d) and a.training]
    if norms:
        result["running statistics"] = max(max(_largest(a.running_mean, _numpy(b.running_mean)),
                                                _largest(a.running_var, _numpy(b.running_var)))
                                            for a, b in norms)
    return result


def loss_side_by_side(logits, labels):
    """helpers' softmax cross-entropy against ``nn.CrossEntropyLoss()`` (which takes logits,
    not probabilities): largest differences of the loss and of d loss / d logits."""
    from .losses import softmax_cross_entropy

    torch = require_torch()
    loss, dlogits = softmax_cross_entropy(logits, labels)
    logits_t = torch.tensor(as_float_array(logits, "logits"), dtype=torch.float64,
                            requires_grad=True)
    loss_t = torch.nn.CrossEntropyLoss()(logits_t, torch.as_tensor(np.asarray(labels)))
    loss_t.backward()
    return {"loss": abs(loss - loss_t.item()), "logit gradient": _largest(dlogits, _numpy(
        logits_t.grad))}


def optimizer_side_by_side(model, torch_optimizer, optimizer, X, y, *, steps=5):
    """Train a helpers model and its twin for a few steps on the same batch, each with its own
    optimizer; return how far apart their parameters are.

    Parameters
    ----------
    model : helpers.layers.Sequential
    torch_optimizer : callable
        The twin module -> a torch.optim optimizer on its parameters, e.g.
        ``lambda module: torch.optim.Adam(module.parameters(), lr=0.01)``.
    optimizer : helpers.optim.SGD or Adam, built on `model`
    X, y : one batch and its labels
    steps : int

    Returns
    -------
    dict
        "per step": the largest difference over all parameters after each step (a list);
        "by parameter": helpers key -> the largest difference of that parameter at the end.
    """
    from .losses import softmax_cross_entropy
    from .optim import Optimizer

    torch = require_torch()
    L.check_model(model)
    check_callable(torch_optimizer, "torch_optimizer",
                   "lambda module: torch.optim.Adam(module.parameters(), lr=0.01)")
    if not isinstance(optimizer, Optimizer) or optimizer.model is not model:
        raise TypeError(f"optimizer must be a helpers.optim.SGD or Adam built on model, e.g. "
                        f"Adam(model, lr=0.01); got {type(optimizer).__name__}"
                        f"{' built on another model' if isinstance(optimizer, Optimizer) else ''}.")
    if y is None:
        raise TypeError("y must be the labels of X (class indices); got None.")
    X, y = check_data(X, y, model=model)
    steps = check_count(steps, "steps")
    module = to_torch(model)
    opt_t = torch_optimizer(module)
    Xt, yt = torch.tensor(X, dtype=torch.float64), torch.as_tensor(y)
    pairs = parameter_pairs(model, module)
    per_step = []
    for _ in range(steps):
        _, dlogits = softmax_cross_entropy(model.forward(X), y)
        model.backward(dlogits)
        optimizer.step()
        opt_t.zero_grad()
        torch.nn.functional.cross_entropy(module(Xt), yt).backward()
        opt_t.step()
        by_parameter = {key: _largest(model.params[key], _in_our_layout(p, t, model.params[key]))
                        for key, (p, t) in pairs.items()}
        per_step.append(max(by_parameter.values()))
    return {"per step": per_step, "by parameter": by_parameter}


# --- the capstone's best network, written in PyTorch --------------------------------------------

def torch_mlp(n_in, hidden, n_out, *, seed, activation="silu", residual=True, init="he"):
    """The MLP of ``helpers.models.mlp`` written as one would in PyTorch, float32.

    Linear -> activation per hidden layer; with `residual`, every layer whose input and output
    widths are equal becomes x + f(x), its weights scaled by 1 / sqrt(number of such branches);
    normal weights for the hidden layers, with std sqrt(2 / fan_in) for init="he" (PyTorch's
    kaiming_normal_ with nonlinearity "relu") or g / sqrt(fan_in) with the activation's own gain
    g for init="matched" (``helpers.init.matched_gain``, as ``models.mlp``), zero biases,
    Glorot-normal for the output layer. Not PyTorch's default initialisation (uniform, see the
    notebook).
    """
    torch = require_torch()
    nn = torch.nn
    check_choice(activation, "activation", TORCH_ACTIVATIONS)
    residual = check_bool(residual, "residual")
    init = check_choice(init, "init", ("he", "matched"))
    gain = matched_gain(activation) if init == "matched" else None
    torch.manual_seed(check_positive_int(seed, "seed", minimum=0, maximum=TORCH_MAX_SEED))
    hidden = [check_size(h, "hidden width")
              for h in check_sequence(hidden, "hidden", "[48] * 16")]
    widths = [check_size(n_in, "n_in"), *hidden]
    n_branches = sum(a == b for a, b in zip(widths[:-1], widths[1:], strict=True))
    layers = []
    for width, h in zip(widths[:-1], widths[1:], strict=True):
        linear = nn.Linear(width, h)
        if gain is None:
            nn.init.kaiming_normal_(linear.weight, nonlinearity="relu")
        else:
            nn.init.normal_(linear.weight, std=gain / width ** 0.5)
        nn.init.zeros_(linear.bias)
        block = nn.Sequential(linear, getattr(nn, TORCH_ACTIVATIONS[activation])())
        if residual and width == h:
            with torch.no_grad():
                linear.weight /= n_branches ** 0.5
            layers.append(Residual(block))
        else:
            layers.extend(block)
    out = nn.Linear(widths[-1], check_size(n_out, "n_out"))
    nn.init.xavier_normal_(out.weight)
    nn.init.zeros_(out.bias)
    return nn.Sequential(*layers, out)


def train_torch(model, optimizer, data, *, seed, epochs, batch_size):
    """Train a torch `model` with a torch `optimizer` (built on its parameters) on softmax
    cross-entropy, as `helpers.training.fit` does: each epoch shuffles the training split into
    mini-batches of nearly equal size; accuracies are measured in evaluation mode.

    Returns
    -------
    (test accuracy, seconds per epoch, validation accuracy after each epoch)
    """
    torch = require_torch()
    _check_torch_model(model, torch)
    if not isinstance(optimizer, torch.optim.Optimizer):
        raise TypeError(f"optimizer must be a torch.optim optimizer built on the model, e.g. "
                        f"torch.optim.Adam(model.parameters(), lr=0.01); got "
                        f"{type(optimizer).__name__}.")
    ours = {id(p) for p in model.parameters()}
    if not any(id(p) in ours for group in optimizer.param_groups for p in group["params"]):
        raise ValueError("optimizer must be built on this model's parameters, e.g. "
                         "torch.optim.Adam(model.parameters(), lr=0.01); it updates another "
                         "model's, so this one would never change.")
    check_split(data)
    expected = _torch_input_features(model)
    if expected is not None and data.n_features != expected:
        raise ValueError(f"data has {data.n_features} features, but the model expects "
                         f"{expected}.")
    epochs = check_count(epochs, "epochs")
    batch_size = check_size(batch_size, "batch_size")
    X, y = torch.tensor(data.X_train, dtype=torch.float32), torch.as_tensor(data.y_train)
    generator = torch.Generator().manual_seed(check_positive_int(seed, "seed", minimum=0,
                                                                 maximum=TORCH_MAX_SEED))
    loss_fn = torch.nn.CrossEntropyLoss()
    n_batches = -(-len(y) // batch_size)
    val_acc, start = [], time.perf_counter()
    for _ in range(epochs):
        model.train()
        for batch in torch.randperm(len(y), generator=generator).tensor_split(n_batches):
            optimizer.zero_grad()
            loss_fn(model(X[batch]), y[batch]).backward()
            optimizer.step()
        val_acc.append(torch_accuracy(model, data.X_val, data.y_val))
    seconds = (time.perf_counter() - start) / epochs
    return torch_accuracy(model, data.X_test, data.y_test), seconds, val_acc


def torch_accuracy(model, X, y):
    """Accuracy of a torch model on (X, y), in evaluation mode and without gradients."""
    torch = require_torch()
    _check_torch_model(model, torch)
    if y is None:
        raise TypeError("y must be the labels of X (class indices); got None.")
    X, y = check_data(X, y)
    expected = _torch_input_features(model)
    if expected is not None and X.shape[1] != expected:
        raise ValueError(f"X has {X.shape[1]} features (columns), but the model expects "
                         f"{expected}; got shape {X.shape}.")
    model.eval()
    with torch.no_grad():
        logits = model(torch.tensor(X, dtype=torch.float32))
    check_labels(y, len(y), logits.shape[1], name="y")  # labels beyond the model's classes
    return float((logits.argmax(dim=1).numpy() == y).mean())


# torch.manual_seed takes seeds from 0 to 2**64 - 1
TORCH_MAX_SEED = 2**64 - 1


def _check_torch_model(model, torch):
    if not isinstance(model, torch.nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, e.g. from torch_mlp; got "
                        f"{type(model).__name__}.")


def _torch_input_features(model):
    """The in_features of the model's first Linear layer, or None."""
    first = next((m for m in model.modules() if hasattr(m, "in_features")), None)
    return None if first is None else first.in_features


# --- a deep SELU network under PyTorch's initialisations and dropouts (numpy) -----------------

# What a reader can write in PyTorch, and the weight distribution it gives (fan_in = n):
TORCH_INITS = {
    # nn.Linear's own reset_parameters: kaiming_uniform_(a=sqrt(5)) = U(-1/sqrt(n), 1/sqrt(n)),
    # weights *and* biases: weight variance 1/(3n), a third of what SELU needs
    "nn.Linear default": "uniform",
    # kaiming_normal_(w, nonlinearity="selu"): gain 3/4, std 0.75/sqrt(n), zero biases
    "gain('selu') = 3/4": 0.75,
    # kaiming_normal_(w, nonlinearity="linear"): LeCun normal, std 1/sqrt(n), zero biases
    "LeCun (gain 1)": 1.0,
}
DROPOUTS = ("none", "F.dropout", "F.alpha_dropout")


def torch_like_weights(init, n_in, n_out, *, rng):
    """Weights (n_in, n_out) and biases (n_out,) drawn as PyTorch's initialisation `init` (a
    key of `TORCH_INITS`) draws them, in numpy."""
    kind = TORCH_INITS[check_choice(init, "init", TORCH_INITS)]
    n_in, n_out = check_size(n_in, "n_in"), check_size(n_out, "n_out")
    check_rng(rng)
    bound = 1.0 / np.sqrt(n_in)
    if kind == "uniform":
        return rng.uniform(-bound, bound, (n_in, n_out)), rng.uniform(-bound, bound, n_out)
    return rng.standard_normal((n_in, n_out)) * (kind * bound), np.zeros(n_out)


def selu_depth_stats(init="LeCun (gain 1)", dropout="none", rate=0.1, *, depth=32, width=128,
                     n_samples=128, seed=0):
    """Mean and variance of the activations after each layer of a random SELU network.

    Inputs N(0, 1); each layer: Linear (drawn by `torch_like_weights`), SELU, then `dropout`
    ("none", "F.dropout": inverted dropout, "F.alpha_dropout") with probability `rate`, in
    training mode.

    Returns
    -------
    (mean, var) : ndarrays of shape (depth,)
    """
    check_choice(init, "init", TORCH_INITS)
    check_choice(dropout, "dropout", DROPOUTS)
    rate = check_dropout_rate(rate)
    depth, width = check_count(depth, "depth"), check_size(width, "width")
    rng = np.random.default_rng(check_positive_int(seed, "seed", minimum=0))
    drop = {"none": None, "F.dropout": L.Dropout, "F.alpha_dropout": L.AlphaDropout}[dropout]
    drop = None if drop is None or rate == 0 else drop(rate, rng=rng)
    h = rng.standard_normal((check_size(n_samples, "n_samples", minimum=2), width))
    mean, var = np.empty(depth), np.empty(depth)
    for layer in range(depth):
        W, b = torch_like_weights(init, width, width, rng=rng)
        h = ACTIVATIONS["selu"].function(h @ W + b)
        if drop is not None:
            h = drop.forward(h)
        mean[layer], var[layer] = h.mean(), h.var()
    return mean, var


def theory_variances(gain, depth):
    """The variance after each of `depth` SELU layers with LeCun weights times `gain` and
    zero-mean unit-variance inputs, by the moment map of ``helpers.selu_theory`` (tau = gain²),
    NaN once it falls below the range where the map is accurate. A gain whose first layer is
    already below that range, or whose variance overflows float64 within `depth` layers, is
    refused."""
    gain = check_finite_real(gain, "gain", minimum=0.0, exclusive=True)
    depth = check_count(depth, "depth")
    smallest = float(np.sqrt(MIN_VARIANCE * 10))
    if gain < smallest:
        raise ValueError(f"gain must be >= {smallest:.3g}: below, the first layer's variance "
                         f"(gain²) is under {MIN_VARIANCE * 10:g}, where the moment map is not "
                         f"accurate; got {gain}.")
    tau = gain * gain  # a Python float: inf, not an OverflowError, beyond float64
    path = [(0.0, 1.0)]
    for layer in range(1, depth + 1):
        variance = float(path[-1][1]) * tau
        if not variance >= MIN_VARIANCE * 10:  # NaN stays NaN
            path.append((np.nan, np.nan))
            continue
        if variance > 1e300:
            raise ValueError(f"gain = {gain:g} makes the variance overflow float64 by layer "
                             f"{layer} (of depth = {depth}): use a smaller gain or depth.")
        path.append(tuple(iterate_moment_map(*path[-1], 1, tau=tau)[1]))
    return np.array(path)[1:, 1]


def selu_depth_figure(rate=0.1, init="LeCun (gain 1)", dropout="F.alpha_dropout", depth=32,
                      seeds=(0, 1, 2)):
    """The figure behind `selu_depth_explorer`: per-layer mean and variance of a random SELU
    network with the chosen initialisation and dropout, each seed a band, against LeCun's
    initialisation without dropout (the self-normalizing setting)."""
    seeds, rate = check_seeds(seeds), check_dropout_rate(rate)
    check_choice(init, "init", TORCH_INITS)
    check_choice(dropout, "dropout", DROPOUTS)
    label = f"{init}, {dropout}" + (f" p={rate:g}" if dropout != "none" else "")
    runs = {label: [selu_depth_stats(init, dropout, rate, depth=depth, seed=s) for s in seeds],
            "LeCun, no dropout": _reference_stats(depth, tuple(seeds))}
    fig, axes = explorer_figure(2)
    plot_layer_curves({k: [r[0] for r in v] for k, v in runs.items()}, ax=axes[0],
                      ylabel="mean of activations", title="Mean per layer (target 0)",
                      ylim=(-0.3, 0.3))
    plot_layer_curves({k: [r[1] for r in v] for k, v in runs.items()}, ax=axes[1],
                      ylabel="variance of activations", title="Variance per layer (target 1)",
                      logy=True, ylim=(1e-3, 10))
    axes[1].yaxis.set_minor_formatter(NullFormatter())  # four decades: labels at each suffice
    axes[0].axhline(0, color="0.6", linestyle=":")
    axes[1].axhline(1, color="0.6", linestyle=":")
    fig.suptitle(f"Random SELU network, width 128, {len(seeds)} seeds (band: min-max)")
    return fig


@functools.lru_cache(maxsize=16)
def _reference_stats(depth, seeds):
    """LeCun without dropout: the same at every slider position but depth, so kept."""
    return [selu_depth_stats("LeCun (gain 1)", "none", depth=depth, seed=s) for s in seeds]


def selu_depth_explorer():
    """Sliders over `selu_depth_figure`: dropout rate, initialisation and kind of dropout."""
    return explorer(
        selu_depth_figure,
        rate=widgets.FloatSlider(value=0.1, min=0.0, max=0.3, step=0.05,
                                 description="dropout p"),
        init=widgets.Dropdown(options=list(TORCH_INITS), value="LeCun (gain 1)",
                              description="init"),
        dropout=widgets.Dropdown(options=list(DROPOUTS), value="F.alpha_dropout",
                                 description="dropout"),
        depth=widgets.IntSlider(value=32, min=8, max=48, step=8, description="depth"),
    )


# --- exercises -------------------------------------------------------------------------------

def _init_hint(*levels, key=None):
    return Hint(levels, key=key)


_LECUN_CODE = ("torch.nn.init.kaiming_normal_(linear.weight, nonlinearity='linear'); "
               "torch.nn.init.zeros_(linear.bias)")


def _selu_init_layer(torch, rng, fan_in, wider):
    """A fresh nn.Linear with `fan_in` inputs and a fan_out 1.4 to 1.5 times larger (`wider`)
    or 1.4 to 1.7 times smaller: far enough from fan_in that every known scale (fan_out's,
    Glorot's, He's, SELU's gain) is told apart from the others and from the right one."""
    torch.manual_seed(int(rng.integers(2**31)))
    ratio = 1 / rng.uniform(1.4, 1.5) if wider else rng.uniform(1.4, 1.7)
    return torch.nn.Linear(fan_in, int(round(fan_in / ratio)))


def _initialised(candidate, linear, torch):
    """Run the reader's function on `linear`: the Feedback for an answer that did not change
    this layer's parameters in place and return it, else (weight, bias) as arrays."""
    weight_tensor, bias_tensor = linear.weight, linear.bias
    before = _numpy(linear.weight).copy()
    out, problem = call(candidate, linear)
    if problem is not None:
        return verdict(problem)
    changed = not (linear.weight is weight_tensor and np.array_equal(_numpy(linear.weight),
                                                                      before))
    if isinstance(out, torch.nn.Linear) and out is not linear:
        return not_yet(_init_hint(
            "you returned a new layer" + ("" if changed else " and left the one you were given "
                                          "as it was") + ": a network that holds the given "
            "layer never sees your initialisation.", "Change the given layer's parameters in "
            "place (the torch.nn.init functions whose names end in _ do) and return that same "
            "layer.", _LECUN_CODE, key="new layer"))
    if not isinstance(out, torch.nn.Linear):
        return not_yet(f"return the layer you were given (after changing it in place, as the "
                       f"nn.init functions do); got a {type(out).__name__}.")
    if linear.weight is not weight_tensor or linear.bias is not bias_tensor:
        return not_yet(_init_hint(
            "you replaced the layer's weight or bias with a new Parameter: an optimizer built "
            "on the layer before still holds the old one, and would train that.", "Change the "
            "values of the existing tensors instead: the torch.nn.init functions ending in _ "
            "do it in place.", _LECUN_CODE, key="new parameter"))
    weight, bias = numbers(_numpy(linear.weight)), numbers(_numpy(linear.bias))
    if weight is None or weight.shape != before.shape or bias is None:
        return not_yet("keep the layer's weight and bias (change their values, not the layer).")
    if np.array_equal(weight, before):
        return not_yet(_init_hint(
            "the weights are unchanged: nn.Linear's own initialisation is uniform on "
            "±1/sqrt(fan_in), a variance of 1/(3 fan_in), a third of what SELU needs.",
            "Re-draw them with one of torch.nn.init's functions, in place (they end in _).",
            _LECUN_CODE))
    return weight, bias


def _scale_problem(weight):
    """The hint for weights whose spread is not LeCun's, or None."""
    n_out, n_in = weight.shape
    scale = weight.std() * np.sqrt(n_in)  # 1 for LeCun; 20,000 draws or more: within 1% or so
    if abs(scale - 1) <= 0.03:
        return None
    named = [(0.75, "that is calculate_gain('selu') = 3/4, PyTorch's gain for SELU, which the "
              "documentation itself says does not self-normalize.",
              "Self-normalization needs the gain of a linear layer."),
             (np.sqrt(2), "that is He's initialisation for ReLU (gain sqrt(2)), twice the "
              "variance SELU needs.", "SELU's analysis assumes the gain of a linear layer."),
             (np.sqrt(n_in / n_out), "the spread follows fan_out, not fan_in: the variance of "
              "each unit's input is the sum over its fan_in inputs.", "Keep mode='fan_in' (the "
              "default) in kaiming_normal_."),
             (np.sqrt(2 * n_in / (n_in + n_out)), "that is Glorot's (Xavier's) initialisation, "
              "variance 2/(fan_in + fan_out): it averages the two fans, where SELU needs "
              "1/fan_in.", "Use a function that scales by fan_in alone."),
             (1 / np.sqrt(3), "that is nn.Linear's own initialisation again (uniform on "
              "±1/sqrt(fan_in)): a variance of 1/(3 fan_in), a third of what SELU needs.",
              "Re-draw the weights with a variance of 1/fan_in."),
             (1 / np.sqrt(n_in), "the weights' standard deviation is 1/fan_in: that is LeCun's "
              "variance, used as a standard deviation.", "The standard deviation is the square "
              "root of the variance: 1/sqrt(fan_in)."),
             (np.sqrt(n_in), "the weights are standard normal (standard deviation 1): not "
              "scaled by fan_in at all.", "Scale them to variance 1/fan_in.")]
    for value, *levels in named:
        if abs(scale - value) < 0.03 * value:
            return _init_hint(*levels, _LECUN_CODE)
    return _init_hint(f"the weights' standard deviation is {scale:.3g}/sqrt(fan_in); LeCun's is "
                      "1/sqrt(fan_in).", "Draw them with variance 1/fan_in (fan_in is the "
                      "number of inputs, linear.in_features).", _LECUN_CODE, key="scale")


_SIZES = _init_hint(
    "your weights' spread does not follow the layer's size: this check tries two layers, of "
    "about 150 to 220 and 400 to 600 inputs, and yours are right for at most one of them. Did "
    "you write a number of inputs into your function?", "Read the size from the layer "
    "(linear.in_features), or let a torch.nn.init function compute fan_in.", _LECUN_CODE,
    key="sizes")


@checker
def check_selu_init(candidate):
    """Check a reader's ``selu_init_(linear)``: it must give a torch ``nn.Linear`` the
    initialisation self-normalization needs, weights of variance 1 / fan_in and zero biases,
    in place (the same layer, the same parameter tensors), and return the layer.
    Each call tries two fresh layers of random sizes, one about three times wider than the
    other (see `_selu_init_layer`), so that no size can be written into the answer.

    Examples
    --------
    >>> import torch  # doctest: +SKIP
    >>> def ok(linear):  # doctest: +SKIP
    ...     torch.nn.init.kaiming_normal_(linear.weight, nonlinearity="linear")
    ...     torch.nn.init.zeros_(linear.bias)
    ...     return linear
    >>> check_selu_init(ok)  # doctest: +SKIP
    Correct! ...
    """
    torch = require_torch()
    rng = np.random.default_rng()
    answers, wider = [], bool(rng.integers(2))  # both layers wider, or both narrower
    for fan_in in (int(rng.integers(400, 601)), int(rng.integers(150, 221))):
        answer = _initialised(candidate, _selu_init_layer(torch, rng, fan_in, wider), torch)
        if isinstance(answer, Feedback):
            return answer
        answers.append(answer)
    problems = [_scale_problem(weight) for weight, _ in answers]
    spreads = [weight.std() for weight, _ in answers]
    if any(problems) and not all(problems) or (
            abs(spreads[0] / spreads[1] - 1) < 0.05 and abs(spreads[0] - 1) > 0.05):
        return not_yet(_SIZES)  # right for one size only, or the same spread for both
    if problems[0] is not None:
        return not_yet(problems[0])
    if any(np.any(bias != 0) for _, bias in answers):
        return not_yet(_init_hint(
            "the weights are right, but the biases are not 0 (nn.Linear's own are uniform on "
            "±1/sqrt(fan_in)): the self-normalizing analysis assumes zero biases.",
            "Set them to 0 in place, as the weights.", _LECUN_CODE))
    weight = answers[0][0]
    centred = weight - weight.mean()
    kurtosis = float((centred**4).mean() / (centred**2).mean() ** 2)  # normal 3, uniform 1.8
    shape = ("normal, as LeCun's initialisation" if kurtosis > 2.5 else
             "uniform with the right variance, which self-normalizes just as well (LeCun's is "
             "normal)")
    return correct(f"weights of standard deviation 1/sqrt(fan_in), {shape}, and zero biases.")


def _param_group_models(torch, rng):
    """The models a param_groups answer is tried on: the notebook's example first, then two
    drawn at random (widths, depth, biases, norms, PReLU, an inner nn.Sequential, dropout), so
    that the names and positions of the parameters differ from model to model; their output
    layer is always where the example has none (position 6 or later)."""
    nn = torch.nn
    models = [nn.Sequential(nn.Linear(6, 5), nn.BatchNorm1d(5), nn.PReLU(5), nn.Linear(5, 4),
                            nn.LayerNorm(4), nn.Linear(4, 3, bias=False))]
    norms = [nn.BatchNorm1d, nn.LayerNorm, nn.RMSNorm, None]
    for _ in range(2):
        width, layers = int(rng.integers(3, 9)), []
        for k in range(int(rng.integers(2, 5))):
            out = int(rng.integers(3, 9))
            block = [nn.Linear(width, out, bias=bool(rng.integers(2)))]
            norm = norms[k % 3] if k == 0 else norms[int(rng.integers(len(norms)))]
            block += [] if norm is None else [norm(out)]
            block.append(nn.PReLU(out if k % 2 == 0 else 1) if k < 2 or rng.integers(2)
                         else nn.ReLU())
            layers += [nn.Sequential(*block)] if k == 1 or rng.integers(2) else block
            width = out
        while len(layers) < 6:  # the output layer beyond the example's last position, 5
            layers.insert(int(rng.integers(len(layers) + 1)), nn.Dropout(0.1))
        layers.append(nn.Linear(width, int(rng.integers(2, 6))))
        models.append(nn.Sequential(*layers))
    return models


_GROUPS_CODE = ("linear = [m.weight for m in model.modules() if isinstance(m, nn.Linear)]; "
                "rest = [p for p in model.parameters() if all(p is not w for w in linear)]; "
                "return [{'params': linear}, {'params': rest, 'weight_decay': 0.0}]")
_BY_MODULE = ("Walk through model.modules(): the weight of each nn.Linear goes in the decayed "
              "group, every other parameter in a second group with weight_decay 0.0.")


def _groups_hint(first, second=_BY_MODULE, key=None):
    return Hint((first, second, _GROUPS_CODE), key=key)


def _as_groups(out, torch):
    """The reader's answer as a list of dicts with a list of "params" each, or a Feedback."""
    try:
        items = list(out)
    except TypeError:
        return not_yet(f"return the list of groups, e.g. [{{'params': [...]}}, {{'params': [...], "
                       f"'weight_decay': 0.0}}]; got {type(out).__name__}.")
    if items and all(isinstance(p, torch.Tensor) for p in items):
        return [{"params": items}]  # a plain list of parameters: one group, as AdamW reads it
    groups = []
    for group in items:
        if not isinstance(group, dict) or "params" not in group:
            return not_yet(f"each group must be a dict with a 'params' entry, e.g. {{'params': "
                           f"[...], 'weight_decay': 0.0}}; got {group!r:.60}.")
        params = group["params"]
        try:
            params = [params] if isinstance(params, torch.Tensor) else list(params)
        except TypeError:
            return not_yet(f"a group's 'params' must be a list of parameters; got "
                           f"{type(params).__name__}.")
        groups.append({**group, "params": params})
    return groups


def _groups_problem(candidate, model, weight_decay, torch):
    """The Feedback for the reader's groups on one model, or None if they decay exactly the
    weights of its nn.Linear layers with `weight_decay`."""
    out, problem = call(candidate, model, weight_decay)
    if problem is not None:
        return verdict(problem)
    groups = _as_groups(out, torch)
    if isinstance(groups, Feedback):
        return groups
    for group in groups:
        typo = [k for k in group if "decay" in k.lower() and k != "weight_decay"]
        if typo:
            return not_yet(f"{typo[0]!r} is not an option of torch.optim.AdamW: a group's "
                           "weight decay is its 'weight_decay' entry (unknown entries are kept "
                           "and ignored).")
    names = {id(p): name for name, p in model.named_parameters()}
    counts = {}
    for group in groups:
        for p in group["params"]:
            counts[id(p)] = counts.get(id(p), 0) + 1
    twice = [names.get(i, "a tensor") for i, n in counts.items() if n > 1]
    if twice:
        return not_yet(_groups_hint(f"a parameter is in more than one group ({twice[0]}); "
                                    "each must be in exactly one.", key="twice"))
    foreign = [i for i in counts if i not in names]
    if foreign:
        return not_yet("a group holds a tensor that is not a parameter of the model passed in "
                       "(a parameter of another model, or a copy).")
    missing = [names[i] for i in names if i not in counts]
    if missing:
        return not_yet(_groups_hint(f"some parameters are in no group ({', '.join(missing)}), "
                                    "so the optimizer would never update them.", "Every "
                                    "parameter of model.parameters() goes in exactly one group: "
                                    "those without decay in a group with weight_decay 0.0.",
                                    key="missing"))
    try:
        optimizer = torch.optim.AdamW(groups, lr=1e-3, weight_decay=weight_decay)
    except (TypeError, ValueError, KeyError) as error:
        return not_yet(f"torch.optim.AdamW does not accept these groups: {error}")
    decays = {id(p): g["weight_decay"] for g in optimizer.param_groups for p in g["params"]}
    odd = sorted({d for d in decays.values() if d not in (weight_decay, 0.0)})
    if odd:
        return not_yet(_groups_hint(
            f"a group has weight_decay {odd[0]:g}: the decayed group takes the weight_decay "
            f"argument ({weight_decay:g} here), the other one 0.0.", "Leave 'weight_decay' out "
            "of the decayed group (the optimizer's own applies) or set it to the argument.",
            key="value"))
    decayed = {names[i] for i, d in decays.items() if d == weight_decay}
    modules = dict(model.named_modules())
    linear = {n: m for n, m in modules.items() if isinstance(m, torch.nn.Linear)}
    matrices = {f"{n}.weight" if n else "weight" for n in linear}
    if decayed == matrices:
        return None
    if decayed == set(names.values()):
        return not_yet(_groups_hint("every parameter gets weight decay: that is what a plain "
                                    "optimizer does, and what this exercise avoids.",
                                    key="everything"))
    if not decayed:
        return not_yet(_groups_hint("no parameter gets weight decay: the weight matrices "
                                    "should.", key="nothing"))
    extra, lacking = decayed - matrices, matrices - decayed
    owners = {name: name.rpartition(".")[0] for name in names.values()}
    if not lacking and all(n.endswith("weight") for n in extra):
        return not_yet(_groups_hint(
            f"normalisation gains or PReLU slopes are decayed ({', '.join(sorted(extra))}): "
            "they are called 'weight' too, so a test on the name misses the difference.",
            "Test the module's type instead: isinstance(m, nn.Linear) for m in "
            "model.modules().", key="named weight"))
    if not lacking and all(owners[n] in linear for n in extra):
        return not_yet(_groups_hint("the biases of the linear layers are decayed too; only "
                                    "their weight matrices should be.", key="biases"))
    top = {f"{n}.weight" for n, m in model.named_children() if isinstance(m, torch.nn.Linear)}
    if decayed == top:
        return not_yet(_groups_hint(
            f"you decayed the linear layers among the model's direct children only; those "
            f"inside an inner nn.Sequential ({', '.join(sorted(lacking))}) were missed.",
            "model.modules() walks through every module, nested ones too; model.children() "
            "does not.", key="children"))
    return not_yet(_groups_hint(f"decay exactly the weight matrices of the nn.Linear layers "
                                f"({', '.join(sorted(matrices))}); yours decays "
                                f"{', '.join(sorted(decayed))}.", key="other"))


@checker
def check_param_groups(candidate):
    """Check a reader's ``param_groups(model, weight_decay)``: the list of parameter groups for
    ``torch.optim.AdamW(groups, lr=..., weight_decay=weight_decay)`` that decays the weight
    matrices of the nn.Linear layers only (not biases, PReLU slopes or normalisation
    parameters).

    Each call tries three models, the notebook's example and two drawn at random (see
    `_param_group_models`), and a weight decay drawn anew, so that neither parameter names nor
    positions nor the value can be written into the answer.

    Examples
    --------
    >>> def ok(model, weight_decay):  # doctest: +SKIP
    ...     linear = [m.weight for m in model.modules() if isinstance(m, torch.nn.Linear)]
    ...     rest = [p for p in model.parameters() if all(p is not w for w in linear)]
    ...     return [{"params": linear}, {"params": rest, "weight_decay": 0.0}]
    >>> check_param_groups(ok)  # doctest: +SKIP
    Correct! ...
    """
    torch = require_torch()
    rng = np.random.default_rng()
    weight_decay = float(rng.choice([0.05, 0.1, 0.2, 0.3]))
    example, *others = [_groups_problem(candidate, model, weight_decay, torch)
                        for model in _param_group_models(torch, rng)]
    if example is not None:
        return example
    wrong = [problem for problem in others if problem is not None]
    if wrong and all(p is not None and p.hint is not None and p.hint.key == "children"
                     for p in others):
        return wrong[0]  # the nested linear layers missed, in every model that has them
    if wrong:  # right for the example model, wrong for another
        return not_yet(_groups_hint(
            f"right for the notebook's example model, but not for another one, with other "
            f"layers ({wrong[0].message.removeprefix('Not yet: ')}) Did you write names or "
            "positions of one model's parameters into your function? This check tries models "
            "of different shapes.", "Decide by each module's type, not by a name or a place: "
            + _BY_MODULE, key="one model"))
    return correct("weight decay on the weight matrices of the nn.Linear layers only; biases, "
                   "PReLU slopes and the normalisations' gains and shifts are left alone, in "
                   "every model tried.")


# --- deep dive: PyTorch's defaults for ReLU networks -----------------------------------------

# The initialisations the deep dive compares in a stack of Linear + ReLU layers (fan_in = n):
RELU_STACK_INITS = {
    # nn.Linear's reset_parameters: weights and biases U(-1/sqrt(n), 1/sqrt(n)), variance 1/(3n)
    "nn.Linear default": "default",
    "nn.Linear default, no bias": "default",  # nn.Linear(n, n, bias=False)
    # kaiming_normal_(w, nonlinearity="relu"): std sqrt(2/n), He's; biases set to zero
    "He (kaiming_normal_)": "he",
}


def default_init_moments(depth, width, *, q0=1.0, bias=True):
    """E[z²] of the pre-activations after each of `depth` Linear(width, width) + ReLU layers
    under nn.Linear's default initialisation, for inputs of second moment `q0`, from
    E[z²] = n Var(w) E[h²] + Var(b) with Var(w) = Var(b) = 1/(3n) and E[relu(z)²] = E[z²]/2:

        E[z_1²] = q0/3 + 1/(3n),   E[z_{l+1}²] = E[z_l²]/6 + 1/(3n)

    (without the 1/(3n) when `bias` is False). With biases it settles at 2/(5n).
    """
    depth, width = check_count(depth, "depth"), check_size(width, "width")
    q = check_finite_real(q0, "q0", minimum=0.0)
    floor = 1.0 / (3 * width) if check_bool(bias, "bias") else 0.0
    moments = []
    for layer in range(depth):
        q = (q / 3 if layer == 0 else q / 6) + floor
        moments.append(q)
    return np.array(moments)


def relu_stack_moments(init="nn.Linear default", *, depth=10, width=256, n_samples=100, seed=0):
    """E[z²] of the pre-activations after each Linear of a random PyTorch network of `depth`
    blocks Linear(width, width) + ReLU, initialised by `init` (a key of `RELU_STACK_INITS`),
    on `n_samples` inputs drawn from N(0, 1), in float64. PyTorch's global random generator is
    seeded inside and restored afterwards.

    Returns
    -------
    ndarray of shape (depth,)
    """
    torch = require_torch()
    kind = RELU_STACK_INITS[check_choice(init, "init", RELU_STACK_INITS)]
    depth, width = check_count(depth, "depth"), check_size(width, "width")
    n_samples = check_size(n_samples, "n_samples")
    seed = check_positive_int(seed, "seed", minimum=0, maximum=TORCH_MAX_SEED)
    moments = []
    with torch.random.fork_rng(devices=[]), torch.no_grad():
        torch.manual_seed(seed)
        h = torch.randn(n_samples, width, dtype=torch.float64)
        for _ in range(depth):
            linear = torch.nn.Linear(width, width, bias=init != "nn.Linear default, no bias",
                                     dtype=torch.float64)
            if kind == "he":
                torch.nn.init.kaiming_normal_(linear.weight, nonlinearity="relu")
                torch.nn.init.zeros_(linear.bias)
            z = linear(h)
            moments.append(z.square().mean().item())
            h = torch.relu(z)
    return np.array(moments)


def scaled_output_change(model, X, names, factor):
    """How much the output of the torch `model` on the batch `X` changes, in training mode
    (batch norm normalising with the batch's statistics), when the parameters called `names`
    (keys of ``model.named_parameters()``) are multiplied by `factor`: the largest absolute
    change of the output divided by its largest absolute value. It works on copies: `model`,
    its running statistics and its mode are left as they are."""
    torch = require_torch()
    _check_torch_model(model, torch)
    X = as_float_array(X, "X")
    expected = _torch_input_features(model)
    if X.ndim != 2 or X.shape[0] < 2 or expected is not None and X.shape[1] != expected:
        raise ValueError(f"X must be a batch of at least 2 samples, shape (n, "
                         f"{expected if expected is not None else 'features'}); got shape "
                         f"{X.shape}.")
    names = check_sequence(names, "names", '["0.weight"]')
    known = dict(model.named_parameters())
    unknown = [n for n in names if not isinstance(n, str) or n not in known]
    if unknown:
        raise ValueError(f"names must be names of the model's parameters, such as "
                         f"{list(known)[:4]}; got {unknown[0]!r:.60}.")
    factor = check_finite_real(factor, "factor", minimum=0.0, exclusive=True)
    inputs = torch.tensor(X, dtype=next(model.parameters()).dtype)
    outputs = []
    for scale in (1.0, factor):
        twin = copy.deepcopy(model).train()
        with torch.no_grad():
            parameters = dict(twin.named_parameters())
            for name in names:
                parameters[name].mul_(scale)
            outputs.append(twin(inputs))
    return float((outputs[1] - outputs[0]).abs().max() / outputs[0].abs().max())


# Notebook 06's most accurate network without normalization (on validation, at convergence):
# SiLU with residual connections, 16 hidden layers of 64 with SiLU's matched gain, Adam at the
# learning rate the protocol chose, batches of 100; notebook 07 trains it for a fixed budget of
# 10 epochs. tests/test_nb07.py checks it against the stored study (helpers.studies.CAPSTONE).
CAPSTONE_BEST = dict(activation="silu", hidden=[64] * 16, residual=True, init="matched",
                     lr=10 ** -2.5, epochs=10, batch_size=100)  # lr 0.0032: a grid point
