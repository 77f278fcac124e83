"""helpers.losses: softmax cross-entropy, its gradient, stability and bad labels."""

import numpy as np
import pytest

from helpers.gradcheck import numerical_gradient, relative_error
from helpers.losses import check_labels, softmax_cross_entropy


def test_known_value_and_gradient():
    loss, d = softmax_cross_entropy([[0.0, 0.0, 0.0]], [2])
    assert loss == pytest.approx(np.log(3), rel=1e-15)
    assert np.allclose(d, [[1 / 3, 1 / 3, -2 / 3]])


def test_gradient_matches_finite_differences():
    rng = np.random.default_rng(0)
    logits, labels = rng.standard_normal((6, 4)) * 3, rng.integers(0, 4, 6)
    _, d = softmax_cross_entropy(logits, labels)
    numeric = numerical_gradient(lambda z: np.array(softmax_cross_entropy(z, labels)[0]),
                                 logits.copy())
    assert relative_error(d, numeric) < 1e-8


def test_huge_logits_do_not_overflow():
    loss, d = softmax_cross_entropy([[1000.0, -1000.0]], [1])
    assert loss == pytest.approx(2000.0) and np.isfinite(d).all()


@pytest.mark.parametrize(
    "logits,labels,error,match",
    [
        (np.zeros((2, 3)), [0, 3], ValueError, r"labels must be in \[0, 3\) .* from 0 to 3"),
        (np.zeros((2, 3)), [0, -1], ValueError, r"labels must be in \[0, 3\)"),
        (np.zeros((2, 3)), [0], ValueError, r"labels must have shape \(2,\)"),
        (np.zeros((2, 3)), [0.5, 1], TypeError, "labels must be integers"),
        (np.zeros((0, 3)), [], ValueError, "N >= 1 samples"),
        (np.zeros(3), [0], ValueError, r"logits must have shape \(N, C\)"),
        (np.full((1, 2), np.nan), [0], ValueError, "NaN or inf"),
    ],
)
def test_bad_input(logits, labels, error, match):
    with pytest.raises(error, match=match):
        softmax_cross_entropy(logits, labels)


def test_float_labels_that_are_whole_numbers_are_accepted():
    assert softmax_cross_entropy(np.zeros((2, 2)), np.array([0.0, 1.0]))[0] == pytest.approx(
        np.log(2))


@pytest.mark.parametrize("labels,match", [
    (None, r"labels must be integers \(class indices\), one per row of logits; got NoneType None"),
    ("01", r"labels must be integers \(class indices\), one per row of logits; got str"),
    ([0, None], r"labels must be integers \(class indices\); got None \(NoneType\), which is "
     "not a number"),
    ([0, 2**64], r"labels must be integers \(class indices\); got the integer "
     r"18446744073709551616, beyond int64"),  # fuzz campaign: it was called "ragged"
    (np.ma.masked_array([0, 1], mask=[True, False]), r"labels is a masked array"),
])
def test_none_strings_and_masked_labels_are_named_as_such(labels, match):
    """Issue 29: None was reported as "ragged or mixed values"; a mask was silently dropped."""
    with pytest.raises(TypeError, match=match):
        softmax_cross_entropy(np.zeros((2, 2)), labels)


def test_masked_logits_are_refused():
    with pytest.raises(TypeError, match="logits is a masked array"):
        softmax_cross_entropy(np.ma.masked_array(np.zeros((2, 2)), mask=False), [0, 1])


def test_n_samples_beyond_the_size_cap_is_named():
    """Fuzz campaign: n_samples = 2**64 gave a message that did not name n_samples."""
    with pytest.raises(ValueError, match=r"n_samples must be an integer <= 2\*\*31"):
        check_labels([0], 2**64)
