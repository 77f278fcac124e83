"""Checkers for the notebooks' exercises: "Correct" or a specific hint, never a traceback.

Each ``check_...`` runs the reader's function on inputs chosen so that the usual mistakes give
recognisably different answers, compares with the helpers' reference, and returns a
`Feedback` that displays as one short message.
"""

from dataclasses import dataclass

import numpy as np

from .activations import SELU_ALPHA, SELU_LAMBDA, relu, relu_grad, selu, selu_grad
from .selu_theory import derive_selu_constants, moment_map


@dataclass(frozen=True)
class Feedback:
    """The verdict on one exercise; shows as its message in a notebook."""

    correct: bool
    message: str

    def __repr__(self):
        return self.message

    def __bool__(self):
        return self.correct


def _correct(text):
    return Feedback(True, f"Correct! {text}")


def _not_yet(text):
    return Feedback(False, f"Not yet: {text}")


def _call(candidate, *args):
    """Run the reader's function; return (output, None) or (None, Feedback)."""
    if not callable(candidate):
        return None, _not_yet(f"pass your function itself (got a {type(candidate).__name__}).")
    copies = [a.copy() if isinstance(a, np.ndarray)
              else [x.copy() for x in a] if isinstance(a, list) else a for a in args]
    try:
        out = candidate(*copies)
    except Exception as err:  # the reader's code may raise anything; report it as a hint
        return None, _not_yet(f"your function raised {type(err).__name__}: {err}")
    if out is None:
        return None, _not_yet("your function returns None. Replace the `...` with your code "
                              "and `return` the result.")
    for a, c in zip(args, copies, strict=True):
        if isinstance(a, np.ndarray) and not np.array_equal(a, c, equal_nan=True):
            return None, _not_yet("your function changed its input array in place; compute "
                                  "a new array instead.")
    return out, None


def _matches(out, expected):
    out = np.asarray(out)
    return out.shape == np.shape(expected) and np.allclose(out.astype(float), expected,
                                                           rtol=1e-12, atol=1e-12)


# --- notebook 01 ------------------------------------------------------------------------------

_RELU_Z = np.array([[-3.0, -0.5, 0.0, 1e-8, 2.0, 7.5], [0.0, -1e-8, 4.0, -2.0, 0.3, -0.0]])


def check_relu_grad(candidate):
    """Check a reader's ``relu_grad(z)``: 1 where z > 0, else 0 (0 at exactly 0).

    Examples
    --------
    >>> check_relu_grad(lambda z: (z > 0).astype(float))
    Correct! Your relu_grad is 1 where z > 0 and 0 elsewhere, including at exactly 0.
    """
    z = _RELU_Z
    out, problem = _call(candidate, z)
    if problem is not None:
        return problem
    out = np.asarray(out)
    expected = relu_grad(z)
    if out.shape != z.shape:
        return _not_yet(f"the result must have the shape of z, {z.shape}; got {out.shape}. "
                        "Work elementwise: no sums or means.")
    if out.dtype == bool:
        if np.array_equal(out, expected.astype(bool)):
            return _not_yet("the right pattern, but as booleans. Return numbers: "
                            "(z > 0).astype(z.dtype).")
        out = out.astype(float)
    if _matches(out, expected):
        return _correct("Your relu_grad is 1 where z > 0 and 0 elsewhere, including at "
                        "exactly 0.")
    if _matches(out, np.ones_like(z)):
        return _not_yet("every slope came out as 1. Did you test the output, relu(z) >= 0? "
                        "That is always true. Test the pre-activation: z > 0.")
    if _matches(out, (z >= 0).astype(float)):
        return _not_yet("right except at exactly z = 0. The course, like PyTorch, takes the "
                        "z <= 0 branch there, so relu_grad(0) is 0: use z > 0, not z >= 0.")
    if _matches(out, relu(z)):
        return _not_yet("you returned max(0, z), the function itself; return its slope.")
    return _not_yet(f"for z = {z[0].tolist()} expected {expected[0].tolist()}, got "
                    f"{np.asarray(out, dtype=float)[0].tolist()}.")


def _dead_fraction_inputs():
    """Three layers of pre-activations (samples x units) that tell the usual mistakes apart."""
    rng = np.random.default_rng(1)
    layer1 = -np.abs(rng.standard_normal((40, 8)))  # start all-negative: every unit dead
    layer1[5, 0] = 0.7  # unit 0 fires once: sparse, not dead
    layer1[:, 1] = np.abs(layer1[:, 1])  # unit 1 always fires
    layer1[0, 1] = -1.0  # ...except on sample 0
    layer1[1:, 2] = np.abs(layer1[1:, 2])  # unit 2 negative on sample 0 only
    layer1[:, 3] = 0.0  # unit 3 exactly zero everywhere: dead (zero gradient)
    layer2 = rng.standard_normal((40, 5))
    layer2[:, 4] = -np.abs(layer2[:, 4])  # one dead unit out of 5
    layer2[0, :] = -1.0  # sample 0 negative everywhere
    layer3 = np.abs(rng.standard_normal((40, 4))) + 0.1  # nothing dead...
    layer3[3, 0] = -0.5  # ...though unit 0 is negative on one sample (not sample 0)
    return [layer1, layer2, layer3]


_DEAD_MISTAKES = {
    "one sample": (lambda zs: [np.mean(z[0] <= 0) for z in zs],
                   "you looked at a single sample. A unit is dead only if z <= 0 for EVERY "
                   "sample of the data set: np.all(z <= 0, axis=0)."),
    "sparsity": (lambda zs: [np.mean(z <= 0) for z in zs],
                 "that is the fraction of zero outputs (sparsity), counted over all entries. "
                 "Dead is per unit: z <= 0 for every sample, then the fraction of such units."),
    "strict": (lambda zs: [np.mean(np.all(z < 0, axis=0)) for z in zs],
               "a unit whose pre-activation is exactly 0 gets zero gradient too: use <= 0."),
    "any": (lambda zs: [np.mean(np.any(z <= 0, axis=0)) for z in zs],
            "you counted units that are <= 0 for SOME sample; dead means for ALL samples."),
    "wrong axis": (lambda zs: [np.mean(np.all(z <= 0, axis=1)) for z in zs],
                   "you reduced over the units (axis=1); reduce over the samples (axis=0), "
                   "one verdict per unit."),
    "counts": (lambda zs: [np.sum(np.all(z <= 0, axis=0)) for z in zs],
               "you returned the number of dead units; return the fraction per layer."),
}


def reference_dead_fractions(preactivations):
    """Per layer, the fraction of units with pre-activation <= 0 for every sample."""
    return [float(np.mean(np.all(z <= 0, axis=0))) for z in preactivations]


def check_dead_fractions(candidate):
    """Check a reader's ``dead_fractions(preactivations) -> one fraction per layer``.

    `preactivations` is a list with one (samples, units) array per layer.

    Examples
    --------
    >>> check_dead_fractions(lambda zs: [np.mean(np.all(z <= 0, axis=0)) for z in zs])
    Correct! A unit counts as dead only when z <= 0 for every sample.
    """
    zs = _dead_fraction_inputs()
    out, problem = _call(candidate, zs)
    if problem is not None:
        return problem
    expected = reference_dead_fractions(zs)
    try:
        out = np.asarray(out, dtype=float).reshape(-1)
    except (TypeError, ValueError):
        return _not_yet("return one number per layer, e.g. a list of floats.")
    if out.shape != (len(zs),):
        return _not_yet(f"return one fraction per layer: {len(zs)} numbers for {len(zs)} "
                        f"layers; got {out.size}.")
    if _matches(out, expected):
        return _correct("A unit counts as dead only when z <= 0 for every sample.")
    for wrong, hint in _DEAD_MISTAKES.values():
        if _matches(out, wrong(zs)):
            return _not_yet(hint)
    return _not_yet(f"expected {[round(e, 3) for e in expected]}, got "
                    f"{[round(float(o), 3) for o in out]}.")


# --- notebook 02 ------------------------------------------------------------------------------

def _prelu_inputs():
    """z: (5 samples, 3 channels) with exact zeros; slopes below 0, in [0, 1] and above 1."""
    rng = np.random.default_rng(2)
    z = np.round(rng.standard_normal((5, 3)) * 2, 2)
    z[0, 0] = z[3, 2] = 0.0
    z[1, :] = [-1.5, -2.0, -0.5]  # a row of negatives for every channel
    alpha = np.array([0.25, 1.5, -0.3])
    dout = np.round(rng.standard_normal((5, 3)), 2)
    return z, alpha, dout


def _unified(z, alpha):
    return np.maximum(z, 0) + alpha * np.minimum(z, 0)


def check_prelu(candidate):
    """Check a reader's ``prelu(z, alpha)``: z of shape (samples, channels), one slope per
    channel, f = max(0, z) + alpha min(0, z).

    Examples
    --------
    >>> check_prelu(lambda z, a: np.maximum(z, 0) + a * np.minimum(z, 0))
    Correct! max(0, z) + a min(0, z) is right for every slope, even a > 1 or a < 0.
    """
    z, alpha, _ = _prelu_inputs()
    out, problem = _call(candidate, z, alpha)
    if problem is not None:
        if "integer" in problem.message or "index" in problem.message:
            return _not_yet("np.max(a, b) treats b as an axis, not a second array (the "
                            "article's mistake). Combine the two parts elementwise.")
        if "broadcast" in problem.message:
            return _not_yet("shapes do not broadcast: alpha has one slope per channel, and "
                            "the channels are axis 1 of z, so alpha * z already lines them up.")
        return problem
    expected = _unified(z, alpha)
    if np.shape(out) != z.shape:
        return _not_yet(f"the result must have the shape of z, {z.shape}; got {np.shape(out)}.")
    if _matches(out, expected):
        return _correct("max(0, z) + a min(0, z) is right for every slope, even a > 1 or a < 0.")
    if _matches(out, np.maximum(alpha * z, z)):
        return _not_yet("np.maximum(a z, z) equals PReLU only when a <= 1; a learned "
                        "slope can be 1.5. Use max(0, z) + a min(0, z).")
    if _matches(out, _unified(z, 0.01)):
        return _not_yet("that is Leaky ReLU with a fixed 0.01; use the slopes in alpha.")
    if _matches(out, np.maximum(z, 0)):
        return _not_yet("that is plain ReLU: the negative part a min(0, z) is missing.")
    if _matches(out, np.where(z > 0, z, alpha)):
        return _not_yet("for z <= 0 the output is a * z, not a.")
    return _not_yet(f"for z = {z[1].tolist()} and a = {alpha.tolist()} expected "
                    f"{expected[1].tolist()}, got {np.asarray(out, dtype=float)[1].tolist()}.")


def check_prelu_backward(candidate):
    """Check a reader's ``prelu_backward(dout, z, alpha) -> (dz, dalpha)`` for channel-wise
    slopes (channels on axis 1).

    Examples
    --------
    >>> def ok(dout, z, a):
    ...     return dout * np.where(z > 0, 1.0, a), (dout * np.minimum(z, 0)).sum(axis=0)
    >>> check_prelu_backward(ok)
    Correct! dz = dout * (1 if z > 0 else a), dalpha = sum over samples of dout * min(0, z).
    """
    z, alpha, dout = _prelu_inputs()
    out, problem = _call(candidate, dout, z, alpha)
    if problem is not None:
        return problem
    if not (isinstance(out, tuple | list) and len(out) == 2):
        return _not_yet("return two arrays, (dz, dalpha).")
    dz, dalpha = (np.asarray(v, dtype=float) for v in out)
    slope = np.where(z > 0, 1.0, alpha)
    good_dz, good_dalpha = dout * slope, (dout * np.minimum(z, 0)).sum(axis=0)
    if dz.shape != z.shape:
        return _not_yet(f"dz must have the shape of z, {z.shape}; got {dz.shape}.")
    if not _matches(dz, good_dz):
        if _matches(dz, dout * np.where(z >= 0, 1.0, alpha)):
            return _not_yet("dz is right except at exactly z = 0, where the course takes the "
                            "z <= 0 branch: the slope there is a, not 1.")
        if _matches(dz, dout * alpha):
            return _not_yet("dz uses the slope a everywhere; where z > 0 the slope is 1 "
                            "(a mask on z <= 0 is missing).")
        if _matches(dz, slope):
            return _not_yet("dz is the local slope only; multiply by the upstream gradient "
                            "dout (chain rule).")
        return _not_yet("dz is not dout * (1 if z > 0 else a).")
    if dalpha.shape != alpha.shape:
        if dalpha.shape == (z.shape[0],):
            return _not_yet("dalpha has one entry per sample: you summed over the channels "
                            "(axis=1). Sum over the samples (axis=0), one entry per slope.")
        if dalpha.size == 1:
            return _not_yet("dalpha is a single number: that is the shared-slope gradient. "
                            "Each channel has its own slope: sum over axis 0 only.")
        return _not_yet(f"dalpha must have the shape of alpha, {alpha.shape}; got "
                        f"{dalpha.shape}.")
    if _matches(dalpha, good_dalpha):
        return _correct("dz = dout * (1 if z > 0 else a), dalpha = sum over samples of "
                        "dout * min(0, z).")
    if _matches(dalpha, (dout * z).sum(axis=0)):
        return _not_yet("df/da = min(0, z): it is z only where z <= 0 and 0 elsewhere; the "
                        "mask is missing.")
    if _matches(dalpha, (dout * np.minimum(z, 0)).mean(axis=0)):
        return _not_yet("use the sum over samples, not the mean (the loss already averages).")
    if _matches(dalpha, np.minimum(z, 0).sum(axis=0)):
        return _not_yet("dalpha must be weighted by the upstream gradient dout.")
    return _not_yet(f"expected dalpha {np.round(good_dalpha, 4).tolist()}, got "
                    f"{np.round(dalpha, 4).tolist()}.")


# --- notebook 03 ------------------------------------------------------------------------------

_SELU_Z = np.array([[-6.0, -1.0, -1e-3, 0.0, 1e-3, 2.5], [-0.2, 3.0, -30.0, 0.7, -2.2, 0.0]])


def check_selu_grad(candidate):
    """Check a reader's ``selu_grad(z)``: lambda for z > 0, lambda alpha exp(z) for z <= 0.

    Examples
    --------
    >>> from helpers.activations import selu_grad
    >>> check_selu_grad(selu_grad)
    Correct! lambda for z > 0 and lambda * alpha * exp(z) for z <= 0.
    """
    z = _SELU_Z
    out, problem = _call(candidate, z)
    if problem is not None:
        return problem
    if np.shape(out) != z.shape:
        return _not_yet(f"the result must have the shape of z, {z.shape}; got {np.shape(out)}.")
    out = np.asarray(out, dtype=float)
    expected = selu_grad(z)
    if np.allclose(out, expected, rtol=1e-6, atol=1e-12):
        return _correct("lambda for z > 0 and lambda * alpha * exp(z) for z <= 0.")
    lam, alpha, e = SELU_LAMBDA, SELU_ALPHA, np.exp(np.minimum(z, 0))
    mistakes = [
        (np.where(z > 0, 1.0, alpha * e), "the factor lambda is missing: SELU is lambda times "
         "an ELU, so both branches of the derivative carry lambda."),
        (np.where(z > 0, lam, alpha * e), "the negative branch is missing lambda: it is "
         "lambda * alpha * exp(z), not alpha * exp(z)."),
        (np.where(z > 0, lam, lam * e), "the negative branch is missing alpha: lambda * alpha * "
         "exp(z), whose value at 0 is lambda * alpha = 1.7581."),
        (np.where(z > 0, lam, lam * alpha * (e - 1)), "that is the function's negative branch "
         "shape, lambda * alpha * (exp(z) - 1); differentiate it: the -1 disappears."),
        (np.where(z >= 0, lam, lam * alpha * e), "right except at exactly z = 0, where the "
         "course takes the z <= 0 branch: lambda * alpha."),
        (selu(z), "you returned selu itself, not its derivative."),
    ]
    for wrong, hint in mistakes:
        if np.allclose(out, wrong, rtol=1e-6, atol=1e-12):
            return _not_yet(hint)
    return _not_yet(f"for z = {z[0].tolist()} expected {np.round(expected[0], 4).tolist()}, got "
                    f"{np.round(out[0], 4).tolist()}.")


def check_fixed_point_constants(answer, mean=0.0, var=2.0):
    """Check (alpha, lam) that make (mean, var) a fixed point of the SELU moment map
    (omega = 0, tau = 1), against ``helpers.selu_theory.derive_selu_constants``.

    Examples
    --------
    >>> from helpers.selu_theory import derive_selu_constants
    >>> check_fixed_point_constants(derive_selu_constants(0.0, 2.0))
    Correct! With these constants (0, 2) is a fixed point: mean 0 and variance 2 stay put.
    """
    if answer is None or answer is Ellipsis:
        return _not_yet("fill in my_answer = (alpha, lam), the two numbers you found.")
    try:
        alpha, lam = (float(v) for v in answer)
    except (TypeError, ValueError):
        return _not_yet(f"give two numbers, (alpha, lam); got {answer!r}.")
    want_alpha, want_lam = derive_selu_constants(mean, var)
    if abs(alpha - want_alpha) < 1e-6 and abs(lam - want_lam) < 1e-6:
        return _correct(f"With these constants ({mean:g}, {var:g}) is a fixed point: mean "
                        f"{mean:g} and variance {var:g} stay put.")
    if abs(alpha - want_lam) < 1e-6 and abs(lam - want_alpha) < 1e-6:
        return _not_yet("the right numbers in the wrong order: (alpha, lam).")
    if abs(alpha - SELU_ALPHA) < 1e-6 and abs(lam - SELU_LAMBDA) < 1e-6:
        return _not_yet(f"those are SELU's constants, made for the fixed point (0, 1); solve "
                        f"for ({mean:g}, {var:g}).")
    if not (np.isfinite(alpha) and np.isfinite(lam) and alpha > 0 and lam > 0):
        return _not_yet("both constants must be positive numbers.")
    got_mean, got_var = moment_map(mean, var, 0.0, 1.0, alpha=alpha, lam=lam)
    if abs(got_mean - mean) < 1e-6:
        return _not_yet(f"the mean is fixed ({got_mean:.6f}) but the variance is not: "
                        f"g gives {got_var:.6f} instead of {var:g}. Solve both equations.")
    if abs(got_var - var) < 1e-6:
        return _not_yet(f"the variance is fixed but the mean is not: g gives {got_mean:.6f} "
                        f"instead of {mean:g}. Solve both equations.")
    return _not_yet(f"with these constants g({mean:g}, {var:g}) = ({got_mean:.4f}, "
                    f"{got_var:.4f}); both must equal ({mean:g}, {var:g}).")


# --- notebook 04 ------------------------------------------------------------------------------

def _bn_inputs():
    rng = np.random.default_rng(4)
    x = rng.normal(2.0, 3.0, (6, 4))
    x[:, 3] = 5.0  # a constant feature: only eps keeps its normalisation finite
    return x, np.array([1.0, 2.0, 0.5, 1.5]), np.array([0.0, -1.0, 0.3, 0.2])


def check_batchnorm_forward(candidate, eps=1e-5):
    """Check a reader's ``batchnorm_forward(x, gamma, beta, eps)`` in training mode: normalise
    each feature with the batch mean and the *biased* batch variance, then scale and shift.

    Examples
    --------
    >>> def bn(x, g, b, eps):
    ...     return g * (x - x.mean(0)) / np.sqrt(x.var(0) + eps) + b
    >>> check_batchnorm_forward(bn)
    Correct! Batch mean, biased batch variance, eps inside the square root, then gamma and beta.
    """
    x, gamma, beta = _bn_inputs()
    out, problem = _call(candidate, x, gamma, beta, eps)
    if problem is not None:
        if "divide" in problem.message or "invalid value" in problem.message:
            return _not_yet("a division by zero: the last feature is constant, so its variance "
                            "is 0. That is what eps is for: sqrt(var + eps).")
        return problem
    if np.shape(out) != x.shape:
        return _not_yet(f"the output must have the shape of x, {x.shape}; got {np.shape(out)}.")
    out = np.asarray(out, dtype=float)

    def bn(mean_axis=0, ddof=0, eps_=eps, affine=True):
        mean = x.mean(axis=mean_axis, keepdims=True)
        var = x.var(axis=mean_axis, ddof=ddof, keepdims=True)
        with np.errstate(divide="ignore", invalid="ignore"):
            x_hat = (x - mean) / np.sqrt(var + eps_)
        return gamma * x_hat + beta if affine else x_hat

    if np.allclose(out, bn(), rtol=1e-9, atol=1e-9):
        return _correct("Batch mean, biased batch variance, eps inside the square root, then "
                        "gamma and beta.")
    if not np.all(np.isfinite(out)):
        return _not_yet("the output holds NaN or inf: the last feature is constant, so its "
                        "variance is 0. Add eps inside the square root: sqrt(var + eps).")
    mistakes = [
        (bn(ddof=1), "you used the unbiased variance (ddof=1). Batch norm normalises with the "
         "biased batch variance (divide by N); the unbiased one only feeds the running "
         "variance."),
        (bn(eps_=0.0), "eps is missing: without it a constant feature divides by zero."),
        (bn(mean_axis=1), "you normalised each sample over its features (axis=1): that is layer "
         "norm. Batch norm normalises each feature over the batch (axis=0)."),
        (bn(affine=False), "the normalisation is right; now scale by gamma and shift by beta."),
        (gamma * (x - x.mean(0)) / (x.std(0) + eps) + beta, "eps goes inside the square root: "
         "sqrt(var + eps), not std + eps."),
    ]
    for wrong, hint in mistakes:
        with np.errstate(invalid="ignore"):
            if np.allclose(out, wrong, rtol=1e-9, atol=1e-9, equal_nan=True):
                return _not_yet(hint)
    return _not_yet("not yet the batch-norm output; check the mean, the variance and eps.")


def _scaler_inputs():
    rng = np.random.default_rng(5)
    train = rng.normal([10.0, -3.0, 1000.0], [2.0, 0.5, 300.0], (30, 3))
    test = rng.normal([12.0, -2.0, 1400.0], [2.0, 0.5, 300.0], (10, 3))  # a shifted test set
    return train, test


def check_train_only_scaler(candidate):
    """Check a reader's ``standardize(X_train, X_test) -> (train_scaled, test_scaled)`` that
    fits the statistics on the training split only.

    Examples
    --------
    >>> def ok(tr, te):
    ...     m, s = tr.mean(0), tr.std(0)
    ...     return (tr - m) / s, (te - m) / s
    >>> check_train_only_scaler(ok)
    Correct! Mean and standard deviation from the training split, applied to both splits.
    """
    train, test = _scaler_inputs()
    out, problem = _call(candidate, train, test)
    if problem is not None:
        return problem
    if not (isinstance(out, tuple | list) and len(out) == 2):
        return _not_yet("return two arrays: (train_scaled, test_scaled).")
    got_train, got_test = (np.asarray(v, dtype=float) for v in out)
    if got_train.shape != train.shape or got_test.shape != test.shape:
        return _not_yet("each returned array must keep the shape of its input.")

    def scaled(fit_on, ddof=0):
        m, s = fit_on.mean(axis=0), fit_on.std(axis=0, ddof=ddof)
        return (train - m) / s, (test - m) / s

    def matches(pair):
        return _matches(got_train, pair[0]) and _matches(got_test, pair[1])

    if matches(scaled(train)):
        return _correct("Mean and standard deviation from the training split, applied to "
                        "both splits.")
    if matches(scaled(np.vstack([train, test]))):
        return _not_yet("the statistics came from training AND test data: that leaks the test "
                        "set into preprocessing. Fit on X_train only.")
    m_te, s_te = test.mean(axis=0), test.std(axis=0)
    if _matches(got_train, scaled(train)[0]) and _matches(got_test, (test - m_te) / s_te):
        return _not_yet("the test split was scaled with its own statistics; use the training "
                        "split's mean and standard deviation for both.")
    if _matches(got_train, scaled(train)[0]) and _matches(got_test, test):
        return _not_yet("the test split is not scaled at all; apply the same transformation.")
    if matches(scaled(train, ddof=1)):
        return _not_yet("nearly: use the population standard deviation (ddof=0), as "
                        "scikit-learn's StandardScaler does.")
    return _not_yet("not yet: subtract the training mean and divide by the training standard "
                    "deviation, feature by feature (axis=0).")
