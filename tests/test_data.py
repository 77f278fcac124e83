"""helpers.data: bundled data sets, seeded stratified splits."""

import numpy as np
import pytest
from sklearn import datasets

from helpers.data import load_digits, load_wine


@pytest.mark.parametrize("loader,n,d,c", [(load_digits, 1797, 64, 10), (load_wine, 178, 13, 3)])
def test_split_sizes_disjoint_and_complete(loader, n, d, c):
    s = loader(seed=0)
    sizes = [len(s.y_train), len(s.y_val), len(s.y_test)]
    assert sum(sizes) == n and s.n_features == d and s.n_classes == c
    assert abs(sizes[1] / n - 0.2) < 0.02 and abs(sizes[2] / n - 0.2) < 0.02
    # together the three splits are exactly the data set, each sample once
    rows = np.vstack([s.X_train, s.X_val, s.X_test])
    labels = np.concatenate([s.y_train, s.y_val, s.y_test])
    bunch = getattr(datasets, loader.__name__)()
    assert sorted(map(tuple, np.column_stack([rows, labels]))) == sorted(
        map(tuple, np.column_stack([bunch.data, bunch.target])))
    assert s.X_train.dtype == np.float64 and s.y_train.dtype.kind == "i"


def test_same_seed_same_split_other_seed_other_split():
    a, b, c = load_digits(seed=1), load_digits(seed=1), load_digits(seed=2)
    assert np.array_equal(a.X_train, b.X_train) and np.array_equal(a.y_test, b.y_test)
    assert not np.array_equal(a.X_train, c.X_train)


def test_stratified():
    s = load_digits(seed=0)
    for y in (s.y_train, s.y_val, s.y_test):
        assert np.bincount(y, minlength=10).min() >= 0.09 * len(y)


def test_digits_are_raw_pixel_values():
    s = load_digits(seed=0)
    assert s.X_train.min() == 0 and s.X_train.max() == 16


@pytest.mark.parametrize(
    "kwargs,error,match",
    [
        ({"seed": -1}, ValueError, "seed must be an integer >= 0"),
        ({"seed": 0, "val_size": 0.5, "test_size": 0.5}, ValueError, "must be < 1"),
        ({"seed": 0, "test_size": 0}, ValueError, "test_size must be > 0"),
    ],
)
def test_bad_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        load_digits(**kwargs)
