"""helpers.propagation: forward statistics and backward gradients of deep random networks."""

import numpy as np
import pytest

from helpers.gradcheck import numerical_gradient, relative_error
from helpers.init import INITS
from helpers.propagation import propagate, propagate_seeds


def test_linear_network_with_lecun_init_keeps_variance():
    """With f(z) = z and Var(w) = 1/n the variance is preserved in expectation."""
    stats = propagate_seeds("linear", seeds=range(5), depth=20, width=256, init="lecun",
                            n_samples=512)
    assert np.all(np.abs(stats.var.mean(axis=0) - 1) < 0.2)


def test_sigmoid_gradients_vanish_and_relu_he_keeps_them():
    sig = propagate_seeds("sigmoid", seeds=range(3), depth=20, width=64, init="glorot")
    relu = propagate_seeds("relu", seeds=range(3), depth=20, width=64, init="he")
    sig_ratio = sig.weight_grad_norm[:, 0] / sig.weight_grad_norm[:, -1]
    relu_ratio = relu.weight_grad_norm[:, 0] / relu.weight_grad_norm[:, -1]
    assert np.all(sig_ratio < 1e-6)
    assert np.all((relu_ratio > 0.1) & (relu_ratio < 10))


def test_weight_gradient_norms_match_finite_differences():
    """Rebuild the same network and compare dL/dW_1 with numerical differentiation."""
    depth, width, n = 3, 4, 5
    stats = propagate("tanh", depth=depth, width=width, rng=np.random.default_rng(7),
                      init="glorot", n_samples=n)
    rng = np.random.default_rng(7)  # replay the draws in the same order
    x = rng.standard_normal((n, width))
    weights = [INITS["glorot"](width, width, rng=rng) for _ in range(depth)]
    upstream = rng.standard_normal((n, width)) / np.sqrt(n)

    def loss_of_first_weights(w1):
        h = x
        for w in [w1, *weights[1:]]:
            h = np.tanh(h @ w)
        return h

    grad = numerical_gradient(loss_of_first_weights, weights[0].copy(), dout=upstream)
    assert relative_error(np.linalg.norm(grad), stats.weight_grad_norm[0]) < 1e-7


def test_gain_scales_the_first_pre_activation():
    a = propagate("relu", depth=1, width=32, rng=np.random.default_rng(0))
    b = propagate("relu", depth=1, width=32, rng=np.random.default_rng(0), gain=2.0)
    assert np.isclose(b.pre_second_moment[0], 4 * a.pre_second_moment[0])


def test_shapes_and_determinism():
    a = propagate_seeds("relu", seeds=[0, 1, 2], depth=4, width=8)
    b = propagate_seeds("relu", seeds=[0, 1, 2], depth=4, width=8)
    assert a.var.shape == (3, 4)
    assert np.array_equal(a.weight_grad_norm, b.weight_grad_norm)


@pytest.mark.parametrize(
    "kwargs,error,match",
    [
        ({"activation": "swish"}, ValueError, "activation must be one of"),
        ({"depth": 0}, ValueError, "depth must be an integer >= 1; got 0"),
        ({"width": 2.5}, TypeError, "width must be an integer"),
        ({"init": "xavier"}, ValueError, "init must be one of .*'glorot'.* got 'xavier'"),
        ({"gain": -1.0}, ValueError, "gain must be > 0"),
        ({"input_std": 0}, ValueError, "input_std must be > 0"),
        ({"n_samples": 1}, ValueError, "n_samples must be an integer >= 2"),
        ({"rng": 42}, TypeError, "rng must be a numpy Generator"),
    ],
)
def test_bad_input(kwargs, error, match):
    args = {"activation": "relu", "depth": 2, "width": 4, "rng": np.random.default_rng(0)}
    with pytest.raises(error, match=match):
        propagate(**{**args, **kwargs})


def test_no_seeds():
    with pytest.raises(ValueError, match="seeds must hold at least one seed"):
        propagate_seeds("relu", seeds=[], depth=2, width=4)


def test_he_init_for_the_slope_keeps_the_second_moment_and_the_wrong_one_does_not():
    kwargs = {"depth": 40, "width": 256, "init": "he", "negative_slope": 0.25}
    right = propagate_seeds("leaky_relu", seeds=range(3), **kwargs)
    wrong = propagate_seeds("leaky_relu", seeds=range(3), init_negative_slope=0.0, **kwargs)
    q_right = right.pre_second_moment.mean(axis=0)
    q_wrong = wrong.pre_second_moment.mean(axis=0)
    assert abs((q_right[-1] / q_right[0]) ** (1 / 39) - 1) < 0.02
    assert abs((q_wrong[-1] / q_wrong[0]) ** (1 / 39) - 1.0625) < 0.02  # (1 + a^2) per layer


def test_slope_arguments_are_checked():
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match="negative_slope applies to activations with a negative"):
        propagate("relu", depth=2, width=4, rng=rng, negative_slope=0.1)
    with pytest.raises(ValueError, match="init_negative_slope must be finite"):
        propagate("relu", depth=2, width=4, rng=rng, init_negative_slope=np.nan)


@pytest.mark.parametrize("activation", ["relu", "tanh", "selu"])
def test_a_network_that_overflows_float64_is_a_clear_error(activation):
    """Fuzz campaign: gain = 1e200 raised RuntimeWarnings (overflow) instead of an error."""
    with pytest.raises(ValueError, match=r"overflow float64 at layer \d+ .* with gain = 1e\+200, "
                       r"depth = 5, input_mean = 0, input_std = 1: the network explodes"):
        propagate(activation, depth=5, width=8, rng=np.random.default_rng(0), gain=1e200)
    with pytest.raises(ValueError, match=r"input_mean = 1e\+200.*use a smaller gain, depth, "
                       "input_mean, input_std"):  # the inputs' scale is named too
        propagate(activation, depth=5, width=8, rng=np.random.default_rng(0), input_mean=1e200)


# --- the mean-field maps ------------------------------------------------------------------------

from scipy import integrate, stats  # noqa: E402

from helpers import activations, propagation, selu_theory  # noqa: E402


def arc_cosine(c):
    """Cho & Saul (2009): ReLU's correlation map with He's weights, in closed form."""
    return (np.sqrt(1 - c * c) + (np.pi - np.arccos(c)) * c) / np.pi


def expect(g, q):
    """E[g(sqrt(q) u)], u ~ N(0, 1), with scipy's adaptive quadrature (split at the kink)."""
    integrand = lambda u: g(np.array([np.sqrt(q) * u]))[0] * stats.norm.pdf(u)  # noqa: E731
    return sum(integrate.quad(integrand, a, b, epsabs=0, epsrel=1e-12, limit=200)[0]
               for a, b in ((-np.inf, 0), (0, np.inf)))


@pytest.mark.parametrize("activation,init,gain,q", [
    ("tanh", "glorot", 1.0, 0.3), ("tanh", "glorot", 1.2, 2.0), ("selu", "lecun", 1.0, 1.7),
    ("gelu", "he", 1.0, 0.8), ("elu", "he", 1.3, 5.0), ("sigmoid", "glorot", 4.0, 1.0)])
def test_variance_map_and_chi1_agree_with_adaptive_quadrature(activation, init, gain, q):
    f, df = activations.get_activation(activation)
    sigma2 = {"he": 2.0, "lecun": 1.0, "glorot": 1.0}[init] * gain**2
    assert np.isclose(propagation.variance_map(activation, q, init=init, gain=gain),
                      sigma2 * expect(lambda z: f(z) ** 2, q), rtol=1e-11)
    assert np.isclose(propagation.chi1(activation, q, init=init, gain=gain),
                      sigma2 * expect(lambda z: df(z) ** 2, q), rtol=1e-11)


@pytest.mark.parametrize("activation,init", [("relu", "he"), ("leaky_relu", "he"),
                                             ("prelu", "he"), ("linear", "lecun")])
def test_he_and_lecun_keep_the_second_moment_of_homogeneous_activations_exactly(activation,
                                                                                init):
    for q in (1e-3, 1.0, 7.5, 1e4):
        assert np.isclose(propagation.variance_map(activation, q, init=init), q, rtol=1e-12)
        assert np.isclose(propagation.variance_map_slope(activation, q, init=init), 1.0,
                          rtol=1e-12)
        assert np.isclose(propagation.chi1(activation, q, init=init), 1.0 if activation in (
            "relu", "linear") else propagation.chi1(activation, 1.0, init=init), rtol=1e-12)
    assert np.isnan(propagation.variance_fixed_point(activation, init=init))  # neutral


@pytest.mark.parametrize("activation,init,gain,q", [
    ("tanh", "glorot", 1.2, 0.25), ("selu", "lecun", 1.0, 1.0), ("gelu", "he", 1.0, 2.0),
    ("sigmoid", "glorot", 1.0, 0.5)])
def test_variance_map_slope_is_the_derivative(activation, init, gain, q):
    h = 1e-5 * q
    numerical = (propagation.variance_map(activation, q + h, init=init, gain=gain)
                 - propagation.variance_map(activation, q - h, init=init, gain=gain)) / (2 * h)
    assert np.isclose(propagation.variance_map_slope(activation, q, init=init, gain=gain),
                      numerical, rtol=1e-7)


def test_selu_fixed_point_slope_and_chi1():
    """q* = 1; the slope 0.7826 is the (nu, nu) entry of the moment map's Jacobian
    (Klambauer et al. 2017); chi_1 = E[selu'(z)^2] = 1.0716, notebook 03's number."""
    assert abs(propagation.variance_fixed_point("selu", init="lecun") - 1) < 1e-9
    slope = propagation.variance_map_slope("selu", 1.0, init="lecun")
    assert np.isclose(slope, np.asarray(selu_theory.moment_map_jacobian(0.0, 1.0))[1, 1],
                      rtol=1e-9)
    assert round(slope, 4) == 0.7826
    chi = propagation.chi1("selu", 1.0, init="lecun")
    assert np.isclose(chi, expect(lambda z: activations.selu_grad(z) ** 2, 1.0), rtol=1e-12)
    assert round(chi, 4) == 1.0716


def test_fixed_points_of_tanh_and_relu():
    assert propagation.variance_fixed_point("tanh", init="glorot") == 0.0  # fades to 0
    q_star = propagation.variance_fixed_point("tanh", init="glorot", gain=1.2)
    assert 0.2 < q_star < 0.3
    assert np.isclose(propagation.variance_map("tanh", q_star, init="glorot", gain=1.2), q_star,
                      rtol=1e-12)
    assert propagation.variance_fixed_point("relu", gain=0.9) == 0.0
    assert propagation.variance_fixed_point("relu", gain=1.1) == np.inf


def test_relu_correlation_map_is_the_arc_cosine_kernel():
    for c in np.linspace(-1, 1, 41):
        for q in (0.01, 2.0, 300.0):  # positively homogeneous: the same at every scale
            assert abs(propagation.correlation_map("relu", c, q) - arc_cosine(c)) < 1e-9


def test_correlation_map_symmetries_and_ends():
    assert propagation.correlation_map("selu", 1.0, 1.0, init="lecun") == pytest.approx(1.0,
                                                                                         abs=1e-12)
    for c in (0.3, 0.9):  # an odd activation maps -c to -c'
        assert np.isclose(propagation.correlation_map("tanh", -c, 0.7, init="glorot"),
                          -propagation.correlation_map("tanh", c, 0.7, init="glorot"),
                          rtol=1e-12)
    assert propagation.correlation_map("linear", 0.37, 2.0, init="lecun") == pytest.approx(0.37)


def test_correlation_map_agrees_with_monte_carlo():
    rng = np.random.default_rng(0)
    c, q, n = 0.5, 1.0, 2_000_000
    x, y = rng.standard_normal((2, n))
    u1, u2 = np.sqrt(q) * x, np.sqrt(q) * (c * x + np.sqrt(1 - c * c) * y)
    products = activations.selu(u1) * activations.selu(u2)
    estimate = products.mean() / propagation.variance_map("selu", q, init="lecun")
    error = products.std() / np.sqrt(n)
    assert abs(propagation.correlation_map("selu", c, q, init="lecun") - estimate) < 4 * error


@pytest.mark.parametrize("activation,init,gain", [("selu", "lecun", 1.0),
                                                  ("tanh", "glorot", 1.2)])
def test_chi1_is_the_correlation_maps_slope_at_one(activation, init, gain):
    """Poole et al. (2016): at the fixed point q*, dc'/dc at c = 1 is chi_1."""
    q = propagation.variance_fixed_point(activation, init=init, gain=gain)
    h = 1e-4
    slope = (1 - propagation.correlation_map(activation, 1 - h, q, init=init, gain=gain)) / h
    assert np.isclose(slope, propagation.chi1(activation, q, init=init, gain=gain), rtol=1e-3)


def test_mean_field_iterates_the_two_maps():
    mf = propagation.mean_field("tanh", depth=4, c_in=0.5, q_in=2.0, init="glorot", gain=1.2)
    assert mf.q[0] == pytest.approx(1.44 * 2.0) and mf.c[0] == 0.5
    for layer in (1, 2, 3):
        assert mf.q[layer] == propagation.variance_map("tanh", mf.q[layer - 1], init="glorot",
                                                       gain=1.2)
        assert mf.c[layer] == propagation.correlation_map("tanh", mf.c[layer - 1],
                                                          mf.q[layer - 1], init="glorot",
                                                          gain=1.2)
    relu = propagation.mean_field("relu", depth=6, c_in=0.0)
    assert np.allclose(relu.c[1:], [arc_cosine(c) for c in relu.c[:-1]], atol=1e-9)


def explicit_pair(activation, *, depth, width, n_networks, rng, c_in, init="he"):
    """The same experiment as propagate_pair, with every weight matrix drawn."""
    f, _ = activations.get_activation(activation)
    q, c = np.empty((n_networks, depth)), np.empty((n_networks, depth))
    e1, e2 = np.eye(width)[0], np.eye(width)[1]
    for k in range(n_networks):
        h = np.sqrt(width) * np.stack([e1, c_in * e1 + np.sqrt(1 - c_in**2) * e2])
        for layer in range(depth):
            z = h @ INITS[init](width, width, rng=rng)
            q[k, layer] = np.mean(z[0] ** 2)
            c[k, layer] = z[0] @ z[1] / np.linalg.norm(z[0]) / np.linalg.norm(z[1])
            h = f(z)
    return q, c


@pytest.mark.parametrize("activation,init", [("relu", "he"), ("selu", "lecun")])
def test_propagate_pair_draws_what_explicit_weight_matrices_draw(activation, init):
    kwargs = {"depth": 4, "width": 24, "n_networks": 3000, "c_in": 0.3}
    fast = propagation.propagate_pair(activation, rng=np.random.default_rng(1), init=init,
                                      **kwargs)
    q, c = explicit_pair(activation, rng=np.random.default_rng(2), init=init, **kwargs)
    for a, b in ((np.log(fast.second_moment), np.log(q)), (fast.correlation, c)):
        error = np.sqrt(a.var(0) / len(a) + b.var(0) / len(b))  # of the difference of means
        assert np.all(np.abs(a.mean(0) - b.mean(0)) < 4 * error)
        assert np.allclose(a.std(0), b.std(0), rtol=0.1)


def test_he_keeps_the_second_moment_in_expectation_at_any_width():
    """E[q_l] = 2 at every layer, even for 4 units; single networks scatter widely."""
    stats_ = propagation.propagate_pair("relu", depth=5, width=4, n_networks=200_000,
                                        rng=np.random.default_rng(0))
    q = stats_.second_moment
    error = q.std(axis=0) / np.sqrt(len(q))
    assert np.all(np.abs(q.mean(axis=0) - 2) < 4 * error)
    assert np.all(q.std(axis=0) > 1)


def test_relu_log_variance_walks_as_computed_and_selu_does_not():
    """log E[z^2] of a ReLU + He network is a random walk of variance relu_log_variance (about
    5 depth / width); SELU + LeCun pulls it back to its fixed point: no growth with depth."""
    depth, n = 40, 2000
    for width in (32, 128):
        relu = propagation.propagate_pair("relu", depth=depth, width=width, n_networks=n,
                                          rng=np.random.default_rng(width))
        variance = np.log(relu.second_moment).var(axis=0, ddof=1)
        exact = [propagation.relu_log_variance(layer, width) for layer in (1, 10, depth)]
        # a variance estimated from n draws of a near-normal variable: relative error sqrt(2/n)
        assert np.allclose(variance[[0, 9, depth - 1]], exact, rtol=4 * np.sqrt(2 / n))
        assert np.isclose(exact[-1], 5 * depth / width, rtol=0.15)
        selu = propagation.propagate_pair("selu", depth=depth, width=width, n_networks=n,
                                          rng=np.random.default_rng(width), init="lecun")
        spread = np.log(selu.second_moment).var(axis=0)
        assert spread[-1] < 1.3 * spread[9] and spread[-1] < 0.05 * variance[-1]


def test_relu_log_variance_limits():
    assert np.isclose(propagation.relu_log_variance(1, 8), float(
        __import__("scipy").special.polygamma(1, 4)))  # one layer: only chi^2_n / n
    for width in (1000, 10**5):  # 5 / n per layer for wide layers
        step = propagation.relu_log_variance(3, width) - propagation.relu_log_variance(2, width)
        assert np.isclose(step * width, 5, rtol=10 / width)
    with pytest.raises(ValueError, match="width must be an integer >= 1"):
        propagation.relu_log_variance(3, 0)


def test_propagate_pair_follows_the_mean_field_when_wide():
    for activation, init in (("relu", "he"), ("selu", "lecun")):
        wide = propagation.propagate_pair(activation, depth=8, width=4096, n_networks=20,
                                          rng=np.random.default_rng(0), c_in=0.5, init=init)
        mf = propagation.mean_field(activation, depth=8, c_in=0.5, init=init)
        assert np.allclose(wide.correlation.mean(0), mf.c, atol=0.01)
        assert np.allclose(wide.second_moment.mean(0), mf.q, rtol=0.05)  # 2.5 standard errors


def test_identical_inputs_stay_identical():
    same = propagation.propagate_pair("tanh", depth=5, width=16, n_networks=3, c_in=1.0,
                                      rng=np.random.default_rng(0), init="glorot")
    assert np.allclose(same.correlation, 1.0)


@pytest.mark.parametrize("call,error,match", [
    (lambda: propagation.variance_map("swish", 1.0), ValueError, "activation must be one of"),
    (lambda: propagation.variance_map("relu", 0.0), ValueError, "q must be > 0"),
    (lambda: propagation.chi1("relu", -1.0), ValueError, "q must be > 0"),
    (lambda: propagation.variance_map_slope("relu", 1.0, init="xavier"), ValueError,
     "init must be one of"),
    (lambda: propagation.correlation_map("relu", 1.5, 1.0), ValueError,
     r"c must be a correlation, in \[-1, 1\]; got 1.5"),
    (lambda: propagation.correlation_map("relu", -2.0, 1.0), ValueError, "c must be >= -1"),
    (lambda: propagation.variance_fixed_point("relu", gain=0.0), ValueError, "gain must be > 0"),
    (lambda: propagation.mean_field("relu", depth=0), ValueError, "depth must be an integer"),
    (lambda: propagation.mean_field("relu", depth=3, c_in=2.0), ValueError,
     "c_in must be a correlation"),
    (lambda: propagation.propagate_pair("relu", depth=3, width=4, n_networks=0,
                                        rng=np.random.default_rng(0)), ValueError,
     "n_networks must be an integer >= 1"),
    (lambda: propagation.propagate_pair("relu", depth=3, width=4, n_networks=2, rng=0),
     TypeError, "rng must be a numpy Generator"),
    (lambda: propagation.variance_map("relu", 1e300, gain=1e10), ValueError,
     "the variance map overflows float64 with q = 1e\\+300, gain = 1e\\+10"),
    (lambda: propagation.propagate_pair("relu", depth=400, width=64, n_networks=2, gain=100.0,
                                        rng=np.random.default_rng(0)), ValueError,
     "overflow float64 at layer"),
])
def test_mean_field_bad_input(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_a_network_born_dead_gives_zero_and_nan_not_an_error():
    stats_ = propagation.propagate_pair("relu", depth=30, width=2, n_networks=50,
                                        rng=np.random.default_rng(0), c_in=0.5)
    dead = stats_.second_moment[:, -1] == 0
    assert dead.any() and np.isnan(stats_.correlation[dead, -1]).all()
    assert not np.isnan(stats_.correlation[~dead]).any()
