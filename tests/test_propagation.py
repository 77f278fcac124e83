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
