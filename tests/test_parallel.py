"""helpers.parallel: the same results with any number of workers, and clear errors."""

import functools

import numpy as np
import pytest

from helpers import experiments, parallel


def _square(x):
    return x * x


def test_results_in_order_with_and_without_workers():
    items = list(range(7))
    assert parallel.parallel_map(_square, items, workers=1) == [x * x for x in items]
    assert parallel.parallel_map(_square, items, workers=2) == [x * x for x in items]


def test_training_runs_are_bit_identical_whatever_the_number_of_workers():
    data = experiments.standardized_digits(seed=0)
    job = functools.partial(experiments.train_mlp, data, hidden=(16,), epochs=2, lr=0.03)
    serial = [job(seed=s) for s in (0, 1, 2)]
    spread = experiments.repeat(data, (0, 1, 2), hidden=(16,), epochs=2, lr=0.03)
    for a, b in zip(serial, spread, strict=True):
        assert a.test_acc == b.test_acc
        for key, value in a.model.params.items():
            assert np.array_equal(value, b.model.params[key])


def test_a_lambda_gets_a_clear_error():
    with pytest.raises(TypeError, match="fn must be picklable.*not a lambda"):
        parallel.parallel_map(lambda x: x, [1, 2], workers=2)
    assert parallel.parallel_map(lambda x: x, [1, 2], workers=1) == [1, 2]  # no pickling


def test_errors_in_workers_reach_the_caller():
    with pytest.raises(ValueError, match="math domain error"):
        parallel.parallel_map(_sqrt_of, [4.0, -1.0], workers=2)


def _sqrt_of(x):
    import math

    return math.sqrt(x)


def test_worker_count_from_the_environment(monkeypatch):
    monkeypatch.setenv("HELPERS_WORKERS", "1")
    assert parallel.default_workers() == 1
    monkeypatch.setenv("HELPERS_WORKERS", "two")
    with pytest.raises(ValueError, match="HELPERS_WORKERS must be a whole number >= 1; got 'two'"):
        parallel.default_workers()
    monkeypatch.setenv("HELPERS_WORKERS", "0")
    with pytest.raises(ValueError, match="HELPERS_WORKERS must be a whole number >= 1; got '0'"):
        parallel.default_workers()
    with pytest.raises(ValueError, match="workers must be an integer >= 1"):
        parallel.parallel_map(_square, [1], workers=0)
