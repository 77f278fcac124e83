"""helpers.training and helpers.diagnostics: fit, its history, determinism, dead units."""

import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier

from helpers import diagnostics
from helpers.data import load_digits
from helpers.layers import BatchNorm1d, Dropout, Linear, ReLU, Sequential
from helpers.losses import check_labels, softmax_cross_entropy
from helpers.optim import SGD, Adam
from helpers.scalers import StandardScaler
from helpers.training import DivergedError, evaluate, fit


@pytest.fixture(scope="module")
def digits():
    d = load_digits(seed=0)
    scaler = StandardScaler().fit(d.X_train)
    return d, scaler.transform(d.X_train), scaler.transform(d.X_val), scaler.transform(d.X_test)


def mlp(hidden, seed, n_in=64, n_out=10, extra=None):
    rng = np.random.default_rng(seed)
    layers, width = [], n_in
    for h in hidden:
        layers += [Linear(width, h, rng=rng), *(extra(h) if extra else []), ReLU()]
        width = h
    return Sequential(*layers, Linear(width, n_out, rng=rng, init="glorot"))


def train(seed, digits, hidden=(128, 128), epochs=15, **kwargs):
    d, Xtr, Xva, _ = digits
    net = mlp(hidden, seed, **kwargs)
    history = fit(net, Adam(net, lr=1e-3), Xtr, d.y_train, X_val=Xva, y_val=d.y_val,
                  epochs=epochs, batch_size=32, rng=np.random.default_rng(seed),
                  callbacks={"dead": lambda m: diagnostics.dead_fractions(m, Xtr)})
    return net, history


def test_history_layout(digits):
    _, history = train(0, digits, hidden=(16,), epochs=3)
    assert history["epoch"] == [0, 1, 2, 3]
    for key in ("train_loss", "train_acc", "val_loss", "val_acc", "dead"):
        assert len(history[key]) == 4
    assert history["train_loss"][-1] < history["train_loss"][0]
    assert history["dead"][0].shape == (1,)


def test_same_seed_gives_bit_identical_histories(digits):
    a = train(3, digits, hidden=(32, 32), epochs=3)[1]
    b = train(3, digits, hidden=(32, 32), epochs=3)[1]
    c = train(4, digits, hidden=(32, 32), epochs=3)[1]
    assert a["train_loss"] == b["train_loss"] and a["val_acc"] == b["val_acc"]
    assert all(np.array_equal(x, y) for x, y in zip(a["dead"], b["dead"], strict=True))
    assert a["train_loss"] != c["train_loss"]


def test_relu_mlp_matches_scikit_learn_on_digits(digits):
    """Same hidden sizes (128, 128), same optimiser (Adam, lr 1e-3, batch 32), 3 seeds each."""
    d, Xtr, _, Xte = digits
    ours, theirs = [], []
    for seed in range(3):
        net, _ = train(seed, digits)
        ours.append(evaluate(net, Xte, d.y_test)[1])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            clf = MLPClassifier((128, 128), alpha=0.0, batch_size=32, max_iter=15,
                                random_state=seed).fit(Xtr, d.y_train)
        theirs.append(clf.score(Xte, d.y_test))
    assert np.mean(ours) > 0.95 and abs(np.mean(ours) - np.mean(theirs)) < 0.02


def test_dead_units_are_exactly_those_with_zero_gradient(digits):
    d, Xtr, _, _ = digits
    net = mlp((32,), 0)
    net.layers[0].params["b"][:8] = -50.0  # eight units pushed far into the negative
    masks = diagnostics.dead_unit_masks(net, Xtr)
    assert masks[0][:8].all() and masks[0].sum() >= 8
    fit(net, SGD(net, lr=0.1), Xtr, d.y_train, epochs=2, batch_size=64,
        rng=np.random.default_rng(0))
    # never revived, and their incoming weights never changed after death
    assert diagnostics.dead_unit_masks(net, Xtr)[0][masks[0]].all()
    net.forward(Xtr)
    net.backward(softmax_cross_entropy(net.forward(Xtr), d.y_train)[1])
    assert np.all(net.layers[0].grads["W"][:, masks[0]] == 0)
    assert np.all(net.layers[0].grads["b"][masks[0]] == 0)


def test_dead_is_not_the_same_as_sparse():
    net = Sequential(Linear(1, 2, rng=np.random.default_rng(0)), ReLU())
    net.layers[0].params["W"][:] = [[1.0, 1.0]]
    net.layers[0].params["b"][:] = [-0.5, -5.0]
    X = np.array([[0.0], [0.1], [0.2], [1.0]])  # unit 0 fires once: sparse, not dead
    assert diagnostics.dead_unit_masks(net, X)[0].tolist() == [False, True]
    assert diagnostics.near_zero_fractions(net, X, threshold=0.2).tolist() == [1.0]


def test_activation_statistics_and_gradient_norms(digits):
    d, Xtr, _, _ = digits
    net = mlp((64, 64), 0)
    stats = diagnostics.activation_statistics(net, Xtr)
    assert stats["layer"].tolist() == ["1", "3"] and (stats["std"] > 0).all()
    net.backward(softmax_cross_entropy(net.forward(Xtr), d.y_train)[1])
    norms = diagnostics.gradient_norms(net)
    assert list(norms) == ["0.W", "2.W", "4.W"] and all(v > 0 for v in norms.values())


def test_mode_is_restored_after_evaluation(digits):
    d, Xtr, _, _ = digits
    net = mlp((16,), 0, extra=lambda h: [BatchNorm1d(h),
                                         Dropout(0.5, rng=np.random.default_rng(0))])
    evaluate(net, Xtr, d.y_train)
    diagnostics.dead_fractions(net, Xtr)
    assert net.training and all(layer.training for layer in net.layers)
    net.eval()
    evaluate(net, Xtr, d.y_train)
    assert not net.training


@pytest.mark.parametrize(
    "kwargs,error,match",
    [
        ({"X_train": np.full((4, 64), np.nan)}, ValueError, "X_train holds NaN or inf"),
        ({"y_train": np.array([0, 1, 2, 10])}, ValueError,
         r"y_train must be in \[0, 10\) for 10 classes"),
        ({"X_train": np.zeros((0, 64)), "y_train": np.zeros(0, int)}, ValueError,
         r"X_train must have shape \(N, D\) with N >= 1"),
        ({"epochs": -1}, ValueError, "epochs must be an integer >= 0"),
        ({"epochs": 2**64}, ValueError,  # fuzz campaign: this hung
         r"epochs must be an integer <= 1_000_000 \(a loop this long would not finish\)"),
        ({"batch_size": 2**64}, ValueError, r"batch_size must be an integer <= 2\*\*31"),
        # fuzz campaign: a layer's overflow message named its own x, not X_train
        ({"X_train": np.full((4, 64), 1e200)}, DivergedError,
         r"training diverged after 1 updates .* rescale X_train .*up to 1e\+200"),
        ({"X_train": np.full((4, 64), np.finfo(np.float32).max, np.float32)}, DivergedError,
         "X_train is too large for this model: before any update"),
        ({"batch_size": 0}, ValueError, "batch_size must be an integer >= 1"),
        ({"X_val": np.zeros((2, 64))}, ValueError, "give both X_val and y_val"),
        ({"X_train": np.zeros((4, 63))}, ValueError,
         r"X_train has 63 features \(columns\), but the model expects 64"),
    ],
)
def test_bad_input(kwargs, error, match):
    net = mlp((8,), 0)
    args = {"X_train": np.zeros((4, 64)), "y_train": np.array([0, 1, 2, 3]), "epochs": 1,
            "batch_size": 2, "rng": np.random.default_rng(0), **kwargs}
    with pytest.raises(error, match=match):
        fit(net, SGD(net, lr=0.1), **args)


def test_parameter_count_and_prelu_slopes():
    from helpers.models import mlp as build

    net = build(64, [32, 32], 10, rng=np.random.default_rng(0), activation="prelu")
    assert diagnostics.parameter_count(net) == 64 * 32 + 32 + 32 * 32 + 32 + 32 * 10 + 10 + 64
    assert diagnostics.parameter_count(net, "negative_slope") == 64
    slopes = diagnostics.prelu_slopes(net)
    assert [s.tolist() for s in slopes] == [[0.25] * 32] * 2
    slopes[0][0] = 9.0  # a copy: the model is untouched
    assert net.layers[1].params["negative_slope"][0] == 0.25
    relu_net = build(4, [3], 2, rng=np.random.default_rng(0))
    assert diagnostics.parameter_count(relu_net, "negative_slope") == 0  # none: an answer
    with pytest.raises(ValueError, match="name must be one of"):
        diagnostics.parameter_count(relu_net, "weights")  # no layer has it: a typo


def test_layer_output_statistics_in_both_modes():
    from helpers.layers import Dropout as Drop
    from helpers.models import mlp as build

    net = build(20, [50] * 3, 2, rng=np.random.default_rng(0), activation="selu", dropout=0.5,
                dropout_kind="standard")
    assert sum(isinstance(layer, Drop) for layer in net.layers) == 3
    X = np.random.default_rng(1).standard_normal((500, 20))
    train_stats = diagnostics.layer_output_statistics(net, X, Drop, training=True)
    eval_stats = diagnostics.layer_output_statistics(net, X, Drop)
    assert train_stats["layer"].tolist() == ["2", "5", "8"]
    assert train_stats["var"][0] > 1.5 * eval_stats["var"][0]  # inverted dropout adds variance
    assert net.training  # restored


def test_evaluate_frees_the_layer_caches():
    from helpers.layers import Linear, ReLU, Sequential

    rng = np.random.default_rng(0)
    net = Sequential(Linear(4, 8, rng=rng), ReLU(), Linear(8, 3, rng=rng))
    X, y = rng.standard_normal((50, 4)), rng.integers(0, 3, 50)
    evaluate(net, X, y)
    assert all(layer._cache is None for layer in net.layers)
    with pytest.raises(RuntimeError, match="backward was called before forward"):
        net.backward(np.ones((50, 3)))


def _small_problem():
    rng = np.random.default_rng(0)
    net = Sequential(Linear(4, 6, rng=rng), BatchNorm1d(6), ReLU(), Linear(6, 3, rng=rng))
    return net, rng.standard_normal((5, 4)), rng.integers(0, 3, 5), rng


def test_an_odd_number_of_samples_with_batch_size_2_never_makes_a_batch_of_one():
    net, X, y, rng = _small_problem()
    history = fit(net, SGD(net, lr=0.1), X, y, epochs=3, batch_size=2, rng=rng)
    assert len(history["train_loss"]) == 4


@pytest.mark.parametrize("call,error,match", [
    (lambda net, X, y, rng: fit(net, SGD(_small_problem()[0], lr=0.1), X, y, epochs=1,
                                batch_size=2, rng=rng), ValueError,
     "optimizer must be built on this model"),
    (lambda net, X, y, rng: fit(None, SGD(net, lr=0.1), X, y, epochs=1, batch_size=2, rng=rng),
     TypeError, r"model must be a helpers.layers.Layer"),
    (lambda net, X, y, rng: fit(net, SGD(net, lr=0.1), X, y, epochs=1, batch_size=2, rng=rng,
                                callbacks=["a"]), TypeError,
     "callbacks must be a dict name -> function of the model"),
    (lambda net, X, y, rng: fit(net, SGD(net, lr=0.1), X, np.full(5, 1e30), epochs=1,
                                batch_size=2, rng=rng), ValueError,
     r"y_train must be in \[0, 3\) for 3 classes; got values from 1e\+30 to 1e\+30"),
])
def test_bad_fit_arguments_get_clear_errors(call, error, match):
    net, X, y, rng = _small_problem()
    with pytest.raises(error, match=match):
        call(net, X, y, rng)


def test_warmup_ramps_the_learning_rate_linearly_then_restores_it():
    net, X, y, rng = _small_problem()
    seen = []

    class Spy(SGD):
        def step(self):
            seen.append(self.lr)
            super().step()

    opt = Spy(net, lr=0.3)
    fit(net, opt, X, y, epochs=3, batch_size=2, rng=rng, warmup_steps=4)
    assert seen[:5] == pytest.approx([0.075, 0.15, 0.225, 0.3, 0.3])
    assert all(lr == 0.3 for lr in seen[4:]) and opt.lr == 0.3
    with pytest.raises(ValueError, match="warmup_steps must be an integer >= 0"):
        fit(net, opt, X, y, epochs=1, batch_size=2, rng=rng, warmup_steps=-1)


def test_hidden_weight_gradient_norms_of_one_batch():
    from helpers.models import mlp

    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((16, 5)), rng.integers(0, 3, 16)
    net = mlp(5, [4, 4], 3, rng=rng, norm="batch").eval()
    norms = diagnostics.hidden_weight_gradient_norms(net, X, y)
    assert net.training is False  # the mode is restored
    net.train()
    _, dlogits = softmax_cross_entropy(net.forward(X), y)
    net.backward(dlogits)
    expected = [np.linalg.norm(layer.grads["W"]) for layer in net.layers
                if isinstance(layer, Linear)][:-1]
    assert norms.tolist() == pytest.approx(expected)


# --- issue 29: no silent wrong answers, round 3 ------------------------------------------------

class BatchSizes(Sequential):
    """A Sequential that notes the size of every training batch it sees."""

    def forward(self, x):
        if self.training:
            self.sizes.append(len(x))
        return super().forward(x)


def _recording(*layers):
    net = BatchSizes(*layers)
    net.sizes = []
    return net


@pytest.mark.parametrize("batch_size,n,expected", [(1, 5, [1] * 5), (2, 5, [2, 2, 1]),
                                                   (3, 7, [3, 2, 2])])
def test_fit_trains_on_the_batches_asked_for_without_batch_norm(batch_size, n, expected):
    rng = np.random.default_rng(0)
    net = _recording(Linear(4, 6, rng=rng), ReLU(), Linear(6, 3, rng=rng))
    X, y = rng.standard_normal((n, 4)), rng.integers(0, 3, n)
    fit(net, SGD(net, lr=0.1), X, y, epochs=2, batch_size=batch_size, rng=rng)
    assert sorted(net.sizes[:len(expected)], reverse=True) == expected
    assert len(net.sizes) == 2 * len(expected)


@pytest.mark.parametrize("batch_size,n,expected", [(1, 5, [3, 2]), (2, 5, [3, 2]),
                                                   (1, 6, [2, 2, 2])])
def test_with_batch_norm_at_any_depth_fit_never_makes_a_batch_of_one(batch_size, n, expected):
    from helpers.layers import Residual

    rng = np.random.default_rng(0)
    net = _recording(Linear(4, 6, rng=rng),
                     Residual(Sequential(Linear(6, 6, rng=rng), BatchNorm1d(6), ReLU())),
                     Linear(6, 3, rng=rng))
    X, y = rng.standard_normal((n, 4)), rng.integers(0, 3, n)
    fit(net, SGD(net, lr=0.1), X, y, epochs=1, batch_size=batch_size, rng=rng)
    assert sorted(net.sizes, reverse=True) == expected


def test_fit_and_evaluate_accept_nested_models():
    from helpers.layers import Residual

    rng = np.random.default_rng(0)
    net = Sequential(Sequential(Linear(4, 6, rng=rng), ReLU()),
                     Residual(Sequential(Linear(6, 6, rng=rng), ReLU())),
                     Sequential(Linear(6, 3, rng=rng)))
    X, y = rng.standard_normal((20, 4)), rng.integers(0, 3, 20)
    loss, acc = evaluate(net, X, y)
    assert np.isfinite(loss) and 0 <= acc <= 1
    history = fit(net, SGD(net, lr=0.1), X, y, epochs=2, batch_size=5, rng=rng)
    assert history["train_loss"][-1] < history["train_loss"][0]
    with pytest.raises(ValueError, match=r"X has 5 features \(columns\), but the model expects 4"):
        evaluate(net, np.ones((3, 5)), [0, 1, 2])
    with pytest.raises(ValueError, match=r"y must be in \[0, 3\) for 3 classes"):
        evaluate(net, X, np.full(20, 3))


@pytest.mark.parametrize("bad,error,match", [
    (None, TypeError, r"y must be the labels of X"),
    (np.ma.masked_array(np.zeros(4, int), mask=[1, 0, 0, 0]), TypeError,
     "y is a masked array"),
    ([0, None, 1, 2], TypeError, r"y must be integers \(class indices\); got None"),
    ([0, 1], ValueError, r"y must have shape \(4,\), one class index per row of X"),
])
def test_the_labels_error_names_y(bad, error, match):
    net = mlp((8,), 0)
    with pytest.raises(error, match=match):
        evaluate(net, np.zeros((4, 64)), bad)


def test_check_data_names_the_labels_y_whatever_x_is_called():
    from helpers.training import check_data

    with pytest.raises(TypeError, match=r"^y must be integers") as caught:
        check_data(np.zeros((2, 3)), ["a", "b"], "features")
    assert "features must" not in str(caught.value)
    with pytest.raises(ValueError, match=r"^y_val must have shape \(2,\)"):
        check_data(np.zeros((2, 3)), [0], "X_val")
    with pytest.raises(TypeError, match=r"^y must be integers \(class indices\), one per row "
                       "of X; got NoneType None"):  # None, not "ragged"
        check_labels(None, 2, name="y")


# ---------------------------------------------------------------- steps, batch loss, patience


def test_the_history_counts_steps_and_the_mean_batch_loss(digits):
    d, Xtr, Xva, _ = digits
    X, y = Xtr[:960], d.y_train[:960]  # 30 batches of exactly 32
    net = mlp((16,), 0)
    history = fit(net, SGD(net, lr=1e-300), X, y, X_val=Xva, y_val=d.y_val, epochs=2,
                  batch_size=32, rng=np.random.default_rng(0))
    assert history["step"] == [0, 30, 60]
    assert np.isnan(history["batch_loss"][0])
    # lr 1e-300: nothing moves, so the mean of 30 equal batches' losses is the loss of all of X
    assert history["batch_loss"][1] == pytest.approx(history["train_loss"][0], rel=1e-12)


def test_patience_stops_when_validation_stops_improving(digits):
    d, Xtr, Xva, _ = digits
    net = mlp((16,), 0)
    history = fit(net, Adam(net, lr=0.3), Xtr, d.y_train, X_val=Xva, y_val=d.y_val,
                  epochs=60, batch_size=32, rng=np.random.default_rng(0), patience=3,
                  record_train=False)
    val = history["val_acc"]
    assert len(val) < 61  # stopped early
    assert len(val) - 1 - int(np.argmax(val)) == 3  # exactly when the best was 3 epochs old
    assert all(len(v) == len(val) for v in history.values())


def test_patience_needs_a_validation_set(digits):
    d, Xtr, _, _ = digits
    net = mlp((4,), 0)
    with pytest.raises(ValueError, match="patience stops on the validation accuracy"):
        fit(net, SGD(net, lr=0.1), Xtr, d.y_train, epochs=1, batch_size=32,
            rng=np.random.default_rng(0), patience=2)
    with pytest.raises(ValueError, match="patience must be an integer >= 1"):
        fit(net, SGD(net, lr=0.1), Xtr, d.y_train, X_val=Xtr, y_val=d.y_train, epochs=1,
            batch_size=32, rng=np.random.default_rng(0), patience=0)


def test_evaluate_names_X_when_the_forward_pass_overflows():
    """Fuzz campaign: X at float32's limits gave a layer's message naming x, not X."""
    X = np.full((4, 64), np.finfo(np.float32).max, np.float32)
    with pytest.raises(DivergedError, match="X is too large for this model"):
        evaluate(mlp((8,), 0), X, np.array([0, 1, 2, 3]))


def test_float16_labels_are_checked_without_an_overflow_warning():
    """Fuzz campaign: comparing float16 labels with 2**31 overflowed in a cast (a warning)."""
    from helpers.losses import check_labels
    assert check_labels(np.array([0, 1], np.float16), 2).tolist() == [0, 1]
