"""Loss functions: each returns the loss and its gradient with respect to the scores."""

import numpy as np

from ._validation import DivergedError, as_float_array


def check_labels(labels, n_samples, n_classes):
    """Return `labels` as an int array of shape (n_samples,) with values in [0, n_classes)."""
    labels = np.asarray(labels)
    if labels.dtype.kind not in "iu" and not (
        labels.dtype.kind == "f" and labels.size and np.all(labels == np.round(labels))
    ):
        raise TypeError(f"labels must be integers (class indices); got dtype {labels.dtype}.")
    if labels.shape != (n_samples,):
        raise ValueError(
            f"labels must have shape ({n_samples},), one class index per sample; got "
            f"{labels.shape}."
        )
    labels = labels.astype(np.intp)
    if labels.size and (labels.min() < 0 or labels.max() >= n_classes):
        raise ValueError(
            f"labels must be in [0, {n_classes}) for {n_classes} classes; got values from "
            f"{labels.min()} to {labels.max()}."
        )
    return labels


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
    labels = check_labels(labels, n, c)
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_norm = np.log(np.exp(shifted).sum(axis=1))
    log_probs = shifted - log_norm[:, None]
    loss = -log_probs[np.arange(n), labels].mean()
    dlogits = np.exp(log_probs)
    dlogits[np.arange(n), labels] -= 1
    return float(loss), dlogits / n
