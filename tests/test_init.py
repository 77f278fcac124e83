"""helpers.init: shapes, standard deviations, and that each init keeps its signal."""

import numpy as np
import pytest

from helpers import init


@pytest.mark.parametrize(
    "make,kwargs,expected_std",
    [
        (init.he_normal, {}, np.sqrt(2 / 400)),
        (init.he_normal, {"negative_slope": 0.25}, np.sqrt(2 / (1.0625 * 400))),
        (init.lecun_normal, {}, np.sqrt(1 / 400)),
        (init.glorot_normal, {}, np.sqrt(2 / (400 + 300))),
    ],
)
def test_shape_and_std(make, kwargs, expected_std):
    w = make(400, 300, rng=np.random.default_rng(0), **kwargs)
    assert w.shape == (400, 300)
    # 120,000 draws: the sample std is within 1% of the true one with overwhelming probability
    assert abs(w.std() / expected_std - 1) < 0.01
    assert abs(w.mean()) < 4 * expected_std / np.sqrt(w.size)


def test_same_seed_same_weights():
    a = init.he_normal(5, 6, rng=np.random.default_rng(3))
    b = init.he_normal(5, 6, rng=np.random.default_rng(3))
    assert np.array_equal(a, b)


@pytest.mark.parametrize(
    "kwargs,error,match",
    [
        ({"fan_in": 0, "fan_out": 3}, ValueError, "fan_in must be an integer >= 1; got 0"),
        ({"fan_in": 3.0, "fan_out": 3}, TypeError, "fan_in must be an integer"),
        ({"fan_in": 3, "fan_out": -1}, ValueError, "fan_out must be an integer >= 1; got -1"),
        ({"fan_in": 3, "fan_out": 3, "rng": 0}, TypeError, "rng must be a numpy Generator"),
        ({"fan_in": 3, "fan_out": 3, "negative_slope": np.nan}, ValueError,
         "negative_slope must be finite"),
    ],
)
def test_bad_input(kwargs, error, match):
    kwargs = {"rng": np.random.default_rng(0), **kwargs}
    with pytest.raises(error, match=match):
        init.he_normal(**kwargs)
