"""helpers.scalers against scikit-learn's scalers, fitted on training data only."""

import numpy as np
import pytest
from sklearn import preprocessing

from helpers.scalers import MinMaxScaler, StandardScaler


def data():
    rng = np.random.default_rng(0)
    scales = np.array([1e-3, 1.0, 1e3, 1e5])  # features on very different ranges, like wine
    train = rng.standard_normal((50, 4)) * scales + 7
    test = rng.standard_normal((20, 4)) * scales + 7
    train[:, 1] = 3.0  # a constant feature
    return train, test


@pytest.mark.parametrize("ours,theirs", [(StandardScaler, preprocessing.StandardScaler),
                                         (MinMaxScaler, preprocessing.MinMaxScaler)])
def test_agrees_with_scikit_learn(ours, theirs):
    train, test = data()
    a, b = ours().fit(train), theirs().fit(train)
    # The means may differ in their last bits (ours is measured from the first row); divided
    # by feature 0's spread of 1e-3, one ulp of its mean of 7 becomes 1e-12.
    for X in (train, test):
        assert np.allclose(a.transform(X), b.transform(X), rtol=1e-12, atol=1e-11)
        assert np.allclose(a.inverse_transform(a.transform(X)), X, rtol=1e-12, atol=1e-9)


def test_fit_uses_only_the_data_it_is_given():
    train, test = data()
    scaler = StandardScaler().fit(train)
    assert np.allclose(scaler.transform(train).mean(axis=0)[[0, 2, 3]], 0)
    assert not np.allclose(scaler.transform(test).mean(axis=0), 0, atol=1e-3)


def test_min_max_maps_the_training_range_to_unit_interval():
    pixels = np.array([[0.0, 255.0], [255.0, 0.0], [51.0, 102.0]])
    out = MinMaxScaler().fit_transform(pixels)
    assert out.min() == 0 and out.max() == 1 and out[2].tolist() == [0.2, 0.4]


@pytest.mark.parametrize("cls", [StandardScaler, MinMaxScaler])
def test_bad_input(cls):
    with pytest.raises(RuntimeError, match="not fitted yet: call fit"):
        cls().transform(np.ones((2, 2)))
    with pytest.raises(ValueError, match="X has 3 features, but the scaler was fitted on 2"):
        cls().fit(np.ones((2, 2))).transform(np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"reshape\(-1, 1\)"):
        cls().fit(np.ones(3))
    with pytest.raises(ValueError, match="NaN or inf"):
        cls().fit(np.array([[np.nan, 1.0]]))


@pytest.mark.parametrize("scaler,X", [(StandardScaler, [[1e200], [-1e200]]),
                                       (MinMaxScaler, [[1e308], [-1e308]])],
                         ids=["standard", "min-max"])
def test_an_overflowing_spread_is_an_error_not_a_wrong_answer(scaler, X):
    with pytest.raises(ValueError, match="overflows"):
        scaler().fit(X)
