"""Loss functions: each returns the loss and its gradient with respect to the scores."""

import numpy as np

from ._validation import (
    DivergedError,
    as_float_array,
    check_not_masked,
    check_size,
    describe_non_number,
)


def check_labels(labels, n_samples, n_classes=None, name="labels", rows="X"):
    """Return `labels` as an int array of shape (n_samples,) with values in [0, n_classes)
    (n_classes None: any class index up to 2**31 - 1). `name` and `rows` name the labels and
    the array whose rows they label in error messages (e.g. "y_train" and "X_train")."""
    n_samples = check_size(n_samples, "n_samples", minimum=0)
    if n_classes is not None:
        n_classes = check_size(n_classes, "n_classes")
    check_not_masked(labels, name)
    if labels is None or isinstance(labels, str | bytes | dict | set):
        raise TypeError(f"{name} must be integers (class indices), one per row of {rows}; got "
                        f"{type(labels).__name__} {labels!r:.40}.")
    try:
        array = np.asarray(labels)
    except (ValueError, TypeError, OverflowError):
        array = np.array(None)
    if array.dtype.kind not in "iu" and not (
        array.dtype.kind == "f" and array.size and np.all(array == np.round(array))
    ):
        kind = (f"dtype {array.dtype}" if array.dtype != object else
                describe_non_number(labels) or "ragged or mixed values (not all integers)")
        raise TypeError(f"{name} must be integers (class indices); got {kind}.")
    labels = array
    if labels.shape != (n_samples,):
        raise ValueError(
            f"{name} must have shape ({n_samples},), one class index per row of {rows}; got "
            f"{labels.shape}."
        )
    top, what = (2**31, "class indices from 0 to 2**31 - 1") if n_classes is None else (
        n_classes, f"in [0, {n_classes}) for {n_classes} classes")
    if labels.dtype.kind == "f":  # compared in float64: 2**31 overflows float16
        labels = labels.astype(np.float64)
    if labels.size and (labels.min() < 0 or labels.max() >= top):  # before casting
        raise ValueError(f"{name} must be {what}; got values from {labels.min():g} to "
                         f"{labels.max():g}.")
    return labels.astype(np.intp)


def softmax_cross_entropy(logits, labels):
    """Mean cross-entropy of softmax(logits) against integer labels, and d loss / d logits.

    Parameters
    ----------
    logits : array_like, shape (N, C)
        Unnormalised class scores.
    labels : array_like of int, shape (N,)
        Class indices in [0, C).

    Returns
    -------
    loss : float
    dlogits : ndarray, shape (N, C)
        (softmax(logits) - one_hot(labels)) / N.

    Notes
    -----
    loss = mean_n [logsumexp(logits_n) - logits_n[label_n]], computed after subtracting each
    row's maximum, so no exp overflows.

    Examples
    --------
    >>> loss, d = softmax_cross_entropy([[0.0, 0.0]], [1])
    >>> round(loss, 6), d.tolist()
    (0.693147, [[0.5, -0.5]])
    """
    logits = as_float_array(logits, "logits")
    if logits.ndim != 2 or logits.shape[0] == 0 or logits.shape[1] < 2:
        raise ValueError(
            f"logits must have shape (N, C) with N >= 1 samples and C >= 2 classes; got "
            f"{logits.shape}."
        )
    if not np.isfinite(logits).all():
        raise DivergedError("logits hold NaN or inf: the network diverged; lower the learning "
                            "rate.")
    n, c = logits.shape
    labels = check_labels(labels, n, c, rows="logits")
    with np.errstate(over="ignore"):  # checked just below
        shifted = logits - logits.max(axis=1, keepdims=True)
    if not np.isfinite(shifted).all():
        raise DivergedError("logits in one row differ by more than float64 can hold (beyond "
                            "about 1e308): the network diverged; lower the learning rate.")
    log_norm = np.log(np.exp(shifted).sum(axis=1))
    log_probs = shifted - log_norm[:, None]
    loss = -(log_probs[np.arange(n), labels] / n).sum()  # divided first: no overflow near 1e308
    dlogits = np.exp(log_probs)
    dlogits[np.arange(n), labels] -= 1
    return float(loss), dlogits / n
