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
    assert abs(kept.model.layers[1].params["alpha"].mean() - 0.25) < 0.05
    assert decayed.model.layers[1].params["alpha"].mean() < 0.2
