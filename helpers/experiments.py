"""Training runs for the notebooks: one MLP on one data split, repeated over seeds.

Runs with different seeds are independent, so `repeat`, `sweep` and `perturbation_study`
spread them over the CPU's cores (``helpers.parallel``); the results do not depend on the
number of cores.
"""

import dataclasses
import time

import numpy as np

from ._validation import check_choice
from .data import Split, load_digits
from .layers import Linear
from .models import mlp
from .optim import DEFAULT_NO_DECAY, SGD, Adam
from .parallel import parallel_map
from .scalers import StandardScaler
from .training import DivergedError, evaluate, evaluating, fit


def scaled(split, scaler):
    """The same split with every X transformed by an already fitted `scaler`."""
    if not isinstance(split, Split):
        raise TypeError(f"split must be a helpers.data.Split; got {type(split).__name__}.")
    return dataclasses.replace(split, X_train=scaler.transform(split.X_train),
                               X_val=scaler.transform(split.X_val),
                               X_test=scaler.transform(split.X_test))


def standardized(split):
    """The same split with every X standardised by statistics of X_train only."""
    if not isinstance(split, Split):
        raise TypeError(f"split must be a helpers.data.Split; got {type(split).__name__}.")
    return scaled(split, StandardScaler().fit(split.X_train))


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
        If training diverges (``helpers.training.DivergedError``), `diverged` is True,
        `test_acc` is NaN and the history is empty.
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
    except DivergedError:
        return Run(model, {}, float("nan"), float("nan"), diverged=True)
    seconds = (time.perf_counter() - start) / max(epochs, 1)
    return Run(model, history, evaluate(model, data.X_test, data.y_test)[1], seconds)


def _train_job(job):
    """train_mlp(data, seed=seed, **kwargs) for job = (data, seed, kwargs): one picklable task."""
    data, seed, kwargs = job
    return train_mlp(data, seed=seed, **kwargs)


def repeat(data, seeds, **kwargs):
    """`train_mlp` once per seed (in parallel, see ``helpers.parallel``); returns the Runs."""
    return parallel_map(_train_job, [(data, seed, kwargs) for seed in seeds])


def sweep(data, configs, seeds, **common):
    """`train_mlp` for every configuration and every seed, all in one `parallel_map`.

    Parameters
    ----------
    data : helpers.data.Split
    configs : dict
        Label -> dict of keyword arguments for `train_mlp`.
    seeds : sequence of int
    **common
        Keyword arguments shared by every configuration.

    Returns
    -------
    dict label -> list of Runs (one per seed, in order).
    """
    if not isinstance(configs, dict) or not configs:
        raise TypeError(f"configs must be a non-empty dict label -> keyword arguments; got "
                        f"{type(configs).__name__}.")
    seeds = list(seeds)
    runs = parallel_map(_train_job, [(data, seed, {**common, **configs[label]})
                                     for label in configs for seed in seeds])
    return {label: runs[i * len(seeds):(i + 1) * len(seeds)] for i, label in enumerate(configs)}


def nudge_first_layer(model):
    """Move every weight of the model's first Linear layer by one unit in the last place.

    A relative change of about 1e-16: the size of the differences between two CPUs' matrix
    products (see `perturbation_study`).
    """
    first = next(layer for layer in model.layers if isinstance(layer, Linear))
    first.params["W"][...] = np.nextafter(first.params["W"], np.inf)


def _all_parameters(model):
    return np.concatenate([value.ravel() for value in model.params.values()])


def _twin_job(job):
    """Train (lr, seed) plainly and after `nudge_first_layer`; compare the two (one task)."""
    data, lr, seed, kwargs = job
    kwargs = {**kwargs, "lr": lr, "callbacks": {"parameters": _all_parameters}}
    plain = train_mlp(data, seed=seed, **kwargs)
    nudged = train_mlp(data, seed=seed, setup=nudge_first_layer, **kwargs)
    distance = [np.linalg.norm(b - a) / np.linalg.norm(a) for a, b in
                zip(plain.history["parameters"], nudged.history["parameters"], strict=True)]
    with evaluating(plain.model), evaluating(nudged.model):
        differ = (plain.model.forward(data.X_test).argmax(axis=1)
                  != nudged.model.forward(data.X_test).argmax(axis=1))
    return {"distance": np.array(distance), "disagreement": float(differ.mean()),
            "test_acc": (plain.test_acc, nudged.test_acc)}


def perturbation_study(data, lrs, seeds, **kwargs):
    """Train each (learning rate, seed) twice, the second time after `nudge_first_layer`.

    Parameters
    ----------
    data : helpers.data.Split
    lrs, seeds : sequences
    **kwargs
        Passed to `train_mlp`.

    Returns
    -------
    dict lr -> list (one per seed) of dicts with
        "distance": ndarray (epochs + 1,), ||p_nudged - p|| / ||p|| over all parameters after
        each epoch (entry 0: at initialisation, just after the nudge);
        "disagreement": fraction of test samples whose predicted class differs;
        "test_acc": (accuracy, accuracy of the nudged twin).
    """
    seeds = list(seeds)
    results = parallel_map(_twin_job, [(data, lr, seed, kwargs) for lr in lrs for seed in seeds])
    return {lr: results[i * len(seeds):(i + 1) * len(seeds)] for i, lr in enumerate(lrs)}


def accuracy_summary(runs):
    """(mean, std, min, max) of the test accuracies of runs that did not diverge, and the
    number of diverged runs."""
    acc = np.array([r.test_acc for r in runs if not r.diverged])
    stats = (acc.mean(), acc.std(), acc.min(), acc.max()) if acc.size else (np.nan,) * 4
    return tuple(float(v) for v in stats), sum(r.diverged for r in runs)
