"""What every exercise checker shares: the verdict type and a safe way to run the reader's code.

A checker (``check_...`` in the notebook modules nb01 to nb04) runs the reader's function on
inputs chosen so that the usual mistakes give recognisably different answers, compares with
the helpers' reference, and returns a `Feedback`: "Correct!" or "Not yet: " and a hint that
names the mistake. It never raises: whatever the reader's code does becomes a hint.
"""

import warnings
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Feedback:
    """The verdict on one exercise; shows as its message in a notebook."""

    correct: bool
    message: str

    def __repr__(self):
        return self.message

    def __bool__(self):
        return self.correct


def correct(text):
    return Feedback(True, f"Correct! {text}")


def not_yet(text):
    return Feedback(False, f"Not yet: {text}")


@dataclass(frozen=True)
class Raised:
    """The reader's function raised `error`; `feedback` reports it as it is."""

    error: Exception
    feedback: Feedback


def call(candidate, *args):
    """Run the reader's function on copies of `args`.

    Returns (output, None) or (None, problem), where problem is a Feedback, or a `Raised` when
    the function raised (so that a checker can turn some exception *types* into a better hint).
    Floating-point warnings are silenced: the checker judges the numbers that come out.
    """
    if not callable(candidate):
        return None, not_yet(f"pass your function itself (got a {type(candidate).__name__}).")
    copies = [a.copy() if isinstance(a, np.ndarray)
              else [x.copy() for x in a] if isinstance(a, list) else a for a in args]
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            out = candidate(*copies)
    except Exception as err:  # the reader's code may raise anything; report it as a hint
        return None, Raised(err, not_yet(f"your function raised {type(err).__name__}: {err}"))
    if out is None:
        return None, not_yet("your function returns None. Replace the `...` with your code "
                             "and `return` the result.")
    for a, c in zip(args, copies, strict=True):
        if isinstance(a, np.ndarray) and not np.array_equal(a, c, equal_nan=True):
            return None, not_yet("your function changed its input array in place; compute a "
                                 "new array instead.")
    return out, None


def verdict(problem):
    """The Feedback for a problem returned by `call`."""
    return problem.feedback if isinstance(problem, Raised) else problem


def matches(out, expected):
    """Same shape and the same values to 1e-12 (relative and absolute)."""
    out = np.asarray(out)
    return out.shape == np.shape(expected) and np.allclose(out.astype(float), expected,
                                                           rtol=1e-12, atol=1e-12)
