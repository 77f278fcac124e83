"""Model builders: the multilayer perceptrons the notebooks train."""

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
    spec = ACTIVATIONS[check_choice(activation, "activation", ACTIVATIONS)]
    norm_layer = None if norm is None else L.NORMS[check_choice(norm, "norm", L.NORMS)]
    dropout = check_dropout_rate(dropout, "dropout")
    if activation_params is not None and not isinstance(activation_params, dict):
        raise TypeError(f"activation_params must be a dict, e.g. {{'negative_slope': 0.2}}; got "
                        f"{activation_params!r}.")
    params = dict(activation_params or {})
    allowed = set(spec.params) | ({"channelwise"} if spec.learned else set())
    unknown = sorted(set(params) - allowed)
    if unknown:
        raise TypeError(f"activation_params for {activation!r} may hold {sorted(allowed) or 'none'}"
                        f"; got {unknown[0]!r}.")
    channelwise = params.pop("channelwise", True)
    if not isinstance(channelwise, bool):
        raise TypeError(f"activation_params['channelwise'] must be True or False; got "
                        f"{channelwise!r}.")
    kind = check_choice(dropout_kind, "dropout_kind", (None, "standard", "alpha")) or (
        "alpha" if activation == "selu" else "standard")
    init = spec.init if init is None else check_choice(init, "init", (*INITS, "matched"))
    gain = 1.0
    if init == "matched":  # LeCun's draws scaled by the activation's own gain
        init, gain = "lecun", matched_gain(activation, **params)  # channelwise popped above
    residual = check_bool(residual, "residual")
    slope = {**spec.params, **params}.get("negative_slope", 0.0)  # what He's init needs

    def make_activation(width):
        if spec.learned:
            return L.PReLU(width if channelwise else 1, **params)
        return L.elementwise(activation, **params)

    widths = [n_in, *hidden]
    n_branches = sum(a == b for a, b in zip(widths[:-1], widths[1:], strict=True))
    layers = []
    for width, h in zip(widths[:-1], widths[1:], strict=True):
        block = [L.Linear(width, h, rng=rng, init=init, negative_slope=slope)]
        if gain != 1.0:
            block[0].params["W"] *= gain
        if norm_layer is not None:
            block.append(norm_layer(h))
        block.append(make_activation(h))
        if dropout > 0:
            block.append((L.AlphaDropout if kind == "alpha" else L.Dropout)(dropout, rng=rng))
        if residual and width == h:
            block[0].params["W"] /= n_branches ** 0.5
            layers.append(L.Residual(L.Sequential(*block)))
        else:
            layers.extend(block)
    layers.append(L.Linear(widths[-1], n_out, rng=rng, init="glorot"))
    return L.Sequential(*layers)
