"""What every exercise checker shares: the verdict, a safe way to run the reader's code, and
one rule for comparing numbers.

A checker (``check_...`` in the notebook modules nb01 to nb04) runs the reader's function on
*fresh* inputs each time, drawn by a generator the checker owns: several shapes, float64 and
float32, and the edge values where the usual mistakes show (exactly 0, tiny positives, deep
negatives). It compares the answers with the helpers' reference and returns a `Feedback`:
"Correct!" or "Not yet: " and a hint that names the mistake, or says on which input the answer
went wrong and shows the element that differs. It never raises: whatever the reader's code
does becomes a hint.

Tolerances follow the dtype of the answer and are the same for every checker: an answer must
agree with the reference to a relative `RTOL` of its dtype (float64: 1e-9, float32: 1e-4).

Hints escalate. A known mistake's hint is a `Hint` in levels: the first names the mistake and
does not hand over the answer; each next level adds something more specific (which numpy tool,
which axis, which formula), and only the last shows the code. A checker wrapped in `checker`
counts, in the running kernel, how often each of its hints was shown since the reader's last
correct answer, and shows one more level each time the same mistake comes back.
"""

import functools
import warnings
from dataclasses import dataclass, field

import numpy as np

from ._validation import check_callable, check_positive_int, check_sequence, check_text

RTOL = {np.dtype(np.float64): 1e-9, np.dtype(np.float32): 1e-4, np.dtype(np.float16): 1e-2}
MORE_HELP = "(Run the check again for a more specific hint.)"  # after every level but the last


@dataclass(frozen=True)
class Hint:
    """A hint in levels, from naming the mistake to showing the code.

    Parameters
    ----------
    levels : sequence of str
        Each a sentence or two. The first names the mistake without giving the answer away;
        each next one adds something more specific; the last may show the code. The reader
        sees the first level, then the first two, and so on (see `checker`).
    key : str, optional
        What makes two hints "the same mistake" for counting attempts; by default the first
        level. Give one when the text holds numbers that change from call to call.

    Examples
    --------
    >>> hint = Hint(["you summed over the wrong axis.", "Sum over the samples, axis 0."])
    >>> hint.text(1)
    'you summed over the wrong axis. (Run the check again for a more specific hint.)'
    >>> hint.text(2)  # and so for every later attempt: the last level is the most there is
    'you summed over the wrong axis. Sum over the samples, axis 0.'
    """

    levels: tuple
    key: str | None = None

    def __post_init__(self):
        levels = check_sequence(self.levels, "levels", '["names the mistake.", "the code."]')
        if not levels:
            raise ValueError('levels must hold at least one sentence, e.g. levels=["names the '
                             'mistake.", "the code."]; got an empty sequence.')
        for i, level in enumerate(levels):
            if not check_text(level, f"levels[{i}]").strip():
                raise ValueError(f"levels[{i}] must be a sentence; got an empty string.")
        if check_text(self.key, "key", optional=True) is not None and not self.key.strip():
            raise ValueError("key must be a non-empty string or None; got an empty string.")
        object.__setattr__(self, "levels", tuple(str(level) for level in levels))
        object.__setattr__(self, "key", self.levels[0] if self.key is None else str(self.key))

    def text(self, attempt):
        """What the reader sees at their `attempt`-th time with this mistake (1 = the first)."""
        shown = min(check_positive_int(attempt, "attempt"), len(self.levels))
        text = " ".join(self.levels[:shown])
        return text if shown == len(self.levels) else f"{text} {MORE_HELP}"


@dataclass(frozen=True)
class Feedback:
    """The verdict on one exercise; shows as its message in a notebook."""

    correct: bool
    message: str
    hint: Hint | None = field(default=None, compare=False)  # a "not yet" with levels

    def __repr__(self):
        return self.message

    def __bool__(self):
        return self.correct


def correct(text):
    return Feedback(True, f"Correct! {text}")


def not_yet(text):
    """A "not yet" verdict; `text` is a str or a `Hint` (shown at its first level until a
    `checker` picks the level)."""
    if isinstance(text, Hint):
        return Feedback(False, f"Not yet: {text.levels[0]}", hint=text)
    return Feedback(False, f"Not yet: {text}")


# checker name -> {hint key: how often that hint was shown since the last correct answer}
_FAILED_ATTEMPTS = {}


def checker(check):
    """Make `check` (a function that returns a `Feedback`) an exercise checker whose hints
    escalate: a `Hint` shown for the n-th time since the reader's last correct answer shows
    its first n levels. Each checker counts for itself; a correct answer starts it afresh.
    Hints given as plain text (returns None, raised an error, wrong shape) are always the same.

    Parameters
    ----------
    check : callable
        check(*args) -> Feedback.

    Returns
    -------
    callable
        `check` with the counting around it (same name, docstring and signature).

    Examples
    --------
    >>> @checker
    ... def check_answer(answer):
    ...     if answer == 42:
    ...         return correct("the answer.")
    ...     return not_yet(Hint(["not the answer.", "Think of 6 x 7.", "answer = 42"]))
    >>> check_answer(41)
    Not yet: not the answer. (Run the check again for a more specific hint.)
    >>> check_answer(41)
    Not yet: not the answer. Think of 6 x 7. (Run the check again for a more specific hint.)
    >>> check_answer(40)
    Not yet: not the answer. Think of 6 x 7. answer = 42
    >>> check_answer(42)
    Correct! the answer.
    >>> check_answer(41)
    Not yet: not the answer. (Run the check again for a more specific hint.)
    >>> check_answer(42)
    Correct! the answer.
    """
    check_callable(check, "check", "check_relu_grad")
    name = f"{getattr(check, '__module__', None)}.{getattr(check, '__qualname__', repr(check))}"

    @functools.wraps(check)
    def counted(*args, **kwargs):
        feedback = check(*args, **kwargs)
        if not isinstance(feedback, Feedback):
            return feedback
        if feedback.correct:
            _FAILED_ATTEMPTS.pop(name, None)
            return feedback
        if feedback.hint is None:
            return feedback
        counts = _FAILED_ATTEMPTS.setdefault(name, {})
        counts[feedback.hint.key] = counts.get(feedback.hint.key, 0) + 1
        return Feedback(False, f"Not yet: {feedback.hint.text(counts[feedback.hint.key])}",
                        hint=feedback.hint)

    return counted


@dataclass(frozen=True)
class Raised:
    """The reader's function raised `error`; `feedback` reports it as it is."""

    error: Exception
    feedback: Feedback


def fresh_rng():
    """A generator of the checker's own, seeded anew from the operating system at each call,
    so that an answer cannot be fitted to one fixed input."""
    return np.random.default_rng()


def _copies(value):
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, list):
        return [_copies(v) for v in value]
    return value


def _same(a, b):
    if isinstance(a, np.ndarray):
        return np.array_equal(a, b, equal_nan=True)
    if isinstance(a, list):
        return all(_same(x, y) for x, y in zip(a, b, strict=True))
    return True


def call(candidate, *args):
    """Run the reader's function on copies of `args`.

    Returns (output, None) or (None, problem), where problem is a Feedback, or a `Raised` when
    the function raised (so that a checker can turn some exception *types* into a better hint).
    Floating-point warnings are silenced: the checker judges the numbers that come out.
    """
    if not callable(candidate):
        return None, not_yet(f"pass your function itself (got a {type(candidate).__name__}).")
    given = [_copies(a) for a in args]
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            out = candidate(*given)
    except Exception as err:  # the reader's code may raise anything; report it as a hint
        return None, Raised(err, not_yet(f"your function raised {type(err).__name__}: {err}"))
    if out is None:
        return None, not_yet("your function returns None. Replace the `...` with your code "
                             "and `return` the result.")
    if not all(_same(a, g) for a, g in zip(args, given, strict=True)):
        return None, not_yet("your function changed its input in place (e.g. z[z < 0] = 0 or "
                             "np.maximum(z, 0, out=z)); compute a new array instead.")
    return out, None


def verdict(problem):
    """The Feedback for a problem returned by `call`."""
    return problem.feedback if isinstance(problem, Raised) else problem


def numbers(out):
    """The reader's answer as a float array (booleans, ints and lists of numbers welcome);
    None if it is not numbers (strings, ragged lists, objects)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            array = np.asarray(out)
    except (ValueError, TypeError):
        return None
    if array.dtype.kind == "b" or array.dtype.kind in "iu":
        return array.astype(np.float64)
    if array.dtype.kind != "f":
        return None
    return array


def rtol(*arrays):
    """The relative tolerance for comparing these arrays: that of the least precise dtype."""
    return max(RTOL.get(np.asarray(a).dtype, RTOL[np.dtype(np.float64)]) for a in arrays)


def close(out, expected, *, scale=0.0):
    """True if `out` has the shape of `expected` and agrees with it to the dtypes' tolerance.

    scale : float
        For answers with a natural size (a normalised output, say): differences up to
        rtol * scale count as agreement too. 0 (the default) is purely relative, so that a
        tiny correct value (selu'(-30) = 1.6e-13) cannot be replaced by 0.
    """
    out, expected = np.asarray(out), np.asarray(expected)
    if out.shape != expected.shape:
        return False
    tol = rtol(out, expected)
    with np.errstate(all="ignore"):
        return bool(np.all(np.isclose(out.astype(np.float64), expected.astype(np.float64),
                                      rtol=tol, atol=tol * scale, equal_nan=False)))


def difference(out, expected, *, scale=0.0):
    """A sentence that shows the first element where `out` and `expected` differ."""
    out, expected = np.asarray(out, dtype=np.float64), np.asarray(expected, dtype=np.float64)
    tol = rtol(out, expected)
    with np.errstate(all="ignore"):
        wrong = ~np.isclose(out, expected, rtol=tol, atol=tol * scale)
    index = tuple(int(i) for i in np.argwhere(wrong)[0]) if out.ndim else ()
    got, want = out[index], expected[index]
    where = f" at index {index if len(index) > 1 else index[0]}" if index else ""
    text = f"{where} expected {want:.10g}, got {got:.10g}"
    if np.isfinite(got) and np.isfinite(want) and want != 0 and got != 0:
        digits = int(np.clip(np.floor(-np.log10(abs(got - want) / abs(want))), 0, 16))
        if digits >= 3:
            text += (f": they agree to {digits} digits (the printed ones look equal), but "
                     f"{'float32' if tol > 1e-6 else 'float64'} answers must agree to a "
                     f"relative {tol:g}")
    return text.strip()


@dataclass(frozen=True)
class Case:
    """One input for the reader's function, and how to describe it in a hint."""

    args: tuple
    label: str


def check_cases(candidate, cases, reference, mistakes=(), *, scale=0.0, diagnose=None):
    """Run the candidate on every case; None if all agree with `reference`, else the Feedback.

    Parameters
    ----------
    cases : list of Case
    reference : callable
        reference(*case.args) -> the right answer.
    mistakes : sequence of (function, hint)
        function(*case.args) -> what a known mistake gives; its hint is shown if the answer
        matches it (and not the reference).
    diagnose : callable, optional
        diagnose(got, expected, *case.args) -> a hint for a wrong answer of the right shape,
        or None: for mistakes that a single wrong function does not describe.
    """
    passed = []
    for case in cases:
        out, problem = call(candidate, *case.args)
        if problem is not None:
            return verdict(problem)
        got, expected = numbers(out), np.asarray(reference(*case.args))
        if got is None:
            return not_yet(f"return an array of numbers; got {type(out).__name__} "
                           f"{str(out)[:40]!r}.")
        if got.shape == expected.shape and close(got, expected, scale=scale):
            passed.append(case)
            continue
        for wrong, hint in mistakes:
            with np.errstate(all="ignore"):
                if close(got, wrong(*case.args), scale=scale):
                    return not_yet(hint)
        if got.shape != expected.shape:
            return not_yet(f"for {case.label} the result must have shape {expected.shape}; "
                           f"got {got.shape}.")
        hint = diagnose(got, expected, *case.args) if diagnose else None
        if hint:
            return not_yet(hint)
        if passed:
            return not_yet(f"right for {passed[0].label}, but not for {case.label}: "
                           f"{difference(got, expected, scale=scale)}.")
        return not_yet(f"for {case.label}: {difference(got, expected, scale=scale)}.")
    return None


def shape_label(z):
    """E.g. "float32 input of shape (3, 5)"."""
    return f"{z.dtype} input of shape {z.shape}"
