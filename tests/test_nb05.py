"""helpers.nb05: the axes picture measured on the layers, the figures, and the checkers."""

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pytest

from helpers import data, layers, nb05

matplotlib.use("Agg")


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


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
    assert "instance norm: 8 numbers share one mean and variance" in fig2.axes[0].get_title()
    plt.close("all")


def test_output_length_checker():
    assert nb05.check_output_length(lambda n, k, s, p: (n + 2 * p - k) // s + 1).correct
    forgot = nb05.check_output_length(lambda n, k, s, p: (n - k) // s + 1)
    assert "forgot the padding" in repr(forgot)
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
    assert "unbiased variance" in repr(nb05.check_group_norm(
        lambda x, groups, gamma, beta, eps: nb05._group_norm(x, groups, gamma, beta, eps,
                                                             ddof=1)))
    assert "returns None" in repr(nb05.check_output_length(lambda *a: None))


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


def fake_batch_judged(tests=((0.5, 0.6), (0.7, 0.8))):
    """A tiny made-up `results.judge` of the batch-size study: batch sizes 2 and 8, two seeds,
    batch norm's test accuracies `tests[0]`, group norm's `tests[1]` (the same at each size)."""
    from helpers import results

    def judged(test):
        test = np.array(test)
        return results.Judged(lr=0.01, val_by_lr={0.01: test}, val=test, test=test,
                              step=np.array([10, 20]), seeds=np.array([0, 1]))

    return {f"{name}, batch {b}": judged(test)
            for name, test in zip(("batch norm", "group norm"), tests, strict=True)
            for b in (2, 8)}


# --- the checks on arguments (the fuzzer, tests/test_fuzz_arguments.py, tries the rest) --------

def test_sharing_mask_refuses_a_layer_that_is_not_a_normalization():
    L = layers  # noqa: N806 (the course's usual name)
    x = np.ones((3, 6, 8))
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match=r"layer \(Linear\) cannot run on x of shape"):
        nb05.sharing_mask(L.Linear(6, 2, rng=rng), x, (0, 1, 2))
    with pytest.raises(ValueError, match=r"layer must return outputs shaped like x"):
        nb05.sharing_mask(L.Conv1d(6, 2, 3, rng=rng), x, (0, 1, 2))
    with pytest.raises(TypeError, match="layer must be a helpers.layers.Layer"):
        nb05.sharing_mask("batch", x, (0, 1, 2))
    with pytest.raises(ValueError, match="x must hold finite numbers"):
        nb05.sharing_mask(L.BatchNorm1d(6), np.full((3, 6, 8), np.nan), (0, 1, 2))


def test_sharing_mask_moves_a_large_entry_without_overflowing():
    """The probe moves x[index] towards and past 0: a value near the layers' limit (1e154, where
    a variance overflows) does not become a larger one."""
    x = np.random.default_rng(0).standard_normal((3, 6, 8))
    x[0, 1, 2] = 9e153
    for kind in nb05.NORM_NAMES:
        mask = nb05.sharing_mask(nb05.norm_layer(kind, 6, 8, 3), x, (0, 1, 2))
        assert np.array_equal(mask, nb05.expected_sharing(kind, x.shape, (0, 1, 2), 3))


def test_index_and_shape_messages_name_the_array():
    with pytest.raises(ValueError, match=r"index\[1\] \(c\) = 6 is outside shape \(3, 6, 8\)"):
        nb05.expected_sharing("batch", (3, 6, 8), (0, 6, 2))
    with pytest.raises(TypeError, match=r"index\[0\] \(n\) must be an integer"):
        nb05.expected_sharing("batch", (3, 6, 8), (0.0, 1, 2))
    with pytest.raises(TypeError, match=r"shape must be a tuple \(N, C, L\)"):
        nb05.axes_picture(shape=(3, 6))
    with pytest.raises(ValueError, match=r"shape\[2\] \(positions\) must be at least 2"):
        nb05.axes_picture(shape=(3, 6, 1), index=(0, 1, 0))
    # a list index is read as the tuple it names (a list would index numpy differently)
    x = np.random.default_rng(0).standard_normal((3, 6, 8))
    layer = nb05.norm_layer("instance", 6, 8)
    assert np.array_equal(nb05.sharing_mask(layer, x, [0, 1, 2]),
                          nb05.sharing_mask(layer, x, (0, 1, 2)))


def test_groups_must_divide_the_channels_for_group_norm_only():
    with pytest.raises(ValueError, match="groups must divide the 6 channels of shape.*4"):
        nb05.expected_sharing("group", (3, 6, 8), (0, 1, 2), groups=4)
    with pytest.raises(ValueError, match="groups must divide the 6 channels.*1, 2, 3 or 6"):
        nb05.norm_layer("group", 6, 8, groups=4)
    with pytest.raises(TypeError, match="groups must be an integer"):
        nb05.sharing_figure("group", True, 1)
    # the other normalizations ignore groups: 5 channels with the default 2 groups are fine
    assert nb05.expected_sharing("batch", (2, 5, 3), (0, 1, 2)).sum() == 6
    assert isinstance(nb05.norm_layer("layer", 5, 3), layers.LayerNorm)


def test_plot_sharing_wants_a_true_false_mask():
    with pytest.raises(ValueError, match=r"mask must hold True/False \(or 0/1\)"):
        nb05.plot_sharing(np.full((3, 6, 8), 0.5), (0, 1, 2), title="t")
    with pytest.raises(ValueError, match=r"outside mask \(shape \(3, 1, 8\)\)"):
        nb05.plot_sharing(np.ones((3, 1, 8)), (0, 1, 2), title="t")
    ax = nb05.plot_sharing(np.ones((3, 6, 8), dtype=int), (0, 1, 2), title="t")  # 0/1 counts
    assert ax.get_title() == "t"


def test_plot_convolution_wants_one_output_per_window():
    x, kernel = np.arange(10.0), [1.0, 0.0, -1.0]
    with pytest.raises(ValueError, match=r"10 - 3 \+ 1 = 8 \(no padding, stride 1\); got 10"):
        nb05.plot_convolution(x, kernel, np.ones(10))
    with pytest.raises(ValueError, match="kernel .* must not be longer than sequence"):
        nb05.plot_convolution(x[:2], kernel, np.ones(1))
    with pytest.raises(ValueError, match="output must hold finite numbers"):
        nb05.plot_convolution(x, kernel, np.full(8, np.nan))
    assert len(nb05.plot_convolution(x, kernel, np.ones(8)).lines) == 3


def test_permuted_wants_integer_positions():
    split = data.load_mnist1d(seed=0)
    with pytest.raises(TypeError, match=r"permutation must hold integers .*permutation\(40\)"):
        nb05.permuted(split, np.arange(40.0))
    with pytest.raises(TypeError, match="split must be a helpers.data.Split"):
        nb05.permuted(split.X_train, np.arange(40))


def test_plot_batch_sizes_draws_a_fake_study_and_names_what_is_missing():
    judged = fake_batch_judged()
    ax = nb05.plot_batch_sizes(judged, (2, 8))
    assert [t.get_text() for t in ax.get_xticklabels()] == ["2", "8"]
    means = [line.get_ydata() for line in ax.lines if line.get_label() in ("batch norm",
                                                                            "group norm")]
    assert np.allclose(means, [[0.55, 0.55], [0.75, 0.75]])
    with pytest.raises(ValueError, match="judged has no configuration 'batch norm, batch 4'"):
        nb05.plot_batch_sizes(judged, (2, 4))
    with pytest.raises(ValueError, match="batch_sizes must be a non-empty increasing"):
        nb05.plot_batch_sizes(judged, (8, 2))
    with pytest.raises(TypeError, match="judged must be the dict configuration -> results"):
        nb05.plot_batch_sizes({"batch norm, batch 2": 0.5}, (2,))


def test_plot_slopes_wants_the_same_layers_for_every_seed():
    with pytest.raises(ValueError, match="same number of layers for every seed; seed 0 has 2"):
        nb05.plot_slopes([[[0.1], [0.2]], [[0.1]]])
    with pytest.raises(ValueError, match="holds no layer"):
        nb05.plot_slopes([[]])
    with pytest.raises(ValueError, match=r"slopes_by_seed\[0\]\[1\] must hold finite slopes"):
        nb05.plot_slopes([[[0.1], [np.nan]]])
    ax = nb05.plot_slopes([[0.25, np.full(3, 0.2)]])  # a shared slope is one number
    assert [t.get_text() for t in ax.get_xticklabels()] == ["conv 1", "conv 2"]


def test_output_length_refuses_a_kernel_that_does_not_fit():
    with pytest.raises(ValueError, match=r"kernel_size \(9\) must fit .* = 8"):
        nb05.output_length(6, 9, 1, 1)
    with pytest.raises(ValueError, match="stride must be an integer >= 1"):
        nb05.output_length(40, 5, 0, 1)
    assert nb05.output_length(6, 8, 1, 1) == 1


def test_sharing_explorer_starts_where_asked():
    explorer = nb05.sharing_explorer(kind="batch", groups=2, channel=4)
    values = {w.description: w.value for w in explorer.children[:3]}
    assert values == {"norm": "batch", "groups": 2, "channel": 4}
    with pytest.raises(ValueError, match="channel must be an integer in"):
        nb05.sharing_explorer(channel=6)


def test_the_stored_batch_size_study_shows_batch_norm_degrading_and_group_norm_not():
    """Wu & He's result on the stored table (the notebook asserts the same): the claim stays
    checked whenever `make results` recomputes the study."""
    from helpers import protocol, results, studies

    study = studies.BATCH_SIZE
    judged = results.judge(study, results.load(study))

    def arm(name, b):
        return judged[f"{name}, batch {b}"].test

    diffs = protocol.compare({
        "bn": (arm("batch norm", 2), arm("batch norm", 32)),
        "gn": (arm("group norm", 2), arm("group norm", 32)),
        "gn-bn at 2": (arm("group norm", 2), arm("batch norm", 2))})
    assert diffs["bn"].distinguishable and diffs["bn"].mean < -0.04
    assert diffs["gn"].mean > -0.01  # group norm does not lose accuracy at batch 2
    assert diffs["gn-bn at 2"].distinguishable and diffs["gn-bn at 2"].mean > 0
