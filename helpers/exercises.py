"""Checkers for the notebooks' exercises: "Correct" or a specific hint, never a traceback.

Each ``check_...`` runs the reader's function on inputs chosen so that the usual mistakes give
recognisably different answers, compares with the helpers' reference, and returns a
`Feedback` that displays as one short message.
"""

from dataclasses import dataclass

import numpy as np

from .activations import relu, relu_grad


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
    copies = [a.copy() if isinstance(a, np.ndarray) else [x.copy() for x in a] for a in args]
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
