"""The theory behind SELU (Klambauer et al. 2017): the moment map, its fixed point, its Jacobian.

A unit computes z = sum_i w_i x_i. If the inputs x_i are independent with mean mu and
variance nu, and the weights have sum omega and sum of squares tau, then z is (by the
central limit theorem) about N(m, v) with m = mu * omega and v = nu * tau. The moment map

    g: (mu, nu) -> (mu_new, nu_new) = (E[selu(z)], Var[selu(z)]),  z ~ N(m, v)

says what the next layer receives. Everything below is exact Gaussian integrals of the two
pieces of SELU, split at the kink z = 0; no quadrature.
"""

import numpy as np
from scipy import optimize
from scipy.special import erfcx, log_ndtr, ndtr

from ._validation import check_count, check_dropout_rate, check_finite_real, check_size
from .activations import SELU_ALPHA, SELU_LAMBDA

# Smallest pre-activation variance the closed forms handle. The exponential piece cancels to
# O(variance), so the variance's relative error grows like 1e-16 / variance: about 1e-9 here,
# but 1e-3 at 1e-12 (measured against the exact log-normal moments in tests/test_fuzz_values).
MIN_VARIANCE = 1e-6
MAX_DERIVE_VARIANCE = 1e10  # derive_selu_constants: beyond, alpha would exceed 1e6

# The domains of the paper's three theorems, each quantity as (low, high): mu and nu are the
# mean and variance of a unit's inputs, omega and tau the sum and sum of squares of its weights.
# Theorem 1: on this domain the map has a stable, attracting fixed point near (0, 1).
THEOREM_1 = {"mu": (-0.1, 0.1), "omega": (-0.1, 0.1), "nu": (0.8, 1.5), "tau": (0.95, 1.1)}
# Theorem 2 (an upper bound): on this domain the variance decreases, nu_new < nu.
THEOREM_2 = {"mu": (-1.0, 1.0), "omega": (-0.1, 0.1), "nu": (3.0, 16.0), "tau": (0.8, 1.25)}
# Theorem 3 (a lower bound): on either domain the variance increases, nu_new > nu.
THEOREM_3 = ({"mu": (-0.1, 0.1), "omega": (-0.1, 0.1), "nu": (0.02, 0.16), "tau": (0.8, 1.25)},
             {"mu": (-0.1, 0.1), "omega": (-0.1, 0.1), "nu": (0.02, 0.24), "tau": (0.9, 1.25)})


def _log_exp_below_zero(m, v, k):
    """log E[e^{kz} 1{z<=0}] for z ~ N(m, v): k m + k^2 v / 2 + log Phi(-x), x = (m + k v) / s.

    For x > 0 the first two terms and log Phi(-x) ~ -x^2 / 2 are huge and cancel (for v ~ 1e300
    nothing is left): with Phi(-x) = erfcx(x / sqrt 2) exp(-x^2 / 2) / 2 they cancel on paper,
    k m + k^2 v / 2 - x^2 / 2 = -m^2 / (2 v), and the rest is computed without cancellation.
    """
    s = np.sqrt(v)
    x = (m + k * v) / s
    return np.where(x > 0, -0.5 * (m / s) ** 2 + np.log(0.5 * erfcx(np.abs(x) / np.sqrt(2))),
                    k * m + k * k * v / 2 + log_ndtr(-x))


def _gaussian_pieces(m, v):
    """Truncated moments of z ~ N(m, v) that the SELU integrals are made of.

    Returns a dict with
      p_pos  = P(z > 0)             p_neg = P(z <= 0)
      pdf0   = density of z at 0
      z_pos  = E[z 1{z>0}]          z2_pos = E[z^2 1{z>0}]
      e1_neg = E[e^z 1{z<=0}]       e2_neg = E[e^{2z} 1{z<=0}]
    """
    s = np.sqrt(v)
    r = m / s
    phi_r = np.exp(-0.5 * r * r) / np.sqrt(2 * np.pi)
    p_pos, p_neg = ndtr(r), ndtr(-r)
    # E[e^{kz} 1{z<=0}] = exp(k m + k^2 v / 2) * Phi(-(m + k v) / s), in log space (no overflow)
    e1, e2 = np.exp(_log_exp_below_zero(m, v, 1)), np.exp(_log_exp_below_zero(m, v, 2))
    return {
        "p_pos": p_pos,
        "p_neg": p_neg,
        "pdf0": phi_r / s,
        "z_pos": m * p_pos + s * phi_r,
        "z2_pos": (m * m + v) * p_pos + m * s * phi_r,
        "e1_neg": e1,
        "e2_neg": e2,
    }


def _check(mu, nu, omega, tau, alpha, lam):
    mu = check_finite_real(mu, "mu")
    nu = check_finite_real(nu, "nu", minimum=0.0)
    omega = check_finite_real(omega, "omega")
    tau = check_finite_real(tau, "tau", minimum=0.0)
    alpha = check_finite_real(alpha, "alpha", minimum=0.0, exclusive=True)
    lam = check_finite_real(lam, "lam", minimum=0.0, exclusive=True)
    if nu * tau < MIN_VARIANCE:
        raise ValueError(
            f"nu * tau (the variance of the pre-activation) must be >= {MIN_VARIANCE:g}: below "
            f"that the Gaussian integrals lose their precision in float64; got nu = {nu:g}, "
            f"tau = {tau:g}."
        )
    return mu, nu, omega, tau, alpha, lam


def _centred_pieces(m, v, alpha, lam):
    """The Gaussian pieces of `_gaussian_pieces` and what the moments of f = selu (constants
    alpha, lam), z ~ N(m, v), are made of, measured from c = f(m), the activation at the mean:
    then no term grows like m^2, and Var[f] = E[(f - c)^2] - (E[f] - c)^2 keeps its digits
    when |m| is large. In float64: an overflow shows as inf or NaN (see `_finite`).
    """
    m, v, alpha, lam = (np.float64(x) for x in (m, v, alpha, lam))
    g = _gaussian_pieces(m, v)
    s, phi = np.sqrt(v), g["pdf0"] * np.sqrt(v)  # phi: the standard normal density at m / s
    c = lam * m if m > 0 else lam * alpha * np.expm1(m)
    # f - c = lam (z - m + d) for z > 0, and a e^z - K for z <= 0 (a = lam alpha)
    d = 0.0 if m > 0 else m - alpha * np.expm1(m)  # m - c / lam, without its rounding
    a, K = lam * alpha, lam * alpha + c
    shift = lam * (s * phi + d * g["p_pos"]) + a * g["e1_neg"] - K * g["p_neg"]  # E[f - c]
    return {**g, "lam": lam, "s": s, "phi": phi, "c": c, "d": d, "a": a, "K": K,
            "shift": shift}


def _finite(m, v, alpha, lam, *values):
    """Return `values` as floats, or raise the one clear error for an overflow."""
    if not np.all(np.isfinite(values)):
        constants = "" if (alpha, lam) == (SELU_ALPHA, SELU_LAMBDA) else (
            f" or smaller constants than alpha = {alpha:g}, lam = {lam:g}")
        raise ValueError(f"the mean or variance of selu(z), z ~ N({m:g}, {v:g}), overflows "
                         f"float64; use smaller inputs{constants}.")
    return tuple(float(x) for x in values)


def _mean_and_variance(m, v, alpha, lam):
    """E[f] and Var[f] for f = selu (constants alpha, lam), z ~ N(m, v), without cancellation
    (see `_centred_pieces`)."""
    with np.errstate(all="ignore"):  # an overflow shows as inf or NaN, reported below
        p = _centred_pieces(m, v, alpha, lam)
        lam, s, phi, d, a, K = (p[k] for k in ("lam", "s", "phi", "d", "a", "K"))
        second_pos = lam**2 * (v * (p["p_pos"] - m / s * phi) + 2 * d * (s * phi)
                               + d * (d * p["p_pos"]))  # no overflow of d^2 when P = 0
        second_neg = a * a * p["e2_neg"] - 2 * a * K * p["e1_neg"] + K * (K * p["p_neg"])
        mean = p["c"] + p["shift"]
        variance = max(second_pos + second_neg - p["shift"] ** 2, 0.0)
    return _finite(m, v, alpha, lam, mean, variance)


def moment_map(mu, nu, omega=0.0, tau=1.0, alpha=SELU_ALPHA, lam=SELU_LAMBDA):
    """Mean and variance of SELU's output given the moments of its inputs (the paper's g).

    Parameters
    ----------
    mu, nu : float
        Mean and variance (not second moment) of the inputs x_i; nu >= 0.
    omega, tau : float, default 0 and 1
        Sum and sum of squares of the incoming weights; tau >= 0. The defaults are the
        normalised weights of the paper's fixed-point analysis.
    alpha, lam : float
        SELU's constants (change them to study other fixed points).

    Returns
    -------
    (mu_new, nu_new) : tuple of float

    Notes
    -----
    z ~ N(mu omega, nu tau); mu_new = E[selu(z)], nu_new = Var[selu(z)], each integral split
    at 0 into a linear piece and an exponential piece (measured from selu(mu omega), which
    keeps the variance accurate for large means). nu * tau must be at least MIN_VARIANCE.

    Examples
    --------
    >>> bool(np.allclose(moment_map(0.0, 1.0), (0.0, 1.0), rtol=0, atol=1e-14))
    True
    """
    mu, nu, omega, tau, alpha, lam = _check(mu, nu, omega, tau, alpha, lam)
    return _mean_and_variance(mu * omega, nu * tau, alpha, lam)


def moment_map_jacobian(mu, nu, omega=0.0, tau=1.0, alpha=SELU_ALPHA, lam=SELU_LAMBDA):
    """Jacobian of `moment_map` with respect to (mu, nu), in closed form.

    Parameters
    ----------
    As for `moment_map`.

    Returns
    -------
    ndarray, shape (2, 2)
        [[d mu_new/d mu, d mu_new/d nu], [d nu_new/d mu, d nu_new/d nu]].

    Notes
    -----
    For z ~ N(m, v): d/dm E[h(z)] = E[h'(z)] and d/dv E[h(z)] = E[h''(z)] / 2, with h'' taken
    as a distribution: selu' jumps from lam alpha to lam at 0, which adds
    (lam - lam alpha) * density(0) to E[selu'']. Then m = mu omega and v = nu tau.

    Examples
    --------
    >>> moment_map_jacobian(0.0, 1.0).round(5)
    array([[0.     , 0.08883],
           [0.     , 0.78265]])
    """
    mu, nu, omega, tau, alpha, lam = _check(mu, nu, omega, tau, alpha, lam)
    m, v = mu * omega, nu * tau
    _mean_and_variance(m, v, alpha, lam)  # where the map overflows, the same clear error
    with np.errstate(all="ignore"):  # an overflow shows as inf or NaN, reported below
        p = _centred_pieces(m, v, alpha, lam)
        lam, s, phi, c, d, a, K = (p[k] for k in ("lam", "s", "phi", "c", "d", "a", "K"))
        e1, e2, shift = p["e1_neg"], p["e2_neg"], p["shift"]
        f1 = lam * p["p_pos"] + a * e1  # E[f']
        f2 = a * e1 + (lam - a) * p["pdf0"]  # E[f''], with the jump of f' at 0
        # Var[f] = E[(f - c)^2] - E[f - c]^2: d/dm = 2 Cov(f, f'), d/dv = E[f'^2] + Cov(f, f''),
        # each covariance measured from c (no terms of size m^2 that cancel)
        cov_f1 = lam**2 * (s * phi + d * p["p_pos"]) + a * a * e2 - a * K * e1 - shift * f1
        cov_f2 = a * a * e2 - a * K * e1 - (lam - a) * c * p["pdf0"] - shift * f2
        dvar_dm, dvar_dv = 2 * cov_f1, lam**2 * p["p_pos"] + a * a * e2 + cov_f2
        jacobian = _finite(m, v, alpha, lam, omega * f1, tau * 0.5 * f2, omega * dvar_dm,
                           tau * dvar_dv)
    return np.array(jacobian).reshape(2, 2)


def iterate_moment_map(mu, nu, steps, omega=0.0, tau=1.0, alpha=SELU_ALPHA, lam=SELU_LAMBDA):
    """Apply `moment_map` `steps` times: the mean and variance seen by successive layers.

    Returns
    -------
    ndarray, shape (steps + 1, 2)
        Row k is (mu, nu) after k layers; row 0 is the start.

    Examples
    --------
    >>> iterate_moment_map(0.5, 2.0, 80)[-1].round(6)
    array([0., 1.])
    """
    steps = check_count(steps, "steps", minimum=0)
    mu, nu, omega, tau, alpha, lam = _check(mu, nu, omega, tau, alpha, lam)
    path = np.empty((steps + 1, 2))
    path[0] = mu, nu
    for k in range(steps):
        path[k + 1] = moment_map(path[k, 0], path[k, 1], omega, tau, alpha, lam)
    return path


def layer_moment_map(mu, nu, tau=1.0, alpha=SELU_ALPHA, lam=SELU_LAMBDA, nodes=40):
    """Mean and variance of a whole layer of random SELU units, over units and samples.

    `moment_map` follows one unit with given omega = sum_i w_i. In a layer with random weights
    w_ij ~ N(0, tau / n), each unit has its own omega_j = sum_i w_ij ~ N(0, tau) (only its
    tau_j = sum_i w_ij^2 concentrates near tau). With inputs of mean mu, unit j sees
    z ~ N(mu omega_j, nu tau): its own mean. The layer's mean averages the units' means over
    omega_j, and its variance adds the spread between units to their average variance:

        mean = E_omega[m(omega)],   var = E_omega[v(omega)] + Var_omega[m(omega)],

    with (m, v) = moment_map(mu, nu, omega, tau). The expectations use Gauss-Hermite
    quadrature with `nodes` points. For mu = 0 it is `moment_map` with omega = 0.

    Examples
    --------
    >>> [round(v, 2) for v in layer_moment_map(2.0, 9.0)]  # moment_map gives (0.59, 5.61)
    [0.81, 7.59]
    """
    mu, nu, _, tau, alpha, lam = _check(mu, nu, 0.0, tau, alpha, lam)
    nodes = check_size(nodes, "nodes")
    z, weights = np.polynomial.hermite_e.hermegauss(nodes)  # for a standard normal
    weights = weights / weights.sum()
    means, variances = np.array([moment_map(mu, nu, omega, tau, alpha, lam)
                                 for omega in np.sqrt(tau) * z]).T
    mean = float(weights @ means)
    with np.errstate(over="ignore", invalid="ignore"):  # an overflow: reported just below
        var = float(weights @ variances + weights @ (means - mean) ** 2)
    if not np.isfinite(var):
        raise ValueError(f"the layer's variance overflows float64 (beyond 1e308) for mu = "
                         f"{mu:g}, nu = {nu:g}, tau = {tau:g}: use smaller inputs.")
    return mean, var


def derive_selu_constants(mean=0.0, var=1.0, omega=0.0, tau=1.0):
    """Solve the fixed-point equations for (alpha, lam): g(mean, var) = (mean, var).

    Parameters
    ----------
    mean : float, default 0.0
    var : float, default 1.0
        The fixed point to build an activation for; var > 0.
    omega, tau : float, default 0 and 1
        Sum and sum of squares of the weights, as in `moment_map`: the pre-activation is
        z ~ N(mean omega, var tau). The defaults are the paper's normalised weights, so
        z ~ N(0, var). The SNN authors' own tool (getSELUparameters in bioinf-jku/SNNs)
        solves with z ~ N(mean, var): omega = 1, tau = 1. Both give SELU's constants for
        (0, 1); they differ elsewhere.

    Returns
    -------
    (alpha, lam) : tuple of float
        For the default (0, 1), SELU's constants to about 1e-15.

    Notes
    -----
    With A(alpha) = E[elu_alpha(z)] and V(alpha) = Var[elu_alpha(z)], the equations are
    lam A = mean and lam^2 V = var. Their ratio depends on alpha alone,
    A / sqrt(V) = mean / sqrt(var): solved for alpha with Brent's method; then
    lam = sqrt(var / V).

    Examples
    --------
    >>> [round(c, 10) for c in derive_selu_constants()]
    [1.6732632424, 1.0507009874]
    >>> [round(c, 5) for c in derive_selu_constants(-0.1, 2.0, omega=1.0, tau=1.0)]
    [1.9769, 1.07385]
    """
    mean = check_finite_real(mean, "mean")
    var = check_finite_real(var, "var", minimum=0.0, exclusive=True)
    omega = check_finite_real(omega, "omega")
    tau = check_finite_real(tau, "tau", minimum=0.0, exclusive=True)
    m, v = mean * omega, var * tau
    if v < MIN_VARIANCE:
        raise ValueError(f"var * tau must be >= {MIN_VARIANCE:g} (the closed forms lose their "
                         f"precision below); got var = {var:g}, tau = {tau:g}.")
    if v > MAX_DERIVE_VARIANCE:  # alpha's effect on the moments shrinks like alpha / sqrt(v)
        raise ValueError(f"var * tau must be <= {MAX_DERIVE_VARIANCE:g} (beyond, alpha would "
                         f"have to exceed 1e6 to matter; the search stops there); got var = "
                         f"{var:g}, tau = {tau:g}.")
    target = mean / np.sqrt(var)

    def ratio(alpha):  # E / sqrt(Var) of elu_alpha(z): the same for every lam
        first, spread = _mean_and_variance(m, v, alpha, 1.0)
        return first / np.sqrt(spread) if spread > 0 else np.nan

    # the ratio falls monotonically from ReLU's (alpha = 0) towards a limit as alpha grows,
    # unless z almost never changes sign: then alpha changes nothing and determines nothing
    relu_ratio, limit = ratio(0.0), ratio(1e6)
    if not np.isfinite(relu_ratio) or abs(ratio(1e-3) - limit) <= 1e-9 * abs(limit):
        side = "positive" if m < 0 else "negative"
        raise ValueError(
            f"no SELU-type activation is determined by mean {mean:g}, var {var:g}: z ~ N({m:g}, "
            f"{v:g}) is almost never {side}, so alpha has no effect on the moments. Choose a "
            "variance larger compared with the squared mean."
        )
    lo, hi = 0.0, 1.0
    while ratio(hi) > target:
        hi *= 2
        if hi > 1e6:
            raise ValueError(
                f"no SELU-type activation has a fixed point at mean {mean:g}, var {var:g}: "
                f"mean / sqrt(var) = {target:.4f} is below {limit:.4f}, the lowest "
                "ratio any alpha reaches."
            )
    if relu_ratio < target:
        raise ValueError(
            f"no SELU-type activation has a fixed point at mean {mean:g}, var {var:g}: "
            f"mean / sqrt(var) = {target:.4f} is above {relu_ratio:.4f}, the value for ReLU "
            "(alpha = 0)."
        )
    alpha = optimize.brentq(lambda a: ratio(a) - target, lo, hi, xtol=1e-16,
                            rtol=4 * np.finfo(float).eps, maxiter=200)
    _, spread = _mean_and_variance(m, v, alpha, 1.0)
    alpha, lam = float(alpha), float(np.sqrt(var / spread))
    # the answer is a fixed point, or no answer at all (never a silently wrong pair)
    got = _mean_and_variance(m, v, alpha, lam) if alpha > 0 else (np.nan, np.nan)
    if not (abs(got[0] - mean) <= 1e-9 * max(1.0, abs(mean)) and abs(got[1] - var) <= 1e-9 * var):
        raise ValueError(
            f"no SELU-type activation could be determined for mean {mean:g}, var {var:g} to "
            f"float64 precision (the best pair found maps them to {got[0]:.6g}, {got[1]:.6g})."
        )
    return alpha, lam


def alpha_dropout_affine(rate, alpha=SELU_ALPHA, lam=SELU_LAMBDA):
    """The affine correction (a, b) of alpha dropout (Klambauer et al. 2017, section 4).

    Alpha dropout replaces a dropped activation by SELU's saturation value
    alpha' = -lam * alpha, then applies y -> a y + b so that inputs with mean 0 and
    variance 1 keep mean 0 and variance 1.

    Parameters
    ----------
    rate : float in [0, 1)
        Probability of *dropping* a unit (PyTorch's convention). The paper writes q for the
        probability of *keeping* it: q = 1 - rate.
    alpha, lam : float
        SELU's constants.

    Returns
    -------
    (a, b) : tuple of float

    Notes
    -----
    a = ((1 - rate) (1 + rate alpha'^2))^(-1/2),  b = -a rate alpha'.

    Examples
    --------
    >>> [round(v, 6) for v in alpha_dropout_affine(0.1)]
    [0.921285, 0.161971]
    """
    rate = check_dropout_rate(rate)
    alpha = check_finite_real(alpha, "alpha", minimum=0.0, exclusive=True)
    lam = check_finite_real(lam, "lam", minimum=0.0, exclusive=True)
    saturation = -lam * alpha  # a Python float: inf (not an error) beyond float64
    if not np.isfinite(saturation):
        raise ValueError(f"lam * alpha (SELU's saturation value) must be finite; got lam = "
                         f"{lam:g} and alpha = {alpha:g}, whose product overflows float64.")
    # sqrt(1 + rate saturation²) as a hypot: no overflow of saturation² for huge constants
    root = np.sqrt(1 - rate) * np.hypot(1.0, np.sqrt(rate) * saturation)
    a, b = 1.0 / root, -rate * saturation / root
    return float(a), float(b) + 0.0  # + 0.0 turns -0.0 into 0.0
