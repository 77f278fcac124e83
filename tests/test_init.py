"""helpers.init: shapes, standard deviations, and that each init keeps its signal."""

import numpy as np
import pytest

from helpers import init
from helpers.activations import prelu, selu


@pytest.mark.parametrize(
    "make,kwargs,expected_std",
    [
        (init.he_normal, {}, np.sqrt(2 / 400)),
        (init.he_normal, {"negative_slope": 0.25}, np.sqrt(2 / (1.0625 * 400))),
        (init.lecun_normal, {}, np.sqrt(1 / 400)),
        (init.glorot_normal, {}, np.sqrt(2 / (400 + 300))),
    ],
)
def test_shape_and_std(make, kwargs, expected_std):
    w = make(400, 300, rng=np.random.default_rng(0), **kwargs)
    assert w.shape == (400, 300)
    # 120,000 draws: the sample std is within 1% of the true one with overwhelming probability
    assert abs(w.std() / expected_std - 1) < 0.01
    assert abs(w.mean()) < 4 * expected_std / np.sqrt(w.size)


def test_same_seed_same_weights():
    a = init.he_normal(5, 6, rng=np.random.default_rng(3))
    b = init.he_normal(5, 6, rng=np.random.default_rng(3))
    assert np.array_equal(a, b)


@pytest.mark.parametrize(
    "kwargs,error,match",
    [
        ({"fan_in": 0, "fan_out": 3}, ValueError, "fan_in must be an integer >= 1; got 0"),
        ({"fan_in": 3.0, "fan_out": 3}, TypeError, "fan_in must be an integer"),
        ({"fan_in": 3, "fan_out": -1}, ValueError, "fan_out must be an integer >= 1; got -1"),
        ({"fan_in": 3, "fan_out": 3, "rng": 0}, TypeError, "rng must be a numpy Generator"),
        ({"fan_in": 3, "fan_out": 3, "negative_slope": np.nan}, ValueError,
         "negative_slope must be finite"),
    ],
)
def test_bad_input(kwargs, error, match):
    kwargs = {"rng": np.random.default_rng(0), **kwargs}
    with pytest.raises(error, match=match):
        init.he_normal(**kwargs)


def average_gain_per_layer(make_weights, f, depth=50, width=512, n_samples=256, seed=0):
    """(E[z_L^2] / E[z_1^2]) ** (1 / (L - 1)): the factor by which each layer scales the
    second moment of its pre-activations, averaged over the depth of the network."""
    rng = np.random.default_rng(seed)
    h = rng.standard_normal((n_samples, width))
    second_moments = []
    for _ in range(depth):
        z = h @ make_weights(width, width, rng=rng)
        second_moments.append(np.mean(z * z))
        h = f(z)
    return (second_moments[-1] / second_moments[0]) ** (1 / (depth - 1))


@pytest.mark.parametrize("slope", [0.0, 0.25, 1.0])
def test_he_init_keeps_the_second_moment_through_50_prelu_layers(slope):
    gains = [average_gain_per_layer(lambda i, o, rng: init.he_normal(i, o, negative_slope=slope,
                                                                     rng=rng),
                                    lambda z: prelu(z, slope), seed=s) for s in range(4)]
    assert abs(np.mean(gains) - 1) < 0.02


def test_he_init_with_the_wrong_slope_drifts():
    """Using ReLU's He init (slope 0) with PReLU slope 1 doubles the second moment per layer."""
    gain = average_gain_per_layer(lambda i, o, rng: init.he_normal(i, o, rng=rng),
                                  lambda z: prelu(z, 1.0))
    assert abs(gain - 2) < 0.05


def test_lecun_init_keeps_the_second_moment_through_50_selu_layers():
    gains = [average_gain_per_layer(init.lecun_normal, selu, seed=s) for s in range(4)]
    assert abs(np.mean(gains) - 1) < 0.02


def test_rai_puts_one_positive_beta_draw_in_each_unit():
    """Lu et al. (2020): per unit, weights and bias ~ N(0, sigma^2 / fan_in) with
    sigma = 0.6007, except one randomly chosen entry drawn from Beta(2, 1) (positive)."""
    fan_in, fan_out = 2000, 400
    W, b = init.rai(fan_in, fan_out, rng=np.random.default_rng(0))
    assert W.shape == (fan_in, fan_out) and b.shape == (fan_out,)
    V = np.vstack([W, b])  # (fan_in + 1, fan_out): one column per unit
    top = np.abs(V).argmax(axis=0)
    special = V[top, np.arange(fan_out)]
    assert np.all((special > 0) & (special < 1))  # the Beta(2, 1) draw stands out
    assert special.mean() == pytest.approx(2 / 3, abs=0.03)  # E[Beta(2, 1)] = 2/3
    rest = np.delete(V.T.ravel(), top + np.arange(fan_out) * (fan_in + 1))
    assert rest.std() == pytest.approx(0.6007 / np.sqrt(fan_in), rel=0.02)
    chosen = np.bincount(top, minlength=fan_in + 1)
    assert chosen.max() <= 3  # positions spread uniformly (the bias included)


def test_rai_batch_of_layers_and_seeds():
    a = init.rai(3, 4, rng=np.random.default_rng(1), n_layers=5)
    assert a[0].shape == (5, 3, 4) and a[1].shape == (5, 4)
    b = init.rai(3, 4, rng=np.random.default_rng(1), n_layers=5)
    assert all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))
    with pytest.raises(ValueError, match="n_layers must be an integer >= 1"):
        init.rai(3, 4, rng=np.random.default_rng(1), n_layers=0)


# --- issue 29: no silent wrong answers, round 3 ------------------------------------------------

@pytest.mark.parametrize("slope", [1e10, 1e154, -1e200, 1e300])
def test_he_normal_is_right_for_steep_slopes_where_a_squared_overflows(slope):
    """std = sqrt(2 / ((1 + a^2) fan_in)): for a = 1e200, a^2 overflows, and the weights were
    zeros. The formula as sqrt(2 / fan_in) / hypot(1, a) has no overflow."""
    w = init.he_normal(400, 300, negative_slope=slope, rng=np.random.default_rng(0))
    expected = np.sqrt(2 / 400) / abs(slope)
    assert abs((w / expected).std() - 1) < 0.01  # (w.std() itself would square 1e-200)
    linear = init.initialise("he", 400, 300, rng=np.random.default_rng(0), negative_slope=slope)
    assert np.array_equal(w, linear)


def test_he_normal_refuses_a_slope_whose_weights_would_underflow():
    with pytest.raises(ValueError, match=r"negative_slope = 1.7e\+308 is too steep: the "
                       r"weights' standard deviation sqrt\(2 / \(\(1 \+ a\^2\) fan_in\)\) would be "
                       r"below float64's smallest normal number"):
        init.he_normal(3, 2, negative_slope=1.7e308, rng=np.random.default_rng(0))


@pytest.mark.parametrize("kwargs,name", [({"fan_in": 2**64, "fan_out": 3}, "fan_in"),
                                         ({"fan_in": 3, "fan_out": 2**31 + 1}, "fan_out")])
def test_sizes_beyond_the_cap_are_refused_by_name(kwargs, name):
    """Fuzz campaign: 2**64 leaked numpy's "Maximum allowed dimension exceeded"."""
    with pytest.raises(ValueError, match=rf"{name} must be an integer <= 2\*\*31 = 2147483648 "
                       r"\(an array size that fits in memory\); got \d+"):
        init.he_normal(**kwargs, rng=np.random.default_rng(0))


# --- initialisation matched to the activation: gain^2 = 1 / E[f(z)^2], z ~ N(0, 1) -----------

@pytest.mark.parametrize(("activation", "params", "expected"), [
    ("relu", {}, 0.5),                                    # half the normal's second moment
    ("leaky_relu", {"negative_slope": 0.2}, (1 + 0.2**2) / 2),
    ("prelu", {}, (1 + 0.25**2) / 2),                     # at PReLU's initial slope
    ("linear", {}, 1.0),
    ("selu", {}, 1.0),                                    # SELU's fixed point: mean 0, variance 1
])
def test_second_moment_published_values(activation, params, expected):
    assert init.second_moment(activation, **params) == pytest.approx(expected, rel=1e-9)


@pytest.mark.parametrize("activation", ["elu", "gelu", "silu", "tanh", "sigmoid"])
def test_second_moment_against_a_fine_riemann_sum(activation):
    from helpers.activations import ACTIVATIONS

    z = np.linspace(-40, 40, 1_600_001)
    density = np.exp(-z**2 / 2) / np.sqrt(2 * np.pi)
    reference = np.sum(ACTIVATIONS[activation].function(z) ** 2 * density) * (z[1] - z[0])
    assert init.second_moment(activation) == pytest.approx(reference, rel=1e-7)


def test_matched_gain_is_hes_and_lecuns_where_they_apply():
    assert init.matched_gain("relu") == pytest.approx(np.sqrt(2), rel=1e-12)
    assert init.matched_gain("leaky_relu", negative_slope=0.01) == pytest.approx(
        np.sqrt(2 / (1 + 0.01**2)), rel=1e-12)
    assert init.matched_gain("selu") == pytest.approx(1.0, rel=1e-9)


@pytest.mark.parametrize("activation", ["elu", "gelu", "silu", "prelu"])
def test_matched_gain_solves_its_equation(activation):
    g = init.matched_gain(activation)
    assert init.second_moment(activation, std=g) == pytest.approx(1.0, rel=1e-10)


@pytest.mark.parametrize(("activation", "he_at_16"), [("elu", (1.5, 4.0)),
                                                       ("gelu", (0.0, 0.7)),
                                                       ("silu", (0.0, 0.5))])
def test_matched_gain_keeps_the_second_moment_level_through_16_layers(activation, he_at_16):
    """Geometric mean over 8 random networks (width 512) of the pre-activations' RMS at layer
    16 relative to layer 1: near 1 with the matched gain (GELU and SiLU drift slowly: their
    level is an unstable fixed point), while He's sqrt(2) makes ELU grow, GELU and SiLU fade."""
    from helpers.propagation import propagate

    def ratio(**kwargs):
        logs = []
        for seed in range(8):
            stats = propagate(activation, depth=16, width=512, n_samples=256,
                              rng=np.random.default_rng(seed), **kwargs)
            logs.append(np.log(stats.pre_second_moment[-1] / stats.pre_second_moment[0]) / 2)
        return float(np.exp(np.mean(logs)))

    assert 0.8 < ratio(init="lecun", gain=init.matched_gain(activation)) < 1.5
    low, high = he_at_16
    assert low < ratio(init="he") < high


def test_mlp_with_matched_init_scales_lecuns_draws():
    from helpers.models import mlp

    lecun = mlp(8, [16, 16], 3, rng=np.random.default_rng(1), activation="gelu", init="lecun")
    matched = mlp(8, [16, 16], 3, rng=np.random.default_rng(1), activation="gelu",
                  init="matched")
    gain = init.matched_gain("gelu")
    for a, b in zip(lecun.layers[:-1], matched.layers[:-1], strict=True):
        if "W" in a.params:
            np.testing.assert_allclose(b.params["W"], gain * a.params["W"], rtol=1e-15)
    relu = mlp(8, [16], 3, rng=np.random.default_rng(1), activation="relu", init="matched")
    he = mlp(8, [16], 3, rng=np.random.default_rng(1), activation="relu", init="he")
    np.testing.assert_allclose(relu.layers[0].params["W"], he.layers[0].params["W"], rtol=1e-14)


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"activation": "swish"}, "activation"),
    ({"activation": "leaky_relu", "negative_slope": "x"}, "negative_slope"),
    ({"activation": "relu", "beta": 1.0}, "beta"),
    ({"activation": "relu", "std": 0.0}, "std"),
])
def test_second_moment_bad_input(kwargs, match):
    with pytest.raises((ValueError, TypeError), match=match):
        init.second_moment(**kwargs)
