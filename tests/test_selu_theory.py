"""helpers.selu_theory: the moment map of Klambauer et al. (2017), its fixed point and Jacobian."""

import itertools

import numpy as np
import pytest
from scipy import integrate, stats

from helpers import activations as act
from helpers import selu_theory as th
from helpers.activations import SELU_ALPHA, SELU_LAMBDA, elu, selu
from helpers.gradcheck import relative_error


def moments_by_quadrature(mu, nu, omega, tau, f=selu):
    """Independent reference: integrate f against N(mu*omega, nu*tau), each half-line apart."""
    m, s = mu * omega, np.sqrt(nu * tau)
    pdf = stats.norm(m, s).pdf
    first = sum(integrate.quad(lambda z: f(z) * pdf(z), a, b, epsabs=1e-14, epsrel=1e-13)[0]
                for a, b in [(-np.inf, 0), (0, np.inf)])
    second = sum(integrate.quad(lambda z: f(z) ** 2 * pdf(z), a, b, epsabs=1e-14, epsrel=1e-13)[0]
                 for a, b in [(-np.inf, 0), (0, np.inf)])
    return first, second - first**2


def test_fixed_point_zero_one():
    mu, nu = th.moment_map(0.0, 1.0)
    # a few ulps: the last bits differ between numpy/scipy builds (seen on Python 3.10)
    assert abs(mu) < 1e-14 and abs(nu - 1) < 1e-14


@pytest.mark.parametrize("mu,nu,omega,tau", [(0.0, 1.0, 0.0, 1.0), (0.3, 1.4, 0.5, 0.9),
                                             (-0.8, 0.2, 1.2, 2.0), (2.0, 3.0, -1.0, 0.5)])
def test_moment_map_matches_numerical_integration(mu, nu, omega, tau):
    closed = th.moment_map(mu, nu, omega, tau)
    assert np.allclose(closed, moments_by_quadrature(mu, nu, omega, tau), rtol=1e-10, atol=1e-12)


def test_moment_map_other_constants_give_elu():
    """With lam = 1 the map is that of ELU with the same alpha."""
    closed = th.moment_map(0.2, 0.7, 1.0, 1.0, alpha=1.0, lam=1.0)
    assert np.allclose(closed, moments_by_quadrature(0.2, 0.7, 1.0, 1.0, f=elu), rtol=1e-10)


def test_moment_map_survives_extreme_arguments():
    for args in [(50.0, 1.0, 1.0, 1.0), (-50.0, 1.0, 1.0, 1.0), (0.0, 400.0, 0.0, 1.0),
                 (0.0, th.MIN_VARIANCE, 0.0, 1.0)]:
        mu, nu = th.moment_map(*args)
        assert np.isfinite(mu) and np.isfinite(nu) and nu >= 0


def finite_difference_jacobian(mu, nu, omega, tau, h=1e-6):
    jac = np.empty((2, 2))
    for j, (dm, dn) in enumerate([(h, 0.0), (0.0, h)]):
        plus = np.array(th.moment_map(mu + dm, nu + dn, omega, tau))
        minus = np.array(th.moment_map(mu - dm, nu - dn, omega, tau))
        jac[:, j] = (plus - minus) / (2 * h)
    return jac


@pytest.mark.parametrize("mu,nu,omega,tau", [(0.0, 1.0, 0.0, 1.0), (0.1, 1.2, 0.1, 1.05),
                                             (-0.5, 0.6, 0.8, 1.3), (1.0, 2.0, -0.3, 0.7)])
def test_jacobian_matches_finite_differences(mu, nu, omega, tau):
    analytic = th.moment_map_jacobian(mu, nu, omega, tau)
    assert analytic.shape == (2, 2)
    assert relative_error(analytic, finite_difference_jacobian(mu, nu, omega, tau)) < 1e-7


def test_jacobian_at_the_fixed_point_is_the_papers():
    """Klambauer et al. (2017): J(0, 1) = [[0, 0.088834], [0, 0.782648]], spectral norm 0.7877.
    (The paper's digits are truncated, not rounded: 0.08883476 prints as 0.088834.)"""
    jac = th.moment_map_jacobian(0.0, 1.0)
    assert np.allclose(jac, [[0.0, 0.088834], [0.0, 0.782648]], atol=1e-6, rtol=0)
    assert round(np.linalg.norm(jac, 2), 4) == 0.7877


def test_contraction_on_the_domain_of_theorem_1():
    """Spectral norm < 1 on a grid over mu, omega in [-0.1, 0.1], nu in [0.8, 1.5], tau in
    [0.95, 1.1] (the paper proves it with a computer-assisted bound; we sample 5^4 points)."""
    grid = itertools.product(np.linspace(-0.1, 0.1, 5), np.linspace(0.8, 1.5, 5),
                             np.linspace(-0.1, 0.1, 5), np.linspace(0.95, 1.1, 5))
    norms = [np.linalg.norm(th.moment_map_jacobian(mu, nu, om, ta), 2) for mu, nu, om, ta in grid]
    assert max(norms) < 1
    assert min(norms) > 0.5  # not trivially small: the map really moves points


def domain_grid(domain, n=7):
    """(mu, nu, omega, tau) on an n^4 grid over a theorem's domain, corners included."""
    return itertools.product(*(np.linspace(*domain[k], n) for k in ("mu", "nu", "omega", "tau")))


def test_theorem_1_domain_is_the_papers():
    assert th.THEOREM_1 == {"mu": (-0.1, 0.1), "omega": (-0.1, 0.1), "nu": (0.8, 1.5),
                            "tau": (0.95, 1.1)}


def test_theorem_2_the_variance_decreases_on_its_domain():
    """Klambauer et al. (2017), Theorem 2: nu_new < nu for mu in [-1, 1], omega in [-0.1, 0.1],
    nu in [3, 16], tau in [0.8, 1.25]; checked on a grid with the closed form."""
    gaps = [th.moment_map(mu, nu, om, ta)[1] - nu for mu, nu, om, ta in domain_grid(th.THEOREM_2)]
    assert max(gaps) < 0
    assert th.moment_map(0.0, 3.0, 0.0, 2.0)[1] > 3.0  # outside it (He's tau = 2) it grows


def test_theorem_3_the_variance_increases_on_its_domains():
    """Theorem 3: nu_new > nu for small variances (two domains of tau)."""
    for domain in th.THEOREM_3:
        gaps = [th.moment_map(mu, nu, om, ta)[1] - nu for mu, nu, om, ta in domain_grid(domain)]
        assert min(gaps) > 0
    assert th.moment_map(0.0, 1.2, 0.0, 0.8)[1] < 1.2  # larger variances fall, at tau 0.8


def test_theorem_1_fixed_points_stay_near_zero_one():
    """At the corners of Theorem 1's (omega, tau) the map settles at a fixed point inside the
    theorem's (mu, nu) domain."""
    for om, ta in itertools.product(th.THEOREM_1["omega"], th.THEOREM_1["tau"]):
        mu, nu = th.iterate_moment_map(0.0, 1.0, 300, omega=om, tau=ta)[-1]
        assert np.allclose(th.moment_map(mu, nu, om, ta), (mu, nu), atol=1e-9)
        assert -0.1 <= mu <= 0.1 and 0.8 <= nu <= 1.5


def test_iterating_the_map_converges_to_the_fixed_point():
    mu, nu = 0.5, 1.8
    for _ in range(100):
        mu, nu = th.moment_map(mu, nu, 0.0, 1.0)
    assert abs(mu) < 1e-9 and abs(nu - 1) < 1e-9


def test_derived_constants_are_selus():
    alpha, lam = th.derive_selu_constants()
    assert abs(alpha - SELU_ALPHA) < 1e-12 and abs(lam - SELU_LAMBDA) < 1e-12


@pytest.mark.parametrize("mean,var", [(-0.1, 2.0), (0.0, 2.0), (0.05, 0.5), (0.2, 1.0)])
def test_derived_constants_make_their_fixed_point(mean, var):
    alpha, lam = th.derive_selu_constants(mean, var)
    mu, nu = th.moment_map(mean, var, 0.0, 1.0, alpha=alpha, lam=lam)
    assert abs(mu - mean) < 1e-12 and abs(nu - var) < 1e-12
    assert alpha > 0 and lam > 0


def test_unreachable_fixed_point_is_explained():
    with pytest.raises(ValueError, match="no SELU-type activation has a fixed point"):
        th.derive_selu_constants(mean=5.0, var=0.1)


@pytest.mark.parametrize("rate", [0.05, 0.1, 0.2, 0.5])
def test_alpha_dropout_keeps_standard_moments(rate):
    """Monte Carlo with n = 4,000,000 draws. The tolerance is 5 standard errors, estimated from
    the sample itself (std of y for the mean, std of (y - mean)^2 for the variance): a false
    alarm has probability below 1e-6, while a wrong affine map (a off by 1%) moves the variance
    by 2%, about 10 times the tolerance."""
    rng = np.random.default_rng(0)
    n = 4_000_000
    a, b = th.alpha_dropout_affine(rate)
    x = rng.standard_normal(n)
    keep = rng.random(n) >= rate
    y = a * np.where(keep, x, -SELU_LAMBDA * SELU_ALPHA) + b
    mean_tol = 5 * y.std() / np.sqrt(n)
    var_tol = 5 * ((y - y.mean()) ** 2).std() / np.sqrt(n)
    assert abs(y.mean()) < mean_tol
    assert abs(y.var() - 1) < var_tol
    assert var_tol < 0.005


def test_alpha_dropout_with_rate_zero_is_the_identity():
    assert th.alpha_dropout_affine(0.0) == (1.0, 0.0)


def test_alpha_dropout_known_value():
    """PyTorch's AlphaDropout formula, written independently: a = 1 / sqrt((1 - p)(1 + p a'^2))."""
    p, neg = 0.1, -SELU_LAMBDA * SELU_ALPHA
    a = 1 / np.sqrt((1 - p) * (1 + p * neg**2))
    assert np.allclose(th.alpha_dropout_affine(p), (a, -a * neg * p), rtol=1e-15)


@pytest.mark.parametrize(
    "call,error,match",
    [
        (lambda: th.moment_map(0.0, -1.0), ValueError, "nu must be >= 0; got -1.0"),
        (lambda: th.moment_map(0.0, 1.0, tau=-0.5), ValueError, "tau must be >= 0; got -0.5"),
        (lambda: th.moment_map(np.nan, 1.0), ValueError, "mu must be finite; got nan"),
        (lambda: th.moment_map("0", 1.0), TypeError, "mu must be a real number"),
        (lambda: th.moment_map(0.0, 1.0, lam=0.0), ValueError, "lam must be > 0"),
        (lambda: th.moment_map(0.0, 0.0, tau=1.0), ValueError,
         r"nu \* tau \(the variance of the pre-activation\) must be >= 1e-06.*got nu = 0, "
         "tau = 1"),
        (lambda: th.moment_map(0.0, 1e-300), ValueError, "lose their precision"),
        (lambda: th.moment_map(0.0, 1e300, tau=1e10), ValueError,
         r"selu\(z\), z ~ N\(0, inf\), overflows float64"),
        (lambda: th.derive_selu_constants(0.0, 1e-300), ValueError,
         r"var \* tau must be >= 1e-06"),
        (lambda: th.derive_selu_constants(5.0, 1.0), ValueError,
         "5.0000 is above 0.6833, the value for ReLU"),
        (lambda: th.derive_selu_constants(-5.0, 1.0), ValueError,
         "-5.0000 is below -0.8033, the lowest ratio any alpha reaches"),
        (lambda: th.moment_map_jacobian(0.0, 1.0, omega=np.inf), ValueError,
         "omega must be finite"),
        (lambda: th.derive_selu_constants(0.0, 0.0), ValueError, "var must be > 0; got 0.0"),
        (lambda: th.alpha_dropout_affine(1.0), ValueError,
         r"rate must be in \[0, 1\) \(the probability of dropping\); got 1.0"),
        (lambda: th.alpha_dropout_affine(-0.1), ValueError, r"rate must be in \[0, 1\)"),
        (lambda: th.alpha_dropout_affine(np.nan), ValueError, "rate must be finite"),
        (lambda: th.alpha_dropout_affine(0.1, alpha=-1.0), ValueError, "alpha must be > 0"),
    ],
)
def test_bad_input_names_the_parameter(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_iterate_moment_map():
    path = th.iterate_moment_map(0.3, 1.6, 60)
    assert path.shape == (61, 2) and path[0].tolist() == [0.3, 1.6]
    assert np.allclose(path[1], th.moment_map(0.3, 1.6))
    assert np.allclose(path[-1], [0, 1], atol=1e-5)  # contraction ~0.78 per layer
    with pytest.raises(ValueError, match="steps must be an integer >= 0"):
        th.iterate_moment_map(0.0, 1.0, -1)


def test_variance_keeps_its_digits_for_large_means():
    """The variance is measured from selu(m): for m = 1e8, z ~ N(1e8, 1) lies on the linear
    piece, so the variance is lam^2 (it was 0.0 when computed as E[f^2] - E[f]^2)."""
    lam2 = act.SELU_LAMBDA**2
    assert th.moment_map(1e8, 1.0, omega=1.0) == pytest.approx((1e8 * act.SELU_LAMBDA, lam2),
                                                                rel=1e-14)
    assert th.moment_map(1e200, 1.0, omega=1.0)[1] == pytest.approx(lam2, rel=1e-14)
    assert th.moment_map(-1e200, 1.0, omega=1.0) == pytest.approx((-act.SELU_LAMBDA_ALPHA, 0.0),
                                                                   rel=1e-15)


@pytest.mark.parametrize("m,v", [(2.0, 0.5), (-3.0, 0.5), (40.0, 2.0), (0.1, 1e-6), (-1.0, 9.0)])
def test_moment_map_matches_monte_carlo_far_from_the_fixed_point(m, v):
    z = m + np.sqrt(v) * np.random.default_rng(0).standard_normal(2_000_000)
    f = act.selu(z)
    mean, var = th.moment_map(m, v, omega=1.0)
    # five standard errors of the sample mean and of the sample variance
    assert abs(mean - f.mean()) < 5 * f.std() / np.sqrt(z.size)
    assert abs(var - f.var()) < 5 * np.sqrt(np.var((f - f.mean()) ** 2) / z.size)


def test_the_authors_convention_for_the_fixed_point():
    """getSELUparameters in bioinf-jku/SNNs solves with z ~ N(mean, var): omega = tau = 1."""
    alpha, lam = th.derive_selu_constants(-0.1, 2.0, omega=1.0, tau=1.0)
    assert (round(alpha, 5), round(lam, 5)) == (1.9769, 1.07385)
    assert np.allclose(th.moment_map(-0.1, 2.0, 1.0, 1.0, alpha=alpha, lam=lam), (-0.1, 2.0),
                       rtol=0, atol=1e-12)
    ours = th.derive_selu_constants(-0.1, 2.0)  # omega = 0, tau = 1: z ~ N(0, 2)
    assert abs(ours[0] - alpha) > 0.3
    assert np.allclose(th.derive_selu_constants(omega=1.0, tau=1.0), th.derive_selu_constants(),
                       rtol=0, atol=1e-12)  # the same at (0, 1)


def test_layer_moment_map_at_the_fixed_point_is_the_fixed_point():
    """With mean-0 inputs every unit's omega is multiplied by 0: the average is g itself."""
    assert th.layer_moment_map(0.0, 1.0) == pytest.approx((0.0, 1.0), abs=1e-12)
    assert th.layer_moment_map(0.0, 1.7, tau=1.3) == pytest.approx(
        th.moment_map(0.0, 1.7, 0.0, 1.3), abs=1e-12)


@pytest.mark.parametrize("mu,nu,tau", [(2.0, 9.0, 1.0), (0.5, 1.5, 2.0), (-1.0, 0.5, 1.0)])
def test_layer_moment_map_matches_a_wide_random_layer(mu, nu, tau):
    """One layer of 4,000 SELU units with weights N(0, tau / n): the layer's mean and variance
    (over samples and units) against the averaged map; omega_j = sum_i w_ij ~ N(0, tau)."""
    rng = np.random.default_rng(0)
    n, units, samples = 400, 4000, 2000
    x = mu + np.sqrt(nu) * rng.standard_normal((samples, n))
    w = rng.standard_normal((n, units)) * np.sqrt(tau / n)
    out = selu(x @ w)
    mean, var = th.layer_moment_map(mu, nu, tau=tau)
    assert out.mean() == pytest.approx(mean, abs=0.05 * (1 + abs(mean)))
    assert out.var() == pytest.approx(var, rel=0.05)


def test_layer_moment_map_explains_he_init():
    """tau = 2 (He's Var(w) = 2/n): the averaged map explodes, the omega = 0 map settles."""
    mu, nu = 0.0, 1.0
    for _ in range(64):
        mu, nu = th.layer_moment_map(mu, nu, tau=2.0)
    assert nu > 1000
    assert th.iterate_moment_map(0.0, 1.0, 64, tau=2.0)[-1, 1] < 20


# --- issue 29: no silent wrong answers, round 3 ------------------------------------------------

@pytest.mark.parametrize("args", [(0.0, 1.0, 0.0, 1.0, 1e200, SELU_LAMBDA),
                                  (0.0, 1.0, 0.0, 1.0, SELU_ALPHA, 1e200),
                                  (0.0, 1e200, 0.0, 1e200, SELU_ALPHA, SELU_LAMBDA),
                                  (0.0, 1e300, 0.0, 1e10, SELU_ALPHA, SELU_LAMBDA)])
def test_the_jacobian_raises_where_the_map_raises(args):
    """Not NaN, not an OverflowError: the map's own clear error."""
    with pytest.raises(ValueError) as by_map:
        th.moment_map(*args)
    assert "overflows float64" in str(by_map.value)
    with pytest.raises(ValueError) as by_jacobian:
        th.moment_map_jacobian(*args)
    assert str(by_jacobian.value) == str(by_map.value)


@pytest.mark.parametrize("mu,nu,omega,tau", [(3.0, 1.0, 1.0, 1.0), (-3.0, 1.0, 1.0, 1.0),
                                             (8.0, 2.0, 1.0, 1.0), (-8.0, 0.5, 1.0, 1.0),
                                             (30.0, 1.0, 1.0, 1.0), (-30.0, 4.0, 1.0, 1.0),
                                             (1e3, 1.0, 1.0, 1.0), (2.0, 0.01, 1.5, 2.0)])
def test_the_jacobian_far_from_the_fixed_point_matches_finite_differences(mu, nu, omega, tau):
    """d Var / d mu is a covariance, 2 Cov(f, f'): computed as E[f f'] - 2 E[f] E[f'] it was a
    difference of two terms of size mu^2 (at mu = 1e154 it gave 3e138, not about 0)."""
    analytic = th.moment_map_jacobian(mu, nu, omega, tau)
    numeric, rounding = np.empty((2, 2)), np.empty((2, 2))
    for j, (dm, dn) in enumerate([(1e-5 * max(1.0, abs(mu)), 0.0), (0.0, 1e-5 * nu)]):
        plus = np.array(th.moment_map(mu + dm, nu + dn, omega, tau))
        minus = np.array(th.moment_map(mu - dm, nu - dn, omega, tau))
        numeric[:, j] = (plus - minus) / (2 * (dm + dn))
        # what a finite difference cannot resolve: the rounding of the map's values
        rounding[:, j] = 1e-14 * np.maximum(np.abs(plus), 1e-300) / (dm + dn)
    tolerance = 1e-6 * np.abs(numeric).max(axis=1, keepdims=True) + rounding
    assert np.all(np.abs(analytic - numeric) <= tolerance), (analytic, numeric)


def test_the_jacobian_at_a_huge_mean_is_the_linear_pieces():
    """For mu omega -> +inf, selu(z) = lam z: d mean = lam d mu, d Var = lam^2 d nu, no cross
    terms; for -inf, selu saturates and nothing moves."""
    jac = th.moment_map_jacobian(1e154, 1.0, 1.0, 1.0)
    np.testing.assert_allclose(jac, [[SELU_LAMBDA, 0.0], [0.0, SELU_LAMBDA**2]], atol=1e-12)
    np.testing.assert_allclose(th.moment_map_jacobian(-1e3, 1.0, 1.0, 1.0), np.zeros((2, 2)),
                               atol=1e-300)


@pytest.mark.parametrize("kwargs", [{"alpha": 1e200}, {"lam": 1e200}, {"alpha": 1e-200}])
def test_alpha_dropout_affine_with_extreme_constants_keeps_mean_and_variance(kwargs):
    """Fuzz campaign: alpha or lam = 1e200 raised OverflowError (saturation**2)."""
    rate = 0.1
    a, b = th.alpha_dropout_affine(rate, **kwargs)
    s = -kwargs.get("lam", SELU_LAMBDA) * kwargs.get("alpha", SELU_ALPHA)
    # mean 0 kept: a rate s + b = 0; variance 1 kept: a² (1 - rate) (1 + rate s²) = 1
    assert abs(a * rate * s + b) <= 1e-12 * max(1.0, abs(b))
    assert np.isclose(a * np.sqrt(1 - rate) * np.hypot(1.0, np.sqrt(rate) * s), 1.0)


def test_alpha_dropout_affine_refuses_constants_whose_product_overflows():
    with pytest.raises(ValueError, match=r"lam \* alpha .* must be finite; got lam = 1e\+200"):
        th.alpha_dropout_affine(0.1, alpha=1e200, lam=1e200)


def test_derive_selu_constants_names_tau_when_the_variance_overflows():
    """Fuzz campaign: tau = 1e200 gave a message about mean and var that did not name tau."""
    with pytest.raises(ValueError, match=r"var \* tau must be <= 1e\+10 .*got var = 1, tau = "
                       r"1e\+200"):
        th.derive_selu_constants(tau=1e200)


@pytest.mark.parametrize("mu", [1e200, -1e200])
def test_layer_moment_map_reports_a_variance_that_overflows(mu):
    """Fuzz campaign: mu = 1e200 raised a RuntimeWarning (overflow in square)."""
    with pytest.raises(ValueError, match=r"the layer's variance overflows float64 .* for mu = "):
        th.layer_moment_map(mu, 1.0)


def test_derive_selu_constants_refuses_variances_beyond_its_search():
    """Fuzz campaign: tau = float32's largest was said to make z "almost never negative"."""
    with pytest.raises(ValueError, match=r"var \* tau must be <= 1e\+10 .* tau = 3\.4"):
        th.derive_selu_constants(tau=float(np.finfo(np.float32).max))
    assert np.isfinite(th.derive_selu_constants(var=1e10)).all()
