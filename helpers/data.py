"""scikit-learn's bundled data sets (no download), split with a seed.

scikit-learn is imported inside the loaders, not at the top: the worker processes that train
networks in parallel receive `Split`s and need this module, but not scikit-learn (which would
add about 70 MB to each of them).
"""

import math
from dataclasses import dataclass

import numpy as np

from ._validation import check_choice, check_finite_real, check_positive_int


@dataclass(frozen=True)
class Split:
    """Train / validation / test arrays of one data set; X are float64 (N, D), y int (N,)."""

    X_train: np.ndarray
    y_train: np.ndarray
    X_val: np.ndarray
    y_val: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    feature_names: tuple
    class_names: tuple

    @property
    def n_features(self):
        return self.X_train.shape[1]

    @property
    def n_classes(self):
        return len(self.class_names)


# scikit-learn's train_test_split takes seeds from 0 to 2**32 - 1
MAX_SEED = 2**32 - 1


def _held_out(n, fraction):
    """How many of n samples scikit-learn's train_test_split holds out for a fraction."""
    return math.ceil(fraction * n)


def _round_up(x):
    """x rounded up to two significant digits, for a bound in a message."""
    unit = 10.0 ** (math.floor(math.log10(x)) - 1)
    return math.ceil(x / unit) * unit


def _check_split_sizes(n, n_classes, sizes, fix):
    """`sizes` maps a part's name to (its number of samples, the parameter that sets it, its
    value, the smallest value that works or None): a stratified split needs every class in
    every part, so each part must hold at least n_classes samples."""
    for part, (count, name, value, bound) in sizes.items():
        if count < n_classes:
            plural = "s" if count != 1 else ""
            verb = "leave" if "+" in name else "leaves"
            hint = f"use {name} >= {_round_up(bound):g}" if bound else fix
            raise ValueError(
                f"{name} = {value:g} {verb} {count} {part} sample{plural} of {n}, fewer than the "
                f"{n_classes} classes (the split is stratified: each class needs one); {hint}."
            )


def _split(bunch, seed, val_size, test_size):
    seed = check_positive_int(seed, "seed", minimum=0, maximum=MAX_SEED)
    val_size = check_finite_real(val_size, "val_size", minimum=0.0, exclusive=True)
    test_size = check_finite_real(test_size, "test_size", minimum=0.0, exclusive=True)
    if val_size + test_size >= 1:
        raise ValueError(f"val_size + test_size must be < 1; got {val_size} + {test_size}.")
    from sklearn.model_selection import train_test_split  # here, not at the top: see below

    X, y = bunch.data.astype(np.float64), bunch.target.astype(np.intp)
    n, n_classes = len(y), len(np.unique(y))
    n_test = _held_out(n, test_size)
    n_val = _held_out(n - n_test, val_size / (1 - test_size))
    _check_split_sizes(n, n_classes, {
        "test": (n_test, "test_size", test_size, n_classes / n),
        "validation": (n_val, "val_size", val_size, n_classes * (1 - test_size) / (n - n_test)),
        "training": (n - n_test - n_val, "val_size + test_size", val_size + test_size, None)},
        fix="use smaller fractions")
    # stratified, so that every split has the same class proportions
    X_rest, X_test, y_rest, y_test = train_test_split(
        X, y, test_size=test_size, random_state=seed, stratify=y)
    X_train, X_val, y_train, y_val = train_test_split(
        X_rest, y_rest, test_size=val_size / (1 - test_size), random_state=seed, stratify=y_rest)
    return Split(X_train, y_train, X_val, y_val, X_test, y_test,
                 tuple(str(n) for n in bunch.feature_names),
                 tuple(str(n) for n in bunch.target_names))


def load_digits(*, seed, val_size=0.2, test_size=0.2):
    """8x8 images of handwritten digits (1,797 samples, 64 pixels valued 0..16, 10 classes).

    Parameters
    ----------
    seed : int
        Seeds the stratified split.
    val_size, test_size : float, default 0.2 each
        Fractions of the whole data set.

    Returns
    -------
    Split
        Raw pixel values (not scaled: scaling is a lesson of its own).

    Examples
    --------
    >>> data = load_digits(seed=0)
    >>> data.X_train.shape, data.n_classes
    ((1077, 64), 10)
    """
    from sklearn import datasets

    return _split(datasets.load_digits(), seed, val_size, test_size)


def load_wine(*, seed, val_size=0.2, test_size=0.2):
    """Chemical analysis of Italian wines (178 samples, 13 features on very different scales,
    3 classes).

    Examples
    --------
    >>> load_wine(seed=0).n_features
    13
    """
    from sklearn import datasets

    return _split(datasets.load_wine(), seed, val_size, test_size)


def load_mnist1d(*, seed, val_size=0.2, standardize="train"):
    """MNIST-1D (Greydanus 2020): 5,000 one-dimensional "digits", sequences of 40 numbers in 10
    classes, generated procedurally by the `mnist1d` package (nothing is downloaded; about 2 s).

    The generator's own arguments are kept (its seed 42, 4,000 training and 1,000 test
    sequences), so the test split is the paper's. The validation split is carved from the 4,000
    training sequences, stratified, with `seed`, as for digits.

    The generator standardises all 5,000 sequences together (one mean and one standard
    deviation over every value, test sequences included): the leak notebook 04 warns about.
    Both are single numbers, so re-standardising with the training split's own mean and
    standard deviation gives exactly what standardising the raw sequences with them would:
    that is the default, and no test or validation value enters the scaling.

    Parameters
    ----------
    seed : int
        Seeds the validation split (the sequences themselves are always the same).
    val_size : float, default 0.2
        Fraction of the training sequences held out for validation.
    standardize : {"train", "generator"}, default "train"
        "train": scaled with the training split's mean and standard deviation (one number
        each, as the generator does); "generator": the values as the package makes them.

    Returns
    -------
    Split
        3,200 / 800 / 1,000 sequences by default.
    """
    seed = check_positive_int(seed, "seed", minimum=0, maximum=MAX_SEED)
    standardize = check_choice(standardize, "standardize", ("train", "generator"))
    val_size = check_finite_real(val_size, "val_size", minimum=0.0, exclusive=True)
    if val_size >= 1:
        raise ValueError(f"val_size must be < 1 (a fraction of the training split); got "
                         f"{val_size}.")
    import random

    from mnist1d.data import get_dataset_args, make_dataset
    from sklearn.model_selection import train_test_split

    # make_dataset seeds the global generators of `random` and numpy: give them back as they were
    state, py_state = np.random.get_state(), random.getstate()  # noqa: NPY002 (mnist1d seeds it)
    try:
        raw = make_dataset(get_dataset_args())
    finally:
        np.random.set_state(state)  # noqa: NPY002
        random.setstate(py_state)
    n, n_classes = len(raw["y"]), len(np.unique(raw["y"]))
    n_val = _held_out(n, val_size)
    _check_split_sizes(n, n_classes, {
        "validation": (n_val, "val_size", val_size, n_classes / n),
        "training": (n - n_val, "val_size", val_size, None)}, fix="use a smaller val_size")
    X_train, X_val, y_train, y_val = train_test_split(
        raw["x"].astype(np.float64), raw["y"].astype(np.intp), test_size=val_size,
        random_state=seed, stratify=raw["y"])
    X_test = raw["x_test"].astype(np.float64)
    if standardize == "train":
        mean, std = X_train.mean(), X_train.std()
        X_train, X_val, X_test = ((X - mean) / std for X in (X_train, X_val, X_test))
    return Split(X_train, y_train, X_val, y_val, X_test,
                 raw["y_test"].astype(np.intp), tuple(f"t{i}" for i in range(raw["x"].shape[1])),
                 tuple(str(k) for k in range(10)))
