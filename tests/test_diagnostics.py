"""helpers.diagnostics on residual and nested models: the activation layers are found by type at
any depth, one entry per activation layer, in the order of the forward pass. (The diagnostics of
plain models are tested with training, in tests/test_training.py.)"""

import numpy as np
import pytest

from helpers import diagnostics
from helpers import layers as L
from helpers.activations import prelu, relu
from helpers.models import mlp


def data(n=30, d=4, seed=1):
    return np.random.default_rng(seed).standard_normal((n, d))


def by_hand(model, X, stream=None):
    """Pre-activations and activations of the two residual blocks of mlp(4, [4, 4], 2,
    residual=True), computed from the formulas: h_k = h_{k-1} + f(h_{k-1} W_k + b_k)."""
    h, zs, outs = X, [], []
    stream = [] if stream is None else stream
    for block in model.layers[:2]:
        linear, activation = block.block.layers
        z = h @ linear.params["W"] + linear.params["b"]
        out = (prelu(z, activation.params["negative_slope"]) if isinstance(activation, L.PReLU)
               else relu(z))
        zs.append(z)
        outs.append(out)
        h = h + out
        stream.append(h)
    return zs, outs


@pytest.fixture
def residual():
    return mlp(4, [4, 4], 2, rng=np.random.default_rng(0), residual=True)


def test_the_model_under_test_is_made_of_residual_blocks(residual):
    assert [type(layer).__name__ for layer in residual.layers] == ["Residual", "Residual",
                                                                   "Linear"]


def test_preactivations_of_a_residual_model_are_the_ones_computed_by_hand(residual):
    X = data()
    zs, _ = by_hand(residual, X)
    found = diagnostics.preactivations(residual, X)
    assert [path for path, _ in found] == ["0.1", "1.1"]  # named as in model.params
    assert all(isinstance(residual.layers[int(path[0])].block.layers[1], L.ReLU)
               for path, _ in found)
    for (_, z), expected in zip(found, zs, strict=True):
        np.testing.assert_allclose(z, expected, rtol=1e-12, atol=1e-12)


def test_dead_units_of_a_residual_model(residual):
    X = data()
    residual.layers[1].block.layers[0].params["b"][:2] = -100.0  # two units of block 2 die
    zs, outs = by_hand(residual, X)
    masks = diagnostics.dead_unit_masks(residual, X)
    assert [m.tolist() for m in masks] == [np.all(z <= 0, axis=0).tolist() for z in zs]
    assert masks[1][:2].all()
    np.testing.assert_array_equal(diagnostics.dead_fractions(residual, X),
                                  [np.all(z <= 0, axis=0).mean() for z in zs])
    np.testing.assert_array_equal(diagnostics.near_zero_fractions(residual, X, threshold=0.1),
                                  [(np.abs(a).mean(axis=0) < 0.1).mean() for a in outs])


def test_activation_and_layer_statistics_of_a_residual_model(residual):
    X = data()
    _, outs = by_hand(residual, X)
    stats = diagnostics.activation_statistics(residual, X)
    assert stats["layer"].tolist() == ["0.1", "1.1"]
    np.testing.assert_allclose(stats["mean"], [a.mean() for a in outs], rtol=1e-12)
    np.testing.assert_allclose(stats["std"], [a.std() for a in outs], rtol=1e-12)
    by_type = diagnostics.layer_output_statistics(residual, X, L.ReLU)
    assert by_type["layer"].tolist() == ["0.1", "1.1"]
    np.testing.assert_allclose(by_type["var"], [a.var() for a in outs], rtol=1e-12)
    linears = diagnostics.layer_output_statistics(residual, X, L.Linear)
    assert linears["layer"].tolist() == ["0.0", "1.0", "2"]  # the output layer too
    stream = []
    by_hand(residual, X, stream)
    after_blocks = diagnostics.layer_output_statistics(residual, X, L.Residual)
    assert after_blocks["layer"].tolist() == ["0", "1"]  # containers count: the stream
    np.testing.assert_allclose(after_blocks["mean"], [h.mean() for h in stream], rtol=1e-12)


def test_a_residual_model_reports_what_the_plain_model_reports():
    """One entry per activation layer, in order, at the same positions, for every kind."""
    for kwargs in [{}, {"activation": "prelu"}, {"norm": "batch"}, {"activation": "selu",
                                                                      "dropout": 0.1}]:
        plain = mlp(4, [4, 4, 3], 2, rng=np.random.default_rng(0), **kwargs)
        residual = mlp(4, [4, 4, 3], 2, rng=np.random.default_rng(0), residual=True, **kwargs)
        assert any(isinstance(layer, L.Residual) for layer in residual.layers)
        X = data()
        for f in (diagnostics.dead_fractions, diagnostics.near_zero_fractions):
            assert f(plain, X).shape == f(residual, X).shape == (3,), (kwargs, f)
        assert [type(layer) for layer in L.leaf_layers(plain)] == [
            type(layer) for layer in L.leaf_layers(residual)]
        for f in (diagnostics.preactivations, diagnostics.dead_unit_masks):
            assert len(f(plain, X)) == len(f(residual, X)) == 3, (kwargs, f)
        for stats in (diagnostics.activation_statistics(residual, X),
                      diagnostics.layer_output_statistics(residual, X, L.ACTIVATION_LAYERS)):
            assert [residual.params.get(f"{path}.W") for path in stats["layer"]] == [None] * 3
            assert stats["mean"].shape == (3,), kwargs
        assert len(diagnostics.prelu_slopes(residual)) == (3 if kwargs.get("activation")
                                                           == "prelu" else 0)


def test_prelu_slopes_of_a_residual_model_are_each_layers_own():
    net = mlp(4, [4, 4], 2, rng=np.random.default_rng(0), residual=True, activation="prelu")
    for k, block in enumerate(net.layers[:2]):
        block.block.layers[1].params["negative_slope"][:] = 0.1 * (k + 1)
    slopes = diagnostics.prelu_slopes(net)
    assert [s.tolist() for s in slopes] == [[0.1] * 4, [0.2] * 4]
    slopes[0][:] = 9.0  # copies
    assert diagnostics.prelu_slopes(net)[0].tolist() == [0.1] * 4
    X = data()
    zs, _ = by_hand(net, X)
    for (_, z), expected in zip(diagnostics.preactivations(net, X), zs, strict=True):
        np.testing.assert_allclose(z, expected, rtol=1e-12, atol=1e-12)


def test_nested_sequentials_are_opened_too():
    rng = np.random.default_rng(0)
    net = L.Sequential(L.Sequential(L.Linear(4, 3, rng=rng), L.ReLU()),
                       L.Sequential(L.Sequential(L.Linear(3, 3, rng=rng), L.Tanh())),
                       L.Linear(3, 2, rng=rng))
    X = data()
    z1 = X @ net.layers[0].layers[0].params["W"]
    z2 = relu(z1) @ net.layers[1].layers[0].layers[0].params["W"]
    found = diagnostics.preactivations(net, X)
    assert [path for path, _ in found] == ["0.1", "1.0.1"]
    np.testing.assert_allclose(found[0][1], z1, rtol=1e-12)
    np.testing.assert_allclose(found[1][1], z2, rtol=1e-12)
    assert diagnostics.activation_statistics(net, X)["mean"][1] == pytest.approx(
        np.tanh(z2).mean(), rel=1e-12)


def test_gradient_diagnostics_of_a_residual_model(residual):
    X, y = data(), np.arange(30) % 2
    norms = diagnostics.hidden_weight_gradient_norms(residual, X, y)
    assert norms.shape == (2,) and (norms > 0).all()
    assert list(diagnostics.gradient_norms(residual)) == ["0.0.W", "1.0.W", "2.W"]
    assert diagnostics.parameter_count(residual) == 2 * (16 + 4) + 4 * 2 + 2


def test_the_diagnostics_leave_the_mode_and_the_caches_as_they_were(residual):
    X = data()
    residual.train()
    diagnostics.dead_fractions(residual, X)
    assert residual.training and all(layer.training for layer in L.leaf_layers(residual))
    assert all(layer._cache is None for layer in L.leaf_layers(residual))


def test_a_look_in_training_mode_leaves_batch_norms_running_statistics_alone():
    net = mlp(4, [4, 4], 2, rng=np.random.default_rng(0), residual=True, norm="batch")
    norms = [layer for layer in L.leaf_layers(net) if isinstance(layer, L.BatchNorm1d)]
    assert len(norms) == 2
    before = [(n.running_mean.copy(), n.running_var.copy()) for n in norms]
    stats = diagnostics.layer_output_statistics(net, data(), L.BatchNorm1d, training=True)
    assert stats["mean"] == pytest.approx([0.0, 0.0], abs=1e-12)  # batch statistics were used
    for norm, (mean, var) in zip(norms, before, strict=True):
        assert np.array_equal(norm.running_mean, mean) and np.array_equal(norm.running_var, var)


def test_a_model_that_is_not_a_sequential_gets_a_clear_error():
    with pytest.raises(TypeError, match="model must be a helpers.layers.Sequential"):
        diagnostics.dead_fractions(L.Residual(L.ReLU()), data())


def _huge_net_and_data(scale):
    rng = np.random.default_rng(0)
    net = L.Sequential(L.Linear(4, 8, rng=rng), L.ReLU(), L.Linear(8, 8, rng=rng), L.ReLU(),
                       L.Linear(8, 3, rng=rng))
    X = rng.standard_normal((10, 4))
    if scale == "float32's largest":
        big = np.finfo(np.float32).max
        return net, np.where(X > 0, big, -big).astype(np.float32), np.arange(10) % 3
    return net, X * scale, np.arange(10) % 3


DIAGNOSTICS = {
    "preactivations": lambda net, X, y: diagnostics.preactivations(net, X),
    "dead_fractions": lambda net, X, y: diagnostics.dead_fractions(net, X),
    "near_zero_fractions": lambda net, X, y: diagnostics.near_zero_fractions(net, X),
    "activation_statistics": lambda net, X, y: diagnostics.activation_statistics(net, X),
    "layer_output_statistics": lambda net, X, y: diagnostics.layer_output_statistics(
        net, X, L.ReLU),
    "hidden_weight_gradient_norms": lambda net, X, y: diagnostics.hidden_weight_gradient_norms(
        net, X, y),
}


@pytest.mark.parametrize("scale", [1e200, "float32's largest"])
@pytest.mark.parametrize("name", DIAGNOSTICS)
def test_huge_data_gives_finite_answers_or_a_clear_error_naming_X(name, scale):
    """Fuzz campaign: X * 1e200 or float32's largest raised RuntimeWarnings (overflow in
    square, dot, cast). Now: the right finite numbers (statistics measured in units of the
    largest value), or a DivergedError that names X."""
    net, X, y = _huge_net_and_data(scale)
    try:
        result = DIAGNOSTICS[name](net, X, y)
    except ValueError as error:
        assert str(error).startswith("X is too large for this model")
        return
    values = result.values() if isinstance(result, dict) else [result]
    for value in values:
        if isinstance(value, list):
            value = np.concatenate([z.ravel() for _, z in value])
        if value.dtype.kind == "f":
            assert np.isfinite(value).all()


def test_statistics_of_huge_activations_are_scaled_not_overflowed():
    net, X, _ = _huge_net_and_data(1.0)
    small = diagnostics.activation_statistics(net, X)
    huge = diagnostics.activation_statistics(net, X * 1e200)  # ReLU networks are 1-homogeneous
    assert np.allclose(huge["mean"], small["mean"] * 1e200, rtol=1e-9)
    assert np.allclose(huge["std"], small["std"] * 1e200, rtol=1e-9)
