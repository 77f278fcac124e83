"""Training runs for the notebooks: one MLP on one data split, repeated over seeds."""

import dataclasses
import time

import numpy as np

from ._validation import check_choice
from .data import Split, load_digits
from .models import mlp
from .optim import DEFAULT_NO_DECAY, SGD, Adam
from .scalers import StandardScaler
from .training import evaluate, fit


def standardized(split):
    """The same split with every X standardised by statistics of X_train only."""
    if not isinstance(split, Split):
        raise TypeError(f"split must be a helpers.data.Split; got {type(split).__name__}.")
    scaler = StandardScaler().fit(split.X_train)
    return dataclasses.replace(split, X_train=scaler.transform(split.X_train),
                               X_val=scaler.transform(split.X_val),
                               X_test=scaler.transform(split.X_test))


def standardized_digits(seed):
    """Digits, split with `seed`, standardised on the training split (the notebooks' default)."""
    return standardized(load_digits(seed=seed))


@dataclasses.dataclass
class Run:
    """One training run: the model, its history, final test accuracy and wall time."""

    model: object
    history: dict
    test_acc: float
    seconds_per_epoch: float
    diverged: bool = False


def train_mlp(data, *, seed, activation="relu", hidden=(64, 64, 64, 64), optimizer="adam",
              lr=1e-3, momentum=0.9, weight_decay=0.0, epochs=20, batch_size=32, norm=None,
              dropout=0.0, dropout_kind=None, init=None, activation_params=None,
              callbacks=None, setup=None, no_decay=DEFAULT_NO_DECAY):
    """Build `helpers.models.mlp`, train it with `fit`, and evaluate it on the test split.

    Parameters
    ----------
    data : helpers.data.Split
        Already scaled (see `standardized`).
    seed : int
        Seeds the weights, dropout and the batch order.
    activation, hidden, norm, dropout, dropout_kind, init, activation_params
        Passed to ``helpers.models.mlp``.
    optimizer : {"adam", "sgd"}
        Adam(lr) or SGD(lr, momentum).
    weight_decay : float, default 0
    no_decay : tuple of str
        Parameter names exempt from weight decay (default: biases, PReLU slopes and
        normalisation parameters; pass () to decay everything).
    epochs, batch_size, callbacks
        Passed to ``helpers.training.fit`` (with the validation split).
    setup : callable, optional
        setup(model) runs once before training (e.g. to shift biases).

    Returns
    -------
    Run
        If the loss diverges (NaN or inf), `diverged` is True, `test_acc` is NaN and the
        history is empty.
    """
    check_choice(optimizer, "optimizer", ("adam", "sgd"))
    rng = np.random.default_rng(seed)
    model = mlp(data.n_features, hidden, data.n_classes, rng=rng, activation=activation,
                init=init, norm=norm, dropout=dropout, dropout_kind=dropout_kind,
                activation_params=activation_params)
    if setup is not None:
        setup(model)
    opt = (Adam(model, lr=lr, weight_decay=weight_decay, no_decay=no_decay)
           if optimizer == "adam" else
           SGD(model, lr=lr, momentum=momentum, weight_decay=weight_decay, no_decay=no_decay))
    start = time.perf_counter()
    try:
        history = fit(model, opt, data.X_train, data.y_train, X_val=data.X_val,
                      y_val=data.y_val, epochs=epochs, batch_size=batch_size, rng=rng,
                      callbacks=callbacks)
    except ValueError as err:
        if "NaN or inf" not in str(err):
            raise
        return Run(model, {}, float("nan"), float("nan"), diverged=True)
    seconds = (time.perf_counter() - start) / max(epochs, 1)
    return Run(model, history, evaluate(model, data.X_test, data.y_test)[1], seconds)


def repeat(data, seeds, **kwargs):
    """`train_mlp` once per seed; returns the list of Runs."""
    return [train_mlp(data, seed=seed, **kwargs) for seed in seeds]


def accuracy_summary(runs):
    """(mean, std, min, max) of the test accuracies of runs that did not diverge, and the
    number of diverged runs."""
    acc = np.array([r.test_acc for r in runs if not r.diverged])
    stats = (acc.mean(), acc.std(), acc.min(), acc.max()) if acc.size else (np.nan,) * 4
    return tuple(float(v) for v in stats), sum(r.diverged for r in runs)
