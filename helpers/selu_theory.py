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
from scipy.special import log_ndtr, ndtr

from ._validation import check_finite_real
from .activations import SELU_ALPHA, SELU_LAMBDA


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
    e1 = np.exp(m + v / 2 + log_ndtr(-(m + v) / s))
    e2 = np.exp(2 * m + 2 * v + log_ndtr(-(m + 2 * v) / s))
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
    if nu * tau <= 0:
        raise ValueError(
            f"nu * tau must be > 0 (the variance of the pre-activation); got nu = {nu}, "
            f"tau = {tau}."
        )
    return mu, nu, omega, tau, alpha, lam


def _moments(m, v, alpha, lam):
    """(E[f], E[f^2], pieces) for f = selu with constants alpha, lam and z ~ N(m, v)."""
    g = _gaussian_pieces(m, v)
    mean = lam * (g["z_pos"] + alpha * (g["e1_neg"] - g["p_neg"]))
    second = lam**2 * (g["z2_pos"]
                       + alpha**2 * (g["e2_neg"] - 2 * g["e1_neg"] + g["p_neg"]))
    return mean, second, g


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
    z ~ N(mu omega, nu tau); mu_new = E[selu(z)], nu_new = E[selu(z)^2] - mu_new^2, each
    integral split at 0 into a linear piece and an exponential piece.

    Examples
    --------
    >>> bool(np.allclose(moment_map(0.0, 1.0), (0.0, 1.0), rtol=0, atol=1e-14))
    True
    """
    mu, nu, omega, tau, alpha, lam = _check(mu, nu, omega, tau, alpha, lam)
    mean, second, _ = _moments(mu * omega, nu * tau, alpha, lam)
    return float(mean), float(max(second - mean * mean, 0.0))


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
    mean, _, g = _moments(mu * omega, nu * tau, alpha, lam)
    # first moment: h = selu
    dmean_dm = lam * (g["p_pos"] + alpha * g["e1_neg"])
    dmean_dv = 0.5 * lam * (alpha * g["e1_neg"] + (1 - alpha) * g["pdf0"])
    # second moment: h = selu^2, whose derivative is continuous at 0 (no delta term)
    dsecond_dm = 2 * lam**2 * (g["z_pos"] + alpha**2 * (g["e2_neg"] - g["e1_neg"]))
    dsecond_dv = lam**2 * (g["p_pos"] + alpha**2 * (2 * g["e2_neg"] - g["e1_neg"]))
    # variance = second - mean^2; chain rule to (mu, nu)
    dvar_dm = dsecond_dm - 2 * mean * dmean_dm
    dvar_dv = dsecond_dv - 2 * mean * dmean_dv
    return np.array([[omega * dmean_dm, tau * dmean_dv],
                     [omega * dvar_dm, tau * dvar_dv]])


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
    steps = int(steps)
    if steps < 0:
        raise ValueError(f"steps must be >= 0; got {steps}.")
    path = np.empty((steps + 1, 2))
    path[0] = mu, nu
    for k in range(steps):
        path[k + 1] = moment_map(path[k, 0], path[k, 1], omega, tau, alpha, lam)
    return path


def derive_selu_constants(mean=0.0, var=1.0):
    """Solve the fixed-point equations for (alpha, lam): g(mean, var) = (mean, var).

    Parameters
    ----------
    mean : float, default 0.0
    var : float, default 1.0
        The fixed point to build an activation for; var > 0. With omega = 0 and tau = 1
        the pre-activation is z ~ N(0, var).

    Returns
    -------
    (alpha, lam) : tuple of float
        For the default (0, 1), SELU's constants to about 1e-15.

    Notes
    -----
    With A(alpha) = E[elu_alpha(z)] and B(alpha) = E[elu_alpha(z)^2], the equations are
    lam A = mean and lam^2 (B - A^2) = var. Their ratio depends on alpha alone,
    A / sqrt(B - A^2) = mean / sqrt(var): solved for alpha with Brent's method; then
    lam = sqrt(var / (B - A^2)).

    Examples
    --------
    >>> [round(c, 10) for c in derive_selu_constants()]
    [1.6732632424, 1.0507009874]
    """
    mean = check_finite_real(mean, "mean")
    var = check_finite_real(var, "var", minimum=0.0, exclusive=True)

    def elu_moments(alpha):
        first, second, _ = _moments(0.0, var, alpha, 1.0)
        return first, second - first * first

    def residual(alpha):
        first, spread = elu_moments(alpha)
        return first / np.sqrt(spread) - mean / np.sqrt(var)

    # residual falls monotonically from ReLU's ratio (alpha = 0) towards a negative limit
    lo, hi = 0.0, 1.0
    while residual(hi) > 0:
        hi *= 2
        if hi > 1e6:
            raise ValueError(
                f"no SELU-type activation has a fixed point at mean {mean}, var {var}: the "
                "ratio mean / sqrt(var) must lie between "
                f"{residual(1e6) + mean / np.sqrt(var):.4f} and "
                f"{residual(0.0) + mean / np.sqrt(var):.4f}."
            )
    if residual(lo) < 0:
        raise ValueError(
            f"no SELU-type activation has a fixed point at mean {mean}, var {var}: "
            f"mean / sqrt(var) = {mean / np.sqrt(var):.4f} is above "
            f"{residual(0.0) + mean / np.sqrt(var):.4f}, the value for ReLU (alpha = 0)."
        )
    alpha = optimize.brentq(residual, lo, hi, xtol=1e-16, rtol=4 * np.finfo(float).eps,
                            maxiter=200)
    _, spread = elu_moments(alpha)
    return float(alpha), float(np.sqrt(var / spread))


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
    rate = check_finite_real(rate, "rate")
    if not 0 <= rate < 1:
        raise ValueError(f"rate must be in [0, 1) (the probability of dropping); got {rate}.")
    alpha = check_finite_real(alpha, "alpha", minimum=0.0, exclusive=True)
    lam = check_finite_real(lam, "lam", minimum=0.0, exclusive=True)
    saturation = -lam * alpha
    a = 1.0 / np.sqrt((1 - rate) * (1 + rate * saturation**2))
    b = -a * rate * saturation
    return float(a), float(b) + 0.0  # + 0.0 turns -0.0 into 0.0
