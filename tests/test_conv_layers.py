"""helpers.layers for sequences (N, C, L): every backward against finite differences, every
layer against its torch.nn twin in float64, the axes each normalisation shares, and the CNN
builder."""

import importlib.util

import numpy as np
import pytest

from helpers import layers as L
from helpers import models
from helpers.gradcheck import check_layer

HAVE_TORCH = importlib.util.find_spec("torch") is not None
needs_torch = pytest.mark.skipif(not HAVE_TORCH, reason="PyTorch is not installed (make torch)")


def sequences(shape=(4, 6, 9), seed=1):
    x = np.random.default_rng(seed).standard_normal(shape)
    return np.where(np.abs(x) < 1e-3, 0.01, x)  # off the kinks of (P)ReLU


def make(name):
    rng = np.random.default_rng(0)
    return {
        "Conv1d": lambda: L.Conv1d(6, 5, 3, rng=rng),
        "Conv1d-strided": lambda: L.Conv1d(6, 4, 4, stride=2, padding=1, rng=rng),
        "Conv1d-wide-kernel": lambda: L.Conv1d(6, 3, 9, padding=2, rng=rng),
        "BatchNorm1d": lambda: L.BatchNorm1d(6),
        "LayerNorm": lambda: L.LayerNorm((6, 9)),
        "GroupNorm": lambda: L.GroupNorm(3, 6),
        "GroupNorm-1": lambda: L.GroupNorm(1, 6),
        "InstanceNorm1d": lambda: L.InstanceNorm1d(6),
        "PReLU": lambda: L.PReLU(6),
        "PReLU-shared": lambda: L.PReLU(),
        "SiLU": lambda: L.Elementwise("silu"),
        "Flatten": L.Flatten,
        "Residual": lambda: L.Residual(L.Sequential(L.Conv1d(6, 6, 3, padding=1, rng=rng),
                                                    L.GroupNorm(2, 6), L.ReLU())),
        "CNN": lambda: models.cnn(9, 3, rng=rng, channels=(4, 6), kernel_sizes=(3, 3),
                                  norm="layer", activation="prelu"),  # (a bias before
        # batch norm has an exactly zero gradient in training: nothing to compare)
    }[name]()


NAMES = ["Conv1d", "Conv1d-strided", "Conv1d-wide-kernel", "BatchNorm1d", "LayerNorm",
         "GroupNorm", "GroupNorm-1", "InstanceNorm1d", "PReLU", "PReLU-shared", "SiLU",
         "Flatten", "Residual", "CNN"]


def perturbed(layer):
    """Parameters away from their initial values (gamma 1, beta 0, slopes 0.25): a backward
    that forgets one of them is then wrong, not accidentally right."""
    rng = np.random.default_rng(2)
    for value in layer.params.values():
        value += rng.normal(0, 0.3, value.shape)
    return layer


@pytest.mark.parametrize("mode", ["train", "eval"])
@pytest.mark.parametrize("name", NAMES)
def test_backward_matches_finite_differences(name, mode):
    layer = make(name)
    x = sequences((4, 9)) if name == "CNN" else sequences()
    for _ in range(3):  # running statistics away from (0, 1)
        layer.forward(x * 2 + 1)
    getattr(perturbed(layer), mode)()
    errors = check_layer(layer, x)
    assert set(errors) == {"x", *layer.params}
    assert max(errors.values()) < 1e-7, errors


def test_conv1d_is_the_sum_in_its_docstring():
    """out[n, o, t] = b[o] + sum_c sum_k W[o, c, k] x_padded[n, c, t * stride + k], by loops."""
    conv = perturbed(make("Conv1d-strided"))
    x = sequences()
    out = conv.forward(x)
    padded = np.pad(x, ((0, 0), (0, 0), (1, 1)))
    W, b = conv.params["W"], conv.params["b"]
    expected = np.zeros(out.shape)
    for n in range(x.shape[0]):
        for o in range(W.shape[0]):
            for t in range(out.shape[2]):
                window = padded[n, :, t * 2:t * 2 + 4]
                expected[n, o, t] = b[o] + np.sum(W[o] * window)
    assert out.shape == (4, 4, (9 + 2 - 4) // 2 + 1)
    np.testing.assert_allclose(out, expected, rtol=0, atol=1e-13)


def test_conv1d_weights_follow_the_initialisation_for_fan_in_channels_times_kernel():
    conv = L.Conv1d(32, 64, 5, rng=np.random.default_rng(0))
    assert conv.params["W"].shape == (64, 32, 5)
    assert abs(conv.params["W"].var() * 32 * 5 / 2 - 1) < 0.03  # He: 2 / fan_in
    assert not conv.params["b"].any()


def test_conv1d_rejects_what_it_cannot_compute():
    conv = L.Conv1d(2, 3, 5, rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match=r"shape \(N, C, L\)"):
        conv.forward(np.ones((4, 10)))
    with pytest.raises(ValueError, match="2 features or channels on axis 1"):
        conv.forward(np.ones((4, 3, 10)))
    with pytest.raises(ValueError, match="shorter than the kernel"):
        conv.forward(np.ones((4, 2, 3)))
    with pytest.raises(ValueError, match="padding must be an integer >= 0"):
        L.Conv1d(2, 3, 5, padding=-1, rng=np.random.default_rng(0))


@pytest.mark.parametrize("layer, axes", [
    (L.BatchNorm1d(6), (0, 2)),                       # a channel, over the batch and positions
    (L.LayerNorm((6, 9)), (1, 2)),                    # a sample, over channels and positions
    (L.InstanceNorm1d(6), (2,)),                      # a sample's channel, over its positions
], ids=repr)
def test_each_normalisation_shares_statistics_over_its_axes(layer, axes):
    x = sequences() * 3 + 2
    out = layer.forward(x)  # gamma 1, beta 0: the normalised values themselves
    np.testing.assert_allclose(out.mean(axis=axes), 0, atol=1e-12)
    np.testing.assert_allclose(out.var(axis=axes), 1, atol=1e-4)  # eps = 1e-5 below 1
    other = tuple(i for i in range(3) if i not in axes)
    assert np.ptp(out.mean(axis=tuple(i for i in range(3) if i != other[0]))) > 0 or len(
        other) == 0


def test_group_norm_normalises_groups_of_consecutive_channels():
    x = sequences() * 3 + 2
    out = L.GroupNorm(3, 6).forward(x)
    grouped = out.reshape(4, 3, 2 * 9)  # channels (0, 1), (2, 3), (4, 5) of each sample
    np.testing.assert_allclose(grouped.mean(axis=2), 0, atol=1e-12)
    np.testing.assert_allclose(grouped.var(axis=2), 1, atol=1e-4)
    # not per channel: one channel of a group alone is not centred
    assert np.abs(out.mean(axis=2)).max() > 0.1


def test_group_norm_at_its_two_ends_is_layer_norm_and_instance_norm():
    x = sequences()
    np.testing.assert_allclose(L.GroupNorm(1, 6).forward(x), L.LayerNorm((6, 9)).forward(x),
                               atol=1e-14)
    np.testing.assert_allclose(L.GroupNorm(6, 6).forward(x), L.InstanceNorm1d(6).forward(x),
                               atol=0)


def test_batch_norm_on_sequences_keeps_running_statistics_over_batch_and_positions():
    bn = L.BatchNorm1d(6)
    x = sequences() * 2 + 1
    bn.forward(x)
    values = x.transpose(1, 0, 2).reshape(6, -1)  # per channel, every sample and position
    np.testing.assert_allclose(bn.running_mean, 0.1 * values.mean(axis=1), atol=1e-15)
    np.testing.assert_allclose(bn.running_var, 0.9 + 0.1 * values.var(axis=1, ddof=1),
                               atol=1e-15)


def test_channelwise_prelu_sums_a_slopes_gradient_over_batch_and_positions():
    prelu = L.PReLU(6)
    x = sequences()
    prelu.forward(x)
    dout = np.random.default_rng(3).standard_normal(x.shape)
    prelu.backward(dout)
    expected = (dout * np.minimum(x, 0)).sum(axis=(0, 2))
    np.testing.assert_allclose(prelu.grads["negative_slope"], expected, atol=1e-14)


def test_normalisations_reject_shapes_they_cannot_use():
    with pytest.raises(ValueError, match="num_groups must divide num_channels"):
        L.GroupNorm(4, 6)
    with pytest.raises(ValueError, match=r"shape \(N, C, L\)"):
        L.InstanceNorm1d(6).forward(np.ones((4, 6)))
    with pytest.raises(ValueError, match=r"expects x of shape \(N, 6, 9\)"):
        L.LayerNorm((6, 9)).forward(np.ones((4, 6, 8)))
    with pytest.raises(ValueError, match="at least 2 numbers per group"):
        L.GroupNorm(6, 6).forward(np.ones((4, 6)))
    with pytest.raises(ValueError, match="normalized_shape must be an int D or a pair"):
        L.LayerNorm((2, 3, 4))


def test_reshape_and_flatten_round_trip():
    x = sequences((4, 18))
    to_sequences, flatten = L.Reshape((2, 9)), L.Flatten()
    seq = to_sequences.forward(x)
    assert seq.shape == (4, 2, 9) and flatten.forward(seq).shape == (4, 18)
    assert np.array_equal(to_sequences.backward(flatten.backward(x)), x)
    with pytest.raises(ValueError, match=r"cannot hold a sample of shape \(17,\)"):
        to_sequences.forward(np.ones((4, 17)))
    with pytest.raises(ValueError, match="shape must be the shape of one sample"):
        L.Reshape((0, 3))


def test_cnn_has_the_papers_shape_by_default():
    net = models.cnn(40, 10, rng=np.random.default_rng(0))
    convs = [layer for layer in net.layers if isinstance(layer, L.Conv1d)]
    assert [(c.in_channels, c.out_channels, c.kernel_size, c.stride, c.padding) for c in convs] \
        == [(1, 25, 5, 2, 1), (25, 25, 3, 2, 1), (25, 25, 3, 2, 1)]
    assert [layer.in_features for layer in net.layers if isinstance(layer, L.Linear)] == [125]
    assert sum(p.size for p in net.params.values()) == 25 * 5 + 25 + 2 * (25 * 75 + 25) + 1260
    assert L.input_features(net) == 40


@pytest.mark.parametrize("norm, kind", [("batch", L.BatchNorm1d), ("layer", L.LayerNorm),
                                        ("instance", L.InstanceNorm1d),
                                        ("group", L.GroupNorm)])
def test_cnn_places_each_normalisation_between_convolution_and_activation(norm, kind):
    net = models.cnn(40, 10, rng=np.random.default_rng(0), norm=norm, activation="prelu")
    names = [type(layer).__name__ for layer in net.layers]
    assert names[1:4] == ["Conv1d", kind.__name__, "PReLU"]
    norms = [layer for layer in net.layers if isinstance(layer, kind)]
    assert len(norms) == 3
    if norm == "layer":
        assert [n.normalized_shape for n in norms] == [(25, 19), (25, 10), (25, 5)]
    prelus = [layer for layer in net.layers if isinstance(layer, L.PReLU)]
    assert [p.num_parameters for p in prelus] == [25, 25, 25]


def test_cnn_paired_seeds_get_the_same_convolutions_whatever_the_normalisation():
    plain, grouped = (models.cnn(40, 10, rng=np.random.default_rng(3), norm=n)
                      for n in (None, "group"))
    for a, b in zip([c for c in plain.layers if isinstance(c, L.Conv1d)],
                    [c for c in grouped.layers if isinstance(c, L.Conv1d)], strict=True):
        assert np.array_equal(a.params["W"], b.params["W"])


def test_cnn_matched_init_scales_every_convolution_by_the_gain():
    he, matched = (models.cnn(40, 10, rng=np.random.default_rng(0), activation="silu", init=i)
                   for i in ("lecun", "matched"))
    from helpers.init import matched_gain
    ratio = [m.params["W"].std() / h.params["W"].std() for h, m in
             zip(he.layers, matched.layers, strict=True) if isinstance(h, L.Conv1d)]
    np.testing.assert_allclose(ratio, matched_gain("silu"), rtol=1e-12)


def test_cnn_rejects_bad_arguments():
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match="one entry per convolution"):
        models.cnn(40, 10, rng=rng, channels=(8, 8), kernel_sizes=(3,))
    with pytest.raises(ValueError, match="groups must divide every entry of channels"):
        models.cnn(40, 10, rng=rng, norm="group", groups=4)
    with pytest.raises(ValueError, match="norm must be one of"):
        models.cnn(40, 10, rng=rng, norm="rms")
    with pytest.raises(ValueError, match="shorter than the kernel"):
        models.cnn(2, 10, rng=rng)


# --- the torch.nn twins, in float64 (helpers.nb07.to_torch, the course's one mapping) -----------

@needs_torch
@pytest.mark.parametrize("name", ["Conv1d", "Conv1d-strided", "Conv1d-wide-kernel",
                                  "BatchNorm1d", "LayerNorm", "GroupNorm", "GroupNorm-1",
                                  "InstanceNorm1d", "PReLU", "Flatten", "CNN"])
@pytest.mark.parametrize("mode", ["train", "eval"])
def test_equal_to_torch_twin_forward_backward_and_parameter_gradients(name, mode):
    import torch

    from helpers import nb07

    layer = make(name)
    x = sequences((4, 9)) if name == "CNN" else sequences()
    for _ in range(3):  # running statistics away from (0, 1)
        layer.forward(x * 2 + 1)
    getattr(perturbed(layer), mode)()
    twin = nb07.to_torch(layer)
    out = layer.forward(x)
    dout = np.random.default_rng(4).standard_normal(out.shape)
    dx = layer.backward(dout)
    xt = torch.from_numpy(x.copy()).requires_grad_()
    out_t = twin(xt)
    out_t.backward(torch.from_numpy(dout))
    np.testing.assert_allclose(out, out_t.detach().numpy(), rtol=0, atol=1e-12)
    np.testing.assert_allclose(dx, xt.grad.numpy(), rtol=0, atol=1e-12)
    for key, (param, transposed) in nb07.parameter_pairs(layer, twin).items():
        grad = param.grad.numpy()
        np.testing.assert_allclose(layer.grads[key], grad.T if transposed else grad.reshape(
            layer.grads[key].shape), rtol=0, atol=1e-12, err_msg=key)


@needs_torch
def test_batch_norm_on_sequences_matches_torch_running_statistics_and_eval():
    import torch

    from helpers import nb07

    layer, x = L.BatchNorm1d(6), sequences() * 2 + 1
    twin = nb07.to_torch(layer)
    for step in range(3):
        layer.forward(x + step)
        twin(torch.from_numpy(x + step))
    np.testing.assert_allclose(layer.running_mean, twin.running_mean.numpy(), atol=1e-12)
    np.testing.assert_allclose(layer.running_var, twin.running_var.numpy(), atol=1e-12)
    np.testing.assert_allclose(layer.eval().forward(x), twin.eval()(torch.from_numpy(x))
                               .detach().numpy(), atol=1e-12)
