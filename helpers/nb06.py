"""Everything behind notebook 06 · From numpy to PyTorch: the PyTorch counterpart of every
layer of ``helpers.layers`` with the same parameters, the side-by-side checks (forward,
backward, parameter gradients, optimizer steps), the PyTorch version of the capstone's best
network and its training loop, the figures, the explorer and the exercise checkers.

PyTorch is optional (``pip install -e ".[torch]"``). This module imports it only inside the
functions that need it, so that it imports, and its numpy parts (the figures, the explorer,
the checkers) run, without PyTorch; `require_torch` says how to install it.

Reads: ``helpers.layers`` and ``helpers.optim`` (what PyTorch is compared with),
``helpers.selu_theory`` (the variance a deep SELU network should keep).
"""

import functools
import time

import ipywidgets as widgets
import numpy as np
from matplotlib.ticker import NullFormatter

from . import layers as L
from ._validation import (
    as_float_array,
    check_choice,
    check_dropout_rate,
    check_finite_real,
    check_positive_int,
    check_rng,
    check_seeds,
)
from .activations import ACTIVATIONS
from .checking import (
    Hint,
    call,
    checker,
    correct,
    not_yet,
    numbers,
    verdict,
)
from .experiments import check_split
from .plotting import plot_layer_curves
from .selu_theory import MIN_VARIANCE, iterate_moment_map
from .widgets import explorer, explorer_figure

INSTALL_HELP = """\
This notebook needs PyTorch, which is not installed in this Python environment.
Notebooks 00 to 05 do not need it. To run this one, install the CPU build and restart the kernel:
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
        return nn.LayerNorm(layer.num_features, eps=layer.eps, **f64)
    if isinstance(layer, L.RMSNorm):  # nn.RMSNorm's default eps is the dtype's, not 1e-5
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
    if isinstance(layer, L.PReLU):
        return {"negative_slope": (module.weight, False)}
    if isinstance(layer, L.BatchNorm1d | L.LayerNorm):
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
        for ours, twin in zip(_leaves(layer), _torch_leaves(module), strict=True):
            if isinstance(ours, L.BatchNorm1d):
                twin.running_mean.copy_(torch.from_numpy(ours.running_mean))
                twin.running_var.copy_(torch.from_numpy(ours.running_var))
    return module.train(layer.training)


def _leaves(layer):
    """The leaf layers of a helpers model, in order (through Sequential and Residual)."""
    if isinstance(layer, L.Sequential):
        return [leaf for inner in layer.layers for leaf in _leaves(inner)]
    if isinstance(layer, L.Residual):
        return _leaves(layer.block)
    return [layer]


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
    norms = [(a, b) for a, b in zip(_leaves(layer), _torch_leaves(module), strict=True)
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

    torch = require_torch()
    module = to_torch(model)
    opt_t = torch_optimizer(module)
    Xt, yt = torch.tensor(X, dtype=torch.float64), torch.as_tensor(np.asarray(y))
    pairs = parameter_pairs(model, module)
    per_step = []
    for _ in range(check_positive_int(steps, "steps")):
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

def torch_mlp(n_in, hidden, n_out, *, seed, activation="silu", residual=True):
    """The MLP of ``helpers.models.mlp`` written as one would in PyTorch, float32.

    Linear -> activation per hidden layer; with `residual`, every layer whose input and output
    widths are equal becomes x + f(x), its weights scaled by 1 / sqrt(number of such branches);
    He-normal weights for the hidden layers (nonlinearity "relu": std sqrt(2 / fan_in), what
    helpers uses for SiLU), zero biases, Glorot-normal for the output layer. Not PyTorch's
    default initialisation (uniform, see the notebook).
    """
    torch = require_torch()
    nn = torch.nn
    check_choice(activation, "activation", TORCH_ACTIVATIONS)
    torch.manual_seed(check_positive_int(seed, "seed", minimum=0))
    widths = [check_positive_int(n_in, "n_in"), *hidden]
    n_branches = sum(a == b for a, b in zip(widths[:-1], widths[1:], strict=True))
    layers = []
    for width, h in zip(widths[:-1], widths[1:], strict=True):
        linear = nn.Linear(width, h)
        nn.init.kaiming_normal_(linear.weight, nonlinearity="relu")
        nn.init.zeros_(linear.bias)
        block = nn.Sequential(linear, getattr(nn, TORCH_ACTIVATIONS[activation])())
        if residual and width == h:
            with torch.no_grad():
                linear.weight /= n_branches ** 0.5
            layers.append(Residual(block))
        else:
            layers.extend(block)
    out = nn.Linear(widths[-1], check_positive_int(n_out, "n_out"))
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
    check_split(data)
    X, y = torch.tensor(data.X_train, dtype=torch.float32), torch.as_tensor(data.y_train)
    generator = torch.Generator().manual_seed(check_positive_int(seed, "seed", minimum=0))
    loss_fn = torch.nn.CrossEntropyLoss()
    n_batches = -(-len(y) // batch_size)
    val_acc, start = [], time.perf_counter()
    for _ in range(check_positive_int(epochs, "epochs")):
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
    model.eval()
    with torch.no_grad():
        logits = model(torch.tensor(as_float_array(X, "X"), dtype=torch.float32))
    return float((logits.argmax(dim=1).numpy() == np.asarray(y)).mean())


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
    n_in, n_out = check_positive_int(n_in, "n_in"), check_positive_int(n_out, "n_out")
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
    depth, width = check_positive_int(depth, "depth"), check_positive_int(width, "width")
    rng = np.random.default_rng(check_positive_int(seed, "seed", minimum=0))
    drop = {"none": None, "F.dropout": L.Dropout, "F.alpha_dropout": L.AlphaDropout}[dropout]
    drop = None if drop is None or rate == 0 else drop(rate, rng=rng)
    h = rng.standard_normal((check_positive_int(n_samples, "n_samples", minimum=2), width))
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
    NaN once it falls below the range where the map is accurate."""
    gain = check_finite_real(gain, "gain", minimum=0.0, exclusive=True)
    depth = check_positive_int(depth, "depth")
    path = [(0.0, 1.0)]
    for _ in range(depth):
        if not path[-1][1] * gain**2 >= MIN_VARIANCE * 10:  # NaN stays NaN
            path.append((np.nan, np.nan))
            continue
        path.append(tuple(iterate_moment_map(*path[-1], 1, tau=gain**2)[1]))
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


@checker
def check_selu_init(candidate):
    """Check a reader's ``selu_init_(linear)``: it must give a torch ``nn.Linear`` the
    initialisation self-normalization needs, weights of variance 1 / fan_in and zero biases,
    in place, and return the layer.
    Each call uses a fresh layer of 400 inputs and 300 outputs.

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
    n_in, n_out = 400, 300
    torch.manual_seed(int(np.random.default_rng().integers(2**31)))  # a fresh layer each time
    linear = torch.nn.Linear(n_in, n_out)
    before = _numpy(linear.weight).copy()
    out, problem = call(candidate, linear)
    if problem is not None:
        return verdict(problem)
    if not isinstance(out, torch.nn.Linear):
        return not_yet(f"return the layer you were given (after changing it in place, as the "
                       f"nn.init functions do); got a {type(out).__name__}.")
    linear = out
    weight, bias = numbers(_numpy(linear.weight)), numbers(_numpy(linear.bias))
    if weight is None or weight.shape != (n_out, n_in) or bias is None:
        return not_yet("keep the layer's weight and bias (change their values, not the layer).")
    if np.array_equal(weight, before):
        return not_yet(_init_hint(
            "the weights are unchanged: nn.Linear's own initialisation is uniform on "
            "±1/sqrt(fan_in), a variance of 1/(3 fan_in), a third of what SELU needs.",
            "Re-draw them with one of torch.nn.init's functions, in place (they end in _).",
            "torch.nn.init.kaiming_normal_(linear.weight, nonlinearity='linear')"))
    scale = weight.std() * np.sqrt(n_in)  # 1 for LeCun; 120,000 draws: within 1% or so
    named = [(0.75, "that is calculate_gain('selu') = 3/4, PyTorch's gain for SELU, which the "
              "documentation itself says does not self-normalize.",
              "Self-normalization needs the gain of a linear layer."),
             (np.sqrt(2), "that is He's initialisation for ReLU (gain sqrt(2)), twice the "
              "variance SELU needs.", "SELU's analysis assumes the gain of a linear layer."),
             (np.sqrt(n_in / n_out), "the spread follows fan_out, not fan_in: the variance of "
              "each unit's input is the sum over its fan_in inputs.", "Keep mode='fan_in' (the "
              "default) in kaiming_normal_.")]
    if abs(scale - 1) > 0.03:
        for value, *levels in named:
            if abs(scale - value) < 0.03 * value:
                return not_yet(_init_hint(*levels, "torch.nn.init.kaiming_normal_(linear.weight, "
                                                    "nonlinearity='linear')"))
        return not_yet(_init_hint(
            f"the weights' standard deviation is {scale:.3g}/sqrt(fan_in); LeCun's is "
            "1/sqrt(fan_in).", "torch.nn.init.kaiming_normal_(linear.weight, "
            "nonlinearity='linear')", key="scale"))
    if np.any(bias != 0):
        return not_yet(_init_hint(
            "the weights are right, but the biases still hold nn.Linear's random values "
            "(uniform on ±1/sqrt(fan_in)): the self-normalizing analysis assumes zero biases.",
            "torch.nn.init.zeros_(linear.bias)"))
    centred = weight - weight.mean()
    kurtosis = float((centred**4).mean() / (centred**2).mean() ** 2)  # normal 3, uniform 1.8
    shape = ("normal, as LeCun's initialisation" if kurtosis > 2.5 else
             "uniform with the right variance, which self-normalizes just as well (LeCun's is "
             "normal)")
    return correct(f"weights of standard deviation 1/sqrt(fan_in), {shape}, and zero biases.")


def _group_decays(groups, weight_decay):
    """parameter id -> the weight decay its group gives it (or the optimizer's default)."""
    found = {}
    for group in groups:
        for p in group["params"]:
            found.setdefault(id(p), []).append(group.get("weight_decay", weight_decay))
    return found


@checker
def check_param_groups(candidate):
    """Check a reader's ``param_groups(model, weight_decay)``: the list of parameter groups for
    ``torch.optim.AdamW(groups, lr=..., weight_decay=weight_decay)`` that decays the weight
    matrices only (not biases, PReLU slopes or normalisation parameters).

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
    nn = torch.nn
    model = nn.Sequential(nn.Linear(6, 5), nn.BatchNorm1d(5), nn.PReLU(5), nn.Linear(5, 4),
                          nn.LayerNorm(4), nn.Linear(4, 3, bias=False))
    weight_decay = 0.05
    out, problem = call(candidate, model, weight_decay)
    if problem is not None:
        return verdict(problem)
    if out is None:
        return not_yet("return the list of groups, e.g. [{'params': [...]}, {'params': [...], "
                       "'weight_decay': 0.0}].")
    try:
        groups = list(out)
        torch.optim.AdamW(groups, lr=1e-3, weight_decay=weight_decay)
        decays = _group_decays(groups, weight_decay)
    except (TypeError, ValueError, KeyError) as error:
        return not_yet(f"torch.optim.AdamW does not accept these groups: {error}")
    names = {id(p): name for name, p in model.named_parameters()}
    missing = [names[i] for i in names if i not in decays]
    if missing:
        return not_yet(f"some parameters are in no group, so the optimizer would never update "
                       f"them: {', '.join(missing)}.")
    wrong = {names[i]: d for i, d in decays.items() if d != [weight_decay] and d != [0.0]}
    if wrong:
        return not_yet(f"each parameter must be in exactly one group; not so for "
                       f"{', '.join(wrong)}.")
    decayed = {names[i] for i, d in decays.items() if d == [weight_decay]}
    matrices = {n for n, p in model.named_parameters() if p.ndim >= 2}
    if decayed == set(names.values()):
        return not_yet(Hint((
            "every parameter gets weight decay: that is what a plain optimizer does, and what "
            "this exercise avoids.", "Walk through model.modules(): the weight of each "
            "nn.Linear goes in the decayed group, every other parameter in a second group with "
            "weight_decay 0.0.",
            "linear = [m.weight for m in model.modules() if isinstance(m, nn.Linear)]; "
            "rest = [p for p in model.parameters() if all(p is not w for w in linear)]; "
            "return [{'params': linear}, {'params': rest, 'weight_decay': 0.0}]")))
    if decayed > matrices and decayed - matrices <= {"1.weight", "2.weight", "4.weight"}:
        return not_yet(Hint((
            f"the PReLU slopes or normalisation gains are decayed "
            f"({', '.join(sorted(decayed - matrices))}): they are called 'weight' too, so a test "
            "on the name misses them.",
            "Test the module's type instead: isinstance(m, nn.Linear) for m in "
            "model.modules()."),
            key="named weight"))
    if decayed != matrices:
        return not_yet(f"decay exactly the weight matrices ({', '.join(sorted(matrices))}); "
                       f"yours decays {', '.join(sorted(decayed)) or 'nothing'}.")
    return correct("weight decay on the three weight matrices only; biases, PReLU slopes, "
                   "batch norm's and layer norm's gains and shifts are left alone.")


# Notebook 05's most accurate network (its residual comparison, at depth 16): SiLU, residual
# connections, 16 hidden layers of 48, Adam at the learning rate chosen for SiLU at depth 16,
# its training budget. tests/test_nb06.py checks it against notebook 05's stored outputs.
CAPSTONE_BEST = dict(activation="silu", hidden=[48] * 16, residual=True, lr=0.01, epochs=10,
                     batch_size=128)
