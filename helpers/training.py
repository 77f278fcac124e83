"""The training loop: mini-batch gradient descent with a per-epoch history.

A run whose loss or activations become NaN or infinite raises `DivergedError`.
"""

import contextlib

import numpy as np

from ._validation import (
    DivergedError,
    as_float_array,
    check_bool,
    check_count,
    check_positive_int,
    check_rng,
    check_size,
    overflow_named,
)
from .layers import BatchNorm1d, check_model, input_features, leaf_layers, output_features
from .losses import check_labels, softmax_cross_entropy
from .optim import Optimizer

__all__ = ["DivergedError", "check_callbacks", "check_data", "evaluate", "evaluating", "fit",
           "in_mode"]


@contextlib.contextmanager
def in_mode(model, *, training):
    """Put `model` in training or evaluation mode for a block, then restore the mode it had.

    On leaving the block the layers also forget what the block's forward passes saved for a
    backward pass (a copy of every layer's input: for a whole data set, megabytes per model).
    """
    check_model(model)
    training = check_bool(training, "training")
    was_training = model.training
    model.train() if training else model.eval()
    try:
        yield model
    finally:
        model.clear_cache()
        model.train() if was_training else model.eval()


def evaluating(model):
    """``in_mode(model, training=False)``: evaluation mode for a block (a context manager)."""
    return in_mode(model, training=False)


def check_data(X, y, name="X", *, model=None):
    """Validate a data set: finite float array (N, D) with N >= 1 and N integer labels `y`
    (or None); with `model`, D must be the number of features the model expects. `name` is
    X's name in messages ("X_train"); the labels' name follows it ("y_train"; "y" when `name`
    does not start with X)."""
    X = as_float_array(X, name)
    if X.ndim != 2 or X.shape[0] == 0:
        raise ValueError(f"{name} must have shape (N, D) with N >= 1; got {X.shape}.")
    if not np.isfinite(X).all():
        raise ValueError(f"{name} holds NaN or inf values; clean or impute them first.")
    expected = None if model is None else input_features(model)
    if expected is not None and X.shape[1] != expected:
        raise ValueError(f"{name} has {X.shape[1]} features (columns), but the model expects "
                         f"{expected}; got shape {X.shape}.")
    if y is None:
        return X, None
    n_classes = None if model is None else output_features(model)
    y_name = "y" + name[1:] if name.startswith("X") else "y"
    return X, check_labels(y, X.shape[0], n_classes, name=y_name, rows=name)


def evaluate(model, X, y):
    """Mean softmax cross-entropy and accuracy of `model` on (X, y), in evaluation mode.

    Returns
    -------
    (loss, accuracy) : tuple of float
    """
    check_model(model)
    if y is None:
        raise TypeError("y must be the labels of X (class indices); got None.")
    X, y = check_data(X, y, model=model)
    with evaluating(model), overflow_named("X"):
        logits = model.forward(X)
    loss, _ = softmax_cross_entropy(logits, y)
    return loss, float(np.mean(logits.argmax(axis=1) == y))


def check_callbacks(callbacks):
    """Return `callbacks` as a dict name -> function ({} for None), else raise."""
    callbacks = {} if callbacks is None else callbacks
    if not isinstance(callbacks, dict) or not all(
            isinstance(k, str) and callable(f) for k, f in callbacks.items()):
        raise TypeError(f"callbacks must be a dict name -> function of the model, e.g. "
                        f"{{'dead': my_function}}; got {callbacks!r:.60}.")
    return dict(callbacks)


def fit(model, optimizer, X_train, y_train, *, epochs, batch_size, rng, X_val=None, y_val=None,
        callbacks=None, warmup_steps=0, record_train=True, patience=None):
    """Train `model` with `optimizer` on softmax cross-entropy; return the history.

    Parameters
    ----------
    model : helpers.layers.Sequential (or any layer)
    optimizer : helpers.optim.SGD or Adam, built on the same model
    X_train : array_like, shape (N, D);  y_train : array_like of int, shape (N,)
    epochs, batch_size : int
        Each epoch shuffles the data and splits it into ceil(N / batch_size) batches of
        nearly equal size (they differ by at most one sample). A model with batch norm (at any
        depth) gets fewer batches if that would leave a batch of one sample, since batch norm
        needs two: N = 5 with batch_size 2 gives 3 + 2, and batch_size 1 gives batches of 2
        (one of 3 when N is odd). Other models train on exactly the batches asked for.
    rng : numpy.random.Generator
        Shuffles the batches (dropout layers hold their own generators).
    X_val, y_val : optional validation set
    callbacks : dict[str, callable], optional
        name -> f(model), called after every epoch (and before the first); the values are
        stored in the history under that name (e.g. dead-unit fractions).
    warmup_steps : int, default 0
        Learning-rate warm-up: step k (counting from 1) uses lr * min(1, k / warmup_steps),
        a linear ramp up to the optimizer's lr; 0 switches it off. The optimizer's lr is
        restored when training ends.
    record_train : bool, default True
        Measure loss and accuracy on the whole training set after every epoch. Set it to
        False when only the validation curve is needed: that evaluation costs about a third
        of the training time on digits.
    patience : int, optional
        Early stopping: end training once the validation accuracy has not improved for this
        many epochs (needs a validation set). None trains every epoch.

    Returns
    -------
    dict of lists, each of length epochs + 1 (entry 0 is before training; fewer when
    `patience` stopped it early):
        "epoch", "step" (optimizer steps taken so far), "batch_loss" (mean loss of the epoch's
        mini-batches, in training mode; NaN before training), "train_loss", "train_acc", and
        "val_loss", "val_acc" when a validation set is given, plus one list per callback.
        Losses and accuracies are measured in evaluation mode on the whole set after each
        epoch.
    """
    check_model(model)
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"optimizer must be a helpers.optim.SGD or Adam built on the model, "
                        f"e.g. Adam(model, lr=1e-3); got {type(optimizer).__name__}.")
    if optimizer.model is not model:
        raise ValueError("optimizer must be built on this model, e.g. Adam(model, lr=1e-3); it "
                         "updates another model's parameters, so this one would never change.")
    if y_train is None:
        raise TypeError("y_train must be the labels of X_train (class indices); got None.")
    X_train, y_train = check_data(X_train, y_train, "X_train", model=model)
    if (X_val is None) != (y_val is None):
        raise ValueError("give both X_val and y_val, or neither.")
    if X_val is not None:
        X_val, y_val = check_data(X_val, y_val, "X_val", model=model)
    epochs = check_count(epochs, "epochs", minimum=0)
    batch_size = check_size(batch_size, "batch_size")
    check_rng(rng)
    callbacks = check_callbacks(callbacks)
    warmup_steps = check_positive_int(warmup_steps, "warmup_steps", minimum=0)
    record_train = check_bool(record_train, "record_train")
    if patience is not None:
        patience = check_positive_int(patience, "patience")
        if X_val is None:
            raise ValueError("patience stops on the validation accuracy: give X_val and y_val "
                             "too, or patience=None.")

    history = {"epoch": [], "step": [], "batch_loss": []}
    if record_train:
        history.update(train_loss=[], train_acc=[])
    if X_val is not None:
        history.update(val_loss=[], val_acc=[])
    history.update({name: [] for name in callbacks})

    def record(epoch, step, batch_loss):
        history["epoch"].append(epoch)
        history["step"].append(step)
        history["batch_loss"].append(batch_loss)
        for split, X, y in [("train", X_train if record_train else None, y_train),
                            ("val", X_val, y_val)]:
            if X is not None:
                loss, acc = evaluate(model, X, y)
                history[f"{split}_loss"].append(loss)
                history[f"{split}_acc"].append(acc)
        for name, callback in callbacks.items():
            history[name].append(callback(model))

    n = X_train.shape[0]
    n_batches = max(1, -(-n // batch_size))
    batch_norm = any(isinstance(layer, BatchNorm1d) for layer in leaf_layers(model))
    if batch_norm and n_batches > 1 and n // n_batches < 2:  # batch norm needs 2 samples
        n_batches = n // 2
    base_lr, step = optimizer.lr, 0
    try:
        record(0, 0, float("nan"))
        model.train()
        for epoch in range(1, epochs + 1):
            losses = []
            for batch in np.array_split(rng.permutation(n), n_batches):
                logits = model.forward(X_train[batch])
                loss, dlogits = softmax_cross_entropy(logits, y_train[batch])
                model.backward(dlogits)
                losses.append(loss)
                step += 1
                if warmup_steps:
                    optimizer.lr = base_lr * min(1.0, step / warmup_steps)
                optimizer.step()
            record(epoch, step, float(np.mean(losses)))
            if patience is not None and _stale(history["val_acc"], patience):
                break
    except DivergedError as error:
        if step == 0:  # the data itself, before any update, overflows the model's arithmetic
            raise DivergedError(f"X_train is too large for this model: before any update, the "
                                f"forward or backward pass overflowed ({error}) Rescale X_train, "
                                "e.g. with helpers.scalers.StandardScaler.") from None
        raise DivergedError(f"training diverged after {step} updates ({error}) Lower the "
                            f"learning rate (lr = {base_lr:g}), or rescale X_train if its values "
                            f"are large (|X_train| up to {np.abs(X_train).max():.3g}).") from None
    finally:
        optimizer.lr = base_lr
    return history


def _stale(val_acc, patience):
    """The best validation accuracy is more than `patience` evaluations old."""
    return len(val_acc) - 1 - int(np.argmax(val_acc)) >= patience
