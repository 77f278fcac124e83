"""helpers.nb05: the axes picture measured on the layers, the figures, and the checkers."""

import matplotlib
import numpy as np
import pytest

from helpers import data, nb05

matplotlib.use("Agg")


@pytest.mark.parametrize("kind", list(nb05.NORM_NAMES))
@pytest.mark.parametrize("index", [(0, 1, 2), (2, 5, 7), (1, 3, 0)])
@pytest.mark.parametrize("groups", [1, 2, 3, 6])
def test_each_layer_shares_statistics_exactly_as_defined(kind, index, groups):
    x = np.random.default_rng(1).standard_normal((3, 6, 8))
    mask = nb05.sharing_mask(nb05.norm_layer(kind, 6, 8, groups), x, index)
    assert np.array_equal(mask, nb05.expected_sharing(kind, x.shape, index, groups))


def test_sharing_sizes_follow_wu_and_he():
    """Batch norm: N * L numbers; layer norm: C * L; instance norm: L; group norm: C / G * L."""
    n, c, length, groups = 3, 6, 8, 3
    x = np.random.default_rng(0).standard_normal((n, c, length))
    sizes = {kind: int(nb05.sharing_mask(nb05.norm_layer(kind, c, length, groups), x,
                                         (0, 1, 2)).sum()) for kind in nb05.NORM_NAMES}
    assert sizes == {"batch": n * length, "layer": c * length, "instance": length,
                     "group": c // groups * length}


def test_a_wrong_layer_would_show_in_the_mask():
    """The probe can fail: RMS-free "normalisation" by a constant shares nothing, and batch norm
    in evaluation mode (running statistics) shares nothing either."""
    from helpers import layers as L

    x = np.random.default_rng(0).standard_normal((3, 6, 8))
    bn = L.BatchNorm1d(6)
    bn.eval()
    mask = nb05.sharing_mask(bn, x, (0, 1, 2))  # sharing_mask sets training mode: shares
    assert mask.sum() == 24
    assert not np.array_equal(mask, nb05.expected_sharing("layer", x.shape, (0, 1, 2)))


def test_sharing_mask_rejects_bad_input():
    layer = nb05.norm_layer("batch", 6, 8)
    with pytest.raises(ValueError, match=r"\(N, C, L\)"):
        nb05.sharing_mask(layer, np.ones((3, 6)), (0, 1, 2))
    with pytest.raises(ValueError, match="index"):
        nb05.sharing_mask(layer, np.ones((3, 6, 8)), (0, 6, 2))
    with pytest.raises(ValueError, match="groups must divide the 6 channels"):
        nb05.sharing_figure("group", 4, 1)


def test_figures_draw():
    import matplotlib.pyplot as plt

    fig = nb05.axes_picture()
    assert len(fig.axes) == 4
    assert [ax.get_title() for ax in fig.axes] == [
        "batch norm: 24 numbers", "layer norm: 48 numbers", "instance norm: 8 numbers",
        "group norm (3 groups): 16 numbers"]
    fig2 = nb05.sharing_figure("instance", 1, 4)
    assert "shares its statistics with 7 others" in fig2.axes[0].get_title()
    plt.close("all")


def test_output_length_checker():
    assert nb05.check_output_length(lambda n, k, s, p: (n + 2 * p - k) // s + 1).correct
    assert "forgot the padding" in repr(nb05.check_output_length(lambda n, k, s, p: (n - k) // s + 1))
    assert "one short" in repr(nb05.check_output_length(lambda n, k, s, p: (n + 2 * p - k) // s))
    assert "an int" in repr(nb05.check_output_length(lambda n, k, s, p: (n + 2 * p - k) / s + 1))
    assert [nb05.output_length(n, k, 2, 1) for n, k in [(40, 5), (19, 3), (10, 3)]] == [19, 10, 5]


def _gn(x, groups, gamma, beta, eps):
    g = x.reshape(x.shape[0], groups, -1)
    hat = (g - g.mean(-1, keepdims=True)) / np.sqrt(g.var(-1, keepdims=True) + eps)
    return gamma[:, None] * hat.reshape(x.shape) + beta[:, None]


@pytest.mark.parametrize("mistake, words", [
    ("positions", "split the positions"), ("interleaved", "every groups-th channel"),
    ("batch", "shared across the samples"), ("channel only", "instance norm"),
])
def test_group_norm_checker_names_each_kind_of_mistake(mistake, words):
    def wrong(x, groups, gamma, beta, eps):
        return nb05._group_norm(x, groups, gamma, beta, eps, split=mistake)
    feedback = nb05.check_group_norm(wrong)
    assert not feedback.correct and words in repr(feedback)


def test_group_norm_checker_accepts_the_answer_and_catches_eps_and_affine():
    assert nb05.check_group_norm(_gn).correct
    def std_eps(x, groups, gamma, beta, eps):
        g = x.reshape(x.shape[0], groups, -1)
        hat = (g - g.mean(-1, keepdims=True)) / (g.std(-1, keepdims=True) + eps)
        return gamma[:, None] * hat.reshape(x.shape) + beta[:, None]
    assert "inside the" in repr(nb05.check_group_norm(std_eps))
    def no_eps(x, groups, gamma, beta, eps):
        return _gn(x, groups, gamma, beta, 0.0)
    assert "NaN or inf" in repr(nb05.check_group_norm(no_eps))
    assert "gamma" in repr(nb05.check_group_norm(
        lambda x, groups, gamma, beta, eps: nb05._group_norm(x, groups, gamma, beta, eps,
                                                             affine=False)))
    assert "returns None" in repr(nb05.check_group_norm(lambda *a: None))


def test_permuted_shuffles_positions_consistently():
    split = data.load_mnist1d(seed=0)
    perm = np.random.default_rng(0).permutation(40)
    shuffled = nb05.permuted(split, perm)
    assert np.array_equal(shuffled.X_test[:, 0], split.X_test[:, perm[0]])
    assert np.array_equal(shuffled.y_train, split.y_train)
    with pytest.raises(ValueError, match="permutation of the 40 positions"):
        nb05.permuted(split, np.arange(39))


def test_prelu_slopes_reads_every_prelu_layer_in_order():
    from helpers import models

    net = models.cnn(40, 10, rng=np.random.default_rng(0), activation="prelu")
    slopes = nb05.prelu_slopes(net)
    assert [s.shape for s in slopes] == [(25,)] * 3 and all((s == 0.25).all() for s in slopes)
    slopes[0][0] = 9.0
    assert nb05.prelu_slopes(net)[0][0] == 0.25  # copies
