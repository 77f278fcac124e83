"""Signals and gradients through deep random networks (no training, no biases).

A batch of Gaussian inputs goes forward through `depth` fully connected layers
``z_l = h_{l-1} @ W_l``, ``h_l = f(z_l)``; then a random unit-variance gradient comes back
from the top. We record, per layer, the statistics of the activations and the norm of the
gradient of the weights: the quantity that decides how fast that layer can learn.
"""

import functools
from dataclasses import dataclass

import numpy as np

from ._validation import (
    check_choice,
    check_count,
    check_finite_real,
    check_rng,
    check_seeds,
    check_size,
)
from .activations import ACTIVATIONS
from .init import INITS, initialise


@dataclass(frozen=True)
class LayerStats:
    """Per-layer statistics of one random network; every array has shape (depth,)."""

    mean: np.ndarray  # mean of the activations h_l over batch and units
    var: np.ndarray  # variance of the activations h_l
    pre_second_moment: np.ndarray  # E[z_l^2] of the pre-activations
    weight_grad_norm: np.ndarray  # Frobenius norm of dL/dW_l


def propagate(
    activation,
    *,
    depth,
    width,
    rng,
    init="he",
    gain=1.0,
    n_samples=256,
    input_mean=0.0,
    input_std=1.0,
    negative_slope=None,
    init_negative_slope=None,
):
    """Send a Gaussian batch through a deep random network and back; return `LayerStats`.

    Parameters
    ----------
    activation : str
        A key of ``helpers.activations.ACTIVATIONS``.
    depth, width : int
        Number of layers and units per layer (inputs have `width` features too).
    rng : numpy.random.Generator
        Source of the inputs, the weights and the top gradient.
    init : {"he", "lecun", "glorot"}, default "he"
        Weight initialiser (see ``helpers.init``).
    gain : float, default 1.0
        Multiplies every weight: < 1 is a too-small init, > 1 a too-large one.
    n_samples : int, default 256
        Batch size.
    input_mean, input_std : float
        Inputs are drawn from N(input_mean, input_std^2).
    negative_slope : float, optional
        For activations with a negative slope ("leaky_relu", or "prelu" at initialisation):
        its value; default the activation's own (0.01 and 0.25).
    init_negative_slope : float, optional
        The slope the initialiser is told about; default the activation's. Set it differently
        to see a mismatched init (only He's init depends on it).

    Returns
    -------
    LayerStats
        Arrays of shape (depth,), layer 1 first.

    Notes
    -----
    The top gradient dL/dh_depth is standard normal divided by sqrt(n_samples), as for a
    loss averaged over the batch. Backward: dz_l = dh_l * f'(z_l); dW_l = h_{l-1}^T dz_l;
    dh_{l-1} = dz_l W_l^T.

    Examples
    --------
    >>> stats = propagate("relu", depth=3, width=8, rng=np.random.default_rng(0))
    >>> stats.var.shape
    (3,)
    """
    spec = ACTIVATIONS[check_choice(activation, "activation", ACTIVATIONS)]
    params = {"negative_slope": check_finite_real(negative_slope, "negative_slope")} if (
        negative_slope is not None) else {}
    unknown = set(params) - set(spec.params)
    if unknown:
        raise ValueError(f"negative_slope applies to activations with a negative slope "
                         f"(leaky_relu, prelu); got activation {activation!r}.")
    settings = {**spec.params, **params}
    f = functools.partial(spec.function, **settings)
    f_grad = functools.partial(spec.derivative, **settings)
    slope = settings.get("negative_slope", 0.0) if init_negative_slope is None else (
        check_finite_real(init_negative_slope, "init_negative_slope"))
    depth = check_count(depth, "depth")
    width = check_size(width, "width")
    n_samples = check_size(n_samples, "n_samples", minimum=2)
    check_rng(rng)
    check_choice(init, "init", INITS)
    gain = check_finite_real(gain, "gain", minimum=0.0, exclusive=True)
    input_mean = check_finite_real(input_mean, "input_mean")
    input_std = check_finite_real(input_std, "input_std", minimum=0.0, exclusive=True)

    scale = {"gain": gain, "depth": depth, "input_mean": input_mean, "input_std": input_std}
    h = input_mean + input_std * rng.standard_normal((n_samples, width))
    inputs, pre_activations, weights = [], [], []
    mean, var, pre_second_moment = (np.empty(depth) for _ in range(3))
    with np.errstate(all="ignore"):  # an overflow (an exploding network) is reported below
        for layer in range(depth):
            w = gain * initialise(init, width, width, rng=rng, negative_slope=slope)
            z = h @ w
            inputs.append(h)
            pre_activations.append(z)
            weights.append(w)
            h = f(z)
            mean[layer], var[layer] = h.mean(), h.var()
            pre_second_moment[layer] = np.mean(z * z)
            _check_no_overflow((var[layer], pre_second_moment[layer]), layer, "activations",
                               scale)

        weight_grad_norm = np.empty(depth)
        dh = rng.standard_normal((n_samples, width)) / np.sqrt(n_samples)
        for layer in reversed(range(depth)):
            dz = dh * f_grad(pre_activations[layer])
            weight_grad_norm[layer] = np.linalg.norm(inputs[layer].T @ dz)
            dh = dz @ weights[layer].T
            _check_no_overflow((weight_grad_norm[layer], *dh[0]), layer, "gradients", scale)
    return LayerStats(mean, var, pre_second_moment, weight_grad_norm)


def _check_no_overflow(values, layer, what, settings):
    """An exploding network (or huge inputs) overflows float64: a clear error, not inf or NaN
    statistics. `settings`: the parameters that set the scale, by name."""
    if not np.isfinite(values).all():
        named = ", ".join(f"{k} = {v:g}" for k, v in settings.items())
        raise ValueError(f"the {what} overflow float64 at layer {layer + 1} (beyond 1e308, or "
                         f"1e154 for a variance) with {named}: the network explodes; use a "
                         f"smaller {', '.join(settings)}.")


def propagate_seeds(activation, *, seeds, **kwargs):
    """Run `propagate` once per seed; return LayerStats whose arrays are (n_seeds, depth).

    Examples
    --------
    >>> propagate_seeds("tanh", seeds=[0, 1], depth=4, width=8, init="glorot").mean.shape
    (2, 4)
    """
    seeds = check_seeds(seeds)
    runs = [propagate(activation, rng=np.random.default_rng(seed), **kwargs) for seed in seeds]
    return LayerStats(*(np.stack([getattr(r, field) for r in runs]) for field in
                        ("mean", "var", "pre_second_moment", "weight_grad_norm")))


# --- The mean-field maps: what infinitely wide random layers do to one input and to a pair -----
#
# A layer of width n with weights N(0, sigma_w^2 / n) and no biases, fed an input whose
# pre-activations z have second moment q = E[z^2], gives the next layer pre-activations that
# are, unit by unit, sums of n independent terms: Gaussian in the limit of wide layers, with
#
#     q' = sigma_w^2 E[f(sqrt(q) u)^2],  u ~ N(0, 1)                     (the variance map)
#     c' = sigma_w^2 E[f(u_1) f(u_2)] / q',  (u_1, u_2) ~ N(0, q [[1, c], [c, 1]])
#                                                                        (the correlation map)
#
# with c the correlation of two inputs' pre-activations (the cosine of the two vectors of a
# layer's pre-activations). Poole et al. (2016) and Schoenholz et al. (2017).

_HALF_WIDTH = 12.0  # the Gaussian integrals run over [-12, 12] standard deviations (e^-72)
_NODES, _WEIGHTS = np.polynomial.legendre.leggauss(64)
# sigma_w^2 = n Var(w) of each initialiser for a square layer (fan_in = fan_out = n); He's
# depends on the negative slope a of the activation: 2 / (1 + a^2).
_WEIGHT_VARIANCE = {"he": 2.0, "lecun": 1.0, "glorot": 1.0}


def _interval(low, high):
    """Gauss-Legendre points and weights on [low, high] (arrays broadcast: one row each)."""
    low, high = np.asarray(low, float)[..., None], np.asarray(high, float)[..., None]
    half = (high - low) / 2
    return low + half * (_NODES + 1), half * _WEIGHTS


def _density(u):
    return np.exp(-u * u / 2) / np.sqrt(2 * np.pi)


def _gaussian_expectation(g):
    """E[g(u)], u ~ N(0, 1), for g vectorised: 64-point Gauss-Legendre on each side of 0 (the
    kink of the ReLU family, ELU and SELU), accurate to ~1e-13 for the course's activations."""
    total = 0.0
    for low, high in ((-_HALF_WIDTH, 0.0), (0.0, _HALF_WIDTH)):
        u, w = _interval(low, high)
        total += np.sum(w * _density(u) * g(u))
    return float(total)


def _pair_expectation(f, c, q):
    """E[f(u_1) f(u_2)] for (u_1, u_2) normal, each of variance q, with correlation c. Written
    u_1 = sqrt(q) x, u_2 = sqrt(q) (c x + s y) with x, y independent N(0, 1), s = sqrt(1 - c^2);
    the inner integral over y is split where u_2 = 0 (the kink), so both pieces are smooth."""
    s, root = np.sqrt(max(1.0 - c * c, 0.0)), np.sqrt(q)
    total = 0.0
    for low, high in ((-_HALF_WIDTH, 0.0), (0.0, _HALF_WIDTH)):
        x, wx = _interval(low, high)
        if s == 0.0:  # c = +-1: u_2 = +-u_1
            inner = f(root * c * x)
        else:
            kink = np.clip(-c * x / s, -_HALF_WIDTH, _HALF_WIDTH)
            inner = 0.0
            for a, b in ((np.full_like(kink, -_HALF_WIDTH), kink),
                         (kink, np.full_like(kink, _HALF_WIDTH))):
                y, wy = _interval(a, b)
                inner = inner + np.sum(wy * _density(y) * f(root * (c * x[:, None] + s * y)),
                                       axis=1)
        total += np.sum(wx * _density(x) * f(root * x) * inner)
    return float(total)


def _mean_field_setup(activation, init, gain):
    """(f, f', sigma_w^2) for an activation at its default parameters, an init and a gain."""
    spec = ACTIVATIONS[check_choice(activation, "activation", ACTIVATIONS)]
    settings = spec.params
    f = functools.partial(spec.function, **settings)
    f_grad = functools.partial(spec.derivative, **settings)
    variance = _WEIGHT_VARIANCE[check_choice(init, "init", INITS)]
    if init == "he":
        variance /= 1.0 + settings.get("negative_slope", 0.0) ** 2
    gain = check_finite_real(gain, "gain", minimum=0.0, exclusive=True)
    return f, f_grad, variance * gain * gain


def _check_q(q):
    return check_finite_real(q, "q", minimum=0.0, exclusive=True)


def _finite(value, what, **named):
    """`value` if finite, else a clear error naming the arguments that made it overflow."""
    if not np.isfinite(value):
        listed = ", ".join(f"{k} = {v:g}" for k, v in named.items())
        raise ValueError(f"{what} overflows float64 with {listed}: use a smaller q or gain.")
    return float(value)


def variance_map(activation, q, *, init="he", gain=1.0):
    """The second moment q' of the next layer's pre-activations, in the limit of wide layers:
    sigma_w^2 E[f(sqrt(q) u)^2], u ~ N(0, 1).

    Parameters
    ----------
    activation : str
        A key of ``helpers.activations.ACTIVATIONS`` (at its default parameters).
    q : float > 0
        E[z^2] of this layer's pre-activations.
    init : {"he", "lecun", "glorot"}, default "he"
        Sets sigma_w^2 = n Var(w) for a square layer: 2 / (1 + a^2) for He (a: the
        activation's negative slope), 1 for LeCun and for Glorot.
    gain : float > 0, default 1
        Multiplies every weight (sigma_w^2 by gain^2).

    Examples
    --------
    >>> round(variance_map("relu", 3.0), 12)  # He's rule: the second moment is kept, exactly
    3.0
    >>> round(variance_map("selu", 1.0, init="lecun"), 12)  # SELU's fixed point
    1.0
    """
    f, _, variance = _mean_field_setup(activation, init, gain)
    q = _check_q(q)
    with np.errstate(over="ignore", invalid="ignore"):
        value = variance * _gaussian_expectation(lambda u: f(np.sqrt(q) * u) ** 2)
    return _finite(value, "the variance map", q=q, gain=gain)


def variance_map_slope(activation, q, *, init="he", gain=1.0):
    """d q' / d q of `variance_map` at q: sigma_w^2 E[f(sqrt(q) u) f'(sqrt(q) u) u] / sqrt(q).

    Below 1 at a fixed point q* = q': deviations from q* shrink by this factor per layer (the
    fixed point attracts); 1 for the ReLU family with He's weights at every q (its map is the
    identity: neutral, no deviation is ever pulled back).

    Examples
    --------
    >>> round(variance_map_slope("relu", 0.5), 12)
    1.0
    """
    f, f_grad, variance = _mean_field_setup(activation, init, gain)
    q = _check_q(q)
    root = np.sqrt(q)
    with np.errstate(over="ignore", invalid="ignore"):
        value = variance * _gaussian_expectation(
            lambda u: f(root * u) * f_grad(root * u) * u) / root
    return _finite(value, "the variance map's slope", q=q, gain=gain)


def chi1(activation, q, *, init="he", gain=1.0):
    """The order/chaos number chi_1 = sigma_w^2 E[f'(sqrt(q) u)^2] (Poole et al. 2016).

    At the fixed point q* of `variance_map` it is the slope of `correlation_map` at c = 1, and
    the factor by which a layer multiplies the squared norm of a gradient on its way back
    (Schoenholz et al. 2017): below 1 ordered (nearby inputs merge, gradients shrink), above 1
    chaotic (nearby inputs separate, gradients grow), exactly 1 critical.

    Examples
    --------
    >>> round(chi1("relu", 2.0), 12)  # ReLU with He's weights: critical at every q
    1.0
    >>> round(chi1("selu", 1.0, init="lecun"), 4)  # E[selu'(z)^2] at SELU's fixed point
    1.0716
    """
    _, f_grad, variance = _mean_field_setup(activation, init, gain)
    q = _check_q(q)
    with np.errstate(over="ignore", invalid="ignore"):
        value = variance * _gaussian_expectation(lambda u: f_grad(np.sqrt(q) * u) ** 2)
    return _finite(value, "chi_1", q=q, gain=gain)


def correlation_map(activation, c, q, *, init="he", gain=1.0):
    """The correlation c' of two inputs' pre-activations one layer further, in the limit of
    wide layers: sigma_w^2 E[f(u_1) f(u_2)] / q', with (u_1, u_2) normal, each of second
    moment q, correlation c, and q' = ``variance_map(activation, q)``.

    For ReLU with He's weights it is the arc-cosine kernel of Cho & Saul (2009):
    c' = (sqrt(1 - c^2) + (pi - arccos c) c) / pi, whatever q.

    Parameters
    ----------
    activation, init, gain
        As in `variance_map`.
    c : float in [-1, 1]
        The two inputs' correlation (the cosine of their pre-activation vectors).
    q : float > 0
        Their common second moment E[z^2].

    Examples
    --------
    >>> round(correlation_map("relu", 0.0, 1.0), 6)  # 1 / pi: ReLU makes inputs alike
    0.31831
    >>> round(correlation_map("tanh", 0.0, 1.0, init="glorot"), 12)  # an odd activation: not
    0.0
    """
    f, _, variance = _mean_field_setup(activation, init, gain)
    c = check_finite_real(c, "c", minimum=-1.0)
    if c > 1.0:
        raise ValueError(f"c must be a correlation, in [-1, 1]; got {c}.")
    q = _check_q(q)
    with np.errstate(over="ignore", invalid="ignore"):
        value = variance * _pair_expectation(f, c, q) / variance_map(activation, q, init=init,
                                                                      gain=gain)
    return float(np.clip(_finite(value, "the correlation map", c=c, q=q, gain=gain), -1, 1))


def variance_fixed_point(activation, *, init="he", gain=1.0):
    """The second moment q* that deep layers settle at: the stable fixed point of
    `variance_map` (q' = q*, with q' > q just below it and q' < q just above).

    Returns
    -------
    float
        q* > 0; 0.0 if q' < q for every q > 0 (the signal fades towards 0 layer after
        layer); inf if q' > q for every q (it grows without bound); nan if q' = q for every q
        (the ReLU family with He's weights: every level is kept, none is restored).

    Examples
    --------
    >>> round(variance_fixed_point("selu", init="lecun"), 9)
    1.0
    >>> variance_fixed_point("tanh", init="glorot")  # tanh at gain 1 fades towards 0
    0.0
    """
    from scipy.optimize import brentq

    _mean_field_setup(activation, init, gain)  # checks the arguments

    def excess(log_q):  # log(q' / q): positive where the map pushes q up
        q = np.exp(log_q)
        return np.log(variance_map(activation, q, init=init, gain=gain) / q)

    grid = np.linspace(np.log(1e-8), np.log(1e8), 49)
    values = np.array([excess(x) for x in grid])
    if np.all(np.abs(values) < 1e-9):
        return float("nan")
    for k in range(len(grid) - 1):
        if values[k] > 0 >= values[k + 1]:
            return float(np.exp(brentq(excess, grid[k], grid[k + 1], xtol=1e-14, rtol=1e-14)))
    return 0.0 if values[0] <= 0 else float("inf")


@dataclass(frozen=True)
class MeanField:
    """Per layer (layer 1 first), the second moment q and the correlation c of two inputs'
    pre-activations, in the limit of wide layers; arrays of shape (depth,)."""

    q: np.ndarray
    c: np.ndarray


def mean_field(activation, *, depth, c_in=0.0, q_in=1.0, init="he", gain=1.0):
    """Iterate `variance_map` and `correlation_map` through `depth` layers.

    Two inputs x, x' with ||x||^2 / n = ||x'||^2 / n = `q_in` and cosine `c_in` give layer 1
    pre-activations of second moment sigma_w^2 q_in and correlation c_in; each further layer
    applies the two maps. `propagate_pair` measures the same quantities in finite networks.

    Examples
    --------
    >>> mf = mean_field("relu", depth=3)
    >>> [round(float(q), 9) for q in mf.q], [round(float(c), 4) for c in mf.c]
    ([2.0, 2.0, 2.0], [0.0, 0.3183, 0.4937])
    """
    depth = check_count(depth, "depth")
    c_in = check_finite_real(c_in, "c_in", minimum=-1.0)
    if c_in > 1.0:
        raise ValueError(f"c_in must be a correlation, in [-1, 1]; got {c_in}.")
    q_in = check_finite_real(q_in, "q_in", minimum=0.0, exclusive=True)
    _, _, variance = _mean_field_setup(activation, init, gain)
    q, c = np.empty(depth), np.empty(depth)
    q[0], c[0] = _finite(variance * q_in, "the first layer's second moment", q_in=q_in,
                         gain=gain), c_in
    for layer in range(1, depth):
        c[layer] = correlation_map(activation, c[layer - 1], q[layer - 1], init=init, gain=gain)
        q[layer] = variance_map(activation, q[layer - 1], init=init, gain=gain)
        if q[layer] == 0.0:
            raise ValueError(f"the second moment underflows to 0 at layer {layer + 1} with "
                             f"gain = {gain:g}, q_in = {q_in:g}: use fewer layers.")
    return MeanField(q, c)


@dataclass(frozen=True)
class PairStats:
    """Two inputs through many random networks: per network and layer, the second moment
    E[z^2] of the first input's pre-activations (mean over the units) and the correlation of
    the two inputs' pre-activation vectors; arrays of shape (n_networks, depth)."""

    second_moment: np.ndarray
    correlation: np.ndarray


def propagate_pair(activation, *, depth, width, n_networks, rng, c_in=0.0, init="he",
                   gain=1.0):
    """Send two inputs of cosine `c_in` (and ||x||^2 / width = 1) through `n_networks`
    independent random networks of `depth` layers of `width` units (no biases).

    The finite-width counterpart of `mean_field`. Each layer draws fresh weights
    W ~ N(0, sigma_w^2 / width); given the layer's inputs h, h', unit j's pre-activations
    (h . w_j, h' . w_j) are a normal pair with covariance (sigma_w^2 / width) times the Gram
    matrix of h and h', independently for every unit. They are drawn that way here, as the
    same random numbers would come out of h @ W and h' @ W, at width times less cost.

    Returns
    -------
    PairStats
        A network born dead for an input (a layer whose units are all <= 0 on it, likely only
        when narrow: notebook 01) gives that input pre-activations 0 from the next layer on:
        second moment 0 and correlation nan there.

    Examples
    --------
    >>> stats = propagate_pair("relu", depth=4, width=16, n_networks=3,
    ...                        rng=np.random.default_rng(0))
    >>> stats.correlation.shape
    (3, 4)
    """
    f, _, variance = _mean_field_setup(activation, init, gain)
    depth = check_count(depth, "depth")
    width = check_size(width, "width")
    n_networks = check_size(n_networks, "n_networks")
    check_rng(rng)
    c_in = check_finite_real(c_in, "c_in", minimum=-1.0)
    if c_in > 1.0:
        raise ValueError(f"c_in must be a correlation, in [-1, 1]; got {c_in}.")
    q = np.empty((n_networks, depth))
    c = np.empty((n_networks, depth))
    # the inputs' Gram matrix, divided by the width: [[1, c_in], [c_in, 1]]
    aa, bb, ab = np.ones(n_networks), np.ones(n_networks), np.full(n_networks, c_in)
    with np.errstate(all="ignore"):  # an overflow: reported below
        for layer in range(depth):
            sa, sb = np.sqrt(variance * aa), np.sqrt(variance * bb)
            alive = aa * bb > 0  # else a network born dead for an input: its z is 0
            rho = np.clip(np.where(alive, ab / np.sqrt(np.where(alive, aa * bb, 1.0)), 0.0),
                          -1.0, 1.0)
            x, y = rng.standard_normal((2, n_networks, width))
            za = sa[:, None] * x
            zb = sb[:, None] * (rho[:, None] * x + np.sqrt(1 - rho * rho)[:, None] * y)
            q[:, layer] = np.mean(za * za, axis=1)
            norms = np.sqrt(np.sum(za * za, axis=1) * np.sum(zb * zb, axis=1))
            c[:, layer] = np.where(norms > 0, np.sum(za * zb, axis=1) / np.where(
                norms > 0, norms, 1.0), np.nan)
            ha, hb = f(za), f(zb)
            aa, bb = np.mean(ha * ha, axis=1), np.mean(hb * hb, axis=1)
            ab = np.mean(ha * hb, axis=1)
            if not (np.isfinite(q[:, layer]).all() and np.isfinite(aa).all()
                    and np.isfinite(bb).all()):
                raise ValueError(f"the pre-activations overflow float64 at layer {layer + 1} "
                                 f"with gain = {gain:g}, depth = {depth}: the network explodes; "
                                 "use a smaller gain or depth.")
    return PairStats(q, c)


def relu_log_variance(depth, width):
    """The exact variance of log E[z^2] at layer `depth` for one input through a random ReLU
    network of `width` units per layer with He's weights (at any gain); E[z^2] is the mean
    of the squared pre-activations over the layer's units, as `propagate_pair` measures it.

    Layer l's pre-activations are z_j = s_l g_j with g_j independent N(0, 1) (fresh weights
    make them so, for one input), and the next layer's scale is s_{l+1}^2 = s_l^2 (2 / n)
    sum_{g_j > 0} g_j^2 (times gain^2): log s^2 takes independent steps of variance
    Var[log chi^2_K], K ~ Binomial(n, 1/2) the number of active units. With
    Var[log chi^2_k] = psi'(k / 2) and E[log chi^2_k] = psi(k / 2) + log 2 (psi: the digamma
    function), a step's variance is E_K[psi'(K/2)] + Var_K[psi(K/2)], about 5 / n for wide
    layers, and the last layer adds Var[log(chi^2_n / n)] = psi'(n / 2):

        Var[log E[z_L^2]] = (L - 1) step + psi'(n / 2),  about 5 L / n.

    (K = 0, a network born dead at that layer, probability 2^-n, is left out.)

    Examples
    --------
    >>> round(relu_log_variance(50, 32), 2), round(5 * 50 / 32, 2)
    (8.76, 7.81)
    """
    from scipy.special import digamma, polygamma
    from scipy.stats import binom

    depth = check_count(depth, "depth")
    width = check_size(width, "width")
    spread = 12 * np.sqrt(width) / 2  # K lies within 12 standard deviations of width / 2
    active = np.arange(max(1, int(width / 2 - spread)), int(min(width, width / 2 + spread)) + 1)
    p = binom.pmf(active, width, 0.5)
    p = p / p.sum()
    half = active / 2
    step = p @ polygamma(1, half) + p @ digamma(half) ** 2 - (p @ digamma(half)) ** 2
    return float((depth - 1) * step + polygamma(1, width / 2))
