"""helpers.experiments: standardised splits and repeated training runs."""

import numpy as np
import pytest

from helpers import experiments
from helpers.data import load_digits


@pytest.fixture(scope="module")
def digits():
    return experiments.standardized_digits(seed=0)


def test_standardized_uses_training_statistics_only(digits):
    raw = load_digits(seed=0)
    assert np.allclose(digits.X_train.mean(axis=0), 0, atol=1e-12)
    mean, std = raw.X_train.mean(axis=0), raw.X_train.std(axis=0)
    std[std == 0] = 1
    assert np.allclose(digits.X_test, (raw.X_test - mean) / std)
    with pytest.raises(TypeError, match="split must be a helpers.data.Split"):
        experiments.standardized((raw.X_train, raw.y_train))


def test_train_mlp_is_reproducible_and_reports_accuracy(digits):
    a = experiments.train_mlp(digits, seed=1, hidden=(16,), epochs=3)
    b = experiments.train_mlp(digits, seed=1, hidden=(16,), epochs=3)
    assert a.history["val_acc"] == b.history["val_acc"] and a.test_acc == b.test_acc
    assert 0.5 < a.test_acc <= 1 and a.seconds_per_epoch > 0 and not a.diverged


def test_setup_and_sgd(digits):
    calls = []
    run = experiments.train_mlp(digits, seed=0, hidden=(8,), epochs=1, optimizer="sgd",
                                lr=0.1, setup=calls.append)
    assert calls == [run.model]


def test_divergence_is_reported(digits):
    run = experiments.train_mlp(digits, seed=0, hidden=(64, 64), epochs=2, optimizer="sgd",
                                lr=20.0, momentum=0.9)
    assert run.diverged and np.isnan(run.test_acc)
    (mean, *_), n_diverged = experiments.accuracy_summary([run])
    assert np.isnan(mean) and n_diverged == 1


def test_repeat_and_summary(digits):
    runs = experiments.repeat(digits, [0, 1], hidden=(8,), epochs=1)
    (mean, std, low, high), n_diverged = experiments.accuracy_summary(runs)
    assert low <= mean <= high and std >= 0 and n_diverged == 0
    with pytest.raises(ValueError, match="optimizer must be one of"):
        experiments.train_mlp(digits, seed=0, optimizer="rmsprop")


def test_weight_decay_exclusion_reaches_the_optimizer(digits):
    kwargs = {"seed": 0, "hidden": (16,), "epochs": 2, "activation": "prelu",
              "optimizer": "sgd", "lr": 0.0001, "momentum": 0.0, "weight_decay": 50.0}
    kept = experiments.train_mlp(digits, **kwargs)
    decayed = experiments.train_mlp(digits, no_decay=(), **kwargs)
    assert abs(kept.model.layers[1].params["negative_slope"].mean() - 0.25) < 0.05
    assert decayed.model.layers[1].params["negative_slope"].mean() < 0.2


def test_sweep_groups_runs_by_label_in_seed_order(digits):
    runs = experiments.sweep(digits, {"a": {"hidden": (8,)}, "b": {"hidden": (4,)}}, [0, 1],
                             epochs=1)
    assert list(runs) == ["a", "b"] and [len(v) for v in runs.values()] == [2, 2]
    alone = experiments.train_mlp(digits, seed=1, hidden=(4,), epochs=1)
    assert runs["b"][1].test_acc == alone.test_acc
    with pytest.raises(TypeError, match="configs must be a non-empty dict"):
        experiments.sweep(digits, [], [0])


def test_scaled_applies_one_fitted_scaler_to_every_split(digits):
    from helpers.scalers import MinMaxScaler

    raw = load_digits(seed=0)
    scaler = MinMaxScaler().fit(raw.X_train)
    out = experiments.scaled(raw, scaler)
    assert np.array_equal(out.X_test, scaler.transform(raw.X_test))
    assert out.y_test is raw.y_test
    with pytest.raises(TypeError, match="split must be a helpers.data.Split"):
        experiments.scaled(raw.X_train, scaler)


def test_nudge_moves_every_first_layer_weight_by_one_ulp(digits):
    model = experiments.train_mlp(digits, seed=0, hidden=(8,), epochs=0).model
    before = model.layers[0].params["W"].copy()
    experiments.nudge_first_layer(model)
    after = model.layers[0].params["W"]
    assert np.all(after > before) and np.array_equal(np.nextafter(before, np.inf), after)


def test_perturbation_study_separates_stable_from_chaotic_training(digits):
    study = experiments.perturbation_study(digits, [1e-3, 3e-2], [0], epochs=12)
    stable, chaotic = study[1e-3][0], study[3e-2][0]
    assert stable["distance"].shape == (13,) and stable["distance"][0] < 1e-15
    assert stable["distance"].max() < 1e-14 and stable["disagreement"] == 0
    assert chaotic["distance"][-1] > 1e-3  # grew by at least 12 orders of magnitude


@pytest.mark.parametrize("call,error,match", [
    (lambda d: experiments.repeat(d, 5, epochs=1), TypeError,
     r"seeds must be a sequence, e.g. seeds=\[0, 1, 2\]; got int 5"),
    (lambda d: experiments.train_mlp(None, seed=0), TypeError,
     "data must be a helpers.data.Split"),
    (lambda d: experiments.train_mlp(d, seed=-1), ValueError, "seed must be an integer >= 0"),
])
def test_bad_experiment_arguments(digits, call, error, match):
    with pytest.raises(error, match=match):
        call(digits)


def test_nudge_finds_the_first_layer_inside_a_residual_block():
    """Issue 29: layers are found by type at any depth, not among the top-level layers."""
    from helpers.models import mlp

    model = mlp(8, [8, 8], 3, rng=np.random.default_rng(0), residual=True)
    assert type(model.layers[0]).__name__ == "Residual"
    first, output = model.layers[0].block.layers[0], model.layers[-1]
    before, output_before = first.params["W"].copy(), output.params["W"].copy()
    experiments.nudge_first_layer(model)
    assert np.array_equal(first.params["W"], np.nextafter(before, np.inf))
    assert np.array_equal(output.params["W"], output_before)  # not the output layer
