"""Training runs for the notebooks: one MLP on one data split, repeated over seeds.

Runs with different seeds are independent, so `repeat`, `sweep` and `perturbation_study`
spread them over the CPU's cores (``helpers.parallel``); the results do not depend on the
number of cores.
"""

import dataclasses
import inspect
import time

import numpy as np

from ._validation import (
    check_bool,
    check_callable,
    check_choice,
    check_count,
    check_finite_real,
    check_positive_int,
    check_seeds,
    check_sequence,
    check_size,
)
from .data import Split, load_digits
from .layers import Linear, check_model, leaf_layers
from .models import cnn, mlp
from .optim import DEFAULT_NO_DECAY, SGD, Adam
from .parallel import parallel_map
from .scalers import MinMaxScaler, StandardScaler
from .training import DivergedError, check_callbacks, evaluate, evaluating, fit


def scaled(split, scaler):
    """The same split with every X transformed by an already fitted `scaler`."""
    check_split(split, "split")
    if not isinstance(scaler, StandardScaler | MinMaxScaler):
        raise TypeError(f"scaler must be a fitted helpers.scalers.StandardScaler or "
                        f"MinMaxScaler; got {type(scaler).__name__}.")
    return dataclasses.replace(split, X_train=scaler.transform(split.X_train),
                               X_val=scaler.transform(split.X_val),
                               X_test=scaler.transform(split.X_test))


def standardized(split):
    """The same split with every X standardised by statistics of X_train only."""
    check_split(split, "split")
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
              callbacks=None, setup=None, no_decay=DEFAULT_NO_DECAY, warmup_steps=0,
              residual=False, record_train=False, patience=None, architecture="mlp"):
    """Build `helpers.models.mlp` (or `cnn`), train it with `fit`, and evaluate it on the test
    split.

    Parameters
    ----------
    data : helpers.data.Split
        Already scaled (see `standardized`).
    seed : int
        Seeds the weights, dropout and the batch order.
    activation, hidden, norm, dropout, dropout_kind, init, activation_params, residual
        Passed to ``helpers.models.mlp``.
    architecture : {"mlp", "cnn"}, default "mlp"
        "cnn": ``helpers.models.cnn`` of its default (the MNIST-1D paper's) shape, with
        `activation`, `init`, `norm` (None, "batch", "layer", "instance", "group") and
        `activation_params`; `hidden`, `dropout` and `residual` are the MLP's only.
    optimizer : {"adam", "sgd"}
        Adam(lr) or SGD(lr, momentum).
    weight_decay : float, default 0
    no_decay : tuple of str
        Parameter names exempt from weight decay (default: biases, PReLU slopes and
        normalisation parameters; pass () to decay everything).
    epochs, batch_size, callbacks, warmup_steps, record_train, patience
        Passed to ``helpers.training.fit`` (with the validation split). The history records
        the validation curve; the training-set curve only with record_train=True (it costs
        about a third of the training time); patience stops early on validation accuracy.
    setup : callable, optional
        setup(model) runs once before training (e.g. to shift biases).

    Returns
    -------
    Run
        If training diverges (``helpers.training.DivergedError``), `diverged` is True,
        `test_acc` is NaN and the history is empty.
    """
    model, opt, fit_kwargs = _prepare(
        data, seed=seed, activation=activation, hidden=hidden, optimizer=optimizer, lr=lr,
        momentum=momentum, weight_decay=weight_decay, epochs=epochs, batch_size=batch_size,
        norm=norm, dropout=dropout, dropout_kind=dropout_kind, init=init,
        activation_params=activation_params, callbacks=callbacks, setup=setup,
        no_decay=no_decay, warmup_steps=warmup_steps, residual=residual,
        record_train=record_train, patience=patience, architecture=architecture)
    start = time.perf_counter()
    try:
        history = fit(model, opt, data.X_train, data.y_train, X_val=data.X_val,
                      y_val=data.y_val, **fit_kwargs)
    except DivergedError:
        return Run(model, {}, float("nan"), float("nan"), diverged=True)
    seconds = (time.perf_counter() - start) / max(len(history["epoch"]) - 1, 1)  # epochs run
    return Run(model, history, evaluate(model, data.X_test, data.y_test)[1], seconds)


def _prepare(data, *, seed, optimizer="adam", lr=1e-3, momentum=0.9, weight_decay=0.0,
             epochs=20, batch_size=32, callbacks=None, setup=None, no_decay=DEFAULT_NO_DECAY,
             warmup_steps=0, record_train=False, patience=None, **model_kwargs):
    """Check every argument of `train_mlp` and build its model and optimizer (cheap): the
    parallel helpers call it first, so that a bad argument fails here, not in a worker."""
    check_split(data)
    check_choice(optimizer, "optimizer", ("adam", "sgd"))
    seed = check_positive_int(seed, "seed", minimum=0)
    momentum = check_finite_real(momentum, "momentum", minimum=0.0)  # checked for Adam too
    if momentum >= 1:
        raise ValueError(f"momentum must be in [0, 1); got {momentum}.")
    rng = np.random.default_rng(seed)
    architecture = check_choice(model_kwargs.pop("architecture", "mlp"), "architecture",
                                ("mlp", "cnn"))
    hidden = model_kwargs.pop("hidden", (64, 64, 64, 64))
    if architecture == "cnn":
        mlp_only = {"dropout": 0.0, "dropout_kind": None, "residual": False}
        changed = sorted(k for k, v in mlp_only.items() if model_kwargs.pop(k, v) != v)
        if changed:
            raise ValueError(f"{changed[0]} is an option of the MLP; the CNN "
                             "(architecture='cnn') has none.")
        model = cnn(data.n_features, data.n_classes, rng=rng, **model_kwargs)
    else:
        model = mlp(data.n_features, hidden, data.n_classes, rng=rng, **model_kwargs)
    if setup is not None:
        check_callable(setup, "setup", "my_function")(model)
    opt = (Adam(model, lr=lr, weight_decay=weight_decay, no_decay=no_decay)
           if optimizer == "adam" else
           SGD(model, lr=lr, momentum=momentum, weight_decay=weight_decay, no_decay=no_decay))
    fit_kwargs = {"epochs": check_count(epochs, "epochs", minimum=0),
                  "batch_size": check_size(batch_size, "batch_size"),
                  "callbacks": check_callbacks(callbacks), "rng": rng,
                  "warmup_steps": check_positive_int(warmup_steps, "warmup_steps", minimum=0),
                  "record_train": check_bool(record_train, "record_train"),
                  "patience": None if patience is None else check_positive_int(patience,
                                                                               "patience")}
    return model, opt, fit_kwargs


def check_split(data, name="data"):
    """Return `data` if it is a helpers.data.Split, else raise."""
    if not isinstance(data, Split):
        raise TypeError(f"{name} must be a helpers.data.Split (e.g. standardized_digits(seed=0))"
                        f"; got {type(data).__name__}.")
    return data


def check_train_arguments(data, seeds, kwargs_list):
    """Validate the arguments of many `train_mlp` calls in this process, before any worker
    starts: a mistake then shows as the clear error it is, at once."""
    check_split(data)
    seeds = check_seeds(seeds)
    for kwargs in kwargs_list:
        for key in ("seed", "data"):
            if key in kwargs:
                raise TypeError(f"pass {key} through the function's own argument, not as a "
                                f"keyword for train_mlp; got {key}={kwargs[key]!r:.40}.")
        unknown = set(kwargs) - set(inspect.signature(train_mlp).parameters)
        if unknown:
            raise TypeError(f"unknown keyword arguments for train_mlp: {sorted(unknown)}.")
        _prepare(data, seed=seeds[0], **kwargs)
    return seeds


def _train_job(job):
    """train_mlp(data, seed=seed, **kwargs) for job = (data, seed, kwargs): one picklable task."""
    data, seed, kwargs = job
    return train_mlp(data, seed=seed, **kwargs)


def repeat(data, seeds, **kwargs):
    """`train_mlp` once per seed (in parallel, see ``helpers.parallel``); returns the Runs."""
    seeds = check_train_arguments(data, seeds, [kwargs])
    return parallel_map(_train_job, [(data, seed, kwargs) for seed in seeds],
                        desc=f"training {len(seeds)} seeds")


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
    if not isinstance(configs, dict) or not configs or not all(
            isinstance(c, dict) for c in configs.values()):
        raise TypeError(f"configs must be a non-empty dict label -> dict of keyword arguments, "
                        f"e.g. {{'relu': {{'activation': 'relu'}}}}; got {configs!r:.60}.")
    seeds = check_train_arguments(data, seeds,
                                  [{**common, **config} for config in configs.values()])
    runs = parallel_map(_train_job, [(data, seed, {**common, **configs[label]})
                                     for label in configs for seed in seeds],
                        desc=f"training {_names(configs)} x {len(seeds)} seeds")
    return {label: runs[i * len(seeds):(i + 1) * len(seeds)] for i, label in enumerate(configs)}


def _names(configs):
    """What a progress bar says is training: the labels, or their number when there are many."""
    if len(configs) > 3:
        return f"{len(configs)} configurations"
    return ", ".join(" ".join(map(str, c)) if isinstance(c, tuple) else str(c) for c in configs)


def nudge_first_layer(model):
    """Move every weight of the model's first Linear layer by one unit in the last place.

    A relative change of about 1e-16: the size of the differences between two CPUs' matrix
    products (see `perturbation_study`).
    """
    check_model(model, sequential=True)
    first = next((layer for layer in leaf_layers(model) if isinstance(layer, Linear)), None)
    if first is None:
        raise ValueError("model has no Linear layer to nudge.")
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
    lrs = check_sequence(lrs, "lrs", "[0.001, 0.01]")
    if not lrs:
        raise ValueError("lrs must hold at least one learning rate, e.g. lrs=[0.001, 0.01].")
    for lr in lrs:
        check_finite_real(lr, "lrs", minimum=0.0, exclusive=True)
    seeds = check_train_arguments(data, seeds, [{**kwargs, "lr": lr} for lr in lrs])
    results = parallel_map(_twin_job, [(data, lr, seed, kwargs) for lr in lrs for seed in seeds],
                           desc=f"twin runs, {len(lrs)} learning rates x {len(seeds)} seeds")
    return {lr: results[i * len(seeds):(i + 1) * len(seeds)] for i, lr in enumerate(lrs)}


def accuracy_summary(runs):
    """(mean, std, min, max) of the test accuracies of runs that did not diverge, and the
    number of diverged runs."""
    runs = check_sequence(runs, "runs", "repeat(data, seeds=[0, 1, 2])")
    if not runs or not all(isinstance(r, Run) for r in runs):
        raise TypeError(f"runs must be a non-empty list of helpers.experiments.Run (from "
                        f"train_mlp, repeat or sweep); got {runs!r:.60}.")
    acc = np.array([r.test_acc for r in runs if not r.diverged])
    stats = (acc.mean(), acc.std(), acc.min(), acc.max()) if acc.size else (np.nan,) * 4
    return tuple(float(v) for v in stats), sum(r.diverged for r in runs)
