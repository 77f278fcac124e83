"""One protocol for every training comparison of the course.

1. **Early stopping.** A run is judged at its checkpoint with the best validation accuracy (the
   first one, if several tie), and its test accuracy is read at that same checkpoint.
2. **One learning rate per configuration**, chosen on validation only: the rate whose mean over
   seeds of that best validation accuracy is highest, from a log-spaced grid of at least five
   rates. The best rate must be inside the grid, not at an edge (else the grid is widened).
3. **Paired seeds.** Arms are compared seed by seed (same seed: same initial weights where the
   shapes match, same batches). A difference is the mean of the per-seed differences, with a
   bootstrap confidence interval that resamples seeds (`scipy.stats.bootstrap`). Across the
   comparisons of one table the intervals are widened by Holm's step-down correction, so that
   the whole table is wrong with probability at most 5 %. A difference whose interval contains
   0 is "not distinguishable with N seeds".
4. **The test set's own error.** An accuracy p measured on n test examples is uncertain by
   about sqrt(p (1 - p) / n) even for a fixed network (binomial sampling).
"""

import inspect
from dataclasses import dataclass

import numpy as np
import scipy.stats

from ._validation import as_float_array, check_finite_real, check_positive_int

ALPHA = 0.05  # one table of comparisons is wrong with probability at most ALPHA
MIN_GRID = 5  # learning rates in a grid, at least


def _rng(function, seed):
    """scipy's name for a seeded generator: `rng` since scipy 1.15, `random_state` before."""
    name = "rng" if "rng" in inspect.signature(function).parameters else "random_state"
    return {name: np.random.default_rng(seed)}


class EdgeOptimumError(ValueError):
    """The best learning rate is the smallest or the largest of the grid: widen the grid."""


@dataclass(frozen=True)
class Checkpoint:
    """Where a run is judged: its evaluation `index`, and the accuracies there."""

    index: int
    val_acc: float
    test_acc: float


def best_checkpoint(val_acc, test_acc):
    """The checkpoint with the best validation accuracy (early stopping).

    Parameters
    ----------
    val_acc, test_acc : array_like, shape (evaluations,)
        Accuracies after each evaluation of one run; NaN where it had diverged.

    Returns
    -------
    Checkpoint
        The first evaluation with the highest validation accuracy. A run that diverged before
        its first evaluation counts as accuracy 0 (it learned nothing usable).

    Examples
    --------
    >>> best_checkpoint([0.1, 0.8, 0.7, 0.8], [0.1, 0.75, 0.72, 0.9])
    Checkpoint(index=1, val_acc=0.8, test_acc=0.75)
    """
    val = as_float_array(val_acc, "val_acc")
    test = as_float_array(test_acc, "test_acc")
    if val.ndim != 1 or val.size == 0 or test.shape != val.shape:
        raise ValueError(f"val_acc and test_acc must be 1-D, of the same non-zero length (one "
                         f"entry per evaluation); got shapes {val.shape} and {test.shape}.")
    if np.all(np.isnan(val)):
        return Checkpoint(0, 0.0, 0.0)
    index = int(np.nanargmax(val))
    return Checkpoint(index, float(val[index]), float(test[index]))


def _check_grid(lrs):
    lrs = np.array([check_finite_real(lr, "learning rate", minimum=0.0, exclusive=True)
                    for lr in lrs])
    if lrs.size < MIN_GRID:
        raise ValueError(f"a learning-rate grid needs at least {MIN_GRID} rates; got "
                         f"{lrs.size}: {lrs.tolist()}.")
    ratios = np.diff(np.log(np.sort(lrs)))
    if np.ptp(ratios) > 1e-6 * max(ratios.max(), 1e-12) or ratios.min() <= 0:
        raise ValueError(f"a learning-rate grid must be log-spaced (each rate the same factor "
                         f"above the last, e.g. np.geomspace(1e-4, 1e-1, 7)); got "
                         f"{np.sort(lrs).tolist()}.")
    return lrs


def choose_learning_rate(val_by_lr, *, require_interior=True):
    """The learning rate whose mean over seeds of the best validation accuracy is highest.

    Parameters
    ----------
    val_by_lr : dict
        learning rate -> array_like (seeds,) of each run's best validation accuracy
        (`best_checkpoint(...).val_acc`), the same seeds for every rate.
    require_interior : bool, default True
        Raise `EdgeOptimumError` when the best rate is the smallest or largest of the grid.

    Returns
    -------
    float
        The chosen learning rate (ties: the smallest).

    Examples
    --------
    >>> choose_learning_rate({1e-4: [0.5, 0.6], 1e-3: [0.7, 0.8], 1e-2: [0.9, 0.9],
    ...                       1e-1: [0.8, 0.7], 1.0: [0.1, 0.1]})
    0.01
    """
    if not isinstance(val_by_lr, dict):
        raise TypeError(f"val_by_lr must be a dict learning rate -> validation accuracies per "
                        f"seed; got {type(val_by_lr).__name__}.")
    lrs = np.sort(_check_grid(list(val_by_lr)))
    values = [as_float_array(val_by_lr[lr], f"val_by_lr[{lr}]") for lr in lrs]
    sizes = {v.shape for v in values}
    if len(sizes) != 1 or values[0].ndim != 1 or values[0].size == 0:
        raise ValueError(f"every learning rate needs the same seeds, one accuracy each; got "
                         f"shapes {[v.shape for v in values]}.")
    means = np.array([np.nan_to_num(v, nan=0.0).mean() for v in values])
    best = int(np.argmax(means))
    if require_interior and best in (0, lrs.size - 1):
        raise EdgeOptimumError(
            f"the best learning rate, {lrs[best]:g}, is at the edge of the grid "
            f"{lrs.tolist()}: the optimum may lie outside it. Widen the grid past {lrs[best]:g}.")
    return float(lrs[best])


@dataclass(frozen=True)
class Difference:
    """Mean of the paired differences a - b over seeds, its confidence interval, and the
    p-value of "no difference" (sign flips over seeds; Holm-adjusted within a table)."""

    mean: float
    low: float
    high: float
    n_seeds: int
    confidence: float
    pvalue: float
    alpha: float

    @property
    def distinguishable(self):
        """The interval excludes 0 and the sign-flip test rejects "no difference" at alpha.

        With few seeds the test decides: 4 seeds can never reach p < 0.05 (2 of the 16 sign
        patterns are as extreme as any data), however narrow a bootstrap interval looks.
        """
        return (self.low > 0 or self.high < 0) and self.pvalue < self.alpha

    def __str__(self):
        interval = f"{self.mean:+.3f} [{self.low:+.3f}, {self.high:+.3f}]"
        if not self.distinguishable:
            return f"{interval}: not distinguishable with {self.n_seeds} seeds"
        return interval


def paired_difference(a, b, *, confidence=0.95, n_resamples=9999, seed=0):
    """Mean difference a - b over paired seeds, with a bootstrap confidence interval.

    Parameters
    ----------
    a, b : array_like, shape (seeds,)
        One number per seed for each arm, seed i of `a` paired with seed i of `b`.
    confidence : float, default 0.95
    n_resamples : int, default 9999
    seed : int, default 0
        Seeds the resampling, so the interval is the same on every run.

    Returns
    -------
    Difference
        The BCa interval of ``scipy.stats.bootstrap`` over the per-seed differences (seeds are
        resampled, never single runs; when every difference is the same, the interval is that
        one value) and the sign-flip p-value, tested at alpha = 1 - confidence.

    Examples
    --------
    >>> a = [0.91, 0.88, 0.90, 0.93, 0.89, 0.92, 0.90, 0.91, 0.87, 0.90]
    >>> b = [0.89, 0.87, 0.88, 0.90, 0.89, 0.90, 0.87, 0.90, 0.86, 0.88]
    >>> d = paired_difference(a, b)
    >>> print(d)
    +0.017 [+0.011, +0.022]
    >>> d.distinguishable
    True
    >>> print(paired_difference(a[:4], b[:4]))  # the same kind of gap, 4 seeds
    +0.020 [+0.013, +0.028]: not distinguishable with 4 seeds
    """
    a, b = as_float_array(a, "a"), as_float_array(b, "b")
    if a.ndim != 1 or a.shape != b.shape or a.size < 2:
        raise ValueError(f"a and b must be 1-D with one value per seed, the same seeds, at "
                         f"least 2; got shapes {a.shape} and {b.shape}.")
    if not (np.all(np.isfinite(a)) and np.all(np.isfinite(b))):
        raise ValueError("a and b must be finite (count a diverged run as accuracy 0).")
    confidence = check_finite_real(confidence, "confidence", minimum=0.0, exclusive=True)
    if confidence >= 1:
        raise ValueError(f"confidence must be in (0, 1); got {confidence}.")
    diffs = a - b
    mean = float(diffs.mean())
    pvalue = sign_flip_pvalue(a, b)
    if np.ptp(diffs) == 0:  # no spread: the bootstrap would have nothing to resample
        return Difference(mean, mean, mean, diffs.size, confidence, pvalue, 1 - confidence)
    result = scipy.stats.bootstrap(
        (diffs,), np.mean, confidence_level=confidence,
        n_resamples=check_positive_int(n_resamples, "n_resamples"),
        method="BCa", **_rng(scipy.stats.bootstrap, check_positive_int(seed, "seed", minimum=0)))
    low, high = result.confidence_interval
    if not (np.isfinite(low) and np.isfinite(high)):  # BCa undefined (tiny samples)
        low, high = np.quantile(result.bootstrap_distribution,
                                [(1 - confidence) / 2, (1 + confidence) / 2])
    return Difference(mean, float(low), float(high), diffs.size, confidence, pvalue,
                      1 - confidence)


def sign_flip_pvalue(a, b):
    """Two-sided p-value of "a and b do not differ", by flipping the sign of paired differences.

    Exact over all 2^n sign patterns for n <= 16 seeds (``scipy.stats.permutation_test``).
    """
    a, b = as_float_array(a, "a"), as_float_array(b, "b")
    if a.ndim != 1 or a.shape != b.shape or a.size < 2:
        raise ValueError(f"a and b must be 1-D with one value per seed, the same seeds; got "
                         f"shapes {a.shape} and {b.shape}.")
    diffs = a - b
    if np.all(diffs == 0):
        return 1.0
    result = scipy.stats.permutation_test(
        (diffs,), np.mean, permutation_type="samples", n_resamples=2**16,
        alternative="two-sided", **_rng(scipy.stats.permutation_test, 0))
    return float(result.pvalue)


def holm(pvalues):
    """Holm's step-down adjustment: the adjusted p-values, in the order given.

    Examples
    --------
    >>> holm([0.01, 0.04, 0.03]).round(3).tolist()
    [0.03, 0.06, 0.06]
    """
    p = as_float_array(pvalues, "pvalues")
    if p.ndim != 1 or np.any((p < 0) | (p > 1)) or np.any(np.isnan(p)):
        raise ValueError(f"pvalues must be a 1-D array of probabilities; got {pvalues!r:.60}.")
    order = np.argsort(p)
    m = p.size
    stepped = np.maximum.accumulate((m - np.arange(m)) * p[order])
    adjusted = np.empty(m)
    adjusted[order] = np.minimum(stepped, 1.0)
    return adjusted


def compare(pairs, *, alpha=ALPHA, seed=0):
    """Every comparison of one table, with intervals corrected for their number (Holm).

    Parameters
    ----------
    pairs : dict
        name -> (a, b), each an array of one value per seed, paired.
    alpha : float, default 0.05
        The chance that any interval of the table misses its true difference, at most.

    Returns
    -------
    dict name -> Difference
        Comparison k of m, ranked by its sign-flip p-value, gets an interval of confidence
        1 - alpha / (m - k + 1), the level Holm's procedure tests it at, and its Holm-adjusted
        p-value, tested at alpha.
    """
    if not isinstance(pairs, dict) or not pairs:
        raise TypeError(f"pairs must be a non-empty dict name -> (a, b); got {pairs!r:.60}.")
    alpha = check_finite_real(alpha, "alpha", minimum=0.0, exclusive=True)
    names = list(pairs)
    pvalues = np.array([sign_flip_pvalue(*pairs[name]) for name in names])
    adjusted = holm(pvalues)
    m = len(names)
    result = {}
    for rank, i in enumerate(np.argsort(pvalues, kind="stable")):
        d = paired_difference(*pairs[names[i]], confidence=1 - alpha / (m - rank), seed=seed)
        result[names[i]] = Difference(d.mean, d.low, d.high, d.n_seeds, d.confidence,
                                      float(adjusted[i]), alpha)
    return {name: result[name] for name in names}


def sampling_error(accuracy, n_test):
    """Standard error of an accuracy measured on `n_test` examples: sqrt(p (1 - p) / n).

    Examples
    --------
    >>> round(sampling_error(0.6, 1000), 4)
    0.0155
    """
    p = check_finite_real(accuracy, "accuracy", minimum=0.0)
    if p > 1:
        raise ValueError(f"accuracy must be in [0, 1]; got {p}.")
    return float(np.sqrt(p * (1 - p) / check_positive_int(n_test, "n_test")))
