"""Model builders: the multilayer perceptrons the notebooks train."""

from . import layers as L
from ._validation import check_choice, check_finite_real, check_positive_int, check_rng

# activation name -> (layer factory taking the width, default weight init)
ACTIVATIONS = {
    "relu": (lambda width, p: L.ReLU(), "he"),
    "leaky_relu": (lambda width, p: L.LeakyReLU(p.get("alpha", 0.01)), "he"),
    "prelu": (lambda width, p: L.PReLU(width if p.get("channelwise", True) else 1,
                                       init=p.get("alpha", 0.25)), "he"),
    "elu": (lambda width, p: L.ELU(p.get("alpha", 1.0)), "he"),
    "selu": (lambda width, p: L.SELU(), "lecun"),
    "tanh": (lambda width, p: L.Tanh(), "glorot"),
    "sigmoid": (lambda width, p: L.Sigmoid(), "glorot"),
}
NORMS = {None: None, "batch": L.BatchNorm1d, "layer": L.LayerNorm}


def mlp(n_in, hidden, n_out, *, rng, activation="relu", init=None, norm=None, dropout=0.0,
        dropout_kind=None, activation_params=None):
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
        One of "relu", "leaky_relu", "prelu", "elu", "selu", "tanh", "sigmoid".
    init : {"he", "lecun", "glorot"}, optional
        Hidden-layer init; default the one made for the activation (He for the ReLU family,
        LeCun for SELU, Glorot for tanh/sigmoid). He init accounts for a Leaky/PReLU slope.
    norm : {None, "batch", "layer"}
        Normalisation between each hidden Linear and its activation.
    dropout : float, default 0
        Dropout rate after each activation.
    dropout_kind : {None, "standard", "alpha"}
        Default: alpha dropout for SELU, standard (inverted) dropout otherwise.
    activation_params : dict, optional
        "alpha" (slope or ELU alpha), "channelwise" (PReLU, default True).

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
    n_in, n_out = check_positive_int(n_in, "n_in"), check_positive_int(n_out, "n_out")
    hidden = [check_positive_int(h, "hidden width") for h in hidden]
    check_rng(rng)
    make_activation, default_init = ACTIVATIONS[check_choice(activation, "activation",
                                                             ACTIVATIONS)]
    norm_layer = NORMS[check_choice(norm, "norm", NORMS)]
    dropout = check_finite_real(dropout, "dropout", minimum=0.0)
    params = dict(activation_params or {})
    kind = check_choice(dropout_kind, "dropout_kind", (None, "standard", "alpha")) or (
        "alpha" if activation == "selu" else "standard")
    init = init or default_init
    slope = params.get("alpha", 0.25 if activation == "prelu" else 0.01)
    slope = slope if activation in ("leaky_relu", "prelu") else 0.0

    layers, width = [], n_in
    for h in hidden:
        layers.append(L.Linear(width, h, rng=rng, init=init, negative_slope=slope)
                      if init == "he" else L.Linear(width, h, rng=rng, init=init))
        if norm_layer is not None:
            layers.append(norm_layer(h))
        layers.append(make_activation(h, params))
        if dropout > 0:
            drop = L.AlphaDropout if kind == "alpha" else L.Dropout
            layers.append(drop(dropout, rng=rng))
        width = h
    layers.append(L.Linear(width, n_out, rng=rng, init="glorot"))
    return L.Sequential(*layers)
