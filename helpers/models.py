"""Model builders: the multilayer perceptrons and the 1D CNN the notebooks train."""

from . import layers as L
from ._validation import (
    check_bool,
    check_choice,
    check_dropout_rate,
    check_rng,
    check_sequence,
    check_size,
)
from .activations import ACTIVATIONS
from .init import INITS, matched_gain


def mlp(n_in, hidden, n_out, *, rng, activation="relu", init=None, norm=None, dropout=0.0,
        dropout_kind=None, activation_params=None, residual=False):
    """Linear -> [norm] -> activation -> [dropout], once per hidden width, then a Linear.

    Parameters
    ----------
    n_in, n_out : int
        Input features and classes.
    hidden : sequence of int
        Hidden widths, e.g. [64] * 4.
    rng : numpy.random.Generator
        Initial weights (and dropout masks).
    activation : str, default "relu"
        A key of ``helpers.activations.ACTIVATIONS``.
    init : {"he", "lecun", "glorot", "matched"}, optional
        Hidden-layer init; default the one the table gives for the activation (He for the
        ReLU family, LeCun for SELU, Glorot for tanh/sigmoid). He init accounts for the
        activation's negative slope. "matched": N(0, g^2 / fan_in) with the activation's own
        gain g = 1 / sqrt(E[f(z)^2]) (``init.matched_gain``; He's for the ReLU family).
    norm : {None, "batch", "layer", "rms"}
        Normalisation between each hidden Linear and its activation (``layers.NORMS``).
    dropout : float, default 0
        Dropout rate after each activation.
    dropout_kind : {None, "standard", "alpha"}
        Default: alpha dropout for SELU, standard (inverted) dropout otherwise.
    activation_params : dict, optional
        The activation's parameters by name (e.g. {"negative_slope": 0.2}); for "prelu",
        "negative_slope" is the initial slope and "channelwise" (default True) chooses one
        slope per unit or one per layer.
    residual : bool, default False
        Wrap every hidden layer whose input and output widths are equal (all but the first, for
        equal widths) in ``layers.Residual``: x + f(x). Each such branch's weights are scaled
        by 1 / sqrt(number of branches), so that the sum of the branches does not make the
        activations grow with depth.

    Returns
    -------
    helpers.layers.Sequential

    Examples
    --------
    >>> import numpy as np
    >>> net = mlp(64, [32, 32], 10, rng=np.random.default_rng(0), activation="prelu")
    >>> [type(layer).__name__ for layer in net.layers]
    ['Linear', 'PReLU', 'Linear', 'PReLU', 'Linear']
    """
    n_in, n_out = check_size(n_in, "n_in"), check_size(n_out, "n_out")
    hidden = [check_size(h, "hidden width") for h in
              check_sequence(hidden, "hidden", "[64, 64]")]
    check_rng(rng)
    act = _Activation(activation, init, activation_params)
    norm_layer = None if norm is None else L.NORMS[check_choice(norm, "norm", L.NORMS)]
    dropout = check_dropout_rate(dropout, "dropout")
    kind = check_choice(dropout_kind, "dropout_kind", (None, "standard", "alpha")) or (
        "alpha" if activation == "selu" else "standard")
    residual = check_bool(residual, "residual")

    widths = [n_in, *hidden]
    n_branches = sum(a == b for a, b in zip(widths[:-1], widths[1:], strict=True))
    layers = []
    for width, h in zip(widths[:-1], widths[1:], strict=True):
        block = [act.scaled(L.Linear(width, h, rng=rng, init=act.init,
                                     negative_slope=act.slope))]
        if norm_layer is not None:
            block.append(norm_layer(h))
        block.append(act.layer(h))
        if dropout > 0:
            block.append((L.AlphaDropout if kind == "alpha" else L.Dropout)(dropout, rng=rng))
        if residual and width == h:
            block[0].params["W"] /= n_branches ** 0.5
            layers.append(L.Residual(L.Sequential(*block)))
        else:
            layers.extend(block)
    layers.append(L.Linear(widths[-1], n_out, rng=rng, init="glorot"))
    return L.Sequential(*layers)


def cnn(length, n_out, *, rng, channels=(25, 25, 25), kernel_sizes=(5, 3, 3), stride=2,
        padding=1, activation="relu", init=None, norm=None, groups=5, activation_params=None):
    """A 1D convolutional network: Conv1d -> [norm] -> activation, once per entry of
    `channels`, then the feature maps flattened into one Linear layer.

    The defaults are the MNIST-1D paper's CNN (Greydanus & Kobak 2024): three convolutions of
    25 channels, kernels 5, 3, 3, stride 2 and padding 1, so that 40 positions become 19, 10
    and 5, and a Linear layer from 25 × 5 = 125 numbers to the classes. The input is a batch of
    vectors (N, length), made into sequences of one channel (N, 1, length) by a first Reshape.

    Parameters
    ----------
    length : int
        Positions of an input sequence (40 for MNIST-1D).
    n_out : int
        Classes.
    rng : numpy.random.Generator
    channels, kernel_sizes : sequences of int, the same length
        Output channels and kernel size of each convolution.
    stride, padding : int
        Of every convolution.
    activation, init, activation_params
        As for `mlp` (PReLU: one slope per channel, shared by every position, when
        "channelwise" is True, the default).
    norm : {None, "batch", "layer", "instance", "group"}
        Between each convolution and its activation, normalising over the axes of (N, C, L)
        named in ``layers.SEQUENCE_NORMS``: batch norm per channel over N and L; layer norm
        per sample over C and L; instance norm per sample and channel over L; group norm per
        sample over groups of channels and L.
    groups : int, default 5
        Groups of group norm (must divide every entry of `channels`).

    Returns
    -------
    helpers.layers.Sequential

    Examples
    --------
    >>> import numpy as np
    >>> net = cnn(40, 10, rng=np.random.default_rng(0))
    >>> net.forward(np.zeros((2, 40))).shape
    (2, 10)
    >>> [type(layer).__name__ for layer in net.layers][:4]
    ['Reshape', 'Conv1d', 'ReLU', 'Conv1d']
    """
    length, n_out = check_size(length, "length"), check_size(n_out, "n_out")
    channels = [check_size(c, f"channels[{i}]") for i, c in
                enumerate(check_sequence(channels, "channels", "(25, 25, 25)"))]
    kernel_sizes = [check_size(k, f"kernel_sizes[{i}]") for i, k in
                    enumerate(check_sequence(kernel_sizes, "kernel_sizes", "(5, 3, 3)"))]
    if not channels or len(kernel_sizes) != len(channels):
        raise ValueError(f"channels and kernel_sizes need one entry per convolution, the same "
                         f"number; got {len(channels)} and {len(kernel_sizes)}.")
    check_rng(rng)
    act = _Activation(activation, init, activation_params)
    norm = check_choice(norm, "norm", (None, *L.SEQUENCE_NORMS))
    groups = check_size(groups, "groups")
    if norm == "group" and any(c % groups for c in channels):
        raise ValueError(f"groups must divide every entry of channels {channels}; got {groups}.")

    layers, c_in = [L.Reshape((1, length))], 1
    for c, k in zip(channels, kernel_sizes, strict=True):
        conv = act.scaled(L.Conv1d(c_in, c, k, stride=stride, padding=padding, rng=rng,
                                   init=act.init, negative_slope=act.slope))
        length = conv.output_length(length)
        layers.append(conv)
        if norm == "batch":
            layers.append(L.BatchNorm1d(c))
        elif norm == "layer":
            layers.append(L.LayerNorm((c, length)))
        elif norm == "instance":
            layers.append(L.InstanceNorm1d(c))
        elif norm == "group":
            layers.append(L.GroupNorm(groups, c))
        layers.append(act.layer(c))
        c_in = c
    layers += [L.Flatten(), L.Linear(c_in * length, n_out, rng=rng, init="glorot")]
    return L.Sequential(*layers)


class _Activation:
    """The activation of a model and the initialisation that goes with it, checked once."""

    def __init__(self, activation, init, activation_params):
        spec = ACTIVATIONS[check_choice(activation, "activation", ACTIVATIONS)]
        if activation_params is not None and not isinstance(activation_params, dict):
            raise TypeError(f"activation_params must be a dict, e.g. {{'negative_slope': 0.2}}"
                            f"; got {activation_params!r}.")
        params = dict(activation_params or {})
        allowed = set(spec.params) | ({"channelwise"} if spec.learned else set())
        unknown = sorted(set(params) - allowed)
        if unknown:
            raise TypeError(f"activation_params for {activation!r} may hold "
                            f"{sorted(allowed) or 'none'}; got {unknown[0]!r}.")
        self.channelwise = params.pop("channelwise", True)
        if not isinstance(self.channelwise, bool):
            raise TypeError(f"activation_params['channelwise'] must be True or False; got "
                            f"{self.channelwise!r}.")
        self.name, self.spec, self.params = activation, spec, params
        self.init = spec.init if init is None else check_choice(init, "init", (*INITS, "matched"))
        self.gain = 1.0
        if self.init == "matched":  # LeCun's draws scaled by the activation's own gain
            self.init, self.gain = "lecun", matched_gain(activation, **params)
        self.slope = {**spec.params, **params}.get("negative_slope", 0.0)  # for He's init

    def scaled(self, layer):
        """A new Linear or Conv1d with its weights multiplied by the matched gain."""
        if self.gain != 1.0:
            layer.params["W"] *= self.gain
        return layer

    def layer(self, width):
        """The activation layer after `width` units or channels."""
        if self.spec.learned:
            return L.PReLU(width if self.channelwise else 1, **self.params)
        return L.elementwise(self.name, **self.params)
