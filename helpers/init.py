"""Weight initialisers. Weights are shaped ``(fan_in, fan_out)``: a layer computes ``x @ W``."""

import numpy as np

from ._validation import check_choice, check_finite_real, check_rng, check_size


def _normal(fan_in, fan_out, rng, std_of):
    """Validate the sizes, then draw N(0, std^2) weights with std = std_of(fan_in, fan_out)."""
    fan_in = check_size(fan_in, "fan_in")
    fan_out = check_size(fan_out, "fan_out")
    check_rng(rng)
    return rng.standard_normal((fan_in, fan_out)) * std_of(fan_in, fan_out)


def he_normal(fan_in, fan_out, *, negative_slope=0.0, rng):
    """He et al. (2015) normal init for (P)ReLU with slope `negative_slope` for z < 0.

    Parameters
    ----------
    fan_in, fan_out : int
        Input and output sizes of the layer.
    negative_slope : float, default 0.0
        The slope a of the rectifier's negative part (0 for ReLU, 0.25 for PReLU's init).
    rng : numpy.random.Generator

    Returns
    -------
    ndarray, shape (fan_in, fan_out)

    Notes
    -----
    std = sqrt(2 / ((1 + a^2) fan_in)) keeps the second moment of pre-activations constant;
    computed as sqrt(2 / fan_in) / hypot(1, a), the same number without overflow for a steep
    slope (a^2 overflows from |a| ~ 1e154).

    Examples
    --------
    >>> he_normal(3, 2, rng=np.random.default_rng(0)).shape
    (3, 2)
    """
    a = check_finite_real(negative_slope, "negative_slope")
    std = np.sqrt(2.0 / check_size(fan_in, "fan_in")) / np.hypot(1.0, a)
    if std < np.finfo(np.float64).tiny:
        raise ValueError(
            f"negative_slope = {a:g} is too steep: the weights' standard deviation "
            f"sqrt(2 / ((1 + a^2) fan_in)) would be below float64's smallest normal number "
            f"({std:.3g}), and the weights would lose their digits. Use a slope of at most 1e300."
        )
    return _normal(fan_in, fan_out, rng, lambda *_: std)


def lecun_normal(fan_in, fan_out, *, rng):
    """LeCun normal init, std = sqrt(1 / fan_in): the one SELU's self-normalisation assumes.

    Examples
    --------
    >>> lecun_normal(4, 5, rng=np.random.default_rng(0)).shape
    (4, 5)
    """
    return _normal(fan_in, fan_out, rng, lambda n_in, _: np.sqrt(1.0 / n_in))


def glorot_normal(fan_in, fan_out, *, rng):
    """Glorot & Bengio (2010) normal init, std = sqrt(2 / (fan_in + fan_out)), for tanh/sigmoid.

    Examples
    --------
    >>> glorot_normal(4, 4, rng=np.random.default_rng(0)).shape
    (4, 4)
    """
    return _normal(fan_in, fan_out, rng, lambda n_in, n_out: np.sqrt(2.0 / (n_in + n_out)))


# Lu et al. (2020): the standard deviation of RAI's symmetric part, chosen in the paper so
# that the second moment of the pre-activations is kept, given the one positive entry per unit.
RAI_SIGMA = 0.6007


def rai(fan_in, fan_out, *, rng, n_layers=None):
    """Randomized asymmetric initialisation (Lu et al. 2020), weights *and* biases.

    For each unit, its fan_in weights and its bias are drawn from N(0, sigma^2 / fan_in),
    sigma = RAI_SIGMA; then one of these fan_in + 1 numbers, chosen at random, is replaced by
    a draw from Beta(2, 1), which is positive. A unit is then unlikely to be negative on every
    input, so a deep, narrow ReLU network is much less likely to be born dead than with He's
    symmetric weights and zero biases.

    Parameters
    ----------
    fan_in, fan_out : int
    rng : numpy.random.Generator
    n_layers : int, optional
        Draw this many independent layers at once (a leading axis).

    Returns
    -------
    (W, b) : ndarrays of shapes (fan_in, fan_out) and (fan_out,), with a leading n_layers
        axis if given.

    Examples
    --------
    >>> W, b = rai(3, 2, rng=np.random.default_rng(0))
    >>> W.shape, b.shape
    ((3, 2), (2,))
    """
    fan_in = check_size(fan_in, "fan_in")
    fan_out = check_size(fan_out, "fan_out")
    check_rng(rng)
    batch = () if n_layers is None else (check_size(n_layers, "n_layers"),)
    V = rng.standard_normal((*batch, fan_in + 1, fan_out)) * (RAI_SIGMA / np.sqrt(fan_in))
    chosen = rng.integers(0, fan_in + 1, size=(*batch, fan_out))  # one entry per unit
    np.put_along_axis(V, chosen[..., None, :], rng.beta(2.0, 1.0, size=(*batch, 1, fan_out)),
                      axis=-2)
    return V[..., :-1, :], V[..., -1, :]


def second_moment(activation, std=1.0, **params):
    """E[f(s z)^2] for z ~ N(0, 1) and s = `std`: the second moment of `activation`'s outputs
    when its inputs are normal with standard deviation `std`.

    Integrated with scipy's adaptive quadrature on each side of the kink at 0 (for std 1: 0.5
    for ReLU, (1 + a^2) / 2 for a slope a, 1 for SELU, its fixed point).

    Parameters
    ----------
    activation : str
        A key of ``helpers.activations.ACTIVATIONS`` (PReLU at its initial slope).
    std : float, default 1
    **params
        The activation's parameters, e.g. negative_slope=0.2.

    Examples
    --------
    >>> round(second_moment("relu"), 12)
    0.5
    """
    from scipy.integrate import quad

    from .activations import ACTIVATIONS, PRELU_INITIAL_SLOPE, prelu

    spec = ACTIVATIONS[check_choice(activation, "activation", ACTIVATIONS)]
    std = check_finite_real(std, "std", minimum=0.0, exclusive=True)
    unknown = sorted(set(params) - set(spec.params))
    if unknown:
        raise TypeError(f"{activation!r} takes the parameters {sorted(spec.params) or 'none'}; "
                        f"got {unknown[0]!r}.")
    params = {name: check_finite_real(value, name) for name, value in params.items()}
    if spec.learned:
        slope = params.get("negative_slope", PRELU_INITIAL_SLOPE)
        f = lambda z: float(prelu(np.array([std * z]), slope)[0])  # noqa: E731
    else:
        f = lambda z: float(spec.function(np.array([std * z]), **params)[0])  # noqa: E731

    def integrand(z):
        return f(z) ** 2 * np.exp(-z * z / 2) / np.sqrt(2 * np.pi)

    below = quad(integrand, -np.inf, 0.0, epsabs=0.0, epsrel=1e-12, limit=200)[0]
    above = quad(integrand, 0.0, np.inf, epsabs=0.0, epsrel=1e-12, limit=200)[0]
    return below + above


def matched_gain(activation, **params):
    """The gain g of weights N(0, g^2 / fan_in) that keeps second moments at 1 through
    `activation`: inputs of second moment 1 give pre-activations of second moment g^2, and
    E[f(g z)^2] = 1 gives the next layer inputs of second moment 1 again.

    It is sqrt(2 / (1 + a^2)) for the ReLU family (He et al. 2015) and 1 for SELU (LeCun), and
    for ELU, GELU and SiLU the number that He's sqrt(2) only approximates.
    ``models.mlp(..., init="matched")`` uses it. For GELU and SiLU this level is an unstable
    fixed point: a finite network drifts away from it slowly with depth (tests/test_init.py).
    """
    from scipy.optimize import brentq

    second_moment(activation, **params)  # checks the arguments
    return float(brentq(lambda g: second_moment(activation, g, **params) - 1.0, 1e-3, 1e3,
                        xtol=1e-15, rtol=1e-14))


# name -> initialiser, for the functions and layers that take init="he" etc.
INITS = {"he": he_normal, "lecun": lecun_normal, "glorot": glorot_normal}


def initialise(name, fan_in, fan_out, *, rng, negative_slope=0.0):
    """Weights (fan_in, fan_out) from the initialiser called `name`.

    Parameters
    ----------
    name : {"he", "lecun", "glorot"}
    fan_in, fan_out : int
    rng : numpy.random.Generator
    negative_slope : float, default 0.0
        The slope for z <= 0 of the activation that follows. He's rule depends on it;
        LeCun's and Glorot's do not.

    Examples
    --------
    >>> initialise("lecun", 3, 2, rng=np.random.default_rng(0)).shape
    (3, 2)
    """
    make = INITS[check_choice(name, "init", INITS)]
    if make is he_normal:
        return he_normal(fan_in, fan_out, negative_slope=negative_slope, rng=rng)
    return make(fan_in, fan_out, rng=rng)
