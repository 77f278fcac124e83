"""helpers.data: bundled data sets, seeded stratified splits."""

import numpy as np
import pytest
from sklearn import datasets

from helpers.data import load_digits, load_mnist1d, load_wine

# MNIST-1D as the mnist1d package generates it (make_dataset, default arguments, seed 42)
EXPECTED_FIRST_TEST_VALUES = [-0.078771, -0.210732, -0.091751]


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
        ({"seed": -1}, ValueError, r"seed must be an integer in \[0, 4294967295\]; got -1"),
        ({"seed": 0, "val_size": 0.5, "test_size": 0.5}, ValueError, "must be < 1"),
        ({"seed": 0, "test_size": 0}, ValueError, "test_size must be > 0"),
    ],
)
def test_bad_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        load_digits(**kwargs)


def test_mnist1d_is_generated_with_the_papers_split_and_a_validation_split():
    s = load_mnist1d(seed=0)
    assert (len(s.y_train), len(s.y_val), len(s.y_test)) == (3200, 800, 1000)  # 4,000 + 1,000
    assert s.n_features == 40 and s.n_classes == 10
    assert s.X_train.dtype == np.float64 and s.y_train.dtype.kind == "i"
    for y in (s.y_train, s.y_val):  # stratified; the test split is the paper's, nearly balanced
        assert np.bincount(y, minlength=10).min() >= 0.09 * len(y)
    assert np.bincount(s.y_test, minlength=10).min() >= 0.08 * len(s.y_test)


def test_mnist1d_is_identical_from_run_to_run_and_leaves_numpys_global_state_alone():
    np.random.seed(123)  # noqa: NPY002 (the global state the loader must not disturb)
    before = np.random.get_state()[1].copy()  # noqa: NPY002
    a = load_mnist1d(seed=0)
    # the generator's seeding is undone
    assert np.array_equal(np.random.get_state()[1], before)  # noqa: NPY002
    b, c = load_mnist1d(seed=0), load_mnist1d(seed=1)
    assert np.array_equal(a.X_train, b.X_train) and np.array_equal(a.X_test, b.X_test)
    assert not np.array_equal(a.X_train, c.X_train)  # another validation split
    # the same test sequences, scaled with each seed's own training split
    ga, gc = (load_mnist1d(seed=s, standardize="generator") for s in (0, 1))
    assert np.array_equal(ga.X_test, gc.X_test) and np.array_equal(a.y_test, c.y_test)
    # the same data as the package's own generator: the first test sequence, to 6 decimals
    generated = load_mnist1d(seed=0, standardize="generator")
    assert np.round(generated.X_test[0, :3], 6).tolist() == EXPECTED_FIRST_TEST_VALUES


def test_mnist1d_is_standardised_with_the_training_split_only():
    a, g = load_mnist1d(seed=0), load_mnist1d(seed=0, standardize="generator")
    assert abs(a.X_train.mean()) < 1e-12 and abs(a.X_train.std() - 1) < 1e-12
    # the generator's statistics came from all 5,000 sequences: the test split's among them
    pooled = np.concatenate([g.X_train, g.X_val, g.X_test])
    assert abs(pooled.mean()) < 1e-12 and abs(pooled.std() - 1) < 1e-12
    assert abs(g.X_train.mean()) > 1e-4  # so the training split alone was not centred
    # the same affine map (two numbers) for every split: nothing else changed
    scale = g.X_train.std()
    for x, y in ((a.X_train, g.X_train), (a.X_val, g.X_val), (a.X_test, g.X_test)):
        np.testing.assert_allclose(x, (y - g.X_train.mean()) / scale, rtol=0, atol=1e-12)
    with pytest.raises(ValueError, match="standardize"):
        load_mnist1d(seed=0, standardize="all")


def test_mnist1d_rejects_a_bad_validation_size():
    with pytest.raises(ValueError, match="val_size"):
        load_mnist1d(seed=0, val_size=1.0)


# --- issue 29: no silent wrong answers, round 3 ------------------------------------------------

@pytest.mark.parametrize("loader", [load_digits, load_wine, load_mnist1d])
def test_a_seed_beyond_scikit_learns_range_gets_our_message(loader):
    with pytest.raises(ValueError, match=r"seed must be an integer in \[0, 4294967295\]; got "
                       "4294967296"):
        loader(seed=2**32)
    assert loader(seed=2**32 - 1).n_classes >= 3  # the largest seed is fine


@pytest.mark.parametrize("loader,kwargs,match", [
    (load_digits, {"val_size": 1e-6}, r"val_size = 1e-06 leaves 1 validation sample of 1797, "
     r"fewer than the 10 classes \(the split is stratified: each class needs one\); use "
     r"val_size >= 0.005"),
    (load_digits, {"test_size": 0.001}, r"test_size = 0.001 leaves 2 test samples of 1797, "
     r"fewer than the 10 classes"),
    (load_wine, {"val_size": 0.01}, r"val_size = 0.01 leaves 2 validation samples of 178, "
     r"fewer than the 3 classes"),
    (load_digits, {"val_size": 0.5, "test_size": 0.497}, r"val_size \+ test_size = 0.997 "
     r"leave 5 training samples of 1797, fewer than the 10 classes"),
    (load_mnist1d, {"val_size": 1e-4}, r"val_size = 0.0001 leaves 1 validation sample of 4000, "
     r"fewer than the 10 classes"),
    (load_mnist1d, {"val_size": 0.999}, r"val_size = 0.999 leaves 4 training samples of 4000"),
])
def test_splits_too_small_for_every_class_get_our_message(loader, kwargs, match):
    with pytest.raises(ValueError, match=match):
        loader(seed=0, **kwargs)


def test_the_smallest_split_sizes_that_work_do():
    s = load_digits(seed=0, val_size=0.0056, test_size=0.0056)
    assert len(s.y_val) >= 10 and len(s.y_test) >= 10
    assert set(s.y_val) == set(range(10)) == set(s.y_test)
