"""helpers.layers: every backward against finite differences, batch norm against PyTorch's
conventions, mode handling and bad input."""

import copy
import pickle
from functools import partial

import numpy as np
import pytest

from helpers import layers as L
from helpers.activations import ACTIVATIONS, SELU_LAMBDA_ALPHA
from helpers.gradcheck import check_layer
from helpers.training import DivergedError


def make(name):
    rng = np.random.default_rng(0)
    return {
        "Linear": lambda: L.Linear(5, 4, rng=rng),
        "ReLU": L.ReLU,
        "LeakyReLU": lambda: L.LeakyReLU(negative_slope=0.1),
        "PReLU-shared": lambda: L.PReLU(),
        "PReLU-channel": lambda: L.PReLU(5, negative_slope=0.3),
        "ELU": lambda: L.ELU(alpha=1.3),
        "SELU": L.SELU,
        "Tanh": L.Tanh,
        "Sigmoid": L.Sigmoid,
        "BatchNorm1d": lambda: L.BatchNorm1d(5),
        "LayerNorm": lambda: L.LayerNorm(5),
        "RMSNorm": lambda: L.RMSNorm(5),
        "Residual": lambda: L.Residual(L.Sequential(L.Linear(5, 5, rng=rng), L.Tanh(),
                                                    L.Linear(5, 5, rng=rng))),
        "Dropout": lambda: L.Dropout(0.3, rng=rng),
        "AlphaDropout": lambda: L.AlphaDropout(0.2, rng=rng),
        # (a bias right before batch norm has an exactly zero gradient: avoid that case)
        **{f"Elementwise-{a}": partial(L.Elementwise, a) for a, spec in ACTIVATIONS.items()
           if not spec.learned},  # every activation of the table, as a layer
        "Sequential": lambda: L.Sequential(L.Linear(5, 6, rng=rng), L.PReLU(6),
                                           L.BatchNorm1d(6), L.Linear(6, 3, rng=rng)),
    }[name]()


NAMES = ["Linear", "ReLU", "LeakyReLU", "PReLU-shared", "PReLU-channel", "ELU", "SELU", "Tanh",
         "Sigmoid", "BatchNorm1d", "LayerNorm", "RMSNorm", "Residual", "Dropout",
         "AlphaDropout", "Sequential",
         *[f"Elementwise-{a}" for a, spec in ACTIVATIONS.items() if not spec.learned]]


def batch(seed=1, shape=(7, 5)):
    x = np.random.default_rng(seed).standard_normal(shape)
    return np.where(np.abs(x) < 1e-3, 0.01, x)  # keep off the kinks of (P)ReLU


@pytest.mark.parametrize("mode", ["train", "eval"])
@pytest.mark.parametrize("name", NAMES)
def test_backward_matches_finite_differences(name, mode):
    layer = make(name)
    if name in ("BatchNorm1d", "Sequential"):  # non-trivial running statistics and affine
        for _ in range(3):
            layer.forward(batch(seed=5) * 2 + 1)
        for p in layer.params.values():
            p += np.random.default_rng(2).normal(0, 0.3, p.shape)
    getattr(layer, mode)()
    errors = check_layer(layer, batch())
    assert set(errors) == {"x", *layer.params}
    assert max(errors.values()) < 1e-7, errors


@pytest.mark.parametrize("name", NAMES)
def test_params_and_grads_have_the_same_keys_and_shapes(name):
    layer = make(name)
    assert layer.params.keys() == layer.grads.keys()
    for key in layer.params:
        assert layer.params[key].shape == layer.grads[key].shape


@pytest.mark.parametrize("name", NAMES)
def test_backward_before_forward_is_an_error(name):
    with pytest.raises(RuntimeError, match="backward was called before forward"):
        make(name).backward(np.ones((7, 5)))


@pytest.mark.parametrize("name", NAMES)
def test_dout_of_the_wrong_shape_is_an_error(name):
    layer = make(name)
    layer.forward(batch())
    with pytest.raises(ValueError, match="dout must have the shape of the forward output"):
        layer.backward(np.ones((3, 3)))


@pytest.mark.parametrize("name", NAMES)
def test_empty_batch_and_wrong_rank_are_errors(name):
    with pytest.raises(ValueError, match=r"expects a non-empty batch x of shape \(N, D\)"):
        make(name).forward(np.ones((0, 5)))
    with pytest.raises(ValueError, match=r"reshape\(1, -1\)"):
        make(name).forward(np.ones(5))


def test_mismatched_features_are_errors():
    with pytest.raises(ValueError, match=r"Linear expects x with 5 features .* got shape \(2, 3\)"):
        make("Linear").forward(np.ones((2, 3)))
    with pytest.raises(ValueError, match="BatchNorm1d expects x with 5 features"):
        make("BatchNorm1d").forward(np.ones((2, 4)))
    with pytest.raises(ValueError, match="PReLU expects x with 5 features"):
        make("PReLU-channel").forward(np.ones((2, 4)))


def test_nan_input_is_an_error_with_a_hint():
    x = batch()
    x[0, 0] = np.nan
    with pytest.raises(DivergedError, match="NaN or inf .* lower the learning rate"):
        make("Linear").forward(x)


def test_batchnorm_follows_pytorch():
    """torch.nn.BatchNorm1d(1) on [1, 2, 3, 4]: output and running statistics after one step."""
    bn = L.BatchNorm1d(1)
    out = bn.forward(np.array([[1.0], [2.0], [3.0], [4.0]]))
    assert np.allclose(out.ravel(), [-1.34163542, -0.44721181, 0.44721181, 1.34163542],
                       rtol=0, atol=5e-9)
    assert np.allclose(bn.running_mean, [0.25], rtol=0, atol=1e-12)
    assert np.allclose(bn.running_var, [1.0666667], rtol=0, atol=5e-8)
    assert "running_mean" not in bn.params and "running_var" not in bn.params


def test_batchnorm_eval_uses_running_statistics_and_does_not_update_them():
    bn = L.BatchNorm1d(2, momentum=0.5)
    rng = np.random.default_rng(0)
    for _ in range(20):
        bn.forward(rng.normal(3.0, 2.0, (64, 2)))
    mean, var = bn.running_mean.copy(), bn.running_var.copy()
    bn.eval()
    x = rng.normal(3.0, 2.0, (5, 2))
    assert np.allclose(bn.forward(x), (x - mean) / np.sqrt(var + 1e-5))
    assert np.array_equal(bn.running_mean, mean) and np.array_equal(bn.running_var, var)
    assert np.allclose(mean, 3.0, atol=0.5) and np.allclose(var, 4.0, atol=1.5)


def test_batchnorm_train_mode_depends_on_the_batch_and_eval_mode_does_not():
    bn = L.BatchNorm1d(1)
    x = np.array([[0.0], [1.0], [2.0], [3.0]])
    first = bn.forward(x)[0].copy()
    assert not np.allclose(bn.forward(np.vstack([x[:1], x[:1] + 10]))[0], first)
    bn.eval()
    assert bn.forward(x[:1])[0] == bn.forward(np.vstack([x[:1], x[:1] + 10]))[0]


def test_batchnorm_needs_two_samples_in_training():
    with pytest.raises(ValueError, match=r"at least 2 numbers per feature \(rows of x, times"):
        L.BatchNorm1d(3).forward(np.ones((1, 3)))
    with pytest.raises(ValueError, match=r"got shape \(1, 3, 1\)"):
        L.BatchNorm1d(3).forward(np.ones((1, 3, 1)))
    assert L.BatchNorm1d(3).forward(np.arange(6.0).reshape(1, 3, 2)).shape == (1, 3, 2)
    assert L.BatchNorm1d(3).eval().forward(np.ones((1, 3))).shape == (1, 3)


def test_layernorm_normalises_each_sample():
    out = L.LayerNorm(4).forward(np.array([[1.0, 2.0, 3.0, 4.0], [10.0, 10.0, 10.0, 14.0]]))
    assert np.allclose(out.mean(axis=1), 0) and np.allclose(out.var(axis=1), 1, atol=1e-4)


def test_modes_are_explicit_flags_and_propagate():
    net = make("Sequential")
    assert net.training and all(layer.training for layer in net.layers)
    net.eval()
    assert not net.training and not any(layer.training for layer in net.layers)
    net.train()
    assert all(layer.training for layer in net.layers)


def test_dropout_statistics_and_eval_identity():
    rng = np.random.default_rng(0)
    x = np.ones((2000, 50))
    drop = L.Dropout(0.25, rng=rng)
    out = drop.forward(x)
    assert set(np.unique(out)) == {0.0, 4 / 3}
    assert abs((out == 0).mean() - 0.25) < 0.01 and abs(out.mean() - 1) < 0.02
    drop.eval()
    assert np.array_equal(drop.forward(x), x)


def test_alpha_dropout_keeps_selu_statistics_and_eval_identity():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((4000, 100))
    drop = L.AlphaDropout(0.1, rng=rng)
    out = drop.forward(x)
    assert abs(out.mean()) < 0.01 and abs(out.var() - 1) < 0.01
    dropped = out == drop.a * -SELU_LAMBDA_ALPHA + drop.b  # the saturation value, mapped
    assert abs(dropped.mean() - 0.1) < 0.005
    drop.eval()
    assert np.array_equal(drop.forward(x), x)


def test_prelu_layer_shapes_and_init():
    shared, channel = L.PReLU(), L.PReLU(4, negative_slope=0.1)
    assert shared.params["negative_slope"].tolist() == [0.25]
    assert channel.params["negative_slope"].tolist() == [0.1] * 4
    x = -np.ones((3, 4))
    shared.forward(x)
    shared.backward(np.ones((3, 4)))
    assert shared.grads["negative_slope"].tolist() == [-12.0]


def test_sequential_params_are_the_layers_arrays():
    net = make("Sequential")
    assert net.params["0.W"] is net.layers[0].params["W"]
    assert sorted(net.params) == ["0.W", "0.b", "1.negative_slope", "2.beta", "2.gamma", "3.W",
                                  "3.b"]
    outputs = net.forward_all(batch())
    assert len(outputs) == len(net.layers) + 1 and outputs[-1].shape == (7, 3)


@pytest.mark.parametrize(
    "call,error,match",
    [
        (lambda: L.Linear(0, 3, rng=np.random.default_rng(0)), ValueError, "in_features must be"),
        (lambda: L.Linear(3, 3, rng=None), TypeError, "rng must be a numpy Generator"),
        (lambda: L.Linear(3, 3, rng=np.random.default_rng(0), init="xavier"), ValueError,
         "init must be one of"),
        (lambda: L.PReLU(0), ValueError, "num_parameters must be an integer >= 1"),
        (lambda: L.PReLU(2, negative_slope=np.nan), ValueError, "negative_slope must be finite"),
        (lambda: L.BatchNorm1d(3, momentum=1.5), ValueError, r"momentum must be in \(0, 1\]"),
        (lambda: L.BatchNorm1d(3, eps=0), ValueError, "eps must be > 0"),
        (lambda: L.Dropout(1.0, rng=np.random.default_rng(0)), ValueError, r"rate must be in \[0"),
        (lambda: L.AlphaDropout(-0.1, rng=np.random.default_rng(0)), ValueError, "rate must be"),
        (lambda: L.Sequential(), ValueError, "at least one layer"),
        (lambda: L.Sequential(L.ReLU(), "relu"), TypeError, "layer 1 must be a helpers.layers"),
        (lambda: L.ReLU().forward(np.array([["a"]])), TypeError, "x must hold real numbers"),
    ],
)
def test_bad_arguments(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_named_activation_layers_are_the_table_entries():
    assert L.LeakyReLU(negative_slope=0.2).settings == {"negative_slope": 0.2}
    assert L.ELU().settings == {"alpha": 1.0} and L.SELU().settings == {}
    assert repr(L.LeakyReLU()) == "LeakyReLU(negative_slope=0.01)"
    assert repr(L.Elementwise("gelu")) == "Elementwise('gelu')"
    assert type(L.elementwise("relu")) is L.ReLU and type(L.elementwise("gelu")) is L.Elementwise
    with pytest.raises(TypeError, match=r"LeakyReLU takes its parameters by name, e.g. "
                                        r"LeakyReLU\(negative_slope=...\)"):
        L.LeakyReLU(0.2)
    with pytest.raises(TypeError, match="leaky_relu has no parameter 'slope'; its parameters are "
                                        r"\['negative_slope'\]"):
        L.LeakyReLU(slope=0.2)
    with pytest.raises(ValueError, match="'prelu' learns its parameters: use the layer PReLU"):
        L.Elementwise("prelu")
    with pytest.raises(ValueError, match="activation must be one of"):
        L.Elementwise("softplus")


@pytest.mark.parametrize("name", ["Linear", "ReLU", "PReLU-channel", "Elementwise-gelu"])
def test_changing_the_input_after_forward_does_not_change_the_gradients(name):
    layer, x = make(name), batch()
    out = layer.forward(x)
    dout = np.random.default_rng(3).standard_normal(out.shape)
    expected = (layer.backward(dout).copy(), {k: v.copy() for k, v in layer.grads.items()})
    layer.forward(x)
    x[...] = 0  # the caller reuses its array
    assert np.array_equal(layer.backward(dout), expected[0])
    for key, grad in layer.grads.items():
        assert np.array_equal(grad, expected[1][key])


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_a_layer_returns_its_input_dtype_and_backward_the_dtype_of_dout(name, dtype):
    layer = make(name)
    out = layer.forward(batch().astype(dtype))
    assert out.dtype == dtype
    assert layer.backward(np.ones_like(out)).dtype == dtype
    assert all(g.dtype == np.float64 for g in layer.grads.values())


def test_normalising_a_constant_near_1e12_gives_exactly_zero():
    rows = np.full((2, 8), 123456789012.345)
    rows[1] = 1e12 + 0.1
    assert np.array_equal(L.LayerNorm(8).forward(rows), np.zeros((2, 8)))
    assert np.array_equal(L.BatchNorm1d(8).forward(rows.T[:, :1].repeat(8, axis=1)),
                          np.zeros((8, 8)))


@pytest.mark.parametrize("layer", [L.BatchNorm1d(2), L.LayerNorm(2)], ids=repr)
def test_an_overflowing_variance_is_an_error_not_zeros(layer):
    with pytest.raises(ValueError, match="variance of a .* overflows"):
        layer.forward(np.array([[1e200, 1.0], [-1e200, 2.0]]))


def test_rmsnorm_divides_by_the_root_mean_square_without_centring():
    """Zhang & Sennrich (2019): y = gamma * x / sqrt(mean(x^2) + eps); no mean subtracted."""
    x = np.array([[3.0, 4.0], [1.0, 1.0]])
    layer = L.RMSNorm(2, eps=0.0 + 1e-12)
    expected = x / np.sqrt((x**2).mean(axis=1, keepdims=True) + 1e-12)
    assert np.allclose(layer.forward(x), expected, rtol=1e-12)
    shifted = L.RMSNorm(2).forward(x + 10.0)
    assert not np.allclose(shifted.mean(axis=1), 0)  # unlike LayerNorm, it does not centre
    assert "beta" not in layer.params  # only a gain


def test_residual_adds_its_input_and_passes_the_gradient_through():
    rng = np.random.default_rng(0)
    block = L.Sequential(L.Linear(3, 3, rng=rng), L.ReLU())
    res = L.Residual(block)
    x = rng.standard_normal((4, 3))
    assert np.allclose(res.forward(x), x + block.forward(x))
    dout = rng.standard_normal((4, 3))
    assert np.allclose(res.backward(dout), dout + block.backward(dout))
    assert sorted(res.params) == ["0.W", "0.b"] and res.params["0.W"] is block.params["0.W"]
    res.eval()
    assert not block.layers[0].training
    with pytest.raises(TypeError, match="block must be a helpers.layers.Layer"):
        L.Residual("relu")
    with pytest.raises(ValueError, match="Residual: the block must keep the shape"):
        L.Residual(L.Linear(3, 2, rng=rng)).forward(x)


# --- issue 29: no silent wrong answers, round 3 ------------------------------------------------

@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("forward_dtype,dout_dtype", [(np.float64, np.float32),
                                                      (np.float32, np.float64),
                                                      (np.float64, np.float16)])
def test_backward_returns_the_dtype_of_dout_whatever_the_forward_dtype(name, forward_dtype,
                                                                     dout_dtype):
    for mode in ("train", "eval"):
        layer = getattr(make(name), mode)()
        out = layer.forward(batch().astype(forward_dtype))
        assert layer.backward(np.ones(out.shape, dtype=dout_dtype)).dtype == dout_dtype, mode


def test_the_base_classes_say_what_to_implement():
    with pytest.raises(NotImplementedError, match=r"Layer is a base class: .*forward\(x\)"):
        L.Layer().forward(np.ones((2, 3)))
    with pytest.raises(NotImplementedError, match=r"backward\(dout\)"):
        L.Layer().backward(np.ones((2, 3)))


def nested_net(rng=None):
    rng = np.random.default_rng(0) if rng is None else rng
    return L.Sequential(L.Sequential(L.Linear(4, 3, rng=rng), L.ReLU()),
                        L.Residual(L.Sequential(L.Linear(3, 3, rng=rng), L.ReLU())),
                        L.Sequential(L.Linear(3, 2, rng=rng)))


def test_input_and_output_features_look_inside_nested_models():
    net = nested_net()
    assert L.input_features(net) == 4 and L.output_features(net) == 2
    assert L.input_features(L.Sequential(L.Residual(L.LayerNorm(5)), L.ReLU())) == 5
    assert L.input_features(L.Sequential(L.RMSNorm(6), L.Linear(6, 2, rng=np.random.default_rng(
        0)))) == 6
    assert L.input_features(L.Sequential(L.PReLU(7), L.ReLU())) == 7  # channel-wise slopes
    assert L.input_features(L.Sequential(L.ReLU(), L.Tanh())) is None  # nothing says


def test_leaf_layers_are_the_layers_a_forward_pass_runs_in_order():
    net = nested_net()
    assert [type(layer).__name__ for layer in L.leaf_layers(net)] == [
        "Linear", "ReLU", "Linear", "ReLU", "Linear"]
    assert L.leaf_layers(net)[2] is net.layers[1].block.layers[0]
    relu = L.ReLU()
    assert L.leaf_layers(relu) == [relu]
    with pytest.raises(TypeError, match="model must be a helpers.layers.Layer"):
        L.leaf_layers([relu])


@pytest.mark.parametrize("make_container", [lambda: make("Sequential"), lambda: make("Residual"),
                                            nested_net], ids=["Sequential", "Residual", "nested"])
def test_a_containers_params_are_derived_and_cannot_be_replaced(make_container):
    net = make_container()
    before = {key: value.copy() for key, value in net.params.items()}
    for attribute in ("params", "grads"):
        with pytest.raises(AttributeError, match=rf"{attribute} of a \w+ are derived from its "
                           r"layers.*\[\.\.\.\] = value"):
            setattr(net, attribute, {})
    key = next(iter(net.params))
    with pytest.raises(TypeError, match=rf"params of a \w+ are derived from its layers.*"
                       rf"params\[{key!r}\]\[\.\.\.\] = value"):
        net.params[key] = np.zeros_like(net.params[key])
    for change in (lambda p: p.update({key: 0}), lambda p: p.pop(key), lambda p: p.clear(),
                   lambda p: p.setdefault("new", 0), lambda p: p.__delitem__(key)):
        with pytest.raises(TypeError, match="derived from its layers"):
            change(net.params)
    assert all(np.array_equal(net.params[k], v) for k, v in before.items())
    net.params[key][...] = 1.0  # the way to set a value: in place
    assert (L.leaf_layers(net)[0].params[key.rsplit(".", 1)[-1]] == 1.0).all()
    net.params[key] *= 3.0  # in place too (Python then stores the same array back: allowed)
    assert (L.leaf_layers(net)[0].params[key.rsplit(".", 1)[-1]] == 3.0).all()
    snapshot = {k: v.copy() for k, v in net.params.items()}  # copies are ordinary dicts
    assert type(dict(net.params)) is dict and isinstance(snapshot, dict)
    assert type(copy.deepcopy(net.params)) is dict
    assert type(pickle.loads(pickle.dumps(net.grads))) is dict


@pytest.mark.parametrize("layer", [L.BatchNorm1d(2), L.LayerNorm(2), L.RMSNorm(2)], ids=repr)
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_nan_or_inf_in_a_normalisation_is_reported_as_such(layer, bad):
    x = np.array([[bad, 1.0], [0.5, 2.0], [1.5, 3.0]])
    with pytest.raises(DivergedError, match=rf"{type(layer).__name__} received NaN or inf in "
                       "its input x"):
        layer.forward(x)


@pytest.mark.parametrize("layer", [L.BatchNorm1d(2), L.LayerNorm(2), L.RMSNorm(2)], ids=repr)
def test_an_overflowing_variance_counts_as_divergence(layer):
    with pytest.raises(DivergedError, match="overflows"):  # experiments reports a diverged run
        layer.forward(np.array([[1e200, 1.0], [-1e200, 2.0]]))


@pytest.mark.parametrize("name", ["Linear", "ReLU", "BatchNorm1d", "Residual", "Dropout"])
def test_masked_arrays_are_refused_not_unmasked(name):
    x = np.ma.masked_array(batch(), mask=np.eye(7, 5, dtype=bool))
    with pytest.raises(TypeError, match=r"x is a masked array .*mask would be lost"):
        make(name).forward(x)


@pytest.mark.parametrize("value", [np.inf, -np.inf, np.nan])
@pytest.mark.parametrize("name", NAMES)
def test_a_non_finite_dout_is_rejected_as_divergence(name, value):
    """Fuzz campaign: inf in dout raised RuntimeWarnings (as errors) in backward passes."""
    layer = make(name)
    layer.forward(batch())
    dout = np.ones_like(layer.forward(batch()))
    dout[0, 0] = value
    with pytest.raises(DivergedError, match=r"\.backward: dout contains NaN or inf: the loss "
                       "diverged upstream; lower the learning rate"):
        layer.backward(dout)


@pytest.mark.parametrize("name", NAMES)
def test_overflow_at_float32s_limits_is_a_clear_error_not_a_warning(name):
    """Fuzz campaign: x or dout at float32's largest overflowed in multiply/cast/matmul with a
    RuntimeWarning. Now: a finite result, or DivergedError naming x (forward) or dout."""
    big = np.float32(np.finfo(np.float32).max)
    x = np.where(batch() > 0, big, -big).astype(np.float32)
    layer = make(name)
    try:
        out = layer.forward(x)
    except DivergedError as error:
        assert "input x" in str(error)
        return
    assert np.isfinite(out).all()
    try:
        dx = layer.backward(np.full(out.shape, big, np.float32))
    except DivergedError as error:
        assert "dout is finite" in str(error)
        return
    assert np.isfinite(dx).all()


def test_the_nan_message_says_which_cause():
    """The data holding NaN is not blamed on the learning rate."""
    x = batch()
    x[0, 0] = np.nan
    for name in ["Linear", "BatchNorm1d", "LayerNorm", "RMSNorm"]:
        with pytest.raises(DivergedError, match="If x is your data, the data holds them"):
            make(name).forward(x)
    with pytest.raises(DivergedError, match="rescale the input x"):
        make("LayerNorm").forward(batch() * 1e200)
