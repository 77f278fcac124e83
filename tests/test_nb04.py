"""helpers.nb04: the figures, explorer and helpers behind notebook 04."""

import matplotlib.pyplot as plt
import numpy as np
import pytest
from sklearn import preprocessing
from verdicts import assert_count_resets, assert_hints_escalate, assert_verdict, stub

from helpers import data, experiments, nb04
from helpers.layers import BatchNorm1d
from helpers.scalers import StandardScaler


def test_batchnorm_trace_and_explorer(monkeypatch):
    X = np.random.default_rng(0).normal(3.0, 1.0, (500, 2))
    small = nb04.batchnorm_trace(X, batch_size=4, steps=300, rng=np.random.default_rng(1))
    large = nb04.batchnorm_trace(X, batch_size=128, steps=300, rng=np.random.default_rng(1))
    assert small["gap"] > 3 * large["gap"]  # batch means scatter like 1 / sqrt(batch size)
    assert abs(large["running_mean"][-1] - large["population_mean"]) < 0.05
    ax = nb04.plot_batchnorm_trace(small)
    assert len(ax.get_lines()) == 3 and "mean |batch - data set|" in ax.get_title()
    with pytest.raises(ValueError, match="batch_size must be an integer >= 2"):
        nb04.batchnorm_trace(X, batch_size=1, rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match=r"batch_size must be at most the number of rows of X"):
        nb04.batchnorm_trace(X, batch_size=501, rng=np.random.default_rng(0))
    fig = nb04.batchnorm_figure(X, batch_size=8, momentum=0.5, steps=20)
    assert "batch size 8, momentum 0.5" in fig.axes[0].get_title()
    calls = []
    monkeypatch.setattr(nb04, "batchnorm_figure",
                        lambda *a, **k: calls.append((a, k)) or plt.figure())
    explorer = nb04.batchnorm_explorer(X)
    explorer.children[0].value = 64
    assert calls[-1][0][1:] == (64, 0.1)
    assert calls[-1][1] == {"feature": nb04.offcentre_feature(X)}
    nb04.batchnorm_explorer(X, feature=-1)
    assert calls[-1][1] == {"feature": -1}
    with pytest.raises(ValueError, match=r"feature must be an integer in \[-2, 1\]; got 2"):
        nb04.batchnorm_explorer(X, feature=2)


def test_the_default_feature_is_the_one_furthest_from_the_running_means_start():
    X = np.zeros((6, 4))
    X[:, 0] = [1, -1, 1, -1, 1, -1]  # mean 0
    X[:, 1] = [4, 6, 4, 6, 4, 6]  # mean 5 = 5 standard deviations
    X[:, 2] = -100.0  # constant: batch norm has no statistics to learn there
    X[:, 3] = [-9, -11, -9, -11, -9, -11]  # mean -10 = 10 standard deviations
    assert nb04.offcentre_feature(X) == 3
    assert nb04.offcentre_feature(X[:, :3]) == 1
    fig = nb04.batchnorm_figure(X, batch_size=2, steps=1)
    assert fig.axes[0].get_ylabel() == "mean of feature 3"
    assert nb04.batchnorm_trace(X, batch_size=2, steps=1, rng=np.random.default_rng(0))[
        "feature"] == 0  # the measurement itself keeps its default
    with pytest.raises(ValueError, match="X must have at least 2 rows"):
        nb04.offcentre_feature(X[:1])
    with pytest.raises(ValueError, match=r"X must have at least one column \(a feature\)"):
        nb04.batchnorm_explorer(X[:, :0])


def test_the_explorer_shows_momentum_0_1_converge_and_0_001_lag():
    """On unscaled pixels (the recommended call) the default feature's mean is far from 0,
    where the running mean starts: over the plotted steps momentum 0.1 gets there, 0.001 does
    not (it covers 1 - 0.999^200, about 18% of the way)."""
    X = data.load_digits(seed=0).X_train
    feature = nb04.offcentre_feature(X)
    assert abs(X[:, feature].mean()) > 2 * X[:, feature].std()
    explorer = nb04.batchnorm_explorer(X)  # draws its default: batch size 32, momentum 0.1
    assert (explorer.children[0].value, explorer.children[1].value) == (32, 0.1)
    for momentum, low, high in [(0.1, 0.0, 0.03), (0.001, 0.75, 0.9)]:
        fig = nb04.batchnorm_figure(X, batch_size=32, momentum=momentum)
        _, running, population = fig.axes[0].get_lines()
        assert fig.axes[0].get_ylabel() == f"mean of feature {feature}"
        true_mean = population.get_ydata()[0]
        assert low <= abs(running.get_ydata()[-1] - true_mean) / abs(true_mean) < high



# --- the exercise checkers ------------------------------------------------------------------


def bn_ok(x, g, b, eps):
    return g * (x - x.mean(0)) / np.sqrt(x.var(0) + eps) + b


def bn_layer(x, g, b, eps):
    bn = BatchNorm1d(x.shape[1], eps=eps)
    bn.params["gamma"][:], bn.params["beta"][:] = g, b
    return bn.forward(x)


# name -> (candidate, correct?, phrase): the correct variants, then the mistakes by class
BN_ANSWERS = {
    "reference": (bn_ok, True, "Correct!"),
    "the helper layer": (bn_layer, True, "Correct!"),
    "keepdims": (lambda x, g, b, eps: g * (x - x.mean(0, keepdims=True))
                 / np.sqrt(x.var(0, keepdims=True) + eps) + b, True, "Correct!"),
    "variance by hand": (lambda x, g, b, eps: g * (x - x.mean(0)) / np.sqrt(
        ((x - x.mean(0)) ** 2).mean(0) + eps) + b, True, "Correct!"),
    "as float32": (lambda x, g, b, eps: bn_ok(x, g, b, eps).astype(np.float32), True,
                   "Correct!"),
    "a list": (lambda x, g, b, eps: bn_ok(x, g, b, eps).tolist(), True, "Correct!"),
    # the axis of the statistics
    "no axis": (lambda x, g, b, eps: g * (x - x.mean()) / np.sqrt(x.var() + eps) + b, False,
                "x.mean() without an axis"),
    "no axis for the variance": (lambda x, g, b, eps: g * (x - x.mean(0)) / np.sqrt(
        x.var() + eps) + b, False, "x.var() without an axis"),
    "no axis for the mean": (lambda x, g, b, eps: g * (x - x.mean()) / np.sqrt(
        x.var(0) + eps) + b, False, "x.mean() without an axis"),
    "layer norm": (lambda x, g, b, eps: g * (x - x.mean(1, keepdims=True))
                   / np.sqrt(x.var(1, keepdims=True) + eps) + b, False, "layer norm"),
    # the variance and eps (a constant feature in every batch)
    "unbiased": (lambda x, g, b, eps: g * (x - x.mean(0)) / np.sqrt(x.var(0, ddof=1) + eps) + b,
                 False, "unbiased variance"),
    "a hard-coded eps": (lambda x, g, b, eps: bn_ok(x, g, b, 1e-5), False,
                         "not the eps you were given"),
    "no eps": (lambda x, g, b, eps: g * (x - x.mean(0)) / np.sqrt(x.var(0)) + b, False,
               "its variance is 0"),
    "std + eps": (lambda x, g, b, eps: g * (x - x.mean(0)) / (x.std(0) + eps) + b, False,
                  "added eps to the standard deviation"),
    "divided by the variance": (lambda x, g, b, eps: g * (x - x.mean(0)) / (x.var(0) + eps) + b,
                                False, "divided by the variance"),
    "not centred": (lambda x, g, b, eps: g * x / np.sqrt(x.var(0) + eps) + b, False,
                    "did not subtract the mean"),
    # gamma and beta
    "no affine": (lambda x, g, b, eps: (x - x.mean(0)) / np.sqrt(x.var(0) + eps), False,
                  "not scaled by gamma"),
    "gamma and beta swapped": (lambda x, g, b, eps: bn_ok(x, b, g, eps), False, "swapped"),
    # in place, no answer, other
    "in place": (lambda x, g, b, eps: g * (np.subtract(x, x.mean(0), out=x)) / np.sqrt(
        x.var(0) + eps) + b, False, "in place"),
    "empty stub": (stub, False, "returns None"),
    "otherwise wrong": (lambda x, g, b, eps: bn_ok(x, g, b, eps) + 0.1, False, "expected"),
}


@pytest.mark.parametrize("name", BN_ANSWERS)
def test_check_batchnorm_forward(name):
    assert_verdict(nb04.check_batchnorm_forward, *BN_ANSWERS[name])


# the reference solutions' key code: never in a first hint (the code is the last level)
BN_SOLUTION = ["np.sqrt(", "sqrt(var + eps)", "mean(axis=0)", "mean(0)", "gamma *"]
SCALER_SOLUTION = ["mean(axis=0)", "std(axis=0)", "(X_test - m)", "axis 0", "axis=0"]
# one level: the empty stub, and a hard-coded eps (the hint says which eps to use)
BN_GENERIC = {"empty stub", "in place"}
SCALER_GENERIC = {"one array", "empty stub", "in place"}


@pytest.mark.parametrize("name", [n for n, a in BN_ANSWERS.items() if not a[1]])
def test_batchnorm_hints_name_the_mistake_first_and_show_the_code_last(name):
    candidate, _, phrase = BN_ANSWERS[name]
    assert_hints_escalate(nb04.check_batchnorm_forward, candidate, phrase, BN_SOLUTION,
                          nb04.BATCHNORM_CODE, single_level=name in BN_GENERIC)


def test_the_code_the_last_batchnorm_hint_shows_is_right():
    code = eval(f"lambda x, gamma, beta, eps: {nb04.BATCHNORM_CODE}", {"np": np})
    assert nb04.check_batchnorm_forward(code).correct
    assert_count_resets(nb04.check_batchnorm_forward, BN_ANSWERS["layer norm"][0], code)


def scaler_ok(tr, te):
    m, s = tr.mean(0), tr.std(0)
    s = np.where(s == 0, 1.0, s)  # a feature constant in training: divided by 1
    return (tr - m) / s, (te - m) / s


def unguarded(tr, te):
    m, s = tr.mean(0), tr.std(0)
    return (tr - m) / s, (te - m) / s


def fit_on_all(tr, te):
    both = np.vstack([tr, te])
    m, s = both.mean(0), both.std(0)
    return (tr - m) / s, (te - m) / s


def with_helper(tr, te):
    scaler = StandardScaler().fit(tr)
    return scaler.transform(tr), scaler.transform(te)


def with_scikit_learn(tr, te):
    scaler = preprocessing.StandardScaler().fit(tr)
    return scaler.transform(tr), scaler.transform(te)


def zero_where_constant(tr, te):
    m, s = tr.mean(0), tr.std(0)
    return tuple(np.divide(x - m, s, out=np.zeros_like(x), where=s > 0) for x in (tr, te))


# name -> (candidate, correct?, phrase): the correct variants, then the mistakes by class
SCALER_ANSWERS = {
    "reference": (scaler_ok, True, "Correct!"),
    "a guard by assignment": (lambda tr, te: (lambda m, s: ((tr - m) / s, (te - m) / s))(
        tr.mean(0), np.where(tr.std(0) < 1e-12, 1.0, tr.std(0))), True, "Correct!"),
    "the helper": (with_helper, True, "Correct!"),
    "scikit-learn": (with_scikit_learn, True, "Correct!"),
    "as float32": (lambda tr, te: tuple(a.astype(np.float32) for a in scaler_ok(tr, te)), True,
                   "Correct!"),
    "lists": (lambda tr, te: [a.tolist() for a in scaler_ok(tr, te)], True, "Correct!"),
    # which statistics
    "fit on all": (fit_on_all, False, "leaks the test set"),
    "test on its own": (lambda tr, te: (scaler_ok(tr, tr)[0], scaler_ok(te, te)[0]), False,
                        "its own statistics"),
    "test unscaled": (lambda tr, te: (scaler_ok(tr, te)[0], te), False, "not scaled at all"),
    "ddof 1": (lambda tr, te: ((tr - tr.mean(0)) / tr.std(0, ddof=1),
                               (te - tr.mean(0)) / tr.std(0, ddof=1)), False, "ddof=1"),
    "per sample": (lambda tr, te: tuple((x - x.mean(1, keepdims=True)) / x.std(1, keepdims=True)
                                        for x in (tr, te)), False, "each sample (row)"),
    "no axis": (lambda tr, te: ((tr - tr.mean()) / tr.std(), (te - tr.mean()) / tr.std()), False,
                "whole array"),
    # the wrong transformation
    "min-max": (lambda tr, te: tuple((x - tr.min(0)) / (tr.max(0) - tr.min(0)) for x in (tr, te)),
                False, "min-max"),
    "centred only": (lambda tr, te: (tr - tr.mean(0), te - tr.mean(0)), False,
                     "did not divide"),
    "divided by the variance": (lambda tr, te: ((tr - tr.mean(0)) / tr.var(0),
                                                (te - tr.mean(0)) / tr.var(0)), False,
                                "divided by the variance"),
    # constant features
    "no guard": (unguarded, False, "NaN or inf"),
    "eps added": (lambda tr, te: tuple((x - tr.mean(0)) / (tr.std(0) + 1e-8) for x in (tr, te)),
                  False, "comes out huge"),
    "inf replaced": (lambda tr, te: tuple(np.nan_to_num(x) for x in unguarded(tr, te)), False,
                     "comes out huge"),
    "zero where constant": (zero_where_constant, False, "to 0"),
    # what is returned
    "swapped": (lambda tr, te: scaler_ok(tr, te)[::-1], False, "the other way round"),
    "one array": (lambda tr, te: tr, False, "return two arrays"),
    "in place": (lambda tr, te: (np.subtract(tr, tr.mean(0), out=tr), te), False, "in place"),
    "empty stub": (stub, False, "returns None"),
}


@pytest.mark.parametrize("name", SCALER_ANSWERS)
def test_check_train_only_scaler(name):
    assert_verdict(nb04.check_train_only_scaler, *SCALER_ANSWERS[name])


@pytest.mark.parametrize("name", [n for n, a in SCALER_ANSWERS.items() if not a[1]]
                         + ["otherwise wrong"])
def test_scaler_hints_name_the_mistake_first_and_show_the_code_last(name):
    candidate, _, phrase = {**SCALER_ANSWERS, "otherwise wrong": (
        lambda tr, te: (scaler_ok(tr, te)[0], scaler_ok(tr, te)[1] + 1.0), False,
        "the test split: at index")}[name]
    assert_hints_escalate(nb04.check_train_only_scaler, candidate, phrase, SCALER_SOLUTION,
                          nb04.SCALER_CODE, single_level=name in SCALER_GENERIC)


def test_the_code_the_last_scaler_hint_shows_is_right():
    namespace = {"np": np}
    exec(f"def standardize(X_train, X_test):\n    {nb04.SCALER_CODE}", namespace)
    assert nb04.check_train_only_scaler(namespace["standardize"]).correct
    assert_count_resets(nb04.check_train_only_scaler, fit_on_all, scaler_ok)


def test_gradient_norms_at_init_explode_with_batch_norm():
    """Yang et al. (2019): at initialisation, batch norm makes the gradient grow backward,
    by about sqrt(pi / (pi - 1)) = 1.21 per layer for ReLU; without it, it stays level."""
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((128, 16)), rng.integers(0, 3, 128)
    plain = nb04.gradient_norms_at_init(X, y, depth=12, norm=None, seeds=[0, 1], n_classes=3)
    bn = nb04.gradient_norms_at_init(X, y, depth=12, norm="batch", seeds=[0, 1], n_classes=3)
    assert plain.shape == bn.shape == (2, 12)
    per_layer = (bn[:, 0] / bn[:, -1]) ** (1 / 11)
    assert np.all((1.1 < per_layer) & (per_layer < 1.3))
    assert np.all(plain[:, 0] / plain[:, -1] < 3)
    with pytest.raises(ValueError, match="norm must be one of"):
        nb04.gradient_norms_at_init(X, y, depth=3, norm="group", seeds=[0])


def test_batch_norm_makes_the_gradient_change_less_along_the_training_path():
    """Santurkar et al. (2018): ||grad(w - lr g) - grad(w)|| / ||lr g|| along SGD's path;
    after the first epoch it grows for a plain ReLU MLP and falls with batch norm."""
    data = experiments.standardized_digits(seed=0)
    plain = nb04.gradient_smoothness(data, norm=None, seeds=[0, 1], epochs=3)
    bn = nb04.gradient_smoothness(data, norm="batch", seeds=[0, 1], epochs=3)
    assert plain.shape == bn.shape == (2, 3, 16)  # seeds x epochs x steps (batches of 64)
    last = {k: np.median(v[:, -1], axis=1) for k, v in (("plain", plain), ("bn", bn))}
    assert np.all(last["bn"] < 0.75 * last["plain"])
    with pytest.raises(ValueError, match="lr must be > 0"):
        nb04.gradient_smoothness(data, norm=None, seeds=[0], lr=0.0)


def test_batch_norm_with_constant_statistics_drops_only_the_terms_through_mean_and_variance():
    """Its forward is batch norm's (batch statistics); its backward is that of a batch norm
    whose mean and variance were fixed numbers: the same as evaluation mode with the running
    statistics set to this batch's, which is gradient-checked."""
    rng = np.random.default_rng(0)
    x, dout, gamma = rng.normal(2.0, 3.0, (16, 5)), rng.standard_normal((16, 5)), rng.uniform(
        0.5, 2.0, 5)
    held, full, fixed = nb04.BatchNormConstantStatistics(5), BatchNorm1d(5), BatchNorm1d(5).eval()
    for layer in (held, full, fixed):
        layer.params["gamma"][...] = gamma
    fixed.running_mean[...], fixed.running_var[...] = x.mean(axis=0), x.var(axis=0)
    out = held.forward(x)
    assert np.allclose(out, full.forward(x)) and np.allclose(out, fixed.forward(x))
    dx, dx_full = held.backward(dout), full.backward(dout)
    assert np.allclose(dx, fixed.backward(dout))
    assert all(np.allclose(held.grads[k], full.grads[k]) for k in ("gamma", "beta"))
    # through the statistics, the gradient loses its part along the batch mean; held, it keeps it
    assert np.allclose(dx_full.mean(axis=0), 0) and not np.allclose(dx.mean(axis=0), 0)


def test_the_gradient_still_explodes_with_the_batch_statistics_held_constant():
    """Yang et al.'s growth, about sqrt(pi / (pi - 1)) = 1.21 per layer for ReLU, comes from
    the division by the batch std, sqrt((pi - 1) / pi) = 0.83: it stays when backward treats the
    batch mean and variance as constants."""
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((128, 16)), rng.integers(0, 3, 128)
    kwargs = dict(depth=12, norm="batch", seeds=[0, 1], n_classes=3)
    held = nb04.gradient_norms_at_init(X, y, constant_statistics=True, **kwargs)
    full = nb04.gradient_norms_at_init(X, y, **kwargs)
    assert held.shape == (2, 12) and not np.allclose(held, full)
    per_layer = (held[:, 0] / held[:, -1]) ** (1 / 11)
    assert np.all((1.1 < per_layer) & (per_layer < 1.3))
    with pytest.raises(ValueError, match="constant_statistics=True needs norm='batch'"):
        nb04.gradient_norms_at_init(X, y, depth=3, norm="layer", seeds=[0],
                                    constant_statistics=True)


@pytest.mark.parametrize("scale", [1e200, "float32's largest"])
def test_huge_data_does_not_overflow_the_feature_statistics(scale):
    """Fuzz campaign: X * 1e200 or at float32's limits overflowed in square/reduce with a
    RuntimeWarning in offcentre_feature and batchnorm_trace."""
    X = np.random.default_rng(0).normal([0.0, 5.0], 1.0, (100, 2))
    if scale == "float32's largest":
        big = np.finfo(np.float32).max
        X = np.where(X > 0, big, -big).astype(np.float32)
        assert nb04.offcentre_feature(X) in (0, 1)
        trace = nb04.batchnorm_trace(X, batch_size=10, rng=np.random.default_rng(0))
        assert np.isfinite(trace["batch_mean"]).all() and np.isfinite(trace["gap"])
    else:
        assert nb04.offcentre_feature(X * scale) == nb04.offcentre_feature(X) == 1
        with pytest.raises(ValueError, match="X is too large for this model"):  # its variance
            nb04.batchnorm_trace(X * scale, batch_size=10, rng=np.random.default_rng(0))


def test_gradient_smoothness_names_lr_when_training_diverges():
    """Fuzz campaign: lr = 1e200 gave a layer's message that did not name lr."""
    with pytest.raises(ValueError, match=r"training diverged with lr = 1e\+200 .*lower lr"):
        nb04.gradient_smoothness(data.load_digits(seed=0), norm=None, seeds=[0], lr=1e200,
                                 epochs=1, width=8, depth=2)


def test_a_hard_coded_feature_count_never_passes_the_batchnorm_check():
    def four_features(x, gamma, beta, eps):
        x = np.asarray(x)[:, :4]
        return gamma[:4] * (x - x.mean(axis=0)) / np.sqrt(x.var(axis=0) + eps) + beta[:4]

    for _ in range(20):  # every draw, not only most
        assert not nb04.check_batchnorm_forward(four_features).correct


# --- deep dive: where normalization goes ----------------------------------------------------


def test_bn_relu_placement_is_the_courses_mlp_with_batch_norm():
    from helpers.models import mlp

    X = np.random.default_rng(1).standard_normal((32, 64))
    ours = nb04.placement_network("bn-relu", depth=3, rng=np.random.default_rng(0))
    theirs = mlp(64, [64] * 3, 10, rng=np.random.default_rng(0), norm="batch")
    assert [type(b.layers[1]).__name__ for b in ours.layers[:-1]] == ["BatchNorm1d"] * 3
    assert np.array_equal(ours.train().forward(X), theirs.train().forward(X))
    after = nb04.placement_network("relu-bn", depth=3, rng=np.random.default_rng(0))
    assert [type(layer).__name__ for layer in after.layers[0].layers] == [
        "Linear", "ReLU", "BatchNorm1d"]


def test_a_zero_gamma_residual_stack_passes_the_gradient_unchanged():
    """Goyal et al. (2017): with the last gamma of every branch at 0 each block is the
    identity at initialisation, forward and backward: the gradient at the input equals the
    gradient at the classifier's input exactly."""
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((64, 16)), rng.integers(0, 3, 64)
    kwargs = dict(depth=8, seeds=[0, 1], width=16, n_classes=3)
    zero = nb04.stream_gradient_norms(X, y, placement="residual-zero-gamma", **kwargs)
    one = nb04.stream_gradient_norms(X, y, placement="residual", **kwargs)
    assert zero.shape == one.shape == (2, 5)  # 4 blocks of two weight layers, then the top
    assert np.all(zero == zero[:, -1:])
    assert np.all(one[:, 0] > 1.2 * one[:, -1])  # gamma = 1: the branches add to the gradient
    net = nb04.placement_network("residual-zero-gamma", depth=2, rng=rng, n_in=16, width=16)
    assert np.allclose(net.train().layers[0].forward(X), X)  # the block is the identity
    with pytest.raises(ValueError, match="needs an even depth"):
        nb04.stream_gradient_norms(X, y, placement="residual", depth=3, seeds=[0], width=16,
                                   n_classes=3)
    with pytest.raises(ValueError, match="n_in equal to width"):
        nb04.placement_network("residual", depth=2, rng=rng, n_in=8, width=16)
    with pytest.raises(ValueError, match="placement must be one of"):
        nb04.placement_network("post-norm", depth=2, rng=rng)


def test_the_gradient_explodes_with_batch_norm_before_or_after_the_relu():
    """Both plain placements divide by a batch standard deviation on every layer: the
    gradient grows backward by roughly sqrt(pi / (pi - 1)) = 1.21 per layer either way."""
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((128, 16)), rng.integers(0, 3, 128)
    for placement in ("bn-relu", "relu-bn"):
        g = nb04.stream_gradient_norms(X, y, placement=placement, depth=16, seeds=[0, 1],
                                       width=32, n_classes=3)
        assert g.shape == (2, 17)
        per_layer = (g[:, 0] / g[:, -1]) ** (1 / 16)
        assert np.all((1.1 < per_layer) & (per_layer < 1.35)), placement


def test_plot_stream_gradients_spreads_the_points_over_the_weight_layers():
    ax = nb04.plot_stream_gradients({"plain": [[8.0, 4, 2, 1, 1]], "residual": [[2.0, 1, 1]]},
                                    depth=4)
    plain, residual = ax.get_lines()
    assert list(plain.get_xdata()) == [0, 1, 2, 3, 4] and list(residual.get_xdata()) == [0, 2, 4]
    assert ax.get_yscale() == "log" and residual.get_label() == "residual"
    with pytest.raises(ValueError, match="gradient norms > 0"):
        nb04.plot_stream_gradients({"a": [[1.0, 0.0]]}, depth=2)
    plt.close("all")


# --- deep dive: batch norm and weight decay --------------------------------------------------


def test_weights_before_batch_norm_are_scale_invariant():
    """van Laarhoven (2017): L(cW) = L(W), so dL/dW is orthogonal to W and scales like 1 / c;
    the bias before a batch norm has no effect at all. Without a normalisation, none of it."""
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((64, 16)), rng.integers(0, 3, 64)
    scales = [0.5, 1.0, 3.0]
    bn = nb04.scale_invariance(X, y, scales=scales, width=16, n_classes=3)
    assert np.allclose(bn["loss"], bn["loss"][1], rtol=1e-6)
    assert np.allclose(bn["grad_norm"] * scales, bn["grad_norm"][1], rtol=1e-4)
    assert np.all(np.abs(bn["cosine"]) < 1e-5) and np.all(bn["bias_grad_norm"] < 1e-12)
    plain = nb04.scale_invariance(X, y, scales=scales, width=16, n_classes=3, norm=None)
    assert np.ptp(plain["loss"]) > 0.01 and np.all(np.abs(plain["cosine"]) > 1e-3)
    assert np.all(plain["bias_grad_norm"] > 1e-3)
    with pytest.raises(ValueError, match="layer must be an integer in"):
        nb04.scale_invariance(X, y, scales=[1.0], layer=4, width=16, n_classes=3)
    for bad in ([], [1e308], [1.0, 1e-300]):
        with pytest.raises(ValueError, match="scales must hold factors between 1e-100 and"):
            nb04.scale_invariance(X, y, scales=bad, width=16, n_classes=3)


def test_sgd_only_lengthens_weights_before_batch_norm_and_weight_decay_shortens_them():
    """The gradient is orthogonal to W, so a plain SGD step gives ||W - lr g||^2 = ||W||^2 +
    lr^2 ||g||^2: the norm can only grow. Weight decay shrinks it (Hoffer et al. 2018)."""
    digits = experiments.standardized_digits(seed=0)
    kwargs = dict(seeds=[0, 1], steps=40, depth=2, width=16, lr=0.1)
    free = nb04.weight_norm_trajectory(digits, weight_decay=0.0, **kwargs)
    decayed = nb04.weight_norm_trajectory(digits, weight_decay=0.1, **kwargs)
    assert free["norms"].shape == (2, 41, 2) and free["cosines"].shape == (2, 40, 2)
    assert np.all(np.diff(free["norms"], axis=1) >= 0)  # never shorter, at any step
    assert np.all(np.abs(free["cosines"]) < 1e-3) and np.all(np.abs(decayed["cosines"]) < 1e-2)
    assert np.array_equal(free["norms"][:, 0], decayed["norms"][:, 0])  # the same start
    shrink = (1 - 0.1 * 0.1) ** 40  # the decay alone, if the gradient did not push outwards
    assert np.all(decayed["norms"][:, -1] < 0.8 * free["norms"][:, -1])
    assert np.all(decayed["norms"][:, -1] >= shrink * decayed["norms"][:, 0] * 0.999)
    assert free["val_acc"].shape == (2,) and np.all(free["val_acc"] > 0.5)
    with pytest.raises(ValueError, match="weight_decay must be >= 0"):
        nb04.weight_norm_trajectory(digits, weight_decay=-1.0, seeds=[0], steps=1)
